import Foundation
import RelanceEvents

/// A merchant's late fees (issue 26; Code de commerce L441-10, directive 2011/7/EU): the flat
/// recovery indemnity and late-payment interest, added to each overdue invoice the ladder's
/// notices are about from step `atStep`, once per invoice and kind. Off unless configured.
public struct LateFeePolicy: Sendable, Codable, Equatable {
    /// The ladder step (1…5) from which the fees are added.
    public var atStep: Int
    /// Currency → the flat indemnity in minor units (`{"EUR": 4000}`, the legal 40 €); an
    /// invoice in a currency not named gets none.
    public var flatIndemnity: [String: Int64]?
    /// The annual interest rate in percent, a decimal string (`"12.15"`: the ECB rate + 10
    /// points), 0…100, at most 4 decimals; none: no interest.
    public var annualInterestRatePercent: String?
    /// `actual/365` (default) or `actual/360`: days counted as they are, over a year of 365 or 360.
    public var interestDayCount: String?

    public init(
        atStep: Int, flatIndemnity: [String: Int64]? = nil, annualInterestRatePercent: String? = nil,
        interestDayCount: String? = nil
    ) {
        self.atStep = atStep
        self.flatIndemnity = flatIndemnity
        self.annualInterestRatePercent = annualInterestRatePercent
        self.interestDayCount = interestDayCount
    }

    public static let dayCounts = ["actual/365", "actual/360"]

    /// The days of the interest year.
    public var yearDays: Int64 { interestDayCount == "actual/360" ? 360 : 365 }

    /// The rate in ten-thousandths of a percent (`"12.15"` → 121,500), nil when absent or not
    /// a decimal of at most 3 + 4 digits.
    public var rate: Int64? { annualInterestRatePercent.flatMap(Self.rate(_:)) }

    /// `"12.15"` → 121,500 (ten-thousandths of a percent); nil when not a plain decimal of at
    /// most 3 whole digits and 4 decimals.
    public static func rate(_ text: String) -> Int64? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, (1...3).contains(whole.count), whole.allSatisfy(\.isASCII),
            whole.allSatisfy(\.isNumber), let units = Int64(whole)
        else { return nil }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        guard parts.count == 1 || (1...4).contains(fraction.count), fraction.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        fraction += String(repeating: "0", count: 4 - fraction.count)
        guard let decimals = Int64(fraction) else { return nil }
        return units * 10_000 + decimals
    }

    /// The file's checks beyond its schema, naming the member's path.
    func check(path: String) throws(DunningPolicyError) {
        guard (1...5).contains(atStep) else { throw DunningPolicyError("\(path).atStep must be a step 1…5") }
        for (currency, amount) in (flatIndemnity ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard Currency(code: currency) != nil else {
                throw DunningPolicyError("\(path).flatIndemnity.\(currency) is not an ISO 4217 currency code")
            }
            guard Money.isWithinBound(amount) else {
                throw DunningPolicyError("\(path).flatIndemnity.\(currency) must be 0…\(Money.maximumMinorUnits)")
            }
        }
        if let text = annualInterestRatePercent {
            guard let rate = Self.rate(text), rate <= 1_000_000 else {
                throw DunningPolicyError(
                    "\(path).annualInterestRatePercent must be a decimal from 0 to 100 with at most 4 decimals: \"\(text)\""
                )
            }
        }
        if let count = interestDayCount, !Self.dayCounts.contains(count) {
            throw DunningPolicyError(
                "\(path).interestDayCount must be one of \(Self.dayCounts.joined(separator: ", "))")
        }
    }
}

/// A late fee as the ladder keeps it on its invoice.
public struct LateFee: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case flatIndemnity = "flat_indemnity"
        case lateInterest = "late_interest"
    }

    /// `<invoice id>/<kind>`: the same fee, the same id.
    public var id: String
    public var kind: Kind
    public var amount: Int64
    /// Late interest: the first and last days counted (yyyy-MM-dd), and the annual rate in percent.
    public var from: String?
    public var to: String?
    public var annualRatePercent: String?

    public init(
        id: String, kind: Kind, amount: Int64, from: String? = nil, to: String? = nil,
        annualRatePercent: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.amount = amount
        self.from = from
        self.to = to
        self.annualRatePercent = annualRatePercent
    }

    public static func id(invoice: String, kind: Kind) -> String { "\(invoice)/\(kind.rawValue)" }
}

/// The late-interest arithmetic, in integers.
public enum LateInterest {
    /// Simple interest on `principal` minor units at `rate` ten-thousandths of a percent a year
    /// for `days` days over a year of `yearDays`: principal × rate × days ÷ (1,000,000 × yearDays),
    /// rounded half up to the minor unit. Computed in 128 bits; a product or result that does not
    /// fit an amount (`Money.maximumMinorUnits`) is a `MoneyOverflow`, never a trap.
    public static func amount(principal: Int64, rate: Int64, days: Int64, yearDays: Int64 = 365)
        throws(MoneyOverflow) -> Int64
    {
        guard principal > 0, rate > 0, days > 0, yearDays > 0 else { return 0 }
        let (partial, overflow1) = Int128(principal).multipliedReportingOverflow(by: Int128(rate))
        let (numerator, overflow2) = partial.multipliedReportingOverflow(by: Int128(days))
        guard !overflow1, !overflow2 else { throw MoneyOverflow("\(principal) × \(rate) × \(days)") }
        let denominator = Int128(1_000_000) * Int128(yearDays)
        let rounded = (numerator + denominator / 2) / denominator
        guard rounded <= Int128(Money.maximumMinorUnits) else {
            throw MoneyOverflow("interest of \(rounded) minor units on \(principal)")
        }
        return Int64(rounded)
    }
}
