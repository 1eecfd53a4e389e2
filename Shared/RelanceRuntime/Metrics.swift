import Foundation
import Synchronization

/// The runtime's Prometheus metrics, rendered in the text exposition format.
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
        /// Batch (transaction) durations: bucket upper bounds in seconds → count.
        var batchBuckets = [Int](repeating: 0, count: RuntimeMetrics.bucketBounds.count)
        var batchCount = 0
        var batchSum = 0.0
    }

    static let bucketBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    let worker: String
    let values = Mutex(Values())

    public init(worker: String) { self.worker = worker }

    func update(_ body: (inout Values) -> Void) { values.withLock { body(&$0) } }

    func observeBatch(seconds: Double) {
        update { v in
            for (index, bound) in Self.bucketBounds.enumerated() where seconds <= bound { v.batchBuckets[index] += 1 }
            v.batchCount += 1
            v.batchSum += seconds
        }
    }

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

    /// The `/metrics` page.
    public func render() -> String {
        let v = values.withLock { $0 }
        let w = "worker=\"\(worker)\""
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, value) in samples { out += "\(name){\(w)\(labels)} \(value)\n" }
        }
        metric(
            "relance_events_in_total", "counter", "Input events read (clock ticks excluded).", [("", "\(v.eventsIn)")])
        metric("relance_events_out_total", "counter", "Records published by handlers.", [("", "\(v.eventsOut)")])
        metric(
            "relance_duplicate_events_total", "counter", "Input events dropped as already seen (same event id).",
            [("", "\(v.duplicates)")])
        metric(
            "relance_rerouted_records_total", "counter",
            "Records read on another partition than their key's (a publisher with another partitioner), sent to "
                + "their key's partition.",
            [("", "\(v.rerouted)")])
        metric(
            "relance_replayed_dead_letters_total", "counter", "Replayed dead letters read, by result.",
            v.replays.sorted { $0.key < $1.key }.map { (",result=\"\($0.key)\"", "\($0.value)") })
        metric(
            "relance_dead_letters_total", "counter", "Inputs sent to the dead-letter topic, by reason.",
            v.deadLetters.sorted { $0.key < $1.key }.map { (",reason=\"\($0.key)\"", "\($0.value)") })
        metric(
            "relance_command_auth_total", "counter",
            "Commands and replayed dead letters checked, by result: verified, unsigned_accepted, unauthenticated, "
                + "forbidden.",
            v.commandAuth.sorted { $0.key < $1.key }.map { (",result=\"\($0.key)\"", "\($0.value)") })
        metric(
            "relance_transactions_total", "counter", "Kafka transactions, by outcome.",
            [
                (",outcome=\"committed\"", "\(v.transactionsCommitted)"),
                (",outcome=\"aborted\"", "\(v.transactionsAborted)"),
            ])
        metric("relance_timers_fired_total", "counter", "Durable timers fired.", [("", "\(v.timersFired)")])
        metric(
            "relance_timers_pending", "gauge", "Durable timers waiting in owned partitions.",
            [("", "\(v.timersPending)")])
        metric("relance_accounts", "gauge", "Accounts held in memory.", [("", "\(v.accounts)")])
        metric(
            "relance_clock_milliseconds", "gauge",
            "The earliest clock among owned partitions, milliseconds since 1970 (0 before every one has a tick).",
            [("", "\(v.clock)")])
        metric("relance_assigned_partitions", "gauge", "Partitions owned.", [("", "\(v.assignedPartitions)")])
        metric(
            "relance_changelog_restored_records_total", "counter", "Changelog records read by restores.",
            [("", "\(v.restoredRecords)")])
        metric(
            "relance_consumer_lag", "gauge", "Records behind the partition's high watermark.",
            v.lag.sorted { $0.key < $1.key }.map { (",partition=\"\($0.key)\"", "\($0.value)") })
        out += "# HELP relance_batch_duration_seconds Time from a transaction's first record to its commit.\n"
        out += "# TYPE relance_batch_duration_seconds histogram\n"
        for (index, bound) in Self.bucketBounds.enumerated() {
            out += "relance_batch_duration_seconds_bucket{\(w),le=\"\(bound)\"} \(v.batchBuckets[index])\n"
        }
        out += "relance_batch_duration_seconds_bucket{\(w),le=\"+Inf\"} \(v.batchCount)\n"
        out += "relance_batch_duration_seconds_sum{\(w)} \(v.batchSum)\n"
        out += "relance_batch_duration_seconds_count{\(w)} \(v.batchCount)\n"
        return out
    }
}
