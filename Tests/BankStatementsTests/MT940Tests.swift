import BankStatements
import Testing

@Suite struct MT940Tests {
    @Test func germanStyleStatementsInSwiftBlocks() throws {
        let statements = try MT940Reader.read(Samples.mt940German)
        #expect(statements.count == 2)
        let first = statements[0]
        #expect(first.format == .mt940)
        #expect(first.id == "STARTUMS")
        #expect(first.sequenceNumber == "00252/001")
        #expect(first.account.servicerBIC == "37040044", "the bank code before the slash")
        #expect(first.account.other == "0532013000")
        #expect(first.account.currency == "EUR")
        #expect(first.balances.map(\.type) == ["OPBD", "CLBD"])
        #expect(first.balances[0].amount.description == "2500.00")
        #expect(first.balances[1].date == "2027-01-02")
        #expect(first.entries.count == 2)

        let payment = first.entries[0]
        #expect(payment.creditDebit == .debit)
        #expect(payment.amount.minorUnits(exponent: 2) == 4_900)
        #expect(payment.valueDate == "2026-12-31")
        #expect(payment.bookingDate == "2026-12-31")
        #expect(payment.reference == nil, "NONREF is no reference")
        #expect(payment.accountServicerReference == "COBA-88120")
        #expect(payment.bankTransactionCode == "NTRF")
        #expect(payment.status == .booked)
        let transaction = try #require(payment.transactions.first)
        #expect(transaction.endToEndID == "E2E-INV-2026-0042")
        #expect(transaction.remittance == ["Rechnung INV-2026-0042 Abo Dezember"])
        #expect(
            transaction.creditor
                == StatementParty(name: "Relance Demo SAS", account: "FR7630006000011234567890189", bic: "AGRIFRPPXXX"),
            "the account number continues on the next line of :86:")

        let rent = first.entries[1]
        #expect(rent.creditDebit == .credit)
        #expect(rent.valueDate == "2026-12-31")
        #expect(rent.bookingDate == "2027-01-02", "an entry date in January after a December value date is next year")
        #expect(rent.reference == "KREF-77")
        #expect(rent.additionalInformation?.hasPrefix("DAUERAUFTRAG") == true, "supplementary details of :61:")
        #expect(rent.transactions[0].debtor.name == "Hausverwaltung MüllerGmbH")
        #expect(rent.transactions[0].remittance == ["Miete Januar"])

        let second = statements[1]
        #expect(second.sequenceNumber == "00001/001")
        #expect(second.entries.count == 1)
        #expect(second.entries[0].amount.description == "12.50")
        #expect(second.entries[0].bankTransactionCode == "NMSC")
        #expect(second.entries[0].transactions[0].remittance == ["Kontofuehrung"])
    }

    @Test func dutchStyleStructuredInformationOverSeveralLines() throws {
        let statements = try MT940Reader.read(Samples.mt940Dutch)
        #expect(statements.count == 1)
        let statement = statements[0]
        #expect(statement.account.iban == "NL91ABNA0417164300")
        #expect(statement.sequenceNumber == "308/1")
        let credit = statement.entries[0]
        #expect(credit.reference == "INV-2026-0057")
        #expect(credit.amount.description == "250.00")
        let transaction = credit.transactions[0]
        #expect(transaction.endToEndID == "E2E-77-0057")
        #expect(transaction.debtor == StatementParty(name: "Jan Peeters", account: "BE68539007547034", bic: "GKCCBEBB"))
        #expect(transaction.remittance == ["Factuur INV-2026-0057 en INV-2026-0058 deelbetaling"])

        let debit = statement.entries[1]
        #expect(debit.reference == "MNDT-55")
        #expect(debit.accountServicerReference == "ABN-20261104-9")
        #expect(debit.bankTransactionCode == "NDDT")
        #expect(debit.transactions[0].mandateID == "MNDT-55")
        #expect(debit.transactions[0].creditor.name == "Energie BV")
        #expect(debit.transactions[0].remittance == ["Voorschot november"])
        #expect(statement.balances.last?.amount.description == "1214.80")
    }

    @Test func reversalsAndFundsCodes() throws {
        let text = """
            :20:REV
            :25:DE89370400440532013000
            :60F:C261101EUR100,00
            :61:261102RD20,00NRTINONREF
            :61:261102CE5,NTRFREF-E
            :62F:C261102EUR125,00
            """
        let entries = try MT940Reader.read(text)[0].entries
        #expect(entries[0].reversal)
        #expect(entries[0].creditDebit == .credit, "a reversed debit brings the money back")
        #expect(entries[1].amount.description == "5.00", "a funds code letter before the amount, '5,' is 5.00")
        #expect(entries[1].reference == "REF-E")
    }

    @Test func brokenFilesAreRefusedWithTheFieldAndLine() {
        func message(_ text: String) -> String? {
            do {
                _ = try MT940Reader.read(text)
                return nil
            } catch {
                return "\(error.code): \(error.message)"
            }
        }
        #expect(message("hello") == "not_mt940: no MT940 statement (no :20: field) in the file")
        #expect(message(":20:X\n:60F:C261101EUR1,00") == "missing_field: statement 1 has no :25: account")
        #expect(
            message(":20:X\n:25:A\n:61:261101C1,00NTRFX")
                == "missing_field: statement 1 has no :60F: or :60M: opening balance")
        #expect(
            message(":20:X\n:25:A\n:60F:C261101EUR1,00\n:61:261131C1,00NTRFX")
                == "invalid_statement_line: statement 1, line 4, :61: \"261131C1,00NTRFX\": no YYMMDD value date")
        #expect(
            message(":20:X\n:25:A\n:60F:C261101EUR1,00\n:61:261101X1,00NTRFX")?.contains("no debit/credit mark") == true
        )
        #expect(
            message(":20:X\n:25:A\n:60F:C261101EUR1,00\n:61:261101C1,00XTRFX")?.contains("no transaction type") == true)
        #expect(message(":20:X\n:25:A\n:60F:X261101EUR1,00")?.hasPrefix("invalid_balance") == true)
    }
}
