import RelanceDomain
import RelanceEvents
import RelanceRuntime

/// The latest figures of each part of a period (a shard of a day, a day of a week), by revision,
/// and their sum: what stages 3 and 4 keep. Every figure is a sum, so replacing a part moves
/// the total by the difference, and a part with a revision not above the one kept (a replay,
/// an older record) changes nothing.
public struct LatestFigures: Codable, Sendable, Equatable {
    public struct Part: Codable, Sendable, Equatable {
        public var revision: Int64
        public var figures: RecoveryAggregate
    }

    /// Part (a shard number, a `YYYY-MM-DD` day) → its latest figures.
    public var parts: [String: Part] = [:]
    public var total = RecoveryAggregate()

    public init() {}

    /// Keeps `figures` as part `id`'s unless the part already has a revision at least as high;
    /// true when the total may have changed.
    public mutating func replace(_ id: String, revision: Int64, figures: RecoveryAggregate) throws(MoneyOverflow)
        -> Bool
    {
        let old = parts[id]
        if let old, old.revision >= revision { return false }
        var total = total
        if let old { try total.add(old.figures, sign: -1) }
        try total.add(figures, sign: 1)
        self.total = total
        parts[id] = Part(revision: revision, figures: figures)
        return true
    }

    /// The sum of the parts' revisions: strictly higher after every `replace` that returned true,
    /// and the same however the parts arrived (a rebuilt state numbers alike).
    public var revision: Int64 {
        parts.values.reduce(0) { $0 &+ $1.revision }
    }

    /// Checks what stages 3 and 4 read: one day's figures with a histogram of at most
    /// `RecoveryAggregate.histogramBuckets` buckets; the day, or a rejection saying `what`.
    static func day(of figures: RecoveryStatsUpdated, _ what: String) throws(WorkerRejection) -> Int {
        guard figures.period == .day, let day = RecoveryPeriods.day(of: figures.start),
            figures.daysToRecover.histogram.count <= RecoveryAggregate.histogramBuckets
        else {
            throw WorkerRejection(
                "invalid_partial",
                "\(what) holds one day's figures with at most \(RecoveryAggregate.histogramBuckets) days-to-recover buckets"
            )
        }
        return day
    }

    /// A record is read under the key its own data gives it: another key would count it in a
    /// period that is not its own.
    static func check(_ key: String, expected: String) throws(WorkerRejection) {
        guard key == expected else {
            throw WorkerRejection(
                "misrouted_fact", "this record belongs under key \(expected), not \(key) (docs/recovery-stats.md)")
        }
    }
}
