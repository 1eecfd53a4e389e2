import Foundation
import RelanceDomain
import RelanceEvents
import RelanceMail
import RelanceRuntime

/// reminder-mailer: the overdue ladder, account status, and every email to customers and
/// vendors (docs/reminder-mailer.md). Decisions are made here, exactly once, and written to the
/// email outbox (`relance.emails`) in the same transaction; `MailDelivery` sends them.
public struct ReminderMailerWorker: Worker {
    public struct State: Codable, Sendable {
        public var ladder = OverdueLadder()
        public var recipients: [MailAddress] = []
        public var customerName: String?
        public var locale: String?
        /// Emails decided before the account had invoice recipients, waiting for them (nil when
        /// none; see `HeldEmail`).
        public var held: [HeldEmail]?
        /// What a first failure said about its payment (nil when none): the outcome of a retry,
        /// written by the gateway, knows neither the transaction type nor the customer's name,
        /// and the digest shows both. The latest `maxFailedPayments`, dropped when paid.
        public var failedPayments: [FailedPaymentFacts]?
    }

    /// A failed payment as its first failure described it.
    public struct FailedPaymentFacts: Codable, Sendable, Equatable {
        public var paymentID: String
        public var transactionType: String
        public var customerName: String?
    }

    static let maxFailedPayments = 100

    public var name = "reminder-mailer"
    public var inputTopics = [
        ProofEvents.invoicesTopic, PaymentEvents.paymentsTopic, PaymentEvents.notificationsTopic,
        ProofEvents.verdictsTopic, MailEvents.accountsTopic,
    ]
    public var outputTopics = [
        MailEvents.emailsTopic, MailEvents.emailLogTopic, ProofEvents.accountStatusTopic,
        PaymentEvents.commandResultsTopic, MailEvents.digestItemsTopic,
    ]
    public var eventTypes = [
        ProofEvents.invoiceIssued, PaymentEvents.paymentSucceeded, PaymentEvents.paymentFailed,
        PaymentEvents.cardReplaced, MailEvents.paymentPending, PaymentEvents.notificationRequested,
        ProofEvents.proofVerdict, MailEvents.profileUpdated, MailEvents.recipientsChangeRequested,
    ]
    /// Only an owner changes the invoice recipients (000): the runtime checks the signed token.
    public var commandRoles: [String: Set<String>] {
        ["account.recipients-change-requested": [ActorRole.owner.rawValue]]
    }
    public var policy: LadderPolicy
    /// Merchant id → who writes; `fallbackMerchant` for any other.
    public var merchants: [String: MerchantProfile]
    public var fallbackMerchant: MerchantProfile
    /// The domain part of Message-IDs.
    public var messageIDDomain: String
    /// How long an email decided before the account had invoice recipients waits for them
    /// (clock time) before it is given up (`RELANCE_RECIPIENTS_WAIT_HOURS`).
    public var recipientsWait: TimeInterval

    /// A day: recipients are published with the account and normally follow within seconds; a
    /// day covers an upstream delay or an owner adding them the next morning, as an email the
    /// server cannot take is given up after a day (`RELANCE_MAIL_GIVE_UP_HOURS`), and it is well
    /// under the five days between the closest ladder steps.
    public static let defaultRecipientsWait: TimeInterval = 24 * 3600

    public init(
        policy: LadderPolicy = .default, merchants: [String: MerchantProfile] = [:],
        fallbackMerchant: MerchantProfile = MerchantProfile(
            name: "Relance", fromAddress: "billing@relance.localhost", contactEmail: "support@relance.localhost",
            paymentURL: "https://billing.relance.localhost/accounts/{account}/payment-method"),
        messageIDDomain: String = "relance.localhost", recipientsWait: TimeInterval = Self.defaultRecipientsWait
    ) {
        self.policy = policy
        self.merchants = merchants
        self.fallbackMerchant = fallbackMerchant
        self.messageIDDomain = messageIDDomain
        self.recipientsWait = recipientsWait
    }

    static let ladderTimer = "ladder"

    public func handle(_ event: Event<EventEnvelope>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        let event = event.envelope
        var account = state ?? State()
        defer { state = account }
        let data = event.data
        func text(_ field: String) -> String? { data[field]?.stringValue }
        let now = Timestamp.milliseconds(context.now)
        switch event.type {
        case "invoice.issued":
            account.ladder.issued(
                DueInvoice(
                    id: text("invoiceId")!, number: text("number")!, amount: data["amount"]!.integerValue!,
                    currency: text("currency")!, dueOn: text("dueOn") ?? text("issuedOn")!))
        case "payment.succeeded":
            if let paymentID = text("paymentId") {
                account.failedPayments?.removeAll { $0.paymentID == paymentID }
                if account.failedPayments?.isEmpty == true { account.failedPayments = nil }
            }
            account.ladder.paid(
                invoiceID: text("invoiceId")!, amount: data["amount"]!.integerValue!, paymentID: text("paymentId"))
        case "payment.pending":
            // With a chargeRequestId: a charge payment-retry requested, which pauses the invoice's
            // ladder until its outcome (written on this topic after this event).
            account.ladder.paymentPending(
                paymentID: text("paymentId")!, invoiceID: text("invoiceId")!, now: now, policy: policy,
                chargeRequestID: text("chargeRequestId"))
        case "payment.failed":
            let paymentID = text("paymentId") ?? ""  // required by the schema
            account.ladder.paymentFailed(paymentID: paymentID)
            let known = account.failedPayments?.last { $0.paymentID == paymentID }
            var type = text("transactionType") ?? ""
            var name = text("customerName")
            if text("chargeRequestId") != nil, let known {
                // A retry's outcome: the gateway wrote `payment`; the first failure said what it is.
                type = known.transactionType
                name = name ?? known.customerName
            } else if known == nil {
                var facts = account.failedPayments ?? []
                facts.append(FailedPaymentFacts(paymentID: paymentID, transactionType: type, customerName: name))
                if facts.count > Self.maxFailedPayments { facts.removeFirst(facts.count - Self.maxFailedPayments) }
                account.failedPayments = facts
            }
            // For the merchant's daily digest: regrouped by merchant, on its own topic.
            context.emit(
                "digest.item", to: MailEvents.digestItemsTopic,
                data: .object([
                    "account": .string(context.accountID),
                    "customerName": .string(name ?? account.customerName ?? context.accountID),
                    "failedOn": .string(String(Timestamp.format(context.now).prefix(10))),
                    "amount": data["amount"]!, "currency": data["currency"]!,
                    "transactionType": .string(type), "paymentId": .string(paymentID),
                    "failedAt": .string(Timestamp.format(context.now)),
                ]), accountID: event.merchantID, key: event.merchantID)
        case "proof.verdict":
            guard text("verdict") == "accepted", case .array(let matches)? = data["matches"] else { break }
            for match in matches {
                account.ladder.paid(
                    invoiceID: match["invoiceId"]!.stringValue!, amount: match["amount"]!.integerValue!, paymentID: nil)
            }
        case "notification.requested":
            notify(event, account: &account, context: &context)
        case "account.profile-updated":
            if let name = text("customerName") { account.customerName = name }
            if let locale = text("locale") { account.locale = locale }
        case "account.recipients-change-requested":
            // The actor comes from the command's verified token (checked by the runtime).
            guard let actor = context.actor, actor.roles.contains(ActorRole.owner.rawValue) else {
                throw WorkerRejection(CommandAuthFailure.forbidden, "only an owner may change the invoice recipients")
            }
            guard case .array(let items)? = data["recipients"] else { return }
            let recipients = items.map { MailAddress($0["email"]!.stringValue!, name: $0["name"]?.stringValue) }
            if let bad = recipients.first(where: { !$0.isValid }) {
                throw WorkerRejection("invalid_recipient", "\"\(bad.address)\" is not an email address")
            }
            account.recipients = recipients
            // Emails decided while the account had none go to them now.
            let locale = account.locale
            let customerName = account.customerName
            let ladder = account.ladder
            let now = Timestamp.milliseconds(context.now)
            Outbox.release(
                &account.held, to: recipients, context: &context,
                applies: { email in
                    // An overdue notice's reason is overdue/<account>/<episode invoice>/step-<n>.
                    guard email.kind.hasPrefix("overdue_step_") else { return true }
                    let parts = email.reason.split(separator: "/")
                    guard parts.count == 4 else { return true }
                    return ladder.noticeApplies(episode: String(parts[2]), now: now)
                },
                senderOf: { sender(merchantID: $0.merchantID, locale: locale, customerName: customerName) })
        default:
            return  // card.replaced: payment-retry's concern
        }
        ladder(&account, context: &context)
    }

    public func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {
        guard var account = state else { return }
        defer { state = account }
        let locale = account.locale
        let customerName = account.customerName
        let wasHold = Outbox.expire(timer, &account.held, context: &context) {
            sender(merchantID: $0.merchantID, locale: locale, customerName: customerName)
        }
        if !wasHold { ladder(&account, context: &context) }
    }

    /// Brings the ladder up to now, writes what it decided, and sets the timer for what is next.
    func ladder(_ account: inout State, context: inout WorkerContext) {
        let now = Timestamp.milliseconds(context.now)
        for effect in account.ladder.advance(now: now, policy: policy) {
            switch effect {
            case .status(let standing, let reason):
                context.emit(
                    "account.status", to: ProofEvents.accountStatusTopic,
                    data: .object(["status": .string(standing.rawValue), "reason": .string(reason)]))
            case .reactivated:
                context.emit(
                    "account.status", to: ProofEvents.accountStatusTopic,
                    data: .object(["status": .string("reactivated"), "reason": .string("nothing overdue")]))
                send(
                    .reactivated, kind: "reactivated",
                    reason: "reactivated/\(context.accountID)/\(context.causeID)", to: nil, account: &account,
                    context: &context)
            case .step(let step, let episode, let invoices):
                let lines = invoices.map {
                    MailInvoice(number: $0.number, dueOn: $0.dueOn, amount: $0.remaining, currency: $0.currency)
                }
                send(
                    .overdue(step: step, invoices: lines, daysToTermination: policy.daysToTermination(step: step)),
                    kind: "overdue_step_\(step)", reason: "overdue/\(context.accountID)/\(episode)/step-\(step)",
                    to: nil, account: &account, context: &context)
            }
        }
        if let next = account.ladder.nextMoment(now: now, policy: policy) {
            context.schedule(Self.ladderTimer, at: Timestamp.date(milliseconds: next))
        } else {
            context.cancelTimer(Self.ladderTimer)
        }
    }

    func notify(_ event: EventEnvelope, account: inout State, context: inout WorkerContext) {
        let data = event.data
        func text(_ field: String) -> String { data[field]?.stringValue ?? "" }
        let merchant = merchants[event.merchantID] ?? fallbackMerchant
        let kind = text("kind")
        let subject: MailSubject
        var recipients: [MailAddress]?  // nil: the account's invoice recipients
        var vendor = false
        let amount = data["amount"]?.integerValue ?? 0
        // The cause is the code, said in the reader's language; never `reason` (English).
        let failure = data["declineCode"]?.stringValue.map {
            PaymentFailure(
                declineCode: $0, declineScheme: data["declineScheme"]?.stringValue ?? "stripe",
                paymentMethod: data["paymentMethod"]?.stringValue, nextAttemptAt: data["nextAttemptAt"]?.stringValue)
        }
        switch kind {
        case "retries_exhausted":
            subject = .retriesExhausted(
                customer: data["customerName"]?.stringValue ?? account.customerName ?? context.accountID,
                invoice: text("invoiceId"), amount: amount, currency: text("currency"), reason: text("reason"),
                failure: failure)
            recipients = [MailAddress(merchant.contactEmail, name: merchant.name)]
            vendor = true
        case "card_expiring":
            subject = .cardExpiring(
                brand: text("brand"), last4: text("last4"), month: Int(data["expMonth"]?.integerValue ?? 0),
                year: Int(data["expYear"]?.integerValue ?? 0))
        case "recharge_failed":
            subject = .rechargeFailed(amount: amount, currency: text("currency"), failure: failure)
        case "card_not_accepted":
            var accepted: [String] = []
            if case .array(let brands)? = data["acceptedBrands"] { accepted = brands.compactMap(\.stringValue) }
            subject = .cardNotAccepted(
                brand: text("brand"), accepted: accepted, amount: amount, currency: text("currency"))
        case "price_update":
            subject = .priceUpdate(
                plan: text("planId"), currentAmount: data["currentAmount"]?.integerValue,
                newAmount: data["newAmount"]?.integerValue ?? 0, currency: text("currency"),
                effectiveFrom: text("effectiveFrom"), confirmBy: text("confirmBy"))
        default:
            subject = .paymentFailed(
                invoice: text("invoiceId"), amount: amount, currency: text("currency"), reason: text("reason"),
                failure: failure)
        }
        // A card reminder's reason names the card and its expiry: once per card and expiry date.
        var reason = "\(kind)/\(context.accountID)/\(event.eventID)"
        if kind == "card_expiring", let card = data["cardId"]?.stringValue {
            let year = data["expYear"]?.integerValue ?? 0
            let month = data["expMonth"]?.integerValue ?? 0
            reason = "\(kind)/\(context.accountID)/\(card)/\(year)-\(month < 10 ? "0" : "")\(month)"
        }
        send(
            subject, kind: kind, reason: reason, to: recipients, account: &account, context: &context,
            merchantID: event.merchantID, input: context.holdInput(), vendor: vendor)
    }

    /// Renders the email and puts it in the outbox, to `recipients` or (nil) the account's invoice
    /// recipients; while the account has none, the email waits for them (`Outbox.deliver`).
    /// `input`: the record that asked for the email, dead-lettered if it is given up; `vendor`:
    /// the email goes to the merchant.
    func send(
        _ subject: MailSubject, kind: String, reason: String, to recipients: [MailAddress]?, account: inout State,
        context: inout WorkerContext, merchantID: String? = nil, input: HeldInput? = nil, vendor: Bool = false
    ) {
        let merchantID = merchantID ?? context.merchantID
        // To the vendor: in the merchant's language (nil: the merchant's), greeting nobody by the
        // customer's name.
        let locale = vendor ? nil : account.locale
        let customerName = vendor ? nil : account.customerName
        let to = recipients ?? account.recipients
        Outbox.deliver(
            subject, kind: kind, reason: reason, to: to,
            sender: sender(merchantID: merchantID, locale: locale, customerName: customerName), merchantID: merchantID,
            held: &account.held, wait: recipientsWait, input: input, context: &context
        ) { sender(merchantID: $0.merchantID, locale: locale, customerName: customerName) }
    }

    /// Who an email of this merchant is from, in the account's language.
    func sender(merchantID: String, locale: String?, customerName: String?) -> Outbox.Sender {
        let merchant = merchants[merchantID] ?? fallbackMerchant
        return Outbox.Sender(
            merchant: merchant, locale: locale.map { MailLocale(tag: $0) } ?? merchant.locale,
            customerName: customerName, domain: messageIDDomain)
    }
}
