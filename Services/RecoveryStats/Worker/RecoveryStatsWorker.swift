import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime

/// recovery-stats, stage 1 (per account): follows each failed payment of the account from its
/// first failure to its end, from payment-retry's items (`relance.payment-outcomes`) and the
/// account's status (a termination loses what is still open), and publishes where each one
/// stands to `relance.recovery-facts`, regrouped by merchant (docs/recovery-stats.md).
public struct RecoveryStatsWorker: Worker {
    /// What a failed payment looks like to the figures, and where it stands.
    public struct Followed: Codable, Sendable, Equatable {
        public var amount: Int64
        public var currency: String
        public var declineCode: String
        public var method: PaymentMethod
        public var type: TransactionType
        public var firstFailedAt: Int64
        /// The item's own outcome (payment-retry's).
        public var resolution: String?
        public var recoveredOnAttempt: Int64?
        public var lossReason: String?
        public var outcomeAt: Int64?
        /// Facts published about it so far (the last one's `sequence`).
        public var sequence: Int64 = 0
        /// The last fact published, to publish only changes.
        public var published: Outcome?
    }

    /// Where a payment stands, as published.
    public struct Outcome: Codable, Sendable, Equatable {
        public var status: RecoveryFailureFact.Status
        public var resolution: String?
        public var recoveredOnAttempt: Int64?
        public var lossReason: String?
        public var outcomeAt: Int64?
    }

    public struct State: Codable, Sendable {
        public var payments: [String: Followed] = [:]
        /// When the account was terminated (milliseconds), while it is.
        public var terminatedAt: Int64?
        /// Currency → what was still open at termination, as last published.
        public var churnAmounts: [String: Int64]?
        public var churnSequence: Int64 = 0
        public var merchantID: String?
    }

    public var name = "recovery-stats"
    public var inputTopics = [RecoveryEvents.outcomesTopic, ProofEvents.accountStatusTopic]
    public var outputTopics = [RecoveryEvents.factsTopic]

    public init() {}

    public func handle(_ event: Event<RecoveryStatsInput>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        var account = state ?? State()
        account.merchantID = event.merchantID
        let occurredAt = min(Timestamp.milliseconds(event.occurredAt), Timestamp.milliseconds(context.now))
        switch event.data {
        case .item(let item):
            var followed =
                account.payments[item.paymentId]
                ?? Followed(
                    amount: item.amount, currency: item.currency, declineCode: item.declineCode,
                    method: item.paymentMethod, type: item.transactionType,
                    firstFailedAt: item.firstFailedAt.map(Timestamp.milliseconds) ?? occurredAt)
            followed.amount = item.amount
            followed.currency = item.currency
            followed.method = item.paymentMethod
            if let first = item.firstFailedAt { followed.firstFailedAt = Timestamp.milliseconds(first) }
            followed.resolution = item.resolution?.rawValue
            followed.recoveredOnAttempt = item.recoveredOnAttempt
            followed.lossReason = item.lossReason?.rawValue
            followed.outcomeAt =
                item.outcomeAt.map(Timestamp.milliseconds)
                ?? ((item.resolution != nil || item.lossReason != nil) ? occurredAt : nil)
            account.payments[item.paymentId] = followed
        case .status(let status):
            switch status.status {
            case .terminated:
                if account.terminatedAt == nil { account.terminatedAt = occurredAt }
            case .active, .reactivated:
                account.terminatedAt = nil
            case .pastDue, .suspended:
                break
            }
        }
        publish(&account, context: &context)
        state = account
    }

    /// No timers: everything it publishes follows an input.
    public func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {}

    /// Where `payment` stands on an account terminated at `terminatedAt` (nil: not terminated).
    static func outcome(_ payment: Followed, terminatedAt: Int64?) -> Outcome {
        if let resolution = payment.resolution {
            return Outcome(
                status: .recovered, resolution: resolution, recoveredOnAttempt: payment.recoveredOnAttempt,
                outcomeAt: payment.outcomeAt)
        }
        if let reason = payment.lossReason {
            return Outcome(status: .lost, lossReason: reason, outcomeAt: payment.outcomeAt)
        }
        if let terminatedAt, terminatedAt >= payment.firstFailedAt {
            return Outcome(
                status: .lost, lossReason: RecoveryFailureFact.LossReason.accountTerminated.rawValue,
                outcomeAt: terminatedAt)
        }
        return Outcome(status: .open)
    }

    /// Publishes each payment whose standing changed, and the churn fact when it changed.
    func publish(_ account: inout State, context: inout WorkerContext) {
        let merchant = account.merchantID ?? context.merchantID
        var churn: [String: Int64] = [:]
        for id in account.payments.keys.sorted() {
            guard var payment = account.payments[id] else { continue }
            let now = Self.outcome(payment, terminatedAt: account.terminatedAt)
            if now.lossReason == RecoveryFailureFact.LossReason.accountTerminated.rawValue {
                churn[payment.currency] = Money.addReceived(churn[payment.currency, default: 0], payment.amount)
            }
            guard now != payment.published else { continue }
            payment.sequence += 1
            payment.published = now
            account.payments[id] = payment
            context.emit(
                RecoveryFailureFact(
                    paymentId: id, paymentAccountId: context.accountID, amount: payment.amount,
                    currency: payment.currency, declineCode: payment.declineCode, paymentMethod: payment.method,
                    transactionType: payment.type, firstFailedAt: Timestamp.date(milliseconds: payment.firstFailedAt),
                    status: now.status,
                    resolution: now.resolution.flatMap(RecoveryFailureFact.Resolution.init(rawValue:)),
                    recoveredOnAttempt: now.recoveredOnAttempt,
                    lossReason: now.lossReason.flatMap(RecoveryFailureFact.LossReason.init(rawValue:)),
                    outcomeAt: now.outcomeAt.map(Timestamp.date(milliseconds:)), sequence: payment.sequence),
                to: RecoveryEvents.factsTopic, accountID: merchant, merchantID: merchant, key: merchant)
        }
        let churned: [String: Int64]? = account.terminatedAt == nil ? nil : churn
        guard churned != account.churnAmounts else { return }
        // Reactivated after a termination, or terminated: said once per change.
        account.churnAmounts = churned
        account.churnSequence += 1
        context.emit(
            RecoveryChurnFact(
                churnedAccountId: context.accountID, terminated: churned != nil,
                at: Timestamp.date(milliseconds: account.terminatedAt ?? Timestamp.milliseconds(context.now)),
                openAmounts: EventMap(churned ?? [:]), sequence: account.churnSequence),
            to: RecoveryEvents.factsTopic, accountID: merchant, merchantID: merchant, key: merchant)
    }
}

/// The events stage 1 reads, decoded.
public enum RecoveryStatsInput: WorkerInput {
    case item(ActionItemUpdated)
    case status(AccountStatus)

    public static var eventTypes: [EventType] { [PaymentEvents.actionItem, ProofEvents.accountStatus] }

    public init(_ event: EventEnvelope) throws(EventDataError) {
        switch event.type {
        case "action-item.updated": self = .item(try event.decode())
        case "account.status": self = .status(try event.decode())
        default: throw EventDataError(path: "type", problem: "\(event.type) is not an event recovery-stats reads")
        }
    }
}
