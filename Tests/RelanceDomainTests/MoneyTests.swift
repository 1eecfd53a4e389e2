import Foundation
import RelanceDomain
import RelanceEvents
import Testing

@Suite("Money in integer minor units, ISO 4217 currencies")
struct MoneyTests {
    @Test(
        "minor-unit digits per currency",
        arguments: [("EUR", 2), ("USD", 2), ("AUD", 2), ("JPY", 0), ("KRW", 0), ("BHD", 3), ("KWD", 3), ("CLF", 4)])
    func digits(_ code: String, _ digits: Int) throws {
        #expect(try #require(Currency(code: code)).minorUnitDigits == digits)
    }

    @Test("unknown, withdrawn or lower-case codes are refused", arguments: ["EUX", "DEM", "FRF", "eur", "", "EURO"])
    func unknown(_ code: String) {
        #expect(Currency(code: code) == nil)
    }

    @Test("decimal text to minor units and back, with the currency's digits")
    func decimal() throws {
        let eur = try #require(Currency(code: "EUR"))
        let jpy = try #require(Currency(code: "JPY"))
        let bhd = try #require(Currency(code: "BHD"))
        #expect(Money(decimal: "12.5", currency: eur)?.minorUnits == 1250)
        #expect(Money(decimal: "12.50", currency: eur)?.decimalString == "12.50")
        #expect(Money(decimal: "0.07", currency: eur)?.decimalString == "0.07")
        #expect(Money(decimal: "-3.10", currency: eur)?.minorUnits == -310)
        #expect(Money(decimal: "1000", currency: jpy)?.decimalString == "1000")
        #expect(Money(decimal: "1.250", currency: bhd)?.minorUnits == 1250)
        #expect(Money(minorUnits: 5, currency: bhd).description == "0.005 BHD")
    }

    @Test(
        "malformed or over-precise decimals are refused",
        arguments: ["1.234", "1e3", "+1.00", "1,00", ".5", "5.", "", "-", "1.2.3", " 1.00", "99999999999999999999"])
    func refused(_ text: String) throws {
        #expect(Money(decimal: text, currency: try #require(Currency(code: "EUR"))) == nil)
    }

    @Test("JPY has no decimals at all")
    func yen() throws {
        #expect(Money(decimal: "100.5", currency: try #require(Currency(code: "JPY"))) == nil)
    }

    @Test("sums never mix currencies or overflow")
    func sums() throws {
        let eur = try #require(Currency(code: "EUR"))
        let usd = try #require(Currency(code: "USD"))
        #expect(
            Money.sum([Money(minorUnits: 100, currency: eur), Money(minorUnits: 250, currency: eur)])?.minorUnits == 350
        )
        #expect(Money.sum([Money(minorUnits: 100, currency: eur), Money(minorUnits: 1, currency: usd)]) == nil)
        #expect(Money.sum([Money(minorUnits: .max, currency: eur), Money(minorUnits: 1, currency: eur)]) == nil)
        #expect(Money.sum([]) == nil)
    }

    @Test("JSON: the currency travels as its code, an unknown code fails to decode")
    func json() throws {
        let money = Money(minorUnits: 4200, currency: try #require(Currency(code: "AUD")))
        let data = try JSONEncoder().encode(money)
        #expect(String(decoding: data, as: UTF8.self).contains(#""currency":"AUD""#))
        #expect(try JSONDecoder().decode(Money.self, from: data) == money)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Money.self, from: Data(#"{"minorUnits":1,"currency":"XYZ"}"#.utf8))
        }
    }
}
