import RelanceDomain
import RelanceEvents
import Testing

@Suite struct OverdueLadderTests {
    static let policy = LadderPolicy.default
    /// Midnight UTC of day `n` after 2026-10-01 (the due date of the test invoice).
    static func day(_ n: Int) -> Int64 {
        (Int64(Timestamp.daysFromCivil(year: 2026, month: 10, day: 1)) + Int64(n)) * 86_400_000
    }

    static func ladder() -> OverdueLadder {
        var ladder = OverdueLadder()
        ladder.issued(DueInvoice(id: "i1", number: "INV-1", amount: 4_900, currency: "EUR", dueOn: "2026-10-01"))
        return ladder
    }

    func steps(_ effects: [LadderEffect]) -> [Int] {
        effects.compactMap { if case .step(let step, _, _) = $0 { step } else { nil } }
    }

    func statuses(_ effects: [LadderEffect]) -> [AccountStanding] {
        effects.compactMap { if case .status(let standing, _) = $0 { standing } else { nil } }
    }

    @Test func fiveStepsOnTheirDaysWithTheStatusOfEach() {
        var ladder = Self.ladder()
        #expect(ladder.advance(now: Self.day(0), policy: Self.policy).isEmpty, "due today is not overdue")
        #expect(ladder.nextMoment(now: Self.day(0), policy: Self.policy) == Self.day(1))
        var seen: [(Int, [Int], [AccountStanding])] = []
        for day in 1...30 {
            let effects = ladder.advance(now: Self.day(day), policy: Self.policy)
            if !effects.isEmpty { seen.append((day, steps(effects), statuses(effects))) }
        }
        #expect(seen.map(\.0) == [1, 8, 15, 20, 25])
        #expect(seen.map(\.1) == [[1], [2], [3], [4], [5]])
        #expect(seen.map(\.2) == [[.pastDue], [], [], [.suspended], [.terminated]])
        #expect(Self.policy.daysToTermination(step: 3) == 10 && Self.policy.daysToTermination(step: 4) == 5)
    }

    @Test func aPaymentReadBeforeItsInvoiceStillPaysIt() {
        // Payments and invoices travel on different topics: either may be read first.
        var ladder = OverdueLadder()
        ladder.paid(invoiceID: "i1", amount: 4_900, paymentID: "p1")
        ladder.issued(DueInvoice(id: "i1", number: "INV-1", amount: 4_900, currency: "EUR", dueOn: "2026-10-01"))
        #expect(ladder.invoices[0].remaining == 0)
        #expect(ladder.advance(now: Self.day(30), policy: Self.policy).isEmpty, "nothing overdue: no ladder")
        #expect(ladder.unmatchedPayments?.isEmpty == true)
    }

    @Test func paymentsPastInt64DoNotTrapAndPayTheInvoice() {
        // Each amount is within the bound; thousands of them on one invoice would overflow a
        // plain sum: held at the largest amount, the invoice is paid.
        var ladder = Self.ladder()
        ladder.paid(invoiceID: "i1", amount: Int64.max - 10, paymentID: "p1")
        ladder.paid(invoiceID: "i1", amount: Money.maximumMinorUnits, paymentID: "p2")
        #expect(ladder.invoices[0].paid == Int64.max)
        #expect(ladder.invoices[0].remaining == 0)
        var early = OverdueLadder()
        early.paid(invoiceID: "i2", amount: Int64.max, paymentID: "p3")
        early.paid(invoiceID: "i2", amount: Int64.max, paymentID: "p4")
        early.issued(DueInvoice(id: "i2", number: "INV-2", amount: 4_900, currency: "EUR", dueOn: "2026-10-01"))
        #expect(early.invoices[0].remaining == 0)
        #expect(DueInvoice(id: "n", number: "N", amount: 0, currency: "EUR", dueOn: "2026-10-01").remaining == 0)
    }

    @Test func aTimeJumpSendsEveryMissedStepInOrderNoneSkipped() {
        var ladder = Self.ladder()
        let effects = ladder.advance(now: Self.day(16), policy: Self.policy)
        #expect(steps(effects) == [1, 2, 3])
        #expect(ladder.advance(now: Self.day(16), policy: Self.policy).isEmpty, "each step once")
    }

    @Test func payingEverythingStopsTheLadderAndReactivates() {
        var ladder = Self.ladder()
        _ = ladder.advance(now: Self.day(21), policy: Self.policy)
        #expect(ladder.standing == .suspended)
        ladder.paid(invoiceID: "i1", amount: 4_900, paymentID: "p1")
        let effects = ladder.advance(now: Self.day(22), policy: Self.policy)
        #expect(effects == [.reactivated], "one status, reactivated: not active and then reactivated")
        #expect(ladder.advance(now: Self.day(40), policy: Self.policy).isEmpty, "nothing more after payment")
        #expect(ladder.nextMoment(now: Self.day(40), policy: Self.policy) == nil)
    }

    @Test func aPartialPaymentDoesNotStopIt() {
        var ladder = Self.ladder()
        _ = ladder.advance(now: Self.day(2), policy: Self.policy)
        ladder.paid(invoiceID: "i1", amount: 900, paymentID: nil)
        let effects = ladder.advance(now: Self.day(8), policy: Self.policy)
        #expect(steps(effects) == [2])
        guard case .step(_, _, let invoices) = effects[0] else { return }
        #expect(invoices.map(\.remaining) == [4_000])
    }

    @Test func aPaymentInFlightHoldsSuspensionAndTerminationBack() {
        var ladder = Self.ladder()
        _ = ladder.advance(now: Self.day(16), policy: Self.policy)
        ladder.paymentPending(paymentID: "dd-1", invoiceID: "i1", now: Self.day(16), policy: Self.policy)
        #expect(
            ladder.advance(now: Self.day(26), policy: Self.policy).isEmpty, "no final notice while the debit travels")
        #expect(ladder.standing == .pastDue)
        // The debit fails: the ladder resumes where it was.
        ladder.paymentFailed(paymentID: "dd-1")
        #expect(steps(ladder.advance(now: Self.day(26), policy: Self.policy)) == [4, 5])
    }

    @Test func aPaymentInFlightThatNeverArrivesStopsHoldingAfterItsTime() {
        var ladder = Self.ladder()
        _ = ladder.advance(now: Self.day(16), policy: Self.policy)
        ladder.paymentPending(paymentID: "dd-1", invoiceID: "i1", now: Self.day(16), policy: Self.policy)
        #expect(ladder.nextMoment(now: Self.day(26), policy: Self.policy) == Self.day(30), "16 + 14 days")
        #expect(steps(ladder.advance(now: Self.day(30), policy: Self.policy)) == [4, 5])
    }

    @Test func aChargeInFlightPausesItsInvoicesLadderAndTheAccountGoesOnceToReactivated() {
        // 000 after card.replaced: two overdue invoices, both charged at once, oldest first.
        var ladder = Self.ladder()
        ladder.issued(DueInvoice(id: "i2", number: "INV-2", amount: 1_000, currency: "EUR", dueOn: "2026-10-11"))
        _ = ladder.advance(now: Self.day(21), policy: Self.policy)
        #expect(ladder.standing == .suspended && ladder.episode == "i1")
        ladder.paymentPending(
            paymentID: "p1", invoiceID: "i1", now: Self.day(21), policy: Self.policy, chargeRequestID: "chg-1")
        ladder.paymentPending(
            paymentID: "p2", invoiceID: "i2", now: Self.day(21), policy: Self.policy, chargeRequestID: "chg-2")
        #expect(ladder.advance(now: Self.day(21), policy: Self.policy).isEmpty)
        // The old invoice is paid; the newer one, overdue since day 11, is being charged: no
        // first and second notice about it.
        ladder.paid(invoiceID: "i1", amount: 4_900, paymentID: "p1")
        #expect(
            ladder.advance(now: Self.day(21), policy: Self.policy).isEmpty, "no notice while its charge is in flight")
        ladder.paid(invoiceID: "i2", amount: 1_000, paymentID: "p2")
        #expect(ladder.advance(now: Self.day(21), policy: Self.policy) == [.reactivated])
        #expect(ladder.standing == .active)
    }

    @Test func aFailedChargeResumesTheLadderWhereItWas() {
        var ladder = Self.ladder()
        ladder.issued(DueInvoice(id: "i2", number: "INV-2", amount: 1_000, currency: "EUR", dueOn: "2026-10-11"))
        _ = ladder.advance(now: Self.day(16), policy: Self.policy)
        ladder.paymentPending(
            paymentID: "p1", invoiceID: "i1", now: Self.day(16), policy: Self.policy, chargeRequestID: "chg-1")
        // Day 21: the followed invoice is being charged: no final notice, and none about INV-2.
        #expect(ladder.advance(now: Self.day(21), policy: Self.policy).isEmpty)
        ladder.paymentFailed(paymentID: "p1")
        let effects = ladder.advance(now: Self.day(21), policy: Self.policy)
        #expect(steps(effects) == [4] && statuses(effects) == [.suspended])
        guard case .step(_, let episode, let invoices) = effects.first else { return }
        #expect(episode == "i1" && invoices.map(\.id) == ["i1", "i2"])
    }

    @Test func aChargeThatNeverAnswersPausesForThePendingDaysAtMost() {
        var ladder = Self.ladder()
        _ = ladder.advance(now: Self.day(2), policy: Self.policy)
        ladder.paymentPending(
            paymentID: "p1", invoiceID: "i1", now: Self.day(2), policy: Self.policy, chargeRequestID: "chg-1")
        #expect(ladder.advance(now: Self.day(15), policy: Self.policy).isEmpty)
        #expect(ladder.nextMoment(now: Self.day(15), policy: Self.policy) == Self.day(16), "2 + 14 days")
        #expect(steps(ladder.advance(now: Self.day(16), policy: Self.policy)) == [2, 3])
    }

    @Test func aNewInvoiceBeingChargedStartsNoEpisodeButAnotherOverdueOneDoes() {
        var ladder = Self.ladder()
        ladder.issued(DueInvoice(id: "i2", number: "INV-2", amount: 1_000, currency: "EUR", dueOn: "2026-10-03"))
        ladder.paymentPending(
            paymentID: "p1", invoiceID: "i1", now: Self.day(0), policy: Self.policy, chargeRequestID: "chg-1")
        // i1 is being charged: the first notice is about INV-2 only.
        let effects = ladder.advance(now: Self.day(4), policy: Self.policy)
        let about = effects.compactMap { effect -> String? in
            guard case .step(let step, let episode, let invoices) = effect else { return nil }
            return "\(step) \(episode): \(invoices.map(\.id).joined(separator: ","))"
        }
        #expect(about == ["1 i2: i2"])
    }

    @Test func theLadderFollowsTheOldestUnpaidInvoice() {
        var ladder = Self.ladder()
        ladder.issued(DueInvoice(id: "i2", number: "INV-2", amount: 1_000, currency: "EUR", dueOn: "2026-10-11"))
        _ = ladder.advance(now: Self.day(9), policy: Self.policy)
        ladder.paid(invoiceID: "i1", amount: 4_900, paymentID: nil)
        // INV-2 is overdue since day 11: its own first notice, counted from its own due date.
        let effects = ladder.advance(now: Self.day(11), policy: Self.policy)
        #expect(effects.contains(.step(1, episode: "i2", invoices: [ladder.invoices[1]])))
    }

    @Test func policiesAreValidated() throws {
        #expect(try LadderPolicy.parse("2, 9, 16, 21, 26").stepDays == [2, 9, 16, 21, 26])
        #expect(throws: LadderPolicyError.self) { try LadderPolicy.parse("1,8,15") }
        #expect(throws: LadderPolicyError.self) { try LadderPolicy.parse("1,8,8,20,25") }
        #expect(throws: LadderPolicyError.self) { try LadderPolicy.parse("1,x,15,20,25") }
    }
}
