import Foundation

/// The subset of JSON Schema (draft 2020-12) Relance's event schemas use, as a value that
/// both validates events and renders the schema document kept in the repo.
public struct JSONSchema: Sendable {
    public enum Kind: String, Sendable {
        case object, string, integer, number, boolean, array
    }

    public var kind: Kind?
    public var description: String?
    /// Object members, in document order.
    public var properties: [(name: String, schema: JSONSchema)] = []
    public var required: [String] = []
    public var additionalProperties = true
    /// The schema of members not in `properties` (a map such as `{"merchant id": …}`); empty:
    /// `additionalProperties` alone decides.
    public var values: [JSONSchema] = []
    /// What a violation says of a member the object does not know.
    public var unknownMember = "is not a field of this event"
    public var items: [JSONSchema] = []
    public var minItems: Int?
    public var allowed: [String]?
    public var minLength: Int?
    public var maxLength: Int?
    /// The pattern's text is what the document says; `Checker` compiles it for validation.
    public var pattern: String?
    public var format: String?
    public var minimum: Int64?
    public var maximum: Int64?

    public init(kind: Kind?, description: String? = nil) {
        self.kind = kind
        self.description = description
    }

    // MARK: Builders

    /// An object with exactly these members (others are refused); `optional` ones may be
    /// absent.
    public static func object(
        _ members: KeyValuePairs<String, JSONSchema>, optional: Set<String> = [], description: String? = nil
    ) -> JSONSchema {
        var schema = JSONSchema(kind: .object, description: description)
        schema.properties = members.map { ($0.key, $0.value) }
        schema.required = members.map(\.key).filter { !optional.contains($0) }
        schema.additionalProperties = false
        return schema
    }

    /// A map: an object whose members, named freely, all follow `value` (`{"m-1": …, "m-2": …}`).
    public static func map(of value: JSONSchema, _ description: String? = nil) -> JSONSchema {
        var schema = JSONSchema(kind: .object, description: description)
        schema.values = [value]
        return schema
    }

    /// The same schema with `problem` as what a violation says of an unknown member, in
    /// every object it holds (a configuration file's wording rather than an event's).
    public func unknownMembers(_ problem: String) -> JSONSchema {
        var schema = self
        schema.unknownMember = problem
        schema.properties = properties.map { ($0.name, $0.schema.unknownMembers(problem)) }
        schema.values = values.map { $0.unknownMembers(problem) }
        schema.items = items.map { $0.unknownMembers(problem) }
        return schema
    }

    /// Any object: what a type without a detailed schema accepts as `data`.
    public static let anyObject = JSONSchema(kind: .object)

    public static func string(
        _ description: String? = nil, minLength: Int? = 1, maxLength: Int? = nil, pattern: String? = nil
    ) -> JSONSchema {
        var schema = JSONSchema(kind: .string, description: description)
        schema.minLength = minLength
        schema.maxLength = maxLength
        if let pattern {
            precondition(SimplePattern(pattern) != nil, "pattern \(pattern) is outside the supported subset")
            schema.pattern = pattern
        }
        return schema
    }

    public static func oneOf(_ values: [String], _ description: String? = nil) -> JSONSchema {
        var schema = JSONSchema(kind: .string, description: description)
        schema.allowed = values
        return schema
    }

    public static func integer(_ description: String? = nil, minimum: Int64? = nil, maximum: Int64? = nil)
        -> JSONSchema
    {
        var schema = JSONSchema(kind: .integer, description: description)
        schema.minimum = minimum
        schema.maximum = maximum
        return schema
    }

    /// Money: a whole, non-negative number of minor units, at most `Money.maximumMinorUnits`
    /// (exact in an IEEE 754 double, so every JSON reader reads it as written).
    public static func amount(_ description: String = "amount in minor units of the currency") -> JSONSchema {
        integer(description, minimum: 0, maximum: Money.maximumMinorUnits)
    }

    /// An active ISO 4217 code.
    public static func currency(_ description: String = "ISO 4217 currency code") -> JSONSchema {
        string(description, minLength: 3, maxLength: 3, pattern: "^[A-Z]{3}$")
    }

    /// A UTC instant, `2026-11-21T10:00:00Z`.
    public static func timestamp(_ description: String? = nil) -> JSONSchema {
        var schema = string(description, minLength: nil)
        schema.format = "date-time"
        return schema
    }

    /// A calendar date, `2026-11-21`.
    public static func date(_ description: String? = nil) -> JSONSchema {
        var schema = string(description, minLength: nil, pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
        schema.format = "date"
        return schema
    }

    public static func boolean(_ description: String? = nil) -> JSONSchema {
        JSONSchema(kind: .boolean, description: description)
    }

    public static func array(of item: JSONSchema, minItems: Int? = nil, _ description: String? = nil) -> JSONSchema {
        var schema = JSONSchema(kind: .array, description: description)
        schema.items = [item]
        schema.minItems = minItems
        return schema
    }

    // MARK: Document

    /// The schema as a JSON Schema document (without `$schema`/`$id`, added by the caller).
    public var document: JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        if let kind { members.append(("type", .string(kind.rawValue))) }
        if let description { members.append(("description", .string(description))) }
        if let allowed { members.append(("enum", .array(allowed.map(JSONValue.string)))) }
        if let format { members.append(("format", .string(format))) }
        if let pattern { members.append(("pattern", .string(pattern))) }
        if let minLength { members.append(("minLength", .integer(Int64(minLength)))) }
        if let maxLength { members.append(("maxLength", .integer(Int64(maxLength)))) }
        if let minimum { members.append(("minimum", .integer(minimum))) }
        if let maximum { members.append(("maximum", .integer(maximum))) }
        if kind == .object && !properties.isEmpty {
            members.append(("properties", .object(properties.map { ($0.name, $0.schema.document) })))
            members.append(("required", .array(required.map(JSONValue.string))))
        }
        if let value = values.first {
            members.append(("additionalProperties", value.document))
        } else if kind == .object && !additionalProperties {
            members.append(("additionalProperties", .bool(false)))
        }
        if let item = items.first { members.append(("items", item.document)) }
        if let minItems { members.append(("minItems", .integer(Int64(minItems)))) }
        return .object(members)
    }

    // MARK: Validation

    public struct Violation: Error, Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var problem: String
        public var description: String { "\(path) \(problem)" }
    }

    /// The first place `value` does not follow the schema, named by its path. (Prepares a
    /// `Checker` each time: a caller checking many values keeps one.)
    public func validate(_ value: JSONValue, path: String) throws(Violation) {
        try Checker(self).check(value, path: path)
    }

    /// A schema prepared for checking many values: a tree of references, so that checking a
    /// member does not copy its schema (a large value, a retain for each of its members),
    /// with the members' names apart for the lookups and the required ones as a bit mask.
    public final class Checker: Sendable {
        let kind: Kind?
        let names: [String]
        let checkers: [Checker]
        let required: [String]
        /// Bit i: member i is required. Nil when that cannot say it all (more than 64
        /// properties, or a required name that is not a property): then `required` is searched.
        let requiredMask: UInt64?
        let additionalProperties: Bool
        let valueChecker: Checker?
        let unknownMember: String
        let item: Checker?
        let minItems: Int?
        let allowed: [String]?
        let minLength: Int?
        let maxLength: Int?
        let pattern: String?
        let compiled: SimplePattern?
        let format: String?
        let minimum: Int64?
        let maximum: Int64?

        public init(_ schema: JSONSchema) {
            kind = schema.kind
            names = schema.properties.map(\.name)
            checkers = schema.properties.map { Checker($0.schema) }
            required = schema.required
            var mask: UInt64? = names.count <= 64 ? 0 : nil
            for name in required {
                guard let position = names.firstIndex(of: name), let bits = mask else {
                    mask = nil
                    break
                }
                mask = bits | 1 << UInt64(position)
            }
            requiredMask = mask
            additionalProperties = schema.additionalProperties
            valueChecker = schema.values.first.map(Checker.init)
            unknownMember = schema.unknownMember
            item = schema.items.first.map(Checker.init)
            minItems = schema.minItems
            allowed = schema.allowed
            minLength = schema.minLength
            maxLength = schema.maxLength
            pattern = schema.pattern
            compiled = schema.pattern.flatMap(SimplePattern.init)
            format = schema.format
            minimum = schema.minimum
            maximum = schema.maximum
        }

        /// `validate`, with the path spelt out only for a violation.
        public func check(_ value: JSONValue, path: @autoclosure () -> String) throws(Violation) {
            func fail(_ problem: String) -> Violation { Violation(path: path(), problem: problem) }
            switch (kind, value) {
            case (nil, _): break
            case (.object, .object(let members)):
                var present: UInt64 = 0
                if let requiredMask {
                    for member in members {
                        if let position = names.firstIndex(of: member.key) { present |= 1 << UInt64(position) }
                    }
                    present &= requiredMask
                }
                if present != requiredMask {
                    for name in required where !members.contains(where: { $0.key == name }) {
                        throw Violation(path: "\(path()).\(name)", problem: "is required")
                    }
                }
                for member in members {
                    if let index = names.firstIndex(of: member.key) {
                        try checkers[index].check(member.value, path: "\(path()).\(member.key)")
                    } else if let valueChecker {
                        try valueChecker.check(member.value, path: "\(path()).\(member.key)")
                    } else if !additionalProperties {
                        throw Violation(path: "\(path()).\(member.key)", problem: unknownMember)
                    }
                }
            case (.string, .string(let text)):
                // Characters are counted only when a bound needs it (nearly every string has just
                // "not empty").
                let length =
                    maxLength == nil && (minLength ?? 0) <= 1
                    ? (text.isEmpty ? 0 : 1) : text.unicodeScalars.count
                if let minLength, length < minLength {
                    throw fail(minLength == 1 ? "must not be empty" : "must have at least \(minLength) characters")
                }
                if let maxLength, length > maxLength { throw fail("must have at most \(maxLength) characters") }
                if let allowed, !allowed.contains(text) {
                    throw fail("must be one of \(allowed.joined(separator: ", ")) (got \"\(text)\")")
                }
                if let pattern, compiled?.matches(text) != true {
                    throw fail("\"\(text)\" does not match \(pattern)")
                }
                if format == "date-time", EventValidator.parseTimestamp(text) == nil {
                    throw fail("\"\(text)\" is not an ISO 8601 UTC timestamp")
                }
            case (.integer, .number(let literal)):
                guard let number = Int64(literal) else { throw fail("must be a whole number (got \(literal))") }
                if let minimum, number < minimum { throw fail("must be at least \(minimum) (got \(number))") }
                if let maximum, number > maximum { throw fail("must be at most \(maximum) (got \(number))") }
            case (.number, .number), (.boolean, .bool): break
            case (.array, .array(let elements)):
                if let minItems, elements.count < minItems { throw fail("must have at least \(minItems) element(s)") }
                if let item {
                    for (index, element) in elements.enumerated() {
                        try item.check(element, path: "\(path())[\(index)]")
                    }
                }
            case (let kind?, _):
                let article = kind == .object || kind == .integer || kind == .array ? "an" : "a"
                throw fail("must be \(article) \(kind.rawValue)")
            }
        }
    }
}

/// One version of one event type: its name, what it means, and the schema of its `data`.
public struct EventType: Sendable {
    public var name: String
    public var version: Int
    public var summary: String
    public var data: JSONSchema

    public init(_ name: String, version: Int = 1, summary: String, data: JSONSchema = .anyObject) {
        self.name = name
        self.version = version
        self.summary = summary
        self.data = data
    }

    /// `schemas/events/<name>.v<version>.schema.json`
    public var fileName: String { "\(name).v\(version).schema.json" }

    /// The whole event's JSON Schema: the envelope with this type's `data`.
    public var schemaDocument: JSONValue {
        var envelope = EventEnvelope.schema(data: data)
        envelope.description = summary
        if let index = envelope.properties.firstIndex(where: { $0.name == "type" }) {
            envelope.properties[index].schema = .oneOf([name], "event type")
        }
        if let index = envelope.properties.firstIndex(where: { $0.name == "schemaVersion" }) {
            envelope.properties[index].schema = .integer(
                "schema version", minimum: Int64(version), maximum: Int64(version))
        }
        guard case .object(let members) = envelope.document else { return envelope.document }
        return .object(
            [
                ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
                ("$id", .string("https://relance.dev/schemas/events/\(fileName)")),
                ("title", .string("\(name) v\(version)")),
            ] + members)
    }
}

extension EventEnvelope {
    /// The envelope every event travels in, with `data` as given.
    public static func schema(data: JSONSchema) -> JSONSchema {
        .object([
            "eventId": .string("unique id of the event; a repeated id is a duplicate"),
            "type": .string("event type, e.g. payment.failed"),
            "schemaVersion": .integer("version of the type's schema", minimum: 1),
            "occurredAt": .timestamp("when it happened, UTC"),
            "accountId": .string("the customer account: the partition key"),
            "merchantId": .string("the merchant the account belongs to"),
            "data": data,
        ])
    }
}
