import CRdKafka
import Synchronization

/// Consumer settings. Defaults are chosen for Relance's workers: manual commits,
/// `read_committed`, start from the earliest record of a new group.
public struct ConsumerConfiguration: Sendable {
    public enum OffsetReset: String, Sendable { case earliest, latest, error }
    public enum IsolationLevel: String, Sendable {
        case readCommitted = "read_committed"
        case readUncommitted = "read_uncommitted"
    }

    public var kafka: KafkaConfiguration
    /// `group.id`. Required for `subscribe`; a consumer used only with `assign` may leave it
    /// nil (it then gets a private group id and must not commit).
    public var groupID: String?
    /// `auto.offset.reset`: where a partition without a committed offset starts.
    /// Default `earliest`.
    public var offsetReset: OffsetReset = .earliest
    /// `isolation.level`. Default `read_committed`: records of aborted or open transactions
    /// are never returned.
    public var isolationLevel: IsolationLevel = .readCommitted
    /// `enable.auto.commit`. Default `false`: offsets are committed by `commit`, or sent to
    /// a transaction.
    public var autoCommit: Bool = false
    /// `session.timeout.ms`. Default 45 000 ms (librdkafka's).
    public var sessionTimeoutMilliseconds: Int = 45_000
    /// `max.poll.interval.ms`: the longest time between polls before the consumer leaves
    /// the group. Default 300 000 ms (librdkafka's).
    public var maxPollIntervalMilliseconds: Int = 300_000
    /// `partition.assignment.strategy`. Default `range,roundrobin` (eager): see
    /// `RebalanceEvent` for why Relance rebalances eagerly.
    public var assignmentStrategy: String = "range,roundrobin"
    /// `enable.partition.eof`. Default `false`. When true, `poll` notes every time the
    /// consumer reaches the end of a partition (its high watermark, or its last stable
    /// offset in `read_committed`), after every record before that end was returned:
    /// `endReached(_:)` says where. For reading a topic up to its end.
    public var reportEndOfPartition: Bool = false

    public init(kafka: KafkaConfiguration, groupID: String?) {
        self.kafka = kafka
        self.groupID = groupID
    }
    public init(bootstrapServers: String, groupID: String?) {
        self.init(kafka: KafkaConfiguration(bootstrapServers: bootstrapServers), groupID: groupID)
    }

    func librdkafkaProperties() -> [(String, String)] {
        var result = kafka.librdkafkaProperties()
        // librdkafka's consumer needs a group even for manual assignment.
        result.append(("group.id", groupID ?? "relance-assign-\(UInt64.random(in: 0...UInt64.max))"))
        result += [
            ("auto.offset.reset", offsetReset.rawValue),
            ("isolation.level", isolationLevel.rawValue),
            ("enable.auto.commit", autoCommit ? "true" : "false"),
            ("session.timeout.ms", String(sessionTimeoutMilliseconds)),
            ("max.poll.interval.ms", String(maxPollIntervalMilliseconds)),
            ("partition.assignment.strategy", assignmentStrategy),
            ("enable.partition.eof", reportEndOfPartition ? "true" : "false"),
            // Offsets are stored by `poll` for the records it returns, never for records of a
            // batch dropped because a rebalance revoked their partitions mid-poll.
            ("enable.auto.offset.store", "false"),
        ]
        return result
    }
}

/// A change of the partitions a group member owns.
///
/// Relance rebalances eagerly: on every rebalance each member first gets `revoked` for all of
/// its partitions, then `assigned` for its new set. The exactly-once runtime commits its open
/// transaction on `revoked` and rebuilds its state on `assigned`; the simpler whole-set
/// protocol keeps that logic straightforward, at the cost of a short pause for every member
/// during a rebalance.
public enum RebalanceEvent: Sendable, Equatable {
    case assigned([TopicPartition])
    /// `lost`: the partitions were taken away without a clean hand-over (the member was
    /// dropped from the group): commits would fail, abort instead.
    case revoked([TopicPartition], lost: Bool)
}

/// Called inside a rebalance, before partitions move. The consumer's thread waits for it to
/// return: commit or abort here, not later. It may call the consumer's methods (commit,
/// seek, assignment, committed) but not `poll`.
public typealias RebalanceHandler = @Sendable (RebalanceEvent) async -> Void

/// A Kafka consumer in a consumer group (`subscribe`) or on chosen partitions (`assign`).
///
/// Every blocking librdkafka call runs on the consumer's own thread. The group is left when
/// `close()` is called, when a `messages` iteration ends (loop finished, `break`, error or
/// cancellation), or at the latest when the consumer is released.
public final class KafkaConsumer: Sendable {
    let core: ConsumerCore

    public init(configuration: ConsumerConfiguration, rebalance: RebalanceHandler? = nil)
        throws(KafkaError)
    {
        core = try ConsumerCore(configuration: configuration, rebalance: rebalance)
    }

    deinit { core.shutdown() }

    /// Joins the group and follows these topics.
    public func subscribe(_ topics: [String]) async throws(KafkaError) {
        try await core.handle.blocking("subscribe") { rk throws(KafkaError) in
            try withPartitionList(topics.map { TopicPartition($0, RD_KAFKA_PARTITION_UA) }) {
                (list) throws(KafkaError) in
                try check(rd_kafka_subscribe(rk, list), "subscribe")
            }
        }
    }

    /// Reads these partitions from these offsets, outside any group management.
    public func assign(_ offsets: [TopicPartitionOffset]) async throws(KafkaError) {
        try await core.handle.blocking("assign") { rk throws(KafkaError) in
            try withPartitionList(offsets) { (list) throws(KafkaError) in
                try check(rd_kafka_assign(rk, list), "assign")
            }
        }
    }

    /// Up to `maxMessages` records: waits up to `timeout` for the first, then takes what is
    /// already fetched. Returns fewer (possibly none) when the wait ends or another call on
    /// this consumer needs its thread.
    public func poll(maxMessages: Int = 1000, timeout: Duration = .milliseconds(100))
        async throws(KafkaError)
        -> [KafkaMessage]
    {
        try await core.handle.blocking("poll") { [core] _ throws(KafkaError) in
            try core.poll(maxMessages: maxMessages, timeoutMilliseconds: timeout.milliseconds)
        }
    }

    /// The records, batch by batch, as an async sequence. Ending the iteration in any way
    /// closes the consumer and so leaves the group at once.
    public func messages(batchSize: Int = 1000, pollTimeout: Duration = .milliseconds(100))
        -> Messages
    {
        Messages(consumer: self, batchSize: batchSize, pollTimeout: pollTimeout)
    }

    /// Commits the offsets of every record returned by `poll` so far.
    public func commit() async throws(KafkaError) {
        try await core.handle.blocking("commit") { rk throws(KafkaError) in
            let err = rd_kafka_commit(rk, nil, 0)
            if err == RD_KAFKA_RESP_ERR__NO_OFFSET { return }  // nothing new to commit
            try check(err, "commit", rk: rk)
        }
    }

    /// Commits these offsets (each the next offset to read).
    public func commit(_ offsets: [TopicPartitionOffset]) async throws(KafkaError) {
        try await core.handle.blocking("commit") { rk throws(KafkaError) in
            try withPartitionList(offsets) { (list) throws(KafkaError) in
                try check(rd_kafka_commit(rk, list, 0), "commit", rk: rk)
                if let error = list.firstError("commit") { throw error }
            }
        }
    }

    /// The committed offsets of these partitions (`TopicPartitionOffset.invalid` if none).
    public func committed(_ partitions: [TopicPartition], timeout: Duration = .seconds(10))
        async throws(KafkaError)
        -> [TopicPartitionOffset]
    {
        try await core.handle.blocking("committed") { rk throws(KafkaError) in
            try withPartitionList(partitions) { (list) throws(KafkaError) in
                try check(rd_kafka_committed(rk, list, timeout.milliseconds), "committed", rk: rk)
                if let error = list.firstError("committed") { throw error }
                return list.offsets
            }
        }
    }

    /// Moves the read position of assigned partitions.
    public func seek(_ offsets: [TopicPartitionOffset], timeout: Duration = .seconds(10))
        async throws(KafkaError)
    {
        try await core.handle.blocking("seek") { rk throws(KafkaError) in
            try withPartitionList(offsets) { (list) throws(KafkaError) in
                if let error = KafkaError.consume(
                    rd_kafka_seek_partitions(rk, list, timeout.milliseconds), operation: "seek")
                {
                    throw error
                }
                if let error = list.firstError("seek") { throw error }
            }
        }
    }

    /// Stops fetching these partitions until `resume`.
    public func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        try core.handle.withClient("pause") { rk throws(KafkaError) in
            try withPartitionList(partitions) { (list) throws(KafkaError) in
                try check(rd_kafka_pause_partitions(rk, list), "pause")
                if let error = list.firstError("pause") { throw error }
            }
        }
    }

    public func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        try core.handle.withClient("resume") { rk throws(KafkaError) in
            try withPartitionList(partitions) { (list) throws(KafkaError) in
                try check(rd_kafka_resume_partitions(rk, list), "resume")
                if let error = list.firstError("resume") { throw error }
            }
        }
    }

    /// Inside an `assigned` rebalance handler: where reading of these newly assigned
    /// partitions starts, instead of the group's committed offsets. A runtime that keeps
    /// its input positions with its state (restored from a changelog) resumes from those.
    public func startAssignedPartitions(at offsets: [TopicPartitionOffset]) async throws(KafkaError) {
        try await core.handle.blocking("start_assigned") { [core] _ in
            for offset in offsets { core.assignmentStart[offset.topicPartition] = offset.offset }
        }
    }

    /// The partitions this consumer currently owns.
    public func assignment() async throws(KafkaError) -> [TopicPartition] {
        try await core.handle.blocking("assignment") { rk throws(KafkaError) in
            var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
            try check(rd_kafka_assignment(rk, &list), "assignment")
            guard let list else { return [] }
            defer { rd_kafka_topic_partition_list_destroy(list) }
            return list.offsets.map(\.topicPartition).sorted()
        }
    }

    /// The next offset `poll` will return for each partition (`invalid` before the first).
    public func position(_ partitions: [TopicPartition]) throws(KafkaError) -> [TopicPartitionOffset] {
        try core.handle.withClient("position") { rk throws(KafkaError) in
            try withPartitionList(partitions) { (list) throws(KafkaError) in
                try check(rd_kafka_position(rk, list), "position")
                return list.offsets
            }
        }
    }

    /// The low and high watermarks of a partition, asked of its leader. The high watermark
    /// of a transactionally written topic counts commit markers too: it is not "last record
    /// + 1".
    public func watermarks(_ partition: TopicPartition, timeout: Duration = .seconds(10))
        async throws(KafkaError)
        -> (low: Int64, high: Int64)
    {
        try await core.handle.blocking("watermarks") { rk throws(KafkaError) in
            var low: Int64 = 0
            var high: Int64 = 0
            try check(
                rd_kafka_query_watermark_offsets(
                    rk, partition.topic, partition.partition, &low, &high, timeout.milliseconds),
                "watermarks", rk: rk)
            return (low, high)
        }
    }

    /// The low and high watermarks of many partitions, in their order, asked of their
    /// leaders with one `ListOffsets` request per leader and end instead of two round trips
    /// per partition (2 ms each on the mock cluster). As with one partition, a
    /// `readCommitted` consumer's high watermark is the last stable offset.
    public func watermarks(_ partitions: [TopicPartition], timeout: Duration = .seconds(10))
        async throws(KafkaError)
        -> [(low: Int64, high: Int64)]
    {
        guard !partitions.isEmpty else { return [] }
        return try await core.handle.blocking("watermarks") { rk throws(KafkaError) in
            // A `ListOffsets` timestamp of -2 asks for the earliest offset, -1 for the latest.
            func offsets(at timestamp: Int64) throws(KafkaError) -> [TopicPartition: Int64] {
                try withPartitionList(partitions.map { TopicPartitionOffset($0, offset: timestamp) }) {
                    (list) throws(KafkaError) in
                    try check(rd_kafka_offsets_for_times(rk, list, timeout.milliseconds), "watermarks", rk: rk)
                    if let error = list.firstError("watermarks") { throw error }
                    return Dictionary(list.offsets.map { ($0.topicPartition, $0.offset) }) { first, _ in first }
                }
            }
            let lows = try offsets(at: -2)
            let highs = try offsets(at: -1)
            var result: [(low: Int64, high: Int64)] = []
            for partition in partitions {
                guard let low = lows[partition], let high = highs[partition] else {
                    throw KafkaError.configuration("watermarks: no offsets for \(partition)")
                }
                result.append((low, high))
            }
            return result
        }
    }

    /// Where the consumer last reached the end of this partition (the offset after the last
    /// record it could read then), or nil if it has not since its last record. Only with
    /// `reportEndOfPartition`.
    public func endReached(_ partition: TopicPartition) -> Int64? {
        core.endOffsets.withLock { $0[partition] }
    }

    /// The last high watermark the consumer saw for a partition it fetches (no request):
    /// the basis of consumer-lag metrics.
    public func cachedHighWatermark(_ partition: TopicPartition) throws(KafkaError) -> Int64? {
        try core.handle.withClient("watermarks") { rk in
            var low: Int64 = 0
            var high: Int64 = 0
            let err = rd_kafka_get_watermark_offsets(
                rk, partition.topic, partition.partition, &low, &high)
            return err == RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0 ? high : nil
        }
    }

    /// Fails unless a broker answers within `timeout`; lists the cluster's topics.
    public func checkConnection(timeout: Duration = .seconds(10)) async throws(KafkaError)
        -> [TopicMetadata]
    {
        try await core.handle.topics(timeout: timeout, operation: "check_connection")
    }

    /// True once the consumer has left its group (by `close`, or by the end of a `messages`
    /// iteration).
    public var isClosed: Bool { core.closed.load(ordering: .acquiring) }

    /// Leaves the group (after the rebalance handler saw the revocation) and destroys the
    /// client. Later calls throw a closed-client error.
    public func close() async throws(KafkaError) {
        let error = try await core.handle.blocking("close") { [core] _ in
            core.closeConsumer(notify: true)
        }
        core.shutdown()
        if let error { throw error }
    }

    /// The group identity a transactional producer sends with the consumed offsets.
    func groupMetadata() throws(KafkaError) -> GroupMetadata {
        try core.handle.withClient("group_metadata") { rk throws(KafkaError) in
            guard let metadata = rd_kafka_consumer_group_metadata(rk) else {
                throw KafkaError(
                    operation: "group_metadata", code: .invalidArgument,
                    message: "the consumer has no group.id")
            }
            return GroupMetadata(pointer: metadata)
        }
    }
}

/// An owned `rd_kafka_consumer_group_metadata_t`.
final class GroupMetadata {
    let pointer: OpaquePointer
    init(pointer: OpaquePointer) { self.pointer = pointer }
    deinit { rd_kafka_consumer_group_metadata_destroy(pointer) }
}

extension KafkaConsumer {
    /// The consumer's records as an async sequence; see `KafkaConsumer.messages`.
    public struct Messages: AsyncSequence, Sendable {
        public typealias Element = KafkaMessage
        let consumer: KafkaConsumer
        let batchSize: Int
        let pollTimeout: Duration

        public func makeAsyncIterator() -> Iterator {
            Iterator(
                owner: IterationOwner(consumer: consumer), batchSize: batchSize, pollTimeout: pollTimeout)
        }

        public struct Iterator: AsyncIteratorProtocol {
            let owner: IterationOwner
            let batchSize: Int
            let pollTimeout: Duration
            var buffer: [KafkaMessage] = []
            var index = 0

            public mutating func next() async throws(KafkaError) -> KafkaMessage? {
                if index < buffer.count {
                    defer { index += 1 }
                    return buffer[index]
                }
                do {
                    while true {
                        if Task.isCancelled {
                            owner.end()
                            return nil
                        }
                        buffer = try await owner.consumer.poll(maxMessages: batchSize, timeout: pollTimeout)
                        if !buffer.isEmpty { break }
                    }
                } catch {
                    owner.end()
                    throw error
                }
                index = 1
                return buffer[0]
            }
        }
    }

    /// Closes the consumer when an iteration ends, including when the iterator is dropped
    /// after a `break`.
    final class IterationOwner: Sendable {
        let consumer: KafkaConsumer
        init(consumer: KafkaConsumer) { self.consumer = consumer }
        func end() { consumer.core.closeInBackground() }
        deinit { end() }
    }
}

/// The consumer's state, owned by its thread.
final class ConsumerCore: @unchecked Sendable {
    let handle: ClientHandle
    private let rebalanceHandler: RebalanceHandler?
    // Touched on the client thread only.
    /// Start offsets set by the rebalance handler for the partitions being assigned.
    var assignmentStart: [TopicPartition: Int64] = [:]
    private var polling = false
    private var revokedDuringPoll = false
    private var consumerClosed = false
    /// Set once the consumer has left its group.
    let closed = Atomic(false)
    /// Partitions whose end `poll` reached, with the end offset (`reportEndOfPartition`).
    let endOffsets = Mutex<[TopicPartition: Int64]>([:])
    private var notifyRebalance = true
    private var topicNames: [OpaquePointer: (UnsafePointer<CChar>, String)] = [:]
    private var lastTopic: (rkt: OpaquePointer, cName: UnsafePointer<CChar>, name: String)?
    /// The consumer queue `poll` blocks on, and the way to wake it.
    private let waker: QueueWaker
    /// What librdkafka's opaque points to; lives as long as this core.
    private let callbackContext: WeakCore

    init(configuration: ConsumerConfiguration, rebalance: RebalanceHandler?) throws(KafkaError) {
        let conf = try NativeConfiguration(
            configuration.librdkafkaProperties(), extra: configuration.kafka.properties)
        let box = WeakCore()
        rd_kafka_conf_set_rebalance_cb(conf.pointer, rebalanceCallback)
        rd_kafka_conf_set_opaque(conf.pointer, Unmanaged.passUnretained(box).toOpaque())
        let rk = try conf.makeClient(RD_KAFKA_CONSUMER, logger: configuration.kafka.logger)
        callbackContext = box
        rd_kafka_poll_set_consumer(rk)
        waker = QueueWaker(queue: rd_kafka_queue_get_consumer(rk))
        rebalanceHandler = rebalance
        let thread = ClientThread(name: "kafka-consumer")
        handle = ClientHandle(rk: rk, thread: thread)
        box.core = self
        let waker = self.waker
        thread.start(wake: { waker.wake() })
    }

    /// On the client thread.
    func poll(maxMessages: Int, timeoutMilliseconds: Int32) throws(KafkaError) -> [KafkaMessage] {
        guard !consumerClosed else { throw .closed("poll") }
        guard !polling else {
            throw KafkaError(
                operation: "poll", code: .state,
                message: "poll called from inside a rebalance handler")
        }
        polling = true
        defer { polling = false }
        // Keys and values of the whole batch go into one buffer; the records are slices of it.
        let storage = BatchStorage(capacity: 64 * 1024)
        var batch: [KafkaMessage] = []
        batch.reserveCapacity(min(maxMessages, 10_000))
        var timeout = timeoutMilliseconds
        revokedDuringPoll = false
        while batch.count < maxMessages {
            let next =
                timeout == 0
                ? rd_kafka_consume_queue(waker.queue, 0)
                : waker.whileBlocked { rd_kafka_consume_queue(waker.queue, timeout) }
            if revokedDuringPoll {
                // The partitions of what was gathered so far are no longer ours: the new
                // owner reads these records from the committed offsets.
                batch.removeAll(keepingCapacity: true)
                storage.removeAll()
                revokedDuringPoll = false
            }
            guard let message = next else { break }
            defer { rd_kafka_message_destroy(message) }
            timeout = 0
            let m = message.pointee
            if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    let tp = TopicPartition(topicName(m.rkt), m.partition)
                    endOffsets.withLock { $0[tp] = m.offset }
                    continue
                }
                let error = KafkaError(operation: "poll", err: m.err, rk: handle.rk)
                // Transport trouble is reported here too; librdkafka recovers by itself.
                if error.isFatal || m.err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC
                    || m.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART
                {
                    if batch.isEmpty { throw error }
                    break
                }
                continue
            }
            batch.append(convert(message, into: storage))
        }
        storeOffsets(of: batch)
        return batch
    }

    /// Marks the returned records as consumed, for `commit()`.
    private func storeOffsets(of batch: [KafkaMessage]) {
        guard !batch.isEmpty else { return }
        // A batch holds few partitions, each a run of records: a short list, scanned from
        // the last match, beats hashing every record's topic name.
        var next: [TopicPartitionOffset] = []
        var last = 0
        for message in batch {
            if last < next.count, next[last].partition == message.partition, next[last].topic == message.topic {
                next[last].offset = message.offset + 1
            } else if let index = next.firstIndex(where: {
                $0.partition == message.partition && $0.topic == message.topic
            }) {
                next[index].offset = message.offset + 1
                last = index
            } else {
                next.append(TopicPartitionOffset(message.topic, message.partition, offset: message.offset + 1))
                last = next.count - 1
            }
        }
        withPartitionList(next) { list in
            _ = rd_kafka_offsets_store(handle.rk, list)
        }
    }

    @inline(__always)
    private func convert(_ message: UnsafeMutablePointer<rd_kafka_message_t>, into storage: BatchStorage)
        -> KafkaMessage
    {
        // librdkafka finds the record around this struct by address: pass the pointer it gave.
        let m = message.pointee
        var headers: [KafkaHeader] = []
        var list: OpaquePointer?
        if rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR,
            let list
        {
            var index = 0
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(
                    KafkaHeader(
                        key: String(cString: name!),
                        value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        return KafkaMessage(
            topic: topicName(m.rkt), partition: m.partition, offset: m.offset, storage: storage,
            keyRange: storage.append(m.key, m.key_len), valueRange: storage.append(m.payload, m.len),
            headers: headers,
            timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp)
    }

    @inline(__always)
    private func topicName(_ rkt: OpaquePointer?) -> String {
        guard let rkt else { return "" }
        let cName = rd_kafka_topic_name(rkt)!
        if let lastTopic, lastTopic.rkt == rkt, lastTopic.cName == cName { return lastTopic.name }
        defer { lastTopic = (rkt, cName, topicNames[rkt]!.1) }
        if let cached = topicNames[rkt], cached.0 == cName { return cached.1 }
        let name = String(cString: cName)
        topicNames[rkt] = (cName, name)
        return name
    }

    /// Called by librdkafka on the client thread, inside `poll` or `close`.
    fileprivate func rebalance(
        _ err: rd_kafka_resp_err_t, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    ) {
        let rk = handle.rk
        let topicPartitions = partitions?.offsets.map(\.topicPartition).sorted() ?? []
        let assigned = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS
        if !assigned && polling { revokedDuringPoll = true }
        if let rebalanceHandler, notifyRebalance {
            let event: RebalanceEvent =
                assigned
                ? .assigned(topicPartitions)
                : .revoked(topicPartitions, lost: rd_kafka_assignment_lost(rk) != 0)
            let done = Atomic(false)
            let thread = handle.thread
            withUnsafePointer(to: done) { pointer in
                nonisolated(unsafe) let flag = pointer
                Task {
                    await rebalanceHandler(event)
                    flag.pointee.store(true, ordering: .releasing)
                    thread.signal()
                }
                // Serve the handler's calls on this consumer (commit, seek) while waiting.
                thread.runJobs(until: { flag.pointee.load(ordering: .acquiring) })
            }
        }
        if assigned {
            if let partitions, !assignmentStart.isEmpty {
                for index in 0..<Int(partitions.pointee.cnt) {
                    let element = partitions.pointee.elems[index]
                    let key = TopicPartition(String(cString: element.topic), element.partition)
                    if let start = assignmentStart[key] { partitions.pointee.elems[index].offset = start }
                }
            }
            assignmentStart.removeAll()
            _ = rd_kafka_assign(rk, partitions)
        } else {
            _ = rd_kafka_assign(rk, nil)
        }
    }

    /// On the client thread: leaves the group. The rebalance handler sees the revocation
    /// when `notify` is true.
    func closeConsumer(notify: Bool) -> KafkaError? {
        guard !consumerClosed else { return nil }
        consumerClosed = true
        notifyRebalance = notify
        let err = rd_kafka_consumer_close(handle.rk)
        closed.store(true, ordering: .releasing)
        return err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(operation: "close", err: err)
    }

    /// Leaves the group on the client thread without waiting, then destroys the client.
    /// What `close()` does, without waiting: leave the group, then destroy the client (its
    /// connections close too; the mock cluster finishes a rebalance only then).
    func closeInBackground() {
        handle.thread.submit { [self] in
            guard !handle.isDestroyed else { return }
            _ = closeConsumer(notify: true)
            shutdown()
        }
    }

    func shutdown() {
        handle.shutdown(
            beforeDestroy: { [self] _ in
                _ = closeConsumer(notify: false)
                waker.destroy()
            },
            afterDestroy: {})
    }
}

/// The rebalance callback's way back to the consumer, set once the consumer exists.
final class WeakCore: @unchecked Sendable {
    weak var core: ConsumerCore?
}

private let rebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { rk, err, partitions, opaque in
        guard let opaque,
            let core = Unmanaged<WeakCore>.fromOpaque(opaque).takeUnretainedValue().core
        else {
            // No consumer object any more (being destroyed): just follow the protocol.
            _ = rd_kafka_assign(rk, err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? partitions : nil)
            return
        }
        core.rebalance(err, partitions)
    }
