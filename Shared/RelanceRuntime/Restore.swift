import Foundation
import Logging
import RelanceKafka

/// Rebuilds partitions' state from the changelog before they are processed.
enum Restore {
    static func partitions<State>(
        _ partitions: [Int32], topic: String, kafka: KafkaConfiguration, abortedRecordsVisible: Bool,
        as _: State.Type, log: Logger
    ) async throws -> (stores: [Int32: PartitionStore<State>], records: Int) {
        var stores: [Int32: PartitionStore<State>] = [:]
        for partition in partitions { stores[partition] = PartitionStore(partition: partition) }
        var pending: [Int32: [String: [KafkaMessage]]] = [:]
        let records = try await TopicReading.readToEnd(topic, partitions: partitions, kafka: kafka, log: log) { batch in
            for message in batch {
                guard let store = stores[message.partition] else { continue }
                try apply(
                    message, to: store, pending: &pending[message.partition, default: [:]],
                    buffer: abortedRecordsVisible)
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
        } else if buffer, let transaction = transaction(of: message) {
            pending[transaction, default: []].append(message)
        } else {
            try applyAccount(message, to: store)
        }
    }

    /// The `relance-txn` header says `<transaction>/<partition>`.
    private static func transaction(of message: KafkaMessage) -> String? {
        message.header(Changelog.transactionHeader).map { value in
            String(decoding: value[..<(value.lastIndex(of: UInt8(ascii: "/")) ?? value.endIndex)], as: UTF8.self)
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
