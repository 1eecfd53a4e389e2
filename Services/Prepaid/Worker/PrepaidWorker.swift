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
    public var eventTypes = [
        PrepaidEvents.settingsUpdated, PrepaidEvents.usageRecorded, PrepaidEvents.feeCharged,
        PrepaidEvents.topUpRequested, PaymentEvents.paymentSucceeded, PaymentEvents.paymentFailed,
        PaymentEvents.cardReplaced, MailEvents.paymentPending, ReconciliationEvents.creditNoteIssued,
        ReconciliationEvents.refundIssued, ReconciliationEvents.paymentReceived, ReconciliationEvents.invoiceScheduled,
    ]
    public var policy: TopUpPolicy
    /// The card brands each merchant accepts (seed 002's four by default).
    public var cardBrands: AcceptedCardBrands

    public init(policy: TopUpPolicy = TopUpPolicy(), cardBrands: AcceptedCardBrands = AcceptedCardBrands()) {
        self.policy = policy
        self.cardBrands = cardBrands
    }

    static let monthEndTimer = "month-end"

    public func handle(_ event: Event<EventEnvelope>, state: inout PrepaidAccount?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        let event = event.envelope
        var account = state ?? PrepaidAccount()
        let data = event.data
        func text(_ field: String) -> String? { data[field]?.stringValue }
        func amount(_ field: String = "amount") -> Int64 { data[field]?.integerValue ?? 0 }
        func sameCurrency() throws(WorkerRejection) {
            if let currency = account.currency, let given = text("currency"), given != currency {
                throw WorkerRejection(
                    "currency_mismatch", "the account's credit is in \(currency); \(event.type) is in \(given)")
            }
        }
        var effects: [PrepaidEffect]
        var decline: PrepaidWorker.Decline?
        switch event.type {
        case "prepaid.settings-updated":
            try sameCurrency()
            effects = account.configure(
                RechargeSettings(
                    automatic: data["automaticRecharge"] == .bool(true), threshold: amount("threshold"),
                    amount: amount("rechargeAmount"), monthly: data["monthlyRecharge"]?.integerValue),
                currency: text("currency")!, policy: policy)
            if account.settings.automatic && account.settings.monthly != nil {
                context.schedule(Self.monthEndTimer, at: Self.nextMonthEnd(after: context.now))
            } else {
                context.cancelTimer(Self.monthEndTimer)
            }
        case "usage.recorded", "fee.charged":
            guard account.currency != nil else {
                throw WorkerRejection(
                    "not_prepaid", "\(event.type) for an account without prepaid settings: nothing to deduct it from")
            }
            try sameCurrency()
            effects = account.deduct(amount(), policy: policy)
        case "topup.requested":
            effects = account.requestTopUp(
                amount(), method: TopUpMethod(rawValue: text("method")!)!, currency: text("currency")!, policy: policy)
        case "payment.succeeded", "payment.failed":
            // Only the outcomes of this worker's own charges (the prefix names the account).
            let prefix = "\(context.accountID):"
            guard let id = text("chargeRequestId"), id.hasPrefix(prefix) else { return }
            if let code = text("declineCode") {
                decline = Decline(code: code, scheme: text("declineScheme") ?? "stripe")
            }
            effects = account.charged(
                chargeRequestID: String(id.dropFirst(prefix.count)), succeeded: event.type == "payment.succeeded",
                reason: text("declineCode") ?? "declined", policy: policy)
        case "card.replaced":
            effects = account.cardReplaced(brand: text("brand").map(CardBrand.init))
        case "payment.received":
            // A transfer paying a top-up invoice (named "<account>-topup-<n>" when issued).
            let prefix = "\(context.accountID)-"
            guard let invoice = text("invoiceId"), invoice.hasPrefix(prefix) else { return }
            effects = account.transferReceived(invoiceID: String(invoice.dropFirst(prefix.count)), amount: amount())
        default:
            return  // payment.pending, credit notes, refunds, schedules: other workers' concern
        }
        let accepted = cardBrands.brands(for: event.merchantID)
        effects = account.onlyAcceptedCards(effects, accepted: accepted)
        state = account
        apply(effects, account: account, accepted: accepted, decline: decline, context: &context)
    }

    /// A declined charge's code, for the customer's email in their language.
    struct Decline {
        var code: String
        var scheme: String
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
                    "invoice.issued", to: ProofEvents.invoicesTopic,
                    data: .object([
                        "invoiceId": .string("\(context.accountID)-\(topUp.invoiceID)"),
                        "number": .string("CREDIT-\(context.accountID)-\(topUp.number)"),
                        "amount": .integer(topUp.amount), "currency": .string(currency), "issuedOn": .string(today),
                        "dueOn": .string(due),
                    ]))
            case .charge(let topUp):
                context.emit(
                    "charge.requested", to: PaymentEvents.chargeRequestsTopic,
                    data: .object([
                        "chargeRequestId": .string("\(context.accountID):\(topUp.chargeRequestID)"),
                        "paymentId": .string("\(context.accountID)-\(topUp.invoiceID)"),
                        "invoiceId": .string("\(context.accountID)-\(topUp.invoiceID)"),
                        "amount": .integer(topUp.amount), "currency": .string(currency),
                        "paymentMethod": .string("card"), "attempt": .integer(Int64(topUp.attempt)),
                        "cause": .string("recharge"),
                    ]))
            case .rechargeFailed(let topUp, _):
                // The code, not words: reminder-mailer says the cause in the customer's language.
                var members: [(key: String, value: JSONValue)] = [
                    ("kind", .string("recharge_failed")), ("audience", .string("customer")),
                    ("paymentId", .string("\(context.accountID)-\(topUp.invoiceID)")),
                    ("invoiceId", .string("\(context.accountID)-\(topUp.invoiceID)")),
                    ("amount", .integer(topUp.amount)), ("currency", .string(currency)),
                    ("paymentMethod", .string("card")),
                ]
                if let decline {
                    members += [("declineCode", .string(decline.code)), ("declineScheme", .string(decline.scheme))]
                }
                context.emit("notification.requested", to: PaymentEvents.notificationsTopic, data: .object(members))
            case .cardNotAccepted(let topUp, let brand):
                context.emit(
                    "notification.requested", to: PaymentEvents.notificationsTopic,
                    data: .object([
                        ("kind", .string("card_not_accepted")), ("audience", .string("customer")),
                        ("paymentId", .string("\(context.accountID)-\(topUp.invoiceID)")),
                        ("invoiceId", .string("\(context.accountID)-\(topUp.invoiceID)")),
                        ("amount", .integer(topUp.amount)), ("currency", .string(currency)),
                        ("brand", .string(brand.name)), ("acceptedBrands", .array(accepted.map { .string($0.name) })),
                    ]))
            case .balance:
                break  // published below, once, with every effect
            case .refused(let reason):
                context.emit(
                    "command.refused", to: PaymentEvents.commandResultsTopic,
                    data: .object([
                        "command": .string("topup"), "actor": .string(context.accountID), "reason": .string(reason),
                    ]))
            }
        }
        if !effects.isEmpty {
            context.emit(
                "balance.updated", to: PrepaidEvents.balancesTopic,
                data: .object([
                    "balance": .integer(account.balance), "currency": .string(currency),
                    "automaticRecharge": .bool(account.settings.automatic),
                    "recharging": .bool(account.charging != nil),
                    "waitingForCard": .bool(account.failed != nil),
                ]))
        }
    }

    static func day(_ date: Date, plus days: Int) -> String {
        String(Timestamp.format(date.addingTimeInterval(Double(days) * 86_400)).prefix(10))
    }
}
