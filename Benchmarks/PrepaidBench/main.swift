// prepaid speed.
//
//   swift run -c release prepaid-bench [--accounts N] [--usage U] [--rounds R] [--instances K]
//
// Usage events per second through prepaid, exactly-once on the mock cluster: N accounts
// (default 10,000) with automatic recharge on, then U usage events each (default 10); against an echo
// worker on the same events, in the same run. Target ≥ 50,000 usage events/s.
import BenchSupport
import Foundation
import PrepaidService
import RelanceDomain
import RelanceEvents
import RelanceRuntime

let accountCount = option("--accounts", 10_000)
let usagePerAccount = option("--usage", 10)
let rounds = option("--rounds", 3)

let occurred = Date(timeIntervalSince1970: 1_793_491_200)  // 2026-11-01T00:00:00Z
var events: [(key: String, value: [UInt8])] = []
for n in 0..<accountCount {
    // The settings first: the empty account is below its threshold and asks for a recharge.
    // No gateway answers here, so that charge stays in flight and the usage below only
    // deducts (never two charges in flight for one account).
    events.append(
        accountEvent(
            n, "settings", "prepaid.settings-updated", at: occurred,
            .object([
                "currency": .string("AUD"), "automaticRecharge": .bool(true), "threshold": .integer(5_000),
                "rechargeAmount": .integer(10_000),
            ])))
}
for round in 0..<usagePerAccount {
    for n in 0..<accountCount {
        events.append(
            accountEvent(
                n, "u-\(round)", "usage.recorded", at: occurred,
                .object([
                    "usageId": .string("u-\(round)"), "amount": .integer(Int64(100 + n % 50)),
                    "currency": .string("AUD"), "product": .string("sms"),
                ])))
    }
}
let bench = try await WorkerBench(partitions: 16, clock: Date(timeIntervalSince1970: 1_793_491_200))
let compared = try await bench.againstEcho(events, rounds: rounds) { input in
    var worker = PrepaidWorker()
    worker.inputTopics = [input]
    return worker
}
say(
    "prepaid: \(events.count) events (\(accountCount) accounts' settings, \(accountCount * usagePerAccount) usage "
        + "events), exactly-once: " + compared.line(count: events.count))
