import Foundation

// The `data` of each event type of `MailEvents`, as Swift values (see `EventData`).

/// `digest.item` v1: A failed transaction for its merchant's daily digest; accountId is the merchant id.
public struct DigestItem: EventData, Equatable {
    public static var eventType: EventType { MailEvents.digestItem }

    /// The customer's account.
    public var account: String
    public var customerName: String
    public var failedOn: String
    /// Amount in minor units of the currency.
    public var amount: Int64
    /// ISO 4217 currency code.
    public var currency: String
    public var transactionType: String
    public var paymentId: String
    public var failedAt: Date

    public init(
        account: String, customerName: String, failedOn: String, amount: Int64, currency: String,
        transactionType: String, paymentId: String, failedAt: Date
    ) {
        self.account = account
        self.customerName = customerName
        self.failedOn = failedOn
        self.amount = amount
        self.currency = currency
        self.transactionType = transactionType
        self.paymentId = paymentId
        self.failedAt = failedAt
    }
}

/// `account.profile-updated` v1: The billing platform's customer details: name, language.
public struct AccountProfileUpdated: EventData, Equatable {
    public static var eventType: EventType { MailEvents.profileUpdated }

    public var customerName: String?
    /// Fr, en, fr-CA….
    public var locale: String?

    public init(customerName: String? = nil, locale: String? = nil) {
        self.customerName = customerName
        self.locale = locale
    }
}

/// `subscription.renewal-upcoming` v1: The billing platform's next renewal of a subscription:
/// what it will charge and when; one billed every six months or less often gets the renewal
/// notice card networks require (Mastercard: 3 to 7 days before).
public struct SubscriptionRenewalUpcoming: EventData, Equatable {
    public static var eventType: EventType { MailEvents.subscriptionRenewalUpcoming }

    public var subscriptionId: String
    /// The plan's name, as the customer knows it.
    public var plan: String
    /// The billing date of the renewal (yyyy-MM-dd).
    public var renewsOn: String
    /// Amount in minor units of the currency.
    public var amount: Int64
    /// ISO 4217 currency code.
    public var currency: String
    /// Months between two billings (12: yearly).
    public var intervalMonths: Int64
    /// Where the customer manages or cancels the subscription.
    public var manageUrl: String?

    public init(
        subscriptionId: String, plan: String, renewsOn: String, amount: Int64, currency: String,
        intervalMonths: Int64, manageUrl: String? = nil
    ) {
        self.subscriptionId = subscriptionId
        self.plan = plan
        self.renewsOn = renewsOn
        self.amount = amount
        self.currency = currency
        self.intervalMonths = intervalMonths
        self.manageUrl = manageUrl
    }
}

/// `account.recipients-change-requested` v1: Set the account's invoice recipients (the reminder emails' addressees); only an owner may.
public struct AccountRecipientsChangeRequested: EventData, Equatable {
    public static var eventType: EventType { MailEvents.recipientsChangeRequested }

    public var recipients: [Recipient]
    /// Unsigned commands only (migration): a signed command's actor comes from its token.
    public var actor: LegacyActor?

    public struct Recipient: Codable, Sendable, Equatable {
        /// An email address.
        public var email: String
        public var name: String?

        public init(email: String, name: String? = nil) {
            self.email = email
            self.name = name
        }
    }
    public struct LegacyActor: Codable, Sendable, Equatable {
        public var id: String
        public var role: ActorRole

        public init(id: String, role: ActorRole) {
            self.id = id
            self.role = role
        }
    }

    public init(recipients: [Recipient], actor: LegacyActor? = nil) {
        self.recipients = recipients
        self.actor = actor
    }
}

/// `payment.pending` v1: A payment is on its way (a direct debit takes up to 10 business days): hold suspension and termination; with a chargeRequestId, a charge Relance requested (payment-retry): no notice about its invoice until its outcome.
public struct PaymentPending: EventData, Equatable {
    public static var eventType: EventType { MailEvents.paymentPending }

    public var paymentId: String
    public var invoiceId: String
    /// Amount in minor units of the currency.
    public var amount: Int64
    /// ISO 4217 currency code.
    public var currency: String
    public var paymentMethod: PaymentMethod
    /// Set when the payment is a charge Relance requested (its idempotency key).
    public var chargeRequestId: String?

    public init(
        paymentId: String, invoiceId: String, amount: Int64, currency: String, paymentMethod: PaymentMethod,
        chargeRequestId: String? = nil
    ) {
        self.paymentId = paymentId
        self.invoiceId = invoiceId
        self.amount = amount
        self.currency = currency
        self.paymentMethod = paymentMethod
        self.chargeRequestId = chargeRequestId
    }
}

/// `email.requested` v1: An email to deliver (the outbox): its envelope and the whole RFC 5322 message, 7-bit.
public struct EmailRequested: EventData, Equatable {
    public static var eventType: EventType { MailEvents.emailRequested }

    /// Derived from the reason: the same reason gives the same id.
    public var messageId: String
    /// Why: overdue/<account>/<invoice>/step-3, payment-failed/<payment>/<charge>….
    public var reason: String
    public var kind: String
    public var from: String
    public var to: [String]
    public var subject: String
    public var locale: Locale
    /// RFC 5322 bytes.
    public var message: String

    public enum Locale: String, SchemaEnum {
        case fr
        case en
    }

    public init(
        messageId: String, reason: String, kind: String, from: String, to: [String], subject: String, locale: Locale,
        message: String
    ) {
        self.messageId = messageId
        self.reason = reason
        self.kind = kind
        self.from = from
        self.to = to
        self.subject = subject
        self.locale = locale
        self.message = message
    }
}

/// `email.sent` v1: An email the server accepted: who, what, why, and its Message-ID.
public struct EmailSent: EventData, Equatable {
    public static var eventType: EventType { MailEvents.emailSent }

    public var messageId: String
    public var reason: String
    public var kind: String
    public var to: [String]
    public var subject: String
    public var serverReply: String
    public var attempts: Int64
    public var transport: Transport

    public enum Transport: String, SchemaEnum {
        case smtp
        case directory
    }

    public init(
        messageId: String, reason: String, kind: String, to: [String], subject: String, serverReply: String,
        attempts: Int64, transport: Transport
    ) {
        self.messageId = messageId
        self.reason = reason
        self.kind = kind
        self.to = to
        self.subject = subject
        self.serverReply = serverReply
        self.attempts = attempts
        self.transport = transport
    }
}

/// `email.failed` v1: An email given up: refused (5xx) or undeliverable for too long, with the reason.
public struct EmailFailed: EventData, Equatable {
    public static var eventType: EventType { MailEvents.emailFailed }

    public var messageId: String
    public var reason: String
    public var kind: String
    public var to: [String]
    public var subject: String
    public var error: String
    public var code: Int64
    public var attempts: Int64

    public init(
        messageId: String, reason: String, kind: String, to: [String], subject: String, error: String, code: Int64,
        attempts: Int64
    ) {
        self.messageId = messageId
        self.reason = reason
        self.kind = kind
        self.to = to
        self.subject = subject
        self.error = error
        self.code = code
        self.attempts = attempts
    }
}
