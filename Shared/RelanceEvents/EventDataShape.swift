import Foundation

/// What a `Decodable` type reads, found by decoding it once from a probe: which members it
/// requires (`decode`), which it takes when present (`decodeIfPresent`), the values of each
/// `SchemaEnum` member, and the shape of each nested object (an array's items included).
/// Compared with a `JSONSchema` by `differences(from:)`: the test that keeps every event
/// type's Swift type and its schema in step.
public struct EventDataShape: Sendable, Equatable {
    public var required: Set<String> = []
    public var optional: Set<String> = []
    /// Member → the enum's raw values, for `SchemaEnum` members (or arrays of them).
    public var enums: [String: [String]] = [:]
    /// Member → the shape of the object it holds (or of its array's items).
    public var nested: [String: EventDataShape] = [:]

    public init() {}

    /// The shape `T`'s `init(from:)` reads.
    public static func of<T: Decodable>(_ type: T.Type) -> EventDataShape {
        let recorder = Recorder()
        _ = try? T(from: Probe(recorder: recorder))
        return recorder.shape
    }

    /// Where the type and the schema disagree, one line each (empty: they agree).
    public func differences(from schema: JSONSchema, path: String = "data") -> [String] {
        var problems: [String] = []
        let schemaRequired = Set(schema.required)
        let schemaMembers = Set(schema.properties.map(\.name))
        for name in required.subtracting(schemaRequired).sorted() {
            problems.append(
                schemaMembers.contains(name)
                    ? "\(path).\(name): required by the type, optional in the schema"
                    : "\(path).\(name): read by the type, not in the schema")
        }
        for name in schemaRequired.subtracting(required).sorted() {
            problems.append(
                optional.contains(name)
                    ? "\(path).\(name): required by the schema, optional in the type"
                    : "\(path).\(name): in the schema, not in the type")
        }
        for name in optional.subtracting(schemaMembers).sorted() {
            problems.append("\(path).\(name): read by the type, not in the schema")
        }
        for name in schemaMembers.subtracting(required).subtracting(optional).subtracting(schemaRequired).sorted() {
            problems.append("\(path).\(name): in the schema, not in the type")
        }
        for (name, member) in schema.properties {
            let itemSchema = member.kind == .array ? member.items.first ?? member : member
            if let values = enums[name] {
                if Set(values) != Set(itemSchema.allowed ?? []) {
                    problems.append(
                        "\(path).\(name): the type's values \(values.sorted()) are not the schema's "
                            + "\((itemSchema.allowed ?? []).sorted())")
                }
            } else if let allowed = itemSchema.allowed, required.contains(name) || optional.contains(name) {
                problems.append("\(path).\(name): the schema allows only \(allowed); the type takes any string")
            }
            if let shape = nested[name], itemSchema.kind == .object, !itemSchema.properties.isEmpty {
                problems += shape.differences(from: itemSchema, path: "\(path).\(name)")
            }
        }
        return problems
    }

    final class Recorder {
        var shape = EventDataShape()
    }

    /// Answers every request with a placeholder and notes what was asked.
    struct Probe: Decoder {
        let recorder: Recorder
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            KeyedDecodingContainer(Keyed<Key>(recorder: recorder))
        }
        func unkeyedContainer() throws -> any UnkeyedDecodingContainer { Unkeyed(recorder: recorder) }
        func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(recorder: recorder) }
    }

    /// A placeholder of type `T`, noting enum values and nested shapes in `into` for `member`.
    static func placeholder<T: Decodable>(_ type: T.Type, member: String?, recorder: Recorder) throws -> T {
        switch type {
        case is String.Type: if let value = "" as? T { return value }
        case is Int64.Type: if let value = Int64(0) as? T { return value }
        case is Int.Type: if let value = 0 as? T { return value }
        case is Bool.Type: if let value = false as? T { return value }
        case is Date.Type: if let value = Date(timeIntervalSince1970: 0) as? T { return value }
        case is JSONValue.Type: if let value = JSONValue.null as? T { return value }
        default:
            if let enumType = type as? any SchemaEnum.Type {
                if let member { recorder.shape.enums[member] = enumType.rawValues }
                if let value = enumType.firstCase as? T { return value }
            }
        }
        // A nested object or an array: probed on its own.
        let inner = Recorder()
        let value = try T(from: Probe(recorder: inner))
        if let member {
            if !inner.shape.enums.isEmpty, let values = inner.shape.enums[""] {
                recorder.shape.enums[member] = values  // an array of enum values
            }
            if inner.shape != EventDataShape() && inner.shape.enums[""] == nil {
                recorder.shape.nested[member] = inner.shape
            }
        }
        return value
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let recorder: Recorder
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { [] }
        func contains(_ key: Key) -> Bool { true }
        func decodeNil(forKey key: Key) throws -> Bool { false }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            recorder.shape.required.insert(key.stringValue)
            return try EventDataShape.placeholder(type, member: key.stringValue, recorder: recorder)
        }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            recorder.shape.optional.insert(key.stringValue)
            return try EventDataShape.placeholder(type, member: key.stringValue, recorder: recorder)
        }
        // The standard library's own overloads for these types would call `decode`: say optional.
        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try optional(type, key) }
        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try optional(type, key) }
        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try optional(type, key) }
        func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try optional(type, key) }
        func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try optional(type, key) }
        func optional<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
            recorder.shape.optional.insert(key.stringValue)
            return try EventDataShape.placeholder(type, member: key.stringValue, recorder: recorder)
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            recorder.shape.required.insert(key.stringValue)
            return KeyedDecodingContainer(Keyed<NestedKey>(recorder: Recorder()))
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            recorder.shape.required.insert(key.stringValue)
            return Unkeyed(recorder: Recorder())
        }
        func superDecoder() throws -> any Decoder { Probe(recorder: recorder) }
        func superDecoder(forKey key: Key) throws -> any Decoder { Probe(recorder: Recorder()) }
    }

    /// An array of one item, so that the item's type is probed too (under the member's name).
    struct Unkeyed: UnkeyedDecodingContainer {
        let recorder: Recorder
        var currentIndex = 0
        var codingPath: [any CodingKey] { [] }
        var count: Int? { 1 }
        var isAtEnd: Bool { currentIndex >= 1 }

        mutating func decodeNil() throws -> Bool { false }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            currentIndex += 1
            // An item's enum values or shape are the array member's (`""` marks an enum item).
            if let enumType = type as? any SchemaEnum.Type {
                recorder.shape.enums[""] = enumType.rawValues
                if let value = enumType.firstCase as? T { return value }
            }
            return try EventDataShape.placeholder(type, member: nil, recorder: recorder, itemOf: ())
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            currentIndex += 1
            return KeyedDecodingContainer(Keyed<NestedKey>(recorder: recorder))
        }
        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            currentIndex += 1
            return Unkeyed(recorder: Recorder())
        }
        mutating func superDecoder() throws -> any Decoder {
            currentIndex += 1
            return Probe(recorder: recorder)
        }
    }

    /// An array's item: a scalar leaves no trace; an object's members become the array's shape.
    static func placeholder<T: Decodable>(_ type: T.Type, member: String?, recorder: Recorder, itemOf: Void) throws
        -> T
    {
        switch type {
        case is String.Type, is Int64.Type, is Int.Type, is Bool.Type, is Date.Type, is JSONValue.Type:
            return try placeholder(type, member: nil, recorder: Recorder())
        default:
            return try T(from: Probe(recorder: recorder))
        }
    }

    struct Single: SingleValueDecodingContainer {
        let recorder: Recorder
        var codingPath: [any CodingKey] { [] }
        func decodeNil() -> Bool { false }
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try EventDataShape.placeholder(type, member: nil, recorder: Recorder())
        }
    }
}
