import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import RelanceTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A worker executable as operators run it: its own process, its stdout and stderr kept apart.
final class LoggedProcess {
    let process = Process()
    let stdout: URL
    let stderr: URL
    let port: Int

    init(_ name: String, bootstrap: String, instance: String, environment extra: [String: String] = [:]) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "relance-proc-\(getpid())-\(instance)-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        stdout = folder.appendingPathComponent("stdout")
        stderr = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        port = try freePort()
        var environment = ProcessInfo.processInfo.environment
        environment["RELANCE_KAFKA_BOOTSTRAP"] = bootstrap
        environment["RELANCE_INSTANCE_ID"] = instance
        environment["RELANCE_ABORTED_RECORDS_VISIBLE"] = "true"
        environment["RELANCE_SESSION_TIMEOUT_MS"] = "6000"
        environment["RELANCE_HTTP_PORT"] = "\(port)"
        environment["RELANCE_KAFKA_STATISTICS_MS"] = "1000"
        environment["RELANCE_LOG_FORMAT"] = nil
        environment["RELANCE_LOG_LEVEL"] = "info"
        environment.merge(extra) { $1 }
        process.executableURL = CommandLineTests.binary.deletingLastPathComponent().appendingPathComponent(name)
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
    }

    /// Every line of a stream.
    func lines(_ stream: URL) -> [String] {
        ((try? String(contentsOf: stream, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// The messages (`msg`) logged so far on stdout.
    var messages: [String] {
        lines(stdout).compactMap { (try? JSONReader.read(Array($0.utf8)))?["msg"]?.stringValue }
    }

    func waitFor(_ what: String, within limit: Duration = .seconds(60), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while !condition() {
            guard process.isRunning else { throw Failure("\(what): the process ended\n\(tail)") }
            guard ContinuousClock.now < deadline else { throw Failure("\(what): not within \(limit)\n\(tail)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func ready(within limit: Duration = .seconds(60)) async throws {
        try await waitFor("ready", within: limit) { (try? httpGet(port: port, path: "/health/ready").status) == 200 }
    }

    /// SIGTERM; the exit status once the process ended (nil if it did not within `limit`).
    func terminate(within limit: Duration = .seconds(30)) async throws -> Int32? {
        process.terminate()
        let deadline = ContinuousClock.now + limit
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        return process.terminationStatus
    }

    var tail: String { (lines(stdout).suffix(15) + lines(stderr).suffix(15)).joined(separator: "\n") }
}

/// A TCP port nobody listens on now.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw Failure("no free port") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

@Suite("A worker process in operation: its logs, its metrics, its stop", .serialized)
struct ProcessOperationsTests {
    static let partitions: Int32 = 4

    /// Every topic of the catalog and the changelogs of the workers these tests run.
    static func cluster() async throws -> MockCluster {
        let cluster = try MockCluster(brokers: 3)
        let changelogs = ["card-expiry", "reminder-mailer", "reminder-mailer-digest"].map { "relance.\($0).changelog" }
        for topic in Catalog.topics.map(\.name).filter({ !$0.contains("<") }) + changelogs {
            try await cluster.createTopic(topic, partitions: partitions)
        }
        return cluster
    }

    @Test(
        "start-up, a rebalance, a broker down and back, shutdown: every line on stdout and stderr is a JSON object, librdkafka's included"
    )
    func jsonLines() async throws {
        let cluster = try await Self.cluster()
        let driver = try ChaosDriver(bootstrap: cluster.bootstrapServers, clockPartitions: Self.partitions)
        try await driver.tick(Date(timeIntervalSince1970: 1_795_132_800))
        let first = try LoggedProcess("card-expiry", bootstrap: cluster.bootstrapServers, instance: "one")
        try await first.ready()
        // A second instance joins (a rebalance for the first), then leaves (another).
        let second = try LoggedProcess("card-expiry", bootstrap: cluster.bootstrapServers, instance: "two")
        try await first.waitFor("revoked for the newcomer") { first.messages.contains("revoked") }
        try await second.ready()
        #expect(try await second.terminate() == 0)
        try await driver.publish(
            "card.saved", to: CardEvents.cardsTopic, account: "acct-1", id: "card-1",
            .object([
                "cardId": .string("card-1"), "brand": .string("visa"), "last4": .string("4242"),
                "expMonth": .integer(1), "expYear": .integer(2027), "inWallet": .bool(true),
            ]))
        try await driver.producer.flush(timeout: .seconds(10))
        // A broker goes away and comes back: the clients' errors and log lines are logged too.
        try await cluster.setBrokerDown(1)
        try await first.waitFor("the client reports the broker down", within: .seconds(30)) {
            first.lines(first.stdout).contains { $0.contains(#""code":"#) && $0.contains("relance#") }
        }
        try await cluster.setBrokerUp(1)
        try await first.ready()
        // Statistics become metrics.
        try await first.waitFor("librdkafka statistics on /metrics", within: .seconds(20)) {
            (try? httpGet(port: first.port, path: "/metrics").body.contains("relance_kafka_broker_rtt_seconds{"))
                == true
        }
        let status = try await first.terminate()
        #expect(status == 0, "SIGTERM ends the worker gracefully\n\(first.tail)")
        for process in [first, second] {
            for stream in [process.stdout, process.stderr] {
                for line in process.lines(stream) {
                    let object = try? JSONReader.read(Array(line.utf8))
                    #expect(object?["ts"]?.stringValue != nil, "not a JSON log line: \(line)")
                    #expect(object?["level"]?.stringValue != nil && object?["msg"]?.stringValue != nil, "\(line)")
                }
            }
        }
        let messages = first.messages
        for expected in ["started", "restored", "revoked", "stopping: finishing the batch", "stopped"] {
            #expect(messages.contains(expected), "logged: \(expected)")
        }
        // The runtime's own lines carry the worker and its group.
        let started = first.lines(first.stdout).first { $0.contains(#""msg":"started""#) } ?? ""
        #expect(started.contains(#""worker":"card-expiry""#) && started.contains(#""group":"relance-card-expiry""#))
    }

    @Test("promtool check metrics finds nothing to object to on card-expiry's and reminder-mailer's /metrics")
    func promtool() async throws {
        let cluster = try await Self.cluster()
        let driver = try ChaosDriver(bootstrap: cluster.bootstrapServers, clockPartitions: Self.partitions)
        try await driver.tick(Date(timeIntervalSince1970: 1_795_132_800))
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("relance-keys-\(getpid()).json")
        _ = FileManager.default.createFile(atPath: keys.path, contents: Data(TestSigners.jwks(TestSigners.all)))
        let mail = FileManager.default.temporaryDirectory.appendingPathComponent("relance-promtool-mail-\(getpid())")
        try FileManager.default.createDirectory(at: mail, withIntermediateDirectories: true)
        let workers = [
            try LoggedProcess("card-expiry", bootstrap: cluster.bootstrapServers, instance: "p1"),
            try LoggedProcess(
                "reminder-mailer", bootstrap: cluster.bootstrapServers, instance: "p2",
                environment: ["RELANCE_COMMAND_KEYS": keys.path, "RELANCE_MAIL_DIR": mail.path]),
        ]
        for worker in workers { try await worker.ready() }
        // Something to count: an event in, a dead letter out.
        try await driver.publish("card.saved", to: CardEvents.cardsTopic, account: "acct-1", id: "bad", .object([:]))
        try await driver.producer.flush(timeout: .seconds(10))
        for worker in workers {
            try await worker.waitFor("librdkafka statistics on /metrics", within: .seconds(30)) {
                (try? httpGet(port: worker.port, path: "/metrics").body.contains("relance_kafka_broker_up{")) == true
            }
        }
        let cardPage = try httpGet(port: workers[0].port, path: "/metrics").body
        try await workers[0].waitFor("the dead letter counted") {
            (try? httpGet(port: workers[0].port, path: "/metrics").body.contains("relance_dead_letters_total{")) == true
        }
        let mailerPage = try httpGet(port: workers[1].port, path: "/metrics").body
        // Both of the mailer's runtimes and its delivery loop are on its page.
        for name in [
            #"relance_events_in_total{worker="reminder-mailer"}"#,
            #"relance_events_in_total{worker="reminder-mailer-digest"}"#,
            #"relance_emails_sent_total{worker="reminder-mailer"}"#,
            #"relance_emails_failed_total{worker="reminder-mailer"}"#,
            #"relance_email_delivery_retries_total{worker="reminder-mailer"}"#,
        ] {
            #expect(mailerPage.contains(name), "reminder-mailer's /metrics has \(name)")
        }
        #expect(cardPage.contains("relance_clock_seconds{"))
        for (name, page) in [
            ("card-expiry", try httpGet(port: workers[0].port, path: "/metrics").body), ("reminder-mailer", mailerPage),
        ] {
            let check = Process()
            check.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
            check.arguments = ["check", "metrics"]
            let input = Pipe()
            let output = Pipe()
            check.standardInput = input
            check.standardOutput = output
            check.standardError = output
            try check.run()
            input.fileHandleForWriting.write(Data(page.utf8))
            try input.fileHandleForWriting.close()
            let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            check.waitUntilExit()
            #expect(check.terminationStatus == 0 && said.isEmpty, "promtool on \(name): \(said)")
        }
        for worker in workers { #expect(try await worker.terminate() == 0, "\(worker.tail)") }
    }
}
