import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime

/// payment-retry: decides when and how a failed payment is tried again (docs/payment-retry.md).
/// The rules are `PaymentRecovery` and `RetryPolicy` in the domain module; this type reads
/// events into them and writes their effects out.
public struct PaymentRetryWorker: Worker {
    public struct State: Codable, Sendable, StateJSONWritable {
        public var recovery = PaymentRecovery()
        public var prices = PriceUpdates()

        public init() {}

        /// The changelog's form without the generic encoder: what `Codable` writes.
        public func writeStateJSON(into out: inout JSONOutput) {
            out.beginObject()
            out.key(static: "recovery")
            recovery.writeStateJSON(into: &out)
            out.key(static: "prices")
            prices.writeStateJSON(into: &out)
            out.endObject()
        }
    }

    public var name = "payment-retry"
    public var inputTopics = [
        PaymentEvents.paymentsTopic, PaymentEvents.commandsTopic, PaymentEvents.dunningCommandsTopic,
        ProofEvents.accountStatusTopic,
    ]
    public var outputTopics: [String] {
        [
            PaymentEvents.chargeRequestsTopic, PaymentEvents.actionCentreTopic, PaymentEvents.notificationsTopic,
            PaymentEvents.collectionsTopic, PaymentEvents.commandResultsTopic, PaymentEvents.planUpdatesTopic,
            PaymentEvents.paymentsTopic,
        ] + (publishesOutcomes ? [RecoveryEvents.outcomesTopic] : [])
    }
    /// Copies each action-centre item that opens or gets an outcome to
    /// `relance.payment-outcomes`, keyed by account, for recovery-stats
    /// (RELANCE_PAYMENT_OUTCOMES, default on): a deployment without recovery-stats saves that
    /// record.
    public var publishesOutcomes = true
    public var policies: RetryPolicies
    /// The card networks' retry limits (RELANCE_CARD_NETWORK_RULES; docs/card-network-rules.md).
    public var networks: CardNetworkRules
    /// Commands need a signed token (docs/payment-retry.md, "Commands"): the runtime checks the
    /// role before `handle`; a vendor is the merchant's owner or admin.
    public var commandRoles: [String: Set<String>] {
        let vendor: Set = [ActorRole.owner.rawValue, ActorRole.admin.rawValue]
        return [
            "payment.command": Set(ActorRole.allCases.map(\.rawValue)), "plan.price-update-requested": vendor,
            "plan.price-update-confirmed": [PaymentEvents.billingPlatformRole],
            PaymentEvents.dunningCommand.name: DunningHold.everyCommandRoles,
        ]
    }

    /// A payment command's roles depend on the command: retry and dismiss for billing too. A
    /// command whose data does not decode (a dead letter once checked) needs the roles that
    /// may give every command.
    public func requiredRoles(for event: EventEnvelope) -> Set<String>? {
        if event.type == PaymentEvents.dunningCommand.name {
            // As reminder-mailer, which reads the same command: the roles of its command.
            guard let command = try? event.decode(DunningCommand.self) else { return DunningHold.everyCommandRoles }
            return DunningHold.roles(for: command.command)
        }
        guard event.type == PaymentEvents.paymentCommand.name else { return commandRoles[event.type] }
        let commands = (try? event.decode(PaymentCommand.self)).map { [$0.command] } ?? PaymentCommand.Command.allCases
        let roles = ActorRole.allCases.filter { role in commands.allSatisfy { role.may(Self.permission($0)) } }
        return Set(roles.map(\.rawValue))
    }

    /// The recovery command whose permission `command` needs (the payment method does not
    /// change who may change it).
    static func permission(_ command: PaymentCommand.Command) -> RecoveryCommand {
        switch command {
        case .retryNow: .retryNow
        case .dismiss: .dismiss(note: nil)
        case .changePaymentMethod: .changePaymentMethod(.card)
        case .renewPaymentPlan: .renewPaymentPlan
        case .handOverToCollections: .handOverToCollections
        }
    }

    /// The actor's role that may give `command` (the runtime checked there is one).
    static func role(of actor: CommandActor?, for command: RecoveryCommand) -> ActorRole? {
        ActorRole.allCases.first { actor?.roles.contains($0.rawValue) == true && $0.may(command) }
    }

    public init(policies: RetryPolicies = RetryPolicies(), networks: CardNetworkRules = .defaults) {
        self.policies = policies
        self.networks = networks
    }

    static func timerID(_ paymentID: String) -> String { "retry:\(paymentID)" }
    /// The end of a timed dunning pause.
    static let holdTimer = "dunning-resume"
    static func lapseTimerID(_ planID: String) -> String { "price-lapse:\(planID)" }

    public func handle(_ event: Event<PaymentRetryInput>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        // An account payment-retry knows nothing of: its status changes nothing, and no state is made.
        if case .accountStatus = event.data, state == nil { return }
        var whole = state ?? State()
        defer { state = whole }
        var recovery = whole.recovery
        let now = Timestamp.milliseconds(context.now)
        // What is scheduled from this event counts from when it happened, not when it was read.
        let occurredAt = Timestamp.milliseconds(event.occurredAt)
        let effects: [RecoveryEffect]
        switch event.data {
        case .paymentFailed(let failed):
            effects = recovery.paymentFailed(
                FailedPayment(failed), chargeRequestID: failed.chargeRequestId,
                policy: policies.policy(for: event.merchantID), now: now, occurredAt: occurredAt, networks: networks,
                merchantAdviceCode: failed.merchantAdviceCode)
        case .paymentSucceeded(let paid):
            let how = paid.chargeRequestId == nil ? "paid by other means" : "retry succeeded"
            effects = recovery.paymentSucceeded(
                paymentID: paid.paymentId, invoiceID: paid.invoiceId, how: how, chargeRequestID: paid.chargeRequestId,
                now: now, occurredAt: occurredAt)
        case .cardReplaced:
            effects = recovery.cardReplaced(now: now)
        case .paymentPending:
            return  // shares relance.payments (this worker's own, for each charge); reminder-mailer's concern
        case .paymentCommand(let given):
            let command = try RecoveryCommand(given)
            let actorID = context.actor?.id ?? ""
            guard let role = Self.role(of: context.actor, for: command) else {
                throw WorkerRejection(CommandAuthFailure.forbidden, "no role of the actor may \(command.name)")
            }
            var carried: [RecoveryEffect] = []
            for effect in recovery.command(
                command, paymentID: given.paymentId, role: role, now: now, networks: networks)
            {
                guard case .refused(let name, let reason) = effect else {
                    carried.append(effect)
                    continue
                }
                context.emit(
                    CommandRefused(command: name, paymentId: given.paymentId, actor: actorID, reason: reason),
                    to: PaymentEvents.commandResultsTopic)
            }
            effects = carried
        case .priceUpdateRequested(let requested):
            guard context.actor?.holdsAny(of: [ActorRole.owner.rawValue, ActorRole.admin.rawValue]) == true else {
                throw WorkerRejection(
                    CommandAuthFailure.forbidden, "only an owner or an admin may change a plan's price")
            }
            price(
                whole.prices.request(PriceUpdateRequest(requested), now: now, occurredAt: occurredAt),
                command: event.type, &context)
            return
        case .priceUpdateConfirmed(let confirmed):
            price(whole.prices.confirm(planID: confirmed.planId, now: now), command: event.type, &context)
            return
        case .dunningCommand(let command):
            // The same rules as reminder-mailer's, which reads the same command.
            let hold: DunningHold?
            do throws(DunningCommandRefusal) {
                hold = try DunningHold.applying(
                    command, occurredAt: occurredAt, roles: context.actor?.roles ?? [], to: recovery.hold)
            } catch {
                throw WorkerRejection(error.code, error.message)
            }
            effects = recovery.setHold(
                hold, now: now, policy: policies.policy(for: event.merchantID), networks: networks)
            if let until = recovery.hold?.pausedUntil, recovery.hold?.excluded == false {
                context.schedule(Self.holdTimer, at: Timestamp.date(milliseconds: until))
            } else {
                context.cancelTimer(Self.holdTimer)
            }
        case .accountStatus(let status):
            let standing: AccountStanding? =
                switch status.status {
                case .writtenOff: .writtenOff
                case .inCollections: .inCollections
                case .active, .reactivated: .active
                case .pastDue, .suspended, .terminated, .cancelled: nil
                }
            guard let standing else { return }
            effects = recovery.accountStatus(
                standing, now: now, policy: policies.policy(for: event.merchantID), networks: networks)
        }
        whole.recovery = recovery
        apply(effects, hold: recovery.hold, ended: recovery.dunningEnded, now: now, to: &context)
    }

    func refuse(_ command: String, planID: String, _ reason: String, _ context: inout WorkerContext) {
        context.emit(
            CommandRefused(command: command, planId: planID, actor: context.actor?.id ?? "", reason: reason),
            to: PaymentEvents.commandResultsTopic)
    }

    /// Publishes a price update's effect; `command` is the event type that caused it (nil in a
    /// timer), the name a refusal gives.
    func price(_ effect: PriceUpdateEffect, command: String?, _ context: inout WorkerContext) {
        switch effect {
        case .awaitingConfirmation(let request, let expiresAt):
            let confirmBy = Timestamp.date(milliseconds: expiresAt)
            context.schedule(Self.lapseTimerID(request.planID), at: confirmBy)
            context.emit(
                PlanPriceUpdate(
                    planId: request.planID, status: .pending, newAmount: request.newAmount, currency: request.currency,
                    expiresAt: confirmBy), to: PaymentEvents.planUpdatesTopic)
            // 003: "the new payment plan is sent to your customer by email", to confirm in time.
            context.emit(
                NotificationRequested(
                    kind: .priceUpdate, audience: .customer, currency: request.currency, planId: request.planID,
                    currentAmount: request.currentAmount, newAmount: request.newAmount,
                    effectiveFrom: request.nextBillingDate, confirmBy: confirmBy),
                to: PaymentEvents.notificationsTopic)
        case .applied(let request, let effectiveFrom):
            context.cancelTimer(Self.lapseTimerID(request.planID))
            context.emit(
                PlanPriceUpdate(
                    planId: request.planID, status: .applied, newAmount: request.newAmount, currency: request.currency,
                    effectiveFrom: effectiveFrom), to: PaymentEvents.planUpdatesTopic)
        case .lapsed(let request):
            context.cancelTimer(Self.lapseTimerID(request.planID))
            context.emit(
                PlanPriceUpdate(
                    planId: request.planID, status: .lapsed, newAmount: request.newAmount, currency: request.currency),
                to: PaymentEvents.planUpdatesTopic)
        case .refused(let planID, let reason):
            if let command { refuse(command, planID: planID, reason, &context) }
        }
    }

    public func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {
        guard var whole = state else { return }
        defer { state = whole }
        let now = Timestamp.milliseconds(context.now)
        if timer.id.hasPrefix("retry:") {
            apply(
                whole.recovery.retryDue(
                    paymentID: String(timer.id.dropFirst("retry:".count)), now: now, networks: networks,
                    policy: policies.policy(for: context.merchantID)),
                hold: whole.recovery.hold, ended: whole.recovery.dunningEnded, now: now, to: &context)
        } else if timer.id == Self.holdTimer {
            let effects = whole.recovery.holdEnded(
                now: now, policy: policies.policy(for: context.merchantID), networks: networks)
            apply(effects, hold: whole.recovery.hold, ended: whole.recovery.dunningEnded, now: now, to: &context)
        } else if timer.id.hasPrefix("price-lapse:") {
            price(
                whole.prices.lapse(planID: String(timer.id.dropFirst("price-lapse:".count))), command: nil, &context)
        }
    }

    /// The effects' records. The four a first failure or a retry writes (`ChargeRequested`,
    /// `PaymentPending`, `ActionItemUpdated`, `NotificationRequested`) are written straight into
    /// the event's bytes with `JSONOutput` (docs/benchmarks.md, "Payment retry"), their members
    /// in the order of those types (the action item's `handedToCollections` before
    /// `nextAttemptAt`, as published since); the rest are typed data.
    /// `hold`: the account's dunning pause or exclusion, shown on each item while it holds at
    /// `now`; `ended`: how the account's dunning ended, when that stops automatic retries.
    func apply(
        _ effects: [RecoveryEffect], hold: DunningHold?, ended: AccountStanding? = nil, now: Int64,
        to context: inout WorkerContext
    ) {
        let shown = hold.flatMap { $0.holds(at: now) ? $0 : nil }
        for effect in effects {
            switch effect {
            case .charge(let request):
                context.emit("charge.requested", to: PaymentEvents.chargeRequestsTopic) { out in
                    out.beginObject()
                    out.member("chargeRequestId", request.chargeRequestID)
                    out.member("paymentId", request.paymentID)
                    out.member("invoiceId", request.invoiceID)
                    out.member("amount", request.amount)
                    out.member("currency", request.currency)
                    out.member("paymentMethod", request.method.rawValue)
                    out.member("attempt", Int64(request.attempt))
                    out.member("cause", request.cause.rawValue)
                    out.endObject()
                }
                // The charge is in flight: said on relance.payments, in the same transaction, so
                // that a reader of that topic (reminder-mailer: no overdue notice about an invoice
                // being charged) reads it before the charge's outcome, which the gateway writes
                // there only after it read the request.
                context.emit("payment.pending", to: PaymentEvents.paymentsTopic) { out in
                    out.beginObject()
                    out.member("paymentId", request.paymentID)
                    out.member("invoiceId", request.invoiceID)
                    out.member("amount", request.amount)
                    out.member("currency", request.currency)
                    out.member("paymentMethod", request.method.rawValue)
                    out.member("chargeRequestId", request.chargeRequestID)
                    out.endObject()
                }
            case .item(let item):
                context.emit(
                    "action-item.updated", to: PaymentEvents.actionCentreTopic, key: item.paymentID,
                    dataByteCount: 400
                ) { Self.writeItem(item, hold: shown, ended: ended, into: &$0) }
                if publishesOutcomes && Self.isOutcomeFact(item) {
                    context.emit(
                        "action-item.updated", to: RecoveryEvents.outcomesTopic, dataByteCount: 400
                    ) { Self.writeItem(item, hold: shown, ended: ended, into: &$0) }
                }
            case .notifyCustomerPaymentFailed(let item):
                notify("payment_failed", "customer", item, &context)
            case .notifyVendorAttemptsExhausted(let item):
                notify("retries_exhausted", "vendor", item, &context)
            case .handOver(let item):
                context.emit(
                    CollectionsHandedOver(
                        paymentId: item.paymentID, invoiceId: item.invoiceID, amount: item.amount,
                        currency: item.currency), to: PaymentEvents.collectionsTopic)
            case .scheduleRetry(let paymentID, let at):
                context.schedule(Self.timerID(paymentID), at: Timestamp.date(milliseconds: at))
            case .cancelRetry(let paymentID):
                context.cancelTimer(Self.timerID(paymentID))
            case .refused:
                break  // written by `handle`, which knows the command's payment and actor
            }
        }
    }

    func notify(_ kind: String, _ audience: String, _ item: FailedPayment, _ context: inout WorkerContext) {
        context.emit("notification.requested", to: PaymentEvents.notificationsTopic) { out in
            out.beginObject()
            out.member("kind", kind)
            out.member("audience", audience)
            out.member("paymentId", item.paymentID)
            out.member("invoiceId", item.invoiceID)
            out.member("amount", item.amount)
            out.member("currency", item.currency)
            out.member("reason", item.reason.description)
            out.member("customerName", item.customerName)
            // The code, not its English description, is what the emails read (in the
            // customer's language), with the next attempt when one is planned.
            out.member("declineCode", item.reason.code)
            out.member("declineScheme", item.reason.scheme.rawValue)
            out.member("paymentMethod", item.method.rawValue)
            out.member("transactionType", item.type.rawValue)
            if let next = item.nextAttemptAt {
                out.key(static: "nextAttemptAt")
                out.timestamp(milliseconds: next)
            }
            out.endObject()
        }
    }

    /// Whether an item update goes to recovery-stats too (`relance.payment-outcomes`, keyed by
    /// account): when the item opens (the first attempt's failure) and whenever it carries an
    /// outcome; not the retries in between.
    static func isOutcomeFact(_ item: FailedPayment) -> Bool {
        item.outcomeAt != nil || item.resolution != nil || item.lossReason != nil
            || (item.attempts == 1 && item.state == .open)
    }

    /// An action-centre item as published: written straight to JSON, members in a fixed order,
    /// the optional ones only when set; `hold`: the account's dunning pause or exclusion in force.
    static func writeItem(
        _ item: FailedPayment, hold: DunningHold? = nil, ended: AccountStanding? = nil, into out: inout JSONOutput
    ) {
        out.beginObject()
        out.member("paymentId", item.paymentID)
        out.member("invoiceId", item.invoiceID)
        out.member("customerName", item.customerName)
        out.member("transactionType", item.type.rawValue)
        out.member("paymentMethod", item.method.rawValue)
        out.member("failureReason", item.reason.description)
        out.member("failureCategory", item.reason.category.rawValue)
        out.member("declineCode", item.reason.code)
        out.member("amount", item.amount)
        out.member("currency", item.currency)
        out.member("state", item.state.rawValue)
        out.member("attempts", Int64(item.attempts))
        out.member("handedToCollections", item.handedToCollections)
        if let next = item.nextAttemptAt {
            out.key(static: "nextAttemptAt")
            out.timestamp(milliseconds: next)
        }
        out.member("closedBecause", item.closedBecause)
        // The outcome, structured (recovery-stats reads these; docs/payment-retry.md).
        if let first = item.firstFailedAt {
            out.key(static: "firstFailedAt")
            out.timestamp(milliseconds: first)
        }
        out.member("resolution", item.resolution?.rawValue)
        out.member("recoveredOnAttempt", item.recoveredOnAttempt.map { Int64($0) })
        out.member("lossReason", item.lossReason?.rawValue)
        if let at = item.outcomeAt {
            out.key(static: "outcomeAt")
            out.timestamp(milliseconds: at)
        }
        out.member("nextAttemptReason", item.nextAttemptReason)
        out.member("retryBlockedBy", item.retryBlockedBy)
        if let hold {
            if !hold.excluded {
                out.member("dunningPaused", true)
                if let until = hold.pausedUntil {
                    out.key(static: "dunningPausedUntil")
                    out.timestamp(milliseconds: until)
                }
            } else {
                out.member("dunningExcluded", true)
            }
        }
        if ended == .writtenOff || ended == .inCollections { out.member("dunningEnded", ended?.rawValue) }
        out.endObject()
    }
}

/// The events payment-retry reads, decoded.
public enum PaymentRetryInput: WorkerInput {
    case paymentFailed(PaymentFailed)
    case paymentSucceeded(PaymentSucceeded)
    case cardReplaced(CardReplaced)
    case paymentCommand(PaymentCommand)
    case priceUpdateRequested(PlanPriceUpdateRequested)
    case priceUpdateConfirmed(PlanPriceUpdateConfirmed)
    /// On relance.payments beside the outcomes (this worker writes one per charge); not acted on.
    case paymentPending(PaymentPending)
    case dunningCommand(DunningCommand)
    /// reminder-mailer's account status: written off or handed to collections stops automatic retries.
    case accountStatus(AccountStatus)

    public static var eventTypes: [EventType] {
        [
            PaymentEvents.paymentFailed, PaymentEvents.paymentSucceeded, PaymentEvents.cardReplaced,
            PaymentEvents.paymentCommand, PaymentEvents.priceUpdateRequested, PaymentEvents.priceUpdateConfirmed,
            MailEvents.paymentPending, PaymentEvents.dunningCommand, ProofEvents.accountStatus,
        ]
    }

    public init(_ event: EventEnvelope) throws(EventDataError) {
        switch event.type {
        case "payment.failed": self = .paymentFailed(try event.decode())
        case "payment.succeeded": self = .paymentSucceeded(try event.decode())
        case "card.replaced": self = .cardReplaced(try event.decode())
        case "payment.command": self = .paymentCommand(try event.decode())
        case "plan.price-update-requested": self = .priceUpdateRequested(try event.decode())
        case "plan.price-update-confirmed": self = .priceUpdateConfirmed(try event.decode())
        case "payment.pending": self = .paymentPending(try event.decode())
        case "dunning.command": self = .dunningCommand(try event.decode())
        case "account.status": self = .accountStatus(try event.decode())
        default: throw EventDataError(path: "type", problem: "\(event.type) is not an event payment-retry reads")
        }
    }
}

extension FailedPayment {
    /// A first failure (or a charge's outcome) as the recovery rules take it.
    init(_ failed: PaymentFailed) {
        self.init(
            paymentID: failed.paymentId, invoiceID: failed.invoiceId, invoiceDate: failed.invoiceDate,
            type: failed.transactionType, method: failed.paymentMethod, amount: failed.amount,
            currency: failed.currency, customerName: failed.customerName,
            reason: DeclineCodes.read(failed.declineCode, scheme: failed.declineScheme))
        cardID = failed.cardId
        cardBrand = failed.cardBrand
        timeZone = failed.customerTimeZone
    }
}

extension RecoveryCommand {
    /// The command given: changing the payment method needs the new one.
    init(_ given: PaymentCommand) throws(WorkerRejection) {
        switch given.command {
        case .retryNow: self = .retryNow
        case .dismiss: self = .dismiss(note: given.note)
        case .changePaymentMethod:
            guard let method = given.paymentMethod else {
                throw WorkerRejection("missing_payment_method", "change_payment_method needs data.paymentMethod")
            }
            self = .changePaymentMethod(method)
        case .renewPaymentPlan: self = .renewPaymentPlan
        case .handOverToCollections: self = .handOverToCollections
        }
    }
}

extension PriceUpdateRequest {
    init(_ requested: PlanPriceUpdateRequested) {
        self.init(
            planID: requested.planId, currency: requested.currency, currentAmount: requested.currentAmount,
            newAmount: requested.newAmount, currentInstallments: requested.currentInstallments.map { Int($0) },
            newInstallments: requested.newInstallments.map { Int($0) }, currentInterval: requested.currentInterval,
            newInterval: requested.newInterval, nextBillingDate: requested.nextBillingDate)
    }
}
