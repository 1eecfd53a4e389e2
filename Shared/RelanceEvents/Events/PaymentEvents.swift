/// The event types of payment recovery and their schemas (see `Catalog`).
public enum PaymentEvents {
    public static let paymentsTopic = "relance.payments"
    public static let commandsTopic = "relance.payment-commands"
    public static let chargeRequestsTopic = "relance.charge-requests"
    public static let actionCentreTopic = "relance.action-centre"
    public static let notificationsTopic = "relance.notifications"
    public static let collectionsTopic = "relance.collections"
    public static let commandResultsTopic = "relance.command-results"
    public static let planUpdatesTopic = "relance.plan-updates"
    /// Operators' pauses, exclusions and resumptions of an account's dunning, read by
    /// reminder-mailer (the ladder) and payment-retry (automatic retries).
    public static let dunningCommandsTopic = "relance.dunning-commands"

    static let methods = PaymentMethod.allCases.map(\.rawValue)
    /// Who asks, as commands said before they were signed: read only for an unsigned command
    /// accepted in migration mode (RELANCE_UNSIGNED_COMMANDS=warn); a signed command's actor is
    /// its token's claims.
    static let legacyActor = JSONSchema.object(
        ["id": .string(), "role": .oneOf(ActorRole.allCases.map(\.rawValue))],
        description: "unsigned commands only (migration): a signed command's actor comes from its token")
    /// The role whose key signs a customer's confirmation of a price update: the billing
    /// platform that showed the customer the new price and recorded the confirmation.
    public static let billingPlatformRole = "billing-platform"
    static let types = TransactionType.allCases.map(\.rawValue)

    public static let paymentFailed = EventType(
        "payment.failed", summary: "A payment failed: a first failure, or the outcome of a charge request.",
        data: .object(
            [
                "paymentId": .string("the payment (stable across its attempts)"),
                "invoiceId": .string("the invoice it pays"),
                "invoiceDate": .date("the invoice's date: oldest first"),
                "transactionType": .oneOf(types, "what is being paid"),
                "paymentMethod": .oneOf(methods, "how it is paid"),
                "amount": .amount(), "currency": .currency(),
                "declineCode": .string("the gateway's code"),
                "declineScheme": .oneOf(["stripe", "iso8583", "sepa"], "where the code comes from"),
                "customerName": .string("for the action centre"),
                "chargeRequestId": .string("set when this is the outcome of a Relance charge request"),
                "cardId": .string(
                    "a card payment: the card (the gateway's payment method id), for its network's retry limits"),
                "cardBrand": .string("a card payment: the card's brand (visa, mastercard, …)"),
                "merchantAdviceCode": .string(
                    "Mastercard's merchant advice code with the decline, if any (03, 21: never retry)"),
                "customerTimeZone": .string(
                    "the customer's IANA time zone (Europe/Paris): local retry times are theirs"),
            ],
            optional: [
                "customerName", "chargeRequestId", "cardId", "cardBrand", "merchantAdviceCode", "customerTimeZone",
            ]))

    public static let paymentSucceeded = EventType(
        "payment.succeeded", summary: "A payment succeeded: a retry, or the invoice paid another way.",
        data: .object(
            [
                "paymentId": .string(), "invoiceId": .string(), "amount": .amount(), "currency": .currency(),
                "chargeRequestId": .string(),
            ], optional: ["chargeRequestId"]))

    public static let cardReplaced = EventType(
        "card.replaced", summary: "The customer saved a new card in the wallet (never its number).",
        data: .object(
            [
                "brand": .string(),
                "last4": .string("last four digits", minLength: 4, maxLength: 4, pattern: "^[0-9]{4}$"),
                "expMonth": .integer(minimum: 1, maximum: 12), "expYear": .integer(minimum: 2000, maximum: 2100),
            ]))

    public static let paymentCommand = EventType(
        "payment.command", summary: "An operator's or vendor's command on a failed payment.",
        data: .object(
            [
                "command": .oneOf(
                    ["retry_now", "dismiss", "change_payment_method", "renew_payment_plan", "hand_over_to_collections"]
                ),
                "paymentId": .string(),
                "actor": legacyActor,
                "note": .string(), "paymentMethod": .oneOf(methods),
            ], optional: ["note", "paymentMethod", "actor"]))

    public static let chargeRequested = EventType(
        "charge.requested", summary: "Charge this payment again; the idempotency key makes a repeat harmless.",
        data: .object(
            [
                "chargeRequestId": .string("the idempotency key"), "paymentId": .string(), "invoiceId": .string(),
                "amount": .amount(), "currency": .currency(), "paymentMethod": .oneOf(methods),
                "attempt": .integer(minimum: 1),
                "cause": .oneOf(["schedule", "technical_retry", "card_replaced", "operator", "renewal", "recharge"]),
            ]))

    public static let actionItem = EventType(
        "action-item.updated", summary: "A failed transaction as the action centre shows it (latest per payment id).",
        data: .object(
            [
                "paymentId": .string(), "invoiceId": .string(), "customerName": .string(),
                "transactionType": .oneOf(types), "paymentMethod": .oneOf(methods), "failureReason": .string(),
                "failureCategory": .oneOf(FailureCategory.allCases.map(\.rawValue)), "declineCode": .string(),
                "amount": .amount(), "currency": .currency(),
                "state": .oneOf(["open", "pending", "resolved", "dismissed"]), "attempts": .integer(minimum: 1),
                "nextAttemptAt": .timestamp(), "handedToCollections": .boolean(), "closedBecause": .string(),
                "firstFailedAt": .timestamp("when the payment first failed"),
                "resolution": .oneOf(
                    ["automatic_retry", "card_updated", "operator_retry", "final_attempt", "paid_another_way"],
                    "resolved: how it was recovered"),
                "recoveredOnAttempt": .integer(
                    "resolved by a Relance charge: its attempt number (the original payment is 1)", minimum: 1),
                "lossReason": .oneOf(
                    ["dismissed", "handed_to_collections", "retries_exhausted"],
                    "why it is lost so far (a later payment may still recover it)"),
                "outcomeAt": .timestamp("when the resolution or the loss reason was set"),
                "nextAttemptReason": .string(
                    "why the next attempt is at that time, when the schedule's time was moved (local time window, "
                        + "business days, payday, a card network's limit)"),
                "retryBlockedBy": .string("the card network rule that stops automatic retries on this card"),
                "dunningPaused": .boolean(
                    "the account's dunning is paused: no automatic retry, no overdue notice (dunning.command)"),
                "dunningPausedUntil": .timestamp("when the pause ends by itself (absent: until resumed)"),
                "dunningExcluded": .boolean("the account is excluded from dunning until resumed"),
                "dunningEnded": .oneOf(
                    ["written_off", "in_collections"],
                    "how the account's dunning ended (reminder-mailer's account.status): no automatic retry"),
            ],
            optional: [
                "customerName", "nextAttemptAt", "closedBecause", "firstFailedAt", "resolution", "recoveredOnAttempt",
                "lossReason", "outcomeAt", "nextAttemptReason", "retryBlockedBy", "dunningPaused", "dunningPausedUntil",
                "dunningExcluded", "dunningEnded",
            ]))

    public static let notificationRequested = EventType(
        "notification.requested", summary: "Ask reminder-mailer to write to the customer or the vendor.",
        data: .object(
            [
                "kind": .oneOf(
                    [
                        "payment_failed", "retries_exhausted", "card_expiring", "recharge_failed", "card_not_accepted",
                        "price_update",
                    ]),
                "audience": .oneOf(["customer", "vendor"]),
                "paymentId": .string(), "invoiceId": .string(), "amount": .amount(), "currency": .currency(),
                "reason": .string("the decline code's English description, for operators; emails never print it"),
                "customerName": .string(),
                "declineCode": .string("the gateway's code: the emails give its cause in the customer's language"),
                "declineScheme": .oneOf(["stripe", "iso8583", "sepa"]),
                "paymentMethod": .oneOf(methods), "transactionType": .oneOf(types),
                "nextAttemptAt": .timestamp("the next automatic attempt; absent when none is planned"),
                "brand": .string(), "last4": .string(minLength: 4, maxLength: 4, pattern: "^[0-9]{4}$"),
                "expMonth": .integer(minimum: 1, maximum: 12), "expYear": .integer(minimum: 2000, maximum: 2100),
                "cardId": .string("the saved card (card_expiring)"),
                "acceptedBrands": .array(of: .string(), "card_not_accepted: the brands the merchant takes"),
                "planId": .string("price_update: the plan"), "currentAmount": .amount("price_update: the amount today"),
                "newAmount": .amount("price_update: the new amount"),
                "effectiveFrom": .date("price_update: the billing date from which the new amount applies"),
                "confirmBy": .timestamp("price_update: the customer confirms before this, or the update lapses"),
            ],
            optional: [
                "paymentId", "invoiceId", "amount", "currency", "reason", "customerName", "declineCode",
                "declineScheme", "paymentMethod", "transactionType", "nextAttemptAt", "brand", "last4", "expMonth",
                "expYear", "cardId", "acceptedBrands", "planId", "currentAmount", "newAmount", "effectiveFrom",
                "confirmBy",
            ]))

    public static let collectionsHandedOver = EventType(
        "collections.handed-over",
        summary:
            "A debt is handed to the collections partner: a failed payment, or an overdue invoice at dunning's end.",
        data: .object(
            [
                "paymentId": .string(
                    "the payment whose retries ran out (payment-retry); absent when dunning's final action hands the invoice over"
                ),
                "invoiceId": .string(), "amount": .amount(), "currency": .currency(),
                "dueOn": .date("the invoice's due date, when dunning's final action hands it over"),
            ],
            optional: ["paymentId", "dueOn"]))

    public static let commandRefused = EventType(
        "command.refused", summary: "A command was not carried out, and why.",
        data: .object(
            [
                "command": .string(), "paymentId": .string(), "planId": .string(), "actor": .string(),
                "reason": .string(),
            ],
            optional: ["paymentId", "planId"]))

    public static let priceUpdateRequested = EventType(
        "plan.price-update-requested",
        summary: "The vendor changes the price of an installment plan or subscription (the customer must confirm).",
        data: .object(
            [
                "planId": .string(), "currency": .currency(), "currentAmount": .amount(), "newAmount": .amount(),
                "currentInstallments": .integer(minimum: 1), "newInstallments": .integer(minimum: 1),
                "currentInterval": .string(), "newInterval": .string(), "nextBillingDate": .date(),
                "actor": legacyActor,
            ], optional: ["currentInstallments", "newInstallments", "actor"]))

    public static let priceUpdateConfirmed = EventType(
        "plan.price-update-confirmed", summary: "The customer confirmed the plan's new price.",
        data: .object(["planId": .string()]))

    public static let priceUpdate = EventType(
        "plan.price-update", summary: "Where a plan's price change stands: pending, applied (from a date) or lapsed.",
        data: .object(
            [
                "planId": .string(), "status": .oneOf(["pending", "applied", "lapsed"]), "newAmount": .amount(),
                "currency": .currency(), "expiresAt": .timestamp(), "effectiveFrom": .date(),
            ], optional: ["expiresAt", "effectiveFrom"]))

    public static let dunningCommand = EventType(
        "dunning.command",
        summary: "An operator pauses an account's dunning (until a time, or until resumed), excludes the account "
            + "from dunning, or resumes it.",
        data: .object(
            [
                "command": .oneOf(["pause", "exclude", "resume"]),
                "until": .timestamp("pause only: when the pause ends by itself (absent: until resumed)"),
                "note": .string("why, for the operators"),
                "actor": legacyActor,
            ], optional: ["until", "note", "actor"]))

    public static let all = [
        paymentFailed, paymentSucceeded, cardReplaced, paymentCommand, chargeRequested, actionItem,
        notificationRequested, collectionsHandedOver, commandRefused, priceUpdateRequested, priceUpdateConfirmed,
        priceUpdate, dunningCommand,
    ]
}
