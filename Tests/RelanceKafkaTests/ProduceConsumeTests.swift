import RelanceKafka
import Testing

@Suite("Produce and consume over TCP on the mock cluster", .serialized)
struct ProduceConsumeTests {
    @Test("keyed records with headers round-trip, each key in one partition, in order")
    func roundTrip() async throws {
        let cluster = try MockCluster(brokers: 3)
        let topic = unique("payments")
        try await cluster.createTopic(topic, partitions: 4, replicationFactor: 3)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster))

        let count = 400
        var reports: [DeliveryReport] = []
        for i in 0..<count {
            let message = ProducerMessage(
                topic: topic, key: "account-\(i % 13)", value: Array("event \(i)".utf8),
                headers: [
                    KafkaHeader("event-type", "payment.failed"), KafkaHeader("seq", String(i)),
                    KafkaHeader(key: "empty", value: nil),
                ])
            if i % 40 == 0 {
                reports.append(try await producer.send(message))
            } else {
                try await producer.enqueue(message)
            }
        }
        try await producer.flush()
        #expect(reports.count == 10)
        #expect(
            reports.allSatisfy { $0.topic == topic && $0.offset >= 0 && (0..<4).contains($0.partition) })

        let consumer = try KafkaConsumer(
            configuration: consumerConfiguration(cluster, group: unique("g")))
        try await consumer.subscribe([topic])
        let received = try await consume(consumer, until: { $0.count >= count })
        try await consumer.close()

        #expect(received.count == count)
        var partitionOfKey: [String: Int32] = [:]
        var lastSeqOfKey: [String: Int] = [:]
        for message in received {
            let key = try #require(message.keyString)
            let seq = try #require(Int(String(decoding: message.header("seq") ?? [], as: UTF8.self)))
            #expect(message.valueString == "event \(seq)")
            #expect(key == "account-\(seq % 13)")
            #expect(message.headers.map(\.key) == ["event-type", "seq", "empty"])
            #expect(message.header("event-type") == Array("payment.failed".utf8))
            #expect(message.headers[2].value == nil)
            #expect(message.timestampMilliseconds != nil)
            if let partition = partitionOfKey[key] { #expect(partition == message.partition) }
            partitionOfKey[key] = message.partition
            // Records of one key come back in the order they were produced.
            #expect(seq > lastSeqOfKey[key, default: -1])
            lastSeqOfKey[key] = seq
        }
        #expect(Set(partitionOfKey.values).count > 1, "13 keys over 4 partitions use several")
    }

    @Test("an explicit partition is kept, and offsets are consecutive within it")
    func explicitPartition() async throws {
        let cluster = try MockCluster(brokers: 1)
        let topic = unique("explicit")
        try await cluster.createTopic(topic, partitions: 3)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster))
        var offsets: [Int64] = []
        for i in 0..<5 {
            let report = try await producer.send(
                ProducerMessage(topic: topic, partition: 2, key: nil, value: [UInt8(i)]))
            #expect(report.partition == 2)
            offsets.append(report.offset)
        }
        #expect(offsets == [0, 1, 2, 3, 4])
    }

    @Test("watermarks of many partitions in one call equal those asked one partition at a time")
    func batchedWatermarks() async throws {
        let cluster = try MockCluster(brokers: 3)
        let topic = unique("changelog")
        try await cluster.createTopic(topic, partitions: 7, replicationFactor: 1)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster))
        // Partition p holds 3p records: partition 0 stays empty; leaders on three brokers.
        for partition in Int32(0)..<7 {
            for i in 0..<(3 * Int(partition)) {
                try await producer.enqueue(
                    ProducerMessage(topic: topic, partition: partition, key: "k\(i)", value: Array("v\(i)".utf8)))
            }
        }
        try await producer.flush()
        try await producer.close()
        let consumer = try KafkaConsumer(
            configuration: ConsumerConfiguration(bootstrapServers: cluster.bootstrapServers, groupID: nil))
        let partitions = [4, 0, 6, 1, 5, 2, 3].map { TopicPartition(topic, Int32($0)) }
        let batched = try await consumer.watermarks(partitions)
        #expect(batched.count == partitions.count)
        for (partition, (low, high)) in zip(partitions, batched) {
            let one = try await consumer.watermarks(partition)
            #expect(low == one.low && high == one.high, "\(partition)")
            #expect(low == 0 && high == 3 * Int64(partition.partition), "\(partition)")
        }
        #expect(try await consumer.watermarks([]).isEmpty)
        // A partition the topic does not have fails the call, as it does alone.
        await #expect(throws: KafkaError.self) {
            _ = try await consumer.watermarks([TopicPartition(topic, 0), TopicPartition(topic, 9)])
        }
        try await consumer.close()
    }

    @Test("pause stops a partition, resume restarts it, seek re-reads")
    func pauseResumeSeek() async throws {
        let cluster = try MockCluster(brokers: 1)
        let topic = unique("flow")
        try await cluster.createTopic(topic, partitions: 2)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster))
        for partition in Int32(0)..<2 {
            for i in 0..<50 {
                try await producer.enqueue(
                    ProducerMessage(
                        topic: topic, partition: partition, key: nil, value: Array("\(partition)-\(i)".utf8)))
            }
        }
        try await producer.flush()

        let consumer = try KafkaConsumer(configuration: consumerConfiguration(cluster, group: nil))
        let p0 = TopicPartition(topic, 0)
        let p1 = TopicPartition(topic, 1)
        try await consumer.assign([
            TopicPartitionOffset(p0, offset: TopicPartitionOffset.beginning),
            TopicPartitionOffset(p1, offset: TopicPartitionOffset.beginning),
        ])
        try consumer.pause([p1])
        let first = try await consume(consumer, until: { $0.count >= 50 })
        #expect(first.allSatisfy { $0.partition == 0 })
        #expect(first.count == 50)
        // Nothing more may come while partition 1 is paused.
        let whilePaused = try await consumer.poll(maxMessages: 100, timeout: .milliseconds(500))
        #expect(whilePaused.isEmpty)

        try consumer.resume([p1])
        let second = try await consume(consumer, until: { $0.count >= 50 })
        #expect(second.map(\.partition) == Array(repeating: 1, count: 50))
        #expect(second.map(\.offset) == Array(0..<50))

        try await consumer.seek([TopicPartitionOffset(p0, offset: 40)])
        let again = try await consume(consumer, until: { $0.count >= 10 })
        #expect(again.map(\.offset) == Array(40..<50))
        #expect(again.allSatisfy { $0.partition == 0 })
        #expect(try consumer.position([p0]).first?.offset == 50)
        try await consumer.close()
    }
}
