import CRdKafka
import Logging
import Synchronization

/// Producer settings. Defaults are chosen for Relance's outputs: idempotent, `acks=all`.
public struct ProducerConfiguration: Sendable {
    public var kafka: KafkaConfiguration
    /// `enable.idempotence`. Default `true`: no duplicates or reordering on retries.
    public var idempotent: Bool = true
    /// `linger.ms`: how long to wait to fill a batch. Default 5 ms (librdkafka's).
    public var lingerMilliseconds: Double = 5
    /// `message.timeout.ms`: how long a record may wait for delivery before it fails.
    /// Default 300 000 ms (librdkafka's).
    public var messageTimeoutMilliseconds: Int = 300_000
    /// `compression.codec`: `none`, `gzip`, `snappy`, `lz4`, `zstd`. Default `none`.
    public var compression: String = "none"
    /// `queue.buffering.max.messages`: records waiting for delivery before a send waits.
    /// Default 100 000 (librdkafka's).
    public var maxQueuedMessages: Int = 100_000

    public init(kafka: KafkaConfiguration) { self.kafka = kafka }
    public init(bootstrapServers: String) {
        self.kafka = KafkaConfiguration(bootstrapServers: bootstrapServers)
    }

    func librdkafkaProperties() -> [(String, String)] {
        kafka.librdkafkaProperties() + [
            ("enable.idempotence", idempotent ? "true" : "false"),
            ("linger.ms", String(lingerMilliseconds)),
            ("message.timeout.ms", String(messageTimeoutMilliseconds)),
            ("compression.codec", compression),
            ("queue.buffering.max.messages", String(maxQueuedMessages)),
            // The Java client's partitioner: a key lands where Java producers put it.
            ("partitioner", "murmur2_random"),
        ]
    }
}

/// A Kafka producer.
///
/// `send(_:)` resolves when the broker acknowledged the record (its delivery report).
/// `enqueue(_:)` returns as soon as librdkafka holds the record, for throughput; failures of
/// enqueued records are counted and thrown by the next `flush(timeout:)`. Both wait (without
/// blocking a thread) when librdkafka's queue is full.
///
/// The producer's delivery reports are served on its own thread. Call `close(timeout:)` to
/// deliver what is queued; dropping the last reference purges undelivered records.
public final class KafkaProducer: Sendable {
    let core: ProducerCore

    public init(configuration: ProducerConfiguration) throws(KafkaError) {
        core = try ProducerCore(
            properties: configuration.librdkafkaProperties(), extra: configuration.kafka.properties,
            threadName: "kafka-producer", logger: configuration.kafka.logger)
    }

    deinit { core.shutdown() }

    /// Sends one record and waits for the broker's acknowledgement.
    @discardableResult
    public func send(_ message: ProducerMessage) async throws(KafkaError) -> DeliveryReport {
        try await core.send(message)
    }

    /// Hands one record to librdkafka and returns; see `flush(timeout:)` for its outcome.
    public func enqueue(_ message: ProducerMessage) async throws(KafkaError) {
        try await core.enqueue(message)
    }

    /// Hands records to librdkafka in order; for a batch, cheaper than one call per record.
    public func enqueue(contentsOf messages: [ProducerMessage]) async throws(KafkaError) {
        try await core.enqueue(contentsOf: messages)
    }

    /// Waits until every queued record is delivered or failed. Throws the first failure of
    /// a record given to `enqueue(_:)` since the last flush, with the count of failures.
    public func flush(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        try await core.flush(timeout: timeout)
    }

    /// Records delivered (acknowledged) since the producer started.
    public var deliveredCount: Int { core.tracker.deliveredCount }

    /// Fetches these topics' metadata now. Call it at start-up with the topics you will
    /// write: otherwise the first record to each waits for librdkafka's next periodic metadata
    /// scan (up to a second). Throws when a topic does not exist (and is not auto-created).
    public func prepare(topics: [String], timeout: Duration = .seconds(10)) async throws(KafkaError) {
        try await core.prepare(topics: topics, timeout: timeout)
    }

    /// Fails unless a broker answers within `timeout`; lists the cluster's topics.
    public func checkConnection(timeout: Duration = .seconds(10)) async throws(KafkaError)
        -> [TopicMetadata]
    {
        try await core.handle.topics(timeout: timeout, operation: "check_connection")
    }

    /// Delivers what is queued (up to `timeout`), then destroys the client.
    public func close(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        let undelivered = try await core.deliverQueued(timeout: timeout, operation: "close")
        core.shutdown()
        if let undelivered {
            // What was still waiting is gone now.
            throw KafkaError(
                operation: "close", code: undelivered.code, message: undelivered.message + "; purged",
                classification: undelivered.classification)
        }
    }
}

/// The machinery shared by `KafkaProducer` and `KafkaTransactionalProducer`.
final class ProducerCore: Sendable {
    let handle: ClientHandle
    let tracker: DeliveryTracker
    private let waker: QueueWaker

    init(properties: [(String, String)], extra: [String: String], threadName: String, logger: Logger)
        throws(KafkaError)
    {
        let conf = try NativeConfiguration(properties, extra: extra)
        let tracker = DeliveryTracker()
        rd_kafka_conf_set_dr_msg_cb(conf.pointer, deliveryReportCallback)
        rd_kafka_conf_set_opaque(conf.pointer, Unmanaged.passUnretained(tracker).toOpaque())
        let rk = try conf.makeClient(RD_KAFKA_PRODUCER, logger: logger)
        // Delivery reports arrive on the main queue, which rd_kafka_poll serves.
        let waker = QueueWaker(queue: rd_kafka_queue_get_main(rk))
        let thread = ClientThread(name: threadName, idle: { waker.whileBlocked { _ = rd_kafka_poll(rk, 100) } })
        self.tracker = tracker
        self.waker = waker
        self.handle = ClientHandle(rk: rk, thread: thread)
        thread.start(wake: { waker.wake() })
    }

    /// Purges what is undelivered (failing it) and destroys the client. Idempotent.
    func shutdown() {
        let tracker = self.tracker
        let waker = self.waker
        handle.shutdown(
            beforeDestroy: { rk in
                waker.destroy()
                // Fail what is left so that no awaiting send is left hanging.
                _ = rd_kafka_purge(rk, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
                _ = rd_kafka_flush(rk, 5000)
            },
            afterDestroy: { withExtendedLifetime(tracker) {} })
    }

    func send(_ message: ProducerMessage) async throws(KafkaError) -> DeliveryReport {
        while true {
            let generation = tracker.generation
            let promise = DeliveryPromise()
            let opaque = Unmanaged.passRetained(promise).toOpaque()
            let err = try produce(message, opaque: opaque)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                // Not raced against TLS or login failures (unlike flush): the record stays
                // queued and may still be delivered, so reporting it failed could make a caller
                // do its work again (reminder-mailer's email log). It waits for its report.
                return try await promise.value
            }
            Unmanaged<DeliveryPromise>.fromOpaque(opaque).release()
            if err == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                await tracker.waitForDelivery(after: generation)
                continue
            }
            throw KafkaError(operation: "produce", err: err, rk: handle.rk)
        }
    }

    /// Hands every record to librdkafka, in order; one call for the batch.
    func enqueue(contentsOf messages: [ProducerMessage]) async throws(KafkaError) {
        // A call within this nonisolated type: no executor hop, no suspension unless the
        // queue is full.
        for message in messages { try await enqueue(message) }
    }

    @inline(__always)
    func enqueue(_ message: ProducerMessage) async throws(KafkaError) {
        while true {
            let generation = tracker.generation
            let err = try produce(message, opaque: nil)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR { return }
            if err == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                await tracker.waitForDelivery(after: generation)
                continue
            }
            throw KafkaError(operation: "produce", err: err, rk: handle.rk)
        }
    }

    /// Makes the topics' handles and fetches their metadata now, so that the first record of
    /// each is not held until librdkafka's next periodic metadata scan (up to a second).
    func prepare(topics: [String], timeout: Duration) async throws(KafkaError) {
        try await handle.failingFast("prepare") { [handle] () throws(KafkaError) in
            try await Self.prepare(topics: topics, timeout: timeout, handle: handle)
        }
    }

    private static func prepare(topics: [String], timeout: Duration, handle: ClientHandle) async throws(KafkaError) {
        try await handle.blocking("prepare") { [handle] rk throws(KafkaError) in
            for topic in topics {
                // Only this thread destroys topic handles, so the handle stays valid here.
                let rkt = try handle.withTopic("prepare", topic) { _, rkt in rkt }
                var metadata: UnsafePointer<rd_kafka_metadata>?
                try check(rd_kafka_metadata(rk, 0, rkt, &metadata, timeout.milliseconds), "prepare")
                defer { if let metadata { rd_kafka_metadata_destroy(metadata) } }
                if let described = metadata?.pointee.topics?.pointee, described.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    let error = KafkaError(operation: "prepare", err: described.err)
                    throw KafkaError(
                        operation: "prepare", code: error.code, message: "topic \(topic): \(error.message)",
                        classification: error.classification)
                }
            }
        }
    }

    func flush(timeout: Duration) async throws(KafkaError) {
        let undelivered = try await handle.failingFast("flush") { [self] () throws(KafkaError) in
            try await deliverQueued(timeout: timeout, operation: "flush")
        }
        if let failure = tracker.takeFailures() { throw failure }
        if let undelivered { throw undelivered }
    }

    /// Waits up to `timeout` for every queued record to be delivered or failed; returns the
    /// error to report when some are still waiting.
    func deliverQueued(timeout: Duration, operation: String) async throws(KafkaError) -> KafkaError? {
        let left = try await handle.blocking(operation) { rk in
            _ = rd_kafka_flush(rk, timeout.milliseconds)
            return rd_kafka_outq_len(rk)
        }
        guard left > 0 else { return nil }
        return KafkaError(
            operation: operation, code: .timedOut, message: "\(left) record(s) still undelivered after \(timeout)",
            classification: .retriable)
    }

    /// One `rd_kafka_produceva` call. librdkafka copies key, value and headers.
    @inline(__always)
    private func produce(_ message: ProducerMessage, opaque: UnsafeMutableRawPointer?)
        throws(KafkaError)
        -> rd_kafka_resp_err_t
    {
        try handle.withTopic("produce", message.topic) { rk, rkt in
            withOptionalBytes(message.key) { key in
                withOptionalBytes(message.value) { value in
                    withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 7) { vus in
                        var n = 0
                        func add(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                            var vu = rd_kafka_vu_t()
                            vu.vtype = type
                            fill(&vu)
                            vus.initializeElement(at: n, to: vu)
                            n += 1
                        }
                        add(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = rd_kafka_topic_name(rkt) }
                        add(RD_KAFKA_VTYPE_PARTITION) {
                            $0.u.i32 = message.partition ?? RD_KAFKA_PARTITION_UA
                        }
                        add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                        if let value {
                            add(RD_KAFKA_VTYPE_VALUE) {
                                $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                                $0.u.mem.size = value.count
                            }
                        }
                        if let key {
                            add(RD_KAFKA_VTYPE_KEY) {
                                $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                                $0.u.mem.size = key.count
                            }
                        }
                        if let opaque { add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque } }
                        var headers: OpaquePointer?
                        if !message.headers.isEmpty {
                            let list = rd_kafka_headers_new(message.headers.count)!
                            for header in message.headers {
                                withOptionalBytes(header.value?[...]) { bytes in
                                    _ = rd_kafka_header_add(
                                        list, header.key, -1, bytes?.baseAddress, bytes?.count ?? 0)
                                }
                            }
                            headers = list
                            add(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = list }
                        }
                        defer { vus.baseAddress!.deinitialize(count: n) }
                        guard let error = rd_kafka_produceva(rk, vus.baseAddress, n) else {
                            return RD_KAFKA_RESP_ERR_NO_ERROR
                        }
                        // On failure the headers stay ours.
                        if let headers { rd_kafka_headers_destroy(headers) }
                        let code = rd_kafka_error_code(error)
                        rd_kafka_error_destroy(error)
                        return code
                    }
                }
            }
        }
    }
}

@inline(__always)
private func withOptionalBytes<R>(_ bytes: ArraySlice<UInt8>?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}

/// Counts delivery reports and wakes senders waiting for room in librdkafka's queue.
final class DeliveryTracker: Sendable {
    private struct State {
        var waiters: [CheckedContinuation<Void, Never>] = []
        var failureCount = 0
        var firstFailure: KafkaError?
    }
    private let state = Mutex(State())
    private let generationCounter = Atomic<UInt64>(0)
    private let delivered = Atomic<Int>(0)

    var generation: UInt64 { generationCounter.load(ordering: .acquiring) }
    var deliveredCount: Int { delivered.load(ordering: .relaxed) }

    /// Called on the producer thread for every delivery report.
    func report(_ message: UnsafePointer<rd_kafka_message_t>) {
        let m = message.pointee
        if let opaque = m._private {
            let promise = Unmanaged<DeliveryPromise>.fromOpaque(opaque).takeRetainedValue()
            if m.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                promise.fulfil(
                    .success(
                        DeliveryReport(
                            topic: String(cString: rd_kafka_topic_name(m.rkt)), partition: m.partition,
                            offset: m.offset)))
            } else {
                promise.fulfil(.failure(KafkaError(operation: "delivery", err: m.err)))
            }
        } else if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let error = KafkaError(operation: "delivery", err: m.err)
            state.withLock {
                $0.failureCount += 1
                if $0.firstFailure == nil { $0.firstFailure = error }
            }
        }
        if m.err == RD_KAFKA_RESP_ERR_NO_ERROR { delivered.add(1, ordering: .relaxed) }
        generationCounter.add(1, ordering: .releasing)
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.waiters.isEmpty else { return [] }
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once a delivery report was served after `generation` was read.
    func waitForDelivery(after generation: UInt64) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if self.generation != generation { return true }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// The failures of enqueued records since the last call, as one error.
    func takeFailures() -> KafkaError? {
        state.withLock { state -> KafkaError? in
            defer {
                state.failureCount = 0
                state.firstFailure = nil
            }
            guard let first = state.firstFailure else { return nil }
            return KafkaError(
                operation: "delivery", code: first.code,
                message: "\(state.failureCount) record(s) failed; first: \(first.message)",
                classification: first.classification)
        }
    }
}

/// The outcome of one `send`, filled by the delivery report.
final class DeliveryPromise: Sendable {
    private let state = Mutex<
        (
            Result<DeliveryReport, KafkaError>?,
            CheckedContinuation<Result<DeliveryReport, KafkaError>, Never>?
        )
    >((nil, nil))

    func fulfil(_ result: Result<DeliveryReport, KafkaError>) {
        let waiter = state.withLock {
            state -> CheckedContinuation<Result<DeliveryReport, KafkaError>, Never>? in
            state.0 = result
            defer { state.1 = nil }
            return state.1
        }
        waiter?.resume(returning: result)
    }

    var value: DeliveryReport {
        get async throws(KafkaError) {
            let result = await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Result<DeliveryReport, KafkaError>? in
                    if let result = state.0 { return result }
                    state.1 = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
            return try result.get()
        }
    }
}

private let deliveryReportCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) ->
        Void = {
            _, message, opaque in
            guard let message, let opaque else { return }
            Unmanaged<DeliveryTracker>.fromOpaque(opaque).takeUnretainedValue().report(message)
        }
