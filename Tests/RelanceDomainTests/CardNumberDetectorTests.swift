import Foundation
import RelanceDomain
import RelanceEvents
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

    @Test(
        "bank identifiers whose digits pass Luhn are not card numbers",
        arguments: [
            "BE96731234568405", "BE96 7312 3456 8405", "be96731234568405",  // Belgian IBAN: 14 digits, Luhn-valid
            #"{"account":"BE96731234568405"}"#, "IBAN: BE96731234568405.",
            "GKCC2027032100183", #"{"reference":"GKCC2027032100183"}"#,  // bank code, 2027-03-21, sequence
            "2027032100183",  // the same without the bank code
            "RF18539007547034", "RF18 5390 0754 7034",  // ISO 11649 creditor reference
            "GB20BUKB94580730215736", "GB20 BUKB 9458 0730 2157 36",  // letters inside the BBAN
        ])
    func bankIdentifiers(_ text: String) {
        #expect(find(text) == nil, "\(text)")
    }

    @Test(
        "a card number beside or glued to a bank identifier, or with one digit changed, is still found",
        arguments: [
            ("card4111111111111111", 4), ("PAN:4111111111111111", 4), ("x4111111111111111y", 1),
            ("GKCC4111111111111111", 4),  // a bank code, no date: a card number glued to letters
            ("GKCC2027032100183 4111111111111111", 18),
            ("BE96731234568405;4111111111111111", 17),
            ("BE96731234568413", 2),  // mod-97 fails: not an IBAN, and its 14 digits pass Luhn
            ("BE967312345684054", 2),  // 15 digits after BE: too long for a Belgian IBAN
            ("XX96731234568405", 2),  // no such country
            ("ABE96731234568405", 3),  // not at the start of a word
            ("RF18539007547034X", 2),  // the reference goes on: mod-97 fails
            ("2027133100181", 0),  // month 13: not a date
            ("4111 1111 1111 1111 12/28 123", 0), ("4111111111111111 123", 0),  // expiry, security code
            ("ref 12 4111111111111111", 7), ("3782 822463 10005 1234", 0),
            // Printed groups after another group of digits.
            ("order 12345 4111 1111 1111 1111", 12), ("qty 2 4111-1111-1111-1111", 6),
            ("n 1 2 3782 822463 10005", 6), ("12 34 4111 1111 1111 1111 12/28", 6),
            // Past the 64th digit of one segment.
            (String(repeating: "1234 ", count: 17) + "4111 1111 1111 1111", 85),
        ])
    func stillFound(_ text: String, _ offset: Int) {
        #expect(find(text)?.offset == offset, "\(text)")
    }

    @Test("a statement with an IBAN and a dated reference passes every check; the same with a card number does not")
    func statementDocument() throws {
        let statement = """
            Date;Account;Counterparty;Reference;Amount
            2027-03-21;BE96 7312 3456 8405;BE96731234568405;GKCC2027032100183;-42.00
            2027-03-22;BE96731234568405;RF18539007547034;+++090/9337/55493+++;120.00
            """
        func event(_ content: String) -> [UInt8] {
            let document = JSONValue.object([
                ("format", .string("csv")), ("content", .string(content)),
            ])
            let data = JSONValue.object([
                ("proofId", .string("proof-1")), ("kind", .string("bank_statement")), ("document", document),
            ])
            return JSONValue.object([
                ("eventId", .string("ev-1")), ("type", .string("proof.submitted")), ("schemaVersion", .integer(1)),
                ("occurredAt", .string("2027-03-23T10:00:00Z")), ("accountId", .string("acct-1")),
                ("merchantId", .string("m-1")), ("data", data),
            ]).jsonBytes
        }
        let validator = EventValidator(types: [ProofEvents.proofSubmitted])
        _ = try validator.read(event(statement)).get()
        // Keys, headers and base64 documents go through the same function.
        #expect(CardNumberDetector.firstCardNumber(in: Array(statement.utf8)) == nil)
        #expect(CardNumberDetector.firstCardNumber(in: Array(Data(statement.utf8).base64EncodedString().utf8)) == nil)

        let withCard = statement + "\n2027-03-23;BE96731234568405;card 4111 1111 1111 1111;GKCC2027032100184;9.99"
        guard case .failure(.cardNumber(let finding)) = validator.read(event(withCard)) else {
            Issue.record("a statement with a card number was accepted")
            return
        }
        #expect(finding.masked == "411111••••••1111")
    }

    @Test("redacted masks card numbers and leaves IBANs and bank references as they are")
    func redactedLeavesIBANs() {
        let text = "BE96731234568405 GKCC2027032100183 card 4111 1111 1111 1111, 5555555555554444 RF18539007547034"
        let redacted = String(decoding: CardNumberDetector.redacted(Array(text.utf8)), as: UTF8.self)
        #expect(
            redacted
                == "BE96731234568405 GKCC2027032100183 card XXXX XXXX XXXX 1111, XXXXXXXXXXXX4444 RF18539007547034")
        #expect(CardNumberDetector.allCardNumbers(in: Array(text.utf8)).map(\.digitCount) == [16, 16])
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
