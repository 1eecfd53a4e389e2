import Foundation
import RelanceDomain
import RelanceEvents
import Testing

/// `RELANCE_DUNNING_POLICIES` (issue 26): the file's schema, what it reads, and how a
/// merchant's policy falls back on the default's.
@Suite("dunning policies file")
struct DunningPolicyFileTests {
    static let file = #"""
        {"default": {"finalAction": "suspend", "minimumOverdue": {"EUR": 500}},
         "merchants": {"m-2": {"finalAction": "write_off", "preDueReminderDays": [1, 7]},
                       "m-3": {"minimumOverdue": {"USD": 1000, "JPY": 100}}}}
        """#

    func problem(_ text: String) -> String? {
        do {
            try ConfigurationFiles.dunningPolicies.schema.validate(try JSONReader.read(Array(text.utf8)), path: "$")
            _ = try DunningPolicies.read(Data(text.utf8))
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("a merchant's members override the default's, the rest fall back on it, and on the ladder's")
    func merging() throws {
        #expect(problem(Self.file) == nil)
        let policies = try DunningPolicies.read(Data(Self.file.utf8))
        let base = LadderPolicy(stepDays: [2, 9, 16, 21, 26])
        let m1 = policies.policy(for: "m-1", base: base)
        #expect(m1.finalAction == .suspend && m1.minimumOverdue == ["EUR": 500] && m1.stepDays == base.stepDays)
        let m2 = policies.policy(for: "m-2", base: base)
        #expect(m2.finalAction == .writeOff && m2.minimumOverdue == ["EUR": 500] && m2.preDueReminderDays == [7, 1])
        let m3 = policies.policy(for: "m-3", base: base)
        #expect(m3.finalAction == .suspend && m3.minimumOverdue == ["USD": 1_000, "JPY": 100])
        #expect(DunningPolicies().policy(for: "m-1", base: .default) == .default)
        #expect(LadderPolicy.default.finalAction == .terminate, "today's behaviour stays the default")
    }

    @Test("a bad file names the path of the bad member")
    func badFiles() {
        let cases: [(String, String)] = [
            (#"{"default": {"finalAction": "delete"}}"#, "$.default.finalAction"),
            (#"{"default": {"finalAction": "suspend", "minimumOverdu": {}}}"#, "$.default.minimumOverdu"),
            (#"{"merchants": {"m-1": {"minimumOverdue": {"EUR": -1}}}}"#, "$.merchants.m-1.minimumOverdue.EUR"),
            (#"{"merchants": {"m-1": {"minimumOverdue": {"EURO": 5}}}}"#, "$.merchants.m-1.minimumOverdue.EURO"),
            (#"{"merchants": {"m-1": {"preDueReminderDays": [0]}}}"#, "$.merchants.m-1.preDueReminderDays[0]"),
            (#"{"merchants": {"m-1": {"preDueReminderDays": [3, 3]}}}"#, "$.merchants.m-1.preDueReminderDays"),
            (#"{"defaults": {}}"#, "$.defaults"),
        ]
        for (text, path) in cases {
            let said = problem(text)
            #expect(said?.contains(path) == true, "\(text): \(said ?? "accepted")")
        }
    }

    @Test("the minimum is per currency: reached in one currency is enough, never summed across currencies")
    func dunned() {
        let policy = LadderPolicy(stepDays: [1, 8, 15, 20, 25], minimumOverdue: ["EUR": 500, "USD": 1_000])
        func invoice(_ amount: Int64, _ currency: String, paid: Int64 = 0) -> DueInvoice {
            DueInvoice(
                id: "\(amount)\(currency)", number: "N", amount: amount, currency: currency, dueOn: "2026-10-01",
                paid: paid)
        }
        #expect(!policy.dunned([invoice(499, "EUR")]))
        #expect(policy.dunned([invoice(500, "EUR")]))
        #expect(policy.dunned([invoice(250, "EUR"), invoice(250, "EUR")]))
        #expect(!policy.dunned([invoice(499, "EUR"), invoice(999, "USD")]))
        #expect(policy.dunned([invoice(499, "EUR"), invoice(1_000, "USD")]))
        #expect(!policy.dunned([invoice(900, "EUR", paid: 401)]), "what is left counts")
        #expect(policy.dunned([invoice(1, "GBP")]), "no minimum for GBP")
        #expect(!policy.dunned([]))
    }

    @Test("steps 3 and 4 count the days to the step that carries the final action out")
    func daysToTheFinalAction() {
        var policy = LadderPolicy.default
        #expect(policy.daysToTermination(step: 3) == 10 && policy.daysToTermination(step: 4) == 5)
        policy.finalAction = .suspend
        #expect(policy.daysToTermination(step: 3) == 5 && policy.daysToTermination(step: 4) == nil)
        policy.finalAction = .writeOff
        #expect(policy.daysToTermination(step: 3) == 10 && policy.daysToTermination(step: 1) == nil)
    }
}

@Suite("the overdue ladder held by an operator")
struct LadderHoldTests {
    static func day(_ n: Int) -> Int64 {
        (Int64(Timestamp.daysFromCivil(year: 2026, month: 10, day: 1)) + Int64(n)) * 86_400_000
    }

    func steps(_ effects: [LadderEffect]) -> [Int] {
        effects.compactMap { if case .step(let step, _, _) = $0 { step } else { nil } }
    }

    @Test("a resume read after a timed pause ended resumes at the pause's end, the spacing kept")
    func resumeAfterTheEnd() {
        var ladder = OverdueLadder()
        ladder.issued(DueInvoice(id: "i1", number: "INV-1", amount: 4_900, currency: "EUR", dueOn: "2026-10-01"))
        #expect(steps(ladder.advance(now: Self.day(1), policy: .default)) == [1])
        ladder.setHold(DunningHold(pausedUntil: Self.day(12)), now: Self.day(2))
        #expect(ladder.advance(now: Self.day(10), policy: .default).isEmpty)
        // The resume command is read on day 14, before the ladder's timer for the pause's end.
        ladder.setHold(nil, now: Self.day(14))
        #expect(steps(ladder.advance(now: Self.day(14), policy: .default)) == [2])
        // Step 2 was due on day 8, put back to the pause's end (day 12): step 3 on 15 + 4.
        #expect(ladder.nextMoment(now: Self.day(14), policy: .default) == Self.day(19))
        #expect(ladder.hold == nil && ladder.delay == 4 * 86_400_000)
    }

    @Test("held: a payment still stops the ladder; the hold stays for what comes next")
    func paymentWhileHeld() {
        var ladder = OverdueLadder()
        ladder.issued(DueInvoice(id: "i1", number: "INV-1", amount: 4_900, currency: "EUR", dueOn: "2026-10-01"))
        _ = ladder.advance(now: Self.day(21), policy: .default)
        #expect(ladder.standing == .suspended)
        ladder.setHold(DunningHold(excluded: true), now: Self.day(22))
        ladder.paid(invoiceID: "i1", amount: 4_900, paymentID: "p1")
        #expect(ladder.advance(now: Self.day(22), policy: .default) == [.reactivated])
        ladder.issued(DueInvoice(id: "i2", number: "INV-2", amount: 4_900, currency: "EUR", dueOn: "2026-10-25"))
        #expect(ladder.advance(now: Self.day(60), policy: .default).isEmpty, "still excluded")
        #expect(ladder.hold == DunningHold(excluded: true))
    }
}
