// payment-retry speed.
//
//   swift run -c release payment-retry-bench [--accounts N] [--rounds R] [--rate E] [--seconds S] [--instances K]
//       [--no-outcomes]
//
// `--no-outcomes`: payment-retry as deployed without recovery-stats (RELANCE_PAYMENT_OUTCOMES=off),
// no copy of each new item to relance.payment-outcomes: what it cost before recovery-stats.
//
// 1. Throughput: first failures of 2 × N payments (N accounts, default 50,000: card soft and
//    hard declines, SEPA returns, eCheck, installment, subscription and refund failures) through
//    payment-retry, exactly-once on the mock cluster, against an echo worker on the same events
//    in the same run (the runtime's own cost). Target ≥ 50,000 events/s.
// 2. Latency at a fixed offered load: failures published at E events/s (default 10,000) for
//    S seconds (default 5) while payment-retry runs; for each, the time from its publication to
//    the moment its action-centre item can be read by a read_committed consumer (after the
//    commit). Prints p50/p99/max. Target p99 < 250 ms at 10,000 events/s.
import BenchSupport
import Foundation
import PaymentRetryService
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import Synchronization

let accountCount = option("--accounts", 50_000)
let rounds = option("--rounds", 3)
let rate = option("--rate", 10_000)
let loadSeconds = option("--seconds", 5)
let partitions: Int32 = 16
let publishesOutcomes = !CommandLine.arguments.contains("--no-outcomes")

let occurred = Date(timeIntervalSince1970: 1_793_491_200)  // 2026-11-01T00:00:00Z

/// The `n`th failure: a mix of the kinds payment-retry handles.
func failure(_ n: Int, account: Int, paymentID: String) -> (key: String, value: [UInt8]) {
    let kinds: [(type: String, method: String, code: String, scheme: String)] = [
        ("subscription", "card", "insufficient_funds", "stripe"),
        ("installment", "card", "do_not_honor", "stripe"),
        ("subscription", "card", "stolen_card", "stripe"),
        ("subscription", "card", "51", "iso8583"),
        ("subscription", "sepa_debit", "AM04", "sepa"),
        ("subscription", "sepa_debit", "MD01", "sepa"),
        ("installment", "echeck", "insufficient_funds", "stripe"),
        ("refund", "card", "processing_error", "stripe"),
    ]
    let kind = kinds[n % kinds.count]
    return accountEvent(
        account, paymentID, "payment.failed", at: occurred,
        .object([
            "paymentId": .string(paymentID), "invoiceId": .string("inv-\(paymentID)"),
            "invoiceDate": .string("2026-10-\(String(format: "%02d", 1 + n % 28))"),
            "transactionType": .string(kind.type), "paymentMethod": .string(kind.method),
            "amount": .integer(Int64(1_000 + n % 9_000)), "currency": .string("EUR"),
            "declineCode": .string(kind.code), "declineScheme": .string(kind.scheme),
            "customerName": .string("Customer \(account)"),
        ]))
}

// The worker's output topics are created by WorkerBench's first run (the latency run below
// writes to them too).
let bench = try await WorkerBench(partitions: partitions, clock: occurred)

// MARK: 1. Throughput

var events: [(key: String, value: [UInt8])] = []
for payment in 0..<2 {
    for account in 0..<accountCount {
        let n = payment * accountCount + account
        events.append(failure(n, account: account, paymentID: "pay-\(account)-\(payment)"))
    }
}
let compared = try await bench.againstEcho(events, rounds: rounds) { input in
    var worker = PaymentRetryWorker()
    worker.inputTopics = [input]
    worker.publishesOutcomes = publishesOutcomes
    return worker
}
say(
    "payment-retry: \(events.count) first failures (\(accountCount) accounts), exactly-once: "
        + compared.line(count: events.count))

// MARK: 2. Latency at a fixed offered load

let input = "bench.latency.\(UInt32.random(in: 0...UInt32.max))"
let clockTopic = input + ".clock"
let changelog = input + ".changelog"
for topic in [input, clockTopic, changelog] { try await bench.cluster.createTopic(topic, partitions: partitions) }
let producer = try KafkaProducer(
    configuration: {
        var configuration = ProducerConfiguration(bootstrapServers: bench.cluster.bootstrapServers)
        configuration.lingerMilliseconds = 1
        return configuration
    }())
for partition in 0..<partitions {
    try await producer.enqueue(
        ProducerMessage(topic: clockTopic, partition: partition, key: nil, value: ClockTick.record(occurred)))
}
try await producer.flush()

var configuration = RuntimeConfiguration(bootstrapServers: bench.cluster.bootstrapServers)
configuration.instanceID = "latency"
configuration.groupID = input
configuration.clockTopic = clockTopic
configuration.changelogTopic = changelog
// The bench sends no commands; payment-retry reads some and refuses to start without keys.
configuration.unsignedCommands = .warn
configuration.abortedRecordsVisible = true
configuration.logLevel = .warning
// librdkafka's mock broker holds a fetch that finds nothing new for the whole of the
// consumer's fetch.wait.max.ms (500 ms by default) even when records arrive meanwhile; a Kafka
// broker answers as soon as they are there. A short wait, for the worker and for the reader
// below, measures the worker rather than the mock.
let fetchWait = "10"
configuration.kafkaProperties["fetch.wait.max.ms"] = fetchWait
let runtime = WorkerRuntime(
    worker: {
        var worker = PaymentRetryWorker()
        worker.inputTopics = [input]
        worker.publishesOutcomes = publishesOutcomes
        return worker
    }(), configuration: configuration)
let runtimeTask = Task { try await runtime.run() }
while await runtime.ownedPartitions.count < partitions || !runtime.status.isReady {
    try await Task.sleep(for: .milliseconds(5))
}

// The reader of the action centre, from its current end: records appear once committed.
let reader = try KafkaConsumer(
    configuration: {
        var configuration = ConsumerConfiguration(bootstrapServers: bench.cluster.bootstrapServers, groupID: nil)
        configuration.kafka.properties["fetch.wait.max.ms"] = fetchWait
        return configuration
    }())
try await reader.assign(
    (0..<partitions).map {
        TopicPartitionOffset(PaymentEvents.actionCentreTopic, $0, offset: TopicPartitionOffset.end)
    })
_ = try await reader.poll(maxMessages: 1, timeout: .milliseconds(500))

let total = rate * loadSeconds
let sentAt = Mutex<[String: ContinuousClock.Instant]>([:])
let base = accountCount * 2
let sender = Task {
    // Every millisecond, the events due by then: a steady `rate` per second.
    let start = ContinuousClock.now
    var sent = 0
    while sent < total {
        let due = min(total, Int(Double(rate) * ((ContinuousClock.now - start) / .seconds(1))) + 1)
        while sent < due {
            let account = accountCount + sent
            let payment = "lat-\(sent)"
            let event = failure(base + sent, account: account, paymentID: payment)
            sentAt.withLock { $0[payment] = .now }
            try await producer.enqueue(ProducerMessage(topic: input, key: event.key, value: event.value))
            sent += 1
        }
        try await Task.sleep(for: .milliseconds(1))
    }
    try await producer.flush()
}

var latencies: [Double] = []
let deadline = ContinuousClock.now + .seconds(loadSeconds + 60)
while latencies.count < total && ContinuousClock.now < deadline {
    for record in try await reader.poll(maxMessages: 1000, timeout: .milliseconds(20)) {
        let now = ContinuousClock.now
        guard let value = record.value, let item = try? JSONReader.read(Array(value)),
            let payment = item["data"]?["paymentId"]?.stringValue, payment.hasPrefix("lat-"),
            let sent = sentAt.withLock({ $0.removeValue(forKey: payment) })
        else { continue }
        latencies.append((now - sent) / .milliseconds(1))
    }
}
try await sender.value
await runtime.stop()
try await runtimeTask.value
guard latencies.count == total else { fail("\(latencies.count) of \(total) action-centre items read") }
let sorted = latencies.sorted()
func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
say(
    "payment-retry latency at \(rate) events/s for \(loadSeconds) s (\(total) failures), publication → "
        + "committed action-centre item: p50 \(format(percentile(0.5))) ms, p99 \(format(percentile(0.99))) ms, "
        + "max \(format(sorted.last!)) ms (target p99 < 250 ms)")
