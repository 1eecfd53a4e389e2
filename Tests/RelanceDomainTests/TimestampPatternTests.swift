import Foundation
import RelanceDomain
import RelanceEvents
import Testing

@Suite("Timestamps and schema patterns")
struct TimestampPatternTests {
    @Test("the fast timestamp reader agrees with the formatter and with calendar rules")
    func timestamps() {
        for millis: Int64 in [0, 1_790_000_000_123, 951_782_400_000, 4_102_444_799_999, 1_709_164_800_000] {
            #expect(Timestamp.parseMilliseconds(Timestamp.format(milliseconds: millis)) == millis)
        }
        #expect(Timestamp.parseMilliseconds("2024-02-29T12:00:00Z") == 1_709_208_000_000)
        #expect(Timestamp.parseMilliseconds("2026-11-21T10:00:00.5Z") == 1_795_255_200_500)
        #expect(Timestamp.parseMilliseconds("2026-11-21T10:00:00.123456789Z") == 1_795_255_200_123)
        for bad in [
            "2025-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-21T24:00:00Z",
            "2026-11-21 10:00:00Z", "2026-11-21T10:00:00", "2026-11-21T10:00:00+02:00", "yesterday",
        ] {
            #expect(Timestamp.parseMilliseconds(bad) == nil, "\(bad)")
        }
        // The envelope reader still takes the +00:00 form, through Foundation.
        #expect(EventValidator.parseUTCTimestamp("2026-11-21T10:00:00+00:00") != nil)
        #expect(EventValidator.parseUTCTimestamp("2025-02-29T00:00:00Z") == nil)
    }

    @Test("the timestamp writer agrees with Foundation's ISO 8601 formatter, years 1583 to 9999")
    func writerAgreesWithFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var random = SystemRandomNumberGenerator()
        // From 1583: Foundation's calendar is Julian before the Gregorian reform, Relance's is
        // proleptic Gregorian.
        let range: ClosedRange<Int64> = -12_212_553_600_000...253_402_300_799_999
        let edges: [Int64] = [range.lowerBound, -1, 0, 999, 1_000, 951_782_400_000, range.upperBound]
        for millis in edges + (0..<2_000).map({ _ in Int64.random(in: range, using: &random) }) {
            let expected = formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
            #expect(Timestamp.format(milliseconds: millis) == expected, "\(millis)")
        }
    }

    @Test("patterns: the subset used by schemas")
    func patterns() throws {
        let currency = try #require(SimplePattern("^[A-Z]{3}$"))
        #expect(
            currency.matches("EUR") && !currency.matches("EU") && !currency.matches("EURO") && !currency.matches("eur"))
        let date = try #require(SimplePattern("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
        #expect(date.matches("2026-11-21") && !date.matches("2026-1-21") && !date.matches("2026-11-21x"))
        let reference = try #require(SimplePattern("^INV-[0-9]+[A-Z]?$"))
        #expect(
            reference.matches("INV-42") && reference.matches("INV-42B") && !reference.matches("INV-")
                && !reference.matches("INV-4BB"))
        #expect(SimplePattern("^(a|b)$") == nil)
        #expect(SimplePattern("^[a-z$") == nil)
    }
}
