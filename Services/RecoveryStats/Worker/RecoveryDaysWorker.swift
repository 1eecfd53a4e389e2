import RelanceDomain
import RelanceEvents
import RelanceRuntime

/// recovery-stats, stage 3 (per merchant, currency and day of first failure): keeps the latest
/// figures of each of the day's `RecoveryEvents.shards` shards from stage 2 and their sum,
/// publishes the day's figures to the compacted `relance.recovery-stats`, and the same figures
/// numbered by revision to `relance.recovery-days`, keyed by ISO week for stage 4
/// (docs/recovery-stats.md). Its state is at most 16 shards' figures (about 10 KB).
public struct RecoveryDaysWorker: Worker {
    public typealias State = LatestFigures

    public var name = "recovery-stats-days"
    public var inputTopics = [RecoveryEvents.partialsTopic]
    public var outputTopics = [RecoveryEvents.statsTopic, RecoveryEvents.daysTopic]

    public init() {}

    public func handle(_ event: Event<RecoveryDaysInput>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        let partial = event.data.partial
        let figures = partial.figures
        let day = try LatestFigures.day(of: figures, "a partial")
        guard (0..<Int64(RecoveryEvents.shards)).contains(partial.shard) else {
            throw WorkerRejection("invalid_partial", "a partial's shard is 0…\(RecoveryEvents.shards - 1)")
        }
        let merchant = event.merchantID
        let dayKey = RecoveryPeriods.dayKey(merchant: merchant, currency: figures.currency, day: day)
        try LatestFigures.check(event.accountID, expected: dayKey)
        var latest = state ?? LatestFigures()
        do throws(MoneyOverflow) {
            guard
                try latest.replace(
                    String(partial.shard), revision: partial.revision, figures: RecoveryAggregate(figures))
            else { return }  // a replay or an older partial
        } catch {
            throw WorkerRejection(MoneyOverflow.code, "the figures of \(dayKey) do not fit: \(error)")
        }
        let published = latest.total.figures(week: false, start: day, currency: figures.currency)
        context.emit(published, to: RecoveryEvents.statsTopic, accountID: merchant, key: dayKey)
        context.emit(
            RecoveryDayFigures(revision: latest.revision, figures: published), to: RecoveryEvents.daysTopic,
            accountID: RecoveryPeriods.weekKey(merchant: merchant, currency: figures.currency, day: day))
        state = latest
    }

    /// No timers: everything it publishes follows an input.
    public func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {}
}

/// The partials stage 3 reads, decoded.
public enum RecoveryDaysInput: WorkerInput {
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
