// relance-kill-test: proves exactly-once processing under SIGKILL.
//
//   relance-kill-test broker --bootstrap-file F   a mock cluster in its own process
//   relance-kill-test worker                      the worker under test (env configured)
//   relance-kill-test drive --bootstrap B [--events N] [--kills K]
//
// `drive` starts the worker as a child process, keeps publishing events, kills the worker
// with SIGKILL at random moments while it processes, restarts it, and at the end checks
// that every event produced each of its outputs exactly once. scripts/kill-test.sh runs
// all three.

import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime

#if canImport(Glibc)
    import Glibc
#endif

// librdkafka's mock cluster keeps at most 5 MiB (or 100,000 message sets) per partition and
// deletes the oldest beyond that: enough partitions that 100,000 events and their outputs fit.
let partitionCount: Int32 = 12
let inputTopic = "kt.events"
let outputTopic = "kt.balances"
let auditTopic = "kt.audit"
let changelogTopic = "relance.killtest.changelog"

/// Two outputs per event, on different partitions: a running balance keyed by account and
/// an audit record keyed by event id. A transaction cut in the middle would show as one of
/// them missing or doubled.
struct KillTestWorker: Worker {
    struct State: Codable, Sendable {
        var count: Int
        var total: Int64
    }

    var name = "killtest"
    var inputTopics = [inputTopic]
    var outputTopics = [outputTopic, auditTopic]
    var eventTypes = [EventType("test.deposit", summary: "money paid into an account")]

    func handle(_ event: Event<EventEnvelope>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        let event = event.envelope
        guard let amount = event.data["amount"]?.integerValue else {
            throw WorkerRejection("missing_amount", "data.amount is required")
        }
        var current = state ?? State(count: 0, total: 0)
        current.count += 1
        current.total += amount
        state = current
        context.emit(
            "test.balance", to: outputTopic,
            data: .object([
                "cause": .string(event.eventID), "count": .integer(Int64(current.count)),
                "total": .integer(current.total),
            ]))
        var audit = OutputRecord(
            topic: auditTopic, key: Array(event.eventID.utf8),
            value: JSONValue.object(["cause": .string(event.eventID)]).jsonBytes)
        audit.headers = []
        context.publish(audit)
    }

    func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {}
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("relance-kill-test: \(message)\n".utf8))
    exit(2)
}

/// Unbuffered, so that a long run shows how far it got.
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

// MARK: broker

func runBroker(_ arguments: [String]) async throws {
    guard let file = option("--bootstrap-file", in: arguments) else { fail("broker needs --bootstrap-file") }
    let cluster = try MockCluster(brokers: 3)
    for topic in [inputTopic, outputTopic, auditTopic, changelogTopic, "relance.clock"] {
        try await cluster.createTopic(topic, partitions: partitionCount, replicationFactor: 3)
    }
    try await cluster.createTopic("relance.dead-letters", partitions: 1, replicationFactor: 3)
    try cluster.bootstrapServers.write(toFile: file, atomically: true, encoding: .utf8)
    say("mock cluster at \(cluster.bootstrapServers)")
    while true { try await Task.sleep(for: .seconds(3600)) }
}

// MARK: driver

final class Child {
    let process = Process()

    init(bootstrap: String, logFile: FileHandle) throws {
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["worker"]
        var environment = ProcessInfo.processInfo.environment
        environment["RELANCE_KAFKA_BOOTSTRAP"] = bootstrap
        environment["RELANCE_INSTANCE_ID"] = "kt-1"
        environment["RELANCE_ABORTED_RECORDS_VISIBLE"] = environment["RELANCE_ABORTED_RECORDS_VISIBLE"] ?? "true"
        environment["RELANCE_SESSION_TIMEOUT_MS"] = "6000"
        environment["RELANCE_HTTP_PORT"] = "0"
        // Long transactions, so that most kills cut one open.
        environment["RELANCE_BATCH_MAX_EVENTS"] = "2000"
        environment["RELANCE_BATCH_MAX_MS"] = "400"
        process.environment = environment
        process.standardOutput = logFile
        process.standardError = logFile
        try process.run()
    }

    func kill(_ signal: Int32) { _ = Glibc.kill(process.processIdentifier, signal) }
}

/// Reads a topic from the beginning, in the background, counting records as they come.
final class TopicReader: @unchecked Sendable {
    let consumer: KafkaConsumer
    private let lock = NSLock()
    private var records: [KafkaMessage] = []

    init(
        bootstrap: String, topic: String, isolation: ConsumerConfiguration.IsolationLevel = .readCommitted
    ) async throws {
        var configuration = ConsumerConfiguration(bootstrapServers: bootstrap, groupID: nil)
        configuration.isolationLevel = isolation
        consumer = try KafkaConsumer(configuration: configuration)
        self.topic = topic
        try await consumer.assign(
            (0..<partitionCount).map { TopicPartitionOffset(topic, $0, offset: TopicPartitionOffset.beginning) })
    }

    @discardableResult
    func pump() async throws -> Int {
        let batch = try await consumer.poll(maxMessages: 5000, timeout: .milliseconds(100))
        lock.withLock { records += batch }
        return batch.count
    }

    var count: Int { lock.withLock { records.count } }

    let topic: String

    /// Reads until every partition's end, as it is now, is reached.
    func catchUp() async throws {
        var ends: [TopicPartition: Int64] = [:]
        for partition in 0..<partitionCount {
            let tp = TopicPartition(topic, partition)
            ends[tp] = try await consumer.watermarks(tp).high
        }
        var quiet: [TopicPartition: Int] = [:]
        while true {
            let got = try await pump()
            var done = true
            for (tp, end) in ends {
                if let position = try consumer.position([tp]).first?.offset, position >= end { continue }
                if got == 0, let stable = try consumer.cachedHighWatermark(tp), stable >= end {
                    quiet[tp, default: 0] += 1
                    if quiet[tp]! >= 3 { continue }
                }
                if end == 0 { continue }
                done = false
            }
            if done { return }
        }
    }

    /// The worker processes whose transactions wrote these records (from `relance-txn`
    /// headers: `<instance>-<process generation>-<sequence>/<partition>`).
    var incarnations: Set<String> {
        lock.withLock {
            Set(
                records.compactMap { record in
                    record.header("relance-txn").map { header in
                        let text = String(decoding: header, as: UTF8.self)
                        return String(text[..<(text.lastIndex(of: "-") ?? text.endIndex)])
                    }
                })
        }
    }
    var all: [KafkaMessage] { lock.withLock { records } }
}

func event(_ n: Int, accounts: Int) -> ProducerMessage {
    let account = "acct-\(n % accounts)"
    let json =
        #"{"eventId":"e\#(n)","type":"test.deposit","schemaVersion":1,"occurredAt":"2026-11-21T10:00:00Z","#
        + #""accountId":"\#(account)","merchantId":"m-1","data":{"amount":\#(n % 1000)}}"#
    return ProducerMessage(topic: inputTopic, key: account, value: Array(json.utf8))
}

func drive(_ arguments: [String]) async throws -> Int32 {
    guard let bootstrap = option("--bootstrap", in: arguments) else { fail("drive needs --bootstrap") }
    let events = Int(option("--events", in: arguments) ?? "100000") ?? 100_000
    let kills = Int(option("--kills", in: arguments) ?? "20") ?? 20
    let accounts = Int(option("--accounts", in: arguments) ?? "1000") ?? 1000
    let logPath = option("--worker-log", in: arguments) ?? "/tmp/relance-kill-test-worker.log"
    _ = FileManager.default.createFile(atPath: logPath, contents: nil)
    let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))

    var producerConfiguration = ProducerConfiguration(bootstrapServers: bootstrap)
    producerConfiguration.lingerMilliseconds = 5
    let producer = try KafkaProducer(configuration: producerConfiguration)
    // The clock: one tick on every partition, so the worker knows the time.
    for partition in 0..<partitionCount {
        try await producer.send(
            ProducerMessage(
                topic: "relance.clock", partition: partition, key: nil,
                value: ClockTick.record(Date(timeIntervalSince1970: 1_790_000_000))))
    }
    // Uncommitted: the records of a transaction show up as soon as they are written.
    let outputs = try await TopicReader(bootstrap: bootstrap, topic: outputTopic, isolation: .readUncommitted)
    let started = ContinuousClock.now
    let source = EventSource(producer: producer, accounts: accounts)
    var generator = SystemRandomNumberGenerator()
    // A steady flow, spread over the expected length of the kill rounds (a restart takes
    // about 9 s on the mock: group join delay and the dead member's session timeout), so
    // that kills land in open transactions. Each round releases its share of the events, so
    // every incarnation has new work however fast the earlier ones caught up.
    let perSecond = max(100, events / (kills * 9))
    let flow = Task { try await source.produce(upTo: events, perSecond: perSecond) }

    for round in 1...kills {
        await source.release(upTo: events * round / (kills + 1))
        let child = try Child(bootstrap: bootstrap, logFile: log)
        let incarnationsBefore = outputs.incarnations
        // Wait until this incarnation is processing, then kill it at a random moment.
        let deadline = ContinuousClock.now + .seconds(120)
        while outputs.incarnations.subtracting(incarnationsBefore).isEmpty {
            guard ContinuousClock.now < deadline else { fail("worker made no progress in round \(round)") }
            try await outputs.pump()
        }
        try await Task.sleep(for: .milliseconds(Int.random(in: 0...1500, using: &generator)))
        child.kill(SIGKILL)
        child.process.waitUntilExit()
        say("kill \(round)/\(kills): \(await source.produced) events published, \(outputs.count) output records seen")
    }

    // The last incarnation finishes the work and stops gracefully.
    await source.release(upTo: events)
    let last = try Child(bootstrap: bootstrap, logFile: log)
    try await flow.value
    let abortedVisible = (ProcessInfo.processInfo.environment["RELANCE_ABORTED_RECORDS_VISIBLE"] ?? "true") == "true"
    let reader = try await Verifier(bootstrap: bootstrap, abortedVisible: abortedVisible)
    // Wait for the last incarnation to catch up (counting first, checking when enough).
    let deadline = ContinuousClock.now + .seconds(600)
    while ContinuousClock.now < deadline {
        let seen = try await reader.catchUp()
        if seen.balances >= events && seen.audit >= events,
            try await reader.check(events: events, accounts: accounts).lost == 0
        {
            break
        }
        try await Task.sleep(for: .milliseconds(500))
    }
    last.kill(SIGTERM)
    last.process.waitUntilExit()
    _ = try await reader.catchUp()
    let result = try await reader.check(events: events, accounts: accounts)
    let seconds = (ContinuousClock.now - started) / .seconds(1)
    say(
        "kills: \(kills), events: \(events), lost: \(result.lost), duplicated: \(result.duplicated)"
            + " (accounts with a wrong final balance: \(result.wrongBalances), worker exit on SIGTERM: "
            + "\(last.process.terminationStatus), \(String(format: "%.0f", seconds)) s"
            + (abortedVisible ? "; records of transactions cut by a kill, left out: \(result.cutRecords)" : "")
            + (result.lost > 0
                ? "; events without a balance: \(result.lostBalances), without an audit record: \(result.lostAudits)"
                : "")
            + ")")
    let ok =
        result.lost == 0 && result.duplicated == 0 && result.wrongBalances == 0 && last.process.terminationStatus == 0
    return ok ? 0 : 1
}

/// Publishes the numbered events, in bursts with short pauses.
actor EventSource {
    let producer: KafkaProducer
    let accounts: Int
    var produced = 0
    /// How many events `produce` may have published so far; raised by `release(upTo:)`.
    var released = 0

    init(producer: KafkaProducer, accounts: Int) {
        self.producer = producer
        self.accounts = accounts
    }

    /// Lets `produce` publish events up to `count`.
    func release(upTo count: Int) { released = max(released, count) }

    /// Publishes events `produced..<target`, `perSecond` of them a second, never more than
    /// released; the pace restarts when a release lets it go on (no burst of held-back events).
    func produce(upTo target: Int, perSecond: Int) async throws {
        var start = ContinuousClock.now
        var first = produced
        while produced < target {
            if produced >= released {
                try await Task.sleep(for: .milliseconds(20))
                (start, first) = (ContinuousClock.now, produced)
                continue
            }
            let due = first + Int(Double(perSecond) * ((ContinuousClock.now - start) / .seconds(1))) + 1
            while produced < min(due, target, released) {
                try await producer.enqueue(event(produced, accounts: accounts))
                produced += 1
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await producer.flush()
    }
}

/// Reads the outputs as a downstream consumer does (read_committed) and counts, per input
/// event, its outputs.
///
/// On a broker that hides aborted transactions (Apache Kafka) that is all. On librdkafka's
/// mock cluster, which shows `read_committed` readers the records of aborted transactions
/// too, a transaction's records on partition p count only when the changelog holds its
/// checkpoint for p: the rule the runtime's own restores follow. The records that rule
/// drops are counted and printed: they are the work of the killed transactions.
final class Verifier {
    let balances: TopicReader
    let audit: TopicReader
    let changelog: TopicReader
    let abortedVisible: Bool

    init(bootstrap: String, abortedVisible: Bool) async throws {
        balances = try await TopicReader(bootstrap: bootstrap, topic: outputTopic)
        audit = try await TopicReader(bootstrap: bootstrap, topic: auditTopic)
        changelog = try await TopicReader(bootstrap: bootstrap, topic: changelogTopic)
        self.abortedVisible = abortedVisible
    }

    struct Result {
        var lost: Int
        var duplicated: Int
        var wrongBalances: Int
        var cutRecords: Int
        var lostBalances = 0
        var lostAudits = 0
    }

    /// Reads what has arrived; the number of balance and audit records seen so far.
    func catchUp() async throws -> (balances: Int, audit: Int) {
        for reader in [balances, audit, changelog] { try await reader.catchUp() }
        return (balances.count, audit.count)
    }

    func check(events: Int, accounts: Int) async throws -> Result {
        var checkpointed: Set<String> = []
        for record in changelog.all where record.keyString == "c:" {
            if let txn = record.header("relance-txn") { checkpointed.insert(String(decoding: txn, as: UTF8.self)) }
        }
        var cutRecords = 0
        func counts(_ record: KafkaMessage) -> Bool {
            guard abortedVisible else { return true }
            let committed = record.header("relance-txn").map {
                checkpointed.contains(String(decoding: $0, as: UTF8.self))
            }
            if committed != true { cutRecords += 1 }
            return committed == true
        }
        var balanceCount = [Int](repeating: 0, count: events)
        var auditCount = [Int](repeating: 0, count: events)
        var finalCount: [String: Int64] = [:]
        for record in balances.all where counts(record) {
            let json = try JSONReader.read(Array(record.value ?? []))
            guard let cause = json["data"]?["cause"]?.stringValue, let n = Int(cause.dropFirst()), n < events
            else { continue }
            balanceCount[n] += 1
            finalCount[record.keyString ?? ""] = json["data"]?["count"]?.integerValue
        }
        for record in audit.all where counts(record) {
            let json = try JSONReader.read(Array(record.value ?? []))
            guard let cause = json["cause"]?.stringValue, let n = Int(cause.dropFirst()), n < events else { continue }
            auditCount[n] += 1
        }
        var result = Result(lost: 0, duplicated: 0, wrongBalances: 0, cutRecords: cutRecords)
        for n in 0..<events {
            if balanceCount[n] == 0 { result.lostBalances += 1 }
            if auditCount[n] == 0 { result.lostAudits += 1 }
            if balanceCount[n] == 0 || auditCount[n] == 0 { result.lost += 1 }
            if balanceCount[n] > 1 || auditCount[n] > 1 { result.duplicated += 1 }
        }
        for account in 0..<accounts {
            let expected = (events - account + accounts - 1) / accounts
            if finalCount["acct-\(account)"] != Int64(expected) { result.wrongBalances += 1 }
        }
        return result
    }
}

// MARK: main

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "broker":
    try await runBroker(arguments)
case "worker":
    exit(await WorkerMain.run(KillTestWorker()))
case "drive":
    exit(try await drive(arguments))
default:
    fail("usage: relance-kill-test broker --bootstrap-file F | worker | drive --bootstrap B [--events N] [--kills K]")
}
