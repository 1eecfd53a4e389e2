// card-expiry speed.
//
//   swift run -c release card-bench [--accounts N] [--cards C] [--rounds R] [--instances K]
//
// 1. Card and schedule events per second through card-expiry, exactly-once on the mock cluster
//    (N accounts: a card saved, the subscription it pays, a replacement card for every other
//    account), against the same events through a worker that only echoes them (the runtime's
//    own cost), in the same run. Target ≥ 50,000 events/s.
// 2. The month boundary through the runtime: in the same card-expiry runs, the clock then moves
//    into the next month and the month timers of the accounts due fire (a card to list and
//    remind for expiring the month after, or to take off the list), committed. An account's
//    timer is set for the first month that can change its list (`CardWatch.nextChange`), so a
//    boundary wakes only those accounts.
// 3. The month boundary in memory for C cards (default 1,000,000: C/2 accounts of two cards):
//    `CardWatch.evaluate` for every account, then what the runtime does at the boundary: the
//    accounts due, each state decoded, evaluated and encoded again as the runtime stores it
//    (checked to give the same listings and reminders as every account). Target < 5 s for
//    1,000,000 cards.
// Each line gives the median of the rounds.
import BenchSupport
import CardExpiryService
import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime

let accountCount = option("--accounts", 40_000)
let cardCount = option("--cards", 1_000_000)
let rounds = option("--rounds", 3)

let november = Date(timeIntervalSince1970: 1_795_132_800)  // 2026-11-20T00:00:00Z
let december = Date(timeIntervalSince1970: 1_796_083_201)  // 2026-12-01T00:00:01Z
// The same months as the rules see them.
let november2026 = YearMonth(year: 2026, month: 11)
let december2026 = YearMonth(year: 2026, month: 12)

/// Expiry months from December 2026 over a year: a twelfth of the cards expire each month.
func expiry(_ n: Int) -> (month: Int64, year: Int64) {
    let index = (n % 12) + 11
    return (Int64(index % 12 + 1), Int64(2026 + index / 12))
}

var events: [(key: String, value: [UInt8])] = []
for n in 0..<accountCount {
    let (month, year) = expiry(n)
    let last4 = String(format: "%04d", n % 10_000)
    events.append(
        accountEvent(
            n, "card-1", "card.saved", at: november,
            .object([
                "cardId": .string("card-1"), "brand": .string("visa"), "last4": .string(last4),
                "expMonth": .integer(month), "expYear": .integer(year), "inWallet": .bool(true),
            ])))
    events.append(
        accountEvent(
            n, "sched-1", "schedule.updated", at: november,
            .object([
                "scheduleId": .string("sched-1"), "kind": .string("subscription"), "cardId": .string("card-1"),
                "status": .string("active"),
            ])))
    if n % 2 == 0 {
        let (nextMonth, nextYear) = expiry(n + 1)
        events.append(
            accountEvent(
                n, "card-2", "card.saved", at: november,
                .object([
                    "cardId": .string("card-2"), "brand": .string("mastercard"), "last4": .string(last4),
                    "expMonth": .integer(nextMonth), "expYear": .integer(nextYear + 1), "inWallet": .bool(true),
                    "replaces": .string("card-1"),
                ])))
    }
}

/// The accounts whose month timer is due at the December boundary: the worker looks at an
/// account only in a month that can list one of its cards or take one off.
let dueAccounts = (0..<accountCount).filter { n in
    var watch = CardWatch()
    let (month, year) = expiry(n)
    _ = watch.save(
        SavedCard(
            id: "card-1", brand: "visa", last4: "0000", expires: YearMonth(year: Int(year), month: Int(month)),
            inWallet: true), replacing: nil, now: november2026)
    _ = watch.schedule("sched-1", cardID: "card-1", now: november2026)
    if n % 2 == 0 {
        let (nextMonth, nextYear) = expiry(n + 1)
        _ = watch.save(
            SavedCard(
                id: "card-2", brand: "mastercard", last4: "0000",
                expires: YearMonth(year: Int(nextYear) + 1, month: Int(nextMonth)), inWallet: true),
            replacing: "card-1", now: november2026)
    }
    return watch.nextChange(after: november2026) == december2026
}.count

let bench = try await WorkerBench(partitions: 16, clock: november)
var watched: [Double] = []
var boundary: [Double] = []
var echoed: [Double] = []
for _ in 0..<rounds {
    let timing = try await bench.run(events, fireAt: december, timers: dueAccounts) { input, output in
        var worker = CardExpiryWorker()
        worker.inputTopics = [input]
        return worker
    }
    watched.append(timing.events)
    boundary.append(timing.timers)
    echoed.append(
        try await bench.run(events) {
            WorkerBench.EchoWorker(inputTopics: [$0], outputTopics: [$1], eventTypes: CardExpiryWorker().eventTypes)
        })
}
say(
    "card-expiry: \(events.count) card and schedule events (\(accountCount) accounts), exactly-once: "
        + "\(format(Double(events.count) / median(watched))) events/s (target ≥ 50000); echo worker on the same "
        + "events \(format(Double(events.count) / median(echoed))) events/s; ratio "
        + "\(format2(median(echoed) / median(watched)))")
say(
    "month boundary through the runtime: \(dueAccounts) of \(accountCount) accounts due (a card to list or to take "
        + "off), their month timers fired, evaluated and committed in \(format2(median(boundary))) s "
        + "(\(format(Double(dueAccounts) / median(boundary))) accounts/s)")

// 3. In memory.
var watches: [CardWatch] = []
watches.reserveCapacity(cardCount / 2)
for n in 0..<(cardCount / 2) {
    var watch = CardWatch()
    let (month, year) = expiry(n)
    _ = watch.save(
        SavedCard(
            id: "card-1", brand: "visa", last4: "4242", expires: YearMonth(year: Int(year), month: Int(month)),
            inWallet: true), replacing: nil, now: november2026)
    _ = watch.save(
        SavedCard(
            id: "card-2", brand: "visa", last4: "1881", expires: YearMonth(year: Int(year) + 1, month: Int(month)),
            inWallet: n % 3 != 0), replacing: nil, now: november2026)
    _ = watch.schedule("sched-1", cardID: "card-1", now: november2026)
    _ = watch.schedule("sched-2", cardID: "card-2", now: november2026)
    watches.append(watch)
}
var evaluateRounds: [Double] = []
var storedRounds: [Double] = []
var listed = 0
// As the runtime stores state (StateCoding: Foundation's JSON form, its own coders).
let encoded = try watches.map { try StateCoding.encode($0) }
// The accounts whose month timer the boundary fires (the runtime pops them from its timer queue).
let due = watches.indices.filter { watches[$0].nextChange(after: november2026) == december2026 }
for _ in 0..<rounds {
    var copies = watches
    var effects = 0
    evaluateRounds.append(
        measure {
            for index in copies.indices { effects += copies[index].evaluate(now: december2026).count }
        })
    listed = effects
    var dueEffects = 0
    storedRounds.append(
        try measure {
            for index in due {
                var watch = try StateCoding.decode(CardWatch.self, from: encoded[index])
                dueEffects += watch.evaluate(now: december2026).count
                _ = try StateCoding.encode(watch)
            }
        })
    guard dueEffects == effects else {
        fail("the due accounts gave \(dueEffects) listings and reminders, every account \(effects)")
    }
}
say(
    "month boundary in memory: \(cardCount) cards (\(cardCount / 2) accounts), \(listed) listings and reminders: "
        + "every account evaluated \(format2(median(evaluateRounds))) s; as the runtime does it, the \(due.count) "
        + "accounts due decoded, evaluated and encoded again \(format2(median(storedRounds))) s (target < 5 s)")
