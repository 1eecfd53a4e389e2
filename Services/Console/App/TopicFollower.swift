import Foundation
import Logging
import Metrics
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import ServiceLifecycle

/// A part of what the console shows, filled from some topics: the action centre, accounts,
/// reconciliation, proofs… `TopicFollower` reads every feed's topics with one consumer and
/// hands each record to every feed that asked for its topic.
public protocol ConsoleFeed: AnyObject, Sendable {
    /// The topics this feed reads, from their beginning.
    var topics: [String] { get }
    /// One record of one of `topics` (a compacted topic's tombstone has no value).
    func apply(topic: String, key: String?, value: [UInt8]?)
    /// The same with the record's position (a feed that needs it, e.g. dead letters,
    /// implements this one; the default hands the record to `apply(topic:key:value:)`).
    func apply(topic: String, partition: Int32, offset: Int64, key: String?, value: [UInt8]?)
    /// Every partition of every topic reached the end it had when the console started.
    func markLoaded()
    var isLoaded: Bool { get }
}

extension ConsoleFeed {
    public func apply(topic: String, partition: Int32, offset: Int64, key: String?, value: [UInt8]?) {
        apply(topic: topic, key: key, value: value)
    }
}

/// Reads the topics the console shows from their beginning into the feeds, then follows them:
/// one consumer without a group (every console instance reads everything), read committed.
/// The feeds are marked loaded once every partition reached the end it had at the start (in a
/// transactionally written topic the end is not "last record + 1": the same rule as
/// `TopicReading.readToEnd`).
public struct TopicFollower: Service {
    public let kafka: KafkaConfiguration
    public let feeds: [any ConsoleFeed]
    public let logger: Logger
    /// How long to wait before looking again for topics that do not exist yet.
    public var retryDelay: Duration = .seconds(2)
    /// Tries for every topic before following those that exist.
    public var initialAttempts = 3
    /// How often topics that did not exist are looked for again.
    public var lateTopicInterval: Duration = .seconds(10)

    public init(kafka: KafkaConfiguration, feeds: [any ConsoleFeed], logger: Logger) {
        self.kafka = kafka
        self.feeds = feeds
        self.logger = logger
    }

    public func run() async throws {
        let records = Counter(label: "relance_console_records_read_total")
        var feedsOf: [String: [any ConsoleFeed]] = [:]
        for feed in feeds {
            for topic in Set(feed.topics) { feedsOf[topic, default: []].append(feed) }
        }
        let topics = Array(feedsOf.keys).sorted()
        var partitions: [String: [Int32]] = [:]
        // The topics may not exist yet (the console started before `relance topics`, or a worker
        // whose topics a page shows is not deployed): wait a little for all, then follow the
        // ones that exist and look for the others every `lateTopicInterval`, so that one missing
        // topic does not keep every page from loading.
        var attempts = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            for topic in topics where partitions[topic] == nil {
                partitions[topic] = try? await TopicReading.partitions(of: topic, kafka: kafka)
            }
            attempts += 1
            if partitions.count == topics.count || (!partitions.isEmpty && attempts >= initialAttempts) { break }
            logger.warning(
                "waiting for the topics to exist",
                metadata: ["missing": "\(topics.filter { partitions[$0] == nil })"])
            try? await Task.sleep(for: retryDelay)
        }
        guard !partitions.isEmpty else { return }
        var missing = topics.filter { partitions[$0] == nil }
        if !missing.isEmpty {
            logger.warning(
                "following the topics that exist; the pages of the others stay empty until they do",
                metadata: ["missing": "\(missing)"])
        }
        var configuration = ConsumerConfiguration(kafka: kafka, groupID: nil)
        configuration.kafka.statisticsIntervalMilliseconds = nil
        configuration.isolationLevel = .readCommitted
        configuration.reportEndOfPartition = true
        let consumer = try KafkaConsumer(configuration: configuration)
        var all = partitions.flatMap { topic, ids in ids.map { TopicPartition(topic, $0) } }
        var targets: [TopicPartition: Int64] = [:]
        for (partition, (low, high)) in zip(all, try await consumer.watermarks(all)) where high > low {
            targets[partition] = high
        }
        try await consumer.assign(all.map { TopicPartitionOffset($0, offset: TopicPartitionOffset.beginning) })
        var lookedForMissing = ContinuousClock.now
        let started = ContinuousClock.now
        var loaded = false
        func markLoaded() {
            loaded = true
            for feed in feeds { feed.markLoaded() }
        }
        if targets.isEmpty {
            markLoaded()
            logger.info("console loaded: the topics are empty")
        }
        var count = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let batch = try await consumer.poll(maxMessages: 5000, timeout: .milliseconds(200))
            for record in batch {
                let key = record.keyString
                let value = record.value.map(Array.init)
                for feed in feedsOf[record.topic] ?? [] {
                    feed.apply(
                        topic: record.topic, partition: record.partition, offset: record.offset, key: key, value: value)
                }
            }
            records.increment(by: batch.count)
            count += batch.count
            if !missing.isEmpty, ContinuousClock.now - lookedForMissing >= lateTopicInterval {
                lookedForMissing = ContinuousClock.now
                var found: [TopicPartition] = []
                for topic in missing {
                    guard let ids = try? await TopicReading.partitions(of: topic, kafka: kafka) else { continue }
                    found += ids.map { TopicPartition(topic, $0) }
                    missing.removeAll { $0 == topic }
                }
                if !found.isEmpty {
                    // Assigning replaces the assignment: the others go on from where they are.
                    let positions = try consumer.position(all)
                    try await consumer.assign(
                        positions.map {
                            $0.offset >= 0
                                ? $0 : TopicPartitionOffset($0.topicPartition, offset: TopicPartitionOffset.beginning)
                        }
                            + found.map { TopicPartitionOffset($0, offset: TopicPartitionOffset.beginning) })
                    all += found
                    logger.info("following topics that now exist", metadata: ["topics": "\(Set(found.map(\.topic)))"])
                }
            }
            guard !loaded else { continue }
            for (partition, target) in targets {
                if let end = consumer.endReached(partition), end >= target {
                    targets[partition] = nil
                } else if let position = try consumer.position([partition]).first?.offset, position >= target {
                    targets[partition] = nil
                }
            }
            if targets.isEmpty {
                markLoaded()
                logger.info(
                    "console loaded",
                    metadata: [
                        "topics": "\(topics.count)", "records": "\(count)",
                        "duration": "\(ContinuousClock.now - started)",
                    ])
            }
        }
        try? await consumer.close()
    }
}
