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
}
