import CRdKafka
import Synchronization

/// One librdkafka client (`rd_kafka_t`) with the thread that runs its blocking calls.
///
/// Blocking calls go through `blocking(_:_:)`, which runs them on the client's thread.
/// Non-blocking calls made from any thread go through `withClient(_:_:)`, which holds a lock
/// that the destruction also takes, so that no call ever races `rd_kafka_destroy`.
final class ClientHandle: @unchecked Sendable {
    let rk: OpaquePointer
    let thread: ClientThread

    /// What the lock guards: whether the client is gone, and the topic handles a producer
    /// made (one `rd_kafka_topic_t` per topic, so that producing never looks a topic up by
    /// name).
    private struct State: ~Copyable {
        var destroyed = false
        var topics: [String: OpaquePointer] = [:]
        var lastTopic: (name: String, rkt: OpaquePointer)?
    }
    private let state = Mutex(State())

    init(rk: OpaquePointer, thread: ClientThread) {
        self.rk = rk
        self.thread = thread
    }

    var isDestroyed: Bool { state.withLock { $0.destroyed } }

    /// The last error librdkafka reported for this client outside any call (a broker
    /// unreachable, a TLS handshake or authentication that failed).
    var lastClientError: KafkaError? { ClientEvents.of(rk).lastError }

    /// Runs a blocking librdkafka call on the client's thread.
    func blocking<T: Sendable>(
        _ operation: String, _ body: @escaping (OpaquePointer) throws(KafkaError) -> T
    ) async throws(KafkaError) -> T {
        let rk = self.rk
        return try await thread.run { [self] () throws(KafkaError) -> T in
            guard !isDestroyed else { throw .closed(operation) }
            return try body(rk)
        }
    }

    /// Runs a non-blocking librdkafka call on the caller's thread.
    @inline(__always)
    func withClient<T>(_ operation: String, _ body: (OpaquePointer) throws(KafkaError) -> T)
        throws(KafkaError) -> T
    {
        try state.withLock { (state: inout State) throws(KafkaError) -> T in
            guard !state.destroyed else { throw .closed(operation) }
            return try body(rk)
        }
    }

    /// Like `withClient`, with the client's handle for `topic` (made on first use).
    @inline(__always)
    func withTopic<T>(
        _ operation: String, _ topic: String, _ body: (OpaquePointer, OpaquePointer) throws(KafkaError) -> T
    ) throws(KafkaError) -> T {
        try state.withLock { (state: inout State) throws(KafkaError) -> T in
            guard !state.destroyed else { throw .closed(operation) }
            if let last = state.lastTopic, last.name == topic { return try body(rk, last.rkt) }
            let rkt: OpaquePointer
            if let known = state.topics[topic] {
                rkt = known
            } else {
                guard let made = rd_kafka_topic_new(rk, topic, nil) else {
                    throw KafkaError(operation: operation, err: rd_kafka_last_error())
                }
                state.topics[topic] = made
                rkt = made
            }
            state.lastTopic = (topic, rkt)
            return try body(rk, rkt)
        }
    }

    /// Stops the thread and destroys the client on it: `beforeDestroy` runs first (flush,
    /// consumer close), then `rd_kafka_destroy`, then `afterDestroy` (release callback
    /// contexts). Waits for the end unless called from the client thread itself.
    func shutdown(
        beforeDestroy: @escaping (OpaquePointer) -> Void, afterDestroy: @escaping () -> Void
    ) {
        let rk = self.rk
        let events = ClientEvents.of(rk)
        thread.shutdown { [self] in
            beforeDestroy(rk)
            state.withLock { state in
                state.destroyed = true
                for rkt in state.topics.values { rd_kafka_topic_destroy(rkt) }
                state.topics = [:]
                state.lastTopic = nil
            }
            rd_kafka_destroy(rk)
            ClientEvents.unregister(rk, events)
            afterDestroy()
        }
    }

    /// The cluster's topics, asked on the client's thread; fails when no broker answers within
    /// `timeout`. Serves every client's `checkConnection` and the admin's `listTopics`.
    func topics(timeout: Duration, operation: String) async throws(KafkaError) -> [TopicMetadata] {
        try await failingFast(operation) { [self] () throws(KafkaError) in
            try await blocking(operation) { rk throws(KafkaError) in
                try ClientHandle.metadata(rk, timeout: timeout, operation: operation)
            }
        }
    }

    /// Asks the brokers for the cluster's topics; fails when none answers within `timeout`.
    static func metadata(_ rk: OpaquePointer, timeout: Duration, operation: String) throws(KafkaError)
        -> [TopicMetadata]
    {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(rk, 1, nil, &metadata, timeout.milliseconds)
        if err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__TIMED_OUT {
            throw KafkaError(
                operation: operation, code: .init(err),
                message:
                    "no broker answered within \(timeout) (\(String(cString: rd_kafka_err2str(err))))",
                classification: .retriable)
        }
        try check(err, operation)
        guard let metadata else { return [] }
        defer { rd_kafka_metadata_destroy(metadata) }
        let topics = UnsafeBufferPointer(
            start: metadata.pointee.topics, count: Int(metadata.pointee.topic_cnt))
        return topics.map { topic in
            let partitions = UnsafeBufferPointer(start: topic.partitions, count: Int(topic.partition_cnt))
            return TopicMetadata(
                name: String(cString: topic.topic),
                partitions: partitions.map {
                    TopicMetadata.Partition(id: $0.id, leader: $0.leader, replicas: Int($0.replica_cnt))
                },
                error: topic.err == RD_KAFKA_RESP_ERR_NO_ERROR
                    ? nil : KafkaError(operation: operation, err: topic.err))
        }
        .sorted { $0.name < $1.name }
    }
}

/// A topic as the cluster describes it.
public struct TopicMetadata: Sendable {
    public struct Partition: Sendable {
        public var id: Int32
        public var leader: Int32
        public var replicas: Int
    }
    public var name: String
    public var partitions: [Partition]
    public var error: KafkaError?
}

extension Duration {
    /// Whole milliseconds, clamped to librdkafka's `int` timeouts.
    var milliseconds: Int32 {
        let (seconds, attoseconds) = components
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: ms)
    }
}
