import Foundation
import RelanceEvents

/// Random values that follow a `JSONSchema`, for property tests: every member a schema
/// requires, each optional one about half the time, enum values, timestamps in Relance's
/// form, ISO 4217 currencies, amounts mostly small and sometimes at the bound. Strings are
/// letters and hyphens, so that no sample looks like a card number.
public struct SchemaSamples<R: RandomNumberGenerator> {
    public var random: R
    /// Values given to members by name wherever they occur (an id the test wants to share
    /// between events, a merchant's currency).
    public var fixed: [String: [JSONValue]] = [:]

    public init(random: R) { self.random = random }

    static var currencies: [String] { ["EUR", "USD", "GBP", "JPY", "AUD", "CHF", "KWD"] }

    public mutating func sample(_ schema: JSONSchema, member: String = "") -> JSONValue {
        if let choices = fixed[member], let pick = choices.randomElement(using: &random) { return pick }
        if let allowed = schema.allowed, let pick = allowed.randomElement(using: &random) { return .string(pick) }
        switch schema.kind {
        case .string?:
            if schema.format == "date-time" {
                let milliseconds = Int64.random(in: 1_767_225_600_000...1_830_297_600_000, using: &random)
                return .string(Timestamp.format(milliseconds: milliseconds))
            }
            if schema.format == "date" {
                let day = Date(timeIntervalSince1970: Double(Int.random(in: 20_454...21_184, using: &random)) * 86_400)
                return .string(String(Timestamp.format(day).prefix(10)))
            }
            if schema.pattern == "^[A-Z]{3}$" { return .string(Self.currencies.randomElement(using: &random) ?? "EUR") }
            if schema.pattern == "^[0-9]{4}$" {
                return .string(String(format: "%04d", Int.random(in: 0...9999, using: &random)))
            }
            let low = max(schema.minLength ?? 0, 1)
            let high = max(low, min(schema.maxLength ?? 12, 12))
            let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-")
            let count = Int.random(in: low...high, using: &random)
            return .string(String((0..<count).map { _ in letters.randomElement(using: &random) ?? "a" }))
        case .integer?:
            let low = schema.minimum ?? -1_000
            let high = schema.maximum ?? 1_000_000
            let small = min(high, low + 100_000)
            let value =
                Int.random(in: 0..<10, using: &random) == 0
                ? Int64.random(in: low...high, using: &random) : Int64.random(in: low...small, using: &random)
            return .number(String(value))
        case .number?:
            return .number(String(Int.random(in: 0...1000, using: &random)))
        case .boolean?:
            return .bool(Bool.random(using: &random))
        case .array?:
            let item = schema.items.first ?? JSONSchema(kind: .string)
            let count = Int.random(in: (schema.minItems ?? 0)...max(schema.minItems ?? 0, 3), using: &random)
            return .array((0..<count).map { _ in sample(item, member: member) })
        case .object?:
            var members: [(key: String, value: JSONValue)] = []
            for (name, property) in schema.properties
            where schema.required.contains(name) || Bool.random(using: &random) {
                members.append((name, sample(property, member: name)))
            }
            if let value = schema.values.first {
                for n in 0..<Int.random(in: 0...2, using: &random) {
                    members.append(("key-\(n)", sample(value)))
                }
            }
            return .object(members)
        case nil:
            return .object([])
        }
    }
}
