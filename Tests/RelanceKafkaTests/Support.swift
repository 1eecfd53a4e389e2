import Foundation
import RelanceKafka
import Synchronization

/// A name no other test uses, so that tests never see each other's records.
func unique(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8))"
}

func producerConfiguration(_ cluster: MockCluster) -> ProducerConfiguration {
    var configuration = ProducerConfiguration(bootstrapServers: cluster.bootstrapServers)
    configuration.lingerMilliseconds = 1
    return configuration
}

func consumerConfiguration(_ cluster: MockCluster, group: String?) -> ConsumerConfiguration {
    var configuration = ConsumerConfiguration(
        bootstrapServers: cluster.bootstrapServers, groupID: group)
    // Short enough that a lost member would be noticed within a test, long enough not to
    // expire under a loaded CI machine.
    configuration.sessionTimeoutMilliseconds = 10_000
    return configuration
}

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Polls `consumer` until `done` says the records gathered so far are enough. The deadline
/// only bounds a failing test; a passing one returns as soon as the records are there.
func consume(
    _ consumer: KafkaConsumer, until done: ([KafkaMessage]) -> Bool,
    within limit: Duration = .seconds(30),
    _ what: String = "records"
) async throws -> [KafkaMessage] {
    var received: [KafkaMessage] = []
    let deadline = ContinuousClock.now + limit
    while !done(received) {
        guard ContinuousClock.now < deadline else {
            throw TimedOut(what: "\(what) (got \(received.count))")
        }
        received += try await consumer.poll(maxMessages: 500, timeout: .milliseconds(200))
    }
    return received
}

/// Records what rebalance handlers saw, for assertions.
final class EventLog<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    func append(_ item: Element) { items.withLock { $0.append(item) } }
    var all: [Element] { items.withLock { $0 } }
}

/// Lets a rebalance handler reach the consumer it is installed on.
final class ConsumerRef: Sendable {
    private let box = Mutex<KafkaConsumer?>(nil)
    var consumer: KafkaConsumer? {
        get { box.withLock { $0 } }
        set { box.withLock { $0 = newValue } }
    }
}
