import Foundation
import RelanceDomain
import RelanceEvents
import Testing

@Suite("Dead letters keep what was refused, and why")
struct DeadLetterTests {
    let source = DeadLetter.Source(topic: "payments", partition: 3, offset: 1234)
    let at = Date(timeIntervalSince1970: 1_795_255_200)

    @Test("original bytes, headers, reason and source survive the round trip through JSON")
    func roundTrip() throws {
        let value = Array(#"{"eventId":"e-1","data":{"amount":-5}}"#.utf8)
        let letter = DeadLetter(
            rejection: .negativeAmount(path: "data.amount", literal: "-5"), source: source,
            key: Array("acct-42".utf8), value: value,
            headers: [(key: "trace", value: [0, 1, 2, 255]), (key: "empty", value: nil)], worker: "payment-retry",
            failedAt: at)
        let decoded = try DeadLetter.decode(letter.encoded())
        #expect(decoded == letter)
        #expect(decoded.value == Data(value))
        #expect(decoded.key == Data("acct-42".utf8))
        #expect(decoded.headers.map(\.key) == ["trace", "empty"])
        #expect(decoded.headers[0].value == Data([0, 1, 2, 255]))
        #expect(decoded.headers[1].value == nil)
        #expect(decoded.reason.code == "negative_amount")
        #expect(decoded.reason.message == "data.amount is negative (-5): amounts are never negative")
        #expect(decoded.source == source)
        #expect(decoded.failedAt == at)
        #expect(!decoded.redacted)
        // Readable as a record: the reason and source are plain JSON fields.
        let json = String(decoding: try letter.encoded(), as: UTF8.self)
        #expect(json.contains(#""topic":"payments""#))
        #expect(json.contains(#""offset":1234"#))
    }

    @Test("a card number is masked out of value, key and headers, and the letter says so")
    func cardNumbersRedacted() throws {
        let value = Array(#"{"note":"paid with 4111 1111 1111 1111","ref":5555555555554444}"#.utf8)
        let letter = DeadLetter(
            rejection: .cardNumber(try #require(CardNumberDetector.firstCardNumber(in: value))), source: source,
            key: Array("378282246310005".utf8), value: value,
            headers: [(key: "pan", value: Array("6011111111111117".utf8))],
            worker: "payment-retry", failedAt: at)
        #expect(letter.redacted)
        let kept = String(decoding: try #require(letter.value), as: UTF8.self)
        #expect(kept == #"{"note":"paid with XXXX XXXX XXXX 1111","ref":XXXXXXXXXXXX4444}"#)
        #expect(String(decoding: try #require(letter.key), as: UTF8.self) == "XXXXXXXXXXX0005")
        #expect(letter.headers[0].value == Data("XXXXXXXXXXXX1117".utf8))
        let encoded = String(decoding: try letter.encoded(), as: UTF8.self)
        let plainValue = Data(value).base64EncodedString()
        #expect(!encoded.contains(plainValue))
        #expect(CardNumberDetector.firstCardNumber(in: try #require(letter.value)) == nil)
    }
}
