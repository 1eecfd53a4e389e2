import Foundation
import Metrics
import RelanceDomain
import RelanceEvents
import RelanceRuntime

/// recovery-stats, stage 2 (per merchant, currency, day of first failure and shard): keeps the
/// latest fact of each of the shard's failed payments (and accounts terminated that day) with
/// the sum of what they count for, moves a payment's contribution when a newer fact arrives,
/// and publishes the shard's day figures to `relance.recovery-partials`, keyed by day for
/// stage 3 (docs/recovery-stats.md). A fact with a sequence not above the one kept (a replay,
/// a copy) changes nothing: each payment is counted once, where it stands now.
///
/// The state of one key is one record on the changelog: spreading a day over
/// `RecoveryEvents.shards` keys keeps it below Kafka's 1 MB message limit (125–200 bytes per
/// payment, about 5,000 per shard, 80,000 failures of one merchant, currency and day). A
/// payment past `maxStateBytes` is refused (`shard_full`, a dead letter) rather than stopping
/// the shard.
public struct RecoveryFiguresWorker: Worker {
    public struct Tracked: Codable, Sendable, Equatable {
        public var payment: RecoveryAggregate.Payment
        public var sequence: Int64
        /// No longer counted here (moved to another day or currency); kept for its sequence.
        public var withdrawn: Bool

        public init(payment: RecoveryAggregate.Payment, sequence: Int64, withdrawn: Bool) {
            self.payment = payment
            self.sequence = sequence
            self.withdrawn = withdrawn
        }

        enum CodingKeys: String, CodingKey {
            case payment = "p"
            case sequence = "s"
            case withdrawn = "w"
        }
    }

    public struct Churned: Codable, Sendable, Equatable {
        public var terminated: Bool
        public var unpaid: Int64
        public var sequence: Int64
    }

    public struct State: Codable, Sendable {
        public var payments: [String: Tracked] = [:]
        public var churn: [String: Churned] = [:]
        public var figures = RecoveryAggregate()
        /// Partials published so far (the last one's `revision`).
        public var revision: Int64 = 0
        /// About how large the encoded state is (`estimatedBytes`), for the size limit.
        public var bytes = 0

        public init() {}
    }

    /// The most one shard's state may hold, by `estimatedBytes` (a changelog record; Kafka's
    /// default limit is 1 MB, and the estimate errs above the encoded size).
    public var maxStateBytes = 800_000

    /// An upper bound of what a payment adds to the shard's encoded state: its id and texts,
    /// the member names and punctuation, the numbers at their widest.
    static func estimatedBytes(_ id: String, _ tracked: Tracked) -> Int {
        let payment = tracked.payment
        return 130 + id.utf8.count + payment.declineCode.utf8.count + payment.method.utf8.count
            + payment.type.utf8.count + payment.status.rawValue.utf8.count + (payment.resolution?.utf8.count ?? 0)
            + (payment.lossReason?.utf8.count ?? 0)
    }

    /// What a terminated account adds, besides its id.
    static let churnEntryBytes = 80

    public var name = "recovery-stats-figures"
    public var inputTopics = [RecoveryEvents.factsTopic]
    public var outputTopics = [RecoveryEvents.partialsTopic]

    public init() {}

    public func handle(_ event: Event<RecoveryFiguresInput>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        var shard = state ?? State()
        let merchant = event.merchantID
        let currency: String
        let day: Int
        switch event.data {
        case .failure(let fact):
            currency = fact.currency
            day = RecoveryPeriods.day(Timestamp.milliseconds(fact.firstFailedAt))
        case .churn(let fact):
            currency = fact.currency
            day = RecoveryPeriods.day(Timestamp.milliseconds(fact.at))
        }
        try Self.check(
            event, key: RecoveryPeriods.factKey(merchant: merchant, currency: currency, day: day, id: event.data.id))
        var rejection: WorkerRejection?
        do throws(MoneyOverflow) {
            switch event.data {
            case .failure(let fact):
                let old = shard.payments[fact.paymentId]
                if let old, old.sequence >= fact.sequence { return }  // a replay or an older fact: counted already
                let new = Tracked(
                    payment: RecoveryAggregate.Payment(fact), sequence: fact.sequence,
                    withdrawn: fact.withdrawn ?? false)
                let bytes =
                    shard.bytes + Self.estimatedBytes(fact.paymentId, new)
                    - (old.map { Self.estimatedBytes(fact.paymentId, $0) } ?? 0)
                // A withdrawal is always taken: refusing it would leave the payment counted here.
                if bytes > maxStateBytes && bytes > shard.bytes && !new.withdrawn {
                    rejection = WorkerRejection(
                        "shard_full",
                        "\(context.accountID) holds about \(shard.bytes) bytes of payments (limit \(maxStateBytes)): "
                            + "its state would pass Kafka's record size limit (docs/recovery-stats.md, \"Limits and sizes\")"
                    )
                    break
                }
                shard.bytes = bytes
                if let old, !old.withdrawn { try shard.figures.add(old.payment, sign: -1) }
                if !new.withdrawn { try shard.figures.add(new.payment, sign: 1) }
                if !new.withdrawn
                    && (old?.withdrawn != false || old?.payment.status != new.payment.status
                        || old?.payment.resolution != new.payment.resolution
                        || old?.payment.lossReason != new.payment.lossReason)
                {
                    Self.count(new.payment, currency: currency)
                }
                shard.payments[fact.paymentId] = new
            case .churn(let fact):
                let old = shard.churn[fact.churnedAccountId]
                if let old, old.sequence >= fact.sequence { return }
                if old == nil { shard.bytes += Self.churnEntryBytes + fact.churnedAccountId.utf8.count }
                if let old, old.terminated { try shard.figures.addChurn(old.unpaid, sign: -1) }
                if fact.terminated { try shard.figures.addChurn(fact.unpaidAmount, sign: 1) }
                shard.churn[fact.churnedAccountId] = Churned(
                    terminated: fact.terminated, unpaid: fact.unpaidAmount, sequence: fact.sequence)
            }
        } catch {
            throw WorkerRejection(MoneyOverflow.code, "the figures of \(context.accountID) do not fit: \(error)")
        }
        if let rejection { throw rejection }
        shard.revision += 1
        context.emit(
            RecoveryPartialFigures(
                shard: Int64(RecoveryPeriods.shard(event.data.id)), revision: shard.revision,
                figures: shard.figures.figures(week: false, start: day, currency: currency)),
            to: RecoveryEvents.partialsTopic,
            accountID: RecoveryPeriods.dayKey(merchant: merchant, currency: currency, day: day))
        state = shard
    }

    /// A fact is read under the key its own data gives it (stage 1 writes it so): another key
    /// would count it in a shard that is not its own, and twice if it moves.
    static func check(_ event: Event<RecoveryFiguresInput>, key: String) throws(WorkerRejection) {
        guard event.accountID == key else {
            throw WorkerRejection(
                "misrouted_fact", "this fact belongs under key \(key), not \(event.accountID) (docs/recovery-stats.md)")
        }
    }

    /// No timers: everything it publishes follows an input.
    public func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {}

    /// Prometheus: payments moved into a standing, and their amounts, with bounded labels only
    /// (currency, status, channel or loss reason; never a merchant, account or payment). A
    /// handler may run again after an aborted transaction, so these can count a move twice;
    /// the published figures are exact.
    static func count(_ payment: RecoveryAggregate.Payment, currency: String) {
        let labels = metricLabels(payment, currency: currency)
        Counter(label: "relance_recovery_payments_total", dimensions: labels).increment()
        Counter(label: "relance_recovery_amount_minor_total", dimensions: labels)
            .increment(by: Int64(clamping: max(0, payment.amount)))
    }

    /// The labels of a payment's move: values from closed lists only.
    static func metricLabels(_ payment: RecoveryAggregate.Payment, currency: String) -> [(String, String)] {
        let currency = Currency(code: currency) == nil ? "other" : currency
        let detail: String
        switch payment.status {
        case .open: detail = "none"
        case .recovered:
            detail = RecoveryFailureFact.Resolution(rawValue: payment.resolution ?? "")?.rawValue ?? "other"
        case .lost:
            detail = RecoveryFailureFact.LossReason(rawValue: payment.lossReason ?? "")?.rawValue ?? "other"
        }
        return [("currency", currency), ("status", payment.status.rawValue), ("detail", detail)]
    }
}

/// The facts stage 2 reads, decoded.
public enum RecoveryFiguresInput: WorkerInput {
    case failure(RecoveryFailureFact)
    case churn(RecoveryChurnFact)

    public static var eventTypes: [EventType] { [RecoveryEvents.failureFact, RecoveryEvents.churnFact] }

    public init(_ event: EventEnvelope) throws(EventDataError) {
        switch event.type {
        case "recovery.failure-fact": self = .failure(try event.decode())
        case "recovery.churn-fact": self = .churn(try event.decode())
        default: throw EventDataError(path: "type", problem: "\(event.type) is not a fact recovery-stats reads")
        }
    }

    /// The payment's, or the churned account's, id: what the shard is chosen by.
    var id: String {
        switch self {
        case .failure(let fact): fact.paymentId
        case .churn(let fact): fact.churnedAccountId
        }
    }
}
