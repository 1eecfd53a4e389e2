import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import RelanceTestSupport
import Testing

@testable import PaymentRetryService
@testable import RecoveryStatsService

private let dayMs: Int64 = 86_400_000
/// 2026-11-02T09:00:00Z, a Monday.
private let base: Int64 = 1_793_610_000_000

/// How each simulated account's failed payment ends.
enum Ending: Int, CaseIterable {
    case automaticSecond, automaticThird, cardUpdated, operatorRetry, finalAttempt, paidAnotherWay, dismissed,
        dismissedThenPaid, collections, exhausted, terminated, open
}

/// One account of the simulation: its failed payment, run through payment-retry's rules
/// (`PaymentRecovery`), and the items those rules publish to `relance.payment-outcomes`.
struct Story {
    var index: Int
    var account: String { "acct-\(index)" }
    var payment: String { "pay-\(index)" }
    var ending: Ending
    var currency: String
    var firstFailedAt: Int64
    /// The items payment-retry would write to relance.payment-outcomes, with when.
    var items: [(item: FailedPayment, at: Int64)] = []
    var terminatedAt: Int64?
    /// The final item.
    var final: FailedPayment { items[items.count - 1].item }

    init(_ index: Int) {
        self.index = index
        ending = Ending.allCases[index % Ending.allCases.count]
        currency = index % 3 == 0 ? "USD" : "EUR"
        firstFailedAt = base + Int64(index % 17) * dayMs + Int64(index % 5) * 3_600_000
        simulate()
    }

    mutating func simulate() {
        var rules = PaymentRecovery()
        let policy = RetryPolicy()
        let method: PaymentMethod = [.dismissed, .dismissedThenPaid, .open].contains(ending) ? .sepaDebit : .card
        let code =
            method == .sepaDebit
            ? "MD01" : ([.cardUpdated, .terminated].contains(ending) ? "expired_card" : "insufficient_funds")
        let failed = FailedPayment(
            paymentID: payment, invoiceID: "inv-\(index)", invoiceDate: "2026-11-01",
            type: index % 2 == 0 ? .subscription : .installment, method: method, amount: Int64(1_000 + index * 37),
            currency: currency, customerName: nil,
            reason: DeclineCodes.read(code, scheme: method == .sepaDebit ? .sepa : .stripe))
        let t0 = firstFailedAt
        func record(_ effects: [RecoveryEffect], at: Int64) {
            for case .item(let item) in effects where PaymentRetryWorker.isOutcomeFact(item) {
                items.append((item, at))
            }
        }
        func charge(_ effects: [RecoveryEffect]) -> String? {
            effects.lazy.compactMap { if case .charge(let c) = $0 { c.chargeRequestID } else { nil } }.first
        }
        func fail(_ chargeID: String?, at: Int64) {
            record(
                rules.paymentFailed(failed, chargeRequestID: chargeID, policy: policy, now: at, occurredAt: at), at: at)
        }
        func retry(at: Int64) -> String? {
            let effects = rules.retryDue(paymentID: payment, now: at)
            record(effects, at: at)
            return charge(effects)
        }
        func succeed(_ chargeID: String?, at: Int64) {
            record(
                rules.paymentSucceeded(
                    paymentID: payment, how: "paid", chargeRequestID: chargeID, now: at, occurredAt: at), at: at)
        }
        func exhaust() {
            fail(retry(at: t0 + 7 * dayMs), at: t0 + 7 * dayMs)
            fail(retry(at: t0 + 14 * dayMs), at: t0 + 14 * dayMs)
        }
        fail(nil, at: t0)
        switch ending {
        case .automaticSecond:
            succeed(retry(at: t0 + 7 * dayMs), at: t0 + 7 * dayMs + 60_000)
        case .automaticThird:
            fail(retry(at: t0 + 7 * dayMs), at: t0 + 7 * dayMs)
            succeed(retry(at: t0 + 14 * dayMs), at: t0 + 14 * dayMs)
        case .cardUpdated:
            let effects = rules.cardReplaced(now: t0 + 3 * dayMs)
            record(effects, at: t0 + 3 * dayMs)
            succeed(charge(effects), at: t0 + 3 * dayMs)
        case .operatorRetry:
            let effects = rules.command(.retryNow, paymentID: payment, role: .billing, now: t0 + dayMs)
            record(effects, at: t0 + dayMs)
            succeed(charge(effects), at: t0 + 40 * dayMs)  // recovered late: beyond day 30
        case .finalAttempt:
            exhaust()
            let effects = rules.command(.renewPaymentPlan, paymentID: payment, role: .owner, now: t0 + 20 * dayMs)
            record(effects, at: t0 + 20 * dayMs)
            succeed(charge(effects), at: t0 + 20 * dayMs)
        case .paidAnotherWay:
            record(
                rules.paymentSucceeded(
                    paymentID: "transfer-\(index)", invoiceID: "inv-\(index)", how: "paid", now: t0 + 5 * dayMs),
                at: t0 + 5 * dayMs)
        case .dismissed:
            let effects = rules.command(.dismiss(note: nil), paymentID: payment, role: .billing, now: t0 + 2 * dayMs)
            record(effects, at: t0 + 2 * dayMs)
        case .dismissedThenPaid:
            let effects = rules.command(.dismiss(note: nil), paymentID: payment, role: .billing, now: t0 + 2 * dayMs)
            record(effects, at: t0 + 2 * dayMs)
            record(
                rules.paymentSucceeded(
                    paymentID: "transfer-\(index)", invoiceID: "inv-\(index)", how: "paid", now: t0 + 9 * dayMs),
                at: t0 + 9 * dayMs)
        case .collections:
            exhaust()
            let effects = rules.command(.handOverToCollections, paymentID: payment, role: .owner, now: t0 + 16 * dayMs)
            record(effects, at: t0 + 16 * dayMs)
        case .exhausted:
            exhaust()
            // Every other one: the ladder terminates the account later, still unpaid (churn
            // counts it; its loss reason stays retries_exhausted).
            if index % 2 == 0 { terminatedAt = t0 + 25 * dayMs }
        case .terminated:
            terminatedAt = t0 + 10 * dayMs
        case .open:
            break
        }
    }
}

/// The figures recounted by the test from the stories: what each published record must say.
struct Recount {
    struct Row: Equatable {
        var opened = RecoveryStatsUpdated.Tally()
        var recovered = RecoveryStatsUpdated.Tally()
        var lost = RecoveryStatsUpdated.Tally()
        var open = RecoveryStatsUpdated.Tally()
        var byChannel: [String: RecoveryStatsUpdated.Tally] = [:]
        var byReason: [String: RecoveryStatsUpdated.Tally] = [:]
        var byAttempt: [String: RecoveryStatsUpdated.Tally] = [:]
        var within = RecoveryStatsUpdated.RecoveredWithin()
        var churn = RecoveryStatsUpdated.Churn()
        var days: [Int64] = []
    }

    var rows: [String: Row] = [:]

    static func dayKey(_ ms: Int64) -> String { String(Timestamp.format(milliseconds: ms).prefix(10)) }

    /// ISO week by Foundation's calendar: an independent computation of the worker's.
    static func weekKey(_ ms: Int64) -> String {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: Timestamp.date(milliseconds: ms))
        return String(format: "%04d-W%02d", parts.yearForWeekOfYear!, parts.weekOfYear!)
    }

    init(_ stories: [Story]) {
        func add(_ tally: inout RecoveryStatsUpdated.Tally, _ amount: Int64) {
            tally.count += 1
            tally.amount += amount
        }
        for story in stories {
            let item = story.final
            for key in [
                "\(story.currency)/\(Self.dayKey(story.firstFailedAt))",
                "\(story.currency)/\(Self.weekKey(story.firstFailedAt))",
            ] {
                var row = rows[key] ?? Row()
                add(&row.opened, item.amount)
                if let resolution = item.resolution {
                    add(&row.recovered, item.amount)
                    add(&row.byChannel[resolution.rawValue, default: .init()], item.amount)
                    if let attempt = item.recoveredOnAttempt {
                        add(&row.byAttempt[String(attempt), default: .init()], item.amount)
                    }
                    let elapsed = (item.outcomeAt ?? 0) - story.firstFailedAt
                    if elapsed <= 7 * dayMs { row.within.days7 += item.amount }
                    if elapsed <= 14 * dayMs { row.within.days14 += item.amount }
                    if elapsed <= 30 * dayMs { row.within.days30 += item.amount }
                    row.days.append(elapsed / dayMs)
                } else if let reason = item.lossReason?.rawValue
                    ?? (story.terminatedAt != nil ? "account_terminated" : nil)
                {
                    add(&row.lost, item.amount)
                    add(&row.byReason[reason, default: .init()], item.amount)
                } else {
                    add(&row.open, item.amount)
                }
                rows[key] = row
            }
            if let terminated = story.terminatedAt {
                for key in [
                    "\(story.currency)/\(Self.dayKey(terminated))", "\(story.currency)/\(Self.weekKey(terminated))",
                ] {
                    // Unpaid at termination: open, or lost for any reason.
                    guard item.resolution == nil else { continue }
                    rows[key, default: Row()].churn.accounts += 1
                    rows[key, default: Row()].churn.amount += item.amount
                }
            }
        }
        for key in rows.keys { rows[key]?.days.sort() }
    }

    /// The published record's figures in the recount's form.
    static func row(_ figures: RecoveryStatsUpdated) -> Row {
        var row = Row(
            opened: figures.opened, recovered: figures.recovered, lost: figures.lost, open: figures.open,
            byChannel: figures.recoveredByChannel.dictionary, byReason: figures.lostByReason.dictionary,
            byAttempt: figures.recoveredByAttempt.dictionary,
            within: figures.recoveredWithin, churn: figures.churn)
        for (days, count) in figures.daysToRecover.histogram.enumerated() {
            row.days += Array(repeating: Int64(days), count: Int(count))
        }
        return row
    }

    static func key(_ figures: RecoveryStatsUpdated) -> String {
        "\(figures.currency)/\(figures.week ?? figures.start)"
    }
}

@Suite("recovery-stats on the mock cluster")
struct RecoveryStatsScenarioTests {
    static func envelope(_ story: Story, id: String, at: Int64, _ write: (inout JSONOutput) -> Void) -> [UInt8] {
        EventEnvelope.jsonBytes(
            eventID: id, type: "action-item.updated", schemaVersion: 1, occurredAt: Timestamp.date(milliseconds: at),
            accountID: story.account, merchantID: "m-1", dataByteCount: 400, writeData: write)
    }

    static func status(_ story: Story, at: Int64) -> [UInt8] {
        EventEnvelope(
            eventID: "status-\(story.index)", type: "account.status", schemaVersion: 1,
            occurredAt: Timestamp.date(milliseconds: at), accountID: story.account, merchantID: "m-1",
            data: .object([("status", .string("terminated")), ("reason", .string("non-payment"))])
        ).jsonBytes
    }

    /// Runs the `relance` command built beside the tests; its standard output.
    static func relance(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/relance")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "relance \(arguments.joined(separator: " "))")
        return String(decoding: data, as: UTF8.self)
    }

    /// The key stage 1 gives a fact.
    static func factKey(_ event: EventEnvelope) throws -> String {
        if event.type == "recovery.failure-fact" {
            let fact = try event.decode(RecoveryFailureFact.self)
            return RecoveryPeriods.factKey(
                merchant: event.merchantID, currency: fact.currency,
                day: RecoveryPeriods.day(Timestamp.milliseconds(fact.firstFailedAt)), id: fact.paymentId)
        }
        let fact = try event.decode(RecoveryChurnFact.self)
        return RecoveryPeriods.factKey(
            merchant: event.merchantID, currency: fact.currency,
            day: RecoveryPeriods.day(Timestamp.milliseconds(fact.at)), id: fact.churnedAccountId)
    }

    /// The latest record per key on the stats topic, decoded.
    static func latest(_ records: [JSONValue]) throws -> [String: RecoveryStatsUpdated] {
        var latest: [String: RecoveryStatsUpdated] = [:]
        for data in records {
            let figures = try EventEnvelope(
                eventID: "x", type: "recovery-stats.updated", schemaVersion: 1, occurredAt: Date(), accountID: "m-1",
                merchantID: "m-1", data: data
            ).decode(RecoveryStatsUpdated.self)
            latest[Recount.key(figures)] = figures
        }
        return latest
    }

    @Test(
        "330 accounts, every channel and loss reason, late and out-of-order facts, copies, a restart of the four stages: the figures equal the test's recount"
    )
    func figuresEqualTheRecount() async throws {
        let stories = (0..<330).map(Story.init)
        let expected = Recount(stories)
        // Every ending is there, and most rows mix several.
        #expect(Set(stories.map(\.ending)) == Set(Ending.allCases))
        #expect(
            Set(expected.rows.values.flatMap { $0.byChannel.keys }) == Set(RecoveryResolution.allCases.map(\.rawValue)))
        #expect(
            Set(expected.rows.values.flatMap { $0.byReason.keys })
                == Set(LossReason.allCases.map(\.rawValue) + ["account_terminated"]))

        var harness = try await WorkerHarness(RecoveryWeeksWorker(), alsoReading: [RecoveryEvents.factsTopic])
        var stage3 = try await harness.start(RecoveryDaysWorker())
        var stage2 = try await harness.start(RecoveryFiguresWorker())
        var stage1 = try await harness.start(RecoveryStatsWorker())
        // Time is past every story: nothing is bounded by the clock.
        try await harness.tick(Timestamp.date(milliseconds: base + 120 * dayMs))

        var random = SplitMix64(seed: 25)
        let order = stories.indices.shuffled(using: &random)
        // First half of the facts: each account's opening item, and the terminations (some
        // before the item they end: the status topic is read in no set order with the items).
        for index in order {
            let story = stories[index]
            if let terminated = story.terminatedAt, index % 2 == 0 {
                try await harness.publish(
                    raw: Self.status(story, at: terminated), to: ProofEvents.accountStatusTopic, key: story.account)
            }
            let (item, at) = story.items[0]
            try await harness.publish(
                raw: Self.envelope(story, id: "item-\(index)-0", at: at) {
                    PaymentRetryWorker.writeItem(item, into: &$0)
                },
                to: RecoveryEvents.outcomesTopic, key: story.account)
        }
        // Some facts read, the rest not yet: the four stages stop; new ones take over.
        _ = try await harness.records(RecoveryEvents.factsTopic, count: 100, within: .seconds(60))
        await harness.runtime.stop()
        try await stage3.stop()
        try await stage2.stop()
        try await stage1.stop()
        let weeks = try await harness.start(RecoveryWeeksWorker())
        stage3 = try await harness.start(RecoveryDaysWorker())
        stage2 = try await harness.start(RecoveryFiguresWorker())
        stage1 = try await harness.start(RecoveryStatsWorker())

        // The rest, late: the outcomes move payments from open to recovered or lost.
        for index in order.reversed() {
            let story = stories[index]
            if let terminated = story.terminatedAt, index % 2 == 1 {
                try await harness.publish(
                    raw: Self.status(story, at: terminated), to: ProofEvents.accountStatusTopic, key: story.account)
            }
            for (position, (item, at)) in story.items.enumerated().dropFirst() {
                try await harness.publish(
                    raw: Self.envelope(story, id: "item-\(index)-\(position)", at: at) {
                        PaymentRetryWorker.writeItem(item, into: &$0)
                    }, to: RecoveryEvents.outcomesTopic, key: story.account)
            }
        }
        // Copies: the same events again (dropped by id), the final items under new ids (a
        // replay: the standing does not change), and stage 1's facts again on the facts topic.
        for index in order.prefix(40) {
            let story = stories[index]
            let last = story.items.count - 1
            let (item, at) = story.items[last]
            try await harness.publish(
                raw: Self.envelope(story, id: "item-\(index)-\(last)", at: at) {
                    PaymentRetryWorker.writeItem(item, into: &$0)
                },
                to: RecoveryEvents.outcomesTopic, key: story.account)
            try await harness.publish(
                raw: Self.envelope(story, id: "replay-\(index)", at: at) {
                    PaymentRetryWorker.writeItem(item, into: &$0)
                },
                to: RecoveryEvents.outcomesTopic, key: story.account)
        }
        let facts = try await harness.records(RecoveryEvents.factsTopic, count: 100)
        for (position, fact) in facts.prefix(30).enumerated() {
            let failure = fact["paymentId"] != nil
            let copy = EventEnvelope(
                eventID: "fact-copy-\(position)", type: failure ? "recovery.failure-fact" : "recovery.churn-fact",
                schemaVersion: 1, occurredAt: Date(), accountID: "m-1", merchantID: "m-1", data: fact)
            let key = try Self.factKey(copy)
            var keyed = copy
            keyed.accountID = key
            try await harness.publish(raw: keyed.jsonBytes, to: RecoveryEvents.factsTopic, key: key)
        }

        // The published figures come to the recount.
        var published: [String: RecoveryStatsUpdated] = [:]
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            published = try Self.latest(try await harness.settle(RecoveryEvents.statsTopic))
            if Set(published.keys) == Set(expected.rows.keys)
                && expected.rows.allSatisfy({ key, row in published[key].map(Recount.row) == row })
            {
                break
            }
        }
        // The copies and replays published last may still be on their way: a while later, the
        // figures have not moved.
        try await Task.sleep(for: .seconds(3))
        published = try Self.latest(try await harness.settle(RecoveryEvents.statsTopic))
        #expect(Set(published.keys) == Set(expected.rows.keys))
        for (key, row) in expected.rows.sorted(by: { $0.key < $1.key }) {
            #expect(published[key].map(Recount.row) == row, "\(key)")
        }
        // Each payment counted once: the opened counts of the days add up to the stories.
        let days = published.values.filter { $0.period == .day }
        #expect(days.reduce(0) { $0 + $1.opened.count } == Int64(stories.count))
        // Rates by decline code: every failure counted once, recovered ones among them.
        let byCode = days.flatMap(\.byDeclineCode.values)
        #expect(byCode.reduce(0) { $0 + $1.failed } == Int64(stories.count))
        #expect(byCode.reduce(0) { $0 + $1.recovered } == Int64(stories.filter { $0.final.resolution != nil }.count))
        #expect(try await harness.settle("relance.dead-letters").isEmpty)

        // `relance recovery` reads the same records back from the compacted topic.
        let report = try Self.relance([
            "recovery", "--bootstrap", harness.cluster.bootstrapServers, "--merchant", "m-1", "--from", "2026-11-01",
            "--to", "2026-12-31", "--json",
        ])
        let lines = report.split(separator: "\n").map { try? JSONReader.read(Array($0.utf8)) }
        let dayKeys = Set(expected.rows.keys.filter { !$0.contains("-W") })
        #expect(Set(lines.compactMap { $0?["key"]?.stringValue }) == Set(dayKeys.map { "m-1/\($0)" }), "\(report)")
        let csv = try Self.relance([
            "recovery", "--bootstrap", harness.cluster.bootstrapServers, "--merchant", "m-1", "--from", "2026-11-01",
            "--to", "2026-12-31", "--week", "--currency", "EUR", "--csv",
        ])
        let csvRows = csv.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(csvRows.first?.prefix(3) == ["currency", "period", "opened"])
        let opened = csvRows.dropFirst().compactMap { Int64($0[2]) }.reduce(0, +)
        #expect(opened == Int64(stories.filter { $0.currency == "EUR" }.count), "\(csv)")
        try await stage1.stop()
        try await stage2.stop()
        try await stage3.stop()
        try await weeks.stop()
        try await harness.stop()
    }

    @Test(
        "a payment refused by a full shard is counted once when its dead letter is replayed after the limit is raised")
    func fullShardReplayed() async throws {
        var harness = try await WorkerHarness(RecoveryWeeksWorker(), alsoReading: [RecoveryEvents.factsTopic])
        let stage3 = try await harness.start(RecoveryDaysWorker())
        var small = RecoveryFiguresWorker()
        // Room for one payment, not two.
        small.maxStateBytes = 250
        var stage2 = try await harness.start(small)
        let stage1 = try await harness.start(RecoveryStatsWorker())
        try await harness.tick(Timestamp.date(milliseconds: base + 30 * dayMs))
        // Two accounts' payments in the same shard, first failed the same day.
        let ids = (0..<100).map { "pay-s\($0)" }.filter { RecoveryPeriods.shard($0) == RecoveryPeriods.shard("pay-s0") }
        for (index, payment) in ids.prefix(2).enumerated() {
            let item = ActionItemUpdated(
                paymentId: payment, invoiceId: "inv-\(payment)", transactionType: .subscription, paymentMethod: .card,
                failureReason: "declined", failureCategory: .softDecline, declineCode: "insufficient_funds",
                amount: 1_000, currency: "EUR", state: .open, attempts: 1, handedToCollections: false,
                firstFailedAt: Timestamp.date(milliseconds: base))
            let event = EventEnvelope(
                eventID: "item-s\(index)", type: "action-item.updated", schemaVersion: 1,
                occurredAt: Timestamp.date(milliseconds: base), accountID: "acct-s\(index)", merchantID: "m-1",
                data: EventDataEncoder.encode(item))
            try await harness.publish(raw: event.jsonBytes, to: RecoveryEvents.outcomesTopic, key: "acct-s\(index)")
        }
        let dead = try await harness.records("relance.dead-letters", count: 1)
        #expect(dead[0]["reason"]?["code"]?.stringValue == "shard_full")
        try await waitUntil("the first payment counted") {
            try Self.latest(try await harness.settle(RecoveryEvents.statsTopic))["EUR/2026-11-02"]?.opened.count == 1
        }

        // The limit raised (RELANCE_RECOVERY_SHARD_BYTES), stage 2 restarted, the letter replayed: twice.
        try await stage2.stop()
        stage2 = try await harness.start(RecoveryFiguresWorker())
        let kafka = KafkaConfiguration(bootstrapServers: harness.cluster.bootstrapServers)
        var full = DeadLetters.Selection()
        full.reasons = ["shard_full"]
        let entries = try await DeadLetters.list(topic: "relance.dead-letters", selection: full, kafka: kafka)
        #expect(entries.count == 1)
        for _ in 0..<2 {
            try await DeadLetters.replay(
                entries, deadLetterTopic: "relance.dead-letters", producer: harness.producer,
                signer: TestSigners.role("dead-letter-replay"))
        }
        // The first replay handled, the second refused as already replayed (the runtime's
        // replay outcomes); then the fact again under a new id (stage 2's sequence check).
        let metrics = stage2.runtime.metrics
        try await waitUntil("both replays read") {
            metrics.replays("handled") == 1 && metrics.replays("already_replayed") == 1
        }
        let facts = try await harness.settle(RecoveryEvents.factsTopic)
        let fact = try #require(facts.last { $0["paymentId"]?.stringValue == ids[1] })
        let copy = EventEnvelope(
            eventID: "fact-again", type: "recovery.failure-fact", schemaVersion: 1, occurredAt: Date(),
            accountID: "m-1", merchantID: "m-1", data: fact)
        var keyed = copy
        keyed.accountID = try Self.factKey(copy)
        let read = metrics.eventsIn
        try await harness.publish(raw: keyed.jsonBytes, to: RecoveryEvents.factsTopic, key: keyed.accountID)
        try await waitUntil("the copy read") { metrics.eventsIn > read }
        // Through stages 3 and 4 (a loaded machine takes seconds): the day and its week.
        try await waitUntil("the second payment counted in its day and week") {
            let latest = try Self.latest(try await harness.settle(RecoveryEvents.statsTopic))
            return latest["EUR/2026-11-02"]?.opened.count == 2 && latest["EUR/2026-W45"]?.opened.count == 2
        }
        let latest = try Self.latest(try await harness.settle(RecoveryEvents.statsTopic))
        #expect(latest["EUR/2026-11-02"]?.opened == .init(count: 2, amount: 2_000))
        #expect(latest["EUR/2026-W45"]?.opened == .init(count: 2, amount: 2_000))
        try await stage1.stop()
        try await stage2.stop()
        try await stage3.stop()
        try await harness.stop()
    }

}
