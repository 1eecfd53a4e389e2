import Foundation
import Logging
import Metrics
import RelanceDomain
import RelanceEvents
import RelanceKafka
import ServiceLifecycle
import Synchronization

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

    /// The checks before any handling (`EventAdmission`, pure: the test kit makes the same).
    let admission: EventAdmission<W>
    /// One event or timer applied to one account (`AccountStep`, pure: the test kit's too).
    let step: AccountStep<W>
    /// This worker's consumer group, named once (replays and rerouted copies are addressed by it).
    let group: String
    let changelogTopic: String
    let generation = String(UInt32.random(in: 0...UInt32.max), radix: 36)

    var consumer: KafkaConsumer?
    var producer: KafkaTransactionalProducer?
    var stores: [Int32: PartitionStore<W.State>] = [:]
    var stopRequested = false
    /// Input partitions paused until their partition of the clock topic gives a time.
    var clockWait = ClockWait()
    var failure: (any Error)?
    /// The partition count every consumed topic shares (`checkTopics`): a record whose key
    /// belongs to another partition is sent there.
    var partitionCount: Int32 = 0
    /// The replay-outcome topic exists: replayed dead letters' outcomes are written to it.
    var reportsReplays = false

    /// The records handled since the last commit started. Its Kafka transaction begins once
    /// the previous batch's commit is done (see `flushOutbox`).
    var openBatch = OpenBatch()
    /// The open batch's records, transaction headers and counts.
    var collector: RecordCollector
    /// The producer has a transaction begun and not yet committed or aborted.
    var producerInTransaction = false
    /// The previous batch's commit, running off the actor while the next batch is handled.
    var pendingCommit: (task: Task<Void, any Error>, finished: Flag)?

    final class Flag: Sendable {
        let value = Atomic(false)
        var isSet: Bool { value.load(ordering: .acquiring) }
    }

    var pendingCommitDone: Bool { pendingCommit?.finished.isSet ?? false }
    var lastLagUpdate = ContinuousClock.now

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
        self.admission = EventAdmission(
            worker: worker, maximumEventBytes: configuration.maximumEventBytes, gate: configuration.commandGate)
        self.step = AccountStep(worker: worker)
        self.collector = RecordCollector(deadLetterTopic: configuration.deadLetterTopic, worker: worker.name)
        self.changelogTopic = configuration.changelog(for: worker.name)
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
    var startUp: CheckedContinuation<Bool, Never>?

    /// The Kafka settings of this runtime's clients: the configuration's, logging here.
    var kafka: KafkaConfiguration {
        var kafka = configuration.kafka
        kafka.logger = log
        return kafka
    }

    var consumedTopics: [String] {
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

    func runUntilStopped() async throws {
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

    func closeClients() async {
        try? await consumer?.close()
        await producer?.close()
    }

    func startUpEnded(_ ok: Bool) {
        startUp?.resume(returning: ok)
        startUp = nil
    }

    func start() async throws {
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

    func loop() async throws {
        guard let consumer, let producer else { return }
        defer { status.stopping.store(true, ordering: .relaxed) }
        while !stopRequested && !Task.isCancelled {
            status.heartbeat.store(RuntimeStatus.nowMilliseconds(), ordering: .relaxed)
            if let failure { throw failure }
            do {
                if pendingCommitDone { try await finishPendingCommit() }
                let limit = Duration.milliseconds(configuration.batchMaxMilliseconds)
                let wait =
                    openBatch.isOpen ? max(.zero, limit - (ContinuousClock.now - openBatch.start)) : .milliseconds(100)
                let batch = try await consumer.poll(
                    maxMessages: max(1, configuration.batchMaxEvents - openBatch.events), timeout: wait)
                // Cancelled while waiting (the shutdown deadline passed): nothing more is handled
                // or committed.
                if Task.isCancelled { break }
                if !batch.isEmpty { try await process(batch) }
                if configuration.wallClock { try await advanceWallClock() }
                if openBatch.isOpen,
                    openBatch.events >= configuration.batchMaxEvents || ContinuousClock.now - openBatch.start >= limit
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
                if openBatch.isOpen { try await commitBatch() }
                try await finishPendingCommit()
            } catch {
                try await abort(error)
            }
        }
        try await consumer.close()
        await producer.close()
        log.info("stopped")
    }

    // MARK: Inspection (tests, benchmarks)

    /// The state of an account owned by this instance.
    public func state(of accountID: String) throws -> W.State? {
        for store in stores.values {
            if let record = store.accounts[accountID] { return try record.slot.state() }
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
    public internal(set) var lastRestore: (records: Int, seconds: Double) = (0, 0)
    public var accountCount: Int { stores.values.reduce(0) { $0 + $1.accounts.count } }
}

extension Worker {
    /// Topics the worker writes (besides its changelog and the dead-letter topic), fetched
    /// at start so that the first output is not held by a metadata lookup.
    public var outputTopics: [String] { [] }
}
