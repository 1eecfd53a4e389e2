// card-expiry under SIGKILL around month boundaries.
//
//   relance-card-chaos [--accounts N] [--kills K]      (scripts/chaos.sh card builds and runs it)
//
// This process holds a mock cluster and starts the card-expiry executable as a child. N accounts
// of three merchants (Europe/Paris, Pacific/Auckland, America/Los_Angeles) save cards expiring
// from December 2026 to March 2027; simulated time walks from 20 November 2026 to 10 February
// 2027 in steps of six hours, across the year boundary, and the worker is killed with SIGKILL
// K times, each time just after a month boundary in one of the zones, while its month timers
// fire. Then the card reminders on the notifications topic (read committed) are counted per
// card and expiry: each expected one exactly once, none for a card outside the wallet or paying
// no scheduled payment. Prints
//   kills: K, accounts: N, reminders expected: E, requested: R, missing: M, duplicated: D, unexpected: U
import BenchSupport
import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import RelanceTestSupport

let accounts = option("--accounts", 300)
let kills = option("--kills", 10)
let partitions: Int32 = 4
let zones = [
    ("m-paris", "Europe/Paris"), ("m-auckland", "Pacific/Auckland"), ("m-la", "America/Los_Angeles"),
]
let expiries = [
    YearMonth(year: 2026, month: 12), YearMonth(year: 2027, month: 1), YearMonth(year: 2027, month: 2),
    YearMonth(year: 2027, month: 3),
]
let start = Date(timeIntervalSince1970: 1_795_132_800)  // 2026-11-20T00:00:00Z
let end = Date(timeIntervalSince1970: 1_801_958_400)  // 2027-02-10T00:00:00Z
let step: TimeInterval = 6 * 3600

let cluster = try MockCluster(brokers: 1)
for topic in [
    CardEvents.cardsTopic, CardEvents.expiringCardsTopic, PaymentEvents.notificationsTopic,
    PaymentEvents.paymentsTopic, "relance.clock", "relance.card-expiry.changelog",
] {
    try await cluster.createTopic(topic, partitions: partitions)
}
try await cluster.createTopic("relance.dead-letters", partitions: 1)
let driver = try ChaosDriver(bootstrap: cluster.bootstrapServers, clockPartitions: partitions)

/// A reminder the worker must request: the card, its expiry, and when (the start of the month
/// before the expiry, in the merchant's time zone; at once for a card already in that month).
struct Expected: Hashable {
    var key: String
    var due: Date
}
var expected: [Expected] = []
var neverReminded: Set<String> = []
func key(_ account: String, _ card: String, _ expiry: YearMonth) -> String { "\(account)/\(card)/\(expiry)" }

try await driver.tick(start)
for n in 0..<accounts {
    let account = "acct-\(n)"
    let (merchant, zoneName) = zones[n % zones.count]
    let zone = TimeZone(identifier: zoneName)!
    func save(_ card: String, _ expiry: YearMonth, wallet: Bool, schedule: String?) async throws {
        try await driver.publish(
            "card.saved", to: CardEvents.cardsTopic, account: account, merchant: merchant, id: "\(account)-\(card)",
            .object([
                "cardId": .string(card), "brand": .string("visa"), "last4": .string(String(format: "%04d", n % 10_000)),
                "expMonth": .integer(Int64(expiry.month)), "expYear": .integer(Int64(expiry.year)),
                "inWallet": .bool(wallet),
            ]))
        if let schedule {
            try await driver.publish(
                "schedule.updated", to: CardEvents.cardsTopic, account: account, merchant: merchant,
                id: "\(account)-\(schedule)",
                .object([
                    "scheduleId": .string(schedule), "kind": .string(n % 2 == 0 ? "subscription" : "installment"),
                    "cardId": .string(card), "status": .string("active"),
                ]))
        }
    }
    // The card that pays the account's subscription: reminded once, the month before it expires.
    let expiry = expiries[(n / zones.count) % expiries.count]
    try await save("card-a", expiry, wallet: true, schedule: "sched-a")
    let remindMonth = YearMonth(
        year: expiry.month == 1 ? expiry.year - 1 : expiry.year, month: expiry.month == 1 ? 12 : expiry.month - 1)
    expected.append(Expected(key: key(account, "card-a", expiry), due: max(start, remindMonth.start(in: zone))))
    // In the wallet but paying nothing, and paying a schedule but not in the wallet: never reminded.
    if n % 4 == 0 {
        try await save("card-b", YearMonth(year: 2027, month: 2), wallet: true, schedule: nil)
        neverReminded.insert(key(account, "card-b", YearMonth(year: 2027, month: 2)))
    }
    if n % 5 == 0 {
        try await save("card-c", YearMonth(year: 2027, month: 1), wallet: false, schedule: "sched-c")
        neverReminded.insert(key(account, "card-c", YearMonth(year: 2027, month: 1)))
    }
}
try await driver.producer.flush(timeout: .seconds(60))

let zonesFile = FileManager.default.temporaryDirectory.appendingPathComponent("relance-card-chaos-zones.json")
try JSONSerialization.data(withJSONObject: Dictionary(uniqueKeysWithValues: zones)).write(to: zonesFile)
let worker = try WorkerProcess(
    "card-expiry", bootstrap: cluster.bootstrapServers,
    environment: ["RELANCE_MERCHANT_TIME_ZONES": zonesFile.path])
guard
    try await driver.waitForChangelog(
        "relance.card-expiry.changelog", accounts: accounts, partitions: partitions,
        bootstrap: cluster.bootstrapServers)
else {
    fail("the worker did not take in the accounts\n\(worker.logTail())")
}

/// Card reminders requested so far, as a downstream reader counts them: "account/card/expiry"
/// → count, and the records of transactions cut by a kill (left out).
func reminders() async throws -> (counts: [String: Int], cut: Int) {
    let (records, cut) = try await ChaosDriver.committedRecords(
        PaymentEvents.notificationsTopic, changelog: "relance.card-expiry.changelog", partitions: partitions,
        bootstrap: cluster.bootstrapServers)
    var counts: [String: Int] = [:]
    for record in records {
        guard let event = try? JSONReader.read(Array(record.value ?? [])),
            let data = event["data"], data["kind"]?.stringValue == "card_expiring",
            let account = event["accountId"]?.stringValue, let card = data["cardId"]?.stringValue,
            let year = data["expYear"]?.integerValue, let month = data["expMonth"]?.integerValue
        else { continue }
        counts[key(account, card, YearMonth(year: Int(year), month: Int(month))), default: 0] += 1
    }
    return (counts, cut)
}

// The walk. A tick "crosses" when some reminder falls due at it; kills go just after such ticks.
var ticks: [Date] = []
var date = start + step
while date <= end {
    ticks.append(date)
    date += step
}
let crossing = ticks.indices.filter { index in
    let previous = index == 0 ? start : ticks[index - 1]
    return expected.contains { $0.due > previous && $0.due <= ticks[index] }
}
var generator = SystemRandomNumberGenerator()
var killAt: [Int: Int] = [:]
for _ in 0..<kills { killAt[crossing.randomElement(using: &generator)!, default: 0] += 1 }
var killed = 0
let started = ContinuousClock.now
for (index, tick) in ticks.enumerated() {
    try await driver.tick(tick)
    for _ in 0..<(killAt[index] ?? 0) {
        try await Task.sleep(for: .milliseconds(Int.random(in: 0...600, using: &generator)))
        try worker.killAndRestart()
        killed += 1
        say("kill \(killed)/\(kills) at \(tick)")
    }
    guard crossing.contains(index) else { continue }
    // Let the worker catch up with the boundary before time moves on.
    let due = Set(expected.filter { $0.due <= tick }.map(\.key))
    let deadline = ContinuousClock.now + .seconds(option("--boundary-timeout", 90))
    while ContinuousClock.now < deadline {
        if try await due.isSubset(of: Set(reminders().counts.keys)) { break }
        try await Task.sleep(for: .milliseconds(250))
    }
}
worker.stop()

let (counts, cut) = try await reminders()
let wanted = Set(expected.map(\.key))
let missing = wanted.subtracting(counts.keys).count
let duplicated = counts.filter { wanted.contains($0.key) }.values.reduce(0) { $0 + $1 - 1 }
let unexpected = counts.keys.filter { !wanted.contains($0) }
say(
    "kills: \(killed), accounts: \(accounts), reminders expected: \(wanted.count), requested: "
        + "\(counts.values.reduce(0, +)), missing: \(missing), duplicated: \(duplicated), unexpected: "
        + "\(unexpected.count) (\(unexpected.filter { neverReminded.contains($0) }.count) for cards outside the "
        + "wallet or paying nothing), \(Int((ContinuousClock.now - started) / .seconds(1))) s; records of "
        + "transactions cut by a kill, left out: \(cut)")
if missing > 0 || duplicated > 0 || !unexpected.isEmpty {
    say("--- last lines of the worker log\n\(worker.logTail())")
    exit(1)
}
exit(0)
