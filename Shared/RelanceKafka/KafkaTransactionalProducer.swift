import CRdKafka

/// Transactional producer settings.
public struct TransactionalProducerConfiguration: Sendable {
    public var producer: ProducerConfiguration
    /// `transactional.id`: stable per worker instance (or per input partition). A new
    /// producer with the same id fences the previous one.
    public var transactionalID: String
    /// `transaction.timeout.ms`: the broker aborts a transaction left open longer.
    /// Default 60 000 ms (librdkafka's).
    public var transactionTimeoutMilliseconds: Int = 60_000

    public init(producer: ProducerConfiguration, transactionalID: String) {
        self.producer = producer
        self.transactionalID = transactionalID
    }
    public init(bootstrapServers: String, transactionalID: String) {
        self.init(
            producer: ProducerConfiguration(bootstrapServers: bootstrapServers),
            transactionalID: transactionalID)
    }

    func librdkafkaProperties() -> [(String, String)] {
        producer.librdkafkaProperties() + [
            ("transactional.id", transactionalID),
            ("transaction.timeout.ms", String(transactionTimeoutMilliseconds)),
            // librdkafka requires a record's delivery timeout within the transaction's.
            ("message.timeout.ms", String(min(producer.messageTimeoutMilliseconds, transactionTimeoutMilliseconds))),
        ]
    }
}

/// A producer whose records, and the consumer offsets sent with them, become visible
/// together at commit or not at all (KIP-98, KIP-447).
///
/// Errors carry librdkafka's classification: `retriable` (call the same method again),
/// `abortRequired` (call `abortTransaction`, rewind the consumer to its committed offsets,
/// start again) and `fatal` (fenced by a newer instance or an unrecoverable idempotence
/// error: close this producer and create a new one).
public final class KafkaTransactionalProducer: Sendable {
    let core: ProducerCore

    public init(configuration: TransactionalProducerConfiguration) throws(KafkaError) {
        core = try ProducerCore(
            properties: configuration.librdkafkaProperties(),
            extra: configuration.producer.kafka.properties, threadName: "kafka-txn-producer",
            logger: configuration.producer.kafka.logger)
    }

    deinit { core.shutdown() }

    /// Registers the transactional id with the coordinator and fences older producers with
    /// the same id. Call once, before the first transaction.
    public func initTransactions(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        let handle = core.handle
        try await handle.failingFast("init_transactions") { () throws(KafkaError) in
            try await handle.blocking("init_transactions") { rk throws(KafkaError) in
                if let error = KafkaError.consume(
                    rd_kafka_init_transactions(rk, timeout.milliseconds), operation: "init_transactions")
                {
                    throw error
                }
            }
        }
    }

    public func beginTransaction() throws(KafkaError) {
        try core.handle.withClient("begin_transaction") { rk throws(KafkaError) in
            if let error = KafkaError.consume(
                rd_kafka_begin_transaction(rk), operation: "begin_transaction")
            {
                throw error
            }
        }
    }

    @discardableResult
    public func send(_ message: ProducerMessage) async throws(KafkaError) -> DeliveryReport {
        try await core.send(message)
    }

    public func enqueue(_ message: ProducerMessage) async throws(KafkaError) {
        try await core.enqueue(message)
    }

    /// Adds records to the transaction in order; for a batch, cheaper than one call per record.
    public func enqueue(contentsOf messages: [ProducerMessage]) async throws(KafkaError) {
        try await core.enqueue(contentsOf: messages)
    }

    /// Adds the consumer's positions (next offsets to read) to the transaction, with the
    /// consumer's group identity so that a zombie member's commit is refused.
    public func sendOffsets(
        _ offsets: [TopicPartitionOffset], consumer: KafkaConsumer, timeout: Duration = .seconds(30)
    ) async throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let metadata = try consumer.groupMetadata()
        try await core.handle.blocking("send_offsets_to_transaction") { rk throws(KafkaError) in
            try withPartitionList(offsets) { (list) throws(KafkaError) in
                try withExtendedLifetime(metadata) { () throws(KafkaError) in
                    if let error = KafkaError.consume(
                        rd_kafka_send_offsets_to_transaction(rk, list, metadata.pointer, timeout.milliseconds),
                        operation: "send_offsets_to_transaction")
                    {
                        throw error
                    }
                }
            }
        }
    }

    /// Waits until every record enqueued so far in the transaction is delivered (written to
    /// its partition, still uncommitted). Throws the first failure.
    public func flush(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        try await core.flush(timeout: timeout)
    }

    /// Delivers every record of the transaction and commits it.
    public func commitTransaction(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        try await core.handle.blocking("commit_transaction") { rk throws(KafkaError) in
            if let error = KafkaError.consume(
                rd_kafka_commit_transaction(rk, timeout.milliseconds), operation: "commit_transaction")
            {
                throw error
            }
        }
        _ = core.tracker.takeFailures()  // already part of the commit's outcome
    }

    /// Drops every record of the transaction; consumers in `read_committed` never see them.
    public func abortTransaction(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        try await core.handle.blocking("abort_transaction") { rk throws(KafkaError) in
            if let error = KafkaError.consume(
                rd_kafka_abort_transaction(rk, timeout.milliseconds), operation: "abort_transaction")
            {
                throw error
            }
        }
        _ = core.tracker.takeFailures()  // the purged records of the aborted transaction
    }

    /// Fetches these topics' metadata now; see `KafkaProducer.prepare(topics:timeout:)`.
    public func prepare(topics: [String], timeout: Duration = .seconds(10)) async throws(KafkaError) {
        try await core.prepare(topics: topics, timeout: timeout)
    }

    /// Records delivered (acknowledged) since the producer started.
    public var deliveredCount: Int { core.tracker.deliveredCount }

    /// Destroys the client; an open transaction is aborted by the broker.
    public func close() async {
        core.shutdown()
    }
}
