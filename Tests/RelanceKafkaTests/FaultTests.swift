import RelanceKafka
import Testing

@Suite("Broker faults", .serialized)
struct FaultTests {
    @Test("a partition leader taken down and brought back mid-stream: every acknowledged record is consumed once")
    func brokerDownAndUp() async throws {
        let cluster = try MockCluster(brokers: 3)
        let topic = unique("stream")
        try await cluster.createTopic(topic, partitions: 1, replicationFactor: 3)
        try await cluster.setPartitionLeader(topic, 0, broker: 2)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster))
        let consumer = try KafkaConsumer(configuration: consumerConfiguration(cluster, group: unique("g")))
        try await consumer.subscribe([topic])

        var acknowledged: Set<String> = []
        func sendAll(_ range: Range<Int>) async -> [String] {
            await withTaskGroup(of: String?.self) { group in
                for i in range {
                    group.addTask {
                        let value = "r\(i)"
                        let report = try? await producer.send(
                            ProducerMessage(topic: topic, key: "k", value: Array(value.utf8)))
                        return report == nil ? nil : value
                    }
                }
                var sent: [String] = []
                for await value in group { if let value { sent.append(value) } }
                return sent
            }
        }
        acknowledged.formUnion(await sendAll(0..<300))
        #expect(acknowledged.count == 300)
        let firstPart = try await consume(consumer, until: { $0.count >= 100 })

        try await cluster.setBrokerDown(2)
        // While the leader is down nothing new can be acknowledged.
        for i in 300..<600 {
            try await producer.enqueue(ProducerMessage(topic: topic, key: "k", value: Array("r\(i)".utf8)))
        }
        let stuck = await #expect(throws: KafkaError.self) { try await producer.flush(timeout: .milliseconds(800)) }
        #expect(stuck?.code == .timedOut)
        try await cluster.setBrokerUp(2)
        try await producer.flush(timeout: .seconds(60))
        acknowledged.formUnion((300..<600).map { "r\($0)" })
        acknowledged.formUnion(await sendAll(600..<900))
        #expect(acknowledged.count == 900)

        let rest = try await consume(consumer, until: { firstPart.count + $0.count >= 900 }, within: .seconds(60))
        let values = (firstPart + rest).compactMap(\.valueString)
        #expect(values.count == 900, "idempotent producer: no duplicate after retries")
        #expect(Set(values) == acknowledged)
        // One partition: consumed offsets are consecutive.
        #expect((firstPart + rest).map(\.offset) == Array(0..<900))
        try await consumer.close()
    }
}
