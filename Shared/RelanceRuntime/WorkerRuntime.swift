import Foundation
import Logging
import Metrics
import RelanceDomain
import RelanceEvents
import RelanceKafka
import ServiceLifecycle
import Synchronization

/// Liveness and readiness, read by the HTTP endpoint from any thread.
public final class RuntimeStatus: Sendable {
    let started = Atomic(false)
    let stopping = Atomic(false)
    let restoring = Atomic(false)
    /// The group gave this instance its partitions (possibly none) and they are restored;
    /// false again while a rebalance takes them away.
    let assigned = Atomic(false)
    /// Monotonic milliseconds of the loop's last turn.
    let heartbeat = Atomic<Int64>(0)

    static func nowMilliseconds() -> Int64 {
        let now = ContinuousClock.now - ContinuousClock.Instant.zeroReference
        return now.components.seconds * 1000 + now.components.attoseconds / 1_000_000_000_000_000
    }

    /// The loop turned within the last minute, or is busy restoring state.
    public var isLive: Bool {
        restoring.load(ordering: .relaxed)
            || !started.load(ordering: .relaxed)
            || Self.nowMilliseconds() - heartbeat.load(ordering: .relaxed) < 60_000
    }

    /// Subscribed, its partitions assigned by the group and their state restored, not shutting
    /// down.
    public var isReady: Bool {
        started.load(ordering: .relaxed) && assigned.load(ordering: .relaxed) && !stopping.load(ordering: .relaxed)
            && !restoring.load(ordering: .relaxed)
    }
}

extension ContinuousClock.Instant {
    fileprivate static let zeroReference = ContinuousClock.now
}

/// Runs a `Worker` exactly once: consume → handle → publish outputs, changelog and input
/// positions in one Kafka transaction per batch. See docs/runtime.md.
///
/// A `Service` (swift-service-lifecycle): in a `ServiceGroup`, a graceful shutdown finishes and
/// commits the open batch and leaves the group; cancellation (the group's deadline passed)
/// aborts the open transaction instead, which the next owner of the partitions reads again.
public actor WorkerRuntime<W: Worker>: Service {
    public nonisolated let worker: W
    public nonisolated let configuration: RuntimeConfiguration
    public nonisolated let metrics: RuntimeMetrics
    public nonisolated let status = RuntimeStatus()
    nonisolated let log: Logger

    private let validator: EventValidator
    private let gate: CommandGate
    /// The worker's command types (`commandRoles`), read once: most events are not commands,
    /// and a worker's `commandRoles` may build its table on every call.
    private let commandTypes: Set<String>
    /// This worker's consumer group, named once (replays and rerouted copies are addressed by it).
    private let group: String
    private let changelogTopic: String
    private let generation = String(UInt32.random(in: 0...UInt32.max), radix: 36)

    private var consumer: KafkaConsumer?
    private var producer: KafkaTransactionalProducer?
    private var stores: [Int32: PartitionStore<W.State>] = [:]
    private var stopRequested = false
    /// Input partitions paused until their partition of the clock topic gives a time.
    private var waitingForClock: [TopicPartition: Int64] = [:]
    /// Partitions rewound while the current batch is processed: the rest of the batch is
    /// read again.
    private var rewound: Set<TopicPartition> = []
    private var failure: (any Error)?
    /// The partition count every consumed topic shares (`checkTopics`): a record whose key
    /// belongs to another partition is sent there.
    private var partitionCount: Int32 = 0
    /// The replay-outcome topic exists: replayed dead letters' outcomes are written to it.
    private var reportsReplays = false

    // The open batch: the records handled since the last commit started. Its Kafka
    // transaction begins once the previous batch's commit is done (see `flushOutbox`).
    private var inTransaction = false
    private var transactionID = ""
    private var transactionSequence = 0
    private var batchEvents = 0
    private var batchStart = ContinuousClock.now
    private var touched: Set<Int32> = []
    private var transactionHeaders: [Int32: KafkaHeader] = [:]
    private var dirty: [Int32: Set<String>] = [:]
    private var counts = BatchCounts()
    /// Records of the open batch not yet handed to the producer: held while the previous
    /// batch's commit is still running.
    private var outbox: [ProducerMessage] = []
    /// The producer has a transaction begun and not yet committed or aborted.
    private var producerInTransaction = false
    /// The previous batch's commit, running off the actor while the next batch is handled.
    private var pendingCommit: (task: Task<Void, any Error>, finished: Flag)?

    final class Flag: Sendable {
        let value = Atomic(false)
        var isSet: Bool { value.load(ordering: .acquiring) }
    }

    private var pendingCommitDone: Bool { pendingCommit?.finished.isSet ?? false }
    private var lastLagUpdate = ContinuousClock.now

    struct BatchCounts {
        var eventsIn = 0
        var eventsOut = 0
        var duplicates = 0
        var rerouted = 0
        var replays: [String: Int] = [:]
        var timersFired = 0
        var deadLetters: [String: Int] = [:]
        /// Commands and replays checked, by result (`verified`, `unsigned_accepted`,
        /// `unauthenticated`, `forbidden`).
        var commandAuth: [String: Int] = [:]
    }

    /// `logger`: where the runtime and its Kafka clients log (default: a logger labelled
    /// `relance.<worker>` with the worker and group as metadata, on the process's backend).
    /// `metricsFactory`: where its metrics go (default: the process's swift-metrics backend).
    public init(
        worker: W, configuration: RuntimeConfiguration, logger: Logger? = nil,
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.worker = worker
        self.configuration = configuration
        self.metrics = RuntimeMetrics(worker: worker.name, factory: metricsFactory)
        self.log =
            logger
            ?? {
                var log = Logger.runtime(worker: worker.name, group: configuration.group(for: worker.name))
                log.logLevel = configuration.logLevel
                return log
            }()
        self.validator = EventValidator(types: worker.eventTypes, maximumBytes: configuration.maximumEventBytes)
        self.changelogTopic = configuration.changelog(for: worker.name)
        self.gate = configuration.commandGate
        self.commandTypes = Set(worker.commandRoles.keys)
        self.group = configuration.group(for: worker.name)
    }

    /// One partition's accounts changed by a batch, for its changelog records.
    struct ChangedAccounts: Sendable {
        var partition: Int32
        var header: KafkaHeader
        var records: [(String, AccountRecord<W.State>?)]
    }

    /// Asks the loop to finish its batch, commit, leave the group and return. During start-up
    /// (connecting, initialising transactions, subscribing: calls that may wait tens of seconds
    /// for a broker) nothing is begun yet: `run()` returns at once.
    public func stop() {
        stopRequested = true
        status.stopping.store(true, ordering: .relaxed)
        startUp?.resume(returning: false)
        startUp = nil
    }

    /// Waits for the start-up running in its own task, or for `stop()`.
    private var startUp: CheckedContinuation<Bool, Never>?

    /// The Kafka settings of this runtime's clients: the configuration's, logging here.
    private var kafka: KafkaConfiguration {
        var kafka = configuration.kafka
        kafka.logger = log
        return kafka
    }

    private var consumedTopics: [String] {
        worker.inputTopics + (configuration.wallClock ? [] : [configuration.clockTopic])
    }

    /// Runs until `stop()` or a graceful shutdown of its service group; throws on a fatal
    /// error (the process should exit and restart).
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await self.runUntilStopped()
        } onGracefulShutdown: {
            Task { await self.stop() }
        }
    }

    private func runUntilStopped() async throws {
        guard !stopRequested else { return }
        // Start-up runs in a task of its own, raced by `stop()`: a stop must not wait for a
        // broker that does not answer.
        let starting = Task { try await self.start() }
        let started = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                startUp = continuation
                Task {
                    let ok = (try? await starting.value) != nil
                    self.startUpEnded(ok)
                }
            }
        } onCancel: {
            Task { await self.stop() }
        }
        guard started else {
            if stopRequested {
                log.info("stopped during start-up")
                // The start-up goes on until its call returns; then its clients are closed.
                Task {
                    _ = try? await starting.value
                    await self.closeClients()
                }
                return
            }
            try await starting.value  // its error
            return
        }
        try await loop()
    }

    private func closeClients() async {
        try? await consumer?.close()
        await producer?.close()
    }

    private func startUpEnded(_ ok: Bool) {
        startUp?.resume(returning: ok)
        startUp = nil
    }

    private func start() async throws {
        if let problem = configuration.commandProblem(worker) {
            throw RuntimeConfiguration.Invalid(description: problem)
        }
        if !worker.commandRoles.isEmpty && configuration.unsignedCommands == .warn {
            log.warning(
                "RELANCE_UNSIGNED_COMMANDS=warn: unsigned commands are accepted, their actor taken from the event",
                metadata: ["commands": "\(worker.commandRoles.keys.sorted().joined(separator: ","))"])
        }
        let kafka = self.kafka
        var producerConfiguration = TransactionalProducerConfiguration(
            producer: ProducerConfiguration(kafka: kafka), transactionalID: "\(worker.name)-\(configuration.instanceID)"
        )
        producerConfiguration.transactionTimeoutMilliseconds = configuration.transactionTimeoutMilliseconds
        let producer = try KafkaTransactionalProducer(configuration: producerConfiguration)
        self.producer = producer
        try await producer.initTransactions()
        var consumerConfiguration = ConsumerConfiguration(kafka: kafka, groupID: configuration.group(for: worker.name))
        consumerConfiguration.isolationLevel = .readCommitted
        consumerConfiguration.sessionTimeoutMilliseconds = configuration.sessionTimeoutMilliseconds
        let consumer = try KafkaConsumer(configuration: consumerConfiguration) { [weak self] event in
            await self?.rebalance(event)
        }
        self.consumer = consumer
        guard !stopRequested else { return }
        try await checkTopics(consumer)
        try await producer.prepare(
            topics: [changelogTopic, configuration.deadLetterTopic] + worker.outputTopics
                + (reportsReplays ? [configuration.replayOutcomeTopic] : []))
        try await consumer.subscribe(consumedTopics)
        status.started.store(true, ordering: .relaxed)
        log.info(
            "started",
            metadata: [
                "group": "\(configuration.group(for: worker.name))",
                "inputs": "\(consumedTopics.joined(separator: ","))", "changelog": "\(changelogTopic)",
            ])
    }

    private func loop() async throws {
        guard let consumer, let producer else { return }
        defer { status.stopping.store(true, ordering: .relaxed) }
        while !stopRequested && !Task.isCancelled {
            status.heartbeat.store(RuntimeStatus.nowMilliseconds(), ordering: .relaxed)
            if let failure { throw failure }
            do {
                if pendingCommitDone { try await finishPendingCommit() }
                let limit = Duration.milliseconds(configuration.batchMaxMilliseconds)
                let wait = inTransaction ? max(.zero, limit - (ContinuousClock.now - batchStart)) : .milliseconds(100)
                let batch = try await consumer.poll(
                    maxMessages: max(1, configuration.batchMaxEvents - batchEvents), timeout: wait)
                // Cancelled while waiting (the shutdown deadline passed): nothing more is handled
                // or committed.
                if Task.isCancelled { break }
                if !batch.isEmpty { try await process(batch) }
                if configuration.wallClock { try await advanceWallClock() }
                if inTransaction,
                    batchEvents >= configuration.batchMaxEvents || ContinuousClock.now - batchStart >= limit
                {
                    try await commitBatch()
                }
                if ContinuousClock.now - lastLagUpdate > .seconds(1) { updateGauges() }
            } catch let error as KafkaError where !error.isFatal {
                try await recover(from: error)
            }
        }
        if Task.isCancelled {
            // Past the shutdown deadline: nothing more is committed. The open transaction is
            // aborted; the next owner of these partitions reads its records again.
            log.warning("cancelled: aborting the open batch")
            try? await abort(CancellationError())
        } else {
            log.info("stopping: finishing the batch")
            do {
                if inTransaction { try await commitBatch() }
                try await finishPendingCommit()
            } catch {
                try await abort(error)
            }
        }
        try await consumer.close()
        await producer.close()
        log.info("stopped")
    }

    /// Every consumed topic and the changelog need one partition count: partition `p` of
    /// each holds the same accounts.
    private func checkTopics(_ consumer: KafkaConsumer) async throws {
        let metadata = try await consumer.checkConnection()
        var counts: [String: Int] = [:]
        for topic in consumedTopics + [changelogTopic] {
            guard let described = metadata.first(where: { $0.name == topic }), described.error == nil else {
                throw RuntimeConfiguration.Invalid(description: "topic \(topic) does not exist: create it first")
            }
            counts[topic] = described.partitions.count
        }
        if Set(counts.values).count > 1 {
            let list = counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            throw RuntimeConfiguration.Invalid(
                description: "inputs, clock and changelog must have the same partition count: \(list)")
        }
        partitionCount = Int32(clamping: counts.values.first ?? 0)
        reportsReplays = metadata.contains { $0.name == configuration.replayOutcomeTopic && $0.error == nil }
        if !reportsReplays {
            log.warning(
                "the replay-outcome topic does not exist: replayed dead letters are handled, but their outcomes are not reported (create it with relance topics)",
                metadata: ["topic": "\(configuration.replayOutcomeTopic)"])
        }
    }

    // MARK: Processing

    /// Opens a batch (its Kafka transaction begins with its first record handed over).
    private func beginIfNeeded() {
        guard !inTransaction else { return }
        transactionSequence += 1
        transactionID = "\(configuration.instanceID)-\(generation)-\(transactionSequence)"
        transactionHeaders.removeAll(keepingCapacity: true)
        batchStart = .now
        inTransaction = true
    }

    private func process(_ batch: [KafkaMessage]) async throws {
        try await processRecords(batch)
        try await flushOutbox()
    }

    /// The accounts the open batch changed, as they are now (copies: the next batch may
    /// change them again while these are encoded and written).
    private func changedAccounts() -> [ChangedAccounts] {
        dirty.compactMap { partition, accounts in
            guard let store = stores[partition] else { return nil }
            return ChangedAccounts(
                partition: partition, header: transactionHeader(partition),
                records: accounts.map { ($0, store.accounts[$0]) })
        }
    }

    /// Hands the open batch's records — its outputs and dead letters so far — to the
    /// producer, beginning its transaction, unless the previous batch's commit is still
    /// running: then they wait in the outbox (`force` waits for that commit instead).
    private func flushOutbox(force: Bool = false) async throws {
        guard let producer, !outbox.isEmpty || force else { return }
        if pendingCommit != nil {
            guard pendingCommitDone || force else { return }
            try await finishPendingCommit()
        }
        if !producerInTransaction {
            try producer.beginTransaction()
            producerInTransaction = true
        }
        guard !outbox.isEmpty else { return }
        let records = outbox
        outbox.removeAll(keepingCapacity: true)
        try await producer.enqueue(contentsOf: records)
    }

    /// Waits for the previous batch's commit; throws its error.
    private func finishPendingCommit() async throws {
        guard let commit = pendingCommit else { return }
        pendingCommit = nil
        try await commit.task.value
        producerInTransaction = false
    }

    private func processRecords(_ batch: [KafkaMessage]) async throws {
        rewound.removeAll()
        for message in batch {
            guard let store = stores[message.partition] else { continue }
            if !rewound.isEmpty && rewound.contains(message.topicPartition) { continue }
            // Already processed: read again after a rewind.
            if message.offset < store.offsets[message.topic, default: 0] { continue }
            if configuration.wallClock {
                store.clock = max(store.clock, Timestamp.milliseconds(Date()))
            }
            let isTick = !configuration.wallClock && message.topic == configuration.clockTopic
            if !isTick && !configuration.wallClock && store.clock == 0 {
                try await holdUntilClock(message)
                continue
            }
            beginIfNeeded()
            store.offsets[message.topic] = message.offset + 1
            touched.insert(message.partition)
            batchEvents += 1
            if isTick {
                try await tick(message, store)
            } else {
                try await handle(message, store)
            }
        }
    }

    /// What became of one input record.
    enum Handled {
        case applied(eventID: String)
        case duplicate(eventID: String)
        case deadLettered(eventID: String?, DeadLetter.Reason)
        /// Sent to its key's partition, where it is handled.
        case rerouted
        /// Addressed to another worker or consumer group (a replay or a rerouted copy).
        case notForThisWorker
    }

    private func handle(_ message: KafkaMessage, _ store: PartitionStore<W.State>) async throws {
        let routing = InputRouting(message, worker: worker.name, group: group)
        let handled: Handled
        switch routing {
        case .notForThisWorker:
            return
        case .ordinary:
            counts.eventsIn += 1
            handled = try await handle(message, store, replayOrigin: nil)
        case .replay(let from, let origin):
            counts.eventsIn += 1
            // Only a signed replay is one: anyone who can write the topic can add the headers.
            let check = gate.check(replayOf: from, message: message, now: Date())
            tally(check)
            switch check {
            case .refused(let failure):
                handled = try await reject(message, code: failure.code, reason: failure.message)
            case .unsignedAccepted:
                log.warning(
                    "unsigned replay accepted (RELANCE_UNSIGNED_COMMANDS=warn)",
                    metadata: [
                        "deadLetter": "\(from)", "source": "\(message.topic)[\(message.partition)]@\(message.offset)",
                    ])
                handled = try await handle(message, store, replayOrigin: origin, replayer: nil)
            case .verified(let replayer):
                handled = try await handle(message, store, replayOrigin: origin, replayer: replayer)
            }
            try await report(handled, replayedFrom: from, origin: origin, store: store, partition: message.partition)
        }
    }

    private func handle(
        _ message: KafkaMessage, _ store: PartitionStore<W.State>, replayOrigin: String?, replayer: CommandActor? = nil
    ) async throws -> Handled {
        guard let value = message.value, !value.isEmpty else {
            return try await reject(
                message, code: "empty_record",
                reason: "the record has no value (a tombstone or an empty message): an event is a JSON object")
        }
        if let key = message.key, let finding = CardNumberDetector.firstCardNumber(in: key) {
            return try await reject(
                message, code: "card_number",
                reason: "the record key carries \(finding): card numbers never enter Relance")
        }
        for header in message.headers {
            if let bytes = header.value, let finding = CardNumberDetector.firstCardNumber(in: bytes) {
                return try await reject(
                    message, code: "card_number",
                    reason: "header \"\(header.key)\" carries \(finding): card numbers never enter Relance")
            }
        }
        let event: EventEnvelope
        switch validator.read(Array(value)) {
        case .failure(let rejection):
            return try await reject(message, code: rejection.code, reason: rejection.description)
        case .success(let read):
            event = read
        }
        guard let key = message.key, key.elementsEqual(event.accountID.utf8) else {
            return try await reject(
                message, eventID: event.eventID, code: "key_not_account",
                reason: "the record key \(message.keyString.map { "\"\($0)\"" } ?? "(none)") is not the event's "
                    + "accountId \"\(event.accountID)\": events are keyed by account")
        }
        let home = KeyPartitioner.murmur2(key, partitions: partitionCount)
        if partitionCount > 0 && home != message.partition {
            return try await reroute(message, to: home, eventID: event.eventID)
        }
        if let replayer, !replayer.actsFor(merchant: event.merchantID) {
            counts.commandAuth[CommandAuthFailure.forbidden, default: 0] += 1
            return try await reject(
                message, eventID: event.eventID, code: CommandAuthFailure.forbidden,
                reason: "\(replayer.id) may not replay dead letters of merchant \(event.merchantID)")
        }
        var actor: CommandActor?
        if commandTypes.contains(event.type), let roles = worker.requiredRoles(for: event) {
            let check = gate.check(command: event, message: message, roles: roles, now: Date())
            tally(check)
            switch check {
            case .refused(let failure):
                return try await reject(message, eventID: event.eventID, code: failure.code, reason: failure.message)
            case .unsignedAccepted(let legacy):
                log.warning(
                    "unsigned command accepted (RELANCE_UNSIGNED_COMMANDS=warn)",
                    metadata: [
                        "eventId": "\(event.eventID)", "type": "\(event.type)", "actor": "\(legacy.id)",
                        "merchant": "\(event.merchantID)",
                    ])
                actor = legacy
            case .verified(let verified):
                actor = verified
            }
        }
        // A replayed dead letter is new input once: its own id is the event's with the position of
        // the first dead letter of its content (`InputRouting.replay`), so the event's earlier
        // handling does not hide it, and a second replay of it — or of a dead letter that only
        // refused a replay of it — is a duplicate.
        let hash =
            replayOrigin.map { EventIDs.hash(Array("|replay:\($0)".utf8), seed: EventIDs.hash(event.eventID)) }
            ?? EventIDs.hash(event.eventID)
        var record = store.accounts[event.accountID] ?? AccountRecord()
        if record.hasSeen(hash) {
            counts.duplicates += 1
            return .duplicate(eventID: event.eventID)
        }
        var state = try decodeState(record.slot)
        var context = WorkerContext(
            now: clockDate(store), accountID: event.accountID, merchantID: event.merchantID,
            causeID: replayOrigin.map { "\(event.eventID)|replay:\($0)" } ?? event.eventID,
            timers: record.timers, input: message)
        context.actor = actor
        let input: W.Input
        do {
            input = try W.Input(event)
        } catch {
            return try await reject(
                message, eventID: event.eventID, code: "invalid_data",
                reason: "\(error) (a \(event.type) v\(event.schemaVersion) that follows its schema but not "
                    + "\(worker.name)'s type of its data)")
        }
        do {
            try worker.handle(Event(input, envelope: event), state: &state, context: &context)
        } catch {
            return try await reject(message, eventID: event.eventID, code: error.code, reason: error.message)
        }
        let previousTimers = record.timers
        record.slot = .decoded(state)
        record.timers = context.timers
        record.merchantID = event.merchantID
        record.markSeen(hash)
        store.put(event.accountID, record, previousTimers: previousTimers)
        dirty[store.partition, default: []].insert(event.accountID)
        try await publish(context.outputs, partition: store.partition)
        try await deadLetter(context.deadLetters, partition: store.partition)
        return .applied(eventID: event.eventID)
    }

    /// Counts a command's or replay's check by result (`relance_command_auth_total`).
    private func tally(_ check: CommandGate.Outcome) {
        let result =
            switch check {
            case .refused(let failure): failure.code
            case .unsignedAccepted: "unsigned_accepted"
            case .verified: "verified"
            }
        counts.commandAuth[result, default: 0] += 1
    }

    /// Dead-letters the record; says so.
    private func reject(_ message: KafkaMessage, eventID: String? = nil, code: String, reason: String) async throws
        -> Handled
    {
        try await deadLetter(message, code: code, reason: reason)
        return .deadLettered(eventID: eventID, .init(code: code, message: reason))
    }

    /// A record on another partition than its key's: a publisher placed it with another
    /// partitioner (librdkafka's default, CRC32, rather than the Java client's murmur2), so
    /// the account's other facts and its state are elsewhere. A copy goes to the key's
    /// partition in this transaction, addressed to this consumer group (other groups reading
    /// the topic route their own); this record is done. A copy that lands on the wrong
    /// partition again (the topic's partitions changed meanwhile) is a dead letter rather
    /// than a loop.
    private func reroute(_ message: KafkaMessage, to home: Int32, eventID: String) async throws -> Handled {
        guard message.header(InputRouting.reroutedFromHeader) == nil else {
            return try await reject(
                message, eventID: eventID, code: "wrong_partition",
                reason: "the record was already sent to its key's partition once and is still on partition "
                    + "\(message.partition), not \(home) (have the topic's partitions changed?)")
        }
        var headers = message.headers
        headers.append(
            KafkaHeader(InputRouting.reroutedFromHeader, "\(message.topic)/\(message.partition)@\(message.offset)"))
        headers.append(KafkaHeader(InputRouting.reroutedForHeader, group))
        headers.append(transactionHeader(message.partition))
        outbox.append(
            ProducerMessage(
                topic: message.topic, partition: home, key: message.key.map { Array($0) },
                value: message.value.map { Array($0) }, headers: headers))
        counts.rerouted += 1
        let crc = message.key.map { KeyPartitioner.crc32($0, partitions: partitionCount) }
        log.warning(
            "record on another partition than its key's: sent to the key's partition",
            metadata: [
                "source": "\(message.topic)[\(message.partition)]@\(message.offset)", "keyPartition": "\(home)",
                "eventId": "\(eventID)",
                "hint": .string(
                    crc == message.partition
                        ? "the publisher uses librdkafka's default partitioner (CRC32): set partitioner=murmur2_random"
                        : "publish with the Java client's partitioner (murmur2): see docs/kafka.md"),
            ])
        return .rerouted
    }

    /// The outcome of a replayed dead letter, on the replay-outcome topic in this transaction.
    private func report(
        _ handled: Handled, replayedFrom: String, origin: String, store: PartitionStore<W.State>, partition: Int32
    ) async throws {
        let (result, eventID, reason): (ReplayOutcome.Result, String?, DeadLetter.Reason?)
        switch handled {
        case .applied(let id): (result, eventID, reason) = (.handled, id, nil)
        case .duplicate(let id): (result, eventID, reason) = (.alreadyReplayed, id, nil)
        case .deadLettered(let id, let why): (result, eventID, reason) = (.deadLettered, id, why)
        case .rerouted, .notForThisWorker: return
        }
        let outcome = ReplayOutcome(
            deadLetter: replayedFrom, origin: origin == replayedFrom ? nil : origin, worker: worker.name,
            eventID: eventID, result: result, reason: reason, at: clockDate(store))
        counts.replays[outcome.result.rawValue, default: 0] += 1
        log.info(
            "replayed dead letter",
            metadata: [
                "deadLetter": "\(replayedFrom)", "result": "\(outcome.result.rawValue)",
                "eventId": "\(outcome.eventID ?? "")",
            ])
        guard reportsReplays else { return }
        outbox.append(
            ProducerMessage(
                topic: configuration.replayOutcomeTopic, key: Array(replayedFrom.utf8),
                value: Array(try outcome.encoded()), headers: [transactionHeader(partition)]))
    }

    private func tick(_ message: KafkaMessage, _ store: PartitionStore<W.State>) async throws {
        guard let value = message.value, let time = ClockTick.read(value) else {
            return try await deadLetter(
                message, code: "invalid_tick",
                reason: "a clock record must be {\"now\": \"<ISO 8601 UTC time>\"}")
        }
        guard time > store.clock else { return }
        if store.clock == 0 { try await resumeAfterClock(store.partition) }
        store.clock = time
        let earliest = minimumClock ?? 0
        metrics.update { $0.clock = earliest }
        try await fireDueTimers(store)
    }

    /// An event can only be handled once its partition knows the time: until the first
    /// tick, its input partition is paused and rewound to the event.
    private func holdUntilClock(_ message: KafkaMessage) async throws {
        let tp = message.topicPartition
        guard waitingForClock[tp] == nil, let consumer else { return }
        waitingForClock[tp] = message.offset
        try consumer.pause([tp])
        log.info(
            "waiting for the clock",
            metadata: ["partition": "\(tp.description)", "clockTopic": "\(configuration.clockTopic)"])
    }

    private func resumeAfterClock(_ partition: Int32) async throws {
        let held = waitingForClock.filter { $0.key.partition == partition }
        guard !held.isEmpty, let consumer else { return }
        for tp in held.keys { waitingForClock[tp] = nil }
        rewound.formUnion(held.keys)
        // Resuming restarts fetching after the last record polled; the seek (which discards
        // what was fetched before it) takes the partition back to the first held event.
        try consumer.resume(Array(held.keys))
        try await consumer.seek(held.map { TopicPartitionOffset($0.key, offset: $0.value) })
    }

    private func advanceWallClock() async throws {
        let now = Timestamp.milliseconds(Date())
        for store in stores.values where now > store.clock {
            store.clock = now
            if let first = store.timers.first, first.dueAt <= now {
                beginIfNeeded()
                touched.insert(store.partition)
                try await fireDueTimers(store)
                try await flushOutbox()
            }
        }
    }

    private func fireDueTimers(_ store: PartitionStore<W.State>) async throws {
        while let first = store.timers.first, first.dueAt <= store.clock {
            _ = store.timers.pop()
            guard var record = store.accounts[first.accountID],
                let index = record.timers.firstIndex(where: { $0.id == first.timerID && $0.dueAt == first.dueAt })
            else { continue }
            let timer = record.timers.remove(at: index)
            store.pendingTimers -= 1
            var state = try decodeState(record.slot)
            var context = WorkerContext(
                now: clockDate(store), accountID: first.accountID, merchantID: record.merchantID,
                causeID: "timer:\(first.accountID):\(timer.id):\(timer.dueAt)", timers: record.timers)
            worker.timerFired(
                DueTimer(
                    id: timer.id, dueAt: timer.dueDate, payload: timer.payload, accountID: first.accountID,
                    merchantID: record.merchantID),
                state: &state, context: &context)
            let previousTimers = record.timers
            record.slot = .decoded(state)
            record.timers = context.timers
            store.put(first.accountID, record, previousTimers: previousTimers)
            dirty[store.partition, default: []].insert(first.accountID)
            counts.timersFired += 1
            try await publish(context.outputs, partition: store.partition)
            try await deadLetter(context.deadLetters, partition: store.partition)
        }
    }

    private func clockDate(_ store: PartitionStore<W.State>) -> Date {
        Timestamp.date(milliseconds: store.clock)
    }

    private func decodeState(_ slot: AccountRecord<W.State>.Slot) throws -> W.State? {
        switch slot {
        case .decoded(let state): return state
        case .encoded(let bytes): return try StateCoding.decode(W.State.self, from: bytes)
        }
    }

    /// `relance-txn: <transaction>/<partition>`, made once per partition and transaction.
    private func transactionHeader(_ partition: Int32) -> KafkaHeader {
        if let header = transactionHeaders[partition] { return header }
        let header = KafkaHeader(Changelog.transactionHeader, "\(transactionID)/\(partition)")
        transactionHeaders[partition] = header
        return header
    }

    private func publish(_ outputs: [OutputRecord], partition: Int32) async throws {
        guard !outputs.isEmpty else { return }
        let header = transactionHeader(partition)
        for output in outputs {
            outbox.append(
                ProducerMessage(
                    topic: output.topic, key: output.key, value: output.value,
                    headers: output.headers.isEmpty
                        ? [header] : output.headers.map { KafkaHeader($0.key, $0.value) } + [header]))
        }
        counts.eventsOut += outputs.count
    }

    private func deadLetter(_ message: KafkaMessage, code: String, reason: String) async throws {
        try await deadLetter(HeldInput(message), .init(code: code, message: reason), partition: message.partition)
    }

    /// Inputs a handler held and gave up on (`WorkerContext.deadLetter`). A held input was
    /// handled: its dead letter is the first of a new content (no replay origin carried over),
    /// so replaying it applies it again.
    private func deadLetter(_ held: [(input: HeldInput, reason: DeadLetter.Reason)], partition: Int32) async throws {
        for (input, reason) in held {
            var input = input
            input.headers.removeAll { $0.key == InputRouting.replayOriginHeader }
            try await deadLetter(input, reason, partition: partition)
        }
    }

    /// The record as read (card numbers masked), why, and where it came from, in the open
    /// transaction.
    private func deadLetter(_ input: HeldInput, _ reason: DeadLetter.Reason, partition: Int32) async throws {
        let letter = DeadLetter(
            reason: reason, source: input.source, key: input.key.map(Array.init), value: input.value.map(Array.init),
            headers: input.headers.map { ($0.key, $0.value.map(Array.init)) }, worker: worker.name, failedAt: Date())
        outbox.append(
            ProducerMessage(
                topic: configuration.deadLetterTopic, key: letter.key.map(Array.init),
                value: Array(try letter.encoded()), headers: [transactionHeader(partition)]))
        counts.deadLetters[letter.reason.code, default: 0] += 1
        log.warning(
            "dead letter",
            metadata: [
                "code": "\(letter.reason.code)", "reason": "\(letter.reason.message)",
                "source": "\(letter.source.topic)[\(letter.source.partition)]@\(letter.source.offset)",
            ])
    }

    // MARK: Transactions

    /// Ends the open batch: its checkpoints and input positions are made now, with a copy
    /// of each account it changed, and its commit runs in the background while the next
    /// batch is handled (that batch's records wait until the commit is done). The commit
    /// encodes the changed accounts' changelog records, once per account however many of
    /// the batch's events changed it, on the other core. A failed commit surfaces at the
    /// next `finishPendingCommit`, and the recovery then drops both batches' state changes.
    private func commitBatch() async throws {
        guard inTransaction, let producer, let consumer else { return }
        var checkpoints: [ProducerMessage] = []
        var offsets: [TopicPartitionOffset] = []
        for partition in touched.sorted() {
            guard let store = stores[partition] else { continue }
            let checkpoint = Changelog.Checkpoint(txn: transactionID, offsets: store.offsets, clock: store.clock)
            checkpoints.append(
                ProducerMessage(
                    topic: changelogTopic, partition: partition, key: Changelog.checkpointKey,
                    value: Changelog.encode(checkpoint), headers: [transactionHeader(partition)]))
            store.lastTransaction = transactionID
            offsets += store.offsets.map { TopicPartitionOffset($0.key, partition, offset: $0.value) }
        }
        let changed = changedAccounts()
        let changelogTopic = self.changelogTopic
        let counts = self.counts
        let started = batchStart
        let checkpointAfterFlush = configuration.abortedRecordsVisible
        let metrics = self.metrics
        // The rest of the batch's records; the previous commit must be done before this
        // batch's transaction begins.
        try await flushOutbox(force: true)
        endTransaction()
        let finished = Flag()
        // Off the actor: the handling of the next batch keeps the actor busy.
        let task = Task.detached {
            defer { finished.value.store(true, ordering: .releasing) }
            try await producer.enqueue(contentsOf: Self.changelogRecords(changed, topic: changelogTopic))
            // The checkpoints go last, once everything else of the transaction is written: on
            // a broker that shows aborted records, a checkpoint is what says a transaction is
            // whole.
            if checkpointAfterFlush { try await producer.flush() }
            try await producer.enqueue(contentsOf: checkpoints)
            try await producer.sendOffsets(offsets, consumer: consumer)
            try await producer.commitTransaction()
            Self.committed(counts, started: started, metrics: metrics)
        }
        pendingCommit = (task, finished)
    }

    /// The changelog records of these accounts: each account's record, or a tombstone when it
    /// has nothing left.
    private static func changelogRecords(_ changed: [ChangedAccounts], topic: String) throws -> [ProducerMessage] {
        var records: [ProducerMessage] = []
        records.reserveCapacity(changed.reduce(0) { $0 + $1.records.count })
        for partition in changed {
            let headers = [partition.header]
            for (accountID, record) in partition.records {
                records.append(
                    ProducerMessage(
                        topic: topic, partition: partition.partition, key: Changelog.accountKey(accountID),
                        value: try record.map { try Changelog.encode($0) }, headers: headers))
            }
        }
        return records
    }

    private static func committed(_ counts: BatchCounts, started: ContinuousClock.Instant, metrics: RuntimeMetrics) {
        metrics.update { v in
            v.transactionsCommitted += 1
            v.eventsIn += counts.eventsIn
            v.eventsOut += counts.eventsOut
            v.duplicates += counts.duplicates
            v.rerouted += counts.rerouted
            for (result, n) in counts.replays { v.replays[result, default: 0] += n }
            v.timersFired += counts.timersFired
            for (code, n) in counts.deadLetters { v.deadLetters[code, default: 0] += n }
            for (result, n) in counts.commandAuth { v.commandAuth[result, default: 0] += n }
        }
        metrics.observeBatch(seconds: (ContinuousClock.now - started) / .seconds(1))
    }

    private func endTransaction() {
        inTransaction = false
        batchEvents = 0
        touched.removeAll(keepingCapacity: true)
        dirty.removeAll(keepingCapacity: true)
        counts = BatchCounts()
    }

    /// Drops the open batch and the previous one if its commit failed or is still running.
    private func abort(_ error: any Error) async throws {
        // A commit still running ends first; its outcome no longer matters.
        if pendingCommit != nil { try? await finishPendingCommit() }
        let hadBatch = inTransaction
        endTransaction()
        outbox.removeAll(keepingCapacity: true)
        guard hadBatch || producerInTransaction, let producer else { return }
        log.warning("aborting the transaction", metadata: ["txn": "\(transactionID)", "error": "\(error)"])
        metrics.update { $0.transactionsAborted += 1 }
        if producerInTransaction {
            producerInTransaction = false
            try await producer.abortTransaction()
        }
    }

    /// After a failed transaction: abort it, drop its state changes by rebuilding the owned
    /// partitions from the changelog, and read the inputs again from the restored positions.
    private func recover(from error: KafkaError) async throws {
        try await abort(error)
        guard let consumer else { return }
        let owned = stores.keys.sorted()
        guard !owned.isEmpty else { return }
        try await restore(owned)
        var positions: [TopicPartitionOffset] = []
        for partition in owned {
            for topic in consumedTopics {
                positions.append(
                    TopicPartitionOffset(
                        topic, partition, offset: stores[partition]?.offsets[topic] ?? TopicPartitionOffset.beginning))
            }
        }
        try await consumer.seek(positions)
    }

    private func restore(_ partitions: [Int32]) async throws {
        status.restoring.store(true, ordering: .relaxed)
        defer { status.restoring.store(false, ordering: .relaxed) }
        let started = ContinuousClock.now
        let (restored, records) = try await Restore.partitions(
            partitions, topic: changelogTopic, kafka: kafka,
            abortedRecordsVisible: configuration.abortedRecordsVisible, as: W.State.self, log: log)
        for (partition, store) in restored { stores[partition] = store }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        metrics.update { $0.restoredRecords += records }
        lastRestore = (records, seconds)
        updateGauges()
        log.info(
            "restored",
            metadata: [
                "partitions": "\(partitions.map(String.init).joined(separator: ","))", "records": "\(records)",
                "accounts": "\(restored.values.reduce(0) { $0 + $1.accounts.count })",
                "seconds": .string(String(format: "%.3f", seconds)),
            ])
    }

    // MARK: Rebalancing

    private func rebalance(_ event: RebalanceEvent) async {
        do {
            switch event {
            case .revoked(let partitions, let lost):
                status.assigned.store(false, ordering: .relaxed)
                // Everything handled so far is committed (or, partitions lost, dropped) before
                // the partitions go: their next owner restores from the changelog.
                if lost {
                    try await abort(KafkaError.configuration("partitions lost"))
                } else {
                    do {
                        if inTransaction { try await commitBatch() }
                        try await finishPendingCommit()
                    } catch { try await abort(error) }
                }
                for partition in Set(partitions.map(\.partition)) { stores[partition] = nil }
                for tp in partitions { waitingForClock[tp] = nil }
                updateGauges()
                log.info(
                    "revoked",
                    metadata: [
                        "partitions": "\(partitions.map(\.description).joined(separator: ","))", "lost": "\(lost)",
                    ])
            case .assigned(let partitions):
                let ids = Set(partitions.map(\.partition)).sorted()
                try await restore(ids)
                let starts = partitions.compactMap { tp in
                    stores[tp.partition]?.offsets[tp.topic].map { TopicPartitionOffset(tp, offset: $0) }
                }
                try await consumer?.startAssignedPartitions(at: starts)
                status.assigned.store(true, ordering: .relaxed)
            }
        } catch {
            log.error("rebalance failed", metadata: ["error": "\(error)"])
            failure = error
        }
    }

    private func updateGauges() {
        lastLagUpdate = .now
        var lag: [String: Int64] = [:]
        if let consumer {
            for (partition, store) in stores {
                for topic in consumedTopics {
                    let tp = TopicPartition(topic, partition)
                    if let high = try? consumer.cachedHighWatermark(tp) {
                        lag[tp.description] = max(0, high - store.offsets[topic, default: 0])
                    }
                }
            }
        }
        let accounts = stores.values.reduce(0) { $0 + $1.accounts.count }
        let timers = stores.values.reduce(0) { $0 + $1.pendingTimers }
        let partitions = stores.count
        // The clock comes back with the state: a restarted instance shows how far it had come.
        let clock = minimumClock ?? 0
        metrics.update { v in
            v.lag = lag
            v.clock = clock
            v.accounts = accounts
            v.timersPending = timers
            v.assignedPartitions = partitions
        }
    }

    // MARK: Inspection (tests, benchmarks)

    /// The state of an account owned by this instance.
    public func state(of accountID: String) throws -> W.State? {
        for store in stores.values {
            if let record = store.accounts[accountID] { return try decodeState(record.slot) }
        }
        return nil
    }

    public func timers(of accountID: String) -> [TimerEntry] {
        stores.values.compactMap { $0.accounts[accountID]?.timers }.first ?? []
    }

    public var ownedPartitions: [Int32] { stores.keys.sorted() }

    /// The earliest clock (milliseconds) among the owned partitions, nil before every one has
    /// a tick: how far in time this instance has come.
    public var minimumClock: Int64? {
        let clocks = stores.values.map(\.clock)
        return clocks.isEmpty || clocks.contains(0) ? nil : clocks.min()
    }
    /// The latest restore: changelog records read and how long it took.
    public private(set) var lastRestore: (records: Int, seconds: Double) = (0, 0)
    public var accountCount: Int { stores.values.reduce(0) { $0 + $1.accounts.count } }
}

extension Worker {
    /// Topics the worker writes (besides its changelog and the dead-letter topic), fetched
    /// at start so that the first output is not held by a metadata lookup.
    public var outputTopics: [String] { [] }
}

/// A clock record: `{"now": "2026-11-21T10:00:00Z"}` on every partition of the clock topic.
public enum ClockTick {
    public static func record(_ date: Date) -> [UInt8] {
        JSONValue.object(["type": .string("clock.tick"), "now": .string(Timestamp.format(date))]).jsonBytes
    }

    /// Milliseconds since 1970, or nil when the record is not a tick.
    public static func read(_ bytes: ArraySlice<UInt8>) -> Int64? {
        guard let json = try? JSONReader.read(Array(bytes)), let text = json["now"]?.stringValue,
            let date = EventValidator.parseUTCTimestamp(text)
        else { return nil }
        return Timestamp.milliseconds(date)
    }
}
