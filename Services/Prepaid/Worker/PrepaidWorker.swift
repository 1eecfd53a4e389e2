import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime

/// prepaid: each account's prepaid balance and its automatic recharge (docs/prepaid.md). The
/// rules are `PrepaidAccount` in the domain module.
public struct PrepaidWorker: Worker {
    public typealias State = PrepaidAccount

    public var name = "prepaid"
    public var inputTopics = [
        PrepaidEvents.prepaidTopic, PaymentEvents.paymentsTopic, ReconciliationEvents.ledgerTopic,
    ]
    public var outputTopics = [
        PaymentEvents.chargeRequestsTopic, ProofEvents.invoicesTopic, PaymentEvents.notificationsTopic,
        PrepaidEvents.balancesTopic, PaymentEvents.commandResultsTopic,
    ]
    public var policy: TopUpPolicy
    /// The card brands each merchant accepts (seed 002's four by default).
    public var cardBrands: AcceptedCardBrands

    public init(policy: TopUpPolicy = TopUpPolicy(), cardBrands: AcceptedCardBrands = AcceptedCardBrands()) {
        self.policy = policy
        self.cardBrands = cardBrands
    }

    static let monthEndTimer = "month-end"

    public func handle(_ event: Event<PrepaidInput>, state: inout PrepaidAccount?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        var account = state ?? PrepaidAccount()
        func sameCurrency(_ given: String) throws(WorkerRejection) {
            if let currency = account.currency, given != currency {
                throw WorkerRejection(
                    "currency_mismatch", "the account's credit is in \(currency); \(event.type) is in \(given)")
            }
        }
        func deduct(_ amount: Int64, currency: String) throws(WorkerRejection) -> [PrepaidEffect] {
            guard account.currency != nil else {
                throw WorkerRejection(
                    "not_prepaid", "\(event.type) for an account without prepaid settings: nothing to deduct it from")
            }
            try sameCurrency(currency)
            return account.deduct(amount, policy: policy)
        }
        /// The charge request id without the account's prefix, when it is one of this worker's
        /// own charges (the prefix names the account).
        func ownCharge(_ chargeRequestID: String?) -> String? {
            let prefix = "\(context.accountID):"
            guard let id = chargeRequestID, id.hasPrefix(prefix) else { return nil }
            return String(id.dropFirst(prefix.count))
        }
        var effects: [PrepaidEffect]
        var decline: PrepaidWorker.Decline?
        switch event.data {
        case .settingsUpdated(let settings):
            try sameCurrency(settings.currency)
            effects = account.configure(
                RechargeSettings(
                    automatic: settings.automaticRecharge, threshold: settings.threshold ?? 0,
                    amount: settings.rechargeAmount ?? 0, monthly: settings.monthlyRecharge),
                currency: settings.currency, policy: policy)
            if account.settings.automatic && account.settings.monthly != nil {
                context.schedule(Self.monthEndTimer, at: Self.nextMonthEnd(after: context.now))
            } else {
                context.cancelTimer(Self.monthEndTimer)
            }
        case .usageRecorded(let usage):
            effects = try deduct(usage.amount, currency: usage.currency)
        case .feeCharged(let fee):
            effects = try deduct(fee.amount, currency: fee.currency)
        case .topUpRequested(let topUp):
            effects = account.requestTopUp(topUp.amount, method: topUp.method, currency: topUp.currency, policy: policy)
        case .paymentSucceeded(let paid):
            // Only the outcomes of this worker's own charges.
            guard let id = ownCharge(paid.chargeRequestId) else { return }
            effects = account.charged(chargeRequestID: id, succeeded: true, reason: "declined", policy: policy)
        case .paymentFailed(let failed):
            guard let id = ownCharge(failed.chargeRequestId) else { return }
            decline = Decline(code: failed.declineCode, scheme: failed.declineScheme)
            effects = account.charged(
                chargeRequestID: id, succeeded: false, reason: failed.declineCode, policy: policy)
        case .cardReplaced(let card):
            effects = account.cardReplaced(brand: CardBrand(card.brand))
        case .paymentReceived(let received):
            // A transfer paying a top-up invoice (named "<account>-topup-<n>" when issued).
            let prefix = "\(context.accountID)-"
            guard let invoice = received.invoiceId, invoice.hasPrefix(prefix) else { return }
            effects = account.transferReceived(
                invoiceID: String(invoice.dropFirst(prefix.count)), amount: received.amount)
        case .paymentPending, .creditNoteIssued, .refundIssued, .invoiceScheduleCovered:
            return  // other workers' concern
        }
        let accepted = cardBrands.brands(for: event.merchantID)
        effects = account.onlyAcceptedCards(effects, accepted: accepted)
        state = account
        apply(effects, account: account, accepted: accepted, decline: decline, context: &context)
    }

    /// A declined charge's code, for the customer's email in their language.
    struct Decline {
        var code: String
        var scheme: DeclineCodeScheme
    }

    public func timerFired(_ timer: DueTimer, state: inout PrepaidAccount?, context: inout WorkerContext) {
        guard var account = state else { return }
        let accepted = cardBrands.brands(for: context.merchantID)
        let effects = account.onlyAcceptedCards(account.monthEnded(policy: policy), accepted: accepted)
        state = account
        if account.settings.automatic && account.settings.monthly != nil {
            context.schedule(Self.monthEndTimer, at: Self.nextMonthEnd(after: context.now))
        }
        apply(effects, account: account, accepted: accepted, decline: nil, context: &context)
    }

    static let utc = TimeZone.gmt

    /// The start of the last day of the month (UTC) after `now`: "at the end of each month".
    static func nextMonthEnd(after now: Date) -> Date {
        let month = YearMonth.of(now, in: utc)
        let thisEnd = month.next.start(in: utc).addingTimeInterval(-86_400)
        return thisEnd > now ? thisEnd : month.next.next.start(in: utc).addingTimeInterval(-86_400)
    }

    func apply(
        _ effects: [PrepaidEffect], account: PrepaidAccount, accepted: [CardBrand], decline: Decline?,
        context: inout WorkerContext
    ) {
        let currency = account.currency ?? "AUD"
        let today = String(Timestamp.format(context.now).prefix(10))
        for effect in effects {
            switch effect {
            case .invoice(let topUp):
                // Due in `transferDueDays` either way: a card charge settles in seconds, and a
                // failed one leaves the customer time to update the card before the invoice is late.
                let due = Self.day(context.now, plus: policy.transferDueDays)
                context.emit(
                    InvoiceIssued(
                        invoiceId: "\(context.accountID)-\(topUp.invoiceID)",
                        number: "CREDIT-\(context.accountID)-\(topUp.number)", amount: topUp.amount, currency: currency,
                        issuedOn: today, dueOn: due), to: ProofEvents.invoicesTopic)
            case .charge(let topUp):
                context.emit(
                    ChargeRequested(
                        chargeRequestId: "\(context.accountID):\(topUp.chargeRequestID)",
                        paymentId: "\(context.accountID)-\(topUp.invoiceID)",
                        invoiceId: "\(context.accountID)-\(topUp.invoiceID)", amount: topUp.amount, currency: currency,
                        paymentMethod: .card, attempt: Int64(topUp.attempt), cause: .recharge),
                    to: PaymentEvents.chargeRequestsTopic)
            case .rechargeFailed(let topUp, _):
                // The code, not words: reminder-mailer says the cause in the customer's language.
                context.emit(
                    NotificationRequested(
                        kind: .rechargeFailed, audience: .customer,
                        paymentId: "\(context.accountID)-\(topUp.invoiceID)",
                        invoiceId: "\(context.accountID)-\(topUp.invoiceID)", amount: topUp.amount, currency: currency,
                        declineCode: decline?.code, declineScheme: decline?.scheme, paymentMethod: .card),
                    to: PaymentEvents.notificationsTopic)
            case .cardNotAccepted(let topUp, let brand):
                context.emit(
                    NotificationRequested(
                        kind: .cardNotAccepted, audience: .customer,
                        paymentId: "\(context.accountID)-\(topUp.invoiceID)",
                        invoiceId: "\(context.accountID)-\(topUp.invoiceID)", amount: topUp.amount, currency: currency,
                        brand: brand.name, acceptedBrands: accepted.map(\.name)), to: PaymentEvents.notificationsTopic)
            case .balance:
                break  // published below, once, with every effect
            case .refused(let reason):
                context.emit(
                    CommandRefused(command: "topup", actor: context.accountID, reason: reason),
                    to: PaymentEvents.commandResultsTopic)
            }
        }
        if !effects.isEmpty {
            context.emit(
                BalanceUpdated(
                    balance: account.balance, currency: currency, automaticRecharge: account.settings.automatic,
                    recharging: account.charging != nil, waitingForCard: account.failed != nil),
                to: PrepaidEvents.balancesTopic)
        }
    }

    static func day(_ date: Date, plus days: Int) -> String {
        String(Timestamp.format(date.addingTimeInterval(Double(days) * 86_400)).prefix(10))
    }
}

/// The events prepaid reads, decoded.
public enum PrepaidInput: WorkerInput {
    case settingsUpdated(PrepaidSettingsUpdated)
    case usageRecorded(UsageRecorded)
    case feeCharged(FeeCharged)
    case topUpRequested(TopupRequested)
    case paymentSucceeded(PaymentSucceeded)
    case paymentFailed(PaymentFailed)
    case cardReplaced(CardReplaced)
    case paymentReceived(PaymentReceived)
    /// On the topics read beside what prepaid acts on; not acted on.
    case paymentPending(PaymentPending)
    case creditNoteIssued(CreditNoteIssued)
    case refundIssued(RefundIssued)
    case invoiceScheduleCovered(InvoiceScheduleCovered)

    public static var eventTypes: [EventType] {
        [
            PrepaidEvents.settingsUpdated, PrepaidEvents.usageRecorded, PrepaidEvents.feeCharged,
            PrepaidEvents.topUpRequested, PaymentEvents.paymentSucceeded, PaymentEvents.paymentFailed,
            PaymentEvents.cardReplaced, MailEvents.paymentPending, ReconciliationEvents.creditNoteIssued,
            ReconciliationEvents.refundIssued, ReconciliationEvents.paymentReceived,
            ReconciliationEvents.invoiceScheduled,
        ]
    }

    public init(_ event: EventEnvelope) throws(EventDataError) {
        switch event.type {
        case "usage.recorded": self = .usageRecorded(try event.decode())
        case "fee.charged": self = .feeCharged(try event.decode())
        case "prepaid.settings-updated": self = .settingsUpdated(try event.decode())
        case "topup.requested": self = .topUpRequested(try event.decode())
        case "payment.succeeded": self = .paymentSucceeded(try event.decode())
        case "payment.failed": self = .paymentFailed(try event.decode())
        case "card.replaced": self = .cardReplaced(try event.decode())
        case "payment.received": self = .paymentReceived(try event.decode())
        case "payment.pending": self = .paymentPending(try event.decode())
        case "credit-note.issued": self = .creditNoteIssued(try event.decode())
        case "refund.issued": self = .refundIssued(try event.decode())
        case "invoice.schedule-covered": self = .invoiceScheduleCovered(try event.decode())
        default: throw EventDataError(path: "type", problem: "\(event.type) is not an event prepaid reads")
        }
    }
}
