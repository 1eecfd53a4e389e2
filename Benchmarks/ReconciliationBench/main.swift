// reconciliation speed and memory.
//
//   swift run -c release reconciliation-bench [--accounts N] [--items I] [--memory-accounts M] [--rounds R] [--instances K]
//
// 1. Ledger events per second through reconciliation, exactly-once on the mock cluster (N
//    accounts, default 25,000: two invoices, a credit note, a payment naming an invoice, a
//    payment naming none), against an echo worker on the same events. Target ≥ 50,000/s.
// 2. Reconcile of one account with I open items (default 1,000: half invoices, half credit
//    notes), and the same account's state decoded and encoded as the runtime stores it.
// 3. Memory with M accounts (default 1,000,000) of 5 open items each: resident memory growth
//    with every state decoded in memory, then with every state held encoded (as the runtime
//    holds an account after a restore until its next event). Target ≤ 2 GiB.
import BenchSupport
import Foundation
import ReconciliationService
import RelanceDomain
import RelanceEvents
import RelanceRuntime

let accountCount = option("--accounts", 25_000)
let itemCount = option("--items", 1_000)
let memoryAccounts = option("--memory-accounts", 1_000_000)
let rounds = option("--rounds", 3)

// 1. Through the worker. All on the invoices topic: the events of one account stay in order.
let occurred = Date(timeIntervalSince1970: 1_790_812_800)  // 2026-10-01T00:00:00Z
var events: [(key: String, value: [UInt8])] = []
for n in 0..<accountCount {
    for (index, amount) in [(1, 12_900), (2, 4_500)] {
        events.append(
            accountEvent(
                n, "inv-\(index)", "invoice.issued", at: occurred,
                .object([
                    "invoiceId": .string("inv-\(index)"), "number": .string("F-\(n)-\(index)"),
                    "amount": .integer(Int64(amount)), "currency": .string("EUR"),
                    "issuedOn": .string("2026-0\(index + 7)-01"),
                ])))
    }
    events.append(
        accountEvent(
            n, "cn", "credit-note.issued", at: occurred,
            .object([
                "creditNoteId": .string("cn-1"), "amount": .integer(2_000), "currency": .string("EUR"),
                "issuedOn": .string("2026-09-15"),
            ])))
    events.append(
        accountEvent(
            n, "pay-1", "payment.received", at: occurred,
            .object([
                "paymentId": .string("pay-1"), "amount": .integer(12_900), "currency": .string("EUR"),
                "receivedOn": .string("2026-09-20"), "invoiceId": .string("inv-1"),
            ])))
    events.append(
        accountEvent(
            n, "pay-2", "payment.received", at: occurred,
            .object([
                "paymentId": .string("pay-2"), "amount": .integer(1_000), "currency": .string("EUR"),
                "receivedOn": .string("2026-09-25"),
            ])))
}
let bench = try await WorkerBench(partitions: 16, clock: Date(timeIntervalSince1970: 1_793_491_200))
let compared = try await bench.againstEcho(events, rounds: rounds) { input in
    var worker = ReconciliationWorker()
    worker.inputTopics = [input]
    return worker
}
say(
    "reconciliation: \(events.count) ledger events (\(accountCount) accounts), exactly-once: "
        + compared.line(count: events.count))

// 2. One account with many open items.
var big = ReconciliationLedger()
for n in 0..<itemCount {
    let day = String(format: "2026-%02d-%02d", 1 + n % 12, 1 + n % 28)
    try big.add(
        LedgerItem(
            id: "item-\(n)", kind: n % 2 == 0 ? .invoice : .creditNote, amount: Int64(1_000 + n % 700),
            currency: "EUR", date: day))
}
var reconcileRounds: [Double] = []
var allocationCount = 0
for _ in 0..<rounds {
    var ledger = big
    reconcileRounds.append(measure { allocationCount = ledger.reconcile().count })
}
// As the runtime stores state (StateCoding: Foundation's JSON form, its own coders).
let bigState = ReconciliationWorker.State(ledger: big)
let bigBytes = try StateCoding.encode(bigState)
let codecRounds = try (0..<rounds).map { _ in
    try measure { _ = try StateCoding.encode(try StateCoding.decode(ReconciliationWorker.State.self, from: bigBytes)) }
}
say(
    "reconcile of one account with \(itemCount) open items: \(allocationCount) allocations in "
        + "\(format2(median(reconcileRounds) * 1000)) ms; its state (\(bigBytes.count) bytes) decoded and encoded "
        + "\(format2(median(codecRounds) * 1000)) ms")

// 3. Memory.
func typical(_ n: Int) throws -> ReconciliationWorker.State {
    var ledger = ReconciliationLedger()
    try ledger.add(LedgerItem(id: "inv-\(n)-1", kind: .invoice, amount: 12_900, currency: "EUR", date: "2026-08-01"))
    try ledger.add(LedgerItem(id: "inv-\(n)-2", kind: .invoice, amount: 4_500, currency: "EUR", date: "2026-09-01"))
    try ledger.add(LedgerItem(id: "inv-\(n)-3", kind: .invoice, amount: 990, currency: "EUR", date: "2026-10-01"))
    try ledger.add(
        LedgerItem(id: "cn-\(n)-1", kind: .creditNote, amount: 2_000, currency: "EUR", date: "2026-09-15"))
    try ledger.add(LedgerItem(id: "pay-\(n)-1", kind: .payment, amount: 1_000, currency: "EUR", date: "2026-09-20"))
    return ReconciliationWorker.State(ledger: ledger)
}
let encodedBaseline = residentBytes()
var encoded: [String: [UInt8]] = [:]
encoded.reserveCapacity(memoryAccounts)
for n in 0..<memoryAccounts { encoded["acct-\(n)"] = try StateCoding.encode(try typical(n)) }
let encodedBytes = residentBytes() - encodedBaseline
say(
    "memory: \(memoryAccounts) accounts of 5 open items held encoded (as after a restore): RSS "
        + "+\(encodedBytes / 1_048_576) MiB (\(encodedBytes / memoryAccounts) bytes per account; target ≤ 2048 MiB)")
let baseline = residentBytes()
var decoded: [String: ReconciliationWorker.State] = [:]
decoded.reserveCapacity(memoryAccounts)
for n in 0..<memoryAccounts { decoded["acct-\(n)"] = try typical(n) }
let decodedBytes = residentBytes() - baseline
say(
    "memory: the same accounts decoded: RSS +\(decodedBytes / 1_048_576) MiB "
        + "(\(decodedBytes / memoryAccounts) bytes per account; target ≤ 2048 MiB)")
withExtendedLifetime((encoded, decoded)) {}
