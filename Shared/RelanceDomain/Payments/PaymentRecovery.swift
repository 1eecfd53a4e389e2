import Foundation
import RelanceEvents

/// How a failed payment was recovered: which channel's charge or payment resolved it.
public enum RecoveryResolution: String, Sendable, Codable, CaseIterable {
    /// A charge of the automatic schedule (or its technical backoff) succeeded.
    case automaticRetry = "automatic_retry"
    /// The charge made when the customer saved a new card succeeded.
    case cardUpdated = "card_updated"
    /// An operator's "retry now" succeeded.
    case operatorRetry = "operator_retry"
    /// The vendor's one final attempt after the automatic ones ("renew payment plan", 003) succeeded.
    case finalAttempt = "final_attempt"
    /// The invoice was paid by other means (a payment with no Relance charge request).
    case paidAnotherWay = "paid_another_way"
}

/// Why a failed payment is counted as lost (so far: a later payment may still resolve it).
public enum LossReason: String, Sendable, Codable, CaseIterable {
    /// An operator dismissed the item.
    case dismissed
    /// The order was handed over to collections (by the vendor, or by the policy).
    case handedToCollections = "handed_to_collections"
    /// The automatic attempts are over and the item is still open.
    case retriesExhausted = "retries_exhausted"
}

/// One failed payment as payment-retry follows it: an action-centre item.
public struct FailedPayment: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        case open, pending, resolved, dismissed
    }

    public var paymentID: String
    public var invoiceID: String
    /// `YYYY-MM-DD`: the order of "oldest invoice first".
    public var invoiceDate: String
    public var type: TransactionType
    public var method: PaymentMethod
    public var amount: Int64
    public var currency: String
    public var customerName: String?
    public var reason: DeclineReason
    /// Attempts made so far, the original payment included.
    public var attempts: Int
    /// Technical failures of the current attempt.
    public var technicalTries = 0
    public var state: State = .open
    /// Card hard decline or expired card: nothing until a new payment method.
    public var waitingForNewPaymentMethod = false
    /// The automatic attempts are over and the vendor was told.
    public var attemptsExhausted = false
    /// The one extra attempt after the automatic ones ("renew payment plan") was used.
    public var renewed = false
    public var handedToCollections = false
    /// When the next automatic attempt is due (milliseconds since 1970), if any.
    public var nextAttemptAt: Int64?
    /// The charge request in flight, whose outcome is awaited.
    public var pendingCharge: String?
    /// Why the item is resolved or dismissed, for the action centre.
    public var closedBecause: String?
    /// When the charge in flight was requested (clock milliseconds): its outcome cannot have
    /// happened before, whatever the answer's `occurredAt` says (a gateway whose clock is behind).
    public var chargedAt: Int64?
    /// When the payment first failed (milliseconds since 1970): the failure's `occurredAt`,
    /// never after the clock.
    public var firstFailedAt: Int64?
    /// How it was recovered, once resolved.
    public var resolution: RecoveryResolution?
    /// The attempt that recovered it (the original payment is attempt 1), for a Relance charge.
    public var recoveredOnAttempt: Int?
    /// Why it is lost so far; cleared when it is recovered after all.
    public var lossReason: LossReason?
    /// When `resolution` or `lossReason` was last set (milliseconds since 1970).
    public var outcomeAt: Int64?
    /// A card payment: the card (the gateway's payment method id) and its brand, for the card
    /// network's retry limits (`CardNetworkRules`).
    public var cardID: String?
    public var cardBrand: String?
    /// The customer's IANA time zone, for the policy's local retry times.
    public var timeZone: String?
    /// Why the next attempt is at `nextAttemptAt` when the schedule's time was moved (a local
    /// time window, business days, a payday, a card network's limit), for the action centre.
    public var nextAttemptReason: String?
    /// The card network rule that stops automatic retries on this card.
    public var retryBlockedBy: String?

    public init(
        paymentID: String, invoiceID: String, invoiceDate: String, type: TransactionType, method: PaymentMethod,
        amount: Int64, currency: String, customerName: String?, reason: DeclineReason, attempts: Int = 1
    ) {
        self.paymentID = paymentID
        self.invoiceID = invoiceID
        self.invoiceDate = invoiceDate
        self.type = type
        self.method = method
        self.amount = amount
        self.currency = currency
        self.customerName = customerName
        self.reason = reason
        self.attempts = attempts
    }
}

/// A charge to make, with its idempotency key (the gateway charges a key at most once).
public struct ChargeRequest: Sendable, Equatable, Codable {
    public enum Cause: String, Sendable, Codable {
        case schedule
        case technicalRetry = "technical_retry"
        case cardReplaced = "card_replaced"
        case `operator`, renewal
    }

    public var chargeRequestID: String
    public var paymentID: String
    public var invoiceID: String
    public var amount: Int64
    public var currency: String
    public var method: PaymentMethod
    /// The attempt number this charge is.
    public var attempt: Int
    public var cause: Cause
}

/// An operator's or vendor's command on an item.
public enum RecoveryCommand: Sendable, Equatable {
    case retryNow
    case dismiss(note: String?)
    case changePaymentMethod(PaymentMethod)
    case renewPaymentPlan
    case handOverToCollections

    public var name: String {
        switch self {
        case .retryNow: "retry_now"
        case .dismiss: "dismiss"
        case .changePaymentMethod: "change_payment_method"
        case .renewPaymentPlan: "renew_payment_plan"
        case .handOverToCollections: "hand_over_to_collections"
        }
    }
}

extension ActorRole {
    /// Whether this role may issue the command.
    public func may(_ command: RecoveryCommand) -> Bool {
        switch (self, command) {
        case (.owner, _), (.admin, _): true
        case (.billing, .retryNow), (.billing, .dismiss): true
        default: false
        }
    }
}

/// What a recovery decision asks the worker to publish or schedule.
public enum RecoveryEffect: Sendable, Equatable {
    case charge(ChargeRequest)
    /// The item as it now is, for the action centre.
    case item(FailedPayment)
    case notifyCustomerPaymentFailed(FailedPayment)
    case notifyVendorAttemptsExhausted(FailedPayment)
    case handOver(FailedPayment)
    case scheduleRetry(paymentID: String, at: Int64)
    case cancelRetry(paymentID: String)
    case refused(command: String, reason: String)
}

/// The failed payments of one account and the rules that move them. Pure: every change
/// returns its effects; time is given.
public struct PaymentRecovery: Sendable, Equatable, Codable {
    public var payments: [String: FailedPayment] = [:]
    /// Per card (its id, else its brand): the charges Relance made after a decline and the
    /// network rules they fall under (`CardNetworkRules`). Absent in states written before.
    public var cards: [String: CardAttempts]?
    /// An operator's pause or exclusion of the account's dunning (`dunning.command`): no
    /// automatic retry while it holds. Nil: none.
    public var hold: DunningHold?
    /// How the account's dunning ended when that stops automatic retries: written off or
    /// handed to collections (reminder-mailer's `account.status`). Nil: it has not, or it
    /// ended in a way that keeps them (terminated, suspended, cancelled).
    public var dunningEnded: AccountStanding?

    public init() {}

    /// Whether automatic retries are held at `now`: dunning ended, or an operator's pause or
    /// exclusion in force (`now` nil: not known, not held by those).
    public func isHeld(at now: Int64?) -> Bool {
        if dunningEnded != nil { return true }
        guard let hold, let now else { return false }
        return hold.holds(at: now)
    }

    /// The account's status as reminder-mailer publishes it: written off or handed to
    /// collections stops automatic retries as an exclusion does (timers cancelled, each item
    /// keeping its planned attempt; an operator's retry now and a new card's charge still go);
    /// active or reactivated again (the debt paid) plans them again unless an operator's hold
    /// is in force. Every open item is published again, saying so.
    public mutating func accountStatus(
        _ standing: AccountStanding, now: Int64, policy: RetryPolicy, networks: CardNetworkRules = .defaults
    ) -> [RecoveryEffect] {
        let wasHeld = isHeld(at: now)
        switch standing {
        case .writtenOff, .inCollections:
            guard dunningEnded != standing else { return [] }
            dunningEnded = standing
        case .active:
            guard dunningEnded != nil else { return [] }
            dunningEnded = nil
        case .pastDue, .suspended, .terminated, .cancelled:
            return []
        }
        if wasHeld && isHeld(at: now) { return openItems.map { .item($0) } }
        if !isHeld(at: now) { return resumed(now: now, policy: policy, networks: networks) }
        return heldEffects()
    }

    /// Open items, oldest invoice first.
    public var openItems: [FailedPayment] {
        payments.values.filter { $0.state == .open || $0.state == .pending }
            .sorted { ($0.invoiceDate, $0.paymentID) < ($1.invoiceDate, $1.paymentID) }
    }

    /// When something due `milliseconds` after an event falls: counted from when the event
    /// occurred, not from when it was read (a worker that reads a failure a week late does not
    /// retry it a week late), and never before `now`. An `occurredAt` ahead of `now` (a
    /// publisher's clock ahead of Relance's) counts from `now`.
    /// `notBefore`: what caused the event cannot have happened earlier (the charge whose outcome
    /// it is).
    public static func due(_ milliseconds: Int64, after occurredAt: Int64?, notBefore: Int64? = nil, now: Int64)
        -> Int64
    {
        max(max(min(occurredAt ?? now, now), notBefore ?? Int64.min) + milliseconds, now)
    }

    static func chargeID(_ paymentID: String, attempt: Int, technicalTry: Int, cause: ChargeRequest.Cause) -> String {
        "chg_\(paymentID)_\(attempt)_\(technicalTry)_\(cause.rawValue)"
    }

    /// The cause of a charge this worker requested, read back from its id (`chargeID`).
    static func cause(ofCharge chargeRequestID: String) -> ChargeRequest.Cause? {
        let causes: [ChargeRequest.Cause] = [.technicalRetry, .cardReplaced, .schedule, .`operator`, .renewal]
        return causes.first { chargeRequestID.hasSuffix("_" + $0.rawValue) }
    }

    /// The channel that recovers a payment when a charge of `cause` succeeds.
    static func resolution(of cause: ChargeRequest.Cause) -> RecoveryResolution {
        switch cause {
        case .schedule, .technicalRetry: .automaticRetry
        case .cardReplaced: .cardUpdated
        case .`operator`: .operatorRetry
        case .renewal: .finalAttempt
        }
    }

    /// When an outcome read now happened: the event's time, never after the clock nor before
    /// `notBefore` (the charge it answers).
    static func outcomeTime(occurredAt: Int64?, notBefore: Int64? = nil, now: Int64?) -> Int64? {
        guard let at = occurredAt ?? now else { return nil }
        let bounded = now.map { min(at, $0) } ?? at
        return notBefore.map { max(bounded, $0) } ?? bounded
    }

    // MARK: Dunning pause

    /// An operator's dunning command applied at `now` (`hold` nil: resumed). While it holds,
    /// no automatic retry is charged: the items' retry timers are cancelled, each keeping the
    /// attempt it planned (`nextAttemptAt`). When it ends, each such attempt is planned again
    /// at its time, or now if that has passed (the policy's timing and the card networks'
    /// limits applying as to any retry). Every open item is published again, with the hold.
    public mutating func setHold(
        _ new: DunningHold?, now: Int64, policy: RetryPolicy, networks: CardNetworkRules = .defaults
    ) -> [RecoveryEffect] {
        // A hold kept, even one whose time is over and whose timer has not fired yet.
        let hadHold = hold != nil
        hold = new
        guard isHeld(at: now) else {
            hold = nil
            return hadHold ? resumed(now: now, policy: policy, networks: networks) : []
        }
        return heldEffects()
    }

    /// Automatic retries just became held: each planned retry's timer is cancelled (the item
    /// keeps its `nextAttemptAt`) and every open item is published again.
    private func heldEffects() -> [RecoveryEffect] {
        var effects: [RecoveryEffect] = []
        for item in openItems {
            if item.state == .open, item.nextAttemptAt != nil {
                effects.append(.cancelRetry(paymentID: item.paymentID))
            }
            effects.append(.item(item))
        }
        return effects
    }

    /// A timed pause came to its end (the worker's timer at its `pausedUntil`): retries resume.
    public mutating func holdEnded(now: Int64, policy: RetryPolicy, networks: CardNetworkRules = .defaults)
        -> [RecoveryEffect]
    {
        guard let hold, !hold.excluded, let until = hold.pausedUntil, until <= now else { return [] }
        self.hold = nil
        // Dunning ended meanwhile: still held, nothing planned.
        guard dunningEnded == nil else { return openItems.map { .item($0) } }
        return resumed(now: now, policy: policy, networks: networks)
    }

    /// Dunning resumed: each attempt planned before or during the hold is planned again at its
    /// time, or now if that has passed; every open item is published without the hold.
    private mutating func resumed(now: Int64, policy: RetryPolicy, networks: CardNetworkRules) -> [RecoveryEffect] {
        var effects: [RecoveryEffect] = []
        for var item in openItems {
            if item.state == .open, let planned = item.nextAttemptAt {
                let timed = item.reason.category != .technical
                if let at = plan(&item, due: max(planned, now), policy: policy, networks: networks, timed: timed) {
                    item.nextAttemptAt = at
                    effects.append(.scheduleRetry(paymentID: item.paymentID, at: at))
                } else {
                    item.nextAttemptAt = nil
                    item.waitingForNewPaymentMethod = true
                }
                payments[item.paymentID] = item
            }
            effects.append(.item(item))
        }
        return effects
    }

    // MARK: Payment outcomes

    /// A payment failed: a new one, or the outcome of a charge Relance requested. `occurredAt`
    /// is when it failed (the event's time): the next attempt is counted from it (`due`).
    /// `networks`: the card networks' retry limits a card retry must keep to;
    /// `merchantAdviceCode`: Mastercard's advice with the decline, if any.
    public mutating func paymentFailed(
        _ failed: FailedPayment, chargeRequestID: String?, policy: RetryPolicy, now: Int64, occurredAt: Int64? = nil,
        networks: CardNetworkRules = .defaults, merchantAdviceCode: String? = nil
    ) -> [RecoveryEffect] {
        var item: FailedPayment
        var charged: Int64?
        if var known = payments[failed.paymentID] {
            // Only the outcome of the charge in flight moves a known item.
            guard known.state != .resolved, known.state != .dismissed else { return [] }
            if let chargeRequestID, known.pendingCharge != chargeRequestID { return [] }
            if chargeRequestID == nil && known.pendingCharge == nil { return [] }  // a repeat of the first failure
            known.reason = failed.reason
            // The card the item's network history is kept under stays the same for its life
            // (a later outcome naming it differently would start the count again); a card
            // first named by an outcome is taken.
            if Self.cardKey(known) == nil {
                known.cardID = failed.cardID
                known.cardBrand = failed.cardBrand
            }
            known.timeZone = failed.timeZone ?? known.timeZone
            known.pendingCharge = nil
            charged = known.chargedAt
            known.chargedAt = nil
            known.state = .open
            item = known
        } else {
            // The outcome of a charge this worker did not ask for (another worker's, e.g. a
            // prepaid recharge, which handles its own failures): not a failed payment to retry.
            guard chargeRequestID == nil else { return [] }
            item = failed
            item.attempts = max(1, failed.attempts)
            item.state = .open
            item.firstFailedAt = Self.outcomeTime(occurredAt: occurredAt, now: now)
        }
        let failedAt = Self.outcomeTime(occurredAt: occurredAt, notBefore: charged, now: now)
        var effects: [RecoveryEffect] = []
        if item.reason.category != .technical { item.technicalTries = 0 }
        // A decline on a card counts for its network's rules (a technical failure is no decline).
        if item.reason.category != .technical, let key = Self.cardKey(item) {
            var attempts = cards?[key] ?? CardAttempts()
            attempts.recordDecline(
                network: Self.network(item), scheme: item.reason.scheme.rawValue, code: item.reason.code,
                merchantAdviceCode: merchantAdviceCode, at: failedAt ?? now, rules: networks)
            var all = cards ?? [:]
            all[key] = attempts
            cards = all
        }
        item.nextAttemptReason = nil
        item.retryBlockedBy = nil
        let decision = policy.decide(
            method: item.method, type: item.type, category: item.reason.category, attempt: item.attempts,
            technicalTries: item.technicalTries)
        let firstFailure = payments[item.paymentID] == nil
        /// The next attempt `after` seconds, planned (`timed`: with the policy's timing); none
        /// when a card network forbids any reattempt on this card: only a new one can pay.
        func schedule(_ after: Int64, timed: Bool) {
            let due = Self.due(after * 1000, after: occurredAt, notBefore: charged, now: now)
            if let at = plan(&item, due: due, policy: policy, networks: networks, timed: timed) {
                item.nextAttemptAt = at
                effects.append(.scheduleRetry(paymentID: item.paymentID, at: at))
            } else {
                item.nextAttemptAt = nil
                item.waitingForNewPaymentMethod = true
            }
        }
        switch decision {
        case .retry(let after, _):
            schedule(after, timed: true)
        case .technicalRetry(let after):
            item.technicalTries += 1
            schedule(after, timed: false)
        case .waitForNewPaymentMethod:
            item.waitingForNewPaymentMethod = true
            item.nextAttemptAt = nil
        case .attemptsExhausted:
            item.nextAttemptAt = nil
            if item.lossReason == nil {
                item.lossReason = .retriesExhausted
                item.outcomeAt = failedAt
            }
            if !item.attemptsExhausted {
                item.attemptsExhausted = true
                effects.append(.notifyVendorAttemptsExhausted(item))
            }
        case .handToCollections:
            item.nextAttemptAt = nil
            item.handedToCollections = true
            item.lossReason = .handedToCollections
            item.outcomeAt = failedAt
            effects.append(.handOver(item))
        case .noRetry:
            item.nextAttemptAt = nil
        }
        payments[item.paymentID] = item
        if isHeld(at: now) {
            // Dunning paused: the attempt stays planned on the item, charged when it resumes;
            // no timer now, and the customer is promised no date.
            effects.removeAll { if case .scheduleRetry = $0 { true } else { false } }
        }
        if firstFailure || item.reason.category != .technical {
            var told = item
            if isHeld(at: now) { told.nextAttemptAt = nil }
            effects.insert(.notifyCustomerPaymentFailed(told), at: 0)
        }
        if item.type == .refund {
            effects.removeAll { if case .notifyCustomerPaymentFailed = $0 { true } else { false } }
        }
        effects.append(.item(item))
        return effects
    }

    /// A payment succeeded (a retry, or paid some other way): the item is resolved.
    ///
    /// A payment of the same invoice under another payment id (the customer paid by other
    /// means) resolves the invoice's open items too, where 004 has the operator dismiss them
    /// by hand.
    ///
    /// `chargeRequestID`: the Relance charge it answers (its cause is the recovery's channel);
    /// none, the invoice was paid another way. `occurredAt`/`now` date the outcome.
    public mutating func paymentSucceeded(
        paymentID: String, invoiceID: String? = nil, how: String, chargeRequestID: String? = nil, now: Int64? = nil,
        occurredAt: Int64? = nil
    ) -> [RecoveryEffect] {
        guard let known = payments[paymentID] else {
            guard let invoiceID else { return [] }
            // Dismissed items too: money that arrives after an operator gave up on it still
            // recovers it (counted as paid another way, not lost).
            let matching = payments.values.filter {
                $0.invoiceID == invoiceID && ($0.state == .open || $0.state == .pending || $0.state == .dismissed)
            }.sorted { $0.paymentID < $1.paymentID }.map(\.paymentID)
            return matching.flatMap {
                resolve(
                    $0, how: "invoice paid by other means (payment \(paymentID))", resolution: .paidAnotherWay,
                    attempt: nil, at: Self.outcomeTime(occurredAt: occurredAt, now: now))
            }
        }
        // An approval does not restart the card's count: Visa counts per declined transaction,
        // and the other payments of the card are still declined ones; counting them all
        // together is the stricter reading (docs/card-network-rules.md).
        var resolution = RecoveryResolution.paidAnotherWay
        var attempt: Int?
        if let chargeRequestID {
            let cause = Self.cause(ofCharge: chargeRequestID) ?? known.pendingCharge.flatMap(Self.cause(ofCharge:))
            resolution = cause.map(Self.resolution(of:)) ?? .automaticRetry
            attempt = known.attempts
        }
        return resolve(
            paymentID, how: how, resolution: resolution, attempt: attempt,
            at: Self.outcomeTime(occurredAt: occurredAt, notBefore: known.chargedAt, now: now))
    }

    private mutating func resolve(
        _ paymentID: String, how: String, resolution: RecoveryResolution, attempt: Int?, at: Int64?
    ) -> [RecoveryEffect] {
        guard var item = payments[paymentID], item.state == .open || item.state == .pending || item.state == .dismissed
        else { return [] }
        item.state = .resolved
        item.pendingCharge = nil
        item.chargedAt = nil
        item.nextAttemptAt = nil
        item.nextAttemptReason = nil
        item.closedBecause = how
        item.resolution = resolution
        item.recoveredOnAttempt = attempt
        item.lossReason = nil
        item.outcomeAt = at
        payments[paymentID] = item
        return [.cancelRetry(paymentID: paymentID), .item(item)]
    }

    // MARK: Time

    /// The retry timer of a payment came due (`now`: the clock, remembered with the charge).
    public mutating func retryDue(
        paymentID: String, now: Int64? = nil, networks: CardNetworkRules = .defaults, policy: RetryPolicy? = nil
    ) -> [RecoveryEffect] {
        guard var item = payments[paymentID], item.state == .open, item.nextAttemptAt != nil else { return [] }
        // Dunning paused: the resumption plans the attempt again (`setHold`).
        guard !isHeld(at: now) else { return [] }
        // The card's network limits again: charges made since (an operator's) may have used
        // them. A retry that may not go now is planned again, the policy's timing included.
        if let now, networkVerdict(item, at: now, networks: networks) != .allowed {
            let timed = item.reason.category != .technical
            if let at = plan(&item, due: now, policy: policy ?? RetryPolicy(), networks: networks, timed: timed) {
                item.nextAttemptAt = at
                payments[paymentID] = item
                return [.scheduleRetry(paymentID: paymentID, at: at), .item(item)]
            }
            item.nextAttemptAt = nil
            item.waitingForNewPaymentMethod = true
            payments[paymentID] = item
            return [.item(item)]
        }
        let cause: ChargeRequest.Cause = item.reason.category == .technical ? .technicalRetry : .schedule
        if cause == .schedule { item.attempts += 1 }
        return charge(&item, cause: cause, now: now)
    }

    private mutating func charge(_ item: inout FailedPayment, cause: ChargeRequest.Cause, now: Int64?)
        -> [RecoveryEffect]
    {
        let request = ChargeRequest(
            chargeRequestID: Self.chargeID(
                item.paymentID, attempt: item.attempts, technicalTry: item.technicalTries, cause: cause),
            paymentID: item.paymentID, invoiceID: item.invoiceID, amount: item.amount, currency: item.currency,
            method: item.method, attempt: item.attempts, cause: cause)
        item.state = .pending
        item.pendingCharge = request.chargeRequestID
        item.chargedAt = now
        item.nextAttemptAt = nil
        item.nextAttemptReason = nil
        payments[item.paymentID] = item
        // A charge on a card that was declined is a reattempt for its network's limits.
        if let now, let key = Self.cardKey(item), var attempts = cards?[key] {
            attempts.recordReattempt(at: now)
            cards?[key] = attempts
        }
        return [.charge(request), .item(item)]
    }

    // MARK: Timing and card network limits

    /// The card whose network limits an item's retries keep to: its id, else its brand (all
    /// the account's cards of that brand, the stricter count); nil for other methods.
    static func cardKey(_ item: FailedPayment) -> String? {
        guard item.method == .card else { return nil }
        if let id = item.cardID { return id }
        return item.cardBrand.map { "brand:\(CardBrand($0).name)" }
    }

    static func network(_ item: FailedPayment) -> CardNetwork { CardNetwork(brand: CardBrand(item.cardBrand ?? "")) }

    /// Whether the item's card may be charged again at `at`.
    func networkVerdict(_ item: FailedPayment, at: Int64, networks: CardNetworkRules) -> NetworkVerdict {
        guard let key = Self.cardKey(item), let attempts = cards?[key] else { return .allowed }
        return attempts.check(plannedAt: at, network: Self.network(item), rules: networks)
    }

    /// When the next attempt, due at `due` by the schedule, is made: moved by the policy's
    /// timing (a local time window, business days, paydays; `timed`) and deferred by the card
    /// network's limits, the reasons on the item; nil when a network rule forbids any
    /// reattempt on the card (the rule on the item).
    mutating func plan(
        _ item: inout FailedPayment, due: Int64, policy: RetryPolicy, networks: CardNetworkRules, timed: Bool
    ) -> Int64? {
        var deferrals: [String] = []
        var timingReason: String?
        let zone = policy.zone(customer: item.timeZone)
        func time(_ from: Int64, _ item: FailedPayment) -> Int64 {
            // No timing in the policy: `{}`, the methods' own rules (debits on business days).
            guard timed else { return from }
            let timing = policy.timing ?? RetryTiming()
            let planned = timing.plan(due: from, method: item.method, declineCode: item.reason.code, zone: zone)
            timingReason = planned.adjustments.isEmpty ? nil : planned.explanation
            return planned.at
        }
        var at = time(due, item)
        // A deferral may land outside the timing's window, and the window's next start past
        // another limit: a few rounds settle it; past them, the network's time wins.
        for round in 0..<9 {
            switch networkVerdict(item, at: at, networks: networks) {
            case .allowed:
                let reasons = deferrals + (timingReason.map { [$0] } ?? [])
                item.nextAttemptReason = reasons.isEmpty ? nil : reasons.joined(separator: "; ")
                return at
            case .deferred(let to, let rule):
                if !deferrals.contains(where: { $0.hasSuffix(rule) }) { deferrals.append("deferred by \(rule)") }
                at = round < 8 ? time(max(to, at), item) : max(to, at)
                if round == 8 { timingReason = nil }
            case .forbidden(let rule):
                item.retryBlockedBy = rule
                item.nextAttemptReason = nil
                return nil
            }
        }
        item.nextAttemptReason = deferrals.joined(separator: "; ")
        return at
    }

    // MARK: New payment method

    /// The customer's card was replaced: every open item is charged at once, oldest invoice
    /// first (refunds excepted: they are never retried automatically).
    public mutating func cardReplaced(now: Int64? = nil) -> [RecoveryEffect] {
        var effects: [RecoveryEffect] = []
        // Histories kept by brand (no card id) were the replaced card's.
        cards = cards?.filter { !$0.key.hasPrefix("brand:") }
        for var item in openItems where item.state == .open && item.type != .refund && !item.handedToCollections {
            guard item.method == .card else { continue }
            // Another card: the old one's network count is not its own (its id comes with its
            // first decline, if any).
            item.cardID = nil
            item.cardBrand = nil
            item.retryBlockedBy = nil
            item.waitingForNewPaymentMethod = false
            item.attempts += 1
            item.technicalTries = 0
            effects.append(.cancelRetry(paymentID: item.paymentID))
            effects += charge(&item, cause: .cardReplaced, now: now)
        }
        return effects
    }

    // MARK: Commands

    public mutating func command(
        _ command: RecoveryCommand, paymentID: String, role: ActorRole, now: Int64? = nil,
        networks: CardNetworkRules = .defaults
    ) -> [RecoveryEffect] {
        func refuse(_ reason: String) -> [RecoveryEffect] { [.refused(command: command.name, reason: reason)] }
        /// A charge an operator or the vendor asks for keeps to the card network's limits too.
        func networkRefusal(_ item: FailedPayment) -> [RecoveryEffect]? {
            guard let now else { return nil }
            switch networkVerdict(item, at: now, networks: networks) {
            case .allowed: return nil
            case .deferred(let to, let rule):
                return refuse("\(rule): no charge on this card before \(Timestamp.format(milliseconds: to))")
            case .forbidden(let rule): return refuse(rule)
            }
        }
        guard role.may(command) else { return refuse("the \(role.rawValue) role may not \(command.name)") }
        guard var item = payments[paymentID] else { return refuse("no failed payment \(paymentID) on this account") }
        guard item.state == .open || item.state == .pending else {
            return refuse("payment \(paymentID) is already \(item.state.rawValue)")
        }
        switch command {
        case .retryNow:
            guard item.state == .open else { return refuse("a charge for payment \(paymentID) is already pending") }
            guard !item.handedToCollections else {
                return refuse("payment \(paymentID) was handed over to collections")
            }
            if let refusal = networkRefusal(item) { return refusal }
            item.attempts += 1
            item.technicalTries = 0
            return [.cancelRetry(paymentID: paymentID)] + charge(&item, cause: .`operator`, now: now)
        case .dismiss(let note):
            item.state = .dismissed
            item.nextAttemptAt = nil
            item.nextAttemptReason = nil
            item.pendingCharge = nil
            item.chargedAt = nil
            item.closedBecause = note ?? "dismissed"
            item.lossReason = .dismissed
            item.outcomeAt = now
            payments[paymentID] = item
            return [.cancelRetry(paymentID: paymentID), .item(item)]
        case .changePaymentMethod(let method):
            guard item.type == .installment || item.type == .subscription else {
                return refuse(
                    item.type == .refund
                        ? "the payment method of a refund cannot be changed: refunds go back to where the money came from"
                        : "only installments and subscriptions can change their payment method")
            }
            if method != item.method {
                // Another means of payment: the card's network history is not its own.
                item.cardID = nil
                item.cardBrand = nil
                item.retryBlockedBy = nil
            }
            item.method = method
            item.waitingForNewPaymentMethod = false
            payments[paymentID] = item
            return [.item(item)]
        case .renewPaymentPlan:
            guard !item.handedToCollections else {
                return refuse("payment \(paymentID) was handed over to collections: the plan can no longer be renewed")
            }
            guard item.attemptsExhausted else {
                return refuse("the automatic attempts of payment \(paymentID) are not over")
            }
            guard !item.renewed else { return refuse("the payment plan of \(paymentID) was already renewed once") }
            guard item.state == .open else { return refuse("a charge for payment \(paymentID) is already pending") }
            if let refusal = networkRefusal(item) { return refusal }
            item.renewed = true
            item.attempts += 1
            return charge(&item, cause: .renewal, now: now)
        case .handOverToCollections:
            guard !item.handedToCollections else { return refuse("payment \(paymentID) is already with collections") }
            item.handedToCollections = true
            item.nextAttemptAt = nil
            item.nextAttemptReason = nil
            item.lossReason = .handedToCollections
            item.outcomeAt = now
            payments[paymentID] = item
            return [.cancelRetry(paymentID: paymentID), .handOver(item), .item(item)]
        }
    }
}

// The changelog's form, written directly (`StateJSONWritable`): the same bytes as the
// synthesized `Codable` conformances above, member for member.

extension PaymentRecovery: StateJSONWritable {
    public func writeStateJSON(into out: inout JSONOutput) {
        out.beginObject()
        out.key(static: "payments")
        out.object(payments) { $0.writeStateJSON(into: &$1) }
        if let cards {
            out.key(static: "cards")
            out.object(cards) { $0.writeStateJSON(into: &$1) }
        }
        if let hold {
            out.key(static: "hold")
            out.beginObject()
            out.member("excluded", hold.excluded)
            out.member("pausedUntil", hold.pausedUntil)
            out.endObject()
        }
        out.member("dunningEnded", dunningEnded?.rawValue)
        out.endObject()
    }
}

extension FailedPayment: StateJSONWritable {
    public func writeStateJSON(into out: inout JSONOutput) {
        out.beginObject()
        out.member("paymentID", paymentID)
        out.member("invoiceID", invoiceID)
        out.member("invoiceDate", invoiceDate)
        out.member("type", type.rawValue)
        out.member("method", method.rawValue)
        out.member("amount", amount)
        out.member("currency", currency)
        out.member("customerName", customerName)
        out.key(static: "reason")
        reason.writeStateJSON(into: &out)
        out.member("attempts", Int64(attempts))
        out.member("technicalTries", Int64(technicalTries))
        out.member("state", state.rawValue)
        out.member("waitingForNewPaymentMethod", waitingForNewPaymentMethod)
        out.member("attemptsExhausted", attemptsExhausted)
        out.member("renewed", renewed)
        out.member("handedToCollections", handedToCollections)
        out.member("nextAttemptAt", nextAttemptAt)
        out.member("pendingCharge", pendingCharge)
        out.member("closedBecause", closedBecause)
        out.member("chargedAt", chargedAt)
        out.member("firstFailedAt", firstFailedAt)
        out.member("resolution", resolution?.rawValue)
        out.member("recoveredOnAttempt", recoveredOnAttempt.map { Int64($0) })
        out.member("lossReason", lossReason?.rawValue)
        out.member("outcomeAt", outcomeAt)
        out.member("cardID", cardID)
        out.member("cardBrand", cardBrand)
        out.member("timeZone", timeZone)
        out.member("nextAttemptReason", nextAttemptReason)
        out.member("retryBlockedBy", retryBlockedBy)
        out.endObject()
    }
}

extension CardAttempts: StateJSONWritable {
    public func writeStateJSON(into out: inout JSONOutput) {
        out.beginObject()
        out.key(static: "reattempts")
        out.beginArray()
        for at in reattempts { out.integer(at) }
        out.endArray()
        out.member("lastApprovalAt", lastApprovalAt)
        out.member("neverRetryRule", neverRetryRule)
        out.member("waitUntil", waitUntil)
        out.member("waitRule", waitRule)
        out.member("keptMilliseconds", keptMilliseconds)
        out.member("keptCount", Int64(keptCount))
        out.endObject()
    }
}

extension DeclineReason: StateJSONWritable {
    public func writeStateJSON(into out: inout JSONOutput) {
        out.beginObject()
        out.member("scheme", scheme.rawValue)
        out.member("code", code)
        out.member("category", category.rawValue)
        out.member("description", description)
        out.endObject()
    }
}
