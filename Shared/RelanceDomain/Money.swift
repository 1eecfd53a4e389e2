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

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
