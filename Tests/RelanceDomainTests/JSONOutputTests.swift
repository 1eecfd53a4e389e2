import Foundation
import RelanceEvents
import Testing

@testable import RelanceDomain

@Suite("JSON written straight to bytes")
struct JSONOutputTests {
    /// Drives a `JSONOutput` through a value the way a hand-written writer would.
    private func write(_ value: JSONValue, _ out: inout JSONOutput) {
        switch value {
        case .null: Issue.record("JSONOutput writes no null")
        case .bool(let flag): out.bool(flag)
        case .number(let literal): out.integer(Int64(literal)!)
        case .string(let text): out.string(text)
        case .array(let elements):
            out.beginArray()
            for element in elements { write(element, &out) }
            out.endArray()
        case .object(let members):
            out.beginObject()
            for member in members {
                out.key(member.key)
                write(member.value, &out)
            }
            out.endObject()
        }
    }

    private func sample(_ random: inout some RandomNumberGenerator, depth: Int) -> JSONValue {
        let texts = ["", "a", "inv-1", "quote \" and \\ slash", "tab\tline\nend", "café €", "\u{1}"]
        switch Int.random(in: 0..<(depth > 2 ? 3 : 5), using: &random) {
        case 0: return .bool(Bool.random(using: &random))
        case 1: return .integer(Int64.random(in: -1_000_000...1_000_000_000, using: &random))
        case 2: return .string(texts.randomElement(using: &random)!)
        case 3:
            return .array(
                (0..<Int.random(in: 0...3, using: &random)).map { _ in sample(&random, depth: depth + 1) })
        default:
            return .object(
                (0..<Int.random(in: 0...4, using: &random)).map { index in
                    (key: "\(texts.randomElement(using: &random)!)\(index)", value: sample(&random, depth: depth + 1))
                })
        }
    }

    @Test("the same bytes as a JSONValue written whole, commas and escapes included")
    func sameBytesAsJSONValue() throws {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let value = JSONValue.object([
                ("root", sample(&random, depth: 0)), ("after", .array([.bool(true), .integer(-7)])),
            ])
            var out = JSONOutput()
            write(value, &out)
            #expect(out.bytes == value.jsonBytes, "\(value.jsonText)")
            #expect(try JSONReader.read(out.bytes) == value)
            if !value.jsonText.contains("\\") {
                #expect(value.estimatedByteCount == out.bytes.count)
            }
        }
    }

    @Test("an envelope around encoded data is the envelope of the parsed data")
    func envelopeAroundEncodedData() throws {
        let data = JSONValue.object([
            ("listed", .bool(true)), ("openItems", .array([.object([("id", .string("inv-1"))])])),
        ])
        let event = EventEnvelope(
            eventID: "evt-1", type: "reconcilable-account.updated", schemaVersion: 1,
            occurredAt: Date(timeIntervalSince1970: 1_793_491_200.5), accountID: "acct-\"1", merchantID: "m-1",
            data: data)
        let bytes = EventEnvelope.jsonBytes(
            eventID: event.eventID, type: event.type, schemaVersion: 1, occurredAt: event.occurredAt,
            accountID: event.accountID, merchantID: event.merchantID, encodedData: data.jsonBytes)
        #expect(bytes == event.jsonBytes)
        #expect(data.estimatedByteCount == data.jsonBytes.count)
    }

    @Test("literal keys, members left out when nil, and timestamps write what a JSONValue would")
    func membersAndTimestamps() {
        var out = JSONOutput()
        out.beginObject()
        out.member("id", "inv-\"1")
        out.member("missing", nil as String?)
        out.member("amount", -4_900)
        out.member("none", nil as Int64?)
        out.member("paid", false)
        out.key(static: "at")
        out.timestamp(milliseconds: 1_793_491_200_007)
        out.key(static: "list")
        out.beginArray()
        out.timestamp(milliseconds: 0)
        out.endArray()
        out.endObject()
        let expected = JSONValue.object([
            ("id", .string("inv-\"1")), ("amount", .integer(-4_900)), ("paid", .bool(false)),
            ("at", .string("2026-11-01T00:00:00.007Z")), ("list", .array([.string("1970-01-01T00:00:00.000Z")])),
        ])
        #expect(out.bytes == expected.jsonBytes, "\(String(decoding: out.bytes, as: UTF8.self))")
    }
}
