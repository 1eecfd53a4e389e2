import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime

/// reconciliation: each account's unreconciled debits and credits, the reconcilable-accounts
/// list, and oldest-first allocation (docs/reconciliation.md). The rules are
/// `ReconciliationLedger` in the domain module.
public struct ReconciliationWorker: Worker {
    public struct State: Codable, Sendable {
        public var ledger = ReconciliationLedger()
        /// Whether the account is in the published list, and a hash of its published entry:
        /// an entry is published again only when it changes.
        public var listed = false
        public var publishedHash: UInt64?
        /// Events that name an invoice not read yet, oldest first (nil when none).
        public var waiting: [Waiting]?

        public init(ledger: ReconciliationLedger = ReconciliationLedger()) {
            self.ledger = ledger
        }
    }

    /// An event (a payment, an accepted proof, a schedule's cover) that names an invoice this
    /// account does not have yet. Invoices and payments come on different topics, read in no
    /// set order, so a payment may be read before the invoice it pays even when the invoice
    /// was written first: it waits for the invoice until `until`, then goes to the dead-letter
    /// topic as `unknown_invoice`.
    public struct Waiting: Codable, Sendable, Equatable {
        public var eventID: String
        public var invoiceID: String
        public var until: Date
        public var input: HeldInput

        var timerID: String { "await:\(eventID)" }
    }

    public var name = "reconciliation"
    public var inputTopics = [
        ProofEvents.invoicesTopic, PaymentEvents.paymentsTopic, ProofEvents.verdictsTopic,
        ReconciliationEvents.ledgerTopic, ReconciliationEvents.commandsTopic,
    ]
    public var outputTopics = [
        ReconciliationEvents.reconcilableAccountsTopic, ReconciliationEvents.allocationsTopic,
        ReconciliationEvents.invoiceStatusTopic, PaymentEvents.commandResultsTopic,
    ]
    public var eventTypes = [
        ProofEvents.invoiceIssued, PaymentEvents.paymentSucceeded, PaymentEvents.paymentFailed,
        PaymentEvents.cardReplaced, MailEvents.paymentPending, ProofEvents.proofVerdict,
        ReconciliationEvents.creditNoteIssued, ReconciliationEvents.refundIssued, ReconciliationEvents.paymentReceived,
        ReconciliationEvents.invoiceScheduled, ReconciliationEvents.reconcileRequested,
    ]
    /// Only an actor with the manage-reconciliations permission reconciles (004): the runtime
    /// checks the signed token.
    public var commandRoles: [String: Set<String>] { ["reconciliation.requested": [ReconciliationEvents.permission]] }
    /// Merchants whose accounts are reconciled automatically after every change ("*": all).
    public var automaticMerchants: Set<String>
    /// How long an event naming an unknown invoice waits for it (clock time).
    public var invoiceWait: TimeInterval

    /// Default wait for an invoice: a day.
    public static let defaultInvoiceWait: TimeInterval = 24 * 3600

    public init(automaticMerchants: Set<String> = [], invoiceWait: TimeInterval = Self.defaultInvoiceWait) {
        self.automaticMerchants = automaticMerchants
        self.invoiceWait = invoiceWait
    }

    /// What one event did to the ledger.
    struct Change {
        var allocations: [(Allocation, String)] = []
        var issued: [LedgerItem] = []
    }

    public func handle(_ event: Event<EventEnvelope>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        let event = event.envelope
        var account = state ?? State()
        // The ledger as it was: an invoice closed by this event may be dropped from the kept
        // items at once (the oldest closed go first), and its status still names its amount.
        // (No copy: `state` holds the same storage until `account` changes.)
        let before = account.ledger
        var change = Change()
        // A command's actor comes from its verified token (the runtime checked the permission).
        if event.type == "reconciliation.requested",
            context.actor?.roles.contains(ReconciliationEvents.permission) != true
        {
            throw WorkerRejection(
                CommandAuthFailure.forbidden,
                "reconciling an account needs the \(ReconciliationEvents.permission) permission")
        }
        do throws(LedgerError) {
            guard try apply(event, to: &account.ledger, change: &change, context: &context) else { return }
        } catch {
            guard let invoiceID = error.invoiceID, let input = context.holdInput() else {
                throw WorkerRejection(error.code, error.message)
            }
            account.ledger = before
            wait(
                for: invoiceID, event: event.eventID, input: input, until: context.now + invoiceWait, &account, &context
            )
            state = account
            return
        }
        for invoice in change.issued {
            release(waitingFor: invoice.id, &account, change: &change, context: &context)
        }
        if automaticMerchants.contains("*") || automaticMerchants.contains(event.merchantID) {
            change.allocations += account.ledger.reconcile().map { ($0, "policy") }
        }
        publish(change.allocations, issued: change.issued, before: before, account: &account, context: &context)
        state = account
    }

    /// Applies one event to the ledger; false when it changes nothing (a refused command
    /// excepted, whose refusal is published).
    func apply(
        _ event: EventEnvelope, to ledger: inout ReconciliationLedger, change: inout Change,
        context: inout WorkerContext
    ) throws(LedgerError) -> Bool {
        let data = event.data
        func text(_ field: String) -> String? { data[field]?.stringValue }
        func amount(_ field: String = "amount") -> Int64 { data[field]?.integerValue ?? 0 }
        // The day of the event, for a credit that names none.
        var day: String { String(Timestamp.format(event.occurredAt).prefix(10)) }
        switch event.type {
        case "invoice.issued":
            let invoice = LedgerItem(
                id: text("invoiceId")!, kind: .invoice, amount: amount(), currency: text("currency")!,
                date: text("issuedOn")!, reference: text("number"))
            try ledger.add(invoice)
            change.issued.append(invoice)
        case "refund.issued":
            try ledger.add(
                LedgerItem(
                    id: text("refundId")!, kind: .refund, amount: amount(), currency: text("currency")!,
                    date: text("issuedOn")!, reference: text("reference")))
        case "credit-note.issued":
            try ledger.add(
                LedgerItem(
                    id: text("creditNoteId")!, kind: .creditNote, amount: amount(), currency: text("currency")!,
                    date: text("issuedOn")!, reference: text("number")))
        case "payment.received", "payment.succeeded":
            let credit = LedgerItem(
                id: text("paymentId")!, kind: .payment, amount: amount(), currency: text("currency")!,
                date: text("receivedOn") ?? day, reference: text("reference"))
            let made: [Allocation]
            if let invoice = text("invoiceId") {
                made = try ledger.pay(credit, invoice: invoice)
            } else {
                made = try ledger.payOldestFirst(credit)
            }
            change.allocations += made.map { ($0, "payment") }
        case "proof.verdict":
            guard text("verdict") == "accepted" else { return false }
            let matches = data["matches"]?.arrayValue ?? []
            let targets = matches.compactMap { match -> (id: String, amount: Int64?)? in
                match["invoiceId"]?.stringValue.map { ($0, match["amount"]?.integerValue) }
            }
            let total = data["amount"]?.integerValue ?? targets.reduce(0) { $0 + ($1.amount ?? 0) }
            guard total > 0,
                let currency = text("currency") ?? matches.first?["currency"]?.stringValue
            else { return false }
            let credit = LedgerItem(
                id: "proof/\(text("proofId")!)", kind: .payment, amount: total, currency: currency,
                date: text("transactionDate") ?? day, reference: text("transactionId"))
            let made = targets.isEmpty ? try ledger.payOldestFirst(credit) : try ledger.pay(credit, invoices: targets)
            change.allocations += made.map { ($0, "proof") }
        case "invoice.schedule-covered":
            try ledger.cover(invoice: text("invoiceId")!, schedule: text("scheduleId"))
        case "reconciliation.requested":
            change.allocations += ledger.reconcile().map { ($0, "command") }
        default:
            // payment.failed, payment.pending, card.replaced: nothing to reconcile.
            return false
        }
        return true
    }

    func wait(
        for invoiceID: String, event eventID: String, input: HeldInput, until: Date, _ account: inout State,
        _ context: inout WorkerContext
    ) {
        let waiting = Waiting(eventID: eventID, invoiceID: invoiceID, until: until, input: input)
        account.waiting = (account.waiting ?? []) + [waiting]
        context.schedule(waiting.timerID, at: until)
    }

    /// The invoice came: the events that waited for it are applied now, in the order they were
    /// read. One that now fails for another reason is a dead letter; one that names a second
    /// invoice not read yet waits on for that one, until the same time.
    func release(
        waitingFor invoiceID: String, _ account: inout State, change: inout Change, context: inout WorkerContext
    ) {
        guard let all = account.waiting, all.contains(where: { $0.invoiceID == invoiceID }) else { return }
        let ready = all.filter { $0.invoiceID == invoiceID }
        account.waiting = all.filter { $0.invoiceID != invoiceID }
        for waiting in ready {
            context.cancelTimer(waiting.timerID)
            guard let event = waiting.input.event(types: eventTypes) else {
                context.deadLetter(waiting.input, code: "unreadable", message: "a held event could not be read again")
                continue
            }
            var ledger = account.ledger
            do throws(LedgerError) {
                _ = try apply(event, to: &ledger, change: &change, context: &context)
                account.ledger = ledger
            } catch {
                if let other = error.invoiceID {
                    wait(
                        for: other, event: waiting.eventID, input: waiting.input, until: waiting.until, &account,
                        &context)
                } else {
                    context.deadLetter(waiting.input, code: error.code, message: error.message)
                }
            }
        }
        if account.waiting?.isEmpty == true { account.waiting = nil }
    }

    public func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {
        guard var account = state, let index = account.waiting?.firstIndex(where: { $0.timerID == timer.id }),
            let waiting = account.waiting?.remove(at: index)
        else { return }
        if account.waiting?.isEmpty == true { account.waiting = nil }
        context.deadLetter(
            waiting.input, code: "unknown_invoice",
            message: "no invoice \(waiting.invoiceID) on this account: waited for it until "
                + Timestamp.format(waiting.until))
        state = account
    }

    /// The allocations, the new status of every invoice they touched (and of new invoices),
    /// and the account's list entry when it changed.
    func publish(
        _ allocations: [(Allocation, String)], issued: [LedgerItem], before: ReconciliationLedger, account: inout State,
        context: inout WorkerContext
    ) {
        var invoices = issued.map(\.id)
        for (allocation, trigger) in allocations {
            context.emit(
                "allocation.made", to: ReconciliationEvents.allocationsTopic,
                data: .object([
                    "creditId": .string(allocation.creditID), "creditKind": .string(allocation.creditKind.rawValue),
                    "debitId": .string(allocation.debitID), "debitKind": .string(allocation.debitKind.rawValue),
                    "amount": .integer(allocation.amount), "currency": .string(allocation.currency),
                    "trigger": .string(trigger),
                ]))
            if allocation.debitKind == .invoice && !invoices.contains(allocation.debitID) {
                invoices.append(allocation.debitID)
            }
        }
        for id in invoices {
            // Gone from the ledger after this event: closed, and dropped with the oldest closed.
            let invoice =
                account.ledger.item(id, kind: .invoice)
                ?? (before.item(id, kind: .invoice) ?? issued.first { $0.id == id }).map { closed in
                    var closed = closed
                    closed.open = 0
                    return closed
                }
            guard let invoice else { continue }
            context.emit(
                "invoice.status", to: ReconciliationEvents.invoiceStatusTopic,
                data: .object([
                    "invoiceId": .string(id), "status": .string(invoice.status.rawValue),
                    "amount": .integer(invoice.amount),
                    "open": .integer(invoice.open), "currency": .string(invoice.currency),
                ]), key: "\(context.accountID)/\(id)")
        }
        // Not listed and no unreconciled credit (invoices coming in): still not listed.
        guard account.listed || account.ledger.hasUnreconciledCredit else { return }
        let entry = ReconcilableEntry(account.ledger)
        guard entry.listed || account.listed else { return }
        let data = Self.entryJSON(entry)
        let hash = EventIDs.hash(data)
        guard hash != account.publishedHash else { return }
        context.emit(
            "reconcilable-account.updated", to: ReconciliationEvents.reconcilableAccountsTopic, encodedData: data)
        account.publishedHash = entry.listed ? hash : nil
        account.listed = entry.listed
    }

    /// The list entry's JSON, written straight to bytes (it is written at nearly every ledger
    /// event, and hashed to see whether it changed).
    static func entryJSON(_ entry: ReconcilableEntry) -> [UInt8] {
        var out = JSONOutput(capacity: 256 + 128 * entry.items.count)
        func totals(_ values: [String: Int64]) {
            out.beginArray()
            for (currency, amount) in values.sorted(by: { $0.key < $1.key }) {
                out.beginObject()
                out.key("currency")
                out.string(currency)
                out.key("amount")
                out.integer(amount)
                out.endObject()
            }
            out.endArray()
        }
        out.beginObject()
        out.key("listed")
        out.bool(entry.listed)
        out.key("unreconciledItems")
        out.integer(Int64(entry.items.count))
        out.key("unreconciledDebit")
        totals(entry.debitTotals)
        out.key("unreconciledCredit")
        totals(entry.creditTotals)
        out.key("zeroBalance")
        out.bool(entry.zeroBalance)
        out.key("sortKey")
        out.string(entry.sortKey)
        out.key("openItems")
        out.beginArray()
        for item in entry.items {
            out.beginObject()
            out.key("id")
            out.string(item.id)
            out.key("kind")
            out.string(item.kind.rawValue)
            out.key("side")
            out.string(item.side.rawValue)
            out.key("amount")
            out.integer(item.amount)
            out.key("open")
            out.integer(item.open)
            out.key("currency")
            out.string(item.currency)
            out.key("date")
            out.string(item.date)
            if let reference = item.reference {
                out.key("reference")
                out.string(reference)
            }
            out.endObject()
        }
        out.endArray()
        out.endObject()
        return out.bytes
    }
}
