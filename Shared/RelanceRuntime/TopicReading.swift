import Foundation
import RelanceKafka

/// Reading partitions up to their end as it was when reading started.
public enum TopicReading {
    /// Calls `body` with every batch of records of `partitions` of `topic`, from the
    /// beginning (or from the last `lastOffsets` offsets of each partition) up to the end
    /// offsets read back from the broker at the start. In a transactionally written topic
    /// the end is not "last record + 1" (commit markers take offsets): reading stops when the
    /// position reaches the end, or when the last stable offset has reached it and two
    /// polls in a row return nothing.
    @discardableResult
    public static func readToEnd(
        _ topic: String, partitions: [Int32], kafka: KafkaConfiguration, lastOffsets: Int64? = nil, log: Logger?,
        body: ([KafkaMessage]) throws -> Void
    ) async throws -> Int {
        var configuration = ConsumerConfiguration(kafka: kafka, groupID: nil)
        configuration.isolationLevel = .readCommitted
        let consumer = try KafkaConsumer(configuration: configuration)
        defer { Task { try? await consumer.close() } }
        var targets: [Int32: Int64] = [:]
        var starts: [Int32: Int64] = [:]
        for partition in partitions {
            let (low, high) = try await consumer.watermarks(TopicPartition(topic, partition))
            if high > low { targets[partition] = high }
            starts[partition] = lastOffsets.map { max(low, high - $0) } ?? TopicPartitionOffset.beginning
            if low > 0 && lastOffsets == nil {
                // Compaction keeps a log's start; a start past 0 means records were deleted
                // (retention on the topic, or a broker that caps partitions, such as the mock
                // cluster at 5 MiB).
                log?.warning(
                    "the topic's first records were deleted: what is read may be incomplete",
                    ["topic": topic, "partition": "\(partition)", "firstOffset": "\(low)"])
            }
        }
        guard !targets.isEmpty else { return 0 }
        try await consumer.assign(targets.keys.map { TopicPartitionOffset(topic, $0, offset: starts[$0]!) })
        var records = 0
        var emptyPollsAtStableEnd: [Int32: Int] = [:]
        var done: Set<Int32> = []
        var lastReport = ContinuousClock.now
        while done.count < targets.count {
            let batch = try await consumer.poll(maxMessages: 10_000, timeout: .milliseconds(100))
            records += batch.count
            try body(batch)
            for (partition, target) in targets where !done.contains(partition) {
                let tp = TopicPartition(topic, partition)
                if let position = try consumer.position([tp]).first?.offset, position >= target {
                    done.insert(partition)
                    continue
                }
                // Twice, so that records fetched with that watermark are surely returned first.
                if batch.isEmpty, let stable = try consumer.cachedHighWatermark(tp), stable >= target {
                    emptyPollsAtStableEnd[partition, default: 0] += 1
                    if emptyPollsAtStableEnd[partition]! >= 2 { done.insert(partition) }
                } else {
                    emptyPollsAtStableEnd[partition] = 0
                }
            }
            if let log, ContinuousClock.now - lastReport > .seconds(5) {
                lastReport = .now
                log.info(
                    "reading",
                    ["topic": topic, "records": "\(records)", "partitionsLeft": "\(targets.count - done.count)"])
            }
        }
        return records
    }
}
