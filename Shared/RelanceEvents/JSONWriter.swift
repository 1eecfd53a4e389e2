import Foundation

extension JSONValue {
    /// Compact JSON text (RFC 8259): members in order, numbers as their literal text.
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(estimatedByteCount)
        JSONValue.write(self, into: &out)
        return out
    }

    /// About the length of `jsonBytes` (exact unless strings need escapes), for reserving the
    /// output once instead of growing it several times.
    public var estimatedByteCount: Int {
        switch self {
        case .null: 4
        case .bool(let flag): flag ? 4 : 5
        case .number(let literal): literal.utf8.count
        case .string(let text): text.utf8.count + 2
        // Brackets and commas: 2 + (count - 1).
        case .array(let elements): elements.reduce(max(2, elements.count + 1)) { $0 + $1.estimatedByteCount }
        case .object(let members):
            members.reduce(max(2, members.count + 1)) { $0 + $1.key.utf8.count + 3 + $1.value.estimatedByteCount }
        }
    }

    public var jsonText: String { String(decoding: jsonBytes, as: UTF8.self) }

    /// Indented JSON (two spaces), for documents kept in the repository.
    public var prettyText: String {
        var out: [UInt8] = []
        JSONValue.writePretty(self, indent: 0, into: &out)
        out.append(0x0A)
        return String(decoding: out, as: UTF8.self)
    }

    static func writePretty(_ value: JSONValue, indent: Int, into out: inout [UInt8]) {
        let inner = [UInt8](repeating: 0x20, count: (indent + 1) * 2)
        let outer = [UInt8](repeating: 0x20, count: indent * 2)
        switch value {
        case .array(let elements) where !elements.isEmpty:
            let scalars = elements.allSatisfy {
                if case .array = $0 { false } else if case .object = $0 { false } else { true }
            }
            if scalars {
                write(value, into: &out)
                return
            }
            out.append(contentsOf: "[\n".utf8)
            for (index, element) in elements.enumerated() {
                out += inner
                writePretty(element, indent: indent + 1, into: &out)
                out.append(contentsOf: (index + 1 < elements.count ? ",\n" : "\n").utf8)
            }
            out += outer
            out.append(UInt8(ascii: "]"))
        case .object(let members) where !members.isEmpty:
            out.append(contentsOf: "{\n".utf8)
            for (index, member) in members.enumerated() {
                out += inner
                writeString(member.key, into: &out)
                out.append(contentsOf: ": ".utf8)
                writePretty(member.value, indent: indent + 1, into: &out)
                out.append(contentsOf: (index + 1 < members.count ? ",\n" : "\n").utf8)
            }
            out += outer
            out.append(UInt8(ascii: "}"))
        default:
            write(value, into: &out)
        }
    }

    static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let literal): out.append(contentsOf: literal.utf8)
        case .string(let text): writeString(text, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    package static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            // Runs of bytes that need no escape are copied whole.
            var run = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index]))
                run = index + 1
                out.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                default:
                    let hex: StaticString = "0123456789abcdef"
                    out.append(contentsOf: "u00".utf8)
                    out.append(hex.utf8Start[Int(byte >> 4)])
                    out.append(hex.utf8Start[Int(byte & 0xF)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// An integer's decimal digits, without making a `String` first.
    package static func writeInteger(_ value: Int64, into out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // Digits from the last, into a small buffer on the stack (20 digits hold any UInt64).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// An object's members as a dictionary-like lookup builder.
    public static func object(_ members: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(members.map { (key: $0.key, value: $0.value) })
    }

    public static func integer(_ value: Int64) -> JSONValue { .number(String(value)) }
}

extension EventEnvelope {
    /// The event as Relance writes it: the envelope's fields in a fixed order, occurredAt in
    /// UTC with milliseconds.
    public var jsonBytes: [UInt8] {
        Self.jsonBytes(
            eventID: eventID, type: type, schemaVersion: schemaVersion, occurredAt: occurredAt, accountID: accountID,
            merchantID: merchantID, dataByteCount: data.estimatedByteCount
        ) { $0.value(data) }
    }

    /// An event's JSON with its `data` already written as JSON text (`encodedData`, not
    /// checked), e.g. when its bytes were needed first for a hash.
    public static func jsonBytes(
        eventID: String, type: String, schemaVersion: Int, occurredAt: Date, accountID: String, merchantID: String,
        encodedData: [UInt8]
    ) -> [UInt8] {
        jsonBytes(
            eventID: eventID, type: type, schemaVersion: schemaVersion, occurredAt: occurredAt, accountID: accountID,
            merchantID: merchantID, dataByteCount: encodedData.count
        ) { $0.encoded(encodedData) }
    }

    /// An event's JSON, its `data` written by `writeData` (one JSON value) into the same
    /// output as the envelope: one buffer for the whole event. `dataByteCount` is about the
    /// size of `data`, for reserving the buffer once.
    public static func jsonBytes(
        eventID: String, type: String, schemaVersion: Int, occurredAt: Date, accountID: String, merchantID: String,
        dataByteCount: Int, writeData: (inout JSONOutput) -> Void
    ) -> [UInt8] {
        // The envelope's names and timestamp take about 120 bytes.
        var out = JSONOutput(
            capacity: 128 + eventID.utf8.count + type.utf8.count + accountID.utf8.count + merchantID.utf8.count
                + dataByteCount)
        out.beginObject()
        out.member("eventId", eventID)
        out.member("type", type)
        out.member("schemaVersion", Int64(schemaVersion))
        out.key(static: "occurredAt")
        out.timestamp(milliseconds: Timestamp.milliseconds(occurredAt))
        out.member("accountId", accountID)
        out.member("merchantId", merchantID)
        out.key(static: "data")
        writeData(&out)
        out.endObject()
        return out.bytes
    }
}

/// UTC timestamps in the one ISO 8601 form Relance writes: `2026-11-21T10:00:00.000Z`.
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        format(milliseconds: milliseconds(date))
    }

    /// Milliseconds since 1970, the unit of Relance's clocks and timers.
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    public static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    public static func format(milliseconds: Int64) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        write(milliseconds: milliseconds, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `YYYY-MM-DDTHH:MM:SS.mmmZ` (years 0 to 9999).
    public static func write(milliseconds: Int64, into out: inout [UInt8]) {
        let millis = Int(milliseconds % 1000 + 1000) % 1000
        let seconds = (milliseconds - Int64(millis)) / 1000
        var days = Int(seconds / 86_400)
        var secondOfDay = Int(seconds % 86_400)
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civil(fromDays: days)
        let clampedYear = min(max(0, year), 9999)
        // The 24 bytes in a fixed-size buffer, appended at once.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { text in
            func two(_ value: Int, at index: Int) {
                text[index] = UInt8(48 + value / 10)
                text[index + 1] = UInt8(48 + value % 10)
            }
            two(clampedYear / 100, at: 0)
            two(clampedYear % 100, at: 2)
            text[4] = UInt8(ascii: "-")
            two(month, at: 5)
            text[7] = UInt8(ascii: "-")
            two(day, at: 8)
            text[10] = UInt8(ascii: "T")
            two(secondOfDay / 3600, at: 11)
            text[13] = UInt8(ascii: ":")
            two(secondOfDay / 60 % 60, at: 14)
            text[16] = UInt8(ascii: ":")
            two(secondOfDay % 60, at: 17)
            text[19] = UInt8(ascii: ".")
            text[20] = UInt8(48 + millis / 100)
            two(millis % 100, at: 21)
            text[23] = UInt8(ascii: "Z")
            out.append(contentsOf: UnsafeBufferPointer(text))
        }
    }

    /// The common form, `2026-11-21T10:00:00Z` or with 1 to 9 fraction digits, read without
    /// Foundation (kept to milliseconds); nil for anything else, which the full ISO 8601
    /// parser then judges.
    public static func parseMilliseconds(_ text: String) -> Int64? {
        var copy = text
        return copy.withUTF8 { parseMilliseconds(utf8: $0) }
    }

    static func parseMilliseconds(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard bytes.count <= 30, bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { return nil }
        func digits(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = Int(bytes[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let year = digits(0..<4), let month = digits(5..<7), let day = digits(8..<10),
            let hour = digits(11..<13), let minute = digits(14..<16), let second = digits(17..<19),
            (1...12).contains(month), hour < 24, minute < 60, second < 60
        else { return nil }
        var millis = 0
        if bytes.count > 20 {
            guard bytes[19] == UInt8(ascii: "."), bytes.count - 21 <= 9, let fraction = digits(20..<(bytes.count - 1))
            else { return nil }
            let width = bytes.count - 21
            millis = width >= 3 ? fraction / Int(pow10(width - 3)) : fraction * Int(pow10(3 - width))
        } else if bytes.count != 20 {
            return nil
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...lengths[month - 1]).contains(day) else { return nil }
        let days = Int64(daysFromCivil(year: year, month: month, day: day))
        return ((days * 86_400 + Int64(hour * 3600 + minute * 60 + second)) * 1000) + Int64(millis)
    }

    private static func pow10(_ n: Int) -> Int64 { (0..<n).reduce(1) { value, _ in value * 10 } }

    /// Proleptic Gregorian date → days since 1970-01-01 (Howard Hinnant's days_from_civil).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Days since 1970-01-01 → proleptic Gregorian date (Howard Hinnant's civil_from_days).
    public static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// JSON text written straight to bytes, for a hot path where building a `JSONValue` first
/// would cost more than the writing. Commas are placed by the writer; the caller opens and
/// closes containers in order and writes a key before each member of an object.
public struct JSONOutput {
    public private(set) var bytes: [UInt8] = []
    /// Per open container: whether it has an item yet (the next one needs a comma).
    private var hasItem: [Bool] = []
    /// A key was just written: its value needs no comma.
    private var afterKey = false

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
        hasItem.reserveCapacity(4)
    }

    private mutating func item() {
        if afterKey {
            afterKey = false
            return
        }
        if let last = hasItem.indices.last {
            if hasItem[last] { bytes.append(UInt8(ascii: ",")) }
            hasItem[last] = true
        }
    }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    private mutating func open(_ bracket: UInt8) {
        item()
        bytes.append(bracket)
        hasItem.append(false)
    }

    private mutating func close(_ bracket: UInt8) {
        hasItem.removeLast()
        bytes.append(bracket)
    }

    public mutating func key(_ name: String) {
        item()
        JSONValue.writeString(name, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    /// A key known to need no escape (a literal): its bytes are copied as they are.
    public mutating func key(static name: StaticString) {
        item()
        let count = name.utf8CodeUnitCount
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: count))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    public mutating func string(_ text: String) {
        item()
        JSONValue.writeString(text, into: &bytes)
    }

    /// A dictionary as an object, members in the dictionary's iteration order (as `Codable`
    /// writes a `[String: Value]`), each value written by `write`.
    public mutating func object<Value>(_ dictionary: [String: Value], _ write: (Value, inout JSONOutput) -> Void) {
        beginObject()
        for (name, value) in dictionary {
            key(name)
            write(value, &self)
        }
        endObject()
    }

    /// A value already written as JSON text (not checked).
    public mutating func encoded(_ json: [UInt8]) {
        item()
        bytes.append(contentsOf: json)
    }

    /// A whole `JSONValue`.
    public mutating func value(_ value: JSONValue) {
        item()
        JSONValue.write(value, into: &bytes)
    }

    /// A time as Relance writes it, `"2026-11-21T10:00:00.000Z"` (`Timestamp.format`).
    public mutating func timestamp(milliseconds: Int64) {
        item()
        bytes.append(UInt8(ascii: "\""))
        Timestamp.write(milliseconds: milliseconds, into: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A time as `timestamp(milliseconds:)` writes it.
    public mutating func timestamp(_ date: Date) {
        timestamp(milliseconds: Timestamp.milliseconds(date))
    }

    /// A member whose value is a string, left out when the value is nil (as `Codable`'s
    /// `encodeIfPresent` does).
    public mutating func member(_ name: StaticString, _ text: String?) {
        guard let text else { return }
        key(static: name)
        string(text)
    }

    /// A member whose value is an integer, left out when nil.
    public mutating func member(_ name: StaticString, _ value: Int64?) {
        guard let value else { return }
        key(static: name)
        integer(value)
    }

    /// A member whose value is a Boolean.
    public mutating func member(_ name: StaticString, _ value: Bool) {
        key(static: name)
        bool(value)
    }

    public mutating func integer(_ value: Int64) {
        item()
        JSONValue.writeInteger(value, into: &bytes)
    }

    public mutating func bool(_ value: Bool) {
        item()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }
}

/// A worker state that writes its own changelog JSON, skipping the generic `Encoder`
/// machinery (keyed containers, a metadata lookup per member): for a state encoded at every
/// batch that changes it. The bytes must be exactly those its `Codable` conformance writes
/// through `StateCoding.encodeWithCodable` (members in declaration order, nil optionals left
/// out, dictionaries in iteration order), so that decoding, and changelogs written before,
/// stay as they are; a test per conforming type compares the two.
public protocol StateJSONWritable {
    func writeStateJSON(into out: inout JSONOutput)
}
