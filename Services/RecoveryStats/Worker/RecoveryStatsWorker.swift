import Foundation
import Metrics
import RelanceDomain
import RelanceEvents
import RelanceRuntime

/// recovery-stats, stage 1 (per account): follows each failed payment of the account from its
/// first failure to its end, from payment-retry's items (`relance.payment-outcomes`) and the
/// account's status (a termination loses what is still open), and publishes where each one
/// stands to `relance.recovery-facts`, keyed by merchant, currency, day of first failure and
/// shard (docs/recovery-stats.md).
public struct RecoveryStatsWorker: Worker {
    /// What a failed payment looks like to the figures, and where it stands. Its decline code,
    /// method and transaction type are those of its first failure.
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
        /// The last fact published, to publish only changes and withdraw it from its key when
        /// its day or currency changes.
        public var published: Published?

        public init(
            amount: Int64, currency: String, declineCode: String, method: PaymentMethod, type: TransactionType,
            firstFailedAt: Int64, sequence: Int64 = 0, published: Published? = nil
        ) {
            self.amount = amount
            self.currency = currency
            self.declineCode = declineCode
            self.method = method
            self.type = type
            self.firstFailedAt = firstFailedAt
            self.sequence = sequence
            self.published = published
        }
    }

    /// Where a payment stands, as published.
    public struct Outcome: Codable, Sendable, Equatable {
        public var status: RecoveryFailureFact.Status
        public var resolution: String?
        public var recoveredOnAttempt: Int64?
        public var lossReason: String?
        public var outcomeAt: Int64?

        public init(
            status: RecoveryFailureFact.Status, resolution: String? = nil, recoveredOnAttempt: Int64? = nil,
            lossReason: String? = nil, outcomeAt: Int64? = nil
        ) {
            self.status = status
            self.resolution = resolution
            self.recoveredOnAttempt = recoveredOnAttempt
            self.lossReason = lossReason
            self.outcomeAt = outcomeAt
        }
    }

    /// A published fact's content (with `Followed`'s fixed members).
    public struct Published: Codable, Sendable, Equatable {
        public var merchant: String
        public var currency: String
        public var amount: Int64
        public var firstFailedAt: Int64
        public var outcome: Outcome

        public init(merchant: String, currency: String, amount: Int64, firstFailedAt: Int64, outcome: Outcome) {
            self.merchant = merchant
            self.currency = currency
            self.amount = amount
            self.firstFailedAt = firstFailedAt
            self.outcome = outcome
        }
    }

    /// A churn fact as published, per currency.
    public struct ChurnPublished: Codable, Sendable, Equatable {
        public var merchant: String
        public var at: Int64
        public var unpaid: Int64
    }

    public struct State: Codable, Sendable {
        public var payments: [String: Followed] = [:]
        /// When the account churned (milliseconds), while it is: terminated, its subscription
        /// cancelled, handed to collections or written off (docs/recovery-stats.md, "Churn").
        public var terminatedAt: Int64?
        /// The loss reason of the payments the churn left open (nil: `account_terminated`).
        public var churnLossReason: String?
        /// Currency → the churn fact last published as terminated.
        public var churn: [String: ChurnPublished] = [:]
        public var churnSequence: Int64 = 0
        public var merchantID: String?

        public init() {}
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
        // The event's own time (its producer bounds it by its clock), never this worker's clock:
        // the same input gives the same facts after a crash, whatever the clock has read since.
        let occurredAt = Timestamp.milliseconds(event.occurredAt)
        switch event.data {
        case .item(let item):
            let known = account.payments[item.paymentId]
            guard item.firstFailedAt != nil || known != nil else {
                // An item payment-retry opened before it dated first failures: its cohort is
                // unknown, so it is left out of the figures rather than misdated.
                Counter(label: "relance_recovery_undated_item_events_total").increment()
                return
            }
            let firstFailed = item.firstFailedAt.map(Timestamp.milliseconds) ?? known?.firstFailedAt ?? occurredAt
            var followed =
                known
                ?? Followed(
                    amount: item.amount, currency: item.currency, declineCode: item.declineCode,
                    method: item.paymentMethod, type: item.transactionType, firstFailedAt: firstFailed)
            followed.amount = item.amount
            followed.currency = item.currency
            followed.firstFailedAt = firstFailed
            followed.resolution = item.resolution?.rawValue
            followed.recoveredOnAttempt = item.recoveredOnAttempt
            followed.lossReason = item.lossReason?.rawValue
            followed.outcomeAt =
                item.outcomeAt.map(Timestamp.milliseconds)
                ?? ((item.resolution != nil || item.lossReason != nil) ? occurredAt : nil)
            account.payments[item.paymentId] = followed
        case .status(let status):
            switch status.status {
            case .terminated, .cancelled, .inCollections, .writtenOff:
                // How dunning ended: the customer is lost. The first end counts.
                if account.terminatedAt == nil {
                    account.terminatedAt = occurredAt
                    account.churnLossReason = Self.churnLossReason(status.status)
                }
            case .active, .reactivated:
                account.terminatedAt = nil
                account.churnLossReason = nil
            case .pastDue, .suspended:
                // A suspension, even a lasting one (final action `suspend`), keeps the customer.
                break
            }
        }
        do throws(MoneyOverflow) {
            try publish(&account, context: &context)
        } catch {
            throw WorkerRejection(
                MoneyOverflow.code, "what account \(context.accountID) still owed does not fit an amount: \(error)")
        }
        state = account
    }

    /// No timers: everything it publishes follows an input.
    public func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {}

    /// The loss reason of what a churn status leaves open: handed to collections for
    /// `in_collections`, else `account_terminated` (a cancelled subscription or a write-off ends
    /// the account as a termination does; the list of loss reasons has no finer one).
    static func churnLossReason(_ status: AccountStatus.Status) -> String? {
        status == .inCollections ? RecoveryFailureFact.LossReason.handedToCollections.rawValue : nil
    }

    /// Where `payment` stands on an account terminated at `terminatedAt` (nil: not terminated),
    /// lost then for `churnLossReason` (nil: `account_terminated`).
    static func outcome(_ payment: Followed, terminatedAt: Int64?, churnLossReason: String? = nil) -> Outcome {
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
                status: .lost,
                lossReason: churnLossReason ?? RecoveryFailureFact.LossReason.accountTerminated.rawValue,
                outcomeAt: terminatedAt)
        }
        return Outcome(status: .open)
    }

    /// Publishes each payment whose fact changed (withdrawing it from its former key when its
    /// day or currency moved), and the churn facts that changed.
    func publish(_ account: inout State, context: inout WorkerContext) throws(MoneyOverflow) {
        let merchant = account.merchantID ?? context.merchantID
        func key(_ published: Published, _ id: String) -> String {
            RecoveryPeriods.factKey(
                merchant: published.merchant, currency: published.currency,
                day: RecoveryPeriods.day(published.firstFailedAt), id: id)
        }
        func emit(_ id: String, _ payment: Followed, _ published: Published, withdrawn: Bool) {
            let outcome = published.outcome
            context.emit(
                RecoveryFailureFact(
                    paymentId: id, paymentAccountId: context.accountID, amount: published.amount,
                    currency: published.currency, declineCode: payment.declineCode, paymentMethod: payment.method,
                    transactionType: payment.type,
                    firstFailedAt: Timestamp.date(milliseconds: published.firstFailedAt), status: outcome.status,
                    resolution: outcome.resolution.flatMap(RecoveryFailureFact.Resolution.init(rawValue:)),
                    recoveredOnAttempt: outcome.recoveredOnAttempt,
                    lossReason: outcome.lossReason.flatMap(RecoveryFailureFact.LossReason.init(rawValue:)),
                    outcomeAt: outcome.outcomeAt.map(Timestamp.date(milliseconds:)), sequence: payment.sequence,
                    withdrawn: withdrawn ? true : nil),
                to: RecoveryEvents.factsTopic, accountID: key(published, id), merchantID: published.merchant)
        }
        // Currency → what the account's failed payments still owed at termination (paid
        // afterwards or not: churn is what the termination left unpaid).
        var unpaid: [String: Int64] = [:]
        for id in account.payments.keys.sorted() {
            guard var payment = account.payments[id] else { continue }
            let now = Published(
                merchant: merchant, currency: payment.currency, amount: payment.amount,
                firstFailedAt: payment.firstFailedAt,
                outcome: Self.outcome(
                    payment, terminatedAt: account.terminatedAt, churnLossReason: account.churnLossReason))
            if let terminatedAt = account.terminatedAt, payment.firstFailedAt <= terminatedAt,
                payment.resolution == nil || (payment.outcomeAt ?? 0) > terminatedAt
            {
                let owed = try Money.add(unpaid[payment.currency, default: 0], payment.amount)
                guard Money.isWithinBound(owed) else { throw MoneyOverflow("\(owed) > \(Money.maximumMinorUnits)") }
                unpaid[payment.currency] = owed
            }
            guard now != payment.published else { continue }
            if let before = payment.published, key(before, id) != key(now, id) {
                payment.sequence += 1
                emit(id, payment, before, withdrawn: true)
            }
            payment.sequence += 1
            payment.published = now
            account.payments[id] = payment
            emit(id, payment, now, withdrawn: false)
        }
        // Churn, per currency: terminated with what was unpaid, or no longer (reactivated, or
        // its termination or payments moved).
        var wanted: [String: ChurnPublished] = [:]
        if let terminatedAt = account.terminatedAt {
            for (currency, amount) in unpaid {
                wanted[currency] = ChurnPublished(merchant: merchant, at: terminatedAt, unpaid: amount)
            }
        }
        for currency in Set(wanted.keys).union(account.churn.keys).sorted() {
            let before = account.churn[currency]
            let now = wanted[currency]
            guard before != now else { continue }
            func churnFact(_ churned: ChurnPublished, terminated: Bool) {
                account.churnSequence += 1
                context.emit(
                    RecoveryChurnFact(
                        churnedAccountId: context.accountID, terminated: terminated,
                        at: Timestamp.date(milliseconds: churned.at), currency: currency,
                        unpaidAmount: churned.unpaid, sequence: account.churnSequence),
                    to: RecoveryEvents.factsTopic,
                    accountID: RecoveryPeriods.factKey(
                        merchant: churned.merchant, currency: currency, day: RecoveryPeriods.day(churned.at),
                        id: context.accountID),
                    merchantID: churned.merchant)
            }
            if let before, now == nil || before.at != now?.at || before.merchant != now?.merchant {
                churnFact(before, terminated: false)
            }
            if let now { churnFact(now, terminated: true) }
            account.churn[currency] = now
        }
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
