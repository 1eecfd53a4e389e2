import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import Testing

/// The `relance` executable, run as a user runs it, against a mock cluster.
@Suite("relance command line", .serialized)
struct CommandLineTests {
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/relance")

    func run(_ arguments: [String]) throws -> (status: Int32, output: String) { try Self.run(arguments) }

    /// Runs `executable` (beside `relance` in the build folder) with `arguments`, and
    /// `environment` when given (else this process's).
    static func run(
        _ arguments: [String], executable: String = "relance", environment: [String: String]? = nil
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = Self.binary.deletingLastPathComponent().appendingPathComponent(executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("%") }
            .joined(separator: "\n")
        return (process.terminationStatus, text)
    }

    @Test("clock: advance to a time, advance by a week, read it back; every partition gets the tick")
    func clock() async throws {
        let cluster = try MockCluster(brokers: 1)
        try await cluster.createTopic("relance.clock", partitions: 3)
        let bootstrap = ["--bootstrap", cluster.bootstrapServers]
        let empty = try run(["clock", "now"] + bootstrap)
        #expect(empty.status != 0 && empty.output.contains("no time yet"))
        #expect(
            try run(["clock", "advance", "--to", "2026-12-01T00:00:00Z"] + bootstrap).output
                == "clock at 2026-12-01T00:00:00.000Z")
        #expect(try run(["clock", "advance", "--by", "7d"] + bootstrap).output == "clock at 2026-12-08T00:00:00.000Z")
        #expect(try run(["clock", "now"] + bootstrap).output == "2026-12-08T00:00:00.000Z")
        let bad = try run(["clock", "advance", "--by", "soon"] + bootstrap)
        #expect(bad.status != 0 && bad.output.contains("--by soon"))

        let consumer = try KafkaConsumer(
            configuration: ConsumerConfiguration(bootstrapServers: cluster.bootstrapServers, groupID: nil))
        try await consumer.assign(
            (0..<3).map { TopicPartitionOffset("relance.clock", $0, offset: TopicPartitionOffset.beginning) })
        var ticks: [Int32: [Int64]] = [:]
        let deadline = ContinuousClock.now + .seconds(20)
        while ticks.values.map(\.count).reduce(0, +) < 6 && ContinuousClock.now < deadline {
            for record in try await consumer.poll(maxMessages: 100, timeout: .milliseconds(200)) {
                ticks[record.partition, default: []].append(ClockTick.read(record.value!)!)
            }
        }
        try await consumer.close()
        #expect(ticks.keys.sorted() == [0, 1, 2])
        #expect(ticks.values.allSatisfy { $0 == [1_796_083_200_000, 1_796_688_000_000] })
    }

    static func event(_ id: String, _ type: String, _ data: String) -> String {
        #"{"eventId":"\#(id)","type":"\#(type)","schemaVersion":1,"occurredAt":"2026-11-01T00:00:00Z","accountId":"acct-1","merchantId":"m-1","data":\#(data)}"#
    }

    @Test(
        "publish: every event checked first; a bad line named with its reason and nothing sent, unless --partial; tail reads them back"
    )
    func publishAndTail() async throws {
        let cluster = try MockCluster(brokers: 1)
        for topic in [PaymentEvents.paymentsTopic, ProofEvents.invoicesTopic] {
            try await cluster.createTopic(topic, partitions: 2)
        }
        let bootstrap = ["--bootstrap", cluster.bootstrapServers]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("relance-publish-\(getpid()).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let lines = [
            Self.event(
                "e1", "invoice.issued",
                #"{"invoiceId":"inv-1","number":"F-1","amount":4900,"currency":"EUR","issuedOn":"2026-10-01"}"#),
            Self.event(
                "e2", "payment.succeeded", #"{"paymentId":"p-1","invoiceId":"inv-1","amount":-5,"currency":"EUR"}"#),
            "",
            Self.event(
                "e3", "payment.succeeded", #"{"paymentId":"p-1","invoiceId":"inv-1","amount":4900,"currency":"EUR"}"#),
            #"{"eventId": "e4", "type": "invoice.issued""#,
        ]
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)

        let refused = try run(["publish", file.path] + bootstrap)
        #expect(refused.status != 0)
        #expect(refused.output.contains("line 2: negative_amount"), "\(refused.output)")
        #expect(refused.output.contains("line 5: malformed_json"))
        #expect(refused.output.contains("2 invalid event(s) of 4: nothing sent"))

        // --partial: the valid ones sent, as asked: exit code 0, the others listed.
        let partial = try run(["publish", "--partial", file.path] + bootstrap)
        #expect(partial.status == 0, "\(partial.output)")
        #expect(partial.output.contains("sent 2 event(s): relance.invoices 1, relance.payments 1"))
        #expect(
            partial.output.contains("line 2: negative_amount") && partial.output.contains("2 invalid event(s) not sent")
        )

        // --until-end: the topic so far, then the command ends.
        let started = ContinuousClock.now
        let ended = try run(
            ["tail", ProofEvents.invoicesTopic, "--from-beginning", "--until-end", "--json"] + bootstrap)
        #expect(ended.status == 0)
        #expect(ended.output.split(separator: "\n").count == 1 && ended.output.contains("\"e1\""), "\(ended.output)")
        #expect(ContinuousClock.now - started < .seconds(20))

        let tailed = try run(["tail", PaymentEvents.paymentsTopic, "--from-beginning", "--count", "1"] + bootstrap)
        #expect(tailed.status == 0)
        #expect(tailed.output.contains("relance.payments[") && tailed.output.contains("acct-1  payment.succeeded"))
        let json = try run(
            ["tail", ProofEvents.invoicesTopic, "--from-beginning", "--count", "1", "--json"] + bootstrap)
        #expect(try JSONReader.read(Array(json.output.utf8))["eventId"]?.stringValue == "e1")
    }

    @Test("tail: the first records show as soon as they are read, even when the output is a pipe")
    func tailShowsRecordsAtOnce() async throws {
        let cluster = try MockCluster(brokers: 1)
        try await cluster.createTopic(PaymentEvents.paymentsTopic, partitions: 2)
        let producer = try KafkaProducer(
            configuration: ProducerConfiguration(bootstrapServers: cluster.bootstrapServers))
        try await producer.send(
            ProducerMessage(
                topic: PaymentEvents.paymentsTopic, key: Array("acct-1".utf8),
                value: Array(
                    Self.event(
                        "e1", "payment.succeeded",
                        #"{"paymentId":"p-1","invoiceId":"inv-1","amount":4900,"currency":"EUR"}"#
                    ).utf8)))
        // Following the topic (no --count, no --until-end), its output a pipe as in `| grep`.
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = [
            "tail", PaymentEvents.paymentsTopic, "--from-beginning", "--bootstrap", cluster.bootstrapServers,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let started = ContinuousClock.now
        // Stopped after 10 s whatever happens: what it printed by then is what it showed.
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + 10) { kill(pid, SIGTERM) }
        var output = Data()
        while !output.contains(UInt8(ascii: "\n")) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            output.append(chunk)
        }
        let waited = ContinuousClock.now - started
        process.terminate()
        process.waitUntilExit()
        #expect(String(decoding: output, as: UTF8.self).contains("acct-1  payment.succeeded"), "nothing shown")
        #expect(waited < .seconds(3), "the first record took \(waited)")
    }

    @Test("acls: kafka-acls.sh commands by default, Strimzi users with --format strimzi, the page docs/kafka-acls.md")
    func acls() throws {
        let script = try run(["acls"])
        #expect(script.status == 0)
        #expect(script.output.contains("--allow-principal User:relance-reconciliation --operation Read"))
        let strimzi = try run(["acls", "--format", "strimzi", "--cluster", "prod", "--authentication", "tls"])
        #expect(strimzi.status == 0)
        #expect(strimzi.output.contains("kind: KafkaUser") && strimzi.output.contains("strimzi.io/cluster: prod"))
        #expect(strimzi.output.contains("    type: tls\n"))
        let page = try run(["acls", "--format", "markdown"])
        let onDisk = try String(
            contentsOf: Self.binary.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("docs/kafka-acls.md"), encoding: .utf8)
        // `run` drops empty lines.
        #expect(page.output == onDisk.split(separator: "\n").joined(separator: "\n"))
    }

    @Test("topics --dry-run: every catalog topic and every changelog, state and status topics compacted")
    func topicsPlan() throws {
        let plan = try run(["topics", "--dry-run", "--partitions", "6", "--replication", "3"])
        #expect(plan.status == 0)
        let lines = plan.output.split(separator: "\n")
        #expect(lines.contains("relance.reconcilable-accounts  partitions 6  replication 3  compacted"))
        #expect(lines.contains("relance.payments  partitions 6  replication 3"))
        #expect(lines.contains("relance.prepaid.changelog  partitions 6  replication 3  compacted"))
        #expect(!plan.output.contains("<worker>"))
    }

    @Test(
        "dev-cluster serves every topic until SIGTERM; action-centre lists, filters and exports what the workers published"
    )
    func devClusterAndActionCentre() async throws {
        let bootstrapFile = FileManager.default.temporaryDirectory.appendingPathComponent("relance-dev-\(getpid())")
        defer { try? FileManager.default.removeItem(at: bootstrapFile) }
        let server = Process()
        server.executableURL = Self.binary
        server.arguments = [
            "dev-cluster", "--brokers", "1", "--partitions", "2", "--bootstrap-file", bootstrapFile.path,
        ]
        let serverOutput = Pipe()
        server.standardOutput = serverOutput
        server.standardError = FileHandle.nullDevice
        try server.run()
        var bootstrap = ""
        for _ in 0..<100 where bootstrap.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            bootstrap = (try? String(contentsOf: bootstrapFile, encoding: .utf8)) ?? ""
        }
        #expect(!bootstrap.isEmpty, "dev-cluster wrote no bootstrap address")

        // What payment-retry, card-expiry and reconciliation would have written (latest per key).
        let producer = try KafkaProducer(configuration: ProducerConfiguration(bootstrapServers: bootstrap))
        func put(_ topic: String, _ key: String, _ type: String, _ data: String) async throws {
            _ = try await producer.send(
                ProducerMessage(topic: topic, key: key, value: Array(Self.event("\(key)-\(type)", type, data).utf8)))
        }
        func item(_ id: String, _ method: String, _ reason: String, _ state: String, hold: String = "") -> String {
            #"{"paymentId":"\#(id)","invoiceId":"i-\#(id)","customerName":"Dupont, Marie","transactionType":"subscription","paymentMethod":"\#(method)","failureReason":"\#(reason)","failureCategory":"soft_decline","declineCode":"\#(reason)","amount":4900,"currency":"EUR","state":"\#(state)","attempts":1,"handedToCollections":false\#(hold)}"#
        }
        // The accounts' dunning holds (payment-retry's items carry them).
        try await put(
            PaymentEvents.actionCentreTopic, "p-card", "action-item.updated",
            item(
                "p-card", "card", "insufficient_funds", "open",
                hold: #","dunningPaused":true,"dunningPausedUntil":"2026-12-01T00:00:00Z""#))
        try await put(
            PaymentEvents.actionCentreTopic, "p-sepa", "action-item.updated",
            item("p-sepa", "sepa_debit", "AM04", "open", hold: #","dunningExcluded":true"#))
        try await put(
            PaymentEvents.actionCentreTopic, "p-done", "action-item.updated",
            item("p-done", "card", "expired_card", "open"))
        try await put(
            PaymentEvents.actionCentreTopic, "p-done", "action-item.updated",
            item("p-done", "card", "expired_card", "resolved"))
        try await put(
            CardEvents.expiringCardsTopic, "acct-1/card-1", "expiring-card.updated",
            #"{"cardId":"card-1","brand":"visa","last4":"4242","expMonth":1,"expYear":2027,"listed":true,"schedules":["sub-1"]}"#
        )
        try await put(
            ReconciliationEvents.reconcilableAccountsTopic, "acct-2", "reconcilable-account.updated",
            #"{"listed":true,"unreconciledItems":2,"unreconciledDebit":[{"currency":"EUR","amount":4900}],"unreconciledCredit":[{"currency":"EUR","amount":4900}],"zeroBalance":true,"sortKey":"0-000002","openItems":[{"id":"inv-1"},{"id":"cn-1"}]}"#
        )

        let everything = try run(["action-centre", "--bootstrap", bootstrap])
        #expect(everything.status == 0, "\(everything.output)")
        #expect(everything.output.contains("Failed transactions (2)"), "the resolved one is not listed")
        #expect(
            everything.output.contains("paused until 2026-12-01T00:00:00Z") && everything.output.contains("excluded"),
            "\(everything.output)")
        #expect(everything.output.contains("Expiring cards (1)") && everything.output.contains("01/2027"))
        #expect(everything.output.contains("Reconcilable accounts (1)") && everything.output.contains("inv-1 cn-1"))
        let sepa = try run([
            "action-centre", "--bootstrap", bootstrap, "--section", "failed", "--payment-method", "sepa_debit",
        ])
        #expect(
            sepa.output.contains("Failed transactions (1)") && sepa.output.contains("p-sepa")
                && !sepa.output.contains("p-card"))
        let csv = try run(["action-centre", "--bootstrap", bootstrap, "--section", "failed", "--csv", "-", "--all"])
        let rows = csv.output.split(separator: "\r\n")
        #expect(rows.first?.hasPrefix("customerName,paymentId,invoiceId,transactionType") == true)
        #expect(rows.count == 4 && rows.dropFirst().allSatisfy { $0.hasPrefix("\"Dupont, Marie\",") })

        try await producer.close()
        server.terminate()
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)
        let printed = String(decoding: serverOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(printed.contains("bootstrap: \(bootstrap)") && printed.contains("stopped"))
    }

    @Test(
        "every subcommand's Kafka clients take RELANCE_KAFKA_PROP_* and --kafka-property, the option replacing the variable"
    )
    func kafkaProperties() async throws {
        let cluster = try MockCluster(brokers: 1)
        try await cluster.createTopic("relance.clock", partitions: 2)
        // --bootstrap names no broker: the clients reach the cluster only if the property reached them.
        let nowhere = ["--bootstrap", "127.0.0.1:1"]
        let reached = cluster.bootstrapServers
        let advanced = try Self.run(
            ["clock", "advance", "--to", "2026-12-01T00:00:00Z", "--kafka-property", "bootstrap.servers=\(reached)"]
                + nowhere, environment: [:])
        #expect(advanced.status == 0 && advanced.output == "clock at 2026-12-01T00:00:00.000Z", "\(advanced.output)")
        let fromVariable = try Self.run(
            ["clock", "now"] + nowhere, environment: ["RELANCE_KAFKA_PROP_BOOTSTRAP_SERVERS": reached])
        #expect(fromVariable.status == 0 && fromVariable.output == "2026-12-01T00:00:00.000Z", "\(fromVariable.output)")
        let replaced = try Self.run(
            ["clock", "now", "--kafka-property", "bootstrap.servers=\(reached)"] + nowhere,
            environment: ["RELANCE_KAFKA_PROP_BOOTSTRAP_SERVERS": "127.0.0.1:2"])
        #expect(replaced.status == 0 && replaced.output == "2026-12-01T00:00:00.000Z", "\(replaced.output)")
    }

    @Test("a bad Kafka setting stops the command and a worker before they connect, named, its secret never shown")
    func badKafkaSettings() throws {
        let secret = "hunter2-\(UInt32.random(in: 0...UInt32.max))"
        // validate() runs before anything connects: even --dry-run refuses.
        let noValue = try Self.run(["topics", "--dry-run", "--kafka-property", "security.protocol"], environment: [:])
        #expect(noValue.status == 64, "a usage error")
        #expect(noValue.output.contains("--kafka-property: expected name=value") && noValue.output.contains("Usage"))
        let unknown = try Self.run(
            ["topics", "--dry-run", "--kafka-property", "sasl.password.typo=\(secret)"], environment: [:])
        #expect(
            unknown.status == 64 && unknown.output.contains("--kafka-property sasl.password.typo: librdkafka has no"))
        #expect(!unknown.output.contains(secret))
        let missingFile = try Self.run(
            ["publish", "--topic", "t"], environment: ["RELANCE_KAFKA_PROP_SSL_CA_LOCATION": "/nonexistent/ca.pem"])
        #expect(missingFile.status == 1, "\(missingFile.output)")
        #expect(
            missingFile.output.contains(
                "RELANCE_KAFKA_PROP_SSL_CA_LOCATION=/nonexistent/ca.pem: no readable file at /nonexistent/ca.pem"))
        #expect(!missingFile.output.contains("Usage"), "a variable is no usage error")
        let badBootstrap = try Self.run(["tail", "t", "--bootstrap", "kafka:ninety"], environment: [:])
        #expect(badBootstrap.status == 64 && badBootstrap.output.contains("--bootstrap=kafka:ninety"))
        let demo = try Self.run(["demo", "--kafka-property", "security.protocol=ssl"], environment: [:])
        #expect(demo.status == 64 && demo.output.contains("--kafka-property is for a cluster named by --bootstrap"))

        let worker = try Self.run(
            [], executable: "card-expiry",
            environment: [
                "RELANCE_KAFKA_BOOTSTRAP": "127.0.0.1:1", "RELANCE_HTTP_PORT": "0",
                "RELANCE_KAFKA_PROP_SECURITY_PROTOCOL": "tls", "RELANCE_KAFKA_PROP_SASL_PASSWORD": secret,
            ])
        #expect(worker.status == 2, "\(worker.output)")
        #expect(worker.output.contains("RELANCE_KAFKA_PROP_SECURITY_PROTOCOL=tls"), "\(worker.output)")
        #expect(!worker.output.contains(secret))
    }
}

/// The `relance` executable against the real broker of `RELANCE_TEST_BROKER` (Tansu in
/// scripts/test.sh, which selects the suites named …RealBrokerTests).
@Suite(
    "relance command line on a real broker (RELANCE_TEST_BROKER)",
    .enabled(if: ProcessInfo.processInfo.environment["RELANCE_TEST_BROKER"] != nil))
struct CommandLineRealBrokerTests {
    let bootstrap = ProcessInfo.processInfo.environment["RELANCE_TEST_BROKER"] ?? ""

    @Test("relance topics creates every Relance topic on the broker, and leaves existing ones alone")
    func relanceTopics() async throws {
        // 4 partitions: scripts/test.sh runs the end-to-end scenario on the same broker next,
        // and it reads 4 partitions of every topic.
        let arguments = ["topics", "--bootstrap", bootstrap, "--partitions", "4", "--replication", "1"]
        let first = try CommandLineTests.run(arguments)
        #expect(first.status == 0, "\(first.output)")
        let topics = try await KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: bootstrap)).listTopics()
        for name in ["relance.payments", "relance.reconcilable-accounts", "relance.prepaid.changelog", "relance.clock"]
        {
            #expect(topics.first { $0.name == name }?.partitions.count == 4, "\(name)")
        }
        let again = try CommandLineTests.run(arguments)
        #expect(again.status == 0 && again.output.contains("created 0 topic(s)"))
    }
}
