import Foundation

/// The envelope every Relance event travels in.
///
/// ```json
/// {"eventId": "…", "type": "payment.failed", "schemaVersion": 1,
///  "occurredAt": "2026-11-21T10:00:00Z", "accountId": "acct-42", "merchantId": "m-1",
///  "data": { … }}
/// ```
/// The account id is the partition key: every event of an account goes to one partition.
public struct EventEnvelope: Sendable, Equatable {
    public var eventID: String
    public var type: String
    public var schemaVersion: Int
    public var occurredAt: Date
    public var accountID: String
    public var merchantID: String
    public var data: JSONValue

    public init(
        eventID: String, type: String, schemaVersion: Int, occurredAt: Date, accountID: String,
        merchantID: String, data: JSONValue
    ) {
        self.eventID = eventID
        self.type = type
        self.schemaVersion = schemaVersion
        self.occurredAt = occurredAt
        self.accountID = accountID
        self.merchantID = merchantID
        self.data = data
    }
}

/// Why an input was refused. Each case names the problem and where it is, so that the
/// dead-letter record says what to fix.
public enum InputRejection: Error, Sendable, Equatable, CustomStringConvertible {
    case tooLarge(bytes: Int, limit: Int)
    case malformedJSON(JSONSyntaxError)
    case notAnObject
    case missingField(String)
    case wrongType(field: String, expected: String)
    case emptyField(String)
    case unknownType(String)
    case unsupportedVersion(type: String, version: Int, supported: [Int])
    case invalidTimestamp(String)
    case negativeAmount(path: String, literal: String)
    case fractionalAmount(path: String, literal: String)
    /// A whole number above `Money.maximumMinorUnits`, or too long for 64 bits at all.
    case amountOutOfRange(path: String, literal: String)
    case amountNotANumber(path: String)
    case unknownCurrency(path: String, code: String)
    case cardNumber(CardNumberDetector.Finding)
    case schemaViolation(JSONSchema.Violation)

    /// A short stable code for metrics and filters.
    public var code: String {
        switch self {
        case .tooLarge: "too_large"
        case .malformedJSON: "malformed_json"
        case .notAnObject: "not_an_object"
        case .missingField: "missing_field"
        case .wrongType: "wrong_type"
        case .emptyField: "empty_field"
        case .unknownType: "unknown_type"
        case .unsupportedVersion: "unsupported_version"
        case .invalidTimestamp: "invalid_timestamp"
        case .negativeAmount: "negative_amount"
        case .fractionalAmount: "fractional_amount"
        case .amountOutOfRange: MoneyOverflow.code
        case .amountNotANumber: "amount_not_a_number"
        case .unknownCurrency: "unknown_currency"
        case .cardNumber: "card_number"
        case .schemaViolation: "schema_violation"
        }
    }

    public var description: String {
        switch self {
        case .tooLarge(let bytes, let limit): "event of \(bytes) bytes exceeds the \(limit)-byte limit"
        case .malformedJSON(let error): "malformed JSON: \(error)"
        case .notAnObject: "the event is not a JSON object"
        case .missingField(let field): "missing field \"\(field)\""
        case .wrongType(let field, let expected): "field \"\(field)\" must be \(expected)"
        case .emptyField(let field): "field \"\(field)\" is empty"
        case .unknownType(let type): "unknown event type \"\(type)\""
        case .unsupportedVersion(let type, let version, let supported):
            "\(type) schema version \(version) is not supported (supported: \(supported.map(String.init).joined(separator: ", ")))"
        case .invalidTimestamp(let text): "occurredAt \"\(text)\" is not an ISO 8601 UTC timestamp"
        case .negativeAmount(let path, let literal): "\(path) is negative (\(literal)): amounts are never negative"
        case .fractionalAmount(let path, let literal):
            "\(path) is not a whole number of minor units (\(literal))"
        case .amountOutOfRange(let path, let literal):
            "\(path) is out of range (\(literal)): amounts are at most \(Money.maximumMinorUnits) minor units"
        case .amountNotANumber(let path): "\(path) must be a whole number of minor units"
        case .unknownCurrency(let path, let code): "\(path) \"\(code)\" is not an ISO 4217 currency"
        case .cardNumber(let finding): "the event carries \(finding): card numbers never enter Relance"
        case .schemaViolation(let violation): "schema violation: \(violation)"
        }
    }
}

/// Reads and checks an event: the envelope's fields and, anywhere in the event, the rules
/// every Relance input follows (no card number, amounts as non-negative whole minor units,
/// currencies that exist).
public struct EventValidator: Sendable {
    /// Event types this reader accepts, with their supported schema versions.
    public var knownTypes: [String: [Int]]
    public var maximumBytes: Int
    /// The schema of `data` per type and version, prepared for checking; a type without one
    /// accepts any object.
    private var checkers: [String: [Int: JSONSchema.Checker]] = [:]

    public init(knownTypes: [String: [Int]], maximumBytes: Int = 1 << 20) {
        self.knownTypes = knownTypes
        self.maximumBytes = maximumBytes
    }

    /// Accepts these types and versions, each checked against its schema.
    public init(types: [EventType], maximumBytes: Int = 1 << 20) {
        self.maximumBytes = maximumBytes
        self.knownTypes = Dictionary(grouping: types, by: \.name).mapValues { $0.map(\.version).sorted() }
        for type in types { checkers[type.name, default: [:]][type.version] = JSONSchema.Checker(type.data) }
    }

    public func read(_ bytes: [UInt8]) -> Result<EventEnvelope, InputRejection> {
        guard bytes.count <= maximumBytes else {
            return .failure(.tooLarge(bytes: bytes.count, limit: maximumBytes))
        }
        // First, before anything is parsed or logged.
        if let finding = CardNumberDetector.firstCardNumber(in: bytes) { return .failure(.cardNumber(finding)) }
        let json: JSONValue
        do {
            json = try JSONReader.read(bytes)
        } catch {
            return .failure(.malformedJSON(error))
        }
        guard case .object = json else { return .failure(.notAnObject) }
        do {
            let envelope = try envelope(of: json)
            try checkAmountsAndCurrencies(envelope.data, path: "data")
            if let checker = checkers[envelope.type]?[envelope.schemaVersion] {
                do {
                    try checker.check(envelope.data, path: "data")
                } catch {
                    throw InputRejection.schemaViolation(error)
                }
            }
            return .success(envelope)
        } catch let rejection as InputRejection {
            return .failure(rejection)
        } catch {
            preconditionFailure("only InputRejection is thrown")
        }
    }

    private func envelope(of json: JSONValue) throws -> EventEnvelope {
        guard case .object(let members) = json else { throw InputRejection.notAnObject }
        // Relance writes the envelope's fields in this order: where they are, a field is found
        // at its place, and elsewhere by a search.
        func member(_ field: String, at position: Int) -> JSONValue? {
            if position < members.count && members[position].key == field { return members[position].value }
            return members.first(where: { $0.key == field })?.value
        }
        func text(_ field: String, at position: Int) throws -> String {
            guard let value = member(field, at: position) else { throw InputRejection.missingField(field) }
            guard let string = value.stringValue else {
                throw InputRejection.wrongType(field: field, expected: "a string")
            }
            guard !string.isEmpty else { throw InputRejection.emptyField(field) }
            return string
        }
        let eventID = try text("eventId", at: 0)
        let type = try text("type", at: 1)
        guard let versionValue = member("schemaVersion", at: 2) else {
            throw InputRejection.missingField("schemaVersion")
        }
        guard let version = versionValue.integerValue, let schemaVersion = Int(exactly: version) else {
            throw InputRejection.wrongType(field: "schemaVersion", expected: "a whole number")
        }
        guard let supported = knownTypes[type] else { throw InputRejection.unknownType(type) }
        guard supported.contains(schemaVersion) else {
            throw InputRejection.unsupportedVersion(type: type, version: schemaVersion, supported: supported.sorted())
        }
        let occurredText = try text("occurredAt", at: 3)
        guard let occurredAt = EventValidator.parseTimestamp(occurredText) else {
            throw InputRejection.invalidTimestamp(occurredText)
        }
        let accountID = try text("accountId", at: 4)
        let merchantID = try text("merchantId", at: 5)
        guard let data = member("data", at: 6) else { throw InputRejection.missingField("data") }
        guard case .object = data else { throw InputRejection.wrongType(field: "data", expected: "an object") }
        return EventEnvelope(
            eventID: eventID, type: type, schemaVersion: schemaVersion, occurredAt: occurredAt,
            accountID: accountID, merchantID: merchantID, data: data)
    }

    /// Fields named `amount` or ending in `Amount` hold minor units: a non-negative whole
    /// number as written, at most `Money.maximumMinorUnits`. Fields named `currency` or ending in `Currency` hold an ISO 4217
    /// code.
    private func checkAmountsAndCurrencies(_ value: JSONValue, path: @autoclosure () -> String) throws {
        switch value {
        case .object(let members):
            for (key, member) in members {
                // The path is spelt out only for a refusal.
                func memberPath() -> String { "\(path()).\(key)" }
                if key == "amount" || key.utf8.hasSuffix("Amount") {
                    switch member {
                    case .number(let literal):
                        if literal.utf8.first == UInt8(ascii: "-") && literal != "-0" {
                            throw InputRejection.negativeAmount(path: memberPath(), literal: literal)
                        }
                        guard
                            !literal.utf8.contains(where: {
                                $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E")
                            })
                        else {
                            throw InputRejection.fractionalAmount(path: memberPath(), literal: literal)
                        }
                        // Whole: either it fits the bound, or it is out of range (30 digits
                        // included: too large for 64 bits is not "fractional").
                        guard let value = Int64(literal), value <= Money.maximumMinorUnits else {
                            throw InputRejection.amountOutOfRange(path: memberPath(), literal: literal)
                        }
                    case .null: break
                    default: throw InputRejection.amountNotANumber(path: memberPath())
                    }
                } else if key == "currency" || key.utf8.hasSuffix("Currency") {
                    guard let code = member.stringValue else {
                        if member == .null { continue }
                        throw InputRejection.wrongType(field: memberPath(), expected: "an ISO 4217 code")
                    }
                    guard Currency(code: code) != nil else {
                        throw InputRejection.unknownCurrency(path: memberPath(), code: code)
                    }
                } else {
                    switch member {
                    case .object, .array: try checkAmountsAndCurrencies(member, path: memberPath())
                    default: break
                    }
                }
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                try checkAmountsAndCurrencies(element, path: "\(path())[\(index)]")
            }
        default:
            break
        }
    }

    /// `2026-11-21T10:00:00Z`, with 1 to 9 fraction digits or not, `Z` or `+00:00`; a date
    /// that does not exist (29 February 2025) is refused.
    public static func parseUTCTimestamp(_ text: String) -> Date? { parseTimestamp(text) }

    static func parseTimestamp(_ text: String) -> Date? {
        let zulu = text.utf8.hasSuffix("+00:00") ? String(text.dropLast(6)) + "Z" : text
        return Timestamp.parseMilliseconds(zulu).map { Timestamp.date(milliseconds: $0) }
    }

}

extension String.UTF8View {
    /// Byte-wise suffix test (no Unicode rules: for ASCII names and markers).
    func hasSuffix(_ suffix: StaticString) -> Bool {
        var text = String(self)
        return text.withUTF8 { bytes in
            let length = suffix.utf8CodeUnitCount
            guard bytes.count >= length else { return false }
            return memcmp(bytes.baseAddress! + (bytes.count - length), suffix.utf8Start, length) == 0
        }
    }
}
