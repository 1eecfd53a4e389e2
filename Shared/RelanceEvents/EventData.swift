import Foundation

/// The `data` of one event type and version as a Swift value, beside the schema it follows.
///
/// The type's stored properties are the schema's members: a non-optional one is in the
/// schema's `required`, an optional one is not, a `SchemaEnum` lists exactly the schema's
/// `enum` (`EventDataShape` reads this from the type; a test compares every type with its
/// schema, so the two cannot drift). Money is an `Int64` of minor units, timestamps are
/// `Date`s (`2026-11-21T10:00:00Z` in JSON), calendar dates stay `String`s (`2026-11-21`).
/// Decoded from the JSON the runtime already read and checked (`EventEnvelope.decode`), never
/// parsed twice; encoded with `EventDataEncoder`, absent optionals left out.
public protocol EventData: Codable, Sendable {
    /// The event type (name, version, schema) this is the `data` of.
    static var eventType: EventType { get }

    /// A hand-written decoding of `data` for a type on a hot path (`EventDataFastPaths.swift`),
    /// nil for the others: exactly what its `Decodable` conformance gives, errors included
    /// (a test compares both on random and broken samples of every type).
    static func decodeFast(_ data: JSONValue, path: String) throws(EventDataError) -> Self?

    /// Whether `writeFast` writes this type (else `WorkerContext.emit` uses its `Encodable`
    /// conformance).
    static var writesFast: Bool { get }

    /// Writes the value as `StateCoding.eventJSON` would, byte for byte (a test checks it).
    func writeFast(into out: inout JSONOutput)
}

extension EventData {
    public static func decodeFast(_ data: JSONValue, path: String) throws(EventDataError) -> Self? { nil }
    public static var writesFast: Bool { false }
    public func writeFast(into out: inout JSONOutput) {}
}

/// A closed set of strings in an event (a schema's `enum`): decoding anything else fails,
/// and a test checks that the cases are the schema's values.
public protocol SchemaEnum: Codable, Sendable, CaseIterable, RawRepresentable where RawValue == String {}

/// A value of an event's `data` that does not decode into its Swift type, with where.
public struct EventDataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `data.amount`, `data.items[2].email`.
    public var path: String
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path) \(problem)" }
}

extension EventEnvelope {
    /// The event's `data` as `T`. Throws an `EventDataError` naming the member that does not
    /// decode (a schema and its type that drifted apart, or a type that is not this event's).
    public func decode<T: EventData>(_ type: T.Type = T.self) throws(EventDataError) -> T {
        if let value = try T.decodeFast(data, path: "data") { return value }
        return try JSONValueDecoding.decode(T.self, from: data, path: "data")
    }
}

/// Decoding a `JSONValue` tree into `Decodable` values with no second parse.
public enum JSONValueDecoding {
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, path: String)
        throws(EventDataError) -> T
    {
        do {
            return try T(from: ValueDecoder(value: value, codingPath: [], root: path))
        } catch let error as EventDataError {
            throw error
        } catch let DecodingError.dataCorrupted(context) {
            throw EventDataError(path: Self.path(path, context.codingPath), problem: context.debugDescription)
        } catch {
            throw EventDataError(path: path, problem: "\(error)")
        }
    }

    static func path(_ root: String, _ codingPath: [any CodingKey]) -> String {
        var text = root
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += "." + key.stringValue
            }
        }
        return text
    }
}

struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { String(intValue ?? 0) }
    init(_ index: Int) { intValue = index }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

/// A `Decoder` over one `JSONValue`.
struct ValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let root: String
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func failure(_ problem: String, at key: (any CodingKey)? = nil) -> EventDataError {
        EventDataError(
            path: JSONValueDecoding.path(root, key.map { codingPath + [$0] } ?? codingPath), problem: problem)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw failure("is not an object") }
        return KeyedDecodingContainer(Keyed<Key>(members: members, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw failure("is not an array") }
        return Unkeyed(items: items, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(decoder: self) }

    /// A scalar or a nested value of type `T` at `value`.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is String.Type:
            guard case .string(let text) = value else { throw failure("is not a string") }
            if let result = text as? T { return result }
        case is Int64.Type:
            guard let number = value.integerValue else { throw failure("is not a whole number") }
            if let result = number as? T { return result }
        case is Int.Type:
            guard let number = value.integerValue, let int = Int(exactly: number) else {
                throw failure("is not a whole number")
            }
            if let result = int as? T { return result }
        case is Bool.Type:
            guard case .bool(let flag) = value else { throw failure("is not true or false") }
            if let result = flag as? T { return result }
        case is Date.Type:
            guard case .string(let text) = value, let date = EventValidator.parseUTCTimestamp(text) else {
                throw failure("is not a UTC timestamp")
            }
            if let result = date as? T { return result }
        case is JSONValue.Type:
            if let result = value as? T { return result }
        default:
            if let enumType = type as? any SchemaEnum.Type {
                guard case .string(let text) = value else { throw failure("is not a string") }
                guard let decoded = enumType.decoded(text) as? T else {
                    throw failure("is \"\(text)\", not one of \(enumType.rawValues)")
                }
                return decoded
            }
        }
        return try T(from: self)
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let members: [(key: String, value: JSONValue)]
        let decoder: ValueDecoder
        var codingPath: [any CodingKey] { decoder.codingPath }
        var allKeys: [Key] { members.compactMap { Key(stringValue: $0.key) } }

        func member(_ key: Key) -> JSONValue? {
            let name = key.stringValue
            for member in members where member.key == name { return member.value }
            return nil
        }

        func contains(_ key: Key) -> Bool { member(key) != nil }

        func decodeNil(forKey key: Key) throws -> Bool {
            guard let value = member(key) else { return true }
            if case .null = value { return true }
            return false
        }

        /// The member, which must be there.
        func required(_ key: Key) throws -> JSONValue {
            guard let value = member(key) else { throw decoder.failure("is required", at: key) }
            return value
        }

        /// The member unless absent or null.
        func present(_ key: Key) -> JSONValue? {
            guard let value = member(key) else { return nil }
            if case .null = value { return nil }
            return value
        }

        // Scalars straight from the member (no nested decoder, no coding path unless it fails):
        // most of an event's members.
        func string(_ value: JSONValue, _ key: Key) throws -> String {
            guard case .string(let text) = value else { throw decoder.failure("is not a string", at: key) }
            return text
        }
        func integer(_ value: JSONValue, _ key: Key) throws -> Int64 {
            guard let number = value.integerValue else { throw decoder.failure("is not a whole number", at: key) }
            return number
        }
        func int(_ value: JSONValue, _ key: Key) throws -> Int {
            guard let number = value.integerValue, let int = Int(exactly: number) else {
                throw decoder.failure("is not a whole number", at: key)
            }
            return int
        }
        func bool(_ value: JSONValue, _ key: Key) throws -> Bool {
            guard case .bool(let flag) = value else { throw decoder.failure("is not true or false", at: key) }
            return flag
        }

        func decode(_ type: String.Type, forKey key: Key) throws -> String { try string(required(key), key) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(required(key), key) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try int(required(key), key) }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try bool(required(key), key) }
        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
            try present(key).map { try string($0, key) }
        }
        func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
            try present(key).map { try integer($0, key) }
        }
        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
            try present(key).map { try int($0, key) }
        }
        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
            try present(key).map { try bool($0, key) }
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try decodeValue(required(key), type, key)
        }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            guard let value = present(key) else { return nil }
            return try decodeValue(value, type, key)
        }

        func decodeValue<T: Decodable>(_ value: JSONValue, _ type: T.Type, _ key: Key) throws -> T {
            if T.self == Date.self {
                guard case .string(let text) = value, let date = EventValidator.parseUTCTimestamp(text),
                    let result = date as? T
                else { throw decoder.failure("is not a UTC timestamp", at: key) }
                return result
            }
            if let enumType = type as? any SchemaEnum.Type {
                guard case .string(let text) = value else { throw decoder.failure("is not a string", at: key) }
                guard let decoded = enumType.decoded(text) as? T else {
                    throw decoder.failure("is \"\(text)\", not one of \(enumType.rawValues)", at: key)
                }
                return decoded
            }
            return try ValueDecoder(value: value, codingPath: decoder.codingPath + [key], root: decoder.root).decode(
                type)
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            guard let value = member(key) else { throw decoder.failure("is required", at: key) }
            return try ValueDecoder(value: value, codingPath: decoder.codingPath + [key], root: decoder.root)
                .container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            guard let value = member(key) else { throw decoder.failure("is required", at: key) }
            return try ValueDecoder(value: value, codingPath: decoder.codingPath + [key], root: decoder.root)
                .unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { decoder }
        func superDecoder(forKey key: Key) throws -> any Decoder {
            ValueDecoder(value: member(key) ?? .null, codingPath: decoder.codingPath + [key], root: decoder.root)
        }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let items: [JSONValue]
        let decoder: ValueDecoder
        var currentIndex = 0
        var codingPath: [any CodingKey] { decoder.codingPath }
        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }

        mutating func next() throws -> ValueDecoder {
            guard !isAtEnd else { throw decoder.failure("has fewer items than expected") }
            defer { currentIndex += 1 }
            return ValueDecoder(
                value: items[currentIndex], codingPath: decoder.codingPath + [IndexKey(currentIndex)],
                root: decoder.root)
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, items[currentIndex] == .null else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(type) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
            -> KeyedDecodingContainer<NestedKey>
        { try next().container(keyedBy: type) }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try next().unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder { try next() }
    }

    struct Single: SingleValueDecodingContainer {
        let decoder: ValueDecoder
        var codingPath: [any CodingKey] { decoder.codingPath }
        func decodeNil() -> Bool { decoder.value == .null }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decode(type) }
    }
}

extension SchemaEnum {
    static func decoded(_ text: String) -> Self? { Self(rawValue: text) }
    static var firstCase: Self? { allCases.first }
    /// The schema's `enum` for this set.
    public static var rawValues: [String] { allCases.map(\.rawValue) }
}

// MARK: Encoding

/// Writes `Encodable` values (typed event data) as `JSONValue`: members in declaration order,
/// absent optionals left out, `Date`s as UTC timestamps, integers as written.
public enum EventDataEncoder {
    public static func encode<T: Encodable>(_ value: T) -> JSONValue {
        let box = ValueBox()
        do {
            try encodeValue(value, into: box)
            box.finish()
        } catch {
            // The encoder itself never throws; a type's own `encode(to:)` might.
            return .null
        }
        return box.value
    }

    static func encodeValue<T: Encodable>(_ value: T, into box: ValueBox) throws {
        switch value {
        case let text as String: box.value = .string(text)
        case let number as Int64: box.value = .number(String(number))
        case let number as Int: box.value = .number(String(number))
        case let flag as Bool: box.value = .bool(flag)
        case let date as Date: box.value = .string(Timestamp.format(date))
        case let json as JSONValue: box.value = json
        default: try value.encode(to: ValueEncoder(box: box))
        }
    }

    /// Where a value being encoded ends up (containers write into their parent's box).
    final class ValueBox {
        var value: JSONValue = .null
        var members: [(key: String, value: JSONValue)]?
        var items: [JSONValue]?

        func finish() {
            if let members { value = .object(members) } else if let items { value = .array(items) }
        }
    }

    struct ValueEncoder: Encoder {
        let box: ValueBox
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if box.members == nil { box.members = [] }
            return KeyedEncodingContainer(Keyed<Key>(box: box))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if box.items == nil { box.items = [] }
            return Unkeyed(box: box)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(box: box) }
    }

    static func child<T: Encodable>(_ value: T) throws -> JSONValue {
        let box = ValueBox()
        try encodeValue(value, into: box)
        box.finish()
        return box.value
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let box: ValueBox
        var codingPath: [any CodingKey] { [] }

        mutating func append(_ key: Key, _ value: JSONValue) {
            box.members?.append((key.stringValue, value))
        }

        mutating func encodeNil(forKey key: Key) throws { append(key, .null) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            append(key, try EventDataEncoder.child(value))
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            // Not used by synthesized conformances of event data; a nested box is written flat.
            KeyedEncodingContainer(Keyed<NestedKey>(box: box))
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { Unkeyed(box: box) }
        mutating func superEncoder() -> any Encoder { ValueEncoder(box: box) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { ValueEncoder(box: box) }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let box: ValueBox
        var codingPath: [any CodingKey] { [] }
        var count: Int { box.items?.count ?? 0 }

        mutating func encodeNil() throws {
            box.items?.append(.null)
        }
        mutating func encode<T: Encodable>(_ value: T) throws {
            box.items?.append(try EventDataEncoder.child(value))
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
            -> KeyedEncodingContainer<NestedKey>
        { KeyedEncodingContainer(Keyed<NestedKey>(box: box)) }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { Unkeyed(box: box) }
        mutating func superEncoder() -> any Encoder { ValueEncoder(box: box) }
    }

    struct Single: SingleValueEncodingContainer {
        let box: ValueBox
        var codingPath: [any CodingKey] { [] }
        mutating func encodeNil() throws { box.value = .null }
        mutating func encode<T: Encodable>(_ value: T) throws {
            box.value = try EventDataEncoder.child(value)
        }
    }
}
