import Foundation

// The `data` of each event type of `ProofEvents`, as Swift values (see `EventData`).

/// `invoice.issued` v1: The billing platform issued an invoice to the account.
public struct InvoiceIssued: EventData, Equatable {
    public static var eventType: EventType { ProofEvents.invoiceIssued }

    public var invoiceId: String
    /// The number printed on the invoice.
    public var number: String
    /// Amount in minor units of the currency.
    public var amount: Int64
    /// ISO 4217 currency code.
    public var currency: String
    public var issuedOn: String
    public var dueOn: String?
    /// The merchant, as the invoice names it.
    public var payeeName: String?
    /// The merchant's account (IBAN) payments must go to.
    public var payeeAccount: String?

    public init(
        invoiceId: String, number: String, amount: Int64, currency: String, issuedOn: String, dueOn: String? = nil,
        payeeName: String? = nil, payeeAccount: String? = nil
    ) {
        self.invoiceId = invoiceId
        self.number = number
        self.amount = amount
        self.currency = currency
        self.issuedOn = issuedOn
        self.dueOn = dueOn
        self.payeeName = payeeName
        self.payeeAccount = payeeAccount
    }
}

/// `invoice.fee-added` v1: A late fee added to an overdue invoice by dunning (reminder-mailer):
/// the flat recovery indemnity or late-payment interest; once per invoice and kind.
public struct InvoiceFeeAdded: EventData, Equatable {
    public static var eventType: EventType { ProofEvents.invoiceFeeAdded }

    public var invoiceId: String
    /// The invoice id and the kind: the same fee, the same id.
    public var feeId: String
    public var kind: Kind
    /// Amount in minor units of the currency.
    public var amount: Int64
    /// ISO 4217 currency code.
    public var currency: String
    /// Late interest: the first day counted (the day after the due date).
    public var from: String?
    /// Late interest: the last day counted (the ladder step's day).
    public var to: String?
    /// Late interest: the annual rate in percent, a decimal: "12.15".
    public var annualRatePercent: String?

    public enum Kind: String, SchemaEnum {
        case flatIndemnity = "flat_indemnity"
        case lateInterest = "late_interest"
    }

    public init(
        invoiceId: String, feeId: String, kind: Kind, amount: Int64, currency: String, from: String? = nil,
        to: String? = nil, annualRatePercent: String? = nil
    ) {
        self.invoiceId = invoiceId
        self.feeId = feeId
        self.kind = kind
        self.amount = amount
        self.currency = currency
        self.from = from
        self.to = to
        self.annualRatePercent = annualRatePercent
    }
}

/// `account.status` v1: Where an account stands: the banner, suspension, how dunning ended
/// (termination, subscription cancelled, handed to collections, written off), reactivation.
public struct AccountStatus: EventData, Equatable {
    public static var eventType: EventType { ProofEvents.accountStatus }

    public var status: Status
    public var reason: String?

    public enum Status: String, SchemaEnum {
        case active
        case pastDue = "past_due"
        case suspended
        case terminated
        case reactivated
        /// The last ladder step cancelled the subscription (`cancel_subscription`).
        case cancelled
        /// The last ladder step handed the debt to collections (`hand_to_collections`).
        case inCollections = "in_collections"
        /// The last ladder step wrote the debt off (`write_off`).
        case writtenOff = "written_off"
    }

    public init(status: Status, reason: String? = nil) {
        self.status = status
        self.reason = reason
    }
}

/// `proof.submitted` v1: A customer's proof of payment: typed fields, a bank document (camt.052/053/054, MT940, CSV), or both.
public struct ProofSubmitted: EventData, Equatable {
    public static var eventType: EventType { ProofEvents.proofSubmitted }

    public var proofId: String
    public var kind: Kind
    /// Invoices the customer says it pays.
    public var invoiceIds: [String]?
    /// The proof's elements as typed from the document.
    public var fields: Fields?
    public var document: Document?

    public enum Kind: String, SchemaEnum {
        case bankStatement = "bank_statement"
        case cardStatement = "card_statement"
        case remittanceAdvice = "remittance_advice"
    }
    public struct Fields: Codable, Sendable, Equatable {
        public var payerName: String?
        public var payeeName: String?
        public var transactionDate: String?
        /// Amount in minor units of the currency.
        public var amount: Int64?
        /// ISO 4217 currency code.
        public var currency: String?
        public var transactionId: String?
        public var description: String?
        public var payerAccount: String?
        public var payeeAccount: String?
        /// What the bank says of the transfer.
        public var bankConfirmation: BankConfirmation?

        public enum BankConfirmation: String, SchemaEnum {
            case booked
            case pending
            case none
        }

        public init(
            payerName: String? = nil, payeeName: String? = nil, transactionDate: String? = nil, amount: Int64? = nil,
            currency: String? = nil, transactionId: String? = nil, description: String? = nil,
            payerAccount: String? = nil, payeeAccount: String? = nil, bankConfirmation: BankConfirmation? = nil
        ) {
            self.payerName = payerName
            self.payeeName = payeeName
            self.transactionDate = transactionDate
            self.amount = amount
            self.currency = currency
            self.transactionId = transactionId
            self.description = description
            self.payerAccount = payerAccount
            self.payeeAccount = payeeAccount
            self.bankConfirmation = bankConfirmation
        }
    }
    public struct Document: Codable, Sendable, Equatable {
        public var format: ProofDocumentFormat
        public var encoding: Encoding?
        /// The file, as text or base64.
        public var content: String
        /// The name of a configured CSV column mapping.
        public var csvMapping: String?

        public enum Encoding: String, SchemaEnum {
            case text
            case base64
        }

        public init(format: ProofDocumentFormat, encoding: Encoding? = nil, content: String, csvMapping: String? = nil)
        {
            self.format = format
            self.encoding = encoding
            self.content = content
            self.csvMapping = csvMapping
        }
    }

    public init(
        proofId: String, kind: Kind, invoiceIds: [String]? = nil, fields: Fields? = nil, document: Document? = nil
    ) {
        self.proofId = proofId
        self.kind = kind
        self.invoiceIds = invoiceIds
        self.fields = fields
        self.document = document
    }
}

/// `proof.verdict` v1: Whether a proof holds: accepted (with the invoices it pays), rejected, or to review.
public struct ProofVerdictData: EventData, Equatable {
    public static var eventType: EventType { ProofEvents.proofVerdict }

    public var proofId: String
    public var verdict: Verdict
    public var reasons: [Reason]
    public var matches: [Matche]
    public var cases: [ProofCase]
    public var transactionId: String?
    public var transactionDate: String?
    /// Amount in minor units of the currency.
    public var amount: Int64?
    /// ISO 4217 currency code.
    public var currency: String?
    public var payerName: String?
    public var payeeName: String?
    /// A second payment of an invoice already paid, to refund.
    public var refundAmount: Int64?
    /// Owed minus paid, in minor units; negative when paid more.
    public var shortfall: Int64?

    public enum Verdict: String, SchemaEnum {
        case accepted
        case rejected
        case needsReview = "needs_review"
    }
    public struct Reason: Codable, Sendable, Equatable {
        public var element: ProofElement
        public var code: String
        public var message: String

        public init(element: ProofElement, code: String, message: String) {
            self.element = element
            self.code = code
            self.message = message
        }
    }
    public struct Matche: Codable, Sendable, Equatable {
        public var invoiceId: String
        /// Amount in minor units of the currency.
        public var amount: Int64
        /// ISO 4217 currency code.
        public var currency: String

        public init(invoiceId: String, amount: Int64, currency: String) {
            self.invoiceId = invoiceId
            self.amount = amount
            self.currency = currency
        }
    }

    public init(
        proofId: String, verdict: Verdict, reasons: [Reason], matches: [Matche], cases: [ProofCase],
        transactionId: String? = nil, transactionDate: String? = nil, amount: Int64? = nil, currency: String? = nil,
        payerName: String? = nil, payeeName: String? = nil, refundAmount: Int64? = nil, shortfall: Int64? = nil
    ) {
        self.proofId = proofId
        self.verdict = verdict
        self.reasons = reasons
        self.matches = matches
        self.cases = cases
        self.transactionId = transactionId
        self.transactionDate = transactionDate
        self.amount = amount
        self.currency = currency
        self.payerName = payerName
        self.payeeName = payeeName
        self.refundAmount = refundAmount
        self.shortfall = shortfall
    }
}
