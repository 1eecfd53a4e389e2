import Foundation
import Logging
import RelanceDomain
import RelanceEvents
import RelanceKafka
import Synchronization

// The batch and its pipelined commit: one Kafka transaction per batch, begun once the
// previous batch's commit is done, committed in the background while the next batch is
// handled (docs/runtime.md, "One transaction per batch").

extension WorkerRuntime {
    /// Opens a batch (its Kafka transaction begins with its first record handed over).
    func beginIfNeeded() {
        guard !openBatch.isOpen else { return }
        openBatch.begin()
        collector.begin(transactionID: "\(configuration.instanceID)-\(generation)-\(openBatch.sequence)")
    }

    func process(_ batch: [KafkaMessage]) async throws {
        try await processRecords(batch)
        try await flushOutbox()
    }

    /// The accounts the open batch changed, as they are now (copies: the next batch may
    /// change them again while these are encoded and written).
    func changedAccounts() -> [ChangedAccounts] {
        openBatch.dirty.compactMap { partition, accounts in
            guard let store = stores[partition] else { return nil }
            return ChangedAccounts(
                partition: partition, header: transactionHeader(partition),
                records: accounts.map { ($0, store.accounts[$0]) })
        }
    }

    /// Hands the open batch's records — its outputs and dead letters so far — to the
    /// producer, beginning its transaction, unless the previous batch's commit is still
    /// running: then they wait in the outbox (`force` waits for that commit instead).
    func flushOutbox(force: Bool = false) async throws {
        guard let producer, !collector.outbox.isEmpty || force else { return }
        if pendingCommit != nil {
            guard pendingCommitDone || force else { return }
            try await finishPendingCommit()
        }
        if !producerInTransaction {
            try producer.beginTransaction()
            producerInTransaction = true
        }
        guard !collector.outbox.isEmpty else { return }
        try await producer.enqueue(contentsOf: collector.take())
    }

    /// Waits for the previous batch's commit; throws its error.
    func finishPendingCommit() async throws {
        guard let commit = pendingCommit else { return }
        pendingCommit = nil
        try await commit.task.value
        producerInTransaction = false
    }

    func transactionHeader(_ partition: Int32) -> KafkaHeader {
        collector.transactionHeader(partition)
    }

    func publish(_ outputs: [OutputRecord], partition: Int32) async throws {
        collector.publish(outputs, partition: partition)
    }

    func deadLetter(_ message: KafkaMessage, code: String, reason: String) async throws {
        try await deadLetter(HeldInput(message), .init(code: code, message: reason), partition: message.partition)
    }

    /// Inputs a handler held and gave up on (`WorkerContext.deadLetter`), as `AccountStep`
    /// leaves them.
    func deadLetter(_ held: [(input: HeldInput, reason: DeadLetter.Reason)], partition: Int32) async throws {
        for (input, reason) in held {
            try await deadLetter(input, reason, partition: partition)
        }
    }

    /// The record as read (card numbers masked), why, and where it came from, in the open
    /// transaction.
    func deadLetter(_ input: HeldInput, _ reason: DeadLetter.Reason, partition: Int32) async throws {
        let letter = try collector.deadLetter(input, reason, partition: partition)
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
    func commitBatch() async throws {
        guard openBatch.isOpen, let producer, let consumer else { return }
        var checkpoints: [ProducerMessage] = []
        var offsets: [TopicPartitionOffset] = []
        for partition in openBatch.touched.sorted() {
            guard let store = stores[partition] else { continue }
            let checkpoint = Changelog.Checkpoint(
                txn: collector.transactionID, offsets: store.offsets, clock: store.clock)
            checkpoints.append(
                ProducerMessage(
                    topic: changelogTopic, partition: partition, key: Changelog.checkpointKey,
                    value: Changelog.encode(checkpoint), headers: [transactionHeader(partition)]))
            store.lastTransaction = collector.transactionID
            offsets += store.offsets.map { TopicPartitionOffset($0.key, partition, offset: $0.value) }
        }
        let changed = changedAccounts()
        let changelogTopic = self.changelogTopic
        let counts = collector.counts
        let started = openBatch.start
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
    static func changelogRecords(_ changed: [ChangedAccounts], topic: String) throws -> [ProducerMessage] {
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

    static func committed(_ counts: RecordCollector.Counts, started: ContinuousClock.Instant, metrics: RuntimeMetrics) {
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

    func endTransaction() {
        openBatch.end()
        collector.counts = RecordCollector.Counts()
    }

    /// Drops the open batch and the previous one if its commit failed or is still running.
    func abort(_ error: any Error) async throws {
        // A commit still running ends first; its outcome no longer matters.
        if pendingCommit != nil { try? await finishPendingCommit() }
        let hadBatch = openBatch.isOpen
        endTransaction()
        collector.discard()
        guard hadBatch || producerInTransaction, let producer else { return }
        log.warning("aborting the transaction", metadata: ["txn": "\(collector.transactionID)", "error": "\(error)"])
        metrics.update { $0.transactionsAborted += 1 }
        if producerInTransaction {
            producerInTransaction = false
            try await producer.abortTransaction()
        }
    }
}

/// The open batch: the records handled since the last commit started.
struct OpenBatch {
    /// Records were handled since the last commit started; its transaction is not committed.
    private(set) var isOpen = false
    /// Batches begun by this runtime: numbers their transactions.
    private(set) var sequence = 0
    /// Records handled in it, clock ticks included.
    var events = 0
    private(set) var start = ContinuousClock.now
    /// Partitions whose input positions it moved: their checkpoints are written with it.
    var touched: Set<Int32> = []
    /// The accounts it changed, per partition: their changelog records are written with it.
    var dirty: [Int32: Set<String>] = [:]

    mutating func begin() {
        sequence += 1
        start = .now
        isOpen = true
    }

    /// Ends it: the next record handled begins another.
    mutating func end() {
        isOpen = false
        events = 0
        touched.removeAll(keepingCapacity: true)
        dirty.removeAll(keepingCapacity: true)
    }
}
