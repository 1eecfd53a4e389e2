import Foundation
import RelanceKafka

/// Rebuilds partitions' state from the changelog before they are processed.
enum Restore {
    static func partitions<State>(
        _ partitions: [Int32], topic: String, kafka: KafkaConfiguration, abortedRecordsVisible: Bool,
        as _: State.Type, log: Logger
    ) async throws -> (stores: [Int32: PartitionStore<State>], records: Int) {
        var stores: [Int32: PartitionStore<State>] = [:]
        for partition in partitions { stores[partition] = PartitionStore(partition: partition) }
        var config = ConsumerConfiguration(kafka: kafka, groupID: nil)
        config.isolationLevel = .readCommitted
        let consumer = try KafkaConsumer(configuration: config)
        defer { Task { try? await consumer.close() } }
        // The end to reach, read back from the broker now. In a transactional topic it is not
        // "last record + 1": commit markers take offsets too.
        var targets: [Int32: Int64] = [:]
        for partition in partitions {
            let (low, high) = try await consumer.watermarks(TopicPartition(topic, partition))
            if high > low { targets[partition] = high }
        }
        var records = 0
        if !targets.isEmpty {
            try await consumer.assign(targets.keys.map { TopicPartitionOffset(topic, $0, offset: TopicPartitionOffset.beginning) })
            var pending: [Int32: [String: [KafkaMessage]]] = [:]
            var emptyPollsAtStableEnd: [Int32: Int] = [:]
            var done: Set<Int32> = []
            var lastReport = ContinuousClock.now
            while done.count < targets.count {
                let batch = try await consumer.poll(maxMessages: 10_000, timeout: .milliseconds(100))
                records += batch.count
                for message in batch {
                    guard let store = stores[message.partition] else { continue }
                    try apply(message, to: store, pending: &pending[message.partition, default: [:]], buffer: abortedRecordsVisible)
                }
                for (partition, target) in targets where !done.contains(partition) {
                    let tp = TopicPartition(topic, partition)
                    let position = try consumer.position([tp]).first?.offset ?? -1
                    if position >= target {
                        done.insert(partition)
                        continue
                    }
                    // Read up to the last stable offset and the log ends with a marker:
                    // nothing more will come. Twice, so that records already fetched with
                    // that watermark are surely returned first.
                    if batch.isEmpty, let stable = try consumer.cachedHighWatermark(tp), stable >= target {
                        emptyPollsAtStableEnd[partition, default: 0] += 1
                        if emptyPollsAtStableEnd[partition]! >= 2 { done.insert(partition) }
                    } else {
                        emptyPollsAtStableEnd[partition] = 0
                    }
                }
                if ContinuousClock.now - lastReport > .seconds(5) {
                    lastReport = .now
                    log.info(
                        "restoring", ["topic": topic, "records": "\(records)", "partitionsLeft": "\(targets.count - done.count)"])
                }
            }
        }
        for store in stores.values {
            for (accountID, record) in store.accounts {
                for timer in record.timers {
                    store.timers.push(.init(dueAt: timer.dueAt, accountID: accountID, timerID: timer.id))
                }
                store.pendingTimers += record.timers.count
            }
        }
        return (stores, records)
    }

    private static func apply<State>(
        _ message: KafkaMessage, to store: PartitionStore<State>, pending: inout [String: [KafkaMessage]], buffer: Bool
    ) throws {
        guard let key = message.key else { return }
        // The header says `<transaction>/<partition>`.
        let transaction = message.header(Changelog.transactionHeader).map { value in
            String(decoding: value[..<(value.lastIndex(of: UInt8(ascii: "/")) ?? value.endIndex)], as: UTF8.self)
        }
        if key.elementsEqual(Changelog.checkpointKey) {
            guard let value = message.value else { return }
            let checkpoint = try Changelog.decodeCheckpoint(value)
            if buffer {
                // Everything of this transaction was delivered before its checkpoint; what is
                // left of other transactions without a checkpoint was aborted.
                for record in pending[checkpoint.txn] ?? [] { try applyAccount(record, to: store) }
                pending.removeAll()
            }
            store.offsets = checkpoint.offsets
            store.clock = checkpoint.clock
            store.lastTransaction = checkpoint.txn
        } else if buffer, let transaction {
            pending[transaction, default: []].append(message)
        } else {
            try applyAccount(message, to: store)
        }
    }

    private static func applyAccount<State>(_ message: KafkaMessage, to store: PartitionStore<State>) throws {
        guard let key = message.key, key.starts(with: Changelog.accountPrefix) else { return }
        let accountID = String(decoding: key.dropFirst(Changelog.accountPrefix.count), as: UTF8.self)
        if let value = message.value {
            store.accounts[accountID] = try Changelog.decode(value, as: State.self)
        } else {
            store.accounts[accountID] = nil
        }
    }
}
