import CRdKafka

/// A topic to create.
public struct NewTopic: Sendable, Hashable {
    public var name: String
    public var partitions: Int32
    public var replicationFactor: Int32
    /// Topic properties, e.g. `["cleanup.policy": "compact"]`.
    public var config: [String: String]

    public init(
        name: String, partitions: Int32, replicationFactor: Int32, config: [String: String] = [:]
    ) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.config = config
    }

    /// A compacted topic: Kafka keeps the last record of each key (state, status lists).
    public static func compacted(_ name: String, partitions: Int32, replicationFactor: Int32)
        -> NewTopic
    {
        NewTopic(
            name: name, partitions: partitions, replicationFactor: replicationFactor,
            config: ["cleanup.policy": "compact"])
    }
}

/// Topic administration on a real cluster.
///
/// librdkafka 2.0.2's mock cluster answers no CreateTopics request: create the topics of a
/// `MockCluster` with `MockCluster.createTopic`.
public final class KafkaAdmin: Sendable {
    let handle: ClientHandle

    public init(configuration: KafkaConfiguration) throws(KafkaError) {
        let conf = try NativeConfiguration(
            configuration.librdkafkaProperties(), extra: configuration.properties)
        let rk = try conf.makeClient(RD_KAFKA_PRODUCER, logger: configuration.logger)
        let thread = ClientThread(name: "kafka-admin")
        handle = ClientHandle(rk: rk, thread: thread)
        thread.start()
    }

    deinit { handle.shutdown(beforeDestroy: { _ in }, afterDestroy: {}) }

    /// The cluster's topics with their partitions.
    public func listTopics(timeout: Duration = .seconds(10)) async throws(KafkaError)
        -> [TopicMetadata]
    {
        try await handle.topics(timeout: timeout, operation: "list_topics")
    }

    /// Creates the topics. With `ignoreExisting`, a topic that already exists is no error.
    /// Otherwise the first failing topic is thrown, naming the topic.
    public func createTopics(
        _ topics: [NewTopic], ignoreExisting: Bool = true, timeout: Duration = .seconds(30)
    )
        async throws(KafkaError)
    {
        try await handle.failingFast("create_topics") { [handle] () throws(KafkaError) in
            try await handle.blocking("create_topics") { rk throws(KafkaError) in
                try createTopicsNow(rk, topics, ignoreExisting: ignoreExisting, timeout: timeout)
            }
        }
    }
}

private func createTopicsNow(
    _ rk: OpaquePointer, _ topics: [NewTopic], ignoreExisting: Bool, timeout: Duration
)
    throws(KafkaError)
{
    guard !topics.isEmpty else { return }
    var newTopics: [OpaquePointer?] = []
    defer { for newTopic in newTopics { rd_kafka_NewTopic_destroy(newTopic) } }
    for topic in topics {
        var errstr = [CChar](repeating: 0, count: 512)
        guard
            let newTopic = rd_kafka_NewTopic_new(
                topic.name, topic.partitions, topic.replicationFactor, &errstr, errstr.count)
        else {
            throw KafkaError(
                operation: "create_topics", code: .invalidArgument,
                message: "topic \(topic.name): \(cString(errstr))")
        }
        newTopics.append(newTopic)
        for (key, value) in topic.config.sorted(by: { $0.key < $1.key }) {
            try check(rd_kafka_NewTopic_set_config(newTopic, key, value), "create_topics")
        }
    }
    let queue = rd_kafka_queue_new(rk)
    defer { rd_kafka_queue_destroy(queue) }
    let options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS)
    defer { rd_kafka_AdminOptions_destroy(options) }
    var errstr = [CChar](repeating: 0, count: 512)
    _ = rd_kafka_AdminOptions_set_operation_timeout(
        options, timeout.milliseconds, &errstr, errstr.count)
    _ = rd_kafka_AdminOptions_set_request_timeout(
        options, timeout.milliseconds, &errstr, errstr.count)
    newTopics.withUnsafeMutableBufferPointer {
        rd_kafka_CreateTopics(rk, $0.baseAddress, $0.count, options, queue)
    }
    guard let event = rd_kafka_queue_poll(queue, timeout.milliseconds + 1000) else {
        throw KafkaError(
            operation: "create_topics", code: .timedOut,
            message: "no answer to CreateTopics within \(timeout)", classification: .retriable)
    }
    defer { rd_kafka_event_destroy(event) }
    try check(rd_kafka_event_error(event), "create_topics")
    guard let result = rd_kafka_event_CreateTopics_result(event) else { return }
    var count = 0
    guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
    for i in 0..<count {
        let topicResult = results[i]
        let err = rd_kafka_topic_result_error(topicResult)
        if err == RD_KAFKA_RESP_ERR_NO_ERROR { continue }
        if err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS && ignoreExisting { continue }
        let name = String(cString: rd_kafka_topic_result_name(topicResult))
        let message = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) } ?? ""
        let base = KafkaError(operation: "create_topics", err: err)
        throw KafkaError(
            operation: "create_topics", code: base.code, message: "topic \(name): \(message)",
            classification: base.classification)
    }
}
