import Foundation
import Metrics
import RelanceKafka
import Synchronization

/// The runtime's metrics: kept here for the process itself (tests, the demo, readiness) and
/// emitted through swift-metrics, labelled with the worker's name, for whatever backend the
/// process bootstrapped (the executables: Prometheus on `/metrics`).
public final class RuntimeMetrics: Sendable {
    struct Values {
        var eventsIn = 0
        var eventsOut = 0
        var duplicates = 0
        /// Records found on another partition than their key's, sent to their key's partition.
        var rerouted = 0
        /// Replayed dead letters read, by result (`ReplayOutcome.Result`).
        var replays: [String: Int] = [:]
        var deadLetters: [String: Int] = [:]
        /// Commands and replays checked, by result.
        var commandAuth: [String: Int] = [:]
        var transactionsCommitted = 0
        var transactionsAborted = 0
        var timersFired = 0
        var timersPending = 0
        /// The earliest clock among owned partitions, milliseconds since 1970 (0: no tick yet).
        var clock: Int64 = 0
        var restoredRecords = 0
        var accounts = 0
        var assignedPartitions = 0
        var lag: [String: Int64] = [:]
    }

    /// What was last pushed to swift-metrics, and the handles pushed to.
    struct Exported {
        var exported: [String: Int] = [:]
        var counters: [String: Counter] = [:]
        var gauges: [String: Gauge] = [:]
        var lagPartitions: Set<String> = []
    }

    let worker: String
    let values = Mutex(Values())
    private let exporter = Mutex(Exported())
    private let dimensions: [(String, String)]
    private let batchTimer: Metrics.Timer
    private static let described: Void = MetricDescriptions.describe(help)

    private let factory: any MetricsFactory

    /// `factory`: the swift-metrics backend (default: the one the process bootstrapped).
    public init(worker: String, factory: (any MetricsFactory)? = nil) {
        _ = Self.described
        self.worker = worker
        self.dimensions = [("worker", worker)]
        let factory = factory ?? MetricsSystem.factory
        self.factory = factory
        self.batchTimer = Metrics.Timer(
            label: "relance_batch_duration_seconds", dimensions: [("worker", worker)], factory: factory)
    }

    func update(_ body: (inout Values) -> Void) {
        let snapshot = values.withLock { v in
            body(&v)
            return v
        }
        export(snapshot)
    }

    func observeBatch(seconds: Double) {
        batchTimer.recordNanoseconds(Int64(seconds * 1_000_000_000))
    }

    /// The earliest clock among owned partitions, milliseconds since 1970 (0: no tick yet).
    public var clockMilliseconds: Int64 { values.withLock { $0.clock } }

    public var deadLetterCount: Int { values.withLock { $0.deadLetters.values.reduce(0, +) } }
    public var committedTransactions: Int { values.withLock { $0.transactionsCommitted } }
    public var abortedTransactions: Int { values.withLock { $0.transactionsAborted } }
    public var eventsIn: Int { values.withLock { $0.eventsIn } }
    public var duplicates: Int { values.withLock { $0.duplicates } }
    public var rerouted: Int { values.withLock { $0.rerouted } }
    public func replays(_ result: String) -> Int { values.withLock { $0.replays[result, default: 0] } }
    public var timersFired: Int { values.withLock { $0.timersFired } }
    /// Commands (and replays) checked with this result: `verified`, `unsigned_accepted`,
    /// `unauthenticated`, `forbidden`.
    public func commandAuth(_ result: String) -> Int { values.withLock { $0.commandAuth[result, default: 0] } }
    public func deadLetters(_ code: String) -> Int { values.withLock { $0.deadLetters[code, default: 0] } }

    /// Pushes what changed since the last call to swift-metrics (counters by their increase,
    /// gauges by their value). Runs after every update: once per batch, tick or gauge refresh.
    private func export(_ v: Values) {
        exporter.withLock { e in
            func count(_ name: String, _ total: Int, _ labels: [(String, String)] = []) {
                let key = name + labels.map { "|\($0.1)" }.joined()
                let delta = total - (e.exported[key] ?? 0)
                // Made at once, so that the page shows 0 rather than nothing.
                guard delta > 0 || e.counters[key] == nil else { return }
                e.exported[key] = total
                let counter =
                    e.counters[key]
                    ?? {
                        let made = Counter(label: name, dimensions: dimensions + labels, factory: factory)
                        e.counters[key] = made
                        return made
                    }()
                if delta > 0 { counter.increment(by: delta) }
            }
            func gauge(_ name: String, _ value: Double, _ labels: [(String, String)] = []) {
                let key = name + labels.map { "|\($0.1)" }.joined()
                let gauge =
                    e.gauges[key]
                    ?? {
                        let made = Gauge(label: name, dimensions: dimensions + labels, factory: factory)
                        e.gauges[key] = made
                        return made
                    }()
                gauge.record(value)
            }
            count("relance_events_in_total", v.eventsIn)
            count("relance_events_out_total", v.eventsOut)
            count("relance_duplicate_events_total", v.duplicates)
            count("relance_rerouted_records_total", v.rerouted)
            for (result, n) in v.replays { count("relance_replayed_dead_letters_total", n, [("result", result)]) }
            for (reason, n) in v.deadLetters { count("relance_dead_letters_total", n, [("reason", reason)]) }
            for (result, n) in v.commandAuth { count("relance_command_auth_total", n, [("result", result)]) }
            count("relance_transactions_total", v.transactionsCommitted, [("outcome", "committed")])
            count("relance_transactions_total", v.transactionsAborted, [("outcome", "aborted")])
            count("relance_timers_fired_total", v.timersFired)
            count("relance_changelog_restored_records_total", v.restoredRecords)
            gauge("relance_timers_pending", Double(v.timersPending))
            gauge("relance_accounts", Double(v.accounts))
            gauge("relance_clock_seconds", Double(v.clock) / 1000)
            gauge("relance_assigned_partitions", Double(v.assignedPartitions))
            // A partition no longer owned shows 0: its lag is its new owner's to report.
            for partition in e.lagPartitions.subtracting(v.lag.keys) {
                gauge("relance_consumer_lag", 0, [("partition", partition)])
            }
            e.lagPartitions.formUnion(v.lag.keys)
            for (partition, lag) in v.lag { gauge("relance_consumer_lag", Double(lag), [("partition", partition)]) }
        }
    }

    static let help: [String: String] = [
        "relance_events_in_total": "Input events read (clock ticks excluded).",
        "relance_events_out_total": "Records published by handlers.",
        "relance_duplicate_events_total": "Input events dropped as already seen (same event id).",
        "relance_rerouted_records_total":
            "Records read on another partition than their key's (a publisher with another partitioner), sent to "
            + "their key's partition.",
        "relance_replayed_dead_letters_total": "Replayed dead letters read, by result.",
        "relance_dead_letters_total": "Inputs sent to the dead-letter topic, by reason.",
        "relance_command_auth_total":
            "Commands and replayed dead letters checked, by result: verified, unsigned_accepted, unauthenticated, "
            + "forbidden.",
        "relance_transactions_total": "Kafka transactions, by outcome.",
        "relance_timers_fired_total": "Durable timers fired.",
        "relance_timers_pending": "Durable timers waiting in owned partitions.",
        "relance_accounts": "Accounts held in memory.",
        "relance_clock_seconds":
            "The earliest clock among owned partitions, seconds since 1970 (0 before every one has a tick).",
        "relance_assigned_partitions": "Partitions owned.",
        "relance_changelog_restored_records_total": "Changelog records read by restores.",
        "relance_consumer_lag": "Records behind the partition's high watermark.",
        "relance_batch_duration_seconds": "Time from a transaction's first record to its commit.",
    ]
}
