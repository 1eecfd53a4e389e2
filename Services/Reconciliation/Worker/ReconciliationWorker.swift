import Foundation
import RelanceDomain
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

        public init(ledger: ReconciliationLedger = ReconciliationLedger()) {
            self.ledger = ledger
        }
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
    /// Merchants whose accounts are reconciled automatically after every change ("*": all).
    public var automaticMerchants: Set<String>

    public init(automaticMerchants: Set<String> = []) {
        self.automaticMerchants = automaticMerchants
    }

    public func handle(_ event: EventEnvelope, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        var account = state ?? State()
        // The ledger as it was: an invoice closed by this event may be dropped from the kept
        // items at once (the oldest closed go first), and its status still names its amount.
        // (No copy: `state` holds the same storage until `account` changes.)
        let before = account.ledger
        let data = event.data
        func text(_ field: String) -> String? { data[field]?.stringValue }
        func amount(_ field: String = "amount") -> Int64 { data[field]?.integerValue ?? 0 }
        let day = String(Timestamp.format(event.occurredAt).prefix(10))
        var allocations: [(Allocation, String)] = []
        var issued: [LedgerItem] = []
        do throws(LedgerError) {
            switch event.type {
            case "invoice.issued":
                let invoice = LedgerItem(
                    id: text("invoiceId")!, kind: .invoice, amount: amount(), currency: text("currency")!,
                    date: text("issuedOn")!, reference: text("number"))
                try account.ledger.add(invoice)
                issued.append(invoice)
            case "refund.issued":
                try account.ledger.add(
                    LedgerItem(
                        id: text("refundId")!, kind: .refund, amount: amount(), currency: text("currency")!,
                        date: text("issuedOn")!, reference: text("reference")))
            case "credit-note.issued":
                try account.ledger.add(
                    LedgerItem(
                        id: text("creditNoteId")!, kind: .creditNote, amount: amount(), currency: text("currency")!,
                        date: text("issuedOn")!, reference: text("number")))
            case "payment.received", "payment.succeeded":
                let credit = LedgerItem(
                    id: text("paymentId")!, kind: .payment, amount: amount(), currency: text("currency")!,
                    date: text("receivedOn") ?? day, reference: text("reference"))
                let made: [Allocation]
                if let invoice = text("invoiceId") {
                    made = try account.ledger.pay(credit, invoice: invoice)
                } else {
                    made = try account.ledger.payOldestFirst(credit)
                }
                allocations += made.map { ($0, "payment") }
            case "proof.verdict":
                guard text("verdict") == "accepted" else { return }
                let matches = data["matches"]?.arrayValue ?? []
                let targets = matches.compactMap { match -> (id: String, amount: Int64?)? in
                    match["invoiceId"]?.stringValue.map { ($0, match["amount"]?.integerValue) }
                }
                let total = data["amount"]?.integerValue ?? targets.reduce(0) { $0 + ($1.amount ?? 0) }
                guard total > 0,
                    let currency = text("currency") ?? matches.first?["currency"]?.stringValue
                else { return }
                let credit = LedgerItem(
                    id: "proof/\(text("proofId")!)", kind: .payment, amount: total, currency: currency,
                    date: text("transactionDate") ?? day, reference: text("transactionId"))
                let made =
                    targets.isEmpty
                    ? try account.ledger.payOldestFirst(credit) : try account.ledger.pay(credit, invoices: targets)
                allocations += made.map { ($0, "proof") }
            case "invoice.schedule-covered":
                try account.ledger.cover(invoice: text("invoiceId")!, schedule: text("scheduleId"))
            case "reconciliation.requested":
                let actor = data["actor"]!
                let permissions = (actor["permissions"]?.arrayValue ?? []).compactMap(\.stringValue)
                guard permissions.contains(ReconciliationEvents.permission) else {
                    context.emit(
                        "command.refused", to: PaymentEvents.commandResultsTopic,
                        data: .object([
                            "command": .string("reconcile"), "actor": .string(actor["id"]?.stringValue ?? ""),
                            "reason": .string(
                                "reconciling an account needs the \(ReconciliationEvents.permission) permission"),
                        ]))
                    return
                }
                allocations += account.ledger.reconcile().map { ($0, "command") }
            default:
                // payment.failed, payment.pending, card.replaced: nothing to reconcile.
                return
            }
        } catch {
            throw WorkerRejection(error.code, error.message)
        }
        if automaticMerchants.contains("*") || automaticMerchants.contains(event.merchantID) {
            allocations += account.ledger.reconcile().map { ($0, "policy") }
        }
        publish(allocations, issued: issued, before: before, account: &account, context: &context)
        state = account
    }

    public func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {}

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
        let entry = ReconcilableEntry(account.ledger)
        guard entry.listed || account.listed else { return }
        let data = Self.entryData(entry)
        let hash = EventIDs.hash(data.jsonBytes)
        guard hash != account.publishedHash else { return }
        context.emit("reconcilable-account.updated", to: ReconciliationEvents.reconcilableAccountsTopic, data: data)
        account.publishedHash = entry.listed ? hash : nil
        account.listed = entry.listed
    }

    static func entryData(_ entry: ReconcilableEntry) -> JSONValue {
        func totals(_ values: [String: Int64]) -> JSONValue {
            .array(
                values.keys.sorted().map { .object(["currency": .string($0), "amount": .integer(values[$0]!)]) })
        }
        return .object([
            "listed": .bool(entry.listed), "unreconciledItems": .integer(Int64(entry.items.count)),
            "unreconciledDebit": totals(entry.debitTotals), "unreconciledCredit": totals(entry.creditTotals),
            "zeroBalance": .bool(entry.zeroBalance), "sortKey": .string(entry.sortKey),
            "openItems": .array(
                entry.items.map { item in
                    var fields: [(key: String, value: JSONValue)] = [
                        ("id", .string(item.id)), ("kind", .string(item.kind.rawValue)),
                        ("side", .string(item.side.rawValue)), ("amount", .integer(item.amount)),
                        ("open", .integer(item.open)), ("currency", .string(item.currency)),
                        ("date", .string(item.date)),
                    ]
                    if let reference = item.reference { fields.append((key: "reference", value: .string(reference))) }
                    return .object(fields)
                }),
        ])
    }
}
