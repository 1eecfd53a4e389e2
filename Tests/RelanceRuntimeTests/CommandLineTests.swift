import Foundation
import RelanceDomain
import RelanceKafka
import RelanceRuntime
import Testing

/// The `relance` executable, run as a user runs it, against a mock cluster.
@Suite("relance command line", .serialized)
struct CommandLineTests {
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/relance")

    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
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

        let partial = try run(["publish", "--partial", file.path] + bootstrap)
        #expect(
            partial.status != 0 && partial.output.contains("sent 2 event(s): relance.invoices 1, relance.payments 1"))

        let tailed = try run(["tail", PaymentEvents.paymentsTopic, "--from-beginning", "--count", "1"] + bootstrap)
        #expect(tailed.status == 0)
        #expect(tailed.output.contains("relance.payments[") && tailed.output.contains("acct-1  payment.succeeded"))
        let json = try run(
            ["tail", ProofEvents.invoicesTopic, "--from-beginning", "--count", "1", "--json"] + bootstrap)
        #expect(try JSONReader.read(Array(json.output.utf8))["eventId"]?.stringValue == "e1")
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
}
