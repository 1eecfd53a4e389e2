import Foundation
import RelanceDomain
import RelanceEvents
import Testing

@Suite("Reading and checking events")
struct EventValidatorTests {
    let validator = EventValidator(knownTypes: ["payment.failed": [1, 2], "card.replaced": [1]], maximumBytes: 4096)

    func event(
        type: String = "payment.failed", version: String = "1", data: String = #"{"amount":1250,"currency":"EUR"}"#
    )
        -> String
    {
        #"{"eventId":"e-1","type":"\#(type)","schemaVersion":\#(version),"occurredAt":"2026-11-21T10:00:00Z","accountId":"acct-42","merchantId":"m-1","data":\#(data)}"#
    }

    func reject(_ text: String) -> InputRejection? {
        if case .failure(let rejection) = validator.read(Array(text.utf8)) { return rejection }
        return nil
    }

    @Test("a valid event is read field by field")
    func valid() throws {
        let envelope = try validator.read(Array(event().utf8)).get()
        #expect(envelope.eventID == "e-1")
        #expect(envelope.type == "payment.failed")
        #expect(envelope.schemaVersion == 1)
        #expect(envelope.occurredAt == Date(timeIntervalSince1970: 1_795_255_200))
        #expect(envelope.accountID == "acct-42")
        #expect(envelope.merchantID == "m-1")
        #expect(envelope.data["amount"] == .number("1250"))
        #expect(envelope.data["currency"] == .string("EUR"))
    }

    static let badInputs: [(String, String, String)] = [
        ("not JSON at all", "payment failed!", "malformed_json"),
        ("truncated JSON", #"{"eventId":"e-1","#, "malformed_json"),
        ("trailing comma", #"{"eventId":"e-1",}"#, "malformed_json"),
        ("duplicate member", #"{"eventId":"a","eventId":"b"}"#, "malformed_json"),
        ("nesting bomb", String(repeating: "[", count: 200) + String(repeating: "]", count: 200), "malformed_json"),
        ("a JSON array", "[1,2,3]", "not_an_object"),
        ("no eventId", #"{"type":"payment.failed"}"#, "missing_field"),
        ("eventId not a string", #"{"eventId":42}"#, "wrong_type"),
        ("empty eventId", #"{"eventId":""}"#, "empty_field"),
        ("unknown type", "TYPE:payment.exploded", "unknown_type"),
        ("unsupported version", "VERSION:7", "unsupported_version"),
        ("fractional version", "VERSION:1.5", "wrong_type"),
        ("local time, no zone", "TIME:2026-11-21T10:00:00", "invalid_timestamp"),
        ("not a date", "TIME:yesterday", "invalid_timestamp"),
        ("negative amount", #"DATA:{"amount":-100,"currency":"EUR"}"#, "negative_amount"),
        ("fractional amount", #"DATA:{"amount":12.5,"currency":"EUR"}"#, "fractional_amount"),
        ("amount with exponent", #"DATA:{"amount":1e3,"currency":"EUR"}"#, "fractional_amount"),
        ("amount as a string", #"DATA:{"amount":"12.50","currency":"EUR"}"#, "amount_not_a_number"),
        ("amount above the bound", #"DATA:{"amount":1000000000000000,"currency":"EUR"}"#, "amount_out_of_range"),
        ("amount of Int64.max", #"DATA:{"amount":9223372036854775807,"currency":"EUR"}"#, "amount_out_of_range"),
        ("amount of Int64.max + 1", #"DATA:{"amount":9223372036854775808,"currency":"EUR"}"#, "amount_out_of_range"),
        ("30-digit amount", #"DATA:{"amount":123456789012345678901234567890,"currency":"EUR"}"#, "amount_out_of_range"),
        ("nested amount too large", #"DATA:{"lines":[{"unitAmount":99999999999999999999}]}"#, "amount_out_of_range"),
        ("nested negative amount", #"DATA:{"lines":[{"unitAmount":-5,"currency":"EUR"}]}"#, "negative_amount"),
        ("unknown currency", #"DATA:{"amount":100,"currency":"EUX"}"#, "unknown_currency"),
        ("lower-case currency", #"DATA:{"amount":100,"currency":"eur"}"#, "unknown_currency"),
        ("card number in a note", #"DATA:{"amount":100,"currency":"EUR","note":"4111 1111 1111 1111"}"#, "card_number"),
        ("card number as a number", #"DATA:{"amount":100,"currency":"EUR","ref":4111111111111111}"#, "card_number"),
        ("data not an object", #"DATA:[1]"#, "wrong_type"),
        ("too large", "SIZE", "too_large"),
    ]

    @Test("each kind of bad input is refused with a reason that names it", arguments: badInputs)
    func refused(_ input: (String, String, String)) throws {
        let (name, raw, code) = input
        let text: String
        if raw.hasPrefix("TYPE:") {
            text = event(type: String(raw.dropFirst(5)))
        } else if raw.hasPrefix("VERSION:") {
            text = event(version: String(raw.dropFirst(8)))
        } else if raw.hasPrefix("TIME:") {
            text = event().replacingOccurrences(of: "2026-11-21T10:00:00Z", with: String(raw.dropFirst(5)))
        } else if raw.hasPrefix("DATA:") {
            text = event(data: String(raw.dropFirst(5)))
        } else if raw == "SIZE" {
            text = event(data: #"{"note":""# + String(repeating: "x", count: 5000) + #""}"#)
        } else {
            text = raw
        }
        let rejection = try #require(reject(text), "\(name) was accepted")
        #expect(rejection.code == code, "\(name): \(rejection)")
        #expect(!rejection.description.isEmpty)
    }

    @Test("reasons say where the problem is, and never repeat a card number")
    func reasonsAreSpecific() throws {
        let negative = try #require(reject(event(data: #"{"lines":[{"unitAmount":-5,"currency":"EUR"}]}"#)))
        #expect(negative.description == "data.lines[0].unitAmount is negative (-5): amounts are never negative")
        let card = try #require(reject(event(data: #"{"note":"5555555555554444"}"#)))
        #expect(!card.description.contains("5555555555554444"))
        #expect(card.description.contains("555555••••••4444"))
        let large = try #require(reject(event(data: #"{"amount":123456789012345678901234567890}"#)))
        #expect(
            large.description
                == "data.amount is out of range (123456789012345678901234567890): amounts are at most 999999999999999 minor units"
        )
        let version = try #require(reject(event(version: "3")))
        #expect(version.description == "payment.failed schema version 3 is not supported (supported: 1, 2)")
    }

    @Test("an amount at the bound is read; one minor unit more is out of range")
    func amountBound() throws {
        #expect(Money.maximumMinorUnits == 999_999_999_999_999)
        let atBound = try validator.read(Array(event(data: #"{"amount":999999999999999,"currency":"EUR"}"#).utf8)).get()
        #expect(atBound.data["amount"]?.integerValue == Money.maximumMinorUnits)
        #expect(reject(event(data: #"{"amount":1000000000000000,"currency":"EUR"}"#))?.code == "amount_out_of_range")
        #expect(reject(event(data: #"{"amount":-0,"currency":"EUR"}"#)) == nil)
    }

    @Test("twenty-five distinct kinds of bad input, twelve distinct reasons")
    func coverage() {
        #expect(Self.badInputs.count >= 20)
        #expect(Set(Self.badInputs.map(\.2)).count >= 12)
    }
}

@Suite("The strict JSON reader")
struct JSONReaderTests {
    func read(_ text: String) throws(JSONSyntaxError) -> JSONValue { try JSONReader.read(Array(text.utf8)) }

    @Test("numbers keep their literal text")
    func numbers() throws {
        #expect(
            try read("[0, -0, 12, 12.50, 1e3, -1.5E-2]")
                == .array([
                    .number("0"), .number("-0"), .number("12"), .number("12.50"), .number("1e3"), .number("-1.5E-2"),
                ]))
        #expect(try read("12").integerValue == 12)
        #expect(try read("12.0").integerValue == nil)
    }

    @Test("escapes, surrogate pairs and non-ASCII text")
    func strings() throws {
        #expect(try read(#""a\"b\\c\/d\n\u00e9\ud83d\ude00""#) == .string("a\"b\\c/d\né😀"))
        #expect(try read(#""Société Générale""#) == .string("Société Générale"))
    }

    @Test(
        "invalid JSON is refused",
        arguments: [
            "", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "+1", "NaN", "'a'", "{a:1}", "[1 2]", "\"\u{01}\"",
            #""\ud800""#, #""\x""#, "tru", "nulls", "{} {}", "[\"a\"",
        ])
    func invalid(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try read(text) }
    }

    @Test("invalid UTF-8 in a string is refused")
    func invalidUTF8() {
        #expect(throws: JSONSyntaxError.self) { try JSONReader.read([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test("the error says where reading stopped")
    func errorOffset() {
        let error = #expect(throws: JSONSyntaxError.self) { try read(#"{"a":1,"b":tru}"#) }
        // `tru` starts at byte 11; the `}` at byte 14 is where `true` broke off.
        #expect(error?.offset == 14)
    }
}
