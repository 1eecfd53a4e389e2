import Foundation
import Logging
import RelanceDomain
import RelanceEvents
import RelanceKafka

// Assignment, rebalancing and restore: which partitions this instance owns, their state
// rebuilt from the changelog, and the recovery after a failed transaction.

extension WorkerRuntime {
    /// Every consumed topic and the changelog need one partition count: partition `p` of
    /// each holds the same accounts.
    func checkTopics(_ consumer: KafkaConsumer) async throws {
        let metadata = try await consumer.checkConnection()
        var counts: [String: Int] = [:]
        for topic in consumedTopics + [changelogTopic] {
            guard let described = metadata.first(where: { $0.name == topic }), described.error == nil else {
                throw RuntimeConfiguration.Invalid(description: "topic \(topic) does not exist: create it first")
            }
            counts[topic] = described.partitions.count
        }
        if Set(counts.values).count > 1 {
            let list = counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            throw RuntimeConfiguration.Invalid(
                description: "inputs, clock and changelog must have the same partition count: \(list)")
        }
        partitionCount = Int32(clamping: counts.values.first ?? 0)
        reportsReplays = metadata.contains { $0.name == configuration.replayOutcomeTopic && $0.error == nil }
        if !reportsReplays {
            log.warning(
                "the replay-outcome topic does not exist: replayed dead letters are handled, but their outcomes are not reported (create it with relance topics)",
                metadata: ["topic": "\(configuration.replayOutcomeTopic)"])
        }
    }

    /// After a failed transaction: abort it, drop its state changes by rebuilding the owned
    /// partitions from the changelog, and read the inputs again from the restored positions.
    func recover(from error: KafkaError) async throws {
        try await abort(error)
        guard let consumer else { return }
        let owned = stores.keys.sorted()
        guard !owned.isEmpty else { return }
        try await restore(owned)
        var positions: [TopicPartitionOffset] = []
        for partition in owned {
            for topic in consumedTopics {
                positions.append(
                    TopicPartitionOffset(
                        topic, partition, offset: stores[partition]?.offsets[topic] ?? TopicPartitionOffset.beginning))
            }
        }
        try await consumer.seek(positions)
    }

    func restore(_ partitions: [Int32]) async throws {
        status.restoring.store(true, ordering: .relaxed)
        defer { status.restoring.store(false, ordering: .relaxed) }
        let started = ContinuousClock.now
        let (restored, records) = try await Restore.partitions(
            partitions, topic: changelogTopic, kafka: kafka,
            abortedRecordsVisible: configuration.abortedRecordsVisible, as: W.State.self, log: log)
        for (partition, store) in restored { stores[partition] = store }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        metrics.update { $0.restoredRecords += records }
        lastRestore = (records, seconds)
        updateGauges()
        log.info(
            "restored",
            metadata: [
                "partitions": "\(partitions.map(String.init).joined(separator: ","))", "records": "\(records)",
                "accounts": "\(restored.values.reduce(0) { $0 + $1.accounts.count })",
                "seconds": .string(String(format: "%.3f", seconds)),
            ])
    }

    // MARK: Rebalancing

    func rebalance(_ event: RebalanceEvent) async {
        do {
            switch event {
            case .revoked(let partitions, let lost):
                status.assigned.store(false, ordering: .relaxed)
                // Everything handled so far is committed (or, partitions lost, dropped) before
                // the partitions go: their next owner restores from the changelog.
                if lost {
                    try await abort(KafkaError.configuration("partitions lost"))
                } else {
                    do {
                        if openBatch.isOpen { try await commitBatch() }
                        try await finishPendingCommit()
                    } catch { try await abort(error) }
                }
                for partition in Set(partitions.map(\.partition)) { stores[partition] = nil }
                for tp in partitions { clockWait.forget(tp) }
                updateGauges()
                log.info(
                    "revoked",
                    metadata: [
                        "partitions": "\(partitions.map(\.description).joined(separator: ","))", "lost": "\(lost)",
                    ])
            case .assigned(let partitions):
                let ids = Set(partitions.map(\.partition)).sorted()
                try await restore(ids)
                let starts = partitions.compactMap { tp in
                    stores[tp.partition]?.offsets[tp.topic].map { TopicPartitionOffset(tp, offset: $0) }
                }
                try await consumer?.startAssignedPartitions(at: starts)
                status.assigned.store(true, ordering: .relaxed)
            }
        } catch {
            log.error("rebalance failed", metadata: ["error": "\(error)"])
            failure = error
        }
    }

    func updateGauges() {
        lastLagUpdate = .now
        var lag: [String: Int64] = [:]
        if let consumer {
            for (partition, store) in stores {
                for topic in consumedTopics {
                    let tp = TopicPartition(topic, partition)
                    if let high = try? consumer.cachedHighWatermark(tp) {
                        lag[tp.description] = max(0, high - store.offsets[topic, default: 0])
                    }
                }
            }
        }
        let accounts = stores.values.reduce(0) { $0 + $1.accounts.count }
        let timers = stores.values.reduce(0) { $0 + $1.pendingTimers }
        let partitions = stores.count
        // The clock comes back with the state: a restarted instance shows how far it had come.
        let clock = minimumClock ?? 0
        metrics.update { v in
            v.lag = lag
            v.clock = clock
            v.accounts = accounts
            v.timersPending = timers
            v.assignedPartitions = partitions
        }
    }
}
