import Foundation

// The `data` of each event type of `ReconciliationEvents`, as Swift values (see `EventData`).

/// `credit-note.issued` v1: A credit note granted to the account (a cancelled service, a partly cancelled contract); unapplied until reconciled.
public struct CreditNoteIssued: EventData, Equatable {
    public static var eventType: EventType { ReconciliationEvents.creditNoteIssued }

    public var creditNoteId: String
    /// Amount in minor units of the currency.
    public var amount: Int64
    /// ISO 4217 currency code.
    public var currency: String
    public var issuedOn: String
    /// The number printed on the credit note.
    public var number: String?
    /// The invoice it credits, for the record; it is not applied by itself.
    public var invoiceId: String?

    public init(
        creditNoteId: String, amount: Int64, currency: String, issuedOn: String, number: String? = nil,
        invoiceId: String? = nil
    ) {
        self.creditNoteId = creditNoteId
        self.amount = amount
        self.currency = currency
        self.issuedOn = issuedOn
        self.number = number
        self.invoiceId = invoiceId
    }
}

/// `refund.issued` v1: Money paid back to the customer: a debit of the account.
public struct RefundIssued: EventData, Equatable {
    public static var eventType: EventType { ReconciliationEvents.refundIssued }

    public var refundId: String
    /// Amount in minor units of the currency.
    public var amount: Int64
    /// ISO 4217 currency code.
    public var currency: String
    public var issuedOn: String
    public var reference: String?

    public init(refundId: String, amount: Int64, currency: String, issuedOn: String, reference: String? = nil) {
        self.refundId = refundId
        self.amount = amount
        self.currency = currency
        self.issuedOn = issuedOn
        self.reference = reference
    }
}

/// `payment.received` v1: A payment received outside the gateway (transfer, cheque): to the invoice it names, else to the oldest open debits.
public struct PaymentReceived: EventData, Equatable {
    public static var eventType: EventType { ReconciliationEvents.paymentReceived }

    public var paymentId: String
    /// Amount in minor units of the currency.
    public var amount: Int64
    /// ISO 4217 currency code.
    public var currency: String
    public var receivedOn: String
    /// The invoice it pays, when it names one.
    public var invoiceId: String?
    public var reference: String?

    public init(
        paymentId: String, amount: Int64, currency: String, receivedOn: String, invoiceId: String? = nil,
        reference: String? = nil
    ) {
        self.paymentId = paymentId
        self.amount = amount
        self.currency = currency
        self.receivedOn = receivedOn
        self.invoiceId = invoiceId
        self.reference = reference
    }
}

/// `invoice.schedule-covered` v1: An upcoming scheduled payment (installment, subscription) will pay the invoice, or no longer will (scheduleId absent): a covered invoice does not count as unreconciled.
public struct InvoiceScheduleCovered: EventData, Equatable {
    public static var eventType: EventType { ReconciliationEvents.invoiceScheduled }

    public var invoiceId: String
    public var scheduleId: String?

    public init(invoiceId: String, scheduleId: String? = nil) {
        self.invoiceId = invoiceId
        self.scheduleId = scheduleId
    }
}

/// `reconciliation.requested` v1: Reconcile the account now (the Reconcile button); only an actor with the manage_reconciliations permission may.
public struct ReconciliationRequested: EventData, Equatable {
    public static var eventType: EventType { ReconciliationEvents.reconcileRequested }

    /// Unsigned commands only (migration): a signed command's actor comes from its token.
    public var actor: LegacyActor?
    public var requestId: String?

    public struct LegacyActor: Codable, Sendable, Equatable {
        public var id: String
        public var permissions: [String]

        public init(id: String, permissions: [String]) {
            self.id = id
            self.permissions = permissions
        }
    }

    public init(actor: LegacyActor? = nil, requestId: String? = nil) {
        self.actor = actor
        self.requestId = requestId
    }
}

/// `reconcilable-account.updated` v1: The account's entry in the reconcilable-accounts list (listed: false when it leaves); key account.
public struct ReconcilableAccountUpdated: EventData, Equatable {
    public static var eventType: EventType { ReconciliationEvents.reconcilableAccount }

    public var listed: Bool
    /// Debits and credits not reconciled.
    public var unreconciledItems: Int64
    /// Per currency: the open debits' total.
    public var unreconciledDebit: [UnreconciledDebitItem]
    /// Per currency: the open credits' total.
    public var unreconciledCredit: [UnreconciledCreditItem]
    /// Debits equal credits in every currency.
    public var zeroBalance: Bool
    /// The list's order: zero balance first, then fewest items; sort ascending.
    public var sortKey: String
    public var openItems: [OpenItem]

    public struct UnreconciledDebitItem: Codable, Sendable, Equatable {
        /// ISO 4217 currency code.
        public var currency: String
        public var amount: Int64

        public init(currency: String, amount: Int64) {
            self.currency = currency
            self.amount = amount
        }
    }
    public struct UnreconciledCreditItem: Codable, Sendable, Equatable {
        /// ISO 4217 currency code.
        public var currency: String
        public var amount: Int64

        public init(currency: String, amount: Int64) {
            self.currency = currency
            self.amount = amount
        }
    }
    public struct OpenItem: Codable, Sendable, Equatable {
        public var id: String
        public var kind: LedgerItemKind
        public var side: Side
        /// Amount in minor units of the currency.
        public var amount: Int64
        /// Not reconciled yet.
        public var open: Int64
        /// ISO 4217 currency code.
        public var currency: String
        public var date: String
        public var reference: String?

        public enum Side: String, SchemaEnum {
            case debit
            case credit
        }

        public init(
            id: String, kind: LedgerItemKind, side: Side, amount: Int64, open: Int64, currency: String, date: String,
            reference: String? = nil
        ) {
            self.id = id
            self.kind = kind
            self.side = side
            self.amount = amount
            self.open = open
            self.currency = currency
            self.date = date
            self.reference = reference
        }
    }

    public init(
        listed: Bool, unreconciledItems: Int64, unreconciledDebit: [UnreconciledDebitItem],
        unreconciledCredit: [UnreconciledCreditItem], zeroBalance: Bool, sortKey: String, openItems: [OpenItem]
    ) {
        self.listed = listed
        self.unreconciledItems = unreconciledItems
        self.unreconciledDebit = unreconciledDebit
        self.unreconciledCredit = unreconciledCredit
        self.zeroBalance = zeroBalance
        self.sortKey = sortKey
        self.openItems = openItems
    }
}

/// `allocation.made` v1: Money of a credit applied to a debit: one per (credit, debit, amount).
public struct AllocationMade: EventData, Equatable {
    public static var eventType: EventType { ReconciliationEvents.allocationMade }

    public var creditId: String
    public var creditKind: LedgerItemKind
    public var debitId: String
    public var debitKind: LedgerItemKind
    /// Amount in minor units of the currency.
    public var amount: Int64
    /// ISO 4217 currency code.
    public var currency: String
    /// What reconciled it.
    public var trigger: Trigger
    /// The debit's amount after this event (an invoice's with the late fees reconciliation
    /// has added), in minor units; less `debitOpen`, what has been allocated to it in all.
    /// Absent from records written before it was added.
    public var debitAmount: Int64?
    /// What the debit still owes after this event's allocations, in minor units (0: settled).
    /// Absent from records written before it was added.
    public var debitOpen: Int64?

    public enum Trigger: String, SchemaEnum {
        case payment
        case proof
        case command
        case policy
    }

    public init(
        creditId: String, creditKind: LedgerItemKind, debitId: String, debitKind: LedgerItemKind, amount: Int64,
        currency: String, trigger: Trigger, debitAmount: Int64? = nil, debitOpen: Int64? = nil
    ) {
        self.debitAmount = debitAmount
        self.creditId = creditId
        self.creditKind = creditKind
        self.debitId = debitId
        self.debitKind = debitKind
        self.amount = amount
        self.currency = currency
        self.trigger = trigger
        self.debitOpen = debitOpen
    }
}

/// `invoice.status` v1: An invoice's status after allocations: open, partially paid or paid; key account/invoice.
public struct InvoiceStatusData: EventData, Equatable {
    public static var eventType: EventType { ReconciliationEvents.invoiceStatus }

    public var invoiceId: String
    public var status: Status
    /// Amount in minor units of the currency.
    public var amount: Int64
    /// Still owed.
    public var open: Int64
    /// ISO 4217 currency code.
    public var currency: String

    public enum Status: String, SchemaEnum {
        case open
        case partiallyPaid = "partially_paid"
        case paid
    }

    public init(invoiceId: String, status: Status, amount: Int64, open: Int64, currency: String) {
        self.invoiceId = invoiceId
        self.status = status
        self.amount = amount
        self.open = open
        self.currency = currency
    }
}
