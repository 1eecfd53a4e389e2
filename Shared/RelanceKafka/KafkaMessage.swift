import CRdKafka

/// A Kafka record header. Keys may repeat; order is kept.
public struct KafkaHeader: Sendable, Hashable {
    public var key: String
    public var value: [UInt8]?
    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
    public init(_ key: String, _ value: String) {
        self.init(key: key, value: Array(value.utf8))
    }
}

/// A partition of a topic.
public struct TopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
    public var description: String { "\(topic)[\(partition)]" }
    public static func < (a: TopicPartition, b: TopicPartition) -> Bool {
        (a.topic, a.partition) < (b.topic, b.partition)
    }
}

/// A position in a partition. `offset` is the offset of the next record to read, as Kafka
/// commits it (the last processed record's offset + 1).
public struct TopicPartitionOffset: Sendable, Hashable, CustomStringConvertible {
    public var topicPartition: TopicPartition
    public var offset: Int64
    public init(_ topicPartition: TopicPartition, offset: Int64) {
        self.topicPartition = topicPartition
        self.offset = offset
    }
    public init(_ topic: String, _ partition: Int32, offset: Int64) {
        self.init(TopicPartition(topic, partition), offset: offset)
    }
    public var topic: String { topicPartition.topic }
    public var partition: Int32 { topicPartition.partition }
    public var description: String { "\(topicPartition)@\(offset)" }

    /// librdkafka's logical offsets.
    public static let beginning: Int64 = Int64(RD_KAFKA_OFFSET_BEGINNING)
    public static let end: Int64 = Int64(RD_KAFKA_OFFSET_END)
    public static let stored: Int64 = Int64(RD_KAFKA_OFFSET_STORED)
    public static let invalid: Int64 = Int64(RD_KAFKA_OFFSET_INVALID)
}

/// A record to produce.
public struct ProducerMessage: Sendable {
    public var topic: String
    /// Nil: librdkafka's partitioner picks the partition from the key (murmur2-random by
    /// default here, as the Java client does, so keys land where Java producers put them).
    public var partition: Int32?
    public var key: ArraySlice<UInt8>?
    public var value: ArraySlice<UInt8>?
    public var headers: [KafkaHeader]

    public init(
        topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8]?,
        headers: [KafkaHeader] = []
    ) {
        self.init(topic: topic, partition: partition, keyBytes: key?[...], valueBytes: value?[...], headers: headers)
    }

    public init(
        topic: String, partition: Int32? = nil, key: String, value: [UInt8]?,
        headers: [KafkaHeader] = []
    ) {
        self.init(topic: topic, partition: partition, key: Array(key.utf8), value: value, headers: headers)
    }

    /// From slices, e.g. a consumed record's key and value, without copying them.
    public init(
        topic: String, partition: Int32? = nil, keyBytes: ArraySlice<UInt8>?, valueBytes: ArraySlice<UInt8>?,
        headers: [KafkaHeader] = []
    ) {
        self.topic = topic
        self.partition = partition
        self.key = keyBytes
        self.value = valueBytes
        self.headers = headers
    }
}

/// Where a produced record was written.
public struct DeliveryReport: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
}

/// A consumed record.
///
/// `key` and `value` are slices of one buffer shared by the batch `poll` returned: no copy and
/// no allocation per record. Keeping one record keeps that buffer; `Array(value)` makes an
/// independent copy.
public struct KafkaMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var headers: [KafkaHeader]
    /// Milliseconds since the epoch, or nil when the record has none.
    public var timestampMilliseconds: Int64?
    let storage: BatchStorage
    let keyRange: Range<Int>?
    let valueRange: Range<Int>?

    public var key: ArraySlice<UInt8>? { keyRange.map { storage.bytes[$0] } }
    public var value: ArraySlice<UInt8>? { valueRange.map { storage.bytes[$0] } }
    /// The length of the value (0 when it is null), without touching its bytes.
    public var valueCount: Int { valueRange?.count ?? 0 }

    public var topicPartition: TopicPartition { TopicPartition(topic, partition) }
    /// The position to commit once this record is processed.
    public var nextOffset: TopicPartitionOffset {
        TopicPartitionOffset(topicPartition, offset: offset + 1)
    }
    public var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
    public var valueString: String? { value.map { String(decoding: $0, as: UTF8.self) } }
    /// The first header with this key.
    public func header(_ key: String) -> [UInt8]? {
        headers.first(where: { $0.key == key })?.value ?? nil
    }

    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?,
        headers: [KafkaHeader] = [], timestampMilliseconds: Int64? = nil
    ) {
        let storage = BatchStorage()
        self.init(
            topic: topic, partition: partition, offset: offset, storage: storage,
            keyRange: storage.append(key), valueRange: storage.append(value), headers: headers,
            timestampMilliseconds: timestampMilliseconds)
    }

    init(
        topic: String, partition: Int32, offset: Int64, storage: BatchStorage, keyRange: Range<Int>?,
        valueRange: Range<Int>?, headers: [KafkaHeader], timestampMilliseconds: Int64?
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.storage = storage
        self.keyRange = keyRange
        self.valueRange = valueRange
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }
}

/// The keys and values of one polled batch, back to back. Filled by the consumer's thread
/// during `poll`, read-only once `poll` returns.
final class BatchStorage: @unchecked Sendable {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    @inline(__always)
    func append(_ pointer: UnsafeMutableRawPointer?, _ count: Int) -> Range<Int>? {
        guard let pointer else { return nil }
        let start = bytes.count
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: count))
        return start..<(start + count)
    }

    func append(_ array: [UInt8]?) -> Range<Int>? {
        guard let array else { return nil }
        let start = bytes.count
        bytes.append(contentsOf: array)
        return start..<(start + array.count)
    }

    func removeAll() { bytes.removeAll(keepingCapacity: true) }
}

// MARK: - Conversions to and from librdkafka

/// Builds an `rd_kafka_topic_partition_list_t` for the duration of `body`.
func withPartitionList<R, E: Error>(
    _ offsets: [TopicPartitionOffset],
    _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws(E) -> R
) throws(E) -> R {
    let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))!
    defer { rd_kafka_topic_partition_list_destroy(list) }
    for item in offsets {
        let element = rd_kafka_topic_partition_list_add(list, item.topic, item.partition)!
        element.pointee.offset = item.offset
    }
    return try body(list)
}

func withPartitionList<R, E: Error>(
    _ partitions: [TopicPartition],
    _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws(E) -> R
) throws(E) -> R {
    try withPartitionList(
        partitions.map { TopicPartitionOffset($0, offset: TopicPartitionOffset.invalid) }, body)
}

extension UnsafeMutablePointer where Pointee == rd_kafka_topic_partition_list_t {
    var elements: UnsafeMutableBufferPointer<rd_kafka_topic_partition_t> {
        UnsafeMutableBufferPointer(start: pointee.elems, count: Int(pointee.cnt))
    }

    var offsets: [TopicPartitionOffset] {
        elements.map {
            TopicPartitionOffset(String(cString: $0.topic), $0.partition, offset: $0.offset)
        }
    }

    /// The first per-partition error in the list, if any.
    func firstError(_ operation: String) -> KafkaError? {
        for element in elements where element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let e = KafkaError(operation: operation, err: element.err)
            return KafkaError(
                operation: operation, code: e.code,
                message: "\(String(cString: element.topic))[\(element.partition)]: \(e.message)",
                classification: e.classification)
        }
        return nil
    }
}
