// recovery-stats speed and memory.
//
//   swift run -c release recovery-bench [--accounts N] [--memory-failures M] [--rounds R] [--stages 1234]
//       [--partitions P]
//
// `--stages 34` runs stages 3 and 4 only (their inputs are still computed from the same
// accounts); `--memory-failures 0` skips the memory figures.
//
// 1. Each stage through the exactly-once runtime on the mock cluster, against an echo worker
//    on the same events in the same run:
//    stage 1 (per account): N accounts (default 20,000), each with two failed payments opened
//    and one of them recovered: 3N action-centre items;
//    stage 2 (per merchant, currency, day and shard): the facts stage 1 writes for them, over
//    ten merchants and 28 days;
//    stage 3 (per merchant, currency and day): the shards' day figures stage 2 writes;
//    stage 4 (per merchant, currency and week): the day figures stage 3 writes.
// 2. Memory per open failure: M open failures (default 500,000), as stage 1 (one per account)
//    and stage 2 (spread over shards) hold them, encoded (as after a restore) and decoded:
//    resident memory growth per failure, and the bytes each adds to its changelog record.
import BenchSupport
import Foundation
import RecoveryStatsService
import RelanceDomain
import RelanceEvents
import RelanceRuntime

let accountCount = option("--accounts", 20_000)
let memoryFailures = option("--memory-failures", 500_000)
let rounds = option("--rounds", 3)
let stages = Set(String(option("--stages", 1234)))
/// Stage `n` through the runtime against the echo worker, unless `--stages` leaves it out.
func compare<W: Worker>(
    stage n: Character, _ events: [(key: String, value: [UInt8])], _ make: @escaping (String) -> W
) async throws -> WorkerBench.EchoComparison? {
    guard stages.contains(n) else { return nil }
    return try await bench.againstEcho(events, rounds: rounds, make)
}

let dayMs: Int64 = 86_400_000
let start: Int64 = 1_793_491_200_000  // 2026-11-01T00:00:00Z
let codes = ["insufficient_funds", "expired_card", "do_not_honor", "AM04", "MD01"]

func envelope<T: EventData>(_ data: T, id: String, account: String, merchant: String, at: Int64) -> (
    key: String, value: [UInt8]
) {
    let event = EventEnvelope(
        eventID: id, type: T.eventType.name, schemaVersion: T.eventType.version,
        occurredAt: Timestamp.date(milliseconds: at), accountID: account, merchantID: merchant,
        data: EventDataEncoder.encode(data))
    return (account, event.jsonBytes)
}

/// Account n's payment p: when it first failed, and its fact as stage 1 would write it.
/// Spread over the 28 days and, with `merchant(n)`, over 280 merchant-days (11 is prime to 28
/// and to 10; `n * 7` put every failure on 8 days, one merchant-day of 1,500 partials each at
/// 20,000 accounts, past what the mock cluster keeps in a partition).
func firstFailed(_ n: Int, _ p: Int) -> Int64 {
    start + Int64((n * 11 + p * 3) % 28) * dayMs + Int64(n % 86_400) * 1000
}
func merchant(_ n: Int) -> String { "m-\(n % 10)" }

func item(_ n: Int, _ p: Int, recovered: Bool) -> ActionItemUpdated {
    let first = firstFailed(n, p)
    return ActionItemUpdated(
        paymentId: "pay-\(n)-\(p)", invoiceId: "inv-\(n)-\(p)", transactionType: .subscription,
        paymentMethod: n % 3 == 0 ? .sepaDebit : .card, failureReason: "declined", failureCategory: .softDecline,
        declineCode: codes[(n + p) % codes.count], amount: Int64(1_000 + n % 5_000),
        currency: n % 4 == 0 ? "USD" : "EUR", state: recovered ? .resolved : .open, attempts: recovered ? 2 : 1,
        handedToCollections: false, firstFailedAt: Timestamp.date(milliseconds: first),
        resolution: recovered ? .automaticRetry : nil, recoveredOnAttempt: recovered ? 2 : nil,
        outcomeAt: recovered ? Timestamp.date(milliseconds: first + 7 * dayMs) : nil)
}

func fact(_ n: Int, _ p: Int, recovered: Bool) -> RecoveryFailureFact {
    let item = item(n, p, recovered: recovered)
    return RecoveryFailureFact(
        paymentId: item.paymentId, paymentAccountId: "acct-\(n)", amount: item.amount, currency: item.currency,
        declineCode: item.declineCode, paymentMethod: item.paymentMethod, transactionType: item.transactionType,
        firstFailedAt: Timestamp.date(milliseconds: firstFailed(n, p)), status: recovered ? .recovered : .open,
        resolution: recovered ? .automaticRetry : nil, recoveredOnAttempt: recovered ? 2 : nil,
        outcomeAt: item.outcomeAt, sequence: recovered ? 2 : 1)
}

func factKey(_ n: Int, _ p: Int) -> String {
    let fact = fact(n, p, recovered: false)
    return RecoveryPeriods.factKey(
        merchant: merchant(n), currency: fact.currency, day: RecoveryPeriods.day(firstFailed(n, p)),
        id: fact.paymentId)
}

let clock = Date(timeIntervalSince1970: Double(start + 60 * dayMs) / 1000)
// The mock cluster keeps 5 MiB per partition: more accounts need more partitions.
let bench = try await WorkerBench(partitions: Int32(option("--partitions", 16)), clock: clock)

// 1a. Stage 1: items keyed by account, in each account's order.
var items: [(key: String, value: [UInt8])] = []
for n in 0..<accountCount {
    for p in 0..<2 {
        items.append(
            envelope(
                item(n, p, recovered: false), id: "item-\(n)-\(p)", account: "acct-\(n)", merchant: merchant(n),
                at: firstFailed(n, p)))
    }
    items.append(
        envelope(
            item(n, 0, recovered: true), id: "item-\(n)-0-r", account: "acct-\(n)", merchant: merchant(n),
            at: firstFailed(n, 0) + 7 * dayMs))
}
let stage1 = try await compare(stage: "1", items) { input in
    var worker = RecoveryStatsWorker()
    worker.inputTopics = [input]
    return worker
}
if let stage1 {
    say("recovery-stats stage 1: \(items.count) items of \(accountCount) accounts: " + stage1.line(count: items.count))
}

// 1b. Stage 2: the facts stage 1 writes, keyed by merchant, currency, day and shard.
var facts: [(key: String, value: [UInt8])] = []
for n in 0..<accountCount {
    for p in 0..<2 {
        facts.append(
            envelope(
                fact(n, p, recovered: false), id: "fact-\(n)-\(p)", account: factKey(n, p), merchant: merchant(n),
                at: firstFailed(n, p)))
    }
    facts.append(
        envelope(
            fact(n, 0, recovered: true), id: "fact-\(n)-0-r", account: factKey(n, 0), merchant: merchant(n),
            at: firstFailed(n, 0) + 7 * dayMs))
}
let stage2 = try await compare(stage: "2", facts) { input in
    var worker = RecoveryFiguresWorker()
    worker.inputTopics = [input]
    return worker
}
if let stage2 { say("recovery-stats stage 2: \(facts.count) facts: " + stage2.line(count: facts.count)) }

// 1c. Stage 3: the partials stage 2 writes (one per fact), from the same facts run through its
// rules in memory.
var shardStates: [String: RecoveryAggregate] = [:]
var revisions: [String: Int64] = [:]
var partials: [(key: String, value: [UInt8])] = []
var dayStates: [String: LatestFigures] = [:]
var dayRecords: [(key: String, value: [UInt8])] = []
for (index, record) in facts.enumerated() {
    let n = index / 3
    let p = index % 3 == 1 ? 1 : 0
    let recovered = index % 3 == 2
    let current = fact(n, p, recovered: recovered)
    var shard = shardStates[record.key] ?? RecoveryAggregate()
    if recovered { try shard.add(RecoveryAggregate.Payment(fact(n, p, recovered: false)), sign: -1) }
    try shard.add(RecoveryAggregate.Payment(current), sign: 1)
    shardStates[record.key] = shard
    revisions[record.key, default: 0] += 1
    let day = RecoveryPeriods.day(firstFailed(n, p))
    let partial = RecoveryPartialFigures(
        shard: Int64(RecoveryPeriods.shard(current.paymentId)), revision: revisions[record.key] ?? 1,
        figures: shard.figures(week: false, start: day, currency: current.currency))
    let dayKey = RecoveryPeriods.dayKey(merchant: merchant(n), currency: current.currency, day: day)
    partials.append(
        envelope(partial, id: "partial-\(index)", account: dayKey, merchant: merchant(n), at: firstFailed(n, p)))
    // What stage 3 writes for it (one day record per partial).
    var latest = dayStates[dayKey] ?? LatestFigures()
    _ = try latest.replace(
        String(partial.shard), revision: partial.revision, figures: RecoveryAggregate(partial.figures))
    dayStates[dayKey] = latest
    dayRecords.append(
        envelope(
            RecoveryDayFigures(
                revision: latest.revision,
                figures: latest.total.figures(week: false, start: day, currency: current.currency)),
            id: "day-\(index)",
            account: RecoveryPeriods.weekKey(merchant: merchant(n), currency: current.currency, day: day),
            merchant: merchant(n), at: firstFailed(n, p)))
}
let stage3 = try await compare(stage: "3", partials) { input in
    var worker = RecoveryDaysWorker()
    worker.inputTopics = [input]
    return worker
}
if let stage3 { say("recovery-stats stage 3: \(partials.count) partials: " + stage3.line(count: partials.count)) }
let stage4 = try await compare(stage: "4", dayRecords) { input in
    var worker = RecoveryWeeksWorker()
    worker.inputTopics = [input]
    return worker
}
if let stage4 {
    say("recovery-stats stage 4: \(dayRecords.count) day records: " + stage4.line(count: dayRecords.count))
}
if stages.count == 4,
    let slowest = [stage1, stage2, stage3, stage4].compactMap({ $0.map { Double(items.count) / $0.worker } }).min()
{
    say("recovery-stats: facts per second through all four stages (the slowest stage's rate): \(format(slowest))")
}

// 2. Memory per open failure.
if memoryFailures <= 0 { exit(0) }
func stage1State(_ n: Int) -> RecoveryStatsWorker.State {
    var state = RecoveryStatsWorker.State()
    let first = firstFailed(n, 0)
    state.merchantID = merchant(n)
    state.payments["pay-\(n)-0"] = RecoveryStatsWorker.Followed(
        amount: Int64(1_000 + n % 5_000), currency: "EUR", declineCode: codes[n % codes.count], method: .card,
        type: .subscription, firstFailedAt: first, sequence: 1,
        published: .init(
            merchant: merchant(n), currency: "EUR", amount: Int64(1_000 + n % 5_000), firstFailedAt: first,
            outcome: .init(status: .open)))
    return state
}
func stage2Entry(_ n: Int) -> RecoveryFiguresWorker.Tracked {
    .init(payment: RecoveryAggregate.Payment(fact(n, 0, recovered: false)), sequence: 1, withdrawn: false)
}
let oneAccount = try StateCoding.encode(stage1State(1)).count
var bigShard = RecoveryFiguresWorker.State()
for n in 0..<8_000 { bigShard.payments["pay-\(n)-0"] = stage2Entry(n) }
let shardBytes = try StateCoding.encode(bigShard).count
say(
    "changelog: stage 1, an account with one open failure \(oneAccount) bytes; stage 2, a shard of 8000 open "
        + "failures \(shardBytes) bytes (\(shardBytes / 8_000) bytes each; Kafka's default limit 1048576)")

var baseline = residentBytes()
var encoded1: [String: [UInt8]] = [:]
encoded1.reserveCapacity(memoryFailures)
for n in 0..<memoryFailures { encoded1["acct-\(n)"] = try StateCoding.encode(stage1State(n)) }
let encoded1Bytes = residentBytes() - baseline
baseline = residentBytes()
var decoded1: [String: RecoveryStatsWorker.State] = [:]
decoded1.reserveCapacity(memoryFailures)
for n in 0..<memoryFailures { decoded1["acct-\(n)"] = stage1State(n) }
let decoded1Bytes = residentBytes() - baseline
say(
    "memory, stage 1: \(memoryFailures) accounts of one open failure: encoded \(encoded1Bytes / memoryFailures) "
        + "bytes per failure, decoded \(decoded1Bytes / memoryFailures) bytes per failure (RSS growth)")

// Stage 2: the failures spread over their merchant, currency, day and shard keys.
baseline = residentBytes()
var decoded2: [String: RecoveryFiguresWorker.State] = [:]
for n in 0..<memoryFailures { decoded2[factKey(n, 0), default: .init()].payments["pay-\(n)-0"] = stage2Entry(n) }
let decoded2Bytes = residentBytes() - baseline
baseline = residentBytes()
var encoded2: [String: [UInt8]] = [:]
for (key, state) in decoded2 { encoded2[key] = try StateCoding.encode(state) }
let encoded2Bytes = residentBytes() - baseline
say(
    "memory, stage 2: \(memoryFailures) open failures over \(decoded2.count) shard keys: encoded "
        + "\(encoded2Bytes / memoryFailures) bytes per failure, decoded \(decoded2Bytes / memoryFailures) bytes "
        + "per failure (RSS growth)")
// Everything kept to the end: memory freed and reused would hide the next figure's growth.
withExtendedLifetime((encoded1, decoded1, encoded2, decoded2)) {}
