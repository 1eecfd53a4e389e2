import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime
import RelanceTestSupport
import RelanceTesting
import Testing

@testable import RecoveryStatsService

private let dayMs: Int64 = 86_400_000
/// 2026-11-02T09:00:00Z, a Monday.
private let base: Int64 = 1_793_610_000_000

/// The three stages wired in memory (`KitHarness`): items and statuses in, figures out.
@Suite("recovery-stats' stages on the test kit")
struct RecoveryStagesTests {
    static func item(
        _ payment: String, amount: Int64 = 1_000, firstFailedAt: Int64?, state: ActionItemUpdated.State = .open,
        resolution: ActionItemUpdated.Resolution? = nil, loss: ActionItemUpdated.LossReason? = nil,
        outcomeAt: Int64? = nil
    ) -> ActionItemUpdated {
        ActionItemUpdated(
            paymentId: payment, invoiceId: "inv-\(payment)", transactionType: .subscription, paymentMethod: .card,
            failureReason: "declined", failureCategory: .softDecline, declineCode: "insufficient_funds",
            amount: amount, currency: "EUR", state: state, attempts: 1, handedToCollections: false,
            firstFailedAt: firstFailedAt.map(Timestamp.date(milliseconds:)), resolution: resolution,
            lossReason: loss, outcomeAt: outcomeAt.map(Timestamp.date(milliseconds:)))
    }

    static func publish<W: Worker>(
        _ harness: KitHarness<W>, _ data: some EventData, id: String, account: String = "acct-1", at: Int64,
        to topic: String = RecoveryEvents.outcomesTopic
    ) async throws {
        let event = EventEnvelope(
            eventID: id, type: type(of: data).eventType.name, schemaVersion: 1,
            occurredAt: Timestamp.date(milliseconds: at), accountID: account, merchantID: "m-1",
            data: EventDataEncoder.encode(data))
        try await harness.publish(raw: event.jsonBytes, to: topic, key: account)
    }

    /// The latest figures per `currency/day` or `currency/week`.
    static func figures<W: Worker>(_ harness: inout KitHarness<W>) async throws -> [String: RecoveryStatsUpdated] {
        var latest: [String: RecoveryStatsUpdated] = [:]
        for data in try await harness.settle(RecoveryEvents.statsTopic) {
            let envelope = EventEnvelope(
                eventID: "x", type: "recovery-stats.updated", schemaVersion: 1, occurredAt: Date(), accountID: "m-1",
                merchantID: "m-1", data: data)
            let figures = try envelope.decode(RecoveryStatsUpdated.self)
            latest["\(figures.currency)/\(figures.week ?? figures.start)"] = figures
        }
        return latest
    }

    static func stages() async throws -> KitHarness<RecoveryWeeksWorker> {
        let harness = try await KitHarness(RecoveryWeeksWorker())
        _ = try await harness.start(RecoveryDaysWorker())
        _ = try await harness.start(RecoveryFiguresWorker())
        _ = try await harness.start(RecoveryStatsWorker())
        try await harness.tick(Timestamp.date(milliseconds: base + 60 * dayMs))
        return harness
    }

    @Test("a payment whose first failure moves to another day and week is withdrawn from the old ones")
    func withdrawn() async throws {
        var harness = try await Self.stages()
        try await Self.publish(harness, Self.item("p", firstFailedAt: base), id: "i1", at: base)
        var figures = try await Self.figures(&harness)
        #expect(figures["EUR/2026-11-02"]?.opened.count == 1 && figures["EUR/2026-W45"]?.open.count == 1)
        // payment-retry's item now dates the first failure nine days later (another week).
        let later = base + 9 * dayMs
        try await Self.publish(
            harness,
            Self.item(
                "p", firstFailedAt: later, state: .resolved, resolution: .automaticRetry, outcomeAt: later + dayMs),
            id: "i2", at: later + dayMs)
        figures = try await Self.figures(&harness)
        #expect(figures["EUR/2026-11-02"]?.opened == .init() && figures["EUR/2026-W45"]?.opened == .init())
        #expect(figures["EUR/2026-W45"]?.byDeclineCode.keys == [])
        #expect(figures["EUR/2026-11-11"]?.recovered == .init(count: 1, amount: 1_000))
        #expect(figures["EUR/2026-W46"]?.recoveredByChannel["automatic_retry"] == .init(count: 1, amount: 1_000))
    }

    @Test("churn: every failed payment unpaid at termination, lost ones included; reactivation takes it back")
    func churn() async throws {
        var harness = try await Self.stages()
        try await Self.publish(harness, Self.item("a", amount: 1_000, firstFailedAt: base), id: "a1", at: base)
        try await Self.publish(
            harness,
            Self.item("a", amount: 1_000, firstFailedAt: base, loss: .retriesExhausted, outcomeAt: base + 14 * dayMs),
            id: "a2", at: base + 14 * dayMs)
        try await Self.publish(harness, Self.item("b", amount: 500, firstFailedAt: base + dayMs), id: "b1", at: base)
        try await Self.publish(
            harness,
            Self.item(
                "c", amount: 250, firstFailedAt: base, state: .resolved, resolution: .cardUpdated,
                outcomeAt: base + 2 * dayMs), id: "c1", at: base + 2 * dayMs)
        let terminated = base + 25 * dayMs  // 2026-11-27, week 48
        try await Self.publish(
            harness, AccountStatus(status: .terminated, reason: "non-payment"), id: "s1", at: terminated,
            to: ProofEvents.accountStatusTopic)
        var figures = try await Self.figures(&harness)
        #expect(figures["EUR/2026-11-27"]?.churn == .init(accounts: 1, amount: 1_500))
        #expect(figures["EUR/2026-W48"]?.churn == .init(accounts: 1, amount: 1_500))
        // a keeps its own loss reason; b is lost to the termination; c stays recovered.
        #expect(figures["EUR/2026-11-02"]?.lostByReason["retries_exhausted"]?.count == 1)
        #expect(figures["EUR/2026-11-03"]?.lostByReason["account_terminated"]?.amount == 500)
        #expect(figures["EUR/2026-W45"]?.recovered == .init(count: 1, amount: 250))
        try await Self.publish(
            harness, AccountStatus(status: .reactivated, reason: "paid"), id: "s2", at: terminated + dayMs,
            to: ProofEvents.accountStatusTopic)
        figures = try await Self.figures(&harness)
        #expect(figures["EUR/2026-11-27"]?.churn == .init() && figures["EUR/2026-W48"]?.churn == .init())
        #expect(figures["EUR/2026-11-03"]?.open.count == 1 && figures["EUR/2026-11-03"]?.lost == .init())
        // Terminated again, and b paid afterwards (the account stays terminated): the churn is
        // what the termination left unpaid, 1,500, and b counts as recovered.
        try await Self.publish(
            harness, AccountStatus(status: .terminated, reason: "non-payment"), id: "s3", at: terminated + 2 * dayMs,
            to: ProofEvents.accountStatusTopic)
        try await Self.publish(
            harness,
            Self.item(
                "b", amount: 500, firstFailedAt: base + dayMs, state: .resolved, resolution: .paidAnotherWay,
                outcomeAt: terminated + 4 * dayMs), id: "b2", at: terminated + 4 * dayMs)
        figures = try await Self.figures(&harness)
        #expect(figures["EUR/2026-11-29"]?.churn == .init(accounts: 1, amount: 1_500))
        #expect(figures["EUR/2026-11-03"]?.recovered.count == 1)
    }

    @Test("an item without a first-failure date (opened before recovery-stats) is left out, not misdated")
    func undated() async throws {
        var harness = try await Self.stages()
        try await Self.publish(harness, Self.item("old", firstFailedAt: nil), id: "o1", at: base)
        try await Self.publish(
            harness,
            Self.item(
                "old", firstFailedAt: nil, state: .resolved, resolution: .automaticRetry,
                outcomeAt: base), id: "o2", at: base)
        #expect(try await Self.figures(&harness).isEmpty)
        #expect(try await harness.settle(RecoveryEvents.factsTopic).isEmpty)
    }

    static func fact(_ payment: String, sequence: Int64 = 1, day: Int64 = 0) -> RecoveryFailureFact {
        RecoveryFailureFact(
            paymentId: payment, paymentAccountId: "acct-1", amount: 100, currency: "EUR", declineCode: "x",
            paymentMethod: .card, transactionType: .subscription,
            firstFailedAt: Timestamp.date(milliseconds: base + day * dayMs), status: .open, sequence: sequence)
    }

    static func keyed(_ fact: RecoveryFailureFact, id: String, key: String? = nil) -> EventEnvelope {
        let day = RecoveryPeriods.day(Timestamp.milliseconds(fact.firstFailedAt))
        return EventEnvelope(
            eventID: id, type: "recovery.failure-fact", schemaVersion: 1, occurredAt: Date(),
            accountID: key ?? RecoveryPeriods.factKey(merchant: "m-1", currency: "EUR", day: day, id: fact.paymentId),
            merchantID: "m-1", data: EventDataEncoder.encode(fact))
    }

    /// A dead letter's code, nil for anything else.
    static func code<W: Worker>(_ outcome: WorkerTestKit<W>.Outcome) -> String? {
        if case .deadLettered(_, let code, _) = outcome { code } else { nil }
    }

    @Test("stage 2: a full shard refuses new payments (a dead letter) and still moves the ones it follows")
    func shardFull() throws {
        var worker = RecoveryFiguresWorker()
        // Room for two payments (about 190 bytes each by the estimate), not three.
        worker.maxStateBytes = 400
        let kit = WorkerTestKit(worker, startingAt: Timestamp.date(milliseconds: base))
        // Three payments of the same shard.
        let ids = (0..<200).map { "pay-\($0)" }.filter { RecoveryPeriods.shard($0) == RecoveryPeriods.shard("pay-0") }
        try #require(ids.count >= 3)
        #expect(
            try kit.publish(Self.keyed(Self.fact(ids[0]), id: "f0"), to: RecoveryEvents.factsTopic)
                == .applied(eventID: "f0"))
        #expect(
            try kit.publish(Self.keyed(Self.fact(ids[1]), id: "f1"), to: RecoveryEvents.factsTopic)
                == .applied(eventID: "f1"))
        guard
            case .deadLettered(_, let code, let reason) = try kit.publish(
                Self.keyed(Self.fact(ids[2]), id: "f2"), to: RecoveryEvents.factsTopic)
        else {
            Issue.record("a third payment was taken")
            return
        }
        #expect(code == "shard_full" && reason.contains("record size limit"))
        #expect(
            try kit.publish(Self.keyed(Self.fact(ids[0], sequence: 2), id: "f3"), to: RecoveryEvents.factsTopic)
                == .applied(eventID: "f3"))
        #expect(try kit.state(of: Self.keyed(Self.fact(ids[0]), id: "x").accountID)?.payments.count == 2)
    }

    @Test("stage 2 and 3: a fact or a partial under a key that is not its own is refused")
    func misrouted() throws {
        let kit = WorkerTestKit(RecoveryFiguresWorker(), startingAt: Timestamp.date(milliseconds: base))
        let wrong = Self.keyed(Self.fact("pay-1"), id: "f0", key: "m-1/EUR/2026-11-02/99")
        guard case .deadLettered(_, let code, _) = try kit.publish(wrong, to: RecoveryEvents.factsTopic) else {
            Issue.record("a misrouted fact was counted")
            return
        }
        #expect(code == "misrouted_fact")
        // A fact of another day under this day's shard key.
        let otherDay = Self.keyed(
            Self.fact("pay-1", day: 1), id: "f1", key: Self.keyed(Self.fact("pay-1"), id: "x").accountID)
        #expect(try Self.code(kit.publish(otherDay, to: RecoveryEvents.factsTopic)) == "misrouted_fact")

        let days = WorkerTestKit(RecoveryDaysWorker(), startingAt: Timestamp.date(milliseconds: base))
        let partial = RecoveryPartialFigures(
            shard: 3, revision: 1,
            figures: RecoveryAggregate().figures(week: false, start: RecoveryPeriods.day(base), currency: "EUR"))
        func event(_ data: some EventData, key: String, id: String) -> EventEnvelope {
            EventEnvelope(
                eventID: id, type: type(of: data).eventType.name, schemaVersion: 1, occurredAt: Date(),
                accountID: key, merchantID: "m-1", data: EventDataEncoder.encode(data))
        }
        #expect(
            try days.publish(event(partial, key: "m-1/EUR/2026-11-02", id: "p0"), to: RecoveryEvents.partialsTopic)
                == .applied(eventID: "p0"))
        // Under its week's key (where stage 2 wrote partials before stage 3 was per day).
        #expect(
            try Self.code(
                days.publish(event(partial, key: "m-1/EUR/2026-W45", id: "p1"), to: RecoveryEvents.partialsTopic))
                == "misrouted_fact")
        var outOfRange = partial
        outOfRange.shard = 16
        outOfRange.revision = 2
        #expect(
            try Self.code(
                days.publish(event(outOfRange, key: "m-1/EUR/2026-11-02", id: "p2"), to: RecoveryEvents.partialsTopic))
                == "invalid_partial")
        var longHistogram = partial
        longHistogram.revision = 3
        longHistogram.figures.daysToRecover.histogram = Array(repeating: 1, count: 62)
        #expect(
            try Self.code(
                days.publish(
                    event(longHistogram, key: "m-1/EUR/2026-11-02", id: "p3"), to: RecoveryEvents.partialsTopic))
                == "invalid_partial")

        let weeks = WorkerTestKit(RecoveryWeeksWorker(), startingAt: Timestamp.date(milliseconds: base))
        let dayRecord = RecoveryDayFigures(revision: 1, figures: partial.figures)
        #expect(
            try weeks.publish(event(dayRecord, key: "m-1/EUR/2026-W45", id: "d0"), to: RecoveryEvents.daysTopic)
                == .applied(eventID: "d0"))
        // Under the day's key, or another week's.
        for (n, key) in ["m-1/EUR/2026-11-02", "m-1/EUR/2026-W46", "m-2/EUR/2026-W45"].enumerated() {
            #expect(
                try Self.code(weeks.publish(event(dayRecord, key: key, id: "d\(n + 1)"), to: RecoveryEvents.daysTopic))
                    == "misrouted_fact")
        }
        var weekFigures = dayRecord
        weekFigures.revision = 2
        weekFigures.figures.period = .week
        #expect(
            try Self.code(
                weeks.publish(event(weekFigures, key: "m-1/EUR/2026-W45", id: "d9"), to: RecoveryEvents.daysTopic))
                == "invalid_partial")
    }

    @Test(
        "stage 3 sums a day's shards keeping each shard's latest revision and numbers its day records by their sum; stage 4 keeps each day's latest"
    )
    func latestRevisions() throws {
        let day = RecoveryPeriods.day(base)
        func figures(opened count: Int64) -> RecoveryStatsUpdated {
            var aggregate = RecoveryAggregate()
            aggregate.opened = .init(count: count, amount: count * 100)
            return aggregate.figures(week: false, start: day, currency: "EUR")
        }
        func event(_ data: some EventData, key: String, id: String) -> EventEnvelope {
            EventEnvelope(
                eventID: id, type: type(of: data).eventType.name, schemaVersion: 1, occurredAt: Date(),
                accountID: key, merchantID: "m-1", data: EventDataEncoder.encode(data))
        }
        let days = WorkerTestKit(RecoveryDaysWorker(), startingAt: Timestamp.date(milliseconds: base))
        let partials: [(shard: Int64, revision: Int64, opened: Int64)] = [
            (3, 2, 5), (3, 1, 40), (5, 1, 2), (3, 2, 40), (3, 4, 7),
        ]
        for (n, partial) in partials.enumerated() {
            _ = try days.publish(
                event(
                    RecoveryPartialFigures(
                        shard: partial.shard, revision: partial.revision, figures: figures(opened: partial.opened)),
                    key: "m-1/EUR/2026-11-02", id: "p\(n)"), to: RecoveryEvents.partialsTopic)
        }
        // Shard 3's revisions 1 and the second 2 change nothing: three records, each numbered by
        // the sum of the shards' revisions, the day's total the sum of the latest of each shard.
        let records = try days.events(on: RecoveryEvents.daysTopic).map { try $0.decode(RecoveryDayFigures.self) }
        #expect(records.map(\.revision) == [2, 3, 5])
        #expect(records.map(\.figures.opened.count) == [5, 7, 9])
        #expect(Set(days.events(on: RecoveryEvents.daysTopic).map(\.accountID)) == ["m-1/EUR/2026-W45"])
        let published = try days.events(on: RecoveryEvents.statsTopic).map { try $0.decode(RecoveryStatsUpdated.self) }
        #expect(published.map(\.opened.count) == [5, 7, 9] && published.allSatisfy { $0.period == .day })

        // Stage 4: the day records in another order, an older one late, and another day.
        let weeks = WorkerTestKit(RecoveryWeeksWorker(), startingAt: Timestamp.date(milliseconds: base))
        let tuesday = figures(opened: 100)
        var tuesdayFigures = tuesday
        tuesdayFigures.start = RecoveryPeriods.date(day + 1)
        for (n, record) in [
            records[1], records[2], records[0], RecoveryDayFigures(revision: 1, figures: tuesdayFigures),
        ]
        .enumerated() {
            _ = try weeks.publish(event(record, key: "m-1/EUR/2026-W45", id: "d\(n)"), to: RecoveryEvents.daysTopic)
        }
        let week = try weeks.events(on: RecoveryEvents.statsTopic).map { try $0.decode(RecoveryStatsUpdated.self) }
        #expect(week.map(\.opened.count) == [7, 9, 109])
        #expect(week.last?.period == .week && week.last?.week == "2026-W45" && week.last?.start == "2026-11-02")
        #expect(week.last?.opened.amount == 10_900)
    }
}
