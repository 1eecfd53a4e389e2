import Foundation

// The `data` of each event type of `PaymentEvents`, as Swift values (see `EventData`).

/// `payment.failed` v1: A payment failed: a first failure, or the outcome of a charge request.
public struct PaymentFailed: EventData, Equatable {
    public static var eventType: EventType { PaymentEvents.paymentFailed }

    /// The payment (stable across its attempts).
    public var paymentId: String
    /// The invoice it pays.
    public var invoiceId: String
    /// The invoice's date: oldest first.
    public var invoiceDate: String
    /// What is being paid.
    public var transactionType: TransactionType
    /// How it is paid.
    public var paymentMethod: PaymentMethod
    /// Amount in minor units of the currency.
    public var amount: Int64
    /// ISO 4217 currency code.
    public var currency: String
    /// The gateway's code.
    public var declineCode: String
    /// Where the code comes from.
    public var declineScheme: DeclineCodeScheme
    /// For the action centre.
    public var customerName: String?
    /// Set when this is the outcome of a Relance charge request.
    public var chargeRequestId: String?
    /// A card payment: the card (the gateway's payment method id), for its network's retry limits.
    public var cardId: String?
    /// A card payment: the card's brand (visa, mastercard, …).
    public var cardBrand: String?
    /// Mastercard's merchant advice code with the decline, if any (03, 21: never retry).
    public var merchantAdviceCode: String?
    /// The customer's IANA time zone (Europe/Paris): local retry times are theirs.
    public var customerTimeZone: String?

    public init(
        paymentId: String, invoiceId: String, invoiceDate: String, transactionType: TransactionType,
        paymentMethod: PaymentMethod, amount: Int64, currency: String, declineCode: String,
        declineScheme: DeclineCodeScheme, customerName: String? = nil, chargeRequestId: String? = nil,
        cardId: String? = nil, cardBrand: String? = nil, merchantAdviceCode: String? = nil,
        customerTimeZone: String? = nil
    ) {
        self.cardId = cardId
        self.cardBrand = cardBrand
        self.merchantAdviceCode = merchantAdviceCode
        self.customerTimeZone = customerTimeZone
        self.paymentId = paymentId
        self.invoiceId = invoiceId
        self.invoiceDate = invoiceDate
        self.transactionType = transactionType
        self.paymentMethod = paymentMethod
        self.amount = amount
        self.currency = currency
        self.declineCode = declineCode
        self.declineScheme = declineScheme
        self.customerName = customerName
        self.chargeRequestId = chargeRequestId
    }
}

/// `payment.succeeded` v1: A payment succeeded: a retry, or the invoice paid another way.
public struct PaymentSucceeded: EventData, Equatable {
    public static var eventType: EventType { PaymentEvents.paymentSucceeded }

    public var paymentId: String
    public var invoiceId: String
    /// Amount in minor units of the currency.
    public var amount: Int64
    /// ISO 4217 currency code.
    public var currency: String
    public var chargeRequestId: String?

    public init(paymentId: String, invoiceId: String, amount: Int64, currency: String, chargeRequestId: String? = nil) {
        self.paymentId = paymentId
        self.invoiceId = invoiceId
        self.amount = amount
        self.currency = currency
        self.chargeRequestId = chargeRequestId
    }
}

/// `card.replaced` v1: The customer saved a new card in the wallet (never its number).
public struct CardReplaced: EventData, Equatable {
    public static var eventType: EventType { PaymentEvents.cardReplaced }

    public var brand: String
    /// Last four digits.
    public var last4: String
    public var expMonth: Int64
    public var expYear: Int64

    public init(brand: String, last4: String, expMonth: Int64, expYear: Int64) {
        self.brand = brand
        self.last4 = last4
        self.expMonth = expMonth
        self.expYear = expYear
    }
}

/// `payment.command` v1: An operator's or vendor's command on a failed payment.
public struct PaymentCommand: EventData, Equatable {
    public static var eventType: EventType { PaymentEvents.paymentCommand }

    public var command: Command
    public var paymentId: String
    /// Unsigned commands only (migration): a signed command's actor comes from its token.
    public var actor: LegacyActor?
    public var note: String?
    public var paymentMethod: PaymentMethod?

    public enum Command: String, SchemaEnum {
        case retryNow = "retry_now"
        case dismiss
        case changePaymentMethod = "change_payment_method"
        case renewPaymentPlan = "renew_payment_plan"
        case handOverToCollections = "hand_over_to_collections"
    }
    public struct LegacyActor: Codable, Sendable, Equatable {
        public var id: String
        public var role: ActorRole

        public init(id: String, role: ActorRole) {
            self.id = id
            self.role = role
        }
    }

    public init(
        command: Command, paymentId: String, actor: LegacyActor? = nil, note: String? = nil,
        paymentMethod: PaymentMethod? = nil
    ) {
        self.command = command
        self.paymentId = paymentId
        self.actor = actor
        self.note = note
        self.paymentMethod = paymentMethod
    }
}

/// `charge.requested` v1: Charge this payment again; the idempotency key makes a repeat harmless.
public struct ChargeRequested: EventData, Equatable {
    public static var eventType: EventType { PaymentEvents.chargeRequested }

    /// The idempotency key.
    public var chargeRequestId: String
    public var paymentId: String
    public var invoiceId: String
    /// Amount in minor units of the currency.
    public var amount: Int64
    /// ISO 4217 currency code.
    public var currency: String
    public var paymentMethod: PaymentMethod
    public var attempt: Int64
    public var cause: Cause

    public enum Cause: String, SchemaEnum {
        case schedule
        case technicalRetry = "technical_retry"
        case cardReplaced = "card_replaced"
        case `operator`
        case renewal
        case recharge
    }

    public init(
        chargeRequestId: String, paymentId: String, invoiceId: String, amount: Int64, currency: String,
        paymentMethod: PaymentMethod, attempt: Int64, cause: Cause
    ) {
        self.chargeRequestId = chargeRequestId
        self.paymentId = paymentId
        self.invoiceId = invoiceId
        self.amount = amount
        self.currency = currency
        self.paymentMethod = paymentMethod
        self.attempt = attempt
        self.cause = cause
    }
}

/// `action-item.updated` v1: A failed transaction as the action centre shows it (latest per payment id).
public struct ActionItemUpdated: EventData, Equatable {
    public static var eventType: EventType { PaymentEvents.actionItem }

    public var paymentId: String
    public var invoiceId: String
    public var customerName: String?
    public var transactionType: TransactionType
    public var paymentMethod: PaymentMethod
    public var failureReason: String
    public var failureCategory: FailureCategory
    public var declineCode: String
    /// Amount in minor units of the currency.
    public var amount: Int64
    /// ISO 4217 currency code.
    public var currency: String
    public var state: State
    public var attempts: Int64
    public var nextAttemptAt: Date?
    public var handedToCollections: Bool
    public var closedBecause: String?
    /// When the payment first failed.
    public var firstFailedAt: Date?
    /// Resolved: how it was recovered.
    public var resolution: Resolution?
    /// Resolved by a Relance charge: its attempt number (the original payment is 1).
    public var recoveredOnAttempt: Int64?
    /// Why it is lost so far (a later payment may still recover it).
    public var lossReason: LossReason?
    /// When the resolution or the loss reason was set.
    public var outcomeAt: Date?
    /// Why the next attempt is at that time, when the schedule's time was moved.
    public var nextAttemptReason: String?
    /// The card network rule that stops automatic retries on this card.
    public var retryBlockedBy: String?
    /// The account's dunning is paused (`dunning.command`): no automatic retry, no notice.
    public var dunningPaused: Bool?
    /// When the pause ends by itself; absent: until resumed.
    public var dunningPausedUntil: Date?
    /// The account is excluded from dunning until resumed.
    public var dunningExcluded: Bool?
    /// How the account's dunning ended (reminder-mailer's account.status): no automatic retry.
    public var dunningEnded: DunningEnded?

    public enum DunningEnded: String, SchemaEnum {
        case writtenOff = "written_off"
        case inCollections = "in_collections"
    }

    public enum State: String, SchemaEnum {
        case open
        case pending
        case resolved
        case dismissed
    }

    public enum Resolution: String, SchemaEnum {
        case automaticRetry = "automatic_retry"
        case cardUpdated = "card_updated"
        case operatorRetry = "operator_retry"
        case finalAttempt = "final_attempt"
        case paidAnotherWay = "paid_another_way"
    }

    public enum LossReason: String, SchemaEnum {
        case dismissed
        case handedToCollections = "handed_to_collections"
        case retriesExhausted = "retries_exhausted"
    }

    public init(
        paymentId: String, invoiceId: String, customerName: String? = nil, transactionType: TransactionType,
        paymentMethod: PaymentMethod, failureReason: String, failureCategory: FailureCategory, declineCode: String,
        amount: Int64, currency: String, state: State, attempts: Int64, nextAttemptAt: Date? = nil,
        handedToCollections: Bool, closedBecause: String? = nil, firstFailedAt: Date? = nil,
        resolution: Resolution? = nil, recoveredOnAttempt: Int64? = nil, lossReason: LossReason? = nil,
        outcomeAt: Date? = nil, nextAttemptReason: String? = nil, retryBlockedBy: String? = nil,
        dunningPaused: Bool? = nil, dunningPausedUntil: Date? = nil, dunningExcluded: Bool? = nil,
        dunningEnded: DunningEnded? = nil
    ) {
        self.dunningEnded = dunningEnded
        self.dunningPaused = dunningPaused
        self.dunningPausedUntil = dunningPausedUntil
        self.dunningExcluded = dunningExcluded
        self.nextAttemptReason = nextAttemptReason
        self.retryBlockedBy = retryBlockedBy
        self.paymentId = paymentId
        self.invoiceId = invoiceId
        self.customerName = customerName
        self.transactionType = transactionType
        self.paymentMethod = paymentMethod
        self.failureReason = failureReason
        self.failureCategory = failureCategory
        self.declineCode = declineCode
        self.amount = amount
        self.currency = currency
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.handedToCollections = handedToCollections
        self.closedBecause = closedBecause
        self.firstFailedAt = firstFailedAt
        self.resolution = resolution
        self.recoveredOnAttempt = recoveredOnAttempt
        self.lossReason = lossReason
        self.outcomeAt = outcomeAt
    }
}

/// `notification.requested` v1: Ask reminder-mailer to write to the customer or the vendor.
public struct NotificationRequested: EventData, Equatable {
    public static var eventType: EventType { PaymentEvents.notificationRequested }

    public var kind: Kind
    public var audience: Audience
    public var paymentId: String?
    public var invoiceId: String?
    /// Amount in minor units of the currency.
    public var amount: Int64?
    /// ISO 4217 currency code.
    public var currency: String?
    /// The decline code's English description, for operators; emails never print it.
    public var reason: String?
    public var customerName: String?
    /// The gateway's code: the emails give its cause in the customer's language.
    public var declineCode: String?
    public var declineScheme: DeclineCodeScheme?
    public var paymentMethod: PaymentMethod?
    public var transactionType: TransactionType?
    /// The next automatic attempt; absent when none is planned.
    public var nextAttemptAt: Date?
    public var brand: String?
    public var last4: String?
    public var expMonth: Int64?
    public var expYear: Int64?
    /// The saved card (card_expiring).
    public var cardId: String?
    /// Card_not_accepted: the brands the merchant takes.
    public var acceptedBrands: [String]?
    /// Price_update: the plan.
    public var planId: String?
    /// Price_update: the amount today.
    public var currentAmount: Int64?
    /// Price_update: the new amount.
    public var newAmount: Int64?
    /// Price_update: the billing date from which the new amount applies.
    public var effectiveFrom: String?
    /// Price_update: the customer confirms before this, or the update lapses.
    public var confirmBy: Date?

    public enum Kind: String, SchemaEnum {
        case paymentFailed = "payment_failed"
        case retriesExhausted = "retries_exhausted"
        case cardExpiring = "card_expiring"
        case rechargeFailed = "recharge_failed"
        case cardNotAccepted = "card_not_accepted"
        case priceUpdate = "price_update"
    }
    public enum Audience: String, SchemaEnum {
        case customer
        case vendor
    }

    public init(
        kind: Kind, audience: Audience, paymentId: String? = nil, invoiceId: String? = nil, amount: Int64? = nil,
        currency: String? = nil, reason: String? = nil, customerName: String? = nil, declineCode: String? = nil,
        declineScheme: DeclineCodeScheme? = nil, paymentMethod: PaymentMethod? = nil,
        transactionType: TransactionType? = nil, nextAttemptAt: Date? = nil, brand: String? = nil, last4: String? = nil,
        expMonth: Int64? = nil, expYear: Int64? = nil, cardId: String? = nil, acceptedBrands: [String]? = nil,
        planId: String? = nil, currentAmount: Int64? = nil, newAmount: Int64? = nil, effectiveFrom: String? = nil,
        confirmBy: Date? = nil
    ) {
        self.kind = kind
        self.audience = audience
        self.paymentId = paymentId
        self.invoiceId = invoiceId
        self.amount = amount
        self.currency = currency
        self.reason = reason
        self.customerName = customerName
        self.declineCode = declineCode
        self.declineScheme = declineScheme
        self.paymentMethod = paymentMethod
        self.transactionType = transactionType
        self.nextAttemptAt = nextAttemptAt
        self.brand = brand
        self.last4 = last4
        self.expMonth = expMonth
        self.expYear = expYear
        self.cardId = cardId
        self.acceptedBrands = acceptedBrands
        self.planId = planId
        self.currentAmount = currentAmount
        self.newAmount = newAmount
        self.effectiveFrom = effectiveFrom
        self.confirmBy = confirmBy
    }
}

/// `collections.handed-over` v1: A debt is handed to the collections partner: a failed payment, or an
/// overdue invoice at dunning's end.
public struct CollectionsHandedOver: EventData, Equatable {
    public static var eventType: EventType { PaymentEvents.collectionsHandedOver }

    /// The failed payment whose retries ran out (payment-retry); nil when reminder-mailer's
    /// final action (`hand_to_collections`) hands the invoice over, which no payment names.
    public var paymentId: String?
    public var invoiceId: String
    /// Amount in minor units of the currency (what is left to pay).
    public var amount: Int64
    /// ISO 4217 currency code.
    public var currency: String
    /// The invoice's due date, when dunning's final action hands it over.
    public var dueOn: String?

    public init(paymentId: String?, invoiceId: String, amount: Int64, currency: String, dueOn: String? = nil) {
        self.paymentId = paymentId
        self.invoiceId = invoiceId
        self.amount = amount
        self.currency = currency
        self.dueOn = dueOn
    }
}

/// `command.refused` v1: A command was not carried out, and why.
public struct CommandRefused: EventData, Equatable {
    public static var eventType: EventType { PaymentEvents.commandRefused }

    public var command: String
    public var paymentId: String?
    public var planId: String?
    public var actor: String
    public var reason: String

    public init(command: String, paymentId: String? = nil, planId: String? = nil, actor: String, reason: String) {
        self.command = command
        self.paymentId = paymentId
        self.planId = planId
        self.actor = actor
        self.reason = reason
    }
}

/// `plan.price-update-requested` v1: The vendor changes the price of an installment plan or subscription (the customer must confirm).
public struct PlanPriceUpdateRequested: EventData, Equatable {
    public static var eventType: EventType { PaymentEvents.priceUpdateRequested }

    public var planId: String
    /// ISO 4217 currency code.
    public var currency: String
    /// Amount in minor units of the currency.
    public var currentAmount: Int64
    /// Amount in minor units of the currency.
    public var newAmount: Int64
    public var currentInstallments: Int64?
    public var newInstallments: Int64?
    public var currentInterval: String
    public var newInterval: String
    public var nextBillingDate: String
    /// Unsigned commands only (migration): a signed command's actor comes from its token.
    public var actor: LegacyActor?

    public struct LegacyActor: Codable, Sendable, Equatable {
        public var id: String
        public var role: ActorRole

        public init(id: String, role: ActorRole) {
            self.id = id
            self.role = role
        }
    }

    public init(
        planId: String, currency: String, currentAmount: Int64, newAmount: Int64, currentInstallments: Int64? = nil,
        newInstallments: Int64? = nil, currentInterval: String, newInterval: String, nextBillingDate: String,
        actor: LegacyActor? = nil
    ) {
        self.planId = planId
        self.currency = currency
        self.currentAmount = currentAmount
        self.newAmount = newAmount
        self.currentInstallments = currentInstallments
        self.newInstallments = newInstallments
        self.currentInterval = currentInterval
        self.newInterval = newInterval
        self.nextBillingDate = nextBillingDate
        self.actor = actor
    }
}

/// `plan.price-update-confirmed` v1: The customer confirmed the plan's new price.
public struct PlanPriceUpdateConfirmed: EventData, Equatable {
    public static var eventType: EventType { PaymentEvents.priceUpdateConfirmed }

    public var planId: String

    public init(planId: String) {
        self.planId = planId
    }
}

/// `plan.price-update` v1: Where a plan's price change stands: pending, applied (from a date) or lapsed.
public struct PlanPriceUpdate: EventData, Equatable {
    public static var eventType: EventType { PaymentEvents.priceUpdate }

    public var planId: String
    public var status: Status
    /// Amount in minor units of the currency.
    public var newAmount: Int64
    /// ISO 4217 currency code.
    public var currency: String
    public var expiresAt: Date?
    public var effectiveFrom: String?

    public enum Status: String, SchemaEnum {
        case pending
        case applied
        case lapsed
    }

    public init(
        planId: String, status: Status, newAmount: Int64, currency: String, expiresAt: Date? = nil,
        effectiveFrom: String? = nil
    ) {
        self.planId = planId
        self.status = status
        self.newAmount = newAmount
        self.currency = currency
        self.expiresAt = expiresAt
        self.effectiveFrom = effectiveFrom
    }
}

/// `dunning.command` v1: An operator pauses an account's dunning (until a time, or until
/// resumed), excludes the account from dunning, or resumes it.
public struct DunningCommand: EventData, Equatable {
    public static var eventType: EventType { PaymentEvents.dunningCommand }

    public var command: Command
    /// Pause only: when the pause ends by itself (nil: until resumed).
    public var until: Date?
    public var note: String?
    /// Unsigned commands only (migration): a signed command's actor comes from its token.
    public var actor: PaymentCommand.LegacyActor?

    public enum Command: String, SchemaEnum {
        case pause, exclude, resume
    }

    public init(command: Command, until: Date? = nil, note: String? = nil, actor: PaymentCommand.LegacyActor? = nil) {
        self.command = command
        self.until = until
        self.note = note
        self.actor = actor
    }
}
