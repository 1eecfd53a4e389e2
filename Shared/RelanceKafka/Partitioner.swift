import CRdKafka

/// Where a key belongs, as the producers of Relance place it.
public enum KeyPartitioner {
    /// The partition the Java client's default partitioner — and every Relance producer
    /// (`partitioner=murmur2_random`) — puts `key` in: murmur2 of the key's bytes, its sign
    /// bit cleared, modulo the partition count. librdkafka-based clients (Python, Go, .NET,
    /// Node, kcat) default to another partitioner (CRC32, `consistent_random`) and may put
    /// the same key elsewhere.
    public static func murmur2(_ key: some Collection<UInt8>, partitions: Int32) -> Int32 {
        guard partitions > 0 else { return 0 }
        let computed = key.withContiguousStorageIfAvailable { bytes in
            rd_kafka_msg_partitioner_murmur2(nil, bytes.baseAddress, bytes.count, partitions, nil, nil)
        }
        if let computed { return computed }
        let copy = Array(key)
        return copy.withUnsafeBufferPointer { bytes in
            rd_kafka_msg_partitioner_murmur2(nil, bytes.baseAddress, bytes.count, partitions, nil, nil)
        }
    }

    /// librdkafka's own default (`consistent_random`: CRC32 of the key modulo the partition
    /// count), what clients built on librdkafka use unless told otherwise.
    public static func crc32(_ key: some Collection<UInt8>, partitions: Int32) -> Int32 {
        guard partitions > 0 else { return 0 }
        let copy = Array(key)
        return copy.withUnsafeBufferPointer { bytes in
            rd_kafka_msg_partitioner_consistent(nil, bytes.baseAddress, bytes.count, partitions, nil, nil)
        }
    }
}
