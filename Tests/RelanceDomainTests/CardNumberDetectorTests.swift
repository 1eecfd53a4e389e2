import RelanceDomain
import RelanceTestSupport
import Testing

@Suite("Card numbers never enter Relance")
struct CardNumberDetectorTests {
    func find(_ text: String) -> CardNumberDetector.Finding? {
        CardNumberDetector.firstCardNumber(in: Array(text.utf8))
    }

    // Networks' published test numbers, all Luhn-valid.
    @Test(
        "test card numbers are found, contiguous and in printed groups",
        arguments: [
            "4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111",  // Visa 16
            "4222222222222",  // Visa 13
            "5555555555554444", "2223003122003222",  // Mastercard
            "378282246310005", "3782 822463 10005",  // American Express 4-6-5
            "30569309025904", "3056 930902 5904",  // Diners 4-6-4
            "6011111111111117", "3530111333300000",  // Discover, JCB
            "6250941006528599", "4111 1111 1111 1111 003",  // UnionPay; a 19-digit grouping
        ])
    func found(_ number: String) throws {
        // `{"note":"card ` is 14 bytes: the first digit is at byte 14.
        let finding = try #require(find(#"{"note":"card \#(number) used"}"#))
        let digits = number.filter(\.isNumber)
        #expect(finding.digitCount == digits.count)
        #expect(finding.offset == 14)
        // Only the first six and last four digits survive in the masked form.
        #expect(
            finding.masked == String(digits.prefix(6)) + String(repeating: "•", count: digits.count - 10)
                + String(digits.suffix(4)))
    }

    @Test("a card number as a bare JSON number, or at the very end of the input, is found")
    func bareNumberAndEnd() {
        #expect(find(#"{"pan":4111111111111111}"#)?.offset == 7)
        #expect(find("4111111111111111")?.offset == 0)
        #expect(find("ends with 5555555555554444")?.digitCount == 16)
    }

    @Test(
        "what is not a card number is left alone",
        arguments: [
            "4111111111111112",  // Luhn fails
            "411111111111",  // 12 digits
            "41111111111111111111",  // 20 digits
            "FR76 3000 6000 0112 3456 7890 189",  // IBAN, grouped
            "FR7630006000011234567890189",  // IBAN, contiguous
            "BE68 5390 0754 7034",  // IBAN whose digits number 14
            "2026-11-21 10:00:00", "+33 6 12 34 56 78",  // date, phone
            "invoice INV-2026-000123, order 1234567",  // references
            "4111 1111  1111 1111",  // double space: not one printed number
            "41 1111 1111 1111 11",  // grouped unlike any card
        ])
    func notFound(_ text: String) {
        #expect(find(text) == nil, "\(text)")
    }

    @Test("Luhn over generated numbers: the valid check digit is found, the nine others are not")
    func generated() {
        var generator = SplitMix64(seed: 2026)
        for _ in 0..<500 {
            let length = Int.random(in: 13...19, using: &generator)
            var digits = (0..<(length - 1)).map { _ in UInt8.random(in: 0...9, using: &generator) }
            digits[0] = UInt8.random(in: 1...9, using: &generator)
            let valid = (0...9).map(UInt8.init).filter { CardNumberDetector.luhnValid(digits + [$0]) }
            #expect(valid.count == 1, "exactly one check digit completes a Luhn number")
            for check in (0...9).map(UInt8.init) {
                let text = "x" + (digits + [check]).map(String.init).joined() + "y"
                #expect((find(text) != nil) == valid.contains(check))
            }
        }
    }
}
