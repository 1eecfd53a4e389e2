import CardExpiryService
import Foundation
import GatewaySandboxService
import PaymentRetryService
import PrepaidService
import ProofValidatorService
import ReconciliationService
import RecoveryStatsService
import RelanceDomain
import RelanceEvents
import RelanceRuntime
import RelanceTestSupport
import RelanceTesting
import ReminderMailerService
import Testing

/// Random storms of schema-valid events, of every type and version each worker accepts, in
/// random order and with the clock moving, through each worker's handler with the runtime's
/// semantics (`WorkerTestKit`). A trap ends the test process; every refusal must say why.
/// Ids come from small pools so that events meet: payments of the same invoices, commands on
/// the same payments, cards of the same schedules.
@Suite("every worker, random schema-valid events in random order: no trap, every refusal has a code")
struct RandomEventsTests {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18
    static let merchants = ["m-1", "m-2"]
    static let actor = TestActor(
        id: "ops@example.com", roles: ["owner", "admin", "billing", "manage-reconciliations", "billing-platform"],
        merchants: Set(merchants))

    /// Member name → the values every sample shares.
    static let pools: [String: [JSONValue]] = {
        var pools: [String: [JSONValue]] = [:]
        for (name, prefix) in [
            ("paymentId", "pay"), ("invoiceId", "inv"), ("cardId", "card"), ("scheduleId", "sch"), ("planId", "plan"),
            ("proofId", "proof"), ("creditNoteId", "cn"), ("refundId", "ref"), ("chargeRequestId", "chg"),
            ("requestId", "req"), ("replaces", "card"), ("number", "F-2026-"),
        ] {
            pools[name] = (1...4).map { .string("\(prefix)\($0)") }
        }
        pools["currency"] = [.string("EUR"), .string("EUR"), .string("EUR"), .string("USD")]
        pools["email"] = [.string("a@example.com"), .string("b@example.org")]
        return pools
    }()

    /// What the storm did, for the assertions.
    struct Tally {
        var applied = 0
        var duplicates = 0
        var refused: [String: Int] = [:]
    }

    /// `count` random events through `worker`, from seed `seed`.
    /// `key`: the account id (record key) the worker's producer would give the event, for
    /// workers keyed by something their events' data determines.
    func storm<W: Worker>(
        _ worker: W, seed: UInt64, count: Int = 300, pools: [String: [JSONValue]] = [:],
        key: ((EventEnvelope) -> String?)? = nil
    ) throws -> Tally {
        var random = SplitMix64(seed: seed)
        var samples = SchemaSamples(random: SplitMix64(seed: seed ^ 0x5eed))
        samples.fixed = Self.pools.merging(pools) { _, new in new }
        let kit = WorkerTestKit(worker, startingAt: Self.start)
        let topics = Dictionary(
            Catalog.topics.flatMap { topic in topic.messages.map { ($0, topic.name) } }, uniquingKeysWith: { a, _ in a }
        )
        var tally = Tally()
        for n in 0..<count {
            guard let type = worker.eventTypes.randomElement(using: &random) else { break }
            let topic = try #require(
                worker.inputTopics.first { topics[type.name] == $0 } ?? worker.inputTopics.first)
            var event = EventEnvelope(
                eventID: "e-\(seed)-\(n)", type: type.name, schemaVersion: type.version,
                occurredAt: kit.now.addingTimeInterval(-Double(Int.random(in: 0...86_400, using: &random))),
                accountID: "acct-\(Int.random(in: 1...3, using: &random))",
                merchantID: Self.merchants.randomElement(using: &random) ?? "m-1",
                data: samples.sample(type.data))
            if let account = key?(event) { event.accountID = account }
            let outcome =
                Catalog.commandTypes.contains(type.name)
                ? try kit.publish(command: event, to: topic, as: Self.actor) : try kit.publish(event, to: topic)
            switch outcome {
            case .applied: tally.applied += 1
            case .duplicate: tally.duplicates += 1
            case .deadLettered(_, let code, let reason):
                #expect(!code.isEmpty && !reason.isEmpty, "\(worker.name): \(type.name) refused without a reason")
                #expect(code != "invalid_data", "\(worker.name): \(type.name) does not decode: \(reason)")
                tally.refused[code, default: 0] += 1
            case .notForThisWorker:
                Issue.record("\(worker.name): an ordinary event was skipped")
            }
            // Now and then, hours or days go by and timers fire.
            if Int.random(in: 0..<15, using: &random) == 0 {
                try kit.advance(by: .seconds(Int.random(in: 3600...(9 * 86_400), using: &random)))
            }
        }
        try kit.advance(by: .seconds(60 * 86_400))
        for letter in kit.deadLetters {
            #expect(!letter.reason.code.isEmpty && !letter.reason.message.isEmpty)
        }
        // The storm reached the rules: most schema-valid events are applied.
        #expect(tally.applied > count / 4, "\(worker.name): \(tally)")
        return tally
    }

    @Test("payment-retry", arguments: [1, 2, 3] as [UInt64])
    func paymentRetry(seed: UInt64) throws { _ = try storm(PaymentRetryWorker(), seed: seed) }

    @Test("gateway-sandbox", arguments: [1, 2, 3] as [UInt64])
    func gateway(seed: UInt64) throws { _ = try storm(GatewaySandbox(), seed: seed) }

    @Test("card-expiry", arguments: [1, 2, 3] as [UInt64])
    func cardExpiry(seed: UInt64) throws { _ = try storm(CardExpiryWorker(), seed: seed) }

    @Test("prepaid", arguments: [1, 2, 3] as [UInt64])
    func prepaid(seed: UInt64) throws { _ = try storm(PrepaidWorker(), seed: seed) }

    @Test("reconciliation", arguments: [1, 2, 3] as [UInt64])
    func reconciliation(seed: UInt64) throws {
        _ = try storm(ReconciliationWorker(automaticMerchants: ["m-1"]), seed: seed)
    }

    @Test("proof-validator", arguments: [1, 2, 3] as [UInt64])
    func proofValidator(seed: UInt64) throws { _ = try storm(ProofValidatorWorker(), seed: seed) }

    @Test("reminder-mailer", arguments: [1, 2, 3] as [UInt64])
    func reminderMailer(seed: UInt64) throws { _ = try storm(ReminderMailerWorker(), seed: seed) }

    @Test("reminder-mailer with late fees from step 1", arguments: [1, 2, 3] as [UInt64])
    func reminderMailerLateFees(seed: UInt64) throws {
        var worker = ReminderMailerWorker()
        worker.dunning = DunningPolicies(
            default: DunningPolicy(
                lateFees: LateFeePolicy(atStep: 1, flatIndemnity: ["EUR": 4_000], annualInterestRatePercent: "12.15")))
        _ = try storm(worker, seed: seed)
    }

    @Test("reminder-mailer's digest", arguments: [1, 2, 3] as [UInt64])
    func digest(seed: UInt64) throws { _ = try storm(DigestWorker(), seed: seed) }

    @Test("recovery-stats", arguments: [1, 2, 3] as [UInt64])
    func recoveryStats(seed: UInt64) throws { _ = try storm(RecoveryStatsWorker(), seed: seed) }

    @Test("recovery-stats' figures", arguments: [1, 2, 3] as [UInt64])
    func recoveryFigures(seed: UInt64) throws {
        // Keyed as stage 1 writes them: by merchant, currency, day and shard.
        _ = try storm(RecoveryFiguresWorker(), seed: seed) { event in
            if let fact = try? event.decode(RecoveryFailureFact.self) {
                return RecoveryPeriods.factKey(
                    merchant: event.merchantID, currency: fact.currency,
                    day: RecoveryPeriods.day(Timestamp.milliseconds(fact.firstFailedAt)), id: fact.paymentId)
            }
            if let fact = try? event.decode(RecoveryChurnFact.self) {
                return RecoveryPeriods.factKey(
                    merchant: event.merchantID, currency: fact.currency,
                    day: RecoveryPeriods.day(Timestamp.milliseconds(fact.at)), id: fact.churnedAccountId)
            }
            return nil
        }
    }

    @Test("recovery-stats' days", arguments: [1, 2, 3] as [UInt64])
    func recoveryDays(seed: UInt64) throws {
        // Keyed as stage 2 writes them: by merchant, currency and day; shards and days as it
        // publishes them.
        _ = try storm(
            RecoveryDaysWorker(), seed: seed,
            pools: ["shard": (0..<16).map { .number(String($0)) }, "period": [.string("day")], "start": Self.days]
        ) { event in
            guard let partial = try? event.decode(RecoveryPartialFigures.self),
                let day = RecoveryPeriods.day(of: partial.figures.start)
            else { return nil }
            return RecoveryPeriods.dayKey(merchant: event.merchantID, currency: partial.figures.currency, day: day)
        }
    }

    @Test("recovery-stats' weeks", arguments: [1, 2, 3] as [UInt64])
    func recoveryWeeks(seed: UInt64) throws {
        // Keyed as stage 3 writes them: by merchant, currency and week.
        _ = try storm(
            RecoveryWeeksWorker(), seed: seed, pools: ["period": [.string("day")], "start": Self.days]
        ) { event in
            guard let record = try? event.decode(RecoveryDayFigures.self),
                let day = RecoveryPeriods.day(of: record.figures.start)
            else { return nil }
            return RecoveryPeriods.weekKey(merchant: event.merchantID, currency: record.figures.currency, day: day)
        }
    }

    /// Ten days across two ISO weeks.
    static let days = (0..<10).map { JSONValue.string(RecoveryPeriods.date(20_400 + $0)) }
}
