import Foundation
import RelanceEvents

/// JSON for workers' `Codable` state, as Foundation's `JSONEncoder` and `JSONDecoder` with
/// their default strategies write and read it (dates as seconds since 2001, `Data` in base64,
/// URLs as strings), several times faster: the encoder writes bytes as it goes, with no tree
/// in between, and the decoder works on `JSONReader`'s tree. The runtime encodes an account's
/// state at every change, so this is on every event's path.
///
/// What they do not handle (a float that is not finite, containers used out of order) makes
/// them throw, and `encode`/`decode` then fall back to Foundation's coders: same output.
public enum StateCoding {
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        if let writable = value as? any StateJSONWritable {
            var out = JSONOutput(capacity: 1024)
            writable.writeStateJSON(into: &out)
            return compacted(out.bytes)
        }
        return try encodeWithCodable(value)
    }

    /// The `Codable` path alone, whatever the type: what a `StateJSONWritable` state's own
    /// writer must match byte for byte.
    public static func encodeWithCodable<T: Encodable>(_ value: T) throws -> [UInt8] {
        do {
            return try fastEncode(value)
        } catch {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return Array(try encoder.encode(value))
        }
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        do {
            return try fastDecode(type, from: bytes)
        } catch {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        }
    }

    /// An event's typed data as the JSON of its `data`: the state encoder with dates as UTC
    /// timestamps (`2026-11-21T10:00:00.000Z`) rather than seconds since 2001, absent optionals
    /// left out, members in declaration order. What `WorkerContext.emit(_:to:)` publishes.
    package static func eventJSON<T: Encodable>(_ value: T) throws -> [UInt8] {
        let writer = StateWriter()
        writer.timestampDates = true
        try writer.encodeValue(value, depth: 0)
        writer.closeFrames(above: 0)
        return writer.bytes
    }

    /// The fast paths alone (tests check that Relance's states never need the fallback).
    package static func fastEncode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let writer = StateWriter()
        try writer.encodeValue(value, depth: 0)
        writer.closeFrames(above: 0)
        return compacted(writer.bytes)
    }

    /// Kept as is by whoever holds states encoded: not twice the bytes it needs.
    static func compacted(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.capacity - bytes.count > 64 else { return bytes }
        return [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, count in
            count = buffer.initialize(fromContentsOf: bytes)
        }
    }

    package static func fastDecode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try StateDecoder(value: try JSONReader.read(bytes), codingPath: []).decodeValue(T.self)
    }
}

// MARK: Encoding

/// The output and the containers still open, innermost last. A container is closed when
/// something is written at or above its depth, or at the end.
final class StateWriter {
    // One writer per encode, on one thread: the runtime's exclusivity checks on every access
    // were a fifth of the encoding time.
    @exclusivity(unchecked) var bytes: [UInt8] = []
    /// Per open container: its closing byte and how many items it has.
    @exclusivity(unchecked) var frames: [(close: UInt8, count: Int)] = []

    /// Dates as UTC timestamps (event data) rather than Foundation's seconds since 2001 (state).
    var timestampDates = false

    struct OutOfOrder: Error {}

    init() { bytes.reserveCapacity(128) }

    func closeFrames(above depth: Int) {
        while frames.count > depth { bytes.append(frames.removeLast().close) }
    }

    /// Before an item of the container at `depth`: closes deeper containers, writes the comma.
    func beginItem(depth: Int) throws {
        guard frames.count >= depth else { throw OutOfOrder() }
        closeFrames(above: depth)
        if frames[depth - 1].count > 0 { bytes.append(UInt8(ascii: ",")) }
        frames[depth - 1].count += 1
    }

    /// Opens a container (`{` or `[`) at `depth`, unless the encoder at that depth already did.
    func open(_ opening: UInt8, _ closing: UInt8, depth: Int) throws -> Int {
        if frames.count == depth + 1, frames[depth].close == closing { return depth + 1 }
        guard frames.count == depth else { throw OutOfOrder() }
        bytes.append(opening)
        frames.append((closing, 0))
        return depth + 1
    }

    func key(_ key: some CodingKey) {
        JSONValue.writeString(key.stringValue, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    // The primitives, written the same from every kind of container.
    func writeNull() { bytes.append(contentsOf: "null".utf8) }
    func write(_ value: Bool) { bytes.append(contentsOf: (value ? "true" : "false").utf8) }
    func write(_ value: String) { JSONValue.writeString(value, into: &bytes) }
    func writeNumber<N: BinaryInteger>(_ value: N) {
        guard let value = Int64(exactly: value) else { return bytes.append(contentsOf: String(value).utf8) }
        JSONValue.writeInteger(value, into: &bytes)
    }

    func writeFloat<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F) throws {
        guard value.isFinite else { throw OutOfOrder() }
        bytes.append(contentsOf: value.description.utf8)
    }

    /// A whole value whose encoder sits at `depth` (its containers open at `depth`).
    func encodeValue<T: Encodable>(_ value: T, depth: Int) throws {
        // Type comparisons, not casts: this runs for every member that is not a primitive.
        if timestampDates, T.self == Date.self, let date = value as? Date {
            JSONValue.writeString(Timestamp.format(date), into: &bytes)
        } else if T.self == Data.self {
            JSONValue.writeString((value as! Data).base64EncodedString(), into: &bytes)
        } else if T.self == URL.self {
            JSONValue.writeString((value as! URL).absoluteString, into: &bytes)
        } else if T.self == Decimal.self {
            bytes.append(contentsOf: (value as! Decimal).description.utf8)
        } else {
            let before = bytes.count
            try value.encode(to: StateEncoder(writer: self, depth: depth, codingPath: []))
            if bytes.count == before { bytes.append(contentsOf: "{}".utf8) }
        }
    }
}

struct StateEncoder: Encoder {
    let writer: StateWriter
    let depth: Int
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let inner = try? writer.open(UInt8(ascii: "{"), UInt8(ascii: "}"), depth: depth)
        return KeyedEncodingContainer(Keyed<Key>(writer: writer, depth: inner ?? -1, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let inner = try? writer.open(UInt8(ascii: "["), UInt8(ascii: "]"), depth: depth)
        return Unkeyed(writer: writer, depth: inner ?? -1, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        Single(writer: writer, depth: depth, codingPath: codingPath)
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let writer: StateWriter
        /// Depth of this container's frame (-1: it could not be opened; every call throws).
        let depth: Int
        var codingPath: [any CodingKey]

        private func member(_ key: Key) throws {
            guard depth > 0 else { throw StateWriter.OutOfOrder() }
            try writer.beginItem(depth: depth)
            writer.key(key)
        }

        mutating func encodeNil(forKey key: Key) throws {
            try member(key)
            writer.writeNull()
        }
        mutating func encode(_ value: Bool, forKey key: Key) throws {
            try member(key)
            writer.write(value)
        }
        mutating func encode(_ value: String, forKey key: Key) throws {
            try member(key)
            writer.write(value)
        }
        mutating func encode(_ value: Double, forKey key: Key) throws {
            try member(key)
            try writer.writeFloat(value)
        }
        mutating func encode(_ value: Float, forKey key: Key) throws {
            try member(key)
            try writer.writeFloat(value)
        }
        mutating func encode(_ value: Int, forKey key: Key) throws { try integer(value, key) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { try integer(value, key) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { try integer(value, key) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { try integer(value, key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { try integer(value, key) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { try integer(value, key) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { try integer(value, key) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { try integer(value, key) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { try integer(value, key) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { try integer(value, key) }

        private func integer(_ value: some BinaryInteger, _ key: Key) throws {
            try member(key)
            writer.writeNumber(value)
        }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try member(key)
            try writer.encodeValue(value, depth: depth)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            let inner = try? { () throws -> Int in
                try member(key)
                return try writer.open(UInt8(ascii: "{"), UInt8(ascii: "}"), depth: depth)
            }()
            return KeyedEncodingContainer(
                Keyed<NestedKey>(writer: writer, depth: inner ?? -1, codingPath: codingPath + [key]))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let inner = try? { () throws -> Int in
                try member(key)
                return try writer.open(UInt8(ascii: "["), UInt8(ascii: "]"), depth: depth)
            }()
            return Unkeyed(writer: writer, depth: inner ?? -1, codingPath: codingPath + [key])
        }

        mutating func superEncoder() -> any Encoder { Failing(codingPath: codingPath) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { Failing(codingPath: codingPath) }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let writer: StateWriter
        let depth: Int
        var codingPath: [any CodingKey]
        var count = 0

        private mutating func item() throws {
            guard depth > 0 else { throw StateWriter.OutOfOrder() }
            try writer.beginItem(depth: depth)
            count += 1
        }

        mutating func encodeNil() throws {
            try item()
            writer.writeNull()
        }
        mutating func encode(_ value: Bool) throws {
            try item()
            writer.write(value)
        }
        mutating func encode(_ value: String) throws {
            try item()
            writer.write(value)
        }
        mutating func encode(_ value: Double) throws {
            try item()
            try writer.writeFloat(value)
        }
        mutating func encode(_ value: Float) throws {
            try item()
            try writer.writeFloat(value)
        }
        mutating func encode(_ value: Int) throws { try integer(value) }
        mutating func encode(_ value: Int8) throws { try integer(value) }
        mutating func encode(_ value: Int16) throws { try integer(value) }
        mutating func encode(_ value: Int32) throws { try integer(value) }
        mutating func encode(_ value: Int64) throws { try integer(value) }
        mutating func encode(_ value: UInt) throws { try integer(value) }
        mutating func encode(_ value: UInt8) throws { try integer(value) }
        mutating func encode(_ value: UInt16) throws { try integer(value) }
        mutating func encode(_ value: UInt32) throws { try integer(value) }
        mutating func encode(_ value: UInt64) throws { try integer(value) }

        private mutating func integer(_ value: some BinaryInteger) throws {
            try item()
            writer.writeNumber(value)
        }

        mutating func encode<T: Encodable>(_ value: T) throws {
            try item()
            try writer.encodeValue(value, depth: depth)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
            -> KeyedEncodingContainer<NestedKey>
        {
            var copy = self
            let inner = try? { () throws -> Int in
                try copy.item()
                return try writer.open(UInt8(ascii: "{"), UInt8(ascii: "}"), depth: depth)
            }()
            count = copy.count
            return KeyedEncodingContainer(Keyed<NestedKey>(writer: writer, depth: inner ?? -1, codingPath: codingPath))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            var copy = self
            let inner = try? { () throws -> Int in
                try copy.item()
                return try writer.open(UInt8(ascii: "["), UInt8(ascii: "]"), depth: depth)
            }()
            count = copy.count
            return Unkeyed(writer: writer, depth: inner ?? -1, codingPath: codingPath)
        }

        mutating func superEncoder() -> any Encoder { Failing(codingPath: codingPath) }
    }

    /// A single value, written where the encoder stands.
    struct Single: SingleValueEncodingContainer {
        let writer: StateWriter
        let depth: Int
        var codingPath: [any CodingKey]

        private func ready() throws {
            // Nothing of this encoder's may be open: a single value is all it writes.
            guard writer.frames.count == depth else { throw StateWriter.OutOfOrder() }
        }

        mutating func encodeNil() throws {
            try ready()
            writer.writeNull()
        }
        mutating func encode(_ value: Bool) throws {
            try ready()
            writer.write(value)
        }
        mutating func encode(_ value: String) throws {
            try ready()
            writer.write(value)
        }
        mutating func encode(_ value: Double) throws {
            try ready()
            try writer.writeFloat(value)
        }
        mutating func encode(_ value: Float) throws {
            try ready()
            try writer.writeFloat(value)
        }
        mutating func encode(_ value: Int) throws { try integer(value) }
        mutating func encode(_ value: Int8) throws { try integer(value) }
        mutating func encode(_ value: Int16) throws { try integer(value) }
        mutating func encode(_ value: Int32) throws { try integer(value) }
        mutating func encode(_ value: Int64) throws { try integer(value) }
        mutating func encode(_ value: UInt) throws { try integer(value) }
        mutating func encode(_ value: UInt8) throws { try integer(value) }
        mutating func encode(_ value: UInt16) throws { try integer(value) }
        mutating func encode(_ value: UInt32) throws { try integer(value) }
        mutating func encode(_ value: UInt64) throws { try integer(value) }

        private func integer(_ value: some BinaryInteger) throws {
            try ready()
            writer.writeNumber(value)
        }

        mutating func encode<T: Encodable>(_ value: T) throws {
            try ready()
            try writer.encodeValue(value, depth: depth)
        }
    }

    /// `superEncoder` (class hierarchies): not used by Relance's states; Foundation's coder
    /// takes over.
    struct Failing: Encoder {
        var codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }
        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            KeyedEncodingContainer(Keyed<Key>(writer: StateWriter(), depth: -1, codingPath: codingPath))
        }
        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            Unkeyed(writer: StateWriter(), depth: -1, codingPath: codingPath)
        }
        func singleValueContainer() -> any SingleValueEncodingContainer {
            Single(writer: StateWriter(), depth: -1, codingPath: codingPath)
        }
    }
}

// MARK: Decoding

struct StateDecoder: Decoder {
    let value: JSONValue
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func mismatch(_ expected: String) -> DecodingError {
        .typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "expected \(expected)"))
    }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if type == Data.self {
            guard case .string(let text) = value, let data = Data(base64Encoded: text) else {
                throw mismatch("base64 data")
            }
            return data as! T
        }
        if type == URL.self {
            guard case .string(let text) = value, let url = URL(string: text) else { throw mismatch("a URL") }
            return url as! T
        }
        if type == Decimal.self {
            guard case .number(let literal) = value, let decimal = Decimal(string: literal) else {
                throw mismatch("a number")
            }
            return decimal as! T
        }
        return try T(from: self)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch("an object") }
        return KeyedDecodingContainer(Keyed<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch("an array") }
        return Unkeyed(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(decoder: self) }

    // The primitives, read the same by every kind of container.
    func bool() throws -> Bool {
        guard case .bool(let flag) = value else { throw mismatch("true or false") }
        return flag
    }

    func string() throws -> String {
        guard case .string(let text) = value else { throw mismatch("a string") }
        return text
    }

    func integer<N: FixedWidthInteger>() throws -> N {
        guard case .number(let literal) = value else { throw mismatch("a number") }
        if let exact = N(literal) { return exact }
        // `1e3` or `1000.0`: a whole number written another way.
        guard let double = Double(literal), let exact = N(exactly: double) else {
            throw mismatch("a whole number that fits")
        }
        return exact
    }

    func float<F: LosslessStringConvertible>() throws -> F {
        guard case .number(let literal) = value, let number = F(literal) else { throw mismatch("a number") }
        return number
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let members: [(key: String, value: JSONValue)]
        var codingPath: [any CodingKey]

        var allKeys: [Key] { members.compactMap { Key(stringValue: $0.key) } }

        func contains(_ key: Key) -> Bool { members.contains { $0.key == key.stringValue } }

        private func child(_ key: Key) throws -> StateDecoder {
            let name = key.stringValue
            guard let member = members.first(where: { $0.key == name }) else {
                throw DecodingError.keyNotFound(
                    key, .init(codingPath: codingPath, debugDescription: "no member \"\(name)\""))
            }
            // No coding path on the fast path (a new array per member was a tenth of decoding):
            // any error falls back to Foundation's decoder, whose error has the path.
            return StateDecoder(value: member.value, codingPath: codingPath)
        }

        func decodeNil(forKey key: Key) throws -> Bool { try child(key).value == .null }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try child(key).bool() }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try child(key).string() }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try child(key).float() }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try child(key).float() }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(key) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(key) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(key) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(key) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(key) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(key) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(key) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(key) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(key) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(key) }

        private func integer<N: FixedWidthInteger>(_ key: Key) throws -> N { try child(key).integer() }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try child(key).decodeValue(type)
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            try child(key).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try child(key).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { throw StateWriter.OutOfOrder() }
        func superDecoder(forKey key: Key) throws -> any Decoder { throw StateWriter.OutOfOrder() }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let elements: [JSONValue]
        var codingPath: [any CodingKey]
        var currentIndex = 0

        var count: Int? { elements.count }
        var isAtEnd: Bool { currentIndex >= elements.count }

        private mutating func next() throws -> StateDecoder {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(
                    Any.self, .init(codingPath: codingPath, debugDescription: "the array has no more elements"))
            }
            defer { currentIndex += 1 }
            return StateDecoder(value: elements[currentIndex], codingPath: codingPath)
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, elements[currentIndex] == .null else { return false }
            currentIndex += 1
            return true
        }
        mutating func decode(_ type: Bool.Type) throws -> Bool { try next().bool() }
        mutating func decode(_ type: String.Type) throws -> String { try next().string() }
        mutating func decode(_ type: Double.Type) throws -> Double { try next().float() }
        mutating func decode(_ type: Float.Type) throws -> Float { try next().float() }
        mutating func decode(_ type: Int.Type) throws -> Int { try integer() }
        mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
        mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
        mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
        mutating func decode(_ type: UInt.Type) throws -> UInt { try integer() }
        mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
        mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
        mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
        mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer() }

        private mutating func integer<N: FixedWidthInteger>() throws -> N { try next().integer() }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(type) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            try next().container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try next().unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder { throw StateWriter.OutOfOrder() }
    }

    struct Single: SingleValueDecodingContainer {
        let decoder: StateDecoder
        var codingPath: [any CodingKey] { decoder.codingPath }

        func decodeNil() -> Bool { decoder.value == .null }
        func decode(_ type: Bool.Type) throws -> Bool { try decoder.bool() }
        func decode(_ type: String.Type) throws -> String { try decoder.string() }
        func decode(_ type: Double.Type) throws -> Double { try decoder.float() }
        func decode(_ type: Float.Type) throws -> Float { try decoder.float() }
        func decode(_ type: Int.Type) throws -> Int { try decoder.integer() }
        func decode(_ type: Int8.Type) throws -> Int8 { try decoder.integer() }
        func decode(_ type: Int16.Type) throws -> Int16 { try decoder.integer() }
        func decode(_ type: Int32.Type) throws -> Int32 { try decoder.integer() }
        func decode(_ type: Int64.Type) throws -> Int64 { try decoder.integer() }
        func decode(_ type: UInt.Type) throws -> UInt { try decoder.integer() }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.integer() }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.integer() }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.integer() }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.integer() }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(type) }
    }
}
