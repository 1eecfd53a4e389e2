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
    public var inputTopics = [PaymentEvents.paymentsTopic, PaymentEvents.commandsTopic]
    public var outputTopics = [
        PaymentEvents.chargeRequestsTopic, PaymentEvents.actionCentreTopic, PaymentEvents.notificationsTopic,
        PaymentEvents.collectionsTopic, PaymentEvents.commandResultsTopic, PaymentEvents.planUpdatesTopic,
        PaymentEvents.paymentsTopic,
    ]
    public var eventTypes = [
        PaymentEvents.paymentFailed, PaymentEvents.paymentSucceeded, PaymentEvents.cardReplaced,
        PaymentEvents.paymentCommand, PaymentEvents.priceUpdateRequested, PaymentEvents.priceUpdateConfirmed,
        MailEvents.paymentPending,
    ]
    public var policies: RetryPolicies
    /// Commands need a signed token (docs/payment-retry.md, "Commands"): the runtime checks the
    /// role before `handle`; a vendor is the merchant's owner or admin.
    public var commandRoles: [String: Set<String>] {
        let vendor: Set = [ActorRole.owner.rawValue, ActorRole.admin.rawValue]
        return [
            "payment.command": Set(ActorRole.allCases.map(\.rawValue)), "plan.price-update-requested": vendor,
            "plan.price-update-confirmed": [PaymentEvents.billingPlatformRole],
        ]
    }

    /// A payment command's roles depend on the command: retry and dismiss for billing too.
    public func requiredRoles(for event: EventEnvelope) -> Set<String>? {
        guard event.type == "payment.command" else { return commandRoles[event.type] }
        let command = Self.command(named: event.data["command"]?.stringValue ?? "")
        return Set(ActorRole.allCases.filter { $0.may(command) }.map(\.rawValue))
    }

    static func command(named name: String) -> RecoveryCommand {
        switch name {
        case "retry_now": .retryNow
        case "dismiss": .dismiss(note: nil)
        case "change_payment_method": .changePaymentMethod(.card)
        case "renew_payment_plan": .renewPaymentPlan
        default: .handOverToCollections
        }
    }

    /// The actor's role that may give `command` (the runtime checked there is one).
    static func role(of actor: CommandActor?, for command: RecoveryCommand) -> ActorRole? {
        ActorRole.allCases.first { actor?.roles.contains($0.rawValue) == true && $0.may(command) }
    }

    public init(policies: RetryPolicies = RetryPolicies()) {
        self.policies = policies
    }

    static func timerID(_ paymentID: String) -> String { "retry:\(paymentID)" }
    static func lapseTimerID(_ planID: String) -> String { "price-lapse:\(planID)" }

    public func handle(_ event: Event<EventEnvelope>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        let event = event.envelope
        var whole = state ?? State()
        defer { state = whole }
        var recovery = whole.recovery
        let data = event.data
        func text(_ field: String) -> String { data[field]?.stringValue ?? "" }
        /// A member the schema requires, read as `T`: a dead letter with its name, never a trap.
        func required<T>(_ field: String, _ read: (JSONValue) -> T?) throws(WorkerRejection) -> T {
            guard let value = data[field].flatMap(read) else {
                throw WorkerRejection("missing_field", "data.\(field) is missing or not readable")
            }
            return value
        }
        let now = Timestamp.milliseconds(context.now)
        // What is scheduled from this event counts from when it happened, not when it was read.
        let occurredAt = Timestamp.milliseconds(event.occurredAt)
        let effects: [RecoveryEffect]
        switch event.type {
        case "payment.failed":
            let failed = FailedPayment(
                paymentID: text("paymentId"), invoiceID: text("invoiceId"), invoiceDate: text("invoiceDate"),
                type: try required("transactionType") { $0.stringValue.flatMap(TransactionType.init) },
                method: try required("paymentMethod") { $0.stringValue.flatMap(PaymentMethod.init) },
                amount: try required("amount") { $0.integerValue },
                currency: text("currency"), customerName: data["customerName"]?.stringValue,
                reason: DeclineCodes.read(
                    text("declineCode"),
                    scheme: try required("declineScheme") { $0.stringValue.flatMap(DeclineCodeScheme.init) }))
            effects = recovery.paymentFailed(
                failed, chargeRequestID: data["chargeRequestId"]?.stringValue,
                policy: policies.policy(for: event.merchantID), now: now, occurredAt: occurredAt)
        case "payment.succeeded":
            let how = data["chargeRequestId"] == nil ? "paid by other means" : "retry succeeded"
            effects = recovery.paymentSucceeded(paymentID: text("paymentId"), invoiceID: text("invoiceId"), how: how)
        case "card.replaced":
            effects = recovery.cardReplaced(now: now)
        case "payment.pending":
            return  // shares relance.payments (this worker's own, for each charge); reminder-mailer's concern
        case "payment.command":
            let command: RecoveryCommand
            switch text("command") {
            case "retry_now": command = .retryNow
            case "dismiss": command = .dismiss(note: data["note"]?.stringValue)
            case "change_payment_method":
                guard let method = data["paymentMethod"]?.stringValue.flatMap(PaymentMethod.init) else {
                    throw WorkerRejection("missing_payment_method", "change_payment_method needs data.paymentMethod")
                }
                command = .changePaymentMethod(method)
            case "renew_payment_plan": command = .renewPaymentPlan
            default: command = .handOverToCollections
            }
            let actorID = context.actor?.id ?? ""
            guard let role = Self.role(of: context.actor, for: command) else {
                throw WorkerRejection(CommandAuthFailure.forbidden, "no role of the actor may \(command.name)")
            }
            var carried: [RecoveryEffect] = []
            for effect in recovery.command(command, paymentID: text("paymentId"), role: role, now: now) {
                guard case .refused(let name, let reason) = effect else {
                    carried.append(effect)
                    continue
                }
                context.emit(
                    "command.refused", to: PaymentEvents.commandResultsTopic,
                    data: .object([
                        "command": .string(name), "paymentId": .string(text("paymentId")),
                        "actor": .string(actorID), "reason": .string(reason),
                    ]))
            }
            effects = carried
        case "plan.price-update-requested":
            let planID = text("planId")
            guard context.actor?.holdsAny(of: [ActorRole.owner.rawValue, ActorRole.admin.rawValue]) == true else {
                throw WorkerRejection(
                    CommandAuthFailure.forbidden, "only an owner or an admin may change a plan's price")
            }
            let request = PriceUpdateRequest(
                planID: planID, currency: text("currency"),
                currentAmount: try required("currentAmount") { $0.integerValue },
                newAmount: try required("newAmount") { $0.integerValue },
                currentInstallments: data["currentInstallments"]?.integerValue.map { Int($0) },
                newInstallments: data["newInstallments"]?.integerValue.map { Int($0) },
                currentInterval: text("currentInterval"), newInterval: text("newInterval"),
                nextBillingDate: text("nextBillingDate"))
            price(whole.prices.request(request, now: now, occurredAt: occurredAt), event: event, &context)
            return
        case "plan.price-update-confirmed":
            price(whole.prices.confirm(planID: text("planId"), now: now), event: event, &context)
            return
        default:
            throw WorkerRejection("unhandled_type", "payment-retry does not handle \(event.type)")
        }
        whole.recovery = recovery
        apply(effects, to: &context)
    }

    func refuse(
        _ command: String, planID: String, event: EventEnvelope, _ reason: String, _ context: inout WorkerContext
    ) {
        context.emit(
            "command.refused", to: PaymentEvents.commandResultsTopic,
            data: .object([
                "command": .string(command), "planId": .string(planID), "actor": .string(context.actor?.id ?? ""),
                "reason": .string(reason),
            ]))
    }

    func price(_ effect: PriceUpdateEffect, event: EventEnvelope?, _ context: inout WorkerContext) {
        func publish(_ request: PriceUpdateRequest, _ status: String, _ extra: (key: String, value: String)?) {
            var members: [(key: String, value: JSONValue)] = [
                ("planId", .string(request.planID)), ("status", .string(status)),
                ("newAmount", .integer(request.newAmount)), ("currency", .string(request.currency)),
            ]
            if let extra { members.append((extra.key, .string(extra.value))) }
            context.emit("plan.price-update", to: PaymentEvents.planUpdatesTopic, data: .object(members))
        }
        switch effect {
        case .awaitingConfirmation(let request, let expiresAt):
            context.schedule(Self.lapseTimerID(request.planID), at: Timestamp.date(milliseconds: expiresAt))
            publish(request, "pending", ("expiresAt", Timestamp.format(milliseconds: expiresAt)))
            // 003: "the new payment plan is sent to your customer by email", to confirm in time.
            context.emit(
                "notification.requested", to: PaymentEvents.notificationsTopic,
                data: .object([
                    ("kind", .string("price_update")), ("audience", .string("customer")),
                    ("planId", .string(request.planID)), ("currency", .string(request.currency)),
                    ("currentAmount", .integer(request.currentAmount)), ("newAmount", .integer(request.newAmount)),
                    ("effectiveFrom", .string(request.nextBillingDate)),
                    ("confirmBy", .string(Timestamp.format(milliseconds: expiresAt))),
                ]))
        case .applied(let request, let effectiveFrom):
            context.cancelTimer(Self.lapseTimerID(request.planID))
            publish(request, "applied", ("effectiveFrom", effectiveFrom))
        case .lapsed(let request):
            context.cancelTimer(Self.lapseTimerID(request.planID))
            publish(request, "lapsed", nil)
        case .refused(let planID, let reason):
            if let event { refuse(event.type, planID: planID, event: event, reason, &context) }
        }
    }

    public func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {
        guard var whole = state else { return }
        defer { state = whole }
        if timer.id.hasPrefix("retry:") {
            apply(
                whole.recovery.retryDue(
                    paymentID: String(timer.id.dropFirst("retry:".count)), now: Timestamp.milliseconds(context.now)),
                to: &context)
        } else if timer.id.hasPrefix("price-lapse:") {
            price(whole.prices.lapse(planID: String(timer.id.dropFirst("price-lapse:".count))), event: nil, &context)
        }
    }

    func apply(_ effects: [RecoveryEffect], to context: inout WorkerContext) {
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
                ) { Self.writeItem(item, into: &$0) }
            case .notifyCustomerPaymentFailed(let item):
                notify("payment_failed", "customer", item, &context)
            case .notifyVendorAttemptsExhausted(let item):
                notify("retries_exhausted", "vendor", item, &context)
            case .handOver(let item):
                context.emit(
                    "collections.handed-over", to: PaymentEvents.collectionsTopic,
                    data: .object([
                        "paymentId": .string(item.paymentID), "invoiceId": .string(item.invoiceID),
                        "amount": .integer(item.amount), "currency": .string(item.currency),
                    ]))
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

    /// An action-centre item as published: written straight to JSON, members in a fixed order,
    /// the optional ones only when set.
    static func writeItem(_ item: FailedPayment, into out: inout JSONOutput) {
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
        out.endObject()
    }
}
