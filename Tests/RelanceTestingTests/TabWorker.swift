import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime

/// A small worker for the kit's tests: a running total per account with a reminder a week
/// after the first deposit; payments held until their invoice is read, given up after a day;
/// a command that closes the tab, for owners only.
struct TabWorker: Worker {
    struct State: Codable, Sendable, Equatable {
        var total: Int64 = 0
        var deposits = 0
        var invoices: [String] = []
        var held: [HeldInput] = []
        var closedBy: String?
    }

    var name = "tab"
    var inputTopics = ["t.tab"]
    var outputTopics = ["t.tab-out"]
    var eventTypes = [
        EventType(
            "test.deposit", summary: "money paid into an account",
            data: .object(["amount": .amount(), "refuse": .boolean()], optional: ["refuse"])),
        EventType("test.invoice", summary: "an invoice", data: .object(["invoiceId": .string()])),
        EventType("test.payment", summary: "a payment of an invoice", data: .object(["invoiceId": .string()])),
        EventType("test.close", summary: "close the tab (a command)", data: .object(["note": .string()])),
    ]
    var commandRoles: [String: Set<String>] { ["test.close": ["owner"]] }

    static let day: TimeInterval = 86_400

    func handle(_ event: Event<EventEnvelope>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        let event = event.envelope
        var current = state ?? State()
        switch event.type {
        case "test.deposit":
            current.total += event.data["amount"]?.integerValue ?? 0
            current.deposits += 1
            // Changes made before the refusal: the kit and the runtime must discard them.
            context.emit("test.balance", to: "t.tab-out", data: .object(["total": .integer(current.total)]))
            if current.deposits == 1 {
                context.schedule("reminder", at: context.now.addingTimeInterval(7 * Self.day))
            }
            if event.data["refuse"] == .bool(true) {
                throw WorkerRejection("refused_by_worker", "the deposit is marked refuse: true")
            }
        case "test.invoice":
            let invoice = event.data["invoiceId"]?.stringValue ?? ""
            current.invoices.append(invoice)
            var still: [HeldInput] = []
            for held in current.held {
                if let payment = held.event(types: eventTypes), payment.data["invoiceId"]?.stringValue == invoice {
                    context.emit("test.paid", to: "t.tab-out", data: .object(["invoiceId": .string(invoice)]))
                } else {
                    still.append(held)
                }
            }
            current.held = still
        case "test.payment":
            let invoice = event.data["invoiceId"]?.stringValue ?? ""
            if current.invoices.contains(invoice) {
                context.emit("test.paid", to: "t.tab-out", data: .object(["invoiceId": .string(invoice)]))
            } else if let input = context.holdInput() {
                current.held.append(input)
                context.schedule("give-up", at: context.now.addingTimeInterval(Self.day))
            }
        case "test.close":
            current.closedBy = context.actor?.id
            context.emit("test.closed", to: "t.tab-out", data: .object(["by": .string(context.actor?.id ?? "")]))
        default:
            throw WorkerRejection("unexpected_type", "\(event.type)")
        }
        state = current
    }

    func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {
        context.emit("test.timer", to: "t.tab-out", data: .object(["timer": .string(timer.id)]))
        if timer.id == "give-up", var current = state {
            for held in current.held {
                context.deadLetter(held, code: "unknown_invoice", message: "no invoice came within a day")
            }
            current.held = []
            state = current
        }
    }
}

/// 2026-11-01T00:00:00Z.
let start = Date(timeIntervalSince1970: 1_793_491_200)

func event(_ id: String, _ type: String, account: String = "acct-1", merchant: String = "m-1", data: JSONValue)
    -> EventEnvelope
{
    EventEnvelope(
        eventID: id, type: type, schemaVersion: 1, occurredAt: start, accountID: account, merchantID: merchant,
        data: data)
}

func deposit(_ id: String, account: String = "acct-1", amount: Int64, refuse: Bool = false) -> EventEnvelope {
    event(
        id, "test.deposit", account: account,
        data: refuse
            ? .object(["amount": .integer(amount), "refuse": .bool(true)]) : .object(["amount": .integer(amount)]))
}
