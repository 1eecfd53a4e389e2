import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime

/// One worker on the real runtime against an in-process mock cluster, on simulated time:
/// publish events, move the clock, read what the worker wrote. For scenario tests.
public struct WorkerHarness<W: Worker> {
    public let cluster: MockCluster
    public let producer: KafkaProducer
    public let runtime: WorkerRuntime<W>
    let task: Task<Void, any Error>
    let reader: KafkaConsumer
    public private(set) var seen: [String: [JSONValue]] = [:]
    /// Changelog records seen per account: each is a committed change of its state.
    public private(set) var stateWrites: [String: Int] = [:]
    public let partitions: Int32
    let changelog: String
    let configuration: RuntimeConfiguration

    /// `alsoReading`: input topics whose records the test wants to see too.
    public init(
        _ worker: W, partitions: Int32 = 4, alsoReading: [String] = [],
        configure: (inout RuntimeConfiguration) -> Void = { _ in }
    ) async throws {
        self.partitions = partitions
        cluster = try MockCluster(brokers: 1)
        changelog = "relance.\(worker.name).changelog"
        let outputs = worker.outputTopics + alsoReading + ["relance.dead-letters", changelog]
        for topic in Set(worker.inputTopics + worker.outputTopics + ["relance.clock", changelog]) {
            try await cluster.createTopic(topic, partitions: partitions)
        }
        try await cluster.createTopic("relance.dead-letters", partitions: 1)
        var producerConfiguration = ProducerConfiguration(bootstrapServers: cluster.bootstrapServers)
        producerConfiguration.lingerMilliseconds = 1
        producer = try KafkaProducer(configuration: producerConfiguration)
        var configuration = RuntimeConfiguration(bootstrapServers: cluster.bootstrapServers)
        configuration.instanceID = "test"
        configuration.abortedRecordsVisible = true
        configuration.batchMaxMilliseconds = 20
        configuration.sessionTimeoutMilliseconds = 6000
        configuration.logLevel = .warning
        // Commands are signed by the tests' keys (`TestSigners`).
        configuration.commandKeys = TestSigners.keySet
        configure(&configuration)
        self.configuration = configuration
        let runtime = WorkerRuntime(worker: worker, configuration: configuration)
        self.runtime = runtime
        task = Task { try await runtime.run() }
        reader = try KafkaConsumer(
            configuration: ConsumerConfiguration(bootstrapServers: cluster.bootstrapServers, groupID: nil))
        var start: [TopicPartitionOffset] = []
        for topic in outputs {
            for partition in 0..<(topic == "relance.dead-letters" ? 1 : partitions) {
                start.append(TopicPartitionOffset(topic, partition, offset: TopicPartitionOffset.beginning))
            }
        }
        try await reader.assign(start)
    }

    /// Starts another worker on the same cluster and configuration (a gateway sandbox
    /// answering the worker under test); its topics are created as needed.
    public func start<C: Worker>(_ companion: C) async throws -> Companion<C> {
        for topic in companion.inputTopics + companion.outputTopics + ["relance.\(companion.name).changelog"] {
            try? await cluster.createTopic(topic, partitions: partitions)
        }
        let runtime = WorkerRuntime(worker: companion, configuration: configuration)
        return Companion(runtime: runtime, task: Task { try await runtime.run() })
    }

    public struct Companion<C: Worker>: Sendable {
        public let runtime: WorkerRuntime<C>
        let task: Task<Void, any Error>

        public func stop() async throws {
            await runtime.stop()
            try await task.value
        }
    }

    public func stop() async throws {
        await runtime.stop()
        try await task.value
        try await reader.close()
    }

    /// Sets every partition's clock to `date`.
    public func tick(_ date: Date) async throws {
        for partition in 0..<partitions {
            try await producer.send(
                ProducerMessage(topic: "relance.clock", partition: partition, key: nil, value: ClockTick.record(date)))
        }
    }

    public func publish(raw: [UInt8], to topic: String, key: String, headers: [KafkaHeader] = []) async throws {
        try await producer.send(ProducerMessage(topic: topic, key: Array(key.utf8), value: raw, headers: headers))
    }

    /// Publishes a command signed by `signer` (its token bound to these bytes and this event
    /// id), or unsigned when `signer` is nil.
    public func publishCommand(
        _ type: String, to topic: String, account: String, id: String, merchant: String = "m-1", data: JSONValue,
        signedBy signer: CommandSigner?
    ) async throws {
        let envelope = EventEnvelope(
            eventID: id, type: type, schemaVersion: 1, occurredAt: Date(timeIntervalSince1970: 1_793_491_200),
            accountID: account, merchantID: merchant, data: data)
        let value = envelope.jsonBytes
        try await publish(
            raw: value, to: topic, key: account,
            headers: signer.map { [TestSigners.header($0, value: value, eventID: id)] } ?? [])
    }

    /// Reads until `topic` has `count` records in all (since the start); returns each one's
    /// `data` (the whole record for records outside the envelope).
    public mutating func records(_ topic: String, count: Int, within limit: Duration = .seconds(30)) async throws
        -> [JSONValue]
    {
        let deadline = ContinuousClock.now + limit
        while seen[topic, default: []].count < count {
            guard ContinuousClock.now < deadline else {
                throw HarnessTimeout(topic: topic, wanted: count, have: seen[topic, default: []].count)
            }
            try await read(timeout: .milliseconds(100))
        }
        return seen[topic]!
    }

    /// Everything on `topic` so far, after a short read: for "nothing more came" checks.
    public mutating func settle(_ topic: String) async throws -> [JSONValue] {
        try await read(timeout: .milliseconds(500))
        return seen[topic, default: []]
    }

    /// Waits until the account's state has been committed `count` times in all: events on
    /// different topics are not ordered, so a test waits for one's effect before the next.
    public mutating func stateWritten(_ account: String, count: Int = 1, within limit: Duration = .seconds(30))
        async throws
    {
        let deadline = ContinuousClock.now + limit
        while stateWrites[account, default: 0] < count {
            guard ContinuousClock.now < deadline else {
                throw HarnessTimeout(topic: changelog, wanted: count, have: stateWrites[account, default: 0])
            }
            try await read(timeout: .milliseconds(100))
        }
    }

    mutating func read(timeout: Duration) async throws {
        for record in try await reader.poll(maxMessages: 500, timeout: timeout) {
            if record.topic == changelog {
                // Account records are keyed "a:<account id>" (docs/runtime.md); "c:" is a checkpoint.
                if let key = record.key, key.starts(with: Array("a:".utf8)) {
                    stateWrites[String(decoding: key.dropFirst(2), as: UTF8.self), default: 0] += 1
                }
                continue
            }
            let json = try JSONReader.read(Array(record.value ?? []))
            seen[record.topic, default: []].append(json["data"] ?? json)
        }
    }
}

/// Polls `condition` (a worker's state read in its process, a runtime's clock) until it holds,
/// at most `limit`; the interval is for polling, not a wait for business time.
public func waitUntil(_ what: String, within limit: Duration = .seconds(30), _ condition: () async throws -> Bool)
    async throws
{
    let deadline = ContinuousClock.now + limit
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimeout(what: what, limit: limit) }
        try await Task.sleep(for: .milliseconds(20))
    }
}

public struct WaitTimeout: Error, CustomStringConvertible {
    public var what: String
    public var limit: Duration
    public var description: String { "waited \(limit) for \(what)" }
}

public struct HarnessTimeout: Error, CustomStringConvertible {
    public var topic: String
    public var wanted: Int
    public var have: Int
    public var description: String { "waited for \(wanted) records on \(topic), have \(have)" }
}
