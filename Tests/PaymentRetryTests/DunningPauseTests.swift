import Foundation
import PaymentRetryService
import RelanceDomain
import RelanceEvents
import RelanceRuntime
import RelanceTesting
import Testing

/// An operator's dunning pause, exclusion and resumption (`dunning.command`, issue 26) in
/// payment-retry: no automatic retry while held, an operator's retry now still goes, the
/// items show the hold, and the attempts planned go on when it ends.
@Suite("payment-retry: dunning paused, excluded, resumed")
struct DunningPauseTests {
    static let start = Date(timeIntervalSince1970: 1_793_613_600)  // 2026-11-02T10:00:00Z
    static let day: TimeInterval = 86_400
    static let owner = TestActor(id: "owner@m-1", roles: ["owner"], merchants: ["m-1"])
    static let admin = TestActor(id: "admin@m-1", roles: ["admin"], merchants: ["m-1"])
    static let billing = TestActor(id: "billing@m-1", roles: ["billing"], merchants: ["m-1"])
    static let support = TestActor(id: "support@m-1", roles: ["support"], merchants: ["m-1"])

    final class Retry {
        let kit = WorkerTestKit(PaymentRetryWorker(), startingAt: DunningPauseTests.start)
        var sequence = 0

        func envelope(_ type: String, _ account: String, _ data: JSONValue) -> EventEnvelope {
            sequence += 1
            return EventEnvelope(
                eventID: "e-\(sequence)", type: type, schemaVersion: 1, occurredAt: kit.now, accountID: account,
                merchantID: "m-1", data: data)
        }

        func failed(_ account: String, _ payment: String, charge: String? = nil) throws {
            var data: [(key: String, value: JSONValue)] = [
                ("paymentId", .string(payment)), ("invoiceId", .string("inv-\(payment)")),
                ("invoiceDate", .string("2026-11-01")), ("transactionType", .string("subscription")),
                ("paymentMethod", .string("card")), ("amount", .integer(4_900)), ("currency", .string("EUR")),
                ("declineCode", .string("insufficient_funds")), ("declineScheme", .string("stripe")),
            ]
            if let charge { data.append(("chargeRequestId", .string(charge))) }
            try kit.publish(envelope("payment.failed", account, .object(data)), to: PaymentEvents.paymentsTopic)
        }

        @discardableResult
        func dunning(_ account: String, _ command: String, until: Double? = nil, as actor: TestActor) throws
            -> WorkerTestKit<PaymentRetryWorker>.Outcome
        {
            var data: [(key: String, value: JSONValue)] = [("command", .string(command))]
            if let until {
                data.append(
                    ("until", .string(Timestamp.format(DunningPauseTests.start.addingTimeInterval(until * day)))))
            }
            return try kit.publish(
                command: envelope("dunning.command", account, .object(data)), to: PaymentEvents.dunningCommandsTopic,
                as: actor)
        }

        func retryNow(_ account: String, _ payment: String, as actor: TestActor) throws {
            try kit.publish(
                command: envelope(
                    "payment.command", account,
                    .object(["command": .string("retry_now"), "paymentId": .string(payment)])),
                to: PaymentEvents.commandsTopic, as: actor)
        }

        func at(_ days: Double) throws { try kit.advance(to: DunningPauseTests.start.addingTimeInterval(days * day)) }

        func charges(_ account: String) throws -> [ChargeRequested] {
            try kit.events(on: PaymentEvents.chargeRequestsTopic).filter { $0.accountID == account }.map {
                try $0.decode(ChargeRequested.self)
            }
        }

        func item(_ payment: String) throws -> ActionItemUpdated? {
            try kit.events(on: PaymentEvents.actionCentreTopic).last { $0.data["paymentId"]?.stringValue == payment }
                .map { try $0.decode(ActionItemUpdated.self) }
        }

        func retryTimers(_ account: String) -> [Date] {
            kit.timers(of: account).filter { $0.id.hasPrefix("retry:") }.map { Timestamp.date(milliseconds: $0.dueAt) }
        }
    }

    @Test(
        "written off or handed to collections (reminder-mailer's status): no automatic retry, retry now still goes; paid and reactivated: planned again"
    )
    func dunningEnded() throws {
        let retry = Retry()
        try retry.failed("acct-1", "p")
        try retry.failed("acct-2", "q")
        func status(_ account: String, _ status: String) throws {
            let outcome = try retry.kit.publish(
                retry.envelope("account.status", account, .object(["status": .string(status)])),
                to: ProofEvents.accountStatusTopic)
            #expect(outcome == .applied(eventID: "e-\(retry.sequence)"))
        }
        try retry.at(1)
        try status("acct-1", "written_off")
        try status("acct-2", "terminated")
        #expect(retry.retryTimers("acct-1").isEmpty && retry.retryTimers("acct-2").count == 1)
        let ended = try #require(try retry.item("p"))
        #expect(ended.dunningEnded == .writtenOff && ended.nextAttemptAt == Self.start.addingTimeInterval(7 * Self.day))
        #expect(try retry.item("q")?.dunningEnded == nil, "terminated: retries go on (seed 000)")
        try retry.at(10)
        #expect(try retry.charges("acct-1").isEmpty, "no automatic retry of a written-off debt")
        #expect(try retry.charges("acct-2").count == 1)
        // Written off, then handed to collections: still held; an operator's pause ending changes nothing.
        try status("acct-1", "in_collections")
        #expect(try retry.item("p")?.dunningEnded == .inCollections)
        try retry.dunning("acct-1", "pause", until: 11, as: Self.billing)
        try retry.at(12)
        #expect(retry.retryTimers("acct-1").isEmpty)
        #expect(try retry.charges("acct-1").isEmpty)
        // An operator's retry now is not automatic: it goes.
        try retry.retryNow("acct-1", "p", as: Self.billing)
        let charge = try #require(try retry.charges("acct-1").last)
        #expect(charge.cause == .operator)
        try retry.at(13)
        try retry.failed("acct-1", "p", charge: charge.chargeRequestId)
        #expect(retry.retryTimers("acct-1").isEmpty, "its failure plans nothing while dunning has ended")
        // The customer paid the rest another way: reactivated, the retries are planned again.
        try retry.at(14)
        try status("acct-1", "reactivated")
        #expect(retry.retryTimers("acct-1") == [Self.start.addingTimeInterval(20 * Self.day)], "7 days after day 13")
        #expect(try retry.item("p")?.dunningEnded == nil)
    }

    @Test("paused: no automatic retry, retry now still charges; resumed: the attempt planned goes on")
    func pauseThenResume() throws {
        let retry = Retry()
        try retry.failed("acct-1", "p")
        #expect(retry.retryTimers("acct-1") == [Self.start.addingTimeInterval(7 * Self.day)])
        try retry.at(1)
        #expect(try retry.dunning("acct-1", "pause", as: Self.billing) == .applied(eventID: "e-\(retry.sequence)"))
        #expect(retry.retryTimers("acct-1").isEmpty)
        let paused = try #require(try retry.item("p"))
        #expect(paused.dunningPaused == true && paused.dunningPausedUntil == nil && paused.dunningExcluded == nil)
        #expect(paused.nextAttemptAt == Self.start.addingTimeInterval(7 * Self.day), "the attempt stays planned")
        try retry.at(20)
        #expect(try retry.charges("acct-1").isEmpty, "no automatic retry while paused")
        // An operator's retry now is not automatic: it goes.
        try retry.retryNow("acct-1", "p", as: Self.billing)
        let operatorCharge = try #require(try retry.charges("acct-1").last)
        #expect(operatorCharge.cause == .operator)
        try retry.at(21)
        try retry.failed("acct-1", "p", charge: operatorCharge.chargeRequestId)
        #expect(retry.retryTimers("acct-1").isEmpty, "its failure plans no timer while paused")
        let told = try retry.kit.events(on: PaymentEvents.notificationsTopic).last.map {
            try $0.decode(NotificationRequested.self)
        }
        #expect(told?.kind == .paymentFailed && told?.nextAttemptAt == nil, "no date promised while paused")
        try retry.at(22)
        try retry.dunning("acct-1", "resume", as: Self.billing)
        // Planned 7 days after the failure of day 21: day 28, as if there had been no pause.
        #expect(retry.retryTimers("acct-1") == [Self.start.addingTimeInterval(28 * Self.day)])
        let resumed = try #require(try retry.item("p"))
        #expect(resumed.dunningPaused == nil && resumed.nextAttemptAt == Self.start.addingTimeInterval(28 * Self.day))
        try retry.at(28)
        #expect(try retry.charges("acct-1").map(\.cause) == [.operator, .schedule])
    }

    @Test("a pause until a date: the attempt due during it goes when it ends, not before")
    func pauseUntil() throws {
        let retry = Retry()
        try retry.failed("acct-1", "p")
        try retry.at(1)
        try retry.dunning("acct-1", "pause", until: 10, as: Self.owner)
        let paused = try #require(try retry.item("p"))
        #expect(
            paused.dunningPaused == true && paused.dunningPausedUntil == Self.start.addingTimeInterval(10 * Self.day))
        try retry.at(9.9)
        #expect(try retry.charges("acct-1").isEmpty)
        try retry.at(10)
        let charges = try retry.charges("acct-1")
        #expect(charges.map(\.cause) == [.schedule])
        #expect(
            retry.kit.events(on: PaymentEvents.chargeRequestsTopic).last?.occurredAt
                == Self.start.addingTimeInterval(10 * Self.day))
        #expect(try retry.item("p")?.dunningPaused == nil)
        #expect(retry.kit.timers(of: "acct-1").allSatisfy { $0.id != "dunning-resume" })
    }

    @Test("excluded: shown on the items, no retry; who may exclude and resume")
    func exclusionAndRoles() throws {
        let retry = Retry()
        try retry.failed("acct-1", "p")
        for (command, actor) in [("exclude", Self.billing), ("pause", Self.support), ("resume", Self.support)] {
            let outcome = try retry.dunning("acct-1", command, as: actor)
            guard case .deadLettered(_, let code, _) = outcome else {
                Issue.record("\(command) by \(actor.roles) was not refused: \(outcome)")
                continue
            }
            #expect(code == "forbidden")
        }
        try retry.dunning("acct-1", "exclude", as: Self.admin)
        #expect(try retry.item("p")?.dunningExcluded == true)
        try retry.at(30)
        #expect(try retry.charges("acct-1").isEmpty)
        // Billing may not resume an exclusion, nor turn it into a pause.
        try retry.dunning("acct-1", "pause", until: 31, as: Self.billing)
        #expect(try retry.item("p")?.dunningExcluded == true)
        let refused = try retry.dunning("acct-1", "resume", as: Self.billing)
        guard case .deadLettered(_, let code, _) = refused else {
            Issue.record("billing resumed an excluded account: \(refused)")
            return
        }
        #expect(code == "forbidden")
        try retry.at(32)
        #expect(try retry.charges("acct-1").isEmpty)
        try retry.dunning("acct-1", "resume", as: Self.owner)
        // The attempt planned for day 7 is long past: it goes at once (at the next tick).
        #expect(retry.retryTimers("acct-1") == [Self.start.addingTimeInterval(32 * Self.day)])
        try retry.at(32.01)
        #expect(try retry.charges("acct-1").map(\.cause) == [.schedule])
        #expect(try retry.item("p")?.dunningExcluded == nil)
    }

    @Test("the hold is in the changelog's form exactly as Codable writes it, and read back")
    func stateForm() throws {
        for hold in [
            DunningHold(pausedUntil: 1_800_000_000_000), DunningHold(), DunningHold(excluded: true), nil,
        ] {
            var state = PaymentRetryWorker.State()
            var item = FailedPayment(
                paymentID: "p", invoiceID: "i", invoiceDate: "2026-11-01", type: .subscription, method: .card,
                amount: 4_900, currency: "EUR", customerName: nil,
                reason: DeclineCodes.read("insufficient_funds", scheme: .stripe))
            item.nextAttemptAt = 1_790_000_000_000
            state.recovery.payments["p"] = item
            state.recovery.hold = hold
            let direct = try StateCoding.encode(state)
            #expect(direct == (try StateCoding.encodeWithCodable(state)), "\(String(decoding: direct, as: UTF8.self))")
            #expect(try StateCoding.decode(PaymentRetryWorker.State.self, from: direct).recovery.hold == hold)
        }
    }
}
