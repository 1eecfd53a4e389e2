import BankStatements
import Testing

/// MT940 as banks write it: each test is one bank habit, in a sample written for it in that
/// bank's layout (from the bank's published format description where one says so; names,
/// accounts and references are made up). docs/bank-statements.md lists each habit and its bank.
@Suite struct MT940DialectsTests {
    static func read(_ text: String) throws -> [BankStatement] { try MT940Reader.read(text) }

    // MARK: Refused whole before

    /// ABN AMRO: a header block (sender BIC, message type, receiver BIC) before each statement,
    /// and the transmission's ETX after each closing "-".
    @Test func abnAmroHeaderBlocksAndETXAfterTheClosingDash() throws {
        let text =
            "ABNANL2A\r\n940\r\nABNANL2A\r\n"
            + ":20:ABN AMRO BANK NV\r\n:25:417164300\r\n:28:30801/1\r\n:60F:C261104EUR1000,00\r\n"
            + ":61:2611051105C250,00N654NONREF\r\n"
            + ":86:/TRTP/SEPA OVERBOEKING/IBAN/NL91ABNA0417164300/BIC/ABNANL2A/NAME\r\n"
            + "/J. Peeters/REMI/Factuur INV-2026-0061/EREF/E2E-0061\r\n"
            + ":62F:C261105EUR1250,00\r\n-\u{03}\r\n"
            + "ABNANL2A\r\n940\r\nABNANL2A\r\n"
            + ":20:ABN AMRO BANK NV\r\n:25:417164300\r\n:28:30901/1\r\n:60F:C261105EUR1250,00\r\n"
            + ":62F:C261106EUR1250,00\r\n-\u{03}"
        let statements = try Self.read(text)
        #expect(statements.count == 2)
        #expect(statements.map(\.sequenceNumber) == ["30801/1", "30901/1"])
        let transaction = try #require(statements[0].entries.first?.transactions.first)
        #expect(
            transaction.debtor == StatementParty(name: "J. Peeters", account: "NL91ABNA0417164300", bic: "ABNANL2A"))
        #expect(transaction.endToEndID == "E2E-0061")
        #expect(transaction.remittance == ["Factuur INV-2026-0061"])
    }

    /// A space between the amount and the transaction type: "C50,00 NTRF".
    @Test func aSpaceBeforeTheTransactionType() throws {
        let text = ":20:X\n:25:DE89370400440532013000\n:60F:C261104EUR0,00\n:61:2611051105C50,00 NTRFKREF-5\n"
        let entry = try #require(try Self.read(text)[0].entries.first)
        #expect(entry.amount.description == "50.00")
        #expect(entry.bankTransactionCode == "NTRF")
        #expect(entry.reference == "KREF-5")
    }

    /// An opening balance of no date, "000000".
    @Test func anOpeningBalanceDatedZeroIsABalanceWithoutDate() throws {
        let text = ":20:X\n:25:DE89370400440532013000\n:60F:C000000EUR0,00\n:62F:C261105EUR0,00\n"
        let balances = try Self.read(text)[0].balances
        #expect(balances.map(\.type) == ["OPBD", "CLBD"])
        #expect(balances[0].date == nil)
        #expect(balances[1].date == "2026-11-05")
    }

    /// Sparkassen and other German banks date interest postings by the 30/360 count: the
    /// 30th of February is February's last day; other days beyond a month's end stay refused.
    @Test func thirtiethOfFebruaryIsFebruarysLastDay() throws {
        let text = """
            :20:ABSCHLUSS
            :25:50050201/0123456789
            :28C:12/1
            :60F:C270226EUR100,00
            :61:2702300301D3,20NMSCNONREF
            :86:805?00ABSCHLUSS?20Abrechnung 30.02.2027
            :61:2802300229C1,00NMSCNONREF
            :62F:C280301EUR97,80
            """
        let entries = try Self.read(text)[0].entries
        #expect(entries[0].valueDate == "2027-02-28")
        #expect(entries[0].bookingDate == "2027-03-01")
        #expect(entries[1].valueDate == "2028-02-29", "a leap year's February ends on the 29th")
        #expect(throws: StatementError.self) {
            try Self.read(":20:X\n:25:A\n:60F:C270101EUR1,00\n:61:270431C1,00NTRFX")
        }
    }

    /// Amounts padded with zeros beyond SWIFT's 15 characters ("0000000000012,00" and longer).
    @Test func longZeroPaddedAmounts() throws {
        let text = """
            :20:X
            :25:NL68RABO0123456789 EUR
            :60F:C261104EUR00000000000000001000,00
            :61:261105C0000000000012,00N541NONREF
            :61:261105C00000000000000000012,50N541NONREF
            """
        let statement = try Self.read(text)[0]
        #expect(statement.balances[0].amount.description == "1000.00")
        #expect(statement.entries.map(\.amount.description) == ["12.00", "12.50"])
        #expect(throws: StatementError.self, "fourteen significant digits are still too many") {
            try Self.read(":20:X\n:25:A\n:60F:C261104EUR12345678901234,00")
        }
    }

    // MARK: Data lost or misread before

    /// Several :86: fields for one :61: are read together, as one field.
    @Test func severalInformationFieldsForOneLineAreReadTogether() throws {
        let text = """
            :20:X
            :25:DE89370400440532013000
            :60F:C261104EUR0,00
            :61:2611051105C80,00NTRFNONREF
            :86:166?00SEPA-GUTSCHRIFT?20EREF+E2E-0007
            :86:?21SVWZ+Rechnung INV-2026-0007
            :86:?31DE02120300000000202051?32Muster GmbH
            """
        let transaction = try #require(try Self.read(text)[0].entries.first?.transactions.first)
        #expect(transaction.endToEndID == "E2E-0007")
        #expect(transaction.remittance == ["Rechnung INV-2026-0007"])
        #expect(transaction.debtor == StatementParty(name: "Muster GmbH", account: "DE02120300000000202051"))
    }

    /// A :86: after the closing balance is about the statement, not the last entry.
    @Test func statementInformationAfterTheClosingBalance() throws {
        let text = """
            :20:X
            :25:DE89370400440532013000
            :60F:C261104EUR0,00
            :61:2611051105C80,00NTRFNONREF
            :86:166?00SEPA-GUTSCHRIFT?20SVWZ+Rechnung INV-2026-0008
            :62F:C261105EUR80,00
            :86:Ihr Dispositionskredit betraegt
            5000,00 EUR
            """
        let statement = try Self.read(text)[0]
        #expect(statement.entries[0].transactions[0].remittance == ["Rechnung INV-2026-0008"])
        #expect(statement.entries[0].additionalInformation == "166?00SEPA-GUTSCHRIFT?20SVWZ+Rechnung INV-2026-0008")
        #expect(statement.additionalInformation == "Ihr Dispositionskredit betraegt\n5000,00 EUR")
    }

    /// A space after the tag (":86: 166?00…") keeps the German structure.
    @Test func aSpaceAfterTheTag() throws {
        let text = """
            :20:X
            :25: DE89370400440532013000
            :60F: C261104EUR0,00
            :61: 2611051105C80,00NTRFNONREF
            :86: 166?00SEPA-GUTSCHRIFT?20EREF+E2E-0009?21SVWZ+Rechnung 9?32Muster GmbH
            """
        let statement = try Self.read(text)[0]
        #expect(statement.account.iban == "DE89370400440532013000")
        let transaction = try #require(statement.entries.first?.transactions.first)
        #expect(transaction.endToEndID == "E2E-0009")
        #expect(transaction.debtor.name == "Muster GmbH")
        #expect(statement.entries[0].bankTransactionCode == "NTRF")
    }

    /// The first :25: names the account; a second does not replace it.
    @Test func aSecondAccountFieldDoesNotReplaceTheFirst() throws {
        let text = ":20:X\n:25:NL91ABNA0417164300\n:25:EUR\n:25:Relance Demo BV\n:60F:C261104EUR0,00\n"
        let account = try Self.read(text)[0].account
        #expect(account.iban == "NL91ABNA0417164300")
        #expect(account.other == nil)
        #expect(account.currency == "EUR")
    }

    /// The reference for the account owner is 16 characters; Rabobank's older format puts the
    /// counterparty's account there and its name after it.
    @Test func theOwnersReferenceIsSixteenCharactersAndRabobankNamesTheCounterpartyAfterIt() throws {
        let text = """
            :20:940S261105
            :25:0123456789 EUR
            :28C:0
            :60F:C261104EUR000000001000,00
            :61:261105D000000000084,47N1020121470966      W.P. Jansen
            :86:Factuur INV-2026-0010
            :61:261105C000000000010,00N5440000000000      Rente
            :61:261105C000000000020,00N544REF-OWN-000001234EXTRA
            :62F:C261105EUR000000000945,53
            """
        let statement = try Self.read(text)[0]
        #expect(statement.account.other == "0123456789")
        #expect(statement.account.currency == "EUR")
        let debit = statement.entries[0]
        #expect(debit.reference == "0121470966")
        #expect(debit.transactions[0].creditor == StatementParty(name: "W.P. Jansen", account: "0121470966"))
        #expect(debit.transactions[0].remittance == ["Factuur INV-2026-0010"])
        #expect(statement.entries[1].transactions[0].debtor == StatementParty(name: "Rente"), "zeros: no account")
        #expect(statement.entries[2].reference == "REF-OWN-00000123")
        #expect(statement.entries[2].additionalInformation == "4EXTRA")
    }

    /// ?60–?63 continue the purpose (SVWZ+), never a reference such as EREF+.
    @Test func subfieldsSixtyToSixtyThreeAreNotPartOfTheEndToEndReference() throws {
        let text = """
            :20:X
            :25:DE89370400440532013000
            :60F:C261104EUR0,00
            :61:2611051105C80,00NTRFNONREF
            :86:166?00SEPA-GUTSCHRIFT?20EREF+E2E-0011?32Muster GmbH?60Rechnung INV-2026-0011
            :61:2611051105C90,00NTRFNONREF
            :86:166?00SEPA-GUTSCHRIFT?20EREF+E2E-0012?21SVWZ+Rechnung INV-2026-0012?32Muster Gm
            bH?60 und INV-2026-0013
            """
        let entries = try Self.read(text)[0].entries
        #expect(entries[0].transactions[0].endToEndID == "E2E-0011")
        #expect(entries[0].transactions[0].remittance == ["Rechnung INV-2026-0011"])
        #expect(entries[1].transactions[0].endToEndID == "E2E-0012")
        #expect(entries[1].transactions[0].remittance == ["Rechnung INV-2026-0012 und INV-2026-0013"])
        #expect(entries[1].transactions[0].debtor.name == "Muster GmbH", "a name cut by the line end")
    }

    /// A :61: without an entry date has no booking date: it is not the value date.
    @Test func aLineWithoutEntryDateHasNoBookingDate() throws {
        let text = ":20:X\n:25:NL69INGB0123456789EUR\n:60F:C261104EUR0,00\n:61:261105C5,00NTRFREF\n"
        let statement = try Self.read(text)[0]
        #expect(statement.entries[0].valueDate == "2026-11-05")
        #expect(statement.entries[0].bookingDate == nil)
    }

    /// Text lines of :86: are read as lines: one space between them, however many the bank left
    /// at a line's end; in the structured styles a line break is no part of the text (DK: the
    /// field is 390 characters cut into lines of 65), so a space is kept where the bank wrote
    /// one and none is added.
    @Test func continuationLinesAreJoinedAsTheBanksGuidesSay() throws {
        let text = """
            :20:X
            :25:DE89370400440532013000
            :60F:C261104EUR0,00
            :61:2611051105C80,00NTRFNONREF
            :86:Zahlung Rechnung INV-2026-0014 mit\u{20}\u{20}
            140 Positionen
            :61:2611051105C80,00NTRFNONREF
            :86:166?00SEPA-GUTSCHRIFT?20SVWZ+Rechnung INV-2026-0015 mit\u{20}
            140 Positionen, INV-2026-00
            16
            """
        let entries = try Self.read(text)[0].entries
        #expect(entries[0].transactions[0].remittance == ["Zahlung Rechnung INV-2026-0014 mit 140 Positionen"])
        #expect(entries[1].transactions[0].remittance == ["Rechnung INV-2026-0015 mit 140 Positionen, INV-2026-0016"])
    }

    // MARK: Dutch counterparties

    /// ING (Netherlands): the account and its currency run together in :25:, the counterparty in
    /// /CNTP/account/BIC/name/city/, the bank's transaction code after the :61: line.
    @Test func ingStructured() throws {
        let text = """
            {1:F01INGBNL2AXXXX0000000000}{2:O940INGBNL2AXXXXN}{4:
            :20:P261105000000001
            :25:NL69INGB0123456789EUR
            :28C:00000
            :60F:C261104EUR000000001000,00
            :61:2611051105C000000000250,00NTRFE2E-0017//INGB-0017
            /TRCD/00100/
            :86:/EREF/E2E-0017//CNTP/NL91ABNA0417164300/ABNANL2A/J. Peeters/AMS
            TERDAM//REMI/USTD//Factuur INV-2026-0017/
            :62F:C261105EUR000000001250,00
            -}
            """
        let statement = try Self.read(text)[0]
        #expect(statement.account.iban == "NL69INGB0123456789")
        #expect(statement.account.currency == "EUR")
        let entry = statement.entries[0]
        #expect(entry.additionalInformation?.hasPrefix("/TRCD/00100/") == true)
        let transaction = entry.transactions[0]
        #expect(
            transaction.debtor == StatementParty(name: "J. Peeters", account: "NL91ABNA0417164300", bic: "ABNANL2A"))
        #expect(transaction.remittance == ["Factuur INV-2026-0017"])
    }

    /// Knab: the counterparty as "REK: account/NAAM: name" in the text.
    @Test func knabAccountAndNameLabels() throws {
        let text = """
            :20:KNAB
            :25:NL12KNAB0123456789
            :28C:1
            :60F:C261104EUR0,00
            :61:261105D120,00N105NONREF//B6D29PG0018
            :86:FACTUUR INV-2026-0018
            REK: NL91ABNA0417164300/NAAM: Energie BV
            """
        let transaction = try #require(try Self.read(text)[0].entries.first?.transactions.first)
        #expect(transaction.creditor == StatementParty(name: "Energie BV", account: "NL91ABNA0417164300"))
        #expect(transaction.remittance == ["FACTUUR INV-2026-0018"])
    }

    /// Rabobank's structured format: ":940:" before the statements, the currency after the
    /// account in :25:, 15-character amounts, and the counterparty's IBAN alone on the second
    /// line of :61: (the :86: gives only its name).
    @Test func rabobankStructured() throws {
        let text = """
            :940:
            :20:940S261105
            :25:NL68RABO0123456789 EUR
            :28C:0
            :60F:C261104EUR000000001000,00
            :61:261105C000000000300,00N541NONREF
            NL75INGB0001234567
            :86:/ORDP//NAME/J. de Vries/ADDR/Dorpsstraat 1 1234AB Utrecht NL/REM
            I/Factuur INV-2026-0019/ISDT/2026-11-05
            :62F:C261105EUR000000001300,00
            """
        let statement = try Self.read(text)[0]
        #expect(statement.account.iban == "NL68RABO0123456789")
        let transaction = statement.entries[0].transactions[0]
        #expect(transaction.debtor == StatementParty(name: "J. de Vries", account: "NL75INGB0001234567"))
        #expect(transaction.remittance == ["Factuur INV-2026-0019"])
    }

    /// SNS: the counterparty's account and name on the first line of :86:.
    @Test func snsAccountAndNameFirst() throws {
        let text = """
            :20:SNS
            :25:NL80SNSB0266365538
            :28C:1
            :60F:C261104EUR0,00
            :61:2611051105C75,00N541NONREF
            :86:NL58SNSB0123456789 J. Jansen
            Factuur INV-2026-0020
            """
        let transaction = try #require(try Self.read(text)[0].entries.first?.transactions.first)
        #expect(transaction.debtor == StatementParty(name: "J. Jansen", account: "NL58SNSB0123456789"))
        #expect(transaction.remittance == ["Factuur INV-2026-0020"])
    }

    /// Triodos: the German sub-fields with ">" for "?" (">20" text, ">31" account, ">32" name).
    @Test func triodosAngleBracketSubfields() throws {
        let text = """
            :20:TRIODOS
            :25:NL70TRIO0123456789
            :28C:1
            :60F:C261104EUR0,00
            :61:2611051105C60,00NTRFNONREF
            :86:000>100000000000>20Factuur INV-2026-0021>31NL91ABNA0417164300
            >32J. Peeters
            """
        let transaction = try #require(try Self.read(text)[0].entries.first?.transactions.first)
        #expect(transaction.debtor == StatementParty(name: "J. Peeters", account: "NL91ABNA0417164300"))
        #expect(transaction.remittance == ["Factuur INV-2026-0021"])
    }

    // MARK: Still refused

    @Test func brokenFilesAreStillRefusedWithTheLine() {
        func code(_ text: String) -> String? {
            do {
                _ = try MT940Reader.read(text)
                return nil
            } catch {
                return "\(error.code): \(error.message)"
            }
        }
        let head = ":20:X\n:25:DE89370400440532013000\n:60F:C261104EUR0,00\n"
        #expect(code(head + ":61:2611051105C\n")?.hasPrefix("invalid_statement_line: statement 1, line 4") == true)
        #expect(code(head + ":99:X\n") == "unknown_tag: statement 1, line 4: :99: is no MT940 field")
        #expect(
            code(head + ":61:2611051105C5,00NTRFREF\nEINE ERGAENZUNG LAENGER ALS VIERUNDDREISSIG ZEICHEN\n")?
                .hasPrefix("line_too_long: statement 1, line 4") == true)
        #expect(code(head + ":61:2611051105C5,00NTRFREF\nZEILE 1\nZEILE 2\n")?.hasPrefix("line_too_long") == true)
        #expect(code("ABNANL2A\n:20:X\n:25:A\n:60F:C261104EUR0,00\n-\nkein Kopf\n:20:Y")?.contains("line 6") == true)
    }
}
