// Throughput of the Swift Kafka layer against loops written directly on librdkafka's C API,
// measured in the same process and run on librdkafka's mock cluster, and printed as ratios.
//
//   swift run -c release kafka-bench [--messages N]
//
// Each line runs the C loop and the Swift loop alternately (C, Swift, C, Swift, …) and reports
// the median of the rounds' ratios, so that a burst of load from elsewhere on a shared machine
// hurts both sides of a round alike.
import CRdKafka
import Foundation
import RelanceKafka

let arguments = CommandLine.arguments
let messageCount = arguments.firstIndex(of: "--messages").map { Int(arguments[$0 + 1])! } ?? 100_000
let rounds = arguments.firstIndex(of: "--rounds").map { Int(arguments[$0 + 1])! } ?? 7
let transactionSize = 1000
let payload = [UInt8](repeating: 0x61, count: 100)

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("kafka-bench: \(message)\n".utf8))
    exit(1)
}

func seconds(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

// MARK: - The C side

func cConf(_ pairs: [(String, String)]) -> OpaquePointer {
    let conf = rd_kafka_conf_new()!
    var errstr = [CChar](repeating: 0, count: 512)
    for (k, v) in pairs where rd_kafka_conf_set(conf, k, v, &errstr, errstr.count) != RD_KAFKA_CONF_OK {
        fail("conf \(k)=\(v)")
    }
    return conf
}

func cClient(_ type: rd_kafka_type_t, _ pairs: [(String, String)], rebalance: Bool = false) -> OpaquePointer {
    let conf = cConf(pairs)
    if rebalance {
        rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, _ in
            _ = rd_kafka_assign(rk, err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? partitions : nil)
        }
    }
    var errstr = [CChar](repeating: 0, count: 512)
    guard let rk = rd_kafka_new(type, conf, &errstr, errstr.count) else { fail("rd_kafka_new") }
    return rk
}

/// Produces `count` records, waiting on the C API's own poll when the queue is full.
func cProduce(_ rk: OpaquePointer, topic: String, count: Int) {
    let rkt = rd_kafka_topic_new(rk, topic, nil)
    defer { rd_kafka_topic_destroy(rkt) }
    var key = 0
    payload.withUnsafeBytes { value in
        for _ in 0..<count {
            key &+= 1
            withUnsafeBytes(of: key) { k in
                while rd_kafka_produce(
                    rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                    UnsafeMutableRawPointer(mutating: value.baseAddress),
                    value.count, k.baseAddress, k.count, nil) != 0
                {
                    _ = rd_kafka_poll(rk, 10)
                }
            }
            _ = rd_kafka_poll(rk, 0)
        }
    }
    _ = rd_kafka_flush(rk, 60_000)
}

/// Consumes `count` records, reading the fields the Swift layer hands over (key, value,
/// headers, timestamp) in place, without copying them.
func cConsume(_ rk: OpaquePointer, count: Int, each: (UnsafeMutablePointer<rd_kafka_message_t>) -> Void) {
    var seen = 0
    var headerCount = 0
    var timestamps: Int64 = 0
    while seen < count {
        guard let m = rd_kafka_consumer_poll(rk, 1000) else { continue }
        if m.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            var headers: OpaquePointer?
            if rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headerCount &+= rd_kafka_header_cnt(headers)
            }
            var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
            timestamps &+= rd_kafka_message_timestamp(m, &type)
            each(m)
            seen += 1
        }
        rd_kafka_message_destroy(m)
    }
    blackHole(headerCount &+ Int(truncatingIfNeeded: timestamps))
}

@inline(never)
func blackHole(_ value: Int) { if value == 42_424_242 { say("") } }

func cSubscribe(_ rk: OpaquePointer, _ topic: String) {
    rd_kafka_poll_set_consumer(rk)
    let list = rd_kafka_topic_partition_list_new(1)
    rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA)
    _ = rd_kafka_subscribe(rk, list)
    rd_kafka_topic_partition_list_destroy(list)
}

func cCheck(_ error: OpaquePointer?, _ what: String) {
    if let error { fail("\(what): \(String(cString: rd_kafka_error_string(error)))") }
}

// MARK: - Scenarios

let cluster = try MockCluster(brokers: 3)
let bootstrap = cluster.bootstrapServers
func newTopic(_ prefix: String) async throws -> String {
    let name = "\(prefix)-\(UUID().uuidString.prefix(8))"
    try await cluster.createTopic(name, partitions: 4, replicationFactor: 1)
    return name
}
let producerProps: [(String, String)] = [
    ("bootstrap.servers", bootstrap), ("enable.idempotence", "true"), ("linger.ms", "5"),
]
func consumerProps(_ group: String) -> [(String, String)] {
    [
        ("bootstrap.servers", bootstrap), ("group.id", group), ("auto.offset.reset", "earliest"),
        ("enable.auto.commit", "false"), ("isolation.level", "read_committed"),
        ("enable.partition.eof", "false"),
    ]
}
func swiftProducer() throws -> KafkaProducer {
    var configuration = ProducerConfiguration(bootstrapServers: bootstrap)
    configuration.lingerMilliseconds = 5
    return try KafkaProducer(configuration: configuration)
}
func swiftConsumer(_ group: String) throws -> KafkaConsumer {
    try KafkaConsumer(configuration: ConsumerConfiguration(bootstrapServers: bootstrap, groupID: group))
}

/// A topic filled with `messageCount` records, for the consuming scenarios.
func filledTopic(_ prefix: String) async throws -> String {
    let topic = try await newTopic(prefix)
    let rk = cClient(RD_KAFKA_PRODUCER, producerProps)
    cProduce(rk, topic: topic, count: messageCount)
    rd_kafka_destroy(rk)
    return topic
}

func produceC() async throws -> Double {
    let topic = try await newTopic("produce-c")
    let rk = cClient(RD_KAFKA_PRODUCER, producerProps)
    defer { rd_kafka_destroy(rk) }
    return await seconds { cProduce(rk, topic: topic, count: messageCount) }
}

func produceSwift() async throws -> Double {
    let topic = try await newTopic("produce-swift")
    let producer = try swiftProducer()
    try await producer.prepare(topics: [topic])
    // The keys exist before the timed part, as the C loop's (an integer it points to) do.
    let keys = (0..<messageCount).map { i in withUnsafeBytes(of: i) { Array($0) } }
    let value = payload[...]
    return try await seconds {
        for key in keys {
            try await producer.enqueue(ProducerMessage(topic: topic, keyBytes: key[...], valueBytes: value))
        }
        try await producer.flush(timeout: .seconds(60))
    }
}

func consumeC() async throws -> Double {
    let topic = try await filledTopic("consume-c")
    let rk = cClient(RD_KAFKA_CONSUMER, consumerProps("c-\(topic)"), rebalance: true)
    defer {
        _ = rd_kafka_consumer_close(rk)
        rd_kafka_destroy(rk)
    }
    cSubscribe(rk, topic)
    // Wait for the group join (≈3 s on the mock) outside the timed part.
    var first = 0
    cConsume(rk, count: 1) { _ in first += 1 }
    var bytes = 0
    return await seconds { cConsume(rk, count: messageCount - 1) { bytes &+= $0.pointee.len } }
}

func consumeSwift() async throws -> Double {
    let topic = try await filledTopic("consume-swift")
    let consumer = try swiftConsumer("s-\(topic)")
    try await consumer.subscribe([topic])
    var got = 0
    while got == 0 { got = try await consumer.poll(maxMessages: 1).count }
    var bytes = 0
    let elapsed = try await seconds {
        while got < messageCount {
            for message in try await consumer.poll(maxMessages: 2000, timeout: .seconds(1)) {
                bytes &+= message.valueCount
                got += 1
            }
        }
    }
    try await consumer.close()
    return elapsed
}

func pipeC(transactional: Bool) async throws -> Double {
    let input = try await filledTopic("pipe-in-c")
    let output = try await newTopic("pipe-out-c")
    let consumer = cClient(RD_KAFKA_CONSUMER, consumerProps("c-\(input)"), rebalance: true)
    var props = producerProps
    if transactional { props.append(("transactional.id", "bench-c-\(input)")) }
    let producer = cClient(RD_KAFKA_PRODUCER, props)
    defer {
        _ = rd_kafka_consumer_close(consumer)
        rd_kafka_destroy(consumer)
        rd_kafka_destroy(producer)
    }
    if transactional { cCheck(rd_kafka_init_transactions(producer, 30_000), "init") }
    cSubscribe(consumer, input)
    let rkt = rd_kafka_topic_new(producer, output, nil)
    defer { rd_kafka_topic_destroy(rkt) }
    var inTransaction = 0
    var positions: [Int32: Int64] = [:]
    func forward(_ m: UnsafeMutablePointer<rd_kafka_message_t>) {
        if transactional && inTransaction == 0 { cCheck(rd_kafka_begin_transaction(producer), "begin") }
        while rd_kafka_produce(
            rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, m.pointee.payload, m.pointee.len,
            m.pointee.key, m.pointee.key_len, nil) != 0
        {
            _ = rd_kafka_poll(producer, 10)
        }
        _ = rd_kafka_poll(producer, 0)
        positions[m.pointee.partition] = m.pointee.offset + 1
        inTransaction += 1
        if transactional && inTransaction == transactionSize {
            commitC()
        }
    }
    func commitC() {
        let list = rd_kafka_topic_partition_list_new(Int32(positions.count))
        for (partition, offset) in positions {
            rd_kafka_topic_partition_list_add(list, input, partition)!.pointee.offset = offset
        }
        let metadata = rd_kafka_consumer_group_metadata(consumer)
        cCheck(rd_kafka_send_offsets_to_transaction(producer, list, metadata, 30_000), "send_offsets")
        rd_kafka_consumer_group_metadata_destroy(metadata)
        rd_kafka_topic_partition_list_destroy(list)
        cCheck(rd_kafka_commit_transaction(producer, 30_000), "commit")
        inTransaction = 0
    }
    // The group join happens outside the timed part.
    cConsume(consumer, count: 1) { forward($0) }
    return await seconds {
        cConsume(consumer, count: messageCount - 1) { forward($0) }
        if transactional {
            if inTransaction > 0 { commitC() }
        } else {
            _ = rd_kafka_flush(producer, 60_000)
            _ = rd_kafka_commit(consumer, nil, 0)
        }
    }
}

func pipeSwift(transactional: Bool) async throws -> Double {
    let input = try await filledTopic("pipe-in-swift")
    let output = try await newTopic("pipe-out-swift")
    let consumer = try swiftConsumer("s-\(input)")
    try await consumer.subscribe([input])
    var configuration = TransactionalProducerConfiguration(
        bootstrapServers: bootstrap, transactionalID: "bench-s-\(input)")
    configuration.producer.lingerMilliseconds = 5
    let txnProducer = transactional ? try KafkaTransactionalProducer(configuration: configuration) : nil
    let producer = transactional ? nil : try swiftProducer()
    try await txnProducer?.initTransactions()
    // Worker start-up: learn the output topic now, as the C loop's topic handle does.
    try await txnProducer?.prepare(topics: [output])
    try await producer?.prepare(topics: [output])
    var got = 0
    var inTransaction = 0
    var positions: [TopicPartition: Int64] = [:]
    func commit() async throws {
        try await txnProducer!.sendOffsets(
            positions.map { TopicPartitionOffset($0.key, offset: $0.value) }, consumer: consumer)
        try await txnProducer!.commitTransaction()
        inTransaction = 0
    }
    func forward(_ batch: [KafkaMessage]) async throws {
        for message in batch {
            let out = ProducerMessage(topic: output, keyBytes: message.key, valueBytes: message.value)
            if let txnProducer {
                if inTransaction == 0 { try txnProducer.beginTransaction() }
                try await txnProducer.enqueue(out)
                positions[message.topicPartition] = message.offset + 1
                inTransaction += 1
                if inTransaction == transactionSize { try await commit() }
            } else {
                try await producer!.enqueue(out)
            }
            got += 1
        }
    }
    while got == 0 { try await forward(try await consumer.poll(maxMessages: 1)) }
    let elapsed = try await seconds {
        while got < messageCount {
            let room = transactional ? transactionSize - inTransaction : 2000
            try await forward(try await consumer.poll(maxMessages: min(room, messageCount - got), timeout: .seconds(1)))
        }
        if transactional {
            if inTransaction > 0 { try await commit() }
        } else {
            try await producer!.flush(timeout: .seconds(60))
            try await consumer.commit()
        }
    }
    try await consumer.close()
    return elapsed
}

// MARK: - Run

struct Line {
    let name: String
    let c: () async throws -> Double
    let swift: () async throws -> Double
}
let lines = [
    Line(name: "produce (idempotent, 100 B)", c: produceC, swift: produceSwift),
    Line(name: "consume in a group", c: consumeC, swift: consumeSwift),
    Line(
        name: "consume→produce at-least-once", c: { try await pipeC(transactional: false) },
        swift: { try await pipeSwift(transactional: false) }),
    Line(
        name: "consume→produce, txn of \(transactionSize)", c: { try await pipeC(transactional: true) },
        swift: { try await pipeSwift(transactional: true) }),
]
let only = arguments.firstIndex(of: "--only").map { arguments[$0 + 1] }

say(
    "librdkafka \(String(cString: rd_kafka_version_str())), mock cluster of 3 brokers, \(messageCount) messages, median of \(rounds) rounds"
)
say("line".padding(toLength: 36, withPad: " ", startingAt: 0) + "      C msgs/s   Swift msgs/s   ratio")
var worst = Double.infinity
for line in lines where only.map({ line.name.contains($0) }) ?? true {
    // Each round runs C then Swift back to back, so both meet the same load from the rest of
    // the machine; the line reports the median of the rounds' ratios, and the median
    // throughputs for scale.
    var cRates: [Double] = []
    var swiftRates: [Double] = []
    var ratios: [Double] = []
    for _ in 0..<rounds {
        let c = Double(messageCount) / (try await line.c())
        let swift = Double(messageCount) / (try await line.swift())
        cRates.append(c)
        swiftRates.append(swift)
        ratios.append(swift / c)
    }
    let ratio = median(ratios)
    worst = min(worst, ratio)
    say(
        line.name.padding(toLength: 36, withPad: " ", startingAt: 0)
            + String(format: " %14.0f %14.0f   %.2f×", median(cRates), median(swiftRates), ratio)
            + "   (rounds: " + ratios.map { String(format: "%.2f", $0) }.joined(separator: " ") + ")")
}
say(String(format: "worst median ratio: %.2f× (target ≥ 0.90×)", worst))

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Unbuffered output, so that a long or stuck run shows how far it got.
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
