import CRdKafka
import Glibc
import Logging

/// librdkafka's mock cluster: N Kafka brokers on loopback TCP, in this process, in memory.
///
/// Any Kafka client (this process's, another process's, kcat) reaches it through
/// `bootstrapServers`. It supports idempotent and transactional producers and consumer
/// groups, and injects faults. It keeps everything in memory: for tests and the demo only.
public final class MockCluster: Sendable {
    let handle: ClientHandle
    private let cluster: Cluster
    public let bootstrapServers: String
    public let brokerCount: Int

    /// Owns the `rd_kafka_mock_cluster_t`.
    private final class Cluster: @unchecked Sendable {
        let pointer: OpaquePointer
        init(pointer: OpaquePointer) { self.pointer = pointer }
    }

    public init(brokers: Int = 3) throws(KafkaError) {
        // The cluster lives inside a client handle of its own, which only hosts it.
        let conf = try NativeConfiguration([("log_level", "3")], extra: [:])
        let rk = try conf.makeClient(RD_KAFKA_PRODUCER, logger: Logger(label: "relance.kafka.mock"))
        guard let mc = rd_kafka_mock_cluster_new(rk, Int32(brokers)) else {
            rd_kafka_destroy(rk)
            throw KafkaError(
                operation: "mock_cluster", code: .invalidArgument,
                message: "could not start a mock cluster of \(brokers) broker(s)")
        }
        let thread = ClientThread(name: "kafka-mock")
        handle = ClientHandle(rk: rk, thread: thread)
        cluster = Cluster(pointer: mc)
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(mc))
        brokerCount = brokers
        thread.start()
        Self.disableNagle(listeningOn: bootstrapServers)
    }

    /// Sets `TCP_NODELAY` on the mock brokers' listening sockets (the connections they accept
    /// inherit it), as a Kafka broker does on every connection. librdkafka's mock leaves Nagle
    /// on: a response written while the previous one is not yet acknowledged then waits for
    /// the client's delayed ACK, and two requests in a row (two produce requests of one
    /// transaction, say) take about 40 ms instead of a fraction of a millisecond.
    static func disableNagle(listeningOn bootstrapServers: String) {
        let ports = Set(
            bootstrapServers.split(separator: ",").compactMap { $0.split(separator: ":").last.flatMap { UInt16($0) } })
        guard let directory = opendir("/proc/self/fd") else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let fd = Int32(name) else { continue }
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard named == 0, address.sin_family == sa_family_t(AF_INET),
                ports.contains(UInt16(bigEndian: address.sin_port))
            else { continue }
            var listening: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0, listening == 1 else { continue }
            var on: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    deinit {
        let mc = cluster.pointer
        handle.shutdown(beforeDestroy: { _ in rd_kafka_mock_cluster_destroy(mc) }, afterDestroy: {})
    }

    /// Runs a mock control call on the cluster's thread: they wait for the mock's own
    /// thread to apply them.
    private func control(
        _ operation: String, _ body: @escaping @Sendable (OpaquePointer) -> rd_kafka_resp_err_t
    ) async throws(KafkaError) {
        let mc = cluster.pointer
        try await handle.blocking(operation) { _ throws(KafkaError) in try check(body(mc), operation) }
    }

    /// Creates a topic (the mock answers no CreateTopics request from clients).
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1)
        async throws(KafkaError)
    {
        try await control("mock_topic_create") {
            rd_kafka_mock_topic_create($0, name, partitions, replicationFactor)
        }
    }

    /// Creates the topics; their cleanup policy is not modelled by the mock.
    public func createTopics(_ topics: [NewTopic]) async throws(KafkaError) {
        for topic in topics {
            try await createTopic(
                topic.name, partitions: topic.partitions, replicationFactor: topic.replicationFactor)
        }
    }

    /// Takes a broker down: its connections are closed and it accepts none.
    public func setBrokerDown(_ brokerID: Int32) async throws(KafkaError) {
        try await control("mock_broker_set_down") { rd_kafka_mock_broker_set_down($0, brokerID) }
    }

    public func setBrokerUp(_ brokerID: Int32) async throws(KafkaError) {
        try await control("mock_broker_set_up") { rd_kafka_mock_broker_set_up($0, brokerID) }
    }

    /// Delays every response of a broker.
    public func setRoundTripTime(broker brokerID: Int32, _ rtt: Duration) async throws(KafkaError) {
        try await control("mock_broker_set_rtt") {
            rd_kafka_mock_broker_set_rtt($0, brokerID, rtt.milliseconds)
        }
    }

    /// Makes the next requests of this API (Kafka's API key: 0 Produce, 1 Fetch, 8
    /// OffsetCommit, 22 InitProducerId, 24 AddPartitionsToTxn, 26 EndTxn, …) fail with these
    /// errors, one request each, in order.
    public func pushRequestErrors(apiKey: Int16, _ errors: [KafkaError.Code]) async throws(KafkaError) {
        let codes = errors.map(\.rawValue)
        let mc = cluster.pointer
        try await handle.blocking("mock_push_request_errors") { _ in
            let errs = codes.map { rd_kafka_resp_err_t(rawValue: $0) }
            errs.withUnsafeBufferPointer {
                rd_kafka_mock_push_request_errors_array(mc, apiKey, $0.count, $0.baseAddress)
            }
        }
    }

    /// Moves a partition's leadership to a broker.
    public func setPartitionLeader(_ topic: String, _ partition: Int32, broker brokerID: Int32)
        async throws(KafkaError)
    {
        try await control("mock_partition_set_leader") {
            rd_kafka_mock_partition_set_leader($0, topic, partition, brokerID)
        }
    }

    /// Makes a broker the group or transaction coordinator for a key (`type`: "group" or
    /// "transaction").
    public func setCoordinator(type: String, key: String, broker brokerID: Int32)
        async throws(KafkaError)
    {
        try await control("mock_coordinator_set") {
            rd_kafka_mock_coordinator_set($0, type, key, brokerID)
        }
    }
}
