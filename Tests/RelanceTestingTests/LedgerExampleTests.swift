import Foundation
import RelanceEvents
import RelanceRuntime
import RelanceTesting
import Testing

// The example of docs/runtime.md "Writing a worker", as written there (a test keeps the two
// the same): if it stops compiling or passing, the documentation is wrong.

/// `ledger.deposit` v1: the data, beside its schema (`EventDataTests`-style checks keep them in step).
struct Deposit: EventData {
    static let eventType = EventType(
        "ledger.deposit", summary: "Money paid into an account.",
        data: .object(["amount": .amount(), "currency": .currency(), "note": .string()], optional: ["note"]))
    var amount: Int64  // required in the schema: not optional here
    var currency: String
    var note: String?  // optional in the schema: optional here
}

/// `ledger.balance` v1: what the worker publishes.
struct Balance: EventData {
    static let eventType = EventType(
        "ledger.balance", summary: "An account's balance in one currency.",
        data: .object(["currency": .currency(), "balance": .integer(), "deposits": .integer(minimum: 0)]))
    var currency: String
    var balance: Int64
    var deposits: Int64
}

/// Every event type the worker reads, decoded.
enum LedgerInput: WorkerInput {
    case deposit(Deposit)

    static let eventTypes = [Deposit.eventType]

    init(_ event: EventEnvelope) throws(EventDataError) {
        switch event.type {
        case Deposit.eventType.name: self = .deposit(try event.decode())
        default: throw EventDataError(path: "type", problem: "\(event.type) is not read by the ledger")
        }
    }
}

struct LedgerWorker: Worker {
    struct State: Codable, Sendable {  // per account, in the changelog
        var balances: [String: Int64] = [:]
        var deposits = 0
    }
    var name = "ledger"  // group, transactional id, changelog, metrics
    var inputTopics = ["t.deposits"]  // keyed by account id, same partition count
    var outputTopics = ["t.balances"]

    func handle(_ event: Event<LedgerInput>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        var ledger = state ?? State()
        switch event.data {
        case .deposit(let deposit):
            let (balance, overflow) = ledger.balances[deposit.currency, default: 0]
                .addingReportingOverflow(deposit.amount)
            guard !overflow else {
                throw WorkerRejection("amount_out_of_range", "the balance would not fit")  // a dead letter
            }
            ledger.balances[deposit.currency] = balance
            ledger.deposits += 1
            context.emit(
                Balance(currency: deposit.currency, balance: balance, deposits: Int64(ledger.deposits)),
                to: "t.balances")
            context.schedule("statement", at: context.now.addingTimeInterval(30 * 86_400))
        }
        state = ledger
    }

    func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {
        guard let ledger = state else { return }
        for (currency, balance) in ledger.balances.sorted(by: { $0.key < $1.key }) {
            context.emit(
                Balance(currency: currency, balance: balance, deposits: Int64(ledger.deposits)), to: "t.balances")
        }
    }
}

@Test func depositsAddUpAndAStatementComesMonthly() throws {
    let start = Date(timeIntervalSince1970: 1_795_000_000)
    let kit = WorkerTestKit(LedgerWorker(), startingAt: start)
    func deposit(_ id: String, _ amount: Int64) -> EventEnvelope {
        EventEnvelope(
            eventID: id, type: "ledger.deposit", schemaVersion: 1, occurredAt: start, accountID: "acct-1",
            merchantID: "m-1", data: .object([("amount", .integer(amount)), ("currency", .string("EUR"))]))
    }
    #expect(try kit.publish(deposit("e-1", 1_000), to: "t.deposits") == .applied(eventID: "e-1"))
    #expect(try kit.publish(deposit("e-1", 1_000), to: "t.deposits") == .duplicate(eventID: "e-1"))
    try kit.publish(deposit("e-2", 250), to: "t.deposits")
    try kit.advance(by: .seconds(31 * 86_400))
    let balances = try kit.events(on: "t.balances").map { try $0.decode(Balance.self) }
    #expect(balances.map(\.balance) == [1_000, 1_250, 1_250])  // two deposits, one statement
}

@Test func theExampleIsTheDocumentation() throws {
    let doc = try String(
        contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/runtime.md"), encoding: .utf8)
    let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
    // Every line of the documented code is a line of this file, in order.
    let section = try #require(doc.range(of: "## Writing a worker")).upperBound
    let documented = doc[section...].components(separatedBy: "```swift\n").dropFirst().prefix(2)
        .map { $0.components(separatedBy: "```")[0] }.joined().split(separator: "\n")
        .filter { !$0.hasPrefix("import ") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    var lines = source.split(separator: "\n")[...]
    for line in documented {
        guard let index = lines.firstIndex(of: line) else {
            Issue.record("docs/runtime.md line not in the example test: \(line)")
            return
        }
        lines = lines[(index + 1)...]
    }
}

@Test func theExampleTypesFollowTheirSchemas() {
    #expect(EventDataShape.of(Deposit.self).differences(from: Deposit.eventType.data).isEmpty)
    #expect(EventDataShape.of(Balance.self).differences(from: Balance.eventType.data).isEmpty)
}
