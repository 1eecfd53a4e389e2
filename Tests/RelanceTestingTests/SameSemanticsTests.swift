import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import RelanceTestSupport
import RelanceTesting
import Testing

/// One scenario through the kit and through the real runtime on a mock cluster: the same
/// outputs (ids, types, data, times) and the same dead letters.
@Suite("WorkerTestKit and WorkerRuntime agree", .serialized)
struct SameSemanticsTests {
    struct Written: Equatable, CustomStringConvertible {
        var eventID: String
        var type: String
        var occurredAt: Date
        var data: JSONValue
        var description: String { "\(eventID) \(type) \(Timestamp.format(occurredAt)) \(data)" }
    }

    static let owner = TestSigners.role("owner")

    @Test("deposits, a duplicate, a refusal, a command and a timer: same outputs and dead letters")
    func sameOutputs() async throws {
        let deposits = [
            deposit("e1", amount: 100), deposit("e2", amount: 50), deposit("e1", amount: 100),
            deposit("e3", amount: 7, refuse: true),
        ]
        let close = event("c1", "test.close", data: .object(["note": .string("done")]))
        let later = start.addingTimeInterval(8 * TabWorker.day)

        // The kit.
        let kit = WorkerTestKit(TabWorker(), startingAt: start)
        for event in deposits { try kit.publish(event, to: "t.tab") }
        try kit.publish(
            command: close, to: "t.tab",
            as: TestActor(id: Self.owner.subject, roles: Set(Self.owner.roles), merchants: Set(Self.owner.merchants)))
        try kit.advance(to: later)
        let expected = kit.events(on: "t.tab-out").map {
            Written(eventID: $0.eventID, type: $0.type, occurredAt: $0.occurredAt, data: $0.data)
        }
        #expect(expected.map(\.type) == ["test.balance", "test.balance", "test.closed", "test.timer"])

        // The runtime.
        var harness = try await WorkerHarness(TabWorker(), partitions: 2)
        try await harness.tick(start)
        for event in deposits { try await harness.publish(raw: event.jsonBytes, to: "t.tab", key: event.accountID) }
        try await harness.publishCommand(
            "test.close", to: "t.tab", account: "acct-1", id: "c1", data: close.data, signedBy: Self.owner)
        _ = try await harness.records("t.tab-out", count: 3)
        let letters = try await harness.records("relance.dead-letters", count: 1)
        // Timers fire on the next tick, once the events are handled.
        try await harness.tick(later)
        _ = try await harness.records("t.tab-out", count: 4)
        let written = try await readEnvelopes("t.tab-out", partitions: 2, count: 4, harness.cluster)
        try await harness.stop()

        #expect(written == expected)
        #expect(letters.map { $0["reason"]?["code"] } == kit.deadLetters.map { .string($0.reason.code) })
        #expect(kit.deadLetters.map(\.reason.code) == ["refused_by_worker"])
    }

    func readEnvelopes(_ topic: String, partitions: Int32, count: Int, _ cluster: MockCluster) async throws
        -> [Written]
    {
        let consumer = try KafkaConsumer(
            configuration: ConsumerConfiguration(bootstrapServers: cluster.bootstrapServers, groupID: nil))
        try await consumer.assign(
            (0..<partitions).map { TopicPartitionOffset(topic, $0, offset: TopicPartitionOffset.beginning) })
        var written: [Written] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while written.count < count && ContinuousClock.now < deadline {
            for record in try await consumer.poll(maxMessages: 100, timeout: .milliseconds(200)) {
                let json = try JSONReader.read(Array(record.value ?? []))
                guard let id = json["eventId"]?.stringValue, let type = json["type"]?.stringValue,
                    let occurred = json["occurredAt"]?.stringValue.flatMap(EventValidator.parseUTCTimestamp),
                    let data = json["data"]
                else { continue }
                written.append(Written(eventID: id, type: type, occurredAt: occurred, data: data))
            }
        }
        try await consumer.close()
        return written
    }
}
