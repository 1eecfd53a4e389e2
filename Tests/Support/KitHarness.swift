import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import RelanceTesting

/// What a scenario test does with a harness, on the test kit (`KitHarness`) or on the mock
/// cluster (`WorkerHarness`): helpers shared by tests on both take any harness.
public protocol ScenarioHarness {
    /// Sets the clock of every worker to `date`.
    func tick(_ date: Date) async throws
    /// Publishes a record as it is (any bytes and headers), keyed by `key`.
    func publish(raw: [UInt8], to topic: String, key: String, headers: [KafkaHeader]) async throws
    /// Publishes a command signed by `signer`'s actor, or unsigned when `signer` is nil.
    func publishCommand(
        _ type: String, to topic: String, account: String, id: String, merchant: String, data: JSONValue,
        signedBy signer: CommandSigner?
    ) async throws
    /// Publishes a command in the envelope as it is (`raw`, of event `id`), signed by `signer`'s
    /// actor, or unsigned when `signer` is nil.
    func publishCommand(raw: [UInt8], to topic: String, key: String, id: String, signedBy signer: CommandSigner?)
        async throws
    /// The `data` of every record of `topic` so far, once there are at least `count`.
    mutating func records(_ topic: String, count: Int, within limit: Duration) async throws -> [JSONValue]
    /// The `data` of every record of `topic` so far: for "nothing more came" checks.
    mutating func settle(_ topic: String) async throws -> [JSONValue]
    /// Returns once the account's state has been written `count` times in all.
    mutating func stateWritten(_ account: String, count: Int, within limit: Duration) async throws
    /// Stops the workers.
    func stop() async throws
}

extension ScenarioHarness {
    /// Publishes an event of merchant m-1 in the envelope, occurred on 2026-11-01; `data` is its
    /// `data` member.
    public func publish(_ type: String, to topic: String, account: String, id: String, data: JSONValue) async throws {
        let envelope = EventEnvelope(
            eventID: id, type: type, schemaVersion: 1, occurredAt: Date(timeIntervalSince1970: 1_793_491_200),
            accountID: account, merchantID: "m-1", data: data)
        try await publish(raw: envelope.jsonBytes, to: topic, key: account, headers: [])
    }
}

extension WorkerHarness: ScenarioHarness {
    /// Publishes a command in the envelope as it is, with a token of `signer` bound to its bytes.
    public func publishCommand(
        raw: [UInt8], to topic: String, key: String, id: String, signedBy signer: CommandSigner?
    ) async throws {
        try await publish(
            raw: raw, to: topic, key: key,
            headers: signer.map { [TestSigners.header($0, value: raw, eventID: id)] } ?? [])
    }
}

/// `WorkerHarness`'s API on `WorkerTestKit`: the worker under test and its companions (a
/// gateway sandbox answering it) run with the runtime's semantics and no Kafka, so that a
/// scenario runs in milliseconds.
///
/// Every record — published by the test or written by a worker — is delivered to each worker
/// reading its topic (the one under test included: payment-retry reads its own
/// `payment.pending`), in publication order, until none is left: when a call returns, every
/// worker is quiet. `records` and `settle` read what was published on a topic so far (the
/// test's records, the workers' outputs, their dead letters as the runtime writes them on
/// `relance.dead-letters`), in publication order; what one step of a worker writes on several
/// topics is logged topic by topic.
///
/// As on the runtime, nothing is handled before the first clock tick: the kits start at the
/// first `tick(_:)`, and records published before it wait for it. Commands are signed by each
/// kit for the actor of the test's signer (`TestSigners`): its subject, roles and merchants.
public struct KitHarness<W: Worker> {
    let bus: KitBus
    let main: KitMember<W>

    /// `alsoReading` is accepted for `WorkerHarness`'s shape: every topic can be read here.
    public init(_ worker: W, alsoReading: [String] = []) async throws {
        bus = KitBus()
        main = KitMember(worker)
        bus.members.append(main)
    }

    /// Starts another worker (a gateway sandbox answering the worker under test), wired to the
    /// others in memory.
    public func start<C: Worker>(_ companion: C) async throws -> Companion<C> {
        let member = KitMember(companion)
        bus.members.append(member)
        if let clock = bus.clock { try bus.run { member.start(at: clock) } }
        return Companion(member: member)
    }

    /// A worker started by `start(_:)`.
    public struct Companion<C: Worker> {
        let member: KitMember<C>

        /// The companion's state, as `WorkerRuntime.state(of:)` gives it.
        public func state(of accountID: String) async throws -> C.State? { try member.kit?.state(of: accountID) }

        /// Nothing to stop: for `WorkerHarness`'s shape.
        public func stop() async throws {}
    }

    /// The worker under test's state, as `harness.runtime.state(of:)` reads it on the cluster.
    public var runtime: Companion<W> { Companion(member: main) }

    /// The worker under test's kit (nil before the first tick).
    public var kit: WorkerTestKit<W>? { main.kit }

    /// Nothing to stop: for `WorkerHarness`'s shape.
    public func stop() async throws {}

    /// Moves every worker's clock to `date` (`WorkerTestKit.advance(to:)`: due timers fire),
    /// delivering what they write until all are quiet. The first tick starts the kits.
    public func tick(_ date: Date) async throws {
        try bus.tick(date)
    }

    /// Publishes a record as it is (any bytes and headers), keyed by `key`.
    public func publish(raw: [UInt8], to topic: String, key: String, headers: [KafkaHeader] = []) async throws {
        try bus.publish(
            KitRecord(
                topic: topic, key: Array(key.utf8), value: raw, headers: headers.map { ($0.key, $0.value) },
                actor: nil))
    }

    /// Publishes a command in the envelope (`raw`, of event `id`) signed by each kit for
    /// `signer`'s actor, or unsigned when `signer` is nil.
    public func publishCommand(
        raw: [UInt8], to topic: String, key: String, id: String, signedBy signer: CommandSigner?
    ) async throws {
        try bus.publish(
            KitRecord(topic: topic, key: Array(key.utf8), value: raw, headers: [], actor: signer.map(Self.actor)))
    }

    /// Publishes a command signed for `signer`'s actor, or unsigned when `signer` is nil.
    public func publishCommand(
        _ type: String, to topic: String, account: String, id: String, merchant: String = "m-1", data: JSONValue,
        signedBy signer: CommandSigner?
    ) async throws {
        let envelope = EventEnvelope(
            eventID: id, type: type, schemaVersion: 1, occurredAt: Date(timeIntervalSince1970: 1_793_491_200),
            accountID: account, merchantID: merchant, data: data)
        try await publishCommand(raw: envelope.jsonBytes, to: topic, key: account, id: id, signedBy: signer)
    }

    /// The `data` of every record published on `topic` so far (the whole record for records
    /// outside the envelope); fails when there are fewer than `count`. `limit` is ignored:
    /// everything is delivered when a call returns.
    public mutating func records(_ topic: String, count: Int, within limit: Duration = .seconds(30)) async throws
        -> [JSONValue]
    {
        let seen = try bus.data(topic)
        guard seen.count >= count else { throw KitHarnessShortfall(topic: topic, wanted: count, have: seen.count) }
        return seen
    }

    /// Everything on `topic` so far.
    public mutating func settle(_ topic: String) async throws -> [JSONValue] {
        try bus.data(topic)
    }

    /// Fails unless the worker under test has the account's state and has applied at least
    /// `count` of its records (on the cluster: `count` changelog writes, one per record when
    /// the test waits for each).
    public mutating func stateWritten(_ account: String, count: Int = 1, within limit: Duration = .seconds(30))
        async throws
    {
        let applied = main.applied[account, default: 0]
        guard try main.kit?.state(of: account) != nil, applied >= count else {
            throw KitHarnessShortfall(topic: "the state of \(account)", wanted: count, have: applied)
        }
    }

    /// The actor whose token a test signer signs: its subject, roles and merchants.
    static func actor(_ signer: CommandSigner) -> TestActor {
        TestActor(id: signer.subject, roles: Set(signer.roles), merchants: Set(signer.merchants))
    }
}

extension KitHarness: ScenarioHarness {}

/// Fewer records on a topic (or state writes) than a test waits for: on the kit, everything
/// published is delivered before a call returns, so they will never come.
public struct KitHarnessShortfall: Error, CustomStringConvertible {
    public var topic: String
    public var wanted: Int
    public var have: Int
    public var description: String { "expected at least \(wanted) records on \(topic), have \(have)" }
}

/// A record on its way to the workers reading its topic; `actor`: a command each kit signs.
struct KitRecord {
    var topic: String
    var key: [UInt8]?
    var value: [UInt8]?
    var headers: [(key: String, value: [UInt8]?)]
    var actor: TestActor?
}

/// The kits of one test and the records between them.
final class KitBus {
    var members: [any KitMemberProtocol] = []
    /// The clock, once the first tick started the kits.
    var clock: Date?
    /// Every record published, per topic, in publication order.
    var log: [String: [KitRecord]] = [:]
    /// Records not yet delivered (all of them before the first tick).
    var queue: [KitRecord] = []

    static let deadLetterTopic = "relance.dead-letters"

    func publish(_ record: KitRecord) throws {
        log[record.topic, default: []].append(record)
        try run { queue.append(record) }
    }

    func tick(_ date: Date) throws {
        if clock == nil {
            clock = date
            try run { for member in members { member.start(at: date) } }
            return
        }
        clock = max(clock!, date)
        for member in members { try run { try member.advance(to: date) } }
    }

    /// Does `step`, then delivers what it and what follows from it publish, until quiet.
    func run(_ step: () throws -> Void) throws {
        try step()
        collect()
        guard clock != nil else { return }
        while !queue.isEmpty {
            let record = queue.removeFirst()
            for member in members where member.reads(record.topic) {
                try member.deliver(record)
                collect()
            }
        }
    }

    /// Logs and queues what the workers wrote since last time.
    func collect() {
        for member in members {
            let (outputs, deadLetters) = member.drain()
            for output in outputs {
                let record = KitRecord(
                    topic: output.topic, key: output.key, value: output.value,
                    headers: output.headers.map { ($0.key, Array($0.value.utf8)) }, actor: nil)
                log[record.topic, default: []].append(record)
                queue.append(record)
            }
            for letter in deadLetters {
                // As the runtime writes it (`RecordCollector`); no worker reads it back.
                let value = (try? letter.encoded()).map(Array.init)
                log[Self.deadLetterTopic, default: []].append(
                    KitRecord(
                        topic: Self.deadLetterTopic, key: letter.key.map(Array.init), value: value, headers: [],
                        actor: nil))
            }
        }
    }

    /// `data` of each record on `topic` (the whole record outside the envelope).
    func data(_ topic: String) throws -> [JSONValue] {
        try log[topic, default: []].map { record in
            let json = try JSONReader.read(record.value ?? [])
            return json["data"] ?? json
        }
    }
}

protocol KitMemberProtocol: AnyObject {
    func start(at date: Date)
    func reads(_ topic: String) -> Bool
    func deliver(_ record: KitRecord) throws
    func advance(to date: Date) throws
    /// What the worker wrote since the last call.
    func drain() -> (outputs: [OutputRecord], deadLetters: [DeadLetter])
}

/// One worker of a test, on its kit once started.
final class KitMember<W: Worker>: KitMemberProtocol {
    let worker: W
    let inputTopics: Set<String>
    var kit: WorkerTestKit<W>?
    /// Records applied per account (key).
    var applied: [String: Int] = [:]
    var drained: [String: Int] = [:]
    var drainedDeadLetters = 0

    init(_ worker: W) {
        self.worker = worker
        inputTopics = Set(worker.inputTopics)
    }

    func start(at date: Date) {
        if kit == nil { kit = WorkerTestKit(worker, startingAt: date) }
    }

    func reads(_ topic: String) -> Bool { inputTopics.contains(topic) }

    func deliver(_ record: KitRecord) throws {
        guard let kit else { return }
        let outcome: WorkerTestKit<W>.Outcome
        if let actor = record.actor, let value = record.value, let event = Self.envelope(value) {
            outcome = try kit.publish(command: event, to: record.topic, as: actor)
        } else {
            outcome = try kit.publish(key: record.key, value: record.value, headers: record.headers, to: record.topic)
        }
        if case .applied = outcome, let key = record.key {
            applied[String(decoding: key, as: UTF8.self), default: 0] += 1
        }
    }

    func advance(to date: Date) throws { try kit?.advance(to: date) }

    func drain() -> (outputs: [OutputRecord], deadLetters: [DeadLetter]) {
        guard let kit else { return ([], []) }
        var outputs: [OutputRecord] = []
        for topic in kit.outputTopics {
            let records = kit.records(on: topic)
            outputs += records.dropFirst(drained[topic, default: 0])
            drained[topic] = records.count
        }
        let letters = Array(kit.deadLetters.dropFirst(drainedDeadLetters))
        drainedDeadLetters = kit.deadLetters.count
        return (outputs, letters)
    }

    /// A command's envelope, read back from its JSON.
    static func envelope(_ bytes: [UInt8]) -> EventEnvelope? { EventEnvelope.unchecked(bytes) }
}
