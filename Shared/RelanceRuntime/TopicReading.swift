import Foundation
import Logging
import RelanceKafka

/// Reading partitions up to their end as it was when reading started.
public enum TopicReading {
    /// The partitions of `topic`, or nil when the cluster has no such topic.
    public static func partitions(of topic: String, kafka: KafkaConfiguration) async throws -> [Int32]? {
        let admin = try KafkaAdmin(configuration: kafka)
        return try await admin.listTopics().first(where: { $0.name == topic })?.partitions.map(\.id)
    }

    /// Calls `body` with every batch of records of `partitions` of `topic`, from the
    /// beginning (or from the last `lastOffsets` offsets of each partition) up to the end
    /// offsets read back from the broker at the start. In a transactionally written topic
    /// the end is not "last record + 1" (commit markers take offsets, and a partition may end
    /// in aborted records): a partition is read when the position reaches its end, or when
    /// the consumer reports reaching the partition's end (end-of-partition event, which comes
    /// after every record before it) at or past that end.
    @discardableResult
    public static func readToEnd(
        _ topic: String, partitions: [Int32], kafka: KafkaConfiguration, lastOffsets: Int64? = nil, log: Logger?,
        body: ([KafkaMessage]) throws -> Void
    ) async throws -> Int {
        var configuration = ConsumerConfiguration(kafka: kafka, groupID: nil)
        // A reader lives for one read: its statistics would only leave series behind.
        configuration.kafka.statisticsIntervalMilliseconds = nil
        configuration.isolationLevel = .readCommitted
        configuration.reportEndOfPartition = true
        // librdkafka before 2.4 counts the records fetched for all partitions against each
        // partition's queued.min.messages (100,000) and, once over it, stops fetching for a
        // second: a restore of many partitions read in bursts, idle a fifth of the time. The
        // queue is bounded by its size instead: 128 MiB (64 MiB by default), some 400,000
        // changelog records, more than a restore applies in the second the fetcher then waits.
        // Settings given in the configuration win.
        for (key, value) in ["queued.min.messages": "10000000", "queued.max.messages.kbytes": "131072"]
        where configuration.kafka.properties[key] == nil {
            configuration.kafka.properties[key] = value
        }
        let consumer = try KafkaConsumer(configuration: configuration)
        defer { Task { try? await consumer.close() } }
        var targets: [Int32: Int64] = [:]
        var starts: [Int32: Int64] = [:]
        let watermarks = try await consumer.watermarks(partitions.map { TopicPartition(topic, $0) })
        for (partition, (low, high)) in zip(partitions, watermarks) {
            if high > low { targets[partition] = high }
            starts[partition] = lastOffsets.map { max(low, high - $0) } ?? TopicPartitionOffset.beginning
            if low > 0 && lastOffsets == nil {
                // Compaction keeps a log's start; a start past 0 means records were deleted
                // (retention on the topic, or a broker that caps partitions, such as the mock
                // cluster at 5 MiB).
                log?.warning(
                    "the topic's first records were deleted: what is read may be incomplete",
                    metadata: ["topic": "\(topic)", "partition": "\(partition)", "firstOffset": "\(low)"])
            }
        }
        guard !targets.isEmpty else { return 0 }
        try await consumer.assign(targets.keys.map { TopicPartitionOffset(topic, $0, offset: starts[$0]!) })
        var records = 0
        var done: Set<Int32> = []
        var lastReport = ContinuousClock.now
        while done.count < targets.count {
            let batch = try await consumer.poll(maxMessages: 10_000, timeout: .milliseconds(100))
            records += batch.count
            try body(batch)
            for (partition, target) in targets where !done.contains(partition) {
                let tp = TopicPartition(topic, partition)
                if let end = consumer.endReached(tp), end >= target {
                    done.insert(partition)
                } else if let position = try consumer.position([tp]).first?.offset, position >= target {
                    done.insert(partition)
                }
            }
            if let log, ContinuousClock.now - lastReport > .seconds(5) {
                lastReport = .now
                log.info(
                    "reading",
                    metadata: [
                        "topic": "\(topic)", "records": "\(records)", "partitionsLeft": "\(targets.count - done.count)",
                    ])
            }
        }
        return records
    }
}
