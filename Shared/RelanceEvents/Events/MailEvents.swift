/// The event types of reminder-mailer: account profiles and recipients, the email outbox and
/// its log (see `Catalog`).
public enum MailEvents {
    public static let accountsTopic = "relance.accounts"
    public static let emailsTopic = "relance.emails"
    public static let emailLogTopic = "relance.email-log"
    /// Failed transactions regrouped by merchant (the envelope's accountId is the merchant id).
    public static let digestItemsTopic = "relance.digest-items"

    static let actor = PaymentEvents.legacyActor
    static let recipient = JSONSchema.object(
        ["email": .string("an email address"), "name": .string()], optional: ["name"])

    public static let profileUpdated = EventType(
        "account.profile-updated", summary: "The billing platform's customer details: name, language.",
        data: .object(
            ["customerName": .string(), "locale": .string("fr, en, fr-CA…")], optional: ["customerName", "locale"]))

    public static let recipientsChangeRequested = EventType(
        "account.recipients-change-requested",
        summary: "Set the account's invoice recipients (the reminder emails' addressees); only an owner may.",
        data: .object(["recipients": .array(of: recipient, minItems: 1), "actor": actor], optional: ["actor"]))

    public static let paymentPending = EventType(
        "payment.pending",
        summary:
            "A payment is on its way (a direct debit takes up to 10 business days): hold suspension and termination; "
            + "with a chargeRequestId, a charge Relance requested (payment-retry): no notice about its invoice "
            + "until its outcome.",
        data: .object(
            [
                "paymentId": .string(), "invoiceId": .string(), "amount": .amount(), "currency": .currency(),
                "paymentMethod": .oneOf(PaymentMethod.allCases.map(\.rawValue)),
                "chargeRequestId": .string("set when the payment is a charge Relance requested (its idempotency key)"),
            ], optional: ["chargeRequestId"]))

    public static let emailRequested = EventType(
        "email.requested",
        summary: "An email to deliver (the outbox): its envelope and the whole RFC 5322 message, 7-bit.",
        data: .object(
            [
                "messageId": .string("derived from the reason: the same reason gives the same id"),
                "reason": .string("why: overdue/<account>/<invoice>/step-3, payment-failed/<payment>/<charge>…"),
                "kind": .string(), "from": .string(), "to": .array(of: .string(), minItems: 1),
                "subject": .string(), "locale": .oneOf(["fr", "en"]), "message": .string("RFC 5322 bytes"),
            ]))

    public static let emailSent = EventType(
        "email.sent", summary: "An email the server accepted: who, what, why, and its Message-ID.",
        data: .object(
            [
                "messageId": .string(), "reason": .string(), "kind": .string(),
                "to": .array(of: .string(), minItems: 1),
                "subject": .string(), "serverReply": .string(), "attempts": .integer(minimum: 1),
                "transport": .oneOf(["smtp", "directory"]),
            ]))

    public static let emailFailed = EventType(
        "email.failed", summary: "An email given up: refused (5xx) or undeliverable for too long, with the reason.",
        data: .object(
            [
                "messageId": .string(), "reason": .string(), "kind": .string(),
                "to": .array(of: .string(), minItems: 1),
                "subject": .string(), "error": .string(), "code": .integer(minimum: 0),
                "attempts": .integer(minimum: 1),
            ]))

    public static let digestItem = EventType(
        "digest.item",
        summary: "A failed transaction for its merchant's daily digest; accountId is the merchant id.",
        data: .object(
            [
                "account": .string("the customer's account"), "customerName": .string(), "failedOn": .date(),
                "amount": .amount(), "currency": .currency(), "transactionType": .string(), "paymentId": .string(),
                "failedAt": .timestamp(),
            ]))

    public static let subscriptionRenewalUpcoming = EventType(
        "subscription.renewal-upcoming",
        summary:
            "The billing platform's next renewal of a subscription: what it will charge and when; one billed every "
            + "six months or less often gets the renewal notice card networks require (Mastercard: 3 to 7 days before).",
        data: .object(
            [
                "subscriptionId": .string(), "plan": .string("the plan's name, as the customer knows it"),
                "renewsOn": .date("the billing date of the renewal"), "amount": .amount(), "currency": .currency(),
                "intervalMonths": .integer("months between two billings (12: yearly)", minimum: 1, maximum: 120),
                "manageUrl": .string("where the customer manages or cancels the subscription"),
            ], optional: ["manageUrl"]))

    public static let all = [
        digestItem, profileUpdated, recipientsChangeRequested, paymentPending, emailRequested, emailSent, emailFailed,
        subscriptionRenewalUpcoming,
    ]
}
