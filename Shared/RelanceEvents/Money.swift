/// An amount of money: an integer count of the currency's minor units (cents, yen, fils).
/// Never a floating-point number.
public struct Money: Sendable, Hashable, Codable, CustomStringConvertible {
    public var minorUnits: Int64
    public var currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// Money from a decimal string in major units, e.g. `"12.50"` EUR → 1250. Refuses more
    /// decimals than the currency has (`"1.234"` EUR), signs other than a leading `-`,
    /// exponents and anything that is not a plain decimal number.
    public init?(decimal text: String, currency: Currency) {
        var digits = Substring(text)
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit) else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= currency.minorUnitDigits, fraction.allSatisfy(\.isASCIIDigit),
            parts.count == 1 || !fraction.isEmpty
        else { return nil }
        let padded = fraction + String(repeating: "0", count: currency.minorUnitDigits - fraction.count)
        guard let major = Int64(whole), let minor = Int64(padded.isEmpty ? "0" : padded) else { return nil }
        let (scaled, overflow) = major.multipliedReportingOverflow(by: currency.minorUnitsPerMajorUnit)
        guard !overflow else { return nil }
        let (total, overflow2) = scaled.addingReportingOverflow(minor)
        guard !overflow2 else { return nil }
        self.init(minorUnits: negative ? -total : total, currency: currency)
    }

    /// The amount in major units as a plain decimal string with the currency's digits:
    /// `12.50`, `1000`, `1.250`.
    public var decimalString: String {
        let digits = currency.minorUnitDigits
        let magnitude = minorUnits.magnitude
        let factor = UInt64(currency.minorUnitsPerMajorUnit)
        let sign = minorUnits < 0 ? "-" : ""
        guard digits > 0 else { return sign + String(magnitude) }
        let fraction = String(magnitude % factor)
        return sign + String(magnitude / factor) + "."
            + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    public var description: String { "\(decimalString) \(currency.code)" }

    /// Sums amounts of one currency; nil when the currencies differ or the sum overflows.
    public static func sum(_ amounts: [Money]) -> Money? {
        guard let first = amounts.first else { return nil }
        var total: Int64 = 0
        for amount in amounts {
            guard amount.currency == first.currency else { return nil }
            let (next, overflow) = total.addingReportingOverflow(amount.minorUnits)
            guard !overflow else { return nil }
            total = next
        }
        return Money(minorUnits: total, currency: first.currency)
    }
}

/// A money computation refused because its result does not fit: reported as
/// `amount_out_of_range` (a rejection, a verdict to review or a dead letter), never a trap.
public struct MoneyOverflow: Error, Sendable, Equatable, CustomStringConvertible {
    /// The computation, e.g. `9223372036854775807 + 4900`.
    public var operation: String

    public init(_ operation: String) { self.operation = operation }

    /// The stable code every refusal of an amount that does not fit carries.
    public static let code = "amount_out_of_range"

    public var description: String { "\(operation) does not fit in a 64-bit count of minor units" }
}

/// Checked money arithmetic: every sum and product of amounts in the domain goes through these,
/// so that an overflow is a refusal with a reason and never a trap.
extension Money {
    /// The largest amount an event may carry: 999,999,999,999,999 minor units (just under
    /// 10^15: 9,999,999,999,999.99 EUR). Exact in an IEEE 754 double (below 2^53), so JSON
    /// consumers that read numbers as doubles (JavaScript) read every amount exactly; far above
    /// any real invoice; and about 9,200 such amounts still add up within an `Int64`.
    public static let maximumMinorUnits: Int64 = 999_999_999_999_999

    /// Whether `minorUnits` is an amount an event may carry: 0...`maximumMinorUnits`.
    public static func isWithinBound(_ minorUnits: Int64) -> Bool { (0...maximumMinorUnits).contains(minorUnits) }

    /// `a + b`, or `MoneyOverflow`.
    public static func add(_ a: Int64, _ b: Int64) throws(MoneyOverflow) -> Int64 {
        let (result, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw MoneyOverflow("\(a) + \(b)") }
        return result
    }

    /// `a + b` of two non-negative amounts, held at `Int64.max`: for money received against a
    /// due amount, where anything past the amount due means "paid" (the overdue ladder).
    public static func addReceived(_ a: Int64, _ b: Int64) -> Int64 {
        let (result, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b < 0 ? Int64.min : Int64.max) : result
    }

    /// `a - b`, or `MoneyOverflow`.
    public static func subtract(_ a: Int64, _ b: Int64) throws(MoneyOverflow) -> Int64 {
        let (result, overflow) = a.subtractingReportingOverflow(b)
        guard !overflow else { throw MoneyOverflow("\(a) - \(b)") }
        return result
    }

    /// `a × b`, or `MoneyOverflow`.
    public static func multiply(_ a: Int64, _ b: Int64) throws(MoneyOverflow) -> Int64 {
        let (result, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else { throw MoneyOverflow("\(a) × \(b)") }
        return result
    }

    /// The sum of `amounts`, or `MoneyOverflow` as soon as a partial sum does not fit.
    public static func total<S: Sequence<Int64>>(_ amounts: S) throws(MoneyOverflow) -> Int64 {
        var total: Int64 = 0
        for amount in amounts { total = try add(total, amount) }
        return total
    }

    /// Whether `part` is at most `basisPoints` ten-thousandths of `whole` (`part × 10,000 ≤
    /// whole × basisPoints`), computed exactly in 128 bits: no amount makes it overflow.
    public static func isShare(_ part: Int64, of whole: Int64, atMostBasisPoints basisPoints: Int64) -> Bool {
        Int128(part) * 10_000 <= Int128(whole) * Int128(basisPoints)
    }
}

extension Character {
    package var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
