import RelanceKafka
import Synchronization
import Testing

/// A group member that polls in a loop, records what it reads, commits after each batch, and
/// commits again inside its rebalance handler on a revocation, before its partitions move.
final class Member: Sendable {
    let consumer: KafkaConsumer
    let name: String
    let events = EventLog<RebalanceEvent>()
    let received = EventLog<String>()
    let commitErrors = EventLog<String>()
    let loopCommitErrors = EventLog<String>()
    private let stopRequested = Atomic(false)
    private let loop = Mutex<Task<Void, any Error>?>(nil)

    init(
        _ name: String, cluster: MockCluster, group: String, topic: String, sessionTimeoutMilliseconds: Int = 10_000
    ) async throws {
        self.name = name
        let ref = ConsumerRef()
        let events = self.events
        let commitErrors = self.commitErrors
        var configuration = consumerConfiguration(cluster, group: group)
        configuration.sessionTimeoutMilliseconds = sessionTimeoutMilliseconds
        configuration.maxPollIntervalMilliseconds = 120_000
        consumer = try KafkaConsumer(configuration: configuration) { event in
            events.append(event)
            if case .revoked(_, lost: false) = event {
                // Everything this member read is committed before another member gets it.
                do {
                    try await ref.consumer?.commit()
                } catch {
                    commitErrors.append("\(error)")
                }
            }
        }
        ref.consumer = consumer
        try await consumer.subscribe([topic])
        let task = Task { [self] in
            while !stopRequested.load(ordering: .relaxed) {
                let batch = try await consumer.poll(maxMessages: 100, timeout: .milliseconds(100))
                for message in batch { received.append(message.valueString ?? "") }
                if !batch.isEmpty {
                    // A commit racing a rebalance may be refused; the next one covers it.
                    do { try await consumer.commit() } catch { loopCommitErrors.append("\(error)") }
                }
            }
        }
        loop.withLock { $0 = task }
    }

    var assigned: [TopicPartition] {
        var current: [TopicPartition] = []
        for event in events.all {
            switch event {
            case .assigned(let partitions): current = partitions
            case .revoked: current = []
            }
        }
        return current
    }

    /// Stops polling, then closes: the handler commits on the final revocation.
    func stop() async throws {
        stopRequested.store(true, ordering: .relaxed)
        try await loop.withLock { $0 }?.value
        try await consumer.close()
    }
}

func waitUntil(_ what: String, within limit: Duration = .seconds(40), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
        await Task.yield()
        try await Task.sleep(for: .milliseconds(20))  // polling interval for a condition, not a wait for time
    }
}

@Suite("Consumer groups", .serialized)
struct GroupTests {
    @Test("two members split the partitions; when one leaves, the other takes over without loss or repeat")
    func splitAndTakeOver() async throws {
        let cluster = try MockCluster(brokers: 3)
        let topic = unique("invoices")
        let group = unique("group")
        try await cluster.createTopic(topic, partitions: 4, replicationFactor: 1)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster))
        func produce(_ range: Range<Int>) async throws {
            for i in range {
                try await producer.enqueue(ProducerMessage(topic: topic, key: "acct-\(i)", value: Array("m\(i)".utf8)))
            }
            try await producer.flush()
        }

        let a = try await Member("a", cluster: cluster, group: group, topic: topic)
        let b = try await Member("b", cluster: cluster, group: group, topic: topic)
        try await waitUntil("both members to own two partitions") {
            a.assigned.count == 2 && b.assigned.count == 2
        }
        #expect(Set(a.assigned).isDisjoint(with: b.assigned))

        try await produce(0..<400)
        try await waitUntil("the first 400 records") { a.received.all.count + b.received.all.count >= 400 }
        #expect(!a.received.all.isEmpty && !b.received.all.isEmpty, "both members read a share")

        try await b.stop()
        // b left a stable group: its commit inside the revocation went through. (The mock
        // refuses commits from members while a rebalance is in progress, which a real broker
        // accepts from the current generation: a's revocations may log such refusals.)
        #expect(b.commitErrors.all.isEmpty, "\(b.commitErrors.all)")
        try await waitUntil("a to own all four partitions") { a.assigned.count == 4 }
        try await produce(400..<800)
        try await waitUntil("all 800 records") { a.received.all.count + b.received.all.count >= 800 }

        let all = a.received.all + b.received.all
        #expect(all.count == 800, "no record read twice")
        #expect(Set(all) == Set((0..<800).map { "m\($0)" }), "no record lost")
        // b's last revocation was a clean one, in which it committed.
        #expect(
            b.events.all.last
                == .revoked(
                    b.events.all.compactMap {
                        if case .assigned(let p) = $0 { return p } else { return nil }
                    }.last ?? [], lost: false))
        try await a.stop()
    }

    @Test("ending a messages loop early leaves the group at once")
    func earlyBreakLeavesGroup() async throws {
        let cluster = try MockCluster(brokers: 1)
        let topic = unique("reminders")
        let group = unique("group")
        try await cluster.createTopic(topic, partitions: 4)

        // The iterating member's session (60 s) is far beyond the waits below: only its
        // LeaveGroup can start a rebalance (and so revoke the stayer's partitions) in time.
        let stayer = try await Member("stayer", cluster: cluster, group: group, topic: topic)
        var configuration = consumerConfiguration(cluster, group: group)
        configuration.sessionTimeoutMilliseconds = 60_000
        configuration.maxPollIntervalMilliseconds = 120_000
        let iterating = try KafkaConsumer(configuration: configuration)
        try await iterating.subscribe([topic])
        let iteration = Task {
            var seen = 0
            for try await _ in iterating.messages() {
                seen += 1
                break
            }
            return seen
        }
        try await waitUntil("the two members to share the partitions") { stayer.assigned.count == 2 }
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster))
        for i in 0..<20 { try await producer.enqueue(ProducerMessage(topic: topic, key: "k\(i)", value: [1])) }
        try await producer.flush()
        #expect(try await iteration.value == 1)

        // No close() call: the end of the iteration left the group.
        try await waitUntil("the iterating member to close", within: .seconds(10)) { iterating.isClosed }
        try await waitUntil("the stayer's partitions to be revoked for a rebalance", within: .seconds(15)) {
            if case .revoked = stayer.events.all.last { true } else { false }
        }
        // (librdkafka 2.0.2's mock then leaves the stayer's rejoin unanswered for longer than
        // a test should wait: its new assignment is not checked here.)
        try await stayer.stop()
    }
}
