import Foundation
import RelanceDomain
import RelanceEvents
import Testing

/// Issue 26's late fees in the domain: the interest arithmetic, the policy file's checks, and
/// the ladder adding each fee once.
@Suite("late fees")
struct LateFeeDomainTests {
    @Test("interest by hand: 1,000.00 € unpaid at 12.15 % for 30 days is 9.99 €, rounded half up")
    func interestByHand() throws {
        // 100 000 minor units × 12.15 % × 30 / 365 = 100 000 × 121 500 × 30 / (1 000 000 × 365)
        // = 364 500 000 000 / 365 000 000 = 998.630… → 999 minor units: 9,99 €.
        let rate = try #require(LateFeePolicy.rate("12.15"))
        #expect(rate == 121_500)
        #expect(try LateInterest.amount(principal: 100_000, rate: rate, days: 30) == 999)
        // Half up: at 10 % a year, 1 825 minor units for one day is 1 825 / 3 650 = 0.5 → 1;
        // 1 824 is 0.4997… → 0.
        #expect(try LateInterest.amount(principal: 1_825, rate: 100_000, days: 1) == 1)
        #expect(try LateInterest.amount(principal: 1_824, rate: 100_000, days: 1) == 0)
        // actual/360: 100 000 × 121 500 × 30 / 360 000 000 = 1 012.5 → 1 013.
        #expect(try LateInterest.amount(principal: 100_000, rate: rate, days: 30, yearDays: 360) == 1_013)
        #expect(try LateInterest.amount(principal: 100_000, rate: 0, days: 30) == 0)
    }

    @Test("interest that does not fit an amount is a MoneyOverflow, never a trap")
    func interestOverflow() {
        #expect(throws: MoneyOverflow.self) {
            try LateInterest.amount(principal: Money.maximumMinorUnits, rate: 1_000_000, days: 400)
        }
        #expect(throws: MoneyOverflow.self) {
            try LateInterest.amount(principal: .max, rate: .max, days: .max)
        }
    }

    @Test("rates: decimals of at most 3 + 4 digits")
    func rates() {
        #expect(LateFeePolicy.rate("12.15") == 121_500)
        #expect(LateFeePolicy.rate("100") == 1_000_000)
        #expect(LateFeePolicy.rate("0") == 0)
        #expect(LateFeePolicy.rate("0.0001") == 1)
        for bad in ["", ".5", "12.", "12.12345", "1000", "-1", "1e3", "12,15", "١٢"] {
            #expect(LateFeePolicy.rate(bad) == nil, "\(bad)")
        }
    }

    func problem(_ text: String) -> String? {
        do {
            try ConfigurationFiles.dunningPolicies.schema.validate(try JSONReader.read(Array(text.utf8)), path: "$")
            _ = try DunningPolicies.read(Data(text.utf8))
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("the policy file: lateFees read and merged; a bad value stops the start naming its path")
    func policyFile() throws {
        let good = #"""
            {"default": {"lateFees": {"atStep": 3, "flatIndemnity": {"EUR": 4000},
                                      "annualInterestRatePercent": "12.15", "interestDayCount": "actual/365"}},
             "merchants": {"m-2": {"lateFees": {"atStep": 5, "annualInterestRatePercent": "8"}}}}
            """#
        #expect(problem(good) == nil)
        let policies = try DunningPolicies.read(Data(good.utf8))
        #expect(policies.policy(for: "m-1", base: .default).lateFees?.flatIndemnity == ["EUR": 4_000])
        #expect(policies.policy(for: "m-2", base: .default).lateFees?.atStep == 5)
        #expect(policies.policy(for: "m-2", base: .default).lateFees?.flatIndemnity == nil)
        #expect(DunningPolicies().policy(for: "m-1", base: .default).lateFees == nil, "off unless configured")
        let bad: [(String, String)] = [
            (#"{"default": {"lateFees": {"atStep": 6}}}"#, "$.default.lateFees.atStep"),
            (#"{"default": {"lateFees": {"atStep": 3, "rate": "5"}}}"#, "$.default.lateFees.rate"),
            (
                #"{"merchants": {"m-1": {"lateFees": {"atStep": 3, "annualInterestRatePercent": "100.5"}}}}"#,
                "$.merchants.m-1.lateFees.annualInterestRatePercent"
            ),
            (
                #"{"default": {"lateFees": {"atStep": 3, "annualInterestRatePercent": 12.15}}}"#,
                "$.default.lateFees.annualInterestRatePercent"
            ),
            (
                #"{"default": {"lateFees": {"atStep": 3, "flatIndemnity": {"EURO": 4000}}}}"#,
                "$.default.lateFees.flatIndemnity.EURO"
            ),
            (
                #"{"default": {"lateFees": {"atStep": 3, "flatIndemnity": {"EUR": -1}}}}"#,
                "$.default.lateFees.flatIndemnity.EUR"
            ),
            (
                #"{"default": {"lateFees": {"atStep": 3, "interestDayCount": "30/360"}}}"#,
                "$.default.lateFees.interestDayCount"
            ),
        ]
        for (text, path) in bad {
            let problem = problem(text)
            #expect(problem?.hasPrefix(path) == true, "\(text): \(problem ?? "accepted")")
        }
    }

    static func day(_ n: Int64) -> Int64 { 1_790_812_800_000 + n * 86_400_000 }  // 2026-10-01 + n days

    @Test("the ladder: the fees before the step that shows them, once, on the invoices the step is about")
    func ladder() {
        var policy = LadderPolicy.default
        policy.lateFees = LateFeePolicy(atStep: 2, flatIndemnity: ["EUR": 4_000], annualInterestRatePercent: "12.15")
        var ladder = OverdueLadder()
        ladder.issued(DueInvoice(id: "i1", number: "INV-1", amount: 100_000, currency: "EUR", dueOn: "2026-10-01"))
        _ = ladder.advance(now: Self.day(1), policy: policy)
        let effects = ladder.advance(now: Self.day(8), policy: policy)
        // 100 000 × 121 500 × 8 / 365 000 000 = 266.30… → 266.
        guard effects.count == 3, case .feeAdded(_, let flat) = effects[0],
            case .feeAdded(_, let interest) = effects[1],
            case .step(2, _, let invoices) = effects[2]
        else {
            Issue.record("\(effects)")
            return
        }
        #expect(flat.amount == 4_000 && interest.amount == 266 && interest.from == "2026-10-02")
        #expect(interest.to == "2026-10-09")
        #expect(invoices.first?.remaining == 104_266 && invoices.first?.fees?.count == 2)
        let later = ladder.advance(now: Self.day(30), policy: policy)
        #expect(!later.contains { if case .feeAdded = $0 { true } else { false } })
        #expect(ladder.invoices.first?.fees?.count == 2)
    }
}
