import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime

/// recovery-stats, stage 3 (per merchant, currency and ISO week): keeps the latest figures of
/// each shard and day of the week from stage 2, the sum of each day and of the week, and
/// publishes the day and the week a partial changed to the compacted `relance.recovery-stats`
/// (docs/recovery-stats.md). A partial with a revision not above the one kept changes nothing.
public struct RecoveryPeriodsWorker: Worker {
    public struct Partial: Codable, Sendable, Equatable {
        public var revision: Int64
        public var figures: RecoveryAggregate
    }

    public struct State: Codable, Sendable {
        /// `YYYY-MM-DD/shard` → that shard's figures of that day.
        public var partials: [String: Partial] = [:]
        /// `YYYY-MM-DD` → the sum of the day's shards.
        public var days: [String: RecoveryAggregate] = [:]
        public var week = RecoveryAggregate()
    }

    public var name = "recovery-stats-periods"
    public var inputTopics = [RecoveryEvents.partialsTopic]
    public var outputTopics = [RecoveryEvents.statsTopic]

    public init() {}

    public func handle(_ event: Event<RecoveryPeriodsInput>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        let partial = event.data.partial
        let figures = partial.figures
        guard figures.period == .day, let day = RecoveryPeriods.day(of: figures.start),
            partial.shard < RecoveryEvents.shards,
            figures.daysToRecover.histogram.count <= RecoveryAggregate.histogramBuckets
        else {
            throw WorkerRejection(
                "invalid_partial",
                "a partial holds one day's figures of shard 0…\(RecoveryEvents.shards - 1), with at most "
                    + "\(RecoveryAggregate.histogramBuckets) days-to-recover buckets")
        }
        let merchant = event.merchantID
        let weekKey = RecoveryPeriods.weekKey(merchant: merchant, currency: figures.currency, day: day)
        guard event.accountID == weekKey else {
            throw WorkerRejection(
                "misrouted_fact", "this partial belongs under key \(weekKey), not \(event.accountID)")
        }
        var week = state ?? State()
        let id = "\(figures.start)/\(partial.shard)"
        let old = week.partials[id]
        if let old, old.revision >= partial.revision { return }  // a replay or an older partial
        let new = RecoveryAggregate(figures)
        do throws(MoneyOverflow) {
            var total = week.days[figures.start] ?? RecoveryAggregate()
            if let old {
                try total.add(old.figures, sign: -1)
                try week.week.add(old.figures, sign: -1)
            }
            try total.add(new, sign: 1)
            try week.week.add(new, sign: 1)
            week.days[figures.start] = total == RecoveryAggregate() ? nil : total
        } catch {
            throw WorkerRejection(MoneyOverflow.code, "the figures of \(weekKey) do not fit: \(error)")
        }
        week.partials[id] = Partial(revision: partial.revision, figures: new)
        let monday = RecoveryPeriods.monday(day)
        context.emit(
            (week.days[figures.start] ?? RecoveryAggregate()).figures(
                week: false, start: day, currency: figures.currency),
            to: RecoveryEvents.statsTopic, accountID: merchant,
            key: RecoveryPeriods.dayKey(merchant: merchant, currency: figures.currency, day: day))
        context.emit(
            week.week.figures(week: true, start: monday, currency: figures.currency),
            to: RecoveryEvents.statsTopic, accountID: merchant, key: weekKey)
        state = week
    }

    /// No timers: everything it publishes follows an input.
    public func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {}
}

/// The partials stage 3 reads, decoded.
public enum RecoveryPeriodsInput: WorkerInput {
    case partial(RecoveryPartialFigures)

    public static var eventTypes: [EventType] { [RecoveryEvents.partialFigures] }

    public init(_ event: EventEnvelope) throws(EventDataError) {
        self = .partial(try event.decode())
    }

    var partial: RecoveryPartialFigures {
        switch self {
        case .partial(let partial): partial
        }
    }
}
