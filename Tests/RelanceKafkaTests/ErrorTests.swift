import RelanceKafka
import Testing

@Suite("Bad configuration gives a clear error", .serialized)
struct ErrorTests {
    @Test("an unknown property names itself")
    func unknownProperty() throws {
        var configuration = ProducerConfiguration(bootstrapServers: "127.0.0.1:9092")
        configuration.kafka.properties["no.such.property"] = "1"
        let error = #expect(throws: KafkaError.self) { try KafkaProducer(configuration: configuration) }
        #expect(error?.operation == "configuration")
        #expect(error?.message.contains("unknown property \"no.such.property\"") == true)
    }

    @Test("a refused value names the property and the value")
    func invalidValue() throws {
        var configuration = ConsumerConfiguration(bootstrapServers: "127.0.0.1:9092", groupID: "g")
        configuration.kafka.properties["session.timeout.ms"] = "soon"
        let error = #expect(throws: KafkaError.self) { try KafkaConsumer(configuration: configuration) }
        #expect(error?.message.contains("invalid value \"soon\" for \"session.timeout.ms\"") == true)

        var typed = ProducerConfiguration(bootstrapServers: "127.0.0.1:9092")
        typed.compression = "brotli"
        let typedError = #expect(throws: KafkaError.self) { try KafkaProducer(configuration: typed) }
        #expect(typedError?.message.contains("compression.codec") == true)
    }

    @Test("TLS settings that cannot load fail at creation, naming the setting")
    func unloadableTLS() throws {
        var configuration = KafkaConfiguration(bootstrapServers: "127.0.0.1:9092")
        configuration.securityProtocol = .ssl
        configuration.tls = .init(caLocation: "/nonexistent/relance-ca.pem")
        let error = #expect(throws: KafkaError.self) { try KafkaAdmin(configuration: configuration) }
        #expect(error?.operation == "configuration")
        #expect(error?.message.contains("ssl.ca.location") == true, "\(String(describing: error))")
    }

    @Test("an unreachable bootstrap fails within its timeout, for every client")
    func unreachable() async throws {
        let bootstrap = "127.0.0.1:1"
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: bootstrap))
        let listError = await #expect(throws: KafkaError.self) {
            try await admin.listTopics(timeout: .seconds(1))
        }
        #expect(listError?.isRetriable == true)
        #expect(listError?.message.contains("no broker answered") == true)

        var configuration = ProducerConfiguration(bootstrapServers: bootstrap)
        configuration.messageTimeoutMilliseconds = 1000
        let producer = try KafkaProducer(configuration: configuration)
        let sendError = await #expect(throws: KafkaError.self) {
            try await producer.send(ProducerMessage(topic: "t", key: "k", value: [1]))
        }
        #expect(sendError?.code == .messageTimedOut)

        try await producer.enqueue(ProducerMessage(topic: "t", key: "k", value: [2]))
        let flushError = await #expect(throws: KafkaError.self) {
            try await producer.flush(timeout: .seconds(5))
        }
        #expect(flushError?.code == .messageTimedOut)
        #expect(flushError?.message.contains("1 record(s) failed") == true)

        let consumer = try KafkaConsumer(
            configuration: ConsumerConfiguration(bootstrapServers: bootstrap, groupID: "g"))
        await #expect(throws: KafkaError.self) {
            _ = try await consumer.checkConnection(timeout: .seconds(1))
        }
        try await consumer.close()
    }

    @Test("a closed client refuses calls with a closed-client error")
    func closedClient() async throws {
        let cluster = try MockCluster(brokers: 1)
        let consumer = try KafkaConsumer(configuration: consumerConfiguration(cluster, group: "g"))
        try await consumer.close()
        let error = await #expect(throws: KafkaError.self) { _ = try await consumer.poll() }
        #expect(error?.code == .destroyed)

        let producer = try KafkaProducer(configuration: producerConfiguration(cluster))
        try await producer.close()
        await #expect(throws: KafkaError.self) {
            try await producer.enqueue(ProducerMessage(topic: "t", key: "k", value: [1]))
        }
    }
}
