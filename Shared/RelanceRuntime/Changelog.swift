import Foundation
import RelanceDomain
import RelanceEvents

/// The records of a worker's compacted changelog topic.
///
/// - `a:<account id>` → the account's record in a small binary form (below); a tombstone
///   when the account has nothing left.
/// - `c:` → the partition's checkpoint, JSON: the transaction that wrote it, the next offset
///   of every input topic, the clock. Written last in every transaction that touched the
///   partition.
///
/// Every record carries the `relance-txn` header naming its transaction. On a broker that
/// hides aborted transactions from `read_committed` readers (Apache Kafka) a restore applies
/// every record it reads. On a broker that shows them (librdkafka's mock cluster) a restore
/// applies a transaction's records only once it reads that transaction's checkpoint, which
/// the runtime writes after every other record of the transaction is delivered.
package enum Changelog {
    package static let transactionHeader = "relance-txn"
    static let checkpointKey: [UInt8] = Array("c:".utf8)
    static let accountPrefix: [UInt8] = Array("a:".utf8)

    static func accountKey(_ accountID: String) -> [UInt8] { accountPrefix + Array(accountID.utf8) }

    struct Checkpoint: Codable, Equatable {
        var txn: String
        var offsets: [String: Int64]
        var clock: Int64
    }

    static func encode(_ checkpoint: Checkpoint) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try! encoder.encode(checkpoint))
    }

    static func decodeCheckpoint(_ bytes: ArraySlice<UInt8>) throws -> Checkpoint {
        try JSONDecoder().decode(Checkpoint.self, from: Data(bytes))
    }

    // Account record, version 1, little-endian:
    //   u8 version | u8 seen count | u64 × seen | u16 timer count
    //   | timers: (u16 id length, id, i64 due, u32 payload length, payload JSON)
    //   | u16 merchant length, merchant | state JSON (absent: no state)

    static func encode<State>(_ record: AccountRecord<State>) throws -> [UInt8] {
        var out: [UInt8] = [1, UInt8(record.seen.count)]
        out.reserveCapacity(64 + record.seen.count * 8)
        for hash in record.seen { out.appendLittleEndian(hash) }
        out.appendLittleEndian(UInt16(record.timers.count))
        for timer in record.timers {
            let id = Array(timer.id.utf8)
            out.appendLittleEndian(UInt16(id.count))
            out += id
            out.appendLittleEndian(UInt64(bitPattern: timer.dueAt))
            let payload = timer.payload.jsonBytes
            out.appendLittleEndian(UInt32(payload.count))
            out += payload
        }
        let merchant = Array(record.merchantID.utf8)
        out.appendLittleEndian(UInt16(merchant.count))
        out += merchant
        switch record.slot {
        case .encoded(let bytes): out += bytes
        case .decoded(let state?): out += try StateCoding.encode(state)
        case .decoded(nil): break
        }
        return out
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    static func decode<State>(_ bytes: ArraySlice<UInt8>, as _: State.Type) throws -> AccountRecord<State> {
        var reader = ByteReader(bytes: bytes)
        guard try reader.u8() == 1 else { throw Malformed(description: "unknown account record version") }
        var record = AccountRecord<State>()
        let seenCount = Int(try reader.u8())
        record.seen.reserveCapacity(seenCount)
        for _ in 0..<seenCount { record.seen.append(try reader.u64()) }
        let timerCount = Int(try reader.u16())
        for _ in 0..<timerCount {
            let id = String(decoding: try reader.take(Int(try reader.u16())), as: UTF8.self)
            let due = Int64(bitPattern: try reader.u64())
            let payloadBytes = try reader.take(Int(try reader.u32()))
            let payload = try JSONReader.read(Array(payloadBytes))
            record.timers.append(TimerEntry(id: id, dueAt: due, payload: payload))
        }
        record.merchantID = String(decoding: try reader.take(Int(try reader.u16())), as: UTF8.self)
        let rest = reader.rest
        record.slot = rest.isEmpty ? .decoded(nil) : .encoded(Array(rest))
        return record
    }
}

/// Changelog records built outside a runtime: to seed state from another system, or to
/// measure restores.
public enum ChangelogRecords {
    /// The record of one account, as the runtime writes it.
    public static func account<State: Codable & Sendable>(
        _ accountID: String, state: State?, timers: [TimerEntry] = [], seenEventIDs: [String] = [],
        merchantID: String
    ) throws -> (key: [UInt8], value: [UInt8]) {
        var record = AccountRecord<State>()
        record.slot = .decoded(state)
        record.timers = timers
        record.seen = seenEventIDs.suffix(AccountRecord<State>.seenCapacity).map(EventIDs.hash)
        record.merchantID = merchantID
        return (Changelog.accountKey(accountID), try Changelog.encode(record))
    }
}

struct ByteReader {
    var bytes: ArraySlice<UInt8>

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard bytes.count >= count else { throw Changelog.Malformed(description: "account record is truncated") }
        defer { bytes = bytes.dropFirst(count) }
        return bytes.prefix(count)
    }
    mutating func u8() throws -> UInt8 { try take(1).first! }
    mutating func u16() throws -> UInt16 { UInt16(try little(2)) }
    mutating func u32() throws -> UInt32 { UInt32(try little(4)) }
    mutating func u64() throws -> UInt64 { try little(8) }
    private mutating func little(_ count: Int) throws -> UInt64 {
        var value: UInt64 = 0
        for (index, byte) in try take(count).enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
        return value
    }
    var rest: ArraySlice<UInt8> { bytes }
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var v = value.littleEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }
}
