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
        var allocations: [(Allocation, AllocationMade.Trigger)] = []
        var issued: [LedgerItem] = []
        /// Invoices a late fee changed.
        var feesAdded: [String] = []
    }

    public func handle(_ event: Event<ReconciliationInput>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        var account = state ?? State()
        // The ledger as it was: an invoice closed by this event may be dropped from the kept
        // items at once (the oldest closed go first), and its status still names its amount.
        // (No copy: `state` holds the same storage until `account` changes.)
        let before = account.ledger
        var change = Change()
        // A command's actor comes from its verified token (the runtime checked the permission).
        if case .reconciliationRequested = event.data,
            context.actor?.roles.contains(ReconciliationEvents.permission) != true
        {
            throw WorkerRejection(
                CommandAuthFailure.forbidden,
                "reconciling an account needs the \(ReconciliationEvents.permission) permission")
        }
        do throws(LedgerError) {
            guard try apply(event.data, occurredAt: event.occurredAt, to: &account.ledger, change: &change) else {
                return
            }
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
            change.allocations += account.ledger.reconcile().map { ($0, .policy) }
        }
        publish(
            change.allocations, issued: change.issued, changed: change.feesAdded, before: before, account: &account,
            context: &context)
        state = account
    }

    /// Applies one event to the ledger; false when it changes nothing.
    func apply(
        _ input: ReconciliationInput, occurredAt: Date, to ledger: inout ReconciliationLedger, change: inout Change
    ) throws(LedgerError) -> Bool {
        // The day of the event, for a credit that names none.
        var day: String { String(Timestamp.format(occurredAt).prefix(10)) }
        switch input {
        case .invoiceIssued(let data):
            let invoice = LedgerItem(
                id: data.invoiceId, kind: .invoice, amount: data.amount, currency: data.currency, date: data.issuedOn,
                reference: data.number)
            try ledger.add(invoice)
            change.issued.append(invoice)
        case .invoiceFeeAdded(let data):
            // A late fee dunning added: the invoice owes it too (its status shows the total).
            guard
                try ledger.addFee(
                    id: data.feeId, invoice: data.invoiceId, amount: data.amount, currency: data.currency)
            else { return false }
            change.feesAdded.append(data.invoiceId)
        case .refundIssued(let data):
            try ledger.add(
                LedgerItem(
                    id: data.refundId, kind: .refund, amount: data.amount, currency: data.currency,
                    date: data.issuedOn, reference: data.reference))
        case .creditNoteIssued(let data):
            try ledger.add(
                LedgerItem(
                    id: data.creditNoteId, kind: .creditNote, amount: data.amount, currency: data.currency,
                    date: data.issuedOn, reference: data.number))
        case .paymentReceived(let data):
            let credit = LedgerItem(
                id: data.paymentId, kind: .payment, amount: data.amount, currency: data.currency,
                date: data.receivedOn, reference: data.reference)
            let made: [Allocation]
            if let invoice = data.invoiceId {
                made = try ledger.pay(credit, invoice: invoice)
            } else {
                made = try ledger.payOldestFirst(credit)
            }
            change.allocations += made.map { ($0, .payment) }
        case .paymentSucceeded(let data):
            let credit = LedgerItem(
                id: data.paymentId, kind: .payment, amount: data.amount, currency: data.currency, date: day)
            change.allocations += try ledger.pay(credit, invoice: data.invoiceId).map { ($0, .payment) }
        case .proofVerdict(let data):
            guard data.verdict == .accepted else { return false }
            let targets = data.matches.map { (id: $0.invoiceId, amount: Optional($0.amount)) }
            var total: Int64 = 0
            if let amount = data.amount {
                total = amount
            } else {
                // The matches' sum; a sum that does not fit is refused, never a trap.
                for match in data.matches {
                    do throws(MoneyOverflow) {
                        total = try Money.add(total, match.amount)
                    } catch {
                        throw LedgerError(code: MoneyOverflow.code, message: "the proof's matches: \(error)")
                    }
                }
            }
            guard total > 0, let currency = data.currency ?? data.matches.first?.currency else { return false }
            let credit = LedgerItem(
                id: "proof/\(data.proofId)", kind: .payment, amount: total, currency: currency,
                date: data.transactionDate ?? day, reference: data.transactionId)
            let made = targets.isEmpty ? try ledger.payOldestFirst(credit) : try ledger.pay(credit, invoices: targets)
            change.allocations += made.map { ($0, .proof) }
        case .invoiceScheduleCovered(let data):
            try ledger.cover(invoice: data.invoiceId, schedule: data.scheduleId)
        case .reconciliationRequested:
            change.allocations += ledger.reconcile().map { ($0, .command) }
        case .paymentFailed, .paymentPending, .cardReplaced:
            // Nothing to reconcile.
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
            let input: ReconciliationInput
            do throws(EventDataError) {
                input = try ReconciliationInput(event)
            } catch {
                context.deadLetter(waiting.input, code: "invalid_data", message: "\(error) (a held \(event.type))")
                continue
            }
            var ledger = account.ledger
            do throws(LedgerError) {
                _ = try apply(input, occurredAt: event.occurredAt, to: &ledger, change: &change)
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
        _ allocations: [(Allocation, AllocationMade.Trigger)], issued: [LedgerItem], changed: [String] = [],
        before: ReconciliationLedger, account: inout State, context: inout WorkerContext
    ) {
        var invoices = issued.map(\.id)
        for id in changed where !invoices.contains(id) { invoices.append(id) }
        for (allocation, trigger) in allocations {
            // The debit after the whole event (gone from the ledger: closed, nothing open), so
            // that a reader (reminder-mailer) needs no sum of its own to know what was settled.
            let debit =
                account.ledger.item(allocation.debitID, kind: allocation.debitKind)
                ?? before.item(allocation.debitID, kind: allocation.debitKind).map { closed in
                    var closed = closed
                    closed.open = 0
                    return closed
                }
            context.emitWritten(
                AllocationMade(allocation, trigger: trigger, debit: debit), to: ReconciliationEvents.allocationsTopic)
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
            context.emitWritten(
                InvoiceStatusData(
                    invoiceId: id, status: InvoiceStatusData.Status(invoice.status), amount: invoice.amount,
                    open: invoice.open, currency: invoice.currency),
                to: ReconciliationEvents.invoiceStatusTopic, key: "\(context.accountID)/\(id)")
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

/// The events reconciliation reads, decoded: the ledger's debits and credits, the proofs'
/// verdicts, the schedules' covers, the reconcile command, and the other payment events that
/// share their topics (read and ignored).
public enum ReconciliationInput: WorkerInput {
    case invoiceIssued(InvoiceIssued)
    case invoiceFeeAdded(InvoiceFeeAdded)
    case paymentSucceeded(PaymentSucceeded)
    case paymentFailed(PaymentFailed)
    case cardReplaced(CardReplaced)
    case paymentPending(PaymentPending)
    case proofVerdict(ProofVerdictData)
    case creditNoteIssued(CreditNoteIssued)
    case refundIssued(RefundIssued)
    case paymentReceived(PaymentReceived)
    case invoiceScheduleCovered(InvoiceScheduleCovered)
    case reconciliationRequested(ReconciliationRequested)

    public static var eventTypes: [EventType] {
        [
            ProofEvents.invoiceIssued, ProofEvents.invoiceFeeAdded, PaymentEvents.paymentSucceeded,
            PaymentEvents.paymentFailed, PaymentEvents.cardReplaced, MailEvents.paymentPending,
            ProofEvents.proofVerdict,
            ReconciliationEvents.creditNoteIssued, ReconciliationEvents.refundIssued,
            ReconciliationEvents.paymentReceived, ReconciliationEvents.invoiceScheduled,
            ReconciliationEvents.reconcileRequested,
        ]
    }

    public init(_ event: EventEnvelope) throws(EventDataError) {
        switch event.type {
        case "invoice.issued": self = .invoiceIssued(try event.decode())
        case "invoice.fee-added": self = .invoiceFeeAdded(try event.decode())
        case "payment.succeeded": self = .paymentSucceeded(try event.decode())
        case "payment.failed": self = .paymentFailed(try event.decode())
        case "card.replaced": self = .cardReplaced(try event.decode())
        case "payment.pending": self = .paymentPending(try event.decode())
        case "proof.verdict": self = .proofVerdict(try event.decode())
        case "credit-note.issued": self = .creditNoteIssued(try event.decode())
        case "refund.issued": self = .refundIssued(try event.decode())
        case "payment.received": self = .paymentReceived(try event.decode())
        case "invoice.schedule-covered": self = .invoiceScheduleCovered(try event.decode())
        case "reconciliation.requested": self = .reconciliationRequested(try event.decode())
        default: throw EventDataError(path: "type", problem: "\"\(event.type)\" is not an event reconciliation reads")
        }
    }
}

/// Typed event data written straight into its event's bytes with `JSONOutput`, the bytes
/// `EventDataEncoder` writes for it (member order, absent optionals left out), without the
/// encoder's boxes: allocation.made and invoice.status go out at most ledger events, and the
/// encoder would double what writing them costs (docs/benchmarks.md, "Reconciliation").
protocol WrittenEventData: EventData {
    /// About the size of the data, for reserving the event's buffer once.
    static var dataByteCount: Int { get }
    func write(_ out: inout JSONOutput)
}

extension WorkerContext {
    /// `emit(_:to:key:)` for data with its own writer: the same event, the same bytes.
    mutating func emitWritten<T: WrittenEventData>(_ data: T, to topic: String, key: String? = nil) {
        assert(Self.writtenAsEncoded(data), "\(T.self).write(_:) and \(T.self)'s members differ")
        emit(
            T.eventType.name, version: T.eventType.version, to: topic, key: key, dataByteCount: T.dataByteCount
        ) { data.write(&$0) }
    }

    /// Whether the writer writes what the encoder does (checked in debug builds, the tests').
    static func writtenAsEncoded<T: WrittenEventData>(_ data: T) -> Bool {
        var out = JSONOutput(capacity: T.dataByteCount)
        data.write(&out)
        return out.bytes == EventDataEncoder.encode(data).jsonBytes
    }
}

extension AllocationMade: WrittenEventData {
    static var dataByteCount: Int { 192 }

    func write(_ out: inout JSONOutput) {
        out.beginObject()
        out.member("creditId", creditId)
        out.member("creditKind", creditKind.rawValue)
        out.member("debitId", debitId)
        out.member("debitKind", debitKind.rawValue)
        out.member("amount", amount)
        out.member("currency", currency)
        out.member("trigger", trigger.rawValue)
        out.member("debitAmount", debitAmount)
        out.member("debitOpen", debitOpen)
        out.endObject()
    }

    init(_ allocation: Allocation, trigger: Trigger, debit: LedgerItem?) {
        self.init(
            creditId: allocation.creditID, creditKind: allocation.creditKind, debitId: allocation.debitID,
            debitKind: allocation.debitKind, amount: allocation.amount, currency: allocation.currency,
            trigger: trigger, debitAmount: debit?.amount, debitOpen: debit?.open)
    }
}

extension InvoiceStatusData: WrittenEventData {
    static var dataByteCount: Int { 128 }

    func write(_ out: inout JSONOutput) {
        out.beginObject()
        out.member("invoiceId", invoiceId)
        out.member("status", status.rawValue)
        out.member("amount", amount)
        out.member("open", open)
        out.member("currency", currency)
        out.endObject()
    }
}

extension InvoiceStatusData.Status {
    init(_ status: InvoiceStatus) {
        switch status {
        case .open: self = .open
        case .partiallyPaid: self = .partiallyPaid
        case .paid: self = .paid
        }
    }
}
