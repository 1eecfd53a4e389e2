import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Configuration from the environment")
struct ConfigurationTests {
    @Test("defaults, overrides and librdkafka properties")
    func parse() throws {
        let defaults = try RuntimeConfiguration.fromEnvironment([:])
        #expect(defaults.bootstrapServers == "localhost:9092")
        #expect(defaults.batchMaxEvents == 5000 && defaults.batchMaxMilliseconds == 100)
        #expect(defaults.httpPort == 9400 && !defaults.wallClock && !defaults.abortedRecordsVisible)
        let set = try RuntimeConfiguration.fromEnvironment([
            "RELANCE_KAFKA_BOOTSTRAP": "k1:9092,k2:9092", "RELANCE_BATCH_MAX_EVENTS": "2500",
            "RELANCE_BATCH_MAX_MS": "250", "RELANCE_CLOCK": "wall", "RELANCE_ABORTED_RECORDS_VISIBLE": "true",
            "RELANCE_KAFKA_PROP_SECURITY_PROTOCOL": "ssl", "RELANCE_LOG_LEVEL": "debug",
        ])
        #expect(set.bootstrapServers == "k1:9092,k2:9092")
        #expect(set.batchMaxEvents == 2500 && set.batchMaxMilliseconds == 250)
        #expect(set.wallClock && set.abortedRecordsVisible && set.logLevel == .debug)
        #expect(set.kafkaProperties == ["security.protocol": "ssl"])
    }

    @Test("a bad value names its variable")
    func bad() {
        for (key, value) in [
            ("RELANCE_BATCH_MAX_EVENTS", "many"), ("RELANCE_BATCH_MAX_MS", "0"), ("RELANCE_CLOCK", "sundial"),
            ("RELANCE_ABORTED_RECORDS_VISIBLE", "maybe"), ("RELANCE_HTTP_PORT", "70000"), ("RELANCE_LOG_LEVEL", "loud"),
        ] {
            #expect {
                _ = try RuntimeConfiguration.fromEnvironment([key: value])
            } throws: { error in
                "\(error)".hasPrefix("\(key)=\(value)")
            }
        }
    }
}

/// One HTTP GET over a plain socket; returns the status code and the body.
func httpGet(port: Int, path: String) throws -> (status: Int, body: String) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { throw Failure("cannot connect to port \(port)") }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = read(fd, &buffer, buffer.count)
        if n <= 0 { break }
        response += buffer[0..<n]
    }
    let text = String(decoding: response, as: UTF8.self)
    let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
    let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
    return (status, body)
}

@Suite("Metrics and health over HTTP", .serialized)
struct EndpointTests {
    @Test("metrics, readiness and liveness of a running worker")
    func endpoint() async throws {
        let h = try await Harness()
        try await h.tick(Harness.start)
        let backend = PrometheusBackend()
        let worker = RunningWorker(LedgerWorker(), h.configuration(), metrics: backend)
        let endpoint = try HTTPEndpoint(port: 0) { path in
            WorkerMain.route(path, runtime: worker.runtime, registry: backend.registry)
        }
        defer { endpoint.stop() }
        try await worker.waitForPartitions(Int(partitions))
        #expect(try httpGet(port: endpoint.port, path: "/health/ready").status == 200)
        #expect(try httpGet(port: endpoint.port, path: "/health/live").status == 200)
        #expect(try httpGet(port: endpoint.port, path: "/nowhere").status == 404)
        try await h.deposit("m1", account: "acct-1")
        try await h.send("not json", key: "acct-1")
        _ = try await h.read("t.balances", count: 1)
        _ = try await h.read("relance.dead-letters", count: 1)
        // The lag gauge is refreshed about once a second by the loop.
        var metrics = try httpGet(port: endpoint.port, path: "/metrics")
        let deadline = ContinuousClock.now + .seconds(10)
        while !metrics.body.contains("relance_consumer_lag{") && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            metrics = try httpGet(port: endpoint.port, path: "/metrics")
        }
        #expect(metrics.status == 200)
        #expect(metrics.body.contains(#"relance_events_in_total{worker="ledger"} 2"#))
        #expect(metrics.body.contains(#"relance_events_out_total{worker="ledger"} 1"#))
        #expect(metrics.body.contains(#"relance_dead_letters_total{worker="ledger",reason="malformed_json"} 1"#))
        #expect(metrics.body.contains(#"relance_timers_pending{worker="ledger"}"#))
        #expect(metrics.body.contains(#"relance_batch_duration_seconds_count{worker="ledger"}"#))
        #expect(metrics.body.contains(#"relance_consumer_lag{worker="ledger",partition="t.deposits[0]"} 0"#))
        #expect(metrics.body.contains(#"relance_assigned_partitions{worker="ledger"} 4"#))
        // Stopped: no longer ready.
        try await worker.stop()
        #expect(try httpGet(port: endpoint.port, path: "/health/ready").status == 503)
    }
}

@Suite("The HTTP endpoint under slow clients")
struct EndpointConcurrencyTests {
    @Test("a client that connects and sends nothing does not hold up /health/live")
    func idleClient() throws {
        let endpoint = try HTTPEndpoint(port: 0) { path in
            path == "/health/live" ? (200, "text/plain", "live\n") : (404, "text/plain", "not found\n")
        }
        defer { endpoint.stop() }
        // An idle connection: the server waits up to 2 s for its request.
        let idle = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(idle) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(endpoint.port).bigEndian)
        address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(idle, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(connected == 0)
        usleep(100_000)  // accepted before the probe connects
        let probe = try httpGet(port: endpoint.port, path: "/health/live")
        #expect(probe.status == 200)
        // Served while the idle connection was still waiting: the server has not given up on it
        // (a server serving one connection at a time answers the probe only after closing it).
        var byte: UInt8 = 0
        let n = recv(idle, &byte, 1, Int32(MSG_DONTWAIT))
        #expect(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK), "the idle connection was closed before the probe")
    }
}

/// Sets a timer already due: with the wall clock it fires on the next turn of the loop.
struct AlarmWorker: Worker {
    struct State: Codable, Sendable {}
    var name = "alarm"
    var inputTopics = ["t.deposits"]
    var outputTopics = ["t.balances"]
    var eventTypes = [EventType("test.deposit", summary: "anything")]

    func handle(_ event: Event<EventEnvelope>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        context.schedule("alarm", at: context.now.addingTimeInterval(-1))
    }
    func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {
        context.emit("test.alarm", to: "t.balances", data: .object(["timer": .string(timer.id)]))
    }
}

@Suite("Wall clock mode", .serialized)
struct WallClockTests {
    @Test("without a clock topic, events use the machine's time and due timers fire")
    func wall() async throws {
        let h = try await Harness()
        try await h.cluster.createTopic("relance.alarm.changelog", partitions: partitions)
        var configuration = h.configuration()
        configuration.wallClock = true
        let worker = RunningWorker(AlarmWorker(), configuration)
        let before = Date()
        try await h.deposit("w1", account: "acct-1")
        let outputs = try await h.read("t.balances", count: 1)
        try await worker.stop()
        #expect(outputs.count == 1)
        #expect(outputs.first?.data["timer"]?.stringValue == "alarm")
        let occurred = outputs.first.flatMap { $0.json["occurredAt"]?.stringValue }.flatMap(
            EventValidator.parseUTCTimestamp)
        #expect(occurred.map { $0 >= before.addingTimeInterval(-1) } == true)
    }
}

@Suite("Derived ids")
struct DerivedIDTests {
    @Test("stable across versions and processes, UUID-shaped, distinct per cause and position")
    func derived() {
        // Recorded once: a change here would give reprocessed outputs new ids.
        // FNV-1a 64 of "ev-1#0" with the two seeds, computed independently (Python).
        #expect(EventIDs.derived(from: "ev-1", index: 0) == "3e624327-ce72-a30f-6a35-bb28cc6c4106")
        #expect(EventIDs.hash("ev-1") == 0xd68f_ca60_84eb_0c44)
        let id = EventIDs.derived(from: "ev-1", index: 0)
        #expect(id.count == 36 && id.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
        #expect(id != EventIDs.derived(from: "ev-1", index: 1))
        #expect(id != EventIDs.derived(from: "ev-2", index: 0))
        #expect(EventIDs.derived(from: "ev-1", index: 0) == id)
    }
}
