import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import Synchronization

/// A small worker: keeps a running total per account, publishes the balance after every
/// deposit, and sets a reminder timer seven days after an account's first deposit.
struct LedgerWorker: Worker {
    struct State: Codable, Sendable, Equatable {
        var count: Int
        var total: Int64
    }

    var name = "ledger"
    var inputTopics = ["t.deposits"]
    var outputTopics = ["t.balances"]
    var eventTypes = [
        EventType(
            "test.deposit", summary: "money paid into an account",
            data: .object(
                ["amount": .amount(), "currency": .currency(), "refuse": .boolean(), "note": .string()],
                optional: ["currency", "refuse", "note"]))
    ]

    func handle(_ event: Event<EventEnvelope>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        let event = event.envelope
        guard let amount = event.data["amount"]?.integerValue else {
            throw WorkerRejection("missing_amount", "data.amount is required")
        }
        if event.data["refuse"] == .bool(true) {
            throw WorkerRejection("refused_by_worker", "the deposit is marked refuse: true")
        }
        var current = state ?? State(count: 0, total: 0)
        current.count += 1
        current.total += amount
        state = current
        context.emit(
            "test.balance", to: "t.balances",
            data: .object([
                "cause": .string(event.eventID), "count": .integer(Int64(current.count)),
                "total": .integer(current.total),
            ]))
        if context.timer("reminder") == nil && current.count == 1 {
            context.schedule("reminder", at: context.now.addingTimeInterval(7 * 86_400), payload: .string("week"))
        }
    }

    func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {
        context.emit(
            "test.reminder", to: "t.balances",
            data: .object(["timer": .string(timer.id), "due": .string(Timestamp.format(timer.dueAt))]))
    }
}

let partitions: Int32 = 4

/// A mock cluster with the ledger's topics.
struct Harness {
    let cluster: MockCluster
    let producer: KafkaProducer

    init() async throws {
        cluster = try MockCluster(brokers: 1)
        for topic in ["t.deposits", "relance.clock", "relance.ledger.changelog", "t.balances"] {
            try await cluster.createTopic(topic, partitions: partitions)
        }
        try await cluster.createTopic("relance.dead-letters", partitions: 1)
        var configuration = ProducerConfiguration(bootstrapServers: cluster.bootstrapServers)
        configuration.lingerMilliseconds = 1
        producer = try KafkaProducer(configuration: configuration)
    }

    func configuration(instance: String = "a") -> RuntimeConfiguration {
        var c = RuntimeConfiguration(bootstrapServers: cluster.bootstrapServers)
        c.instanceID = instance
        c.abortedRecordsVisible = true
        c.batchMaxMilliseconds = 20
        c.sessionTimeoutMilliseconds = 6000
        c.logLevel = .info
        c.commandKeys = Harness.replayKeys
        return c
    }

    /// Who replays dead letters in the tests: any merchant, the replay role.
    static let replayer = CommandSigner(
        generating: .eddsa, keyID: "test-replay", subject: "ops", roles: [CommandHeaders.replayRole], merchants: ["*"])
    /// The key set the tests' workers trust: the replayer's public key.
    static let replayKeys: CommandKeySet = {
        do {
            return try CommandKeySet(jwks: JSONValue.object([("keys", .array([replayer.publicJWK]))]).jsonBytes)
        } catch {
            preconditionFailure("the test key set does not read: \(error)")
        }
    }()

    static let start = Date(timeIntervalSince1970: 1_790_000_000)  // 2026-09-21

    func deposit(_ id: String, account: String, amount: String = "100", extra: String = "") async throws {
        let json =
            #"{"eventId":"\#(id)","type":"test.deposit","schemaVersion":1,"occurredAt":"2026-11-21T10:00:00Z","#
            + #""accountId":"\#(account)","merchantId":"m-1","data":{"amount":\#(amount)\#(extra)}}"#
        try await send(json, key: account)
    }

    func send(_ value: String, key: String?, topic: String = "t.deposits") async throws {
        try await producer.send(
            ProducerMessage(topic: topic, key: key.map { Array($0.utf8) }, value: Array(value.utf8)))
    }

    /// Sets the clock of every partition.
    func tick(_ date: Date) async throws {
        for partition in 0..<partitions {
            try await producer.send(
                ProducerMessage(topic: "relance.clock", partition: partition, key: nil, value: ClockTick.record(date)))
        }
    }

    /// Every record of `topic` so far, once `count` are there.
    func read(_ topic: String, count: Int, within limit: Duration = .seconds(30)) async throws -> [KafkaMessage] {
        try await readRecords(
            topic, partitions: topic == "relance.dead-letters" ? 1 : partitions, count: count,
            bootstrap: cluster.bootstrapServers, within: limit)
    }
}

/// Every record of `partitions` of `topic` from their start, once `count` are there, and any
/// beyond them already there.
func readRecords(
    _ topic: String, partitions: Int32, count: Int, bootstrap: String, readCommitted: Bool = false,
    within limit: Duration = .seconds(30)
) async throws -> [KafkaMessage] {
    var configuration = ConsumerConfiguration(bootstrapServers: bootstrap, groupID: nil)
    if readCommitted { configuration.isolationLevel = .readCommitted }
    let consumer = try KafkaConsumer(configuration: configuration)
    defer { Task { try? await consumer.close() } }
    try await consumer.assign(
        (0..<partitions).map { TopicPartitionOffset(topic, $0, offset: TopicPartitionOffset.beginning) })
    var received: [KafkaMessage] = []
    let deadline = ContinuousClock.now + limit
    while received.count < count {
        guard ContinuousClock.now < deadline else {
            throw Failure("timed out waiting for \(count) records on \(topic), got \(received.count)")
        }
        received += try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(200))
    }
    // Anything beyond the expected count that is already there.
    received += try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(300))
    return received
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A runtime running in a task, stopped gracefully by `stop()`.
struct RunningWorker<W: Worker> {
    let runtime: WorkerRuntime<W>
    let task: Task<Void, any Error>

    init(_ worker: W, _ configuration: RuntimeConfiguration, metrics: PrometheusBackend? = nil) {
        let runtime = WorkerRuntime(worker: worker, configuration: configuration, metricsFactory: metrics)
        self.runtime = runtime
        task = Task { try await runtime.run() }
    }

    func stop() async throws {
        await runtime.stop()
        try await task.value
    }

    /// Waits until the runtime owns `count` partitions with their state restored.
    func waitForPartitions(_ count: Int, within limit: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + limit
        while await runtime.ownedPartitions.count != count || !runtime.status.isReady {
            guard ContinuousClock.now < deadline else { throw Failure("partitions not assigned in time") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

extension KafkaMessage {
    var json: JSONValue { try! JSONReader.read(Array(value ?? [])) }
    var data: JSONValue { json["data"] ?? .null }
}
