import Foundation
import RelanceKafka
import Testing

/// The broker named by `RELANCE_TEST_BROKER` (`host:port`), e.g. Tansu started by `.ci/run`.
let realBroker = ProcessInfo.processInfo.environment["RELANCE_TEST_BROKER"]
/// Set to 1 when that broker implements transactions fully (Apache Kafka). Tansu 0.6.0 does
/// not: it neither fences an older producer epoch nor hides every aborted record (measured
/// here: the zombie's record and 4 of 40 aborted records were visible to read_committed).
let realBrokerTransactions = ProcessInfo.processInfo.environment["RELANCE_TEST_BROKER_TRANSACTIONS"] == "1"

/// What librdkafka's mock cluster does not model, checked on a real Kafka-protocol broker:
/// CreateTopics, producer fencing by epoch, and offsets committed by a transaction.
@Suite("On a real broker (RELANCE_TEST_BROKER)", .serialized, .enabled(if: realBroker != nil))
struct RealBrokerTests {
    let bootstrap = realBroker ?? ""

    func consumerConfiguration(group: String) -> ConsumerConfiguration {
        var configuration = ConsumerConfiguration(bootstrapServers: bootstrap, groupID: group)
        // A group join waits for the session timeout on Tansu: keep it short.
        configuration.sessionTimeoutMilliseconds = 6000
        return configuration
    }

    func createTopics(_ topics: [NewTopic]) async throws {
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: bootstrap))
        try await admin.createTopics(topics)
    }

    func read(_ topic: String, until done: @escaping ([KafkaMessage]) -> Bool) async throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(configuration: consumerConfiguration(group: unique("reader")))
        try await consumer.subscribe([topic])
        let messages = try await consume(consumer, until: done, within: .seconds(60))
        try await consumer.close()
        return messages
    }

    @Test("admin creates plain and compacted topics and lists them")
    func createAndList() async throws {
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: bootstrap))
        let plain = unique("payments")
        let compacted = unique("account-status")
        try await admin.createTopics([
            NewTopic(name: plain, partitions: 3, replicationFactor: 1),
            .compacted(compacted, partitions: 2, replicationFactor: 1),
        ])
        let topics = try await admin.listTopics()
        #expect(topics.first { $0.name == plain }?.partitions.count == 3)
        #expect(topics.first { $0.name == compacted }?.partitions.count == 2)
        // Creating again is no error by default, and an error naming the topic otherwise.
        try await admin.createTopics([NewTopic(name: plain, partitions: 3, replicationFactor: 1)])
        let error = await #expect(throws: KafkaError.self) {
            try await admin.createTopics(
                [NewTopic(name: plain, partitions: 3, replicationFactor: 1)], ignoreExisting: false)
        }
        #expect(error?.code == .topicAlreadyExists)
        #expect(error?.message.contains(plain) == true)
    }

    @Test(
        "records of an open transaction stay invisible to read_committed until the commit",
        .enabled(if: realBrokerTransactions))
    func invisibleUntilCommit() async throws {
        let topic = unique("pending")
        try await createTopics([NewTopic(name: topic, partitions: 2, replicationFactor: 1)])
        let producer = try KafkaTransactionalProducer(
            configuration: TransactionalProducerConfiguration(bootstrapServers: bootstrap, transactionalID: unique("t"))
        )
        try await producer.initTransactions()
        let reader = try KafkaConsumer(configuration: consumerConfiguration(group: unique("reader")))
        try await reader.subscribe([topic])
        try producer.beginTransaction()
        for i in 0..<10 {
            try await producer.send(ProducerMessage(topic: topic, key: "k\(i)", value: Array("pending-\(i)".utf8)))
        }
        // Poll until the reader owns both partitions, then a while longer: nothing may show.
        var early: [KafkaMessage] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while try await reader.assignment().count < 2 {
            try #require(ContinuousClock.now < deadline, "the reader never joined")
            early += try await reader.poll(timeout: .milliseconds(200))
        }
        for _ in 0..<10 { early += try await reader.poll(timeout: .milliseconds(200)) }
        #expect(early.isEmpty, "read_committed showed records of an open transaction")
        try await producer.commitTransaction()
        let values = try await consume(reader, until: { $0.count >= 10 }, within: .seconds(60)).compactMap(
            \.valueString)
        #expect(values.sorted() == (0..<10).map { "pending-\($0)" }.sorted())
        try await reader.close()
    }

    @Test(
        "records of an aborted transaction that reached the broker stay invisible to read_committed",
        .enabled(if: realBrokerTransactions))
    func abortedInvisible() async throws {
        let topic = unique("aborted")
        try await createTopics([NewTopic(name: topic, partitions: 2, replicationFactor: 1)])
        let producer = try KafkaTransactionalProducer(
            configuration: TransactionalProducerConfiguration(bootstrapServers: bootstrap, transactionalID: unique("t"))
        )
        try await producer.initTransactions()
        try producer.beginTransaction()
        for i in 0..<10 {
            // Awaited, so the records are on the broker before the abort.
            try await producer.send(ProducerMessage(topic: topic, key: "k\(i)", value: Array("aborted-\(i)".utf8)))
        }
        try await producer.abortTransaction()
        try producer.beginTransaction()
        try await producer.send(ProducerMessage(topic: topic, key: "k0", value: Array("end".utf8)))
        try await producer.commitTransaction()
        let values = try await read(topic, until: { $0.contains { $0.valueString == "end" } })
        #expect(values.compactMap(\.valueString) == ["end"])
    }

    @Test(
        "a second producer with the same transactional.id fences the first",
        .enabled(if: realBrokerTransactions))
    func fencing() async throws {
        let topic = unique("fenced")
        try await createTopics([NewTopic(name: topic, partitions: 1, replicationFactor: 1)])
        let configuration = TransactionalProducerConfiguration(
            producer: ProducerConfiguration(bootstrapServers: bootstrap), transactionalID: unique("worker-0"))
        let zombie = try KafkaTransactionalProducer(configuration: configuration)
        try await zombie.initTransactions()
        try zombie.beginTransaction()
        try await zombie.send(ProducerMessage(topic: topic, key: "k", value: Array("zombie".utf8)))

        let successor = try KafkaTransactionalProducer(configuration: configuration)
        try await successor.initTransactions()
        try successor.beginTransaction()
        try await successor.send(ProducerMessage(topic: topic, key: "k", value: Array("successor".utf8)))
        try await successor.commitTransaction()

        let error = await #expect(throws: KafkaError.self) {
            try zombie.beginTransaction()
            try await zombie.send(ProducerMessage(topic: topic, key: "k", value: Array("zombie-2".utf8)))
            try await zombie.commitTransaction()
        }
        #expect(error?.isFatal == true, "fenced is fatal: \(String(describing: error))")

        let values = try await read(topic, until: { $0.contains { $0.valueString == "successor" } })
        #expect(values.compactMap(\.valueString) == ["successor"])
    }

    @Test(
        "offsets sent to a committed transaction are the group's committed offsets; aborted ones are not",
        .enabled(if: realBrokerTransactions))
    func transactionalOffsets() async throws {
        let input = unique("in")
        let output = unique("out")
        let group = unique("worker")
        try await createTopics([
            NewTopic(name: input, partitions: 2, replicationFactor: 1),
            NewTopic(name: output, partitions: 2, replicationFactor: 1),
        ])
        let source = try KafkaProducer(configuration: ProducerConfiguration(bootstrapServers: bootstrap))
        for i in 0..<40 {
            try await source.enqueue(ProducerMessage(topic: input, key: "k\(i)", value: Array("\(i)".utf8)))
        }
        try await source.flush()

        let consumer = try KafkaConsumer(configuration: consumerConfiguration(group: group))
        try await consumer.subscribe([input])
        let producer = try KafkaTransactionalProducer(
            configuration: TransactionalProducerConfiguration(bootstrapServers: bootstrap, transactionalID: unique("t"))
        )
        try await producer.initTransactions()
        let batch = try await consume(consumer, until: { $0.count >= 40 }, within: .seconds(60))
        let partitions = [TopicPartition(input, 0), TopicPartition(input, 1)]

        try producer.beginTransaction()
        for m in batch {
            try await producer.enqueue(ProducerMessage(topic: output, keyBytes: m.key, valueBytes: m.value))
        }
        try await producer.sendOffsets(nextOffsets(batch), consumer: consumer)
        try await producer.abortTransaction()
        let afterAbort = try await consumer.committed(partitions)
        #expect(afterAbort.allSatisfy { $0.offset == TopicPartitionOffset.invalid })

        try producer.beginTransaction()
        for m in batch {
            try await producer.enqueue(ProducerMessage(topic: output, keyBytes: m.key, valueBytes: m.value))
        }
        try await producer.sendOffsets(nextOffsets(batch), consumer: consumer)
        try await producer.commitTransaction()
        let committed = try await consumer.committed(partitions)
        #expect(Set(committed) == Set(nextOffsets(batch)))
        try await consumer.close()

        let out = try await read(output, until: { $0.count >= 40 })
        #expect(out.count == 40, "the aborted copy is invisible")
    }
}
