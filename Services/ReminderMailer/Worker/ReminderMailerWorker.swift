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
        ProofEvents.verdictsTopic, MailEvents.accountsTopic, PaymentEvents.dunningCommandsTopic,
        ReconciliationEvents.allocationsTopic,
    ]
    public var outputTopics = [
        MailEvents.emailsTopic, MailEvents.emailLogTopic, ProofEvents.accountStatusTopic,
        PaymentEvents.commandResultsTopic, MailEvents.digestItemsTopic, PaymentEvents.collectionsTopic,
        ProofEvents.invoicesTopic,
    ]
    /// Only an owner changes the invoice recipients (000); a dunning command's roles depend on
    /// the command (`requiredRoles`): the runtime checks the signed token.
    public var commandRoles: [String: Set<String>] {
        [
            "account.recipients-change-requested": [ActorRole.owner.rawValue],
            PaymentEvents.dunningCommand.name: DunningHold.everyCommandRoles,
        ]
    }

    /// A dunning command's roles: those of its command (`DunningHold.roles`); one that does not
    /// decode needs the roles that may give every command.
    public func requiredRoles(for event: EventEnvelope) -> Set<String>? {
        guard event.type == PaymentEvents.dunningCommand.name else { return commandRoles[event.type] }
        guard let command = try? event.decode(DunningCommand.self) else { return DunningHold.everyCommandRoles }
        return DunningHold.roles(for: command.command)
    }

    /// The ladder's days and the payment-in-flight bound (`RELANCE_LADDER_DAYS`,
    /// `RELANCE_PENDING_PAYMENT_DAYS`), under every merchant's dunning policy.
    public var policy: LadderPolicy
    /// Each merchant's final action, minimum overdue balance and pre-due reminders
    /// (`RELANCE_DUNNING_POLICIES`, over `policy`).
    public var dunning = DunningPolicies()
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

    /// The ladder policy of `merchantID`: `policy` under its dunning policy.
    public func ladderPolicy(for merchantID: String) -> LadderPolicy {
        dunning.policy(for: merchantID, base: policy)
    }

    public func handle(_ event: Event<ReminderMailerInput>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        var account = state ?? State()
        defer { state = account }
        let now = Timestamp.milliseconds(context.now)
        switch event.data {
        case .invoiceIssued(let data):
            account.ladder.issued(
                DueInvoice(
                    id: data.invoiceId, number: data.number, amount: data.amount, currency: data.currency,
                    dueOn: data.dueOn ?? data.issuedOn))
        case .invoiceFeeAdded(let data):
            // A late fee on the invoices topic: this worker's own, read back (already in its
            // state: nothing changes), or another writer's, added once.
            do throws(LateFeeRefusal) {
                try account.ladder.feeRead(
                    LateFee(
                        id: data.feeId, kind: LateFee.Kind(data.kind), amount: data.amount, from: data.from,
                        to: data.to, annualRatePercent: data.annualRatePercent),
                    invoiceID: data.invoiceId, currency: data.currency)
            } catch {
                throw WorkerRejection(error.code, error.message)
            }
        case .paymentSucceeded(let data):
            account.failedPayments?.removeAll { $0.paymentID == data.paymentId }
            if account.failedPayments?.isEmpty == true { account.failedPayments = nil }
            account.ladder.paid(invoiceID: data.invoiceId, amount: data.amount, paymentID: data.paymentId)
        case .paymentPending(let data):
            // With a chargeRequestId: a charge payment-retry requested, which pauses the invoice's
            // ladder until its outcome (written on this topic after this event).
            account.ladder.paymentPending(
                paymentID: data.paymentId, invoiceID: data.invoiceId, now: now,
                policy: ladderPolicy(for: context.merchantID), chargeRequestID: data.chargeRequestId)
        case .paymentFailed(let data):
            let paymentID = data.paymentId
            account.ladder.paymentFailed(paymentID: paymentID)
            let known = account.failedPayments?.last { $0.paymentID == paymentID }
            var type = data.transactionType.rawValue
            var name = data.customerName
            if data.chargeRequestId != nil, let known {
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
                DigestItem(
                    account: context.accountID, customerName: name ?? account.customerName ?? context.accountID,
                    failedOn: String(Timestamp.format(context.now).prefix(10)), amount: data.amount,
                    currency: data.currency, transactionType: type, paymentId: paymentID, failedAt: context.now),
                to: MailEvents.digestItemsTopic, accountID: event.merchantID, key: event.merchantID)
        case .proofVerdict(let data):
            guard data.verdict == .accepted else { break }
            for match in data.matches {
                account.ladder.paid(invoiceID: match.invoiceId, amount: match.amount, paymentID: nil)
            }
        case .allocationMade(let data):
            // Reconciliation's word on what an invoice has received in all: a bank transfer or a
            // credit note it reconciled settles the invoice here too (no more notices, no fee).
            guard data.debitKind == .invoice, let amount = data.debitAmount, let open = data.debitOpen else {
                return
            }
            account.ladder.reconciledPaid(invoiceID: data.debitId, amount: amount - min(amount, open))
        case .notificationRequested(let data):
            notify(data, eventID: event.eventID, merchantID: event.merchantID, account: &account, context: &context)
        case .renewalUpcoming(let data):
            account.ladder.renewalAnnounced(
                UpcomingRenewal(
                    subscriptionID: data.subscriptionId, plan: data.plan, renewsOn: data.renewsOn, amount: data.amount,
                    currency: data.currency, intervalMonths: Int(data.intervalMonths), manageURL: data.manageUrl))
        case .profileUpdated(let data):
            if let name = data.customerName { account.customerName = name }
            if let locale = data.locale { account.locale = locale }
        case .recipientsChangeRequested(let data):
            // The actor comes from the command's verified token (checked by the runtime).
            guard let actor = context.actor, actor.roles.contains(ActorRole.owner.rawValue) else {
                throw WorkerRejection(CommandAuthFailure.forbidden, "only an owner may change the invoice recipients")
            }
            let recipients = data.recipients.map { MailAddress($0.email, name: $0.name) }
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
                    // An overdue notice's reason is overdue/<account>/<episode>/step-<n>, a pre-due
                    // reminder's due_soon/<account>/<invoice>/<days>d: none once paid, a reminder
                    // none once due or while dunning is held either.
                    let parts = email.reason.split(separator: "/")
                    guard parts.count == 4 else { return true }
                    if email.kind == "due_soon" {
                        return ladder.reminderApplies(invoice: String(parts[2]), now: now)
                    }
                    // A renewal notice (renewal/<account>/<subscription>/<day>): none once the day has come.
                    if email.kind == "renewal_notice" {
                        return OverdueLadder.moment(String(parts[3]), plus: 0).map { now < $0 } ?? true
                    }
                    guard email.kind.hasPrefix("overdue_step_") else { return true }
                    return ladder.noticeApplies(episode: String(parts[2]), now: now)
                },
                senderOf: { sender(merchantID: $0.merchantID, locale: locale, customerName: customerName) })
        case .dunningCommand(let command):
            // The actor comes from the command's verified token; payment-retry applies the same rules.
            do throws(DunningCommandRefusal) {
                let hold = try DunningHold.applying(
                    command, occurredAt: Timestamp.milliseconds(event.occurredAt), roles: context.actor?.roles ?? [],
                    to: account.ladder.hold)
                account.ladder.setHold(hold, now: now)
            } catch {
                throw WorkerRejection(error.code, error.message)
            }
        case .cardReplaced:
            return  // payment-retry's concern
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
        let policy = ladderPolicy(for: context.merchantID)
        for effect in account.ladder.advance(now: now, policy: policy) {
            switch effect {
            case .status(let standing, let reason):
                context.emit(
                    AccountStatus(status: AccountStatus.Status(standing), reason: reason),
                    to: ProofEvents.accountStatusTopic)
            case .reactivated:
                context.emit(
                    AccountStatus(status: .reactivated, reason: "nothing overdue"), to: ProofEvents.accountStatusTopic)
                send(
                    .reactivated, kind: "reactivated",
                    reason: "reactivated/\(context.accountID)/\(context.causeID)", to: nil, account: &account,
                    context: &context)
            case .dueSoon(let invoice, let days, let daysLeft):
                let line = MailInvoice(
                    number: invoice.number, dueOn: invoice.dueOn, amount: invoice.remaining, currency: invoice.currency)
                // The email says the days really left; the reason keeps the policy's day (once each).
                send(
                    .dueSoon(invoice: line, days: daysLeft), kind: "due_soon",
                    reason: "due_soon/\(context.accountID)/\(invoice.id)/\(days)d", to: nil, account: &account,
                    context: &context)
            case .step(let step, let episode, let invoices):
                let lines = invoices.map {
                    MailInvoice(
                        number: $0.number, dueOn: $0.dueOn, amount: $0.remaining, currency: $0.currency, fees: $0.fees)
                }
                send(
                    .overdue(
                        step: step, invoices: lines, daysToTermination: policy.daysToTermination(step: step),
                        finalAction: policy.finalAction),
                    kind: "overdue_step_\(step)", reason: "overdue/\(context.accountID)/\(episode)/step-\(step)",
                    to: nil, account: &account, context: &context)
            case .feeAdded(let invoice, let fee):
                // On the invoices topic, keyed by account: reconciliation adds it to what the
                // invoice owes; this worker reads it back and finds it already added.
                context.emit(
                    InvoiceFeeAdded(
                        invoiceId: invoice.id, feeId: fee.id, kind: InvoiceFeeAdded.Kind(fee.kind), amount: fee.amount,
                        currency: invoice.currency, from: fee.from, to: fee.to, annualRatePercent: fee.annualRatePercent
                    ),
                    to: ProofEvents.invoicesTopic)
            case .renewalNotice(let renewal, let daysLeft):
                send(
                    .renewalNotice(
                        plan: renewal.plan, renewsOn: renewal.renewsOn, daysLeft: daysLeft, amount: renewal.amount,
                        currency: renewal.currency, intervalMonths: renewal.intervalMonths,
                        manageURL: renewal.manageURL),
                    kind: "renewal_notice",
                    reason: "renewal/\(context.accountID)/\(renewal.subscriptionID)/\(renewal.renewsOn)", to: nil,
                    account: &account, context: &context)
            case .handOver(let invoices):
                // The final action hands the debt over: the collections partner reads each invoice
                // (no payment: the dunning's, not a failed payment's; once per invoice, in the ladder's state).
                for invoice in invoices {
                    context.emit(
                        CollectionsHandedOver(
                            paymentId: nil, invoiceId: invoice.id, amount: invoice.remaining,
                            currency: invoice.currency, dueOn: invoice.dueOn),
                        to: PaymentEvents.collectionsTopic)
                }
            }
        }
        if let next = account.ladder.nextMoment(now: now, policy: policy) {
            context.schedule(Self.ladderTimer, at: Timestamp.date(milliseconds: next))
        } else {
            context.cancelTimer(Self.ladderTimer)
        }
    }

    func notify(
        _ notification: NotificationRequested, eventID: String, merchantID: String, account: inout State,
        context: inout WorkerContext
    ) {
        let merchant = merchants[merchantID] ?? fallbackMerchant
        let kind = notification.kind
        let subject: MailSubject
        var recipients: [MailAddress]?  // nil: the account's invoice recipients
        var vendor = false
        let amount = notification.amount ?? 0
        let currency = notification.currency ?? ""
        // The cause is the code, said in the reader's language; never `reason` (English).
        let failure = notification.declineCode.map {
            PaymentFailure(
                declineCode: $0, declineScheme: notification.declineScheme?.rawValue ?? "stripe",
                paymentMethod: notification.paymentMethod?.rawValue,
                nextAttemptAt: notification.nextAttemptAt.map { Timestamp.format($0) })
        }
        switch kind {
        case .retriesExhausted:
            subject = .retriesExhausted(
                customer: notification.customerName ?? account.customerName ?? context.accountID,
                invoice: notification.invoiceId ?? "", amount: amount, currency: currency,
                reason: notification.reason ?? "", failure: failure)
            recipients = [MailAddress(merchant.contactEmail, name: merchant.name)]
            vendor = true
        case .cardExpiring:
            subject = .cardExpiring(
                brand: notification.brand ?? "", last4: notification.last4 ?? "",
                month: Int(notification.expMonth ?? 0), year: Int(notification.expYear ?? 0))
        case .rechargeFailed:
            subject = .rechargeFailed(amount: amount, currency: currency, failure: failure)
        case .cardNotAccepted:
            subject = .cardNotAccepted(
                brand: notification.brand ?? "", accepted: notification.acceptedBrands ?? [], amount: amount,
                currency: currency)
        case .priceUpdate:
            subject = .priceUpdate(
                plan: notification.planId ?? "", currentAmount: notification.currentAmount,
                newAmount: notification.newAmount ?? 0, currency: currency,
                effectiveFrom: notification.effectiveFrom ?? "",
                confirmBy: notification.confirmBy.map { Timestamp.format($0) } ?? "")
        case .paymentFailed:
            // A written-off account is no longer reminded of what it owes (docs/reminder-mailer.md).
            if account.ladder.standing == .writtenOff { return }
            subject = .paymentFailed(
                invoice: notification.invoiceId ?? "", amount: amount, currency: currency,
                reason: notification.reason ?? "", failure: failure)
        }
        // A card reminder's reason names the card and its expiry: once per card and expiry date.
        var reason = "\(kind.rawValue)/\(context.accountID)/\(eventID)"
        if kind == .cardExpiring, let card = notification.cardId {
            let year = notification.expYear ?? 0
            let month = notification.expMonth ?? 0
            reason = "\(kind.rawValue)/\(context.accountID)/\(card)/\(year)-\(month < 10 ? "0" : "")\(month)"
        }
        send(
            subject, kind: kind.rawValue, reason: reason, to: recipients, account: &account, context: &context,
            merchantID: merchantID, input: context.holdInput(), vendor: vendor)
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

/// The events reminder-mailer reads, decoded: invoices, payments and proofs for the ladder,
/// notifications to send, the account's profile, and the invoice recipients command.
public enum ReminderMailerInput: WorkerInput {
    case invoiceIssued(InvoiceIssued)
    case invoiceFeeAdded(InvoiceFeeAdded)
    case paymentSucceeded(PaymentSucceeded)
    case paymentFailed(PaymentFailed)
    case cardReplaced(CardReplaced)
    case paymentPending(PaymentPending)
    case notificationRequested(NotificationRequested)
    case proofVerdict(ProofVerdictData)
    case profileUpdated(AccountProfileUpdated)
    case recipientsChangeRequested(AccountRecipientsChangeRequested)
    case dunningCommand(DunningCommand)
    case allocationMade(AllocationMade)
    case renewalUpcoming(SubscriptionRenewalUpcoming)

    public static var eventTypes: [EventType] {
        [
            ProofEvents.invoiceIssued, ProofEvents.invoiceFeeAdded, PaymentEvents.paymentSucceeded,
            PaymentEvents.paymentFailed, PaymentEvents.cardReplaced, MailEvents.paymentPending,
            PaymentEvents.notificationRequested,
            ProofEvents.proofVerdict, MailEvents.profileUpdated, MailEvents.recipientsChangeRequested,
            PaymentEvents.dunningCommand, ReconciliationEvents.allocationMade, MailEvents.subscriptionRenewalUpcoming,
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
        case "notification.requested": self = .notificationRequested(try event.decode())
        case "proof.verdict": self = .proofVerdict(try event.decode())
        case "account.profile-updated": self = .profileUpdated(try event.decode())
        case "account.recipients-change-requested": self = .recipientsChangeRequested(try event.decode())
        case "dunning.command": self = .dunningCommand(try event.decode())
        case "allocation.made": self = .allocationMade(try event.decode())
        case "subscription.renewal-upcoming": self = .renewalUpcoming(try event.decode())
        default: throw EventDataError(path: "type", problem: "\"\(event.type)\" is not an event reminder-mailer reads")
        }
    }
}

extension LateFee.Kind {
    init(_ kind: InvoiceFeeAdded.Kind) {
        switch kind {
        case .flatIndemnity: self = .flatIndemnity
        case .lateInterest: self = .lateInterest
        }
    }
}

extension InvoiceFeeAdded.Kind {
    init(_ kind: LateFee.Kind) {
        switch kind {
        case .flatIndemnity: self = .flatIndemnity
        case .lateInterest: self = .lateInterest
        }
    }
}

extension AccountStatus.Status {
    init(_ standing: AccountStanding) {
        switch standing {
        case .active: self = .active
        case .pastDue: self = .pastDue
        case .suspended: self = .suspended
        case .terminated: self = .terminated
        case .cancelled: self = .cancelled
        case .inCollections: self = .inCollections
        case .writtenOff: self = .writtenOff
        }
    }
}
