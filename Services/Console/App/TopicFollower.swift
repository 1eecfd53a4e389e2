import Foundation
import Logging
import Metrics
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import ServiceLifecycle

/// Reads the topics the console shows from their beginning into the view, then follows them:
/// one consumer without a group (every console instance reads everything), read committed.
/// The view is marked loaded once every partition reached the end it had at the start (in a
/// transactionally written topic the end is not "last record + 1": the same rule as
/// `TopicReading.readToEnd`).
public struct TopicFollower: Service {
    public let kafka: KafkaConfiguration
    public let view: ActionCentreView
    public let logger: Logger
    /// How long to wait before looking again for topics that do not exist yet.
    public var retryDelay: Duration = .seconds(2)

    static let itemsTopic = PaymentEvents.actionCentreTopic
    static let resultsTopic = PaymentEvents.commandResultsTopic

    public init(kafka: KafkaConfiguration, view: ActionCentreView, logger: Logger) {
        self.kafka = kafka
        self.view = view
        self.logger = logger
    }

    public func run() async throws {
        let records = Counter(label: "relance_console_records_read_total")
        var partitions: [String: [Int32]] = [:]
        // The topics may not exist yet (the console started before `relance topics`).
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            for topic in [Self.itemsTopic, Self.resultsTopic] where partitions[topic] == nil {
                partitions[topic] = try? await TopicReading.partitions(of: topic, kafka: kafka)
            }
            if partitions.count == 2 { break }
            logger.warning(
                "waiting for the topics to exist", metadata: ["missing": "\([Self.itemsTopic, Self.resultsTopic])"])
            try? await Task.sleep(for: retryDelay)
        }
        guard partitions.count == 2 else { return }
        var configuration = ConsumerConfiguration(kafka: kafka, groupID: nil)
        configuration.kafka.statisticsIntervalMilliseconds = nil
        configuration.isolationLevel = .readCommitted
        configuration.reportEndOfPartition = true
        let consumer = try KafkaConsumer(configuration: configuration)
        let all = partitions.flatMap { topic, ids in ids.map { TopicPartition(topic, $0) } }
        var targets: [TopicPartition: Int64] = [:]
        for (partition, (low, high)) in zip(all, try await consumer.watermarks(all)) where high > low {
            targets[partition] = high
        }
        try await consumer.assign(all.map { TopicPartitionOffset($0, offset: TopicPartitionOffset.beginning) })
        let started = ContinuousClock.now
        if targets.isEmpty {
            view.markLoaded()
            logger.info("action centre loaded: the topics are empty")
        }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let batch = try await consumer.poll(maxMessages: 5000, timeout: .milliseconds(200))
            for record in batch {
                switch record.topic {
                case Self.itemsTopic:
                    view.applyItem(key: record.keyString, value: record.value.map(Array.init))
                case Self.resultsTopic:
                    view.applyCommandResult(value: record.value.map(Array.init))
                default: break
                }
            }
            records.increment(by: batch.count)
            guard !view.isLoaded else { continue }
            for (partition, target) in targets {
                if let end = consumer.endReached(partition), end >= target {
                    targets[partition] = nil
                } else if let position = try consumer.position([partition]).first?.offset, position >= target {
                    targets[partition] = nil
                }
            }
            if targets.isEmpty {
                view.markLoaded()
                logger.info(
                    "action centre loaded",
                    metadata: [
                        "items": "\(view.itemCount)", "records": "\(view.recordCount)",
                        "duration": "\(ContinuousClock.now - started)",
                    ])
            }
        }
        try? await consumer.close()
    }
}
