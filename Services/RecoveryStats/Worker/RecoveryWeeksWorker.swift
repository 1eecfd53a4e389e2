import RelanceDomain
import RelanceEvents
import RelanceRuntime

/// recovery-stats, stage 4 (per merchant, currency and ISO week): keeps the latest figures of
/// each day of the week from stage 3 and their sum, and publishes the week's figures to the
/// compacted `relance.recovery-stats` (docs/recovery-stats.md). Its state is at most seven
/// days' figures.
public struct RecoveryWeeksWorker: Worker {
    public typealias State = LatestFigures

    public var name = "recovery-stats-weeks"
    public var inputTopics = [RecoveryEvents.daysTopic]
    public var outputTopics = [RecoveryEvents.statsTopic]

    public init() {}

    public func handle(_ event: Event<RecoveryWeeksInput>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        let record = event.data.day
        let figures = record.figures
        let day = try LatestFigures.day(of: figures, "a day's record")
        let merchant = event.merchantID
        let weekKey = RecoveryPeriods.weekKey(merchant: merchant, currency: figures.currency, day: day)
        try LatestFigures.check(event.accountID, expected: weekKey)
        var latest = state ?? LatestFigures()
        do throws(MoneyOverflow) {
            guard try latest.replace(figures.start, revision: record.revision, figures: RecoveryAggregate(figures))
            else { return }  // a replay or an older record of that day
        } catch {
            throw WorkerRejection(MoneyOverflow.code, "the figures of \(weekKey) do not fit: \(error)")
        }
        context.emit(
            latest.total.figures(week: true, start: RecoveryPeriods.monday(day), currency: figures.currency),
            to: RecoveryEvents.statsTopic, accountID: merchant, key: weekKey)
        state = latest
    }

    /// No timers: everything it publishes follows an input.
    public func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {}
}

/// The day records stage 4 reads, decoded.
public enum RecoveryWeeksInput: WorkerInput {
    case day(RecoveryDayFigures)

    public static var eventTypes: [EventType] { [RecoveryEvents.dayFigures] }

    public init(_ event: EventEnvelope) throws(EventDataError) {
        self = .day(try event.decode())
    }

    var day: RecoveryDayFigures {
        switch self {
        case .day(let day): day
        }
    }
}
