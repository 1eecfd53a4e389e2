import BankStatements
import Foundation
import Testing

@Suite struct CSVStatementTests {
    static let french = CSVStatementMapping(
        columns: .init(
            bookingDate: "Date opération", valueDate: "Date valeur", debit: "Débit", credit: "Crédit",
            currency: "Devise", endToEndID: "Référence", description: "Libellé"),
        delimiter: ";", decimalSeparator: ",", dateFormat: "dd/MM/yyyy", account: "FR7630006000011234567890189",
        accountOwner: "Société Générale de Bûcheronnage")

    @Test func frenchExportWithDebitAndCreditColumns() throws {
        let statement = try CSVStatementReader.read(Samples.csvFrench, mapping: Self.french)
        #expect(statement.format == .csv)
        #expect(statement.account.iban == "FR7630006000011234567890189")
        #expect(statement.account.ownerName == "Société Générale de Bûcheronnage")
        #expect(statement.entries.count == 2)
        let credit = statement.entries[0]
        #expect(credit.creditDebit == .credit)
        #expect(credit.amount.description == "1000.00", "\"1 000,00\": a space groups thousands")
        #expect(credit.bookingDate == "2026-11-02")
        #expect(credit.status == .booked)
        #expect(credit.transactions[0].endToEndID == "E2E-ZO-88231")
        #expect(credit.transactions[0].remittance == ["VIR SEPA Zoé Lefèvre; Facture INV-2026-0042"])
        let debit = statement.entries[1]
        #expect(debit.creditDebit == .debit)
        #expect(debit.amount.minorUnits(exponent: 2) == 26_550)
        #expect(debit.valueDate == "2026-11-04")
    }

    @Test func englishExportWithASignedAmountAndAStatusColumn() throws {
        let mapping = CSVStatementMapping(
            columns: .init(
                bookingDate: "booked", amount: "#2", counterpartyName: "Payee", counterpartyAccount: "Payee account",
                description: "Details", status: "Status"),
            currency: "EUR")
        let statement = try CSVStatementReader.read(Samples.csvEnglish, mapping: mapping)
        let payment = statement.entries[0]
        #expect(payment.creditDebit == .debit)
        #expect(payment.amount.description == "49.00")
        #expect(payment.currency == "EUR")
        #expect(payment.transactions[0].creditor.name == "Relance Demo SAS")
        #expect(payment.transactions[0].creditor.account == "FR7630006000011234567890189")
        #expect(payment.transactions[0].remittance == [#"Invoice INV-2026-0042, "October""#])
        #expect(statement.entries[1].status == .pending)
    }

    @Test func mappingsAreJSONData() throws {
        let json = """
            {"columns": {"bookingDate": "Date", "amount": "Montant", "creditDebit": "Sens"},
             "delimiter": ";", "decimalSeparator": ",", "dateFormat": "dd.MM.yyyy", "currency": "CHF",
             "creditValues": ["H"]}
            """
        let mapping = try JSONDecoder().decode(CSVStatementMapping.self, from: Data(json.utf8))
        let statement = try CSVStatementReader.read(
            "Date;Montant;Sens\n01.12.2026;10,5;H\n02.12.2026;3,00;S\n", mapping: mapping)
        #expect(statement.entries.map(\.creditDebit) == [.credit, .debit])
        #expect(statement.entries[0].amount.description == "10.50")
        #expect(statement.entries[0].bookingDate == "2026-12-01")
        #expect(statement.entries[0].currency == "CHF")
    }

    @Test func badRowsAndMappingsNameTheRowAndColumn() {
        func message(_ text: String, _ mapping: CSVStatementMapping = Self.french) -> String? {
            do {
                _ = try CSVStatementReader.read(text, mapping: mapping)
                return nil
            } catch {
                return error.message
            }
        }
        let header = "Date opération;Date valeur;Libellé;Référence;Débit;Crédit;Devise\n"
        #expect(message(header + "31/11/2026;;x;;1,00;;EUR") == "row 2: booking date \"31/11/2026\" is not dd/MM/yyyy")
        #expect(
            message(header + "30/11/2026;;x;;1,00;2,00;EUR")?.contains("exactly one of the debit and credit") == true)
        #expect(
            message(header + "30/11/2026;;x;;1.000.00;;EUR")?.hasPrefix("row 2: \"1.000.00\" is not an amount") == true)
        #expect(message(header + "30/11/2026;;\"x;;1,00;;EUR") == "line 2: a quoted field is not closed")
        #expect(message("Date;Amount\n") == "bookingDate column \"Date opération\" is not in the header (Date, Amount)")
    }
}
