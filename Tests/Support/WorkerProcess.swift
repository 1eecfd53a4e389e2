import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// A worker executable (built next to the running program) started as a child process on a
/// broker, for the chaos programs that kill it with SIGKILL and start it again.
public final class WorkerProcess {
    public let executable: URL
    public let environment: [String: String]
    public let logPath: URL
    public private(set) var process: Process
    private let log: FileHandle

    /// `name` is the product (`card-expiry`, `reminder-mailer`); `environment` adds to the
    /// runtime settings every chaos run uses (short session timeout, visible aborted records).
    public init(_ name: String, bootstrap: String, environment extra: [String: String] = [:]) throws {
        executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent(name)
        var environment = ProcessInfo.processInfo.environment
        environment["RELANCE_KAFKA_BOOTSTRAP"] = bootstrap
        environment["RELANCE_INSTANCE_ID"] = "chaos"
        environment["RELANCE_ABORTED_RECORDS_VISIBLE"] = "true"
        environment["RELANCE_SESSION_TIMEOUT_MS"] = "6000"
        environment["RELANCE_HTTP_PORT"] = "0"
        environment["RELANCE_BATCH_MAX_MS"] = "100"
        environment["RELANCE_LOG_LEVEL"] = environment["RELANCE_LOG_LEVEL"] ?? "info"
        // The tests' keys sign the commands the driver publishes (`publish` signs command types).
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("relance-keys-\(getpid()).json")
        _ = FileManager.default.createFile(atPath: keys.path, contents: Data(TestSigners.jwks(TestSigners.all)))
        environment["RELANCE_COMMAND_KEYS"] = keys.path
        environment.merge(extra) { $1 }
        self.environment = environment
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("relance-\(name)-\(getpid()).log")
        _ = FileManager.default.createFile(atPath: logPath.path, contents: nil)
        log = try FileHandle(forWritingTo: logPath)
        process = Process()
        try launch()
    }

    private func launch() throws {
        let process = Process()
        process.executableURL = executable
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
    }

    /// SIGKILL, wait for the end, start again.
    public func killAndRestart() throws {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try launch()
    }

    /// SIGTERM (graceful shutdown) and wait.
    public func stop() {
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

    /// The last lines of the worker's log, without librdkafka's own lines.
    public func logTail(_ lines: Int = 30) -> String {
        let text = (try? String(contentsOf: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { !$0.hasPrefix("%") }.suffix(lines).joined(separator: "\n")
    }
}

/// Publishes events and clock ticks the way a chaos program drives a worker process.
public struct ChaosDriver: Sendable {
    public let producer: KafkaProducer
    public let clockPartitions: Int32
    public let clockTopic: String

    public init(bootstrap: String, clockTopic: String = "relance.clock", clockPartitions: Int32) throws {
        var configuration = ProducerConfiguration(bootstrapServers: bootstrap)
        configuration.lingerMilliseconds = 5
        producer = try KafkaProducer(configuration: configuration)
        self.clockTopic = clockTopic
        self.clockPartitions = clockPartitions
    }

    /// An event in the envelope every worker reads.
    public func publish(
        _ type: String, to topic: String, account: String, merchant: String = "m-1", id: String, _ data: JSONValue
    ) async throws {
        // Occurred on 2026-10-01.
        let event = EventEnvelope(
            eventID: id, type: type, schemaVersion: 1, occurredAt: Date(timeIntervalSince1970: 1_790_812_800),
            accountID: account, merchantID: merchant, data: data)
        let value = event.jsonBytes
        // Commands are signed by the merchant's owner (the tests' key; workers get its key set).
        let headers =
            Catalog.commandTypes.contains(type)
            ? [TestSigners.header(TestSigners.role("owner"), value: value, eventID: id)] : []
        try await producer.enqueue(
            ProducerMessage(topic: topic, key: Array(account.utf8), value: value, headers: headers))
    }

    /// "Now" is `date` on every partition of the clock topic.
    public func tick(_ date: Date) async throws {
        for partition in 0..<clockPartitions {
            try await producer.enqueue(
                ProducerMessage(topic: clockTopic, partition: partition, key: nil, value: ClockTick.record(date)))
        }
        try await producer.flush(timeout: .seconds(30))
    }

    /// Waits until the worker's changelog holds `accounts` accounts and has stopped growing:
    /// events and ticks travel on different topics, so time moves only once the events are in.
    public func waitForChangelog(
        _ topic: String, accounts: Int, partitions: Int32, bootstrap: String, within limit: Duration = .seconds(180)
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        var lastTotal = -1
        while ContinuousClock.now < deadline {
            var changes: [String: Int] = [:]
            _ = try await TopicReading.readToEnd(
                topic, partitions: Array(0..<partitions), kafka: KafkaConfiguration(bootstrapServers: bootstrap),
                log: nil
            ) { messages in
                for message in messages {
                    guard let key = message.key, key.starts(with: Array("a:".utf8)) else { continue }
                    changes[String(decoding: key.dropFirst(2), as: UTF8.self), default: 0] += 1
                }
            }
            let total = changes.values.reduce(0, +)
            if changes.count == accounts && total == lastTotal { return true }
            lastTotal = total
            try await Task.sleep(for: .seconds(2))
        }
        return false
    }

    /// The records of `topic` a downstream reader counts, read committed. On librdkafka's mock
    /// cluster, which shows read_committed readers the records of aborted transactions too
    /// (`abortedRecordsVisible`), a record counts only when the worker's changelog holds the
    /// checkpoint of its transaction — the rule the runtime's own restores follow; the records
    /// left out (`cut`) are the work of transactions a kill cut short.
    public static func committedRecords(
        _ topic: String, changelog: String, partitions: Int32, bootstrap: String, abortedRecordsVisible: Bool = true
    ) async throws -> (records: [KafkaMessage], cut: Int) {
        try await committedRecords(
            topic, changelogs: [changelog], partitions: partitions, bootstrap: bootstrap,
            abortedRecordsVisible: abortedRecordsVisible)
    }

    /// The same for a topic several runtimes write, each checkpointing on its own changelog.
    public static func committedRecords(
        _ topic: String, changelogs: [String], partitions: Int32, bootstrap: String,
        abortedRecordsVisible: Bool = true
    ) async throws -> (records: [KafkaMessage], cut: Int) {
        let kafka = KafkaConfiguration(bootstrapServers: bootstrap)
        var checkpointed: Set<[UInt8]> = []
        for changelog in changelogs where abortedRecordsVisible {
            _ = try await TopicReading.readToEnd(
                changelog, partitions: Array(0..<partitions), kafka: kafka, log: nil
            ) { messages in
                for message in messages where message.keyString == "c:" {
                    if let transaction = message.header("relance-txn") { checkpointed.insert(transaction) }
                }
            }
        }
        var records: [KafkaMessage] = []
        var cut = 0
        _ = try await TopicReading.readToEnd(topic, partitions: Array(0..<partitions), kafka: kafka, log: nil) {
            messages in
            for message in messages {
                if abortedRecordsVisible && !(message.header("relance-txn").map(checkpointed.contains) ?? false) {
                    cut += 1
                } else {
                    records.append(message)
                }
            }
        }
        return (records, cut)
    }
}
