// recovery-stats under SIGKILL while failures open and end.
//
//   relance-recovery-chaos [--accounts N] [--kills K]   (scripts/chaos.sh recovery builds and runs it)
//
// This process holds a mock cluster and starts the recovery-stats executable (its three stages
// in one process) as a child. N accounts of three merchants, in euros and dollars, each with one
// failed payment whose end is known: recovered by an automatic retry, a card update or a
// payment made another way; dismissed; retries exhausted (and, for some, the account
// terminated later); the account terminated while it was open; still open. Their payment-retry
// items and account statuses are published in shuffled order, the outcomes after the openings,
// while the process is killed with SIGKILL K times. Then the figures on relance.recovery-stats
// (read committed) must equal this program's own recount of the stories, record by record
// (counts, amounts, channels, loss reasons, decline-code rates, days to recover, the 7/14/30-day
// curve, churn), and no other record may count anything.
// Prints
//   kills: K, accounts: N, figure records expected: E, equal: Q, missing: M, differing: D
import BenchSupport
import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import RelanceTestSupport

let accounts = option("--accounts", 300)
let kills = option("--kills", 5)
let partitions: Int32 = 4
let dayMs: Int64 = 86_400_000
let base: Int64 = 1_793_610_000_000  // 2026-11-02T09:00:00Z, a Monday

let cluster = try MockCluster(brokers: 1)
let changelogs = KafkaACLs.changelogs(of: "recovery-stats")
for topic in [
    RecoveryEvents.outcomesTopic, ProofEvents.accountStatusTopic, RecoveryEvents.factsTopic,
    RecoveryEvents.partialsTopic, RecoveryEvents.daysTopic, RecoveryEvents.statsTopic, "relance.clock",
] + changelogs {
    try await cluster.createTopic(topic, partitions: partitions)
}
try await cluster.createTopic("relance.dead-letters", partitions: 1)
let driver = try ChaosDriver(bootstrap: cluster.bootstrapServers, clockPartitions: partitions)

enum Ending: Int, CaseIterable {
    case automaticRetry, cardUpdated, paidAnotherWay, dismissed, exhausted, exhaustedThenTerminated, terminated, open
}

/// One account's failed payment and what payment-retry publishes about it.
struct Story {
    var n: Int
    var account: String { "acct-\(n)" }
    var merchant: String { "m-\(n % 3)" }
    var currency: String { n % 3 == 0 ? "USD" : "EUR" }
    var amount: Int64 { Int64(1_000 + n * 13) }
    var ending: Ending { Ending.allCases[n % Ending.allCases.count] }
    var first: Int64 { base + Int64(n % 20) * dayMs + Int64(n % 7) * 3_600_000 }
    var terminatedAt: Int64? {
        switch ending {
        case .exhaustedThenTerminated: first + 25 * dayMs
        case .terminated: first + 10 * dayMs
        default: nil
        }
    }

    func item(
        _ state: ActionItemUpdated.State, resolution: ActionItemUpdated.Resolution? = nil,
        loss: ActionItemUpdated.LossReason? = nil, attempt: Int64? = nil, after days: Int64 = 0
    ) -> ActionItemUpdated {
        let ended = resolution != nil || loss != nil
        return ActionItemUpdated(
            paymentId: "pay-\(n)", invoiceId: "inv-\(n)", transactionType: .subscription, paymentMethod: .card,
            failureReason: "declined", failureCategory: .softDecline, declineCode: "insufficient_funds",
            amount: amount, currency: currency, state: state, attempts: attempt ?? 1, handedToCollections: false,
            firstFailedAt: Timestamp.date(milliseconds: first), resolution: resolution, recoveredOnAttempt: attempt,
            lossReason: loss, outcomeAt: ended ? Timestamp.date(milliseconds: first + days * dayMs) : nil)
    }

    var opening: ActionItemUpdated { item(.open) }

    var outcome: ActionItemUpdated? {
        switch ending {
        case .automaticRetry: item(.resolved, resolution: .automaticRetry, attempt: 2, after: 7)
        case .cardUpdated: item(.resolved, resolution: .cardUpdated, after: 3)
        case .paidAnotherWay: item(.resolved, resolution: .paidAnotherWay, after: 5)
        case .dismissed: item(.dismissed, loss: .dismissed, after: 2)
        case .exhausted, .exhaustedThenTerminated: item(.open, loss: .retriesExhausted, after: 14)
        case .terminated, .open: nil
        }
    }
}

let stories = (0..<accounts).map(Story.init)

/// The figures each record must hold, recounted from the stories.
struct Row: Equatable, CustomStringConvertible {
    var opened = RecoveryStatsUpdated.Tally()
    var recovered = RecoveryStatsUpdated.Tally()
    var lost = RecoveryStatsUpdated.Tally()
    var open = RecoveryStatsUpdated.Tally()
    var byChannel: [String: RecoveryStatsUpdated.Tally] = [:]
    var byReason: [String: RecoveryStatsUpdated.Tally] = [:]
    var churn = RecoveryStatsUpdated.Churn()
    var within = RecoveryStatsUpdated.RecoveredWithin()
    /// Days to recover, one entry per recovered payment, sorted.
    var days: [Int64] = []
    var byCode: [String: RecoveryStatsUpdated.Rate] = [:]

    var description: String {
        "opened \(opened.count)/\(opened.amount), recovered \(recovered.count), lost \(lost.count), open "
            + "\(open.count), churn \(churn.accounts)/\(churn.amount)"
    }

    init() {}

    init(_ figures: RecoveryStatsUpdated) {
        opened = figures.opened
        recovered = figures.recovered
        lost = figures.lost
        open = figures.open
        byChannel = figures.recoveredByChannel.dictionary
        byReason = figures.lostByReason.dictionary
        churn = figures.churn
        within = figures.recoveredWithin
        for (days, count) in figures.daysToRecover.histogram.enumerated() {
            self.days += Array(repeating: Int64(days), count: Int(clamping: count))
        }
        byCode = figures.byDeclineCode.dictionary
    }

    /// Counts nothing (a termination undone, payments moved away).
    var isEmpty: Bool { opened.count == 0 && churn.accounts == 0 }
}

/// The record keys of a story's day and ISO week, by Foundation's calendar (not the worker's code).
func keys(_ story: Story, at milliseconds: Int64) -> [String] {
    var calendar = Calendar(identifier: .iso8601)
    calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
    let date = Timestamp.date(milliseconds: milliseconds)
    let day = calendar.dateComponents([.year, .month, .day], from: date)
    let week = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
    let prefix = "\(story.merchant)/\(story.currency)/"
    return [
        prefix + String(format: "%04d-%02d-%02d", day.year ?? 0, day.month ?? 0, day.day ?? 0),
        prefix + String(format: "%04d-W%02d", week.yearForWeekOfYear ?? 0, week.weekOfYear ?? 0),
    ]
}
var expected: [String: Row] = [:]
for story in stories {
    func add(_ tally: inout RecoveryStatsUpdated.Tally) {
        tally.count += 1
        tally.amount += story.amount
    }
    let final = story.outcome ?? story.opening
    for key in keys(story, at: story.first) {
        var row = expected[key] ?? Row()
        add(&row.opened)
        row.byCode["insufficient_funds", default: .init()].failed += 1
        if let resolution = final.resolution {
            add(&row.recovered)
            add(&row.byChannel[resolution.rawValue, default: .init()])
            row.byCode["insufficient_funds", default: .init()].recovered += 1
            let elapsed = (final.outcomeAt.map(Timestamp.milliseconds) ?? story.first) - story.first
            row.days.append(elapsed / dayMs)
            row.days.sort()
            if elapsed <= 7 * dayMs { row.within.days7 += story.amount }
            if elapsed <= 14 * dayMs { row.within.days14 += story.amount }
            if elapsed <= 30 * dayMs { row.within.days30 += story.amount }
        } else if let reason = final.lossReason?.rawValue ?? (story.terminatedAt != nil ? "account_terminated" : nil) {
            add(&row.lost)
            add(&row.byReason[reason, default: .init()])
        } else {
            add(&row.open)
        }
        expected[key] = row
    }
    if let terminated = story.terminatedAt {
        for key in keys(story, at: terminated) {
            expected[key, default: Row()].churn.accounts += 1
            expected[key, default: Row()].churn.amount += story.amount
        }
    }
}

func publish(_ data: some EventData, story: Story, id: String, at: Int64, to topic: String) async throws {
    let event = EventEnvelope(
        eventID: id, type: type(of: data).eventType.name, schemaVersion: 1,
        occurredAt: Timestamp.date(milliseconds: at), accountID: story.account, merchantID: story.merchant,
        data: EventDataEncoder.encode(data))
    try await driver.producer.enqueue(
        ProducerMessage(topic: topic, key: Array(story.account.utf8), value: event.jsonBytes))
}

try await driver.tick(Timestamp.date(milliseconds: base + 90 * dayMs))
let worker = try WorkerProcess("recovery-stats", bootstrap: cluster.bootstrapServers)

// The publications, in two waves: every opening, then the outcomes and terminations, each wave
// in its own shuffled order; kills spread over both.
var generator = SystemRandomNumberGenerator()
var steps: [(Story, Bool)] = stories.shuffled(using: &generator).map { ($0, true) }
steps += stories.shuffled(using: &generator).map { ($0, false) }
let killAfter = Set((1...max(1, kills)).map { $0 * steps.count / (kills + 1) })
var killed = 0
let started = ContinuousClock.now
for (index, (story, opening)) in steps.enumerated() {
    if opening {
        try await publish(
            story.opening, story: story, id: "item-\(story.n)-0", at: story.first, to: RecoveryEvents.outcomesTopic)
    } else {
        if let outcome = story.outcome, let at = outcome.outcomeAt {
            try await publish(
                outcome, story: story, id: "item-\(story.n)-1", at: Timestamp.milliseconds(at),
                to: RecoveryEvents.outcomesTopic)
        }
        if let terminated = story.terminatedAt {
            try await publish(
                AccountStatus(status: .terminated, reason: "non-payment"), story: story, id: "status-\(story.n)",
                at: terminated, to: ProofEvents.accountStatusTopic)
        }
    }
    if killAfter.contains(index) && killed < kills {
        try await driver.producer.flush(timeout: .seconds(30))
        try await Task.sleep(for: .milliseconds(Int.random(in: 200...1_500, using: &generator)))
        try worker.killAndRestart()
        killed += 1
        say("kill \(killed)/\(kills) after \(index + 1) of \(steps.count) publications")
    }
}
try await driver.producer.flush(timeout: .seconds(60))

/// The latest committed figures per key.
func published() async throws -> [String: Row] {
    let (records, _) = try await ChaosDriver.committedRecords(
        RecoveryEvents.statsTopic,
        changelogs: ["relance.recovery-stats-days.changelog", "relance.recovery-stats-weeks.changelog"],
        partitions: partitions,
        bootstrap: cluster.bootstrapServers)
    var latest: [String: Row] = [:]
    let reader = EventValidator(types: [RecoveryEvents.statsUpdated])
    for record in records {
        guard let key = record.keyString, let value = record.value,
            case .success(let event) = reader.read(Array(value)),
            let figures = try? event.decode(RecoveryStatsUpdated.self)
        else { continue }
        latest[key] = Row(figures)
    }
    return latest
}
var latest: [String: Row] = [:]
let deadline = ContinuousClock.now + .seconds(option("--settle-timeout", 240))
while ContinuousClock.now < deadline {
    latest = try await published()
    if expected.allSatisfy({ latest[$0.key] == $0.value })
        && latest.allSatisfy({ expected[$0.key] != nil || $0.value.isEmpty })
    {
        break
    }
    try await Task.sleep(for: .seconds(2))
}
worker.stop()

let missing = expected.keys.filter { latest[$0] == nil }
// A differing record, or one that counts something where nothing was expected.
let differing =
    expected.keys.filter { latest[$0] != nil && latest[$0] != expected[$0] }
    + latest.filter { expected[$0.key] == nil && !$0.value.isEmpty }.map(\.key)
say(
    "kills: \(killed), accounts: \(accounts), figure records expected: \(expected.count), equal: "
        + "\(expected.count - missing.count - differing.count), missing: \(missing.count), differing: "
        + "\(differing.count), \(Int((ContinuousClock.now - started) / .seconds(1))) s")
if !missing.isEmpty || !differing.isEmpty {
    for key in differing.sorted().prefix(5) {
        say(
            "\(key): expected \(expected[key].map(\.description) ?? "-"), published \(latest[key].map(\.description) ?? "-")"
        )
    }
    say("--- last lines of the worker log\n\(worker.logTail())")
    exit(1)
}
exit(0)
