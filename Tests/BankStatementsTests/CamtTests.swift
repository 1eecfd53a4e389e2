import BankStatements
import Testing

@Suite struct CamtTests {
    @Test func camt053Version02ReadsEveryFieldOfBothStatements() throws {
        let statements = try CamtReader.read(Array(Samples.camt053v02.utf8))
        #expect(statements.count == 2)
        let first = statements[0]
        #expect(first.format == .camt053)
        #expect(first.version == "001.02")
        #expect(first.messageID == "STMT-2026-11-03-0001")
        #expect(first.id == "FR76-2026-11-02")
        #expect(first.sequenceNumber == "211")
        #expect(first.account.iban == "FR7630006000011234567890189")
        #expect(first.account.currency == "EUR")
        #expect(first.account.ownerName == "Société Générale de Bûcheronnage")
        #expect(first.account.servicerBIC == "AGRIFRPPXXX")
        #expect(
            first.balances == [
                StatementBalance(
                    type: "OPBD", amount: StatementAmount.parse("10500")!, currency: "EUR", creditDebit: .credit,
                    date: "2026-11-02"),
                StatementBalance(
                    type: "CLBD", amount: StatementAmount.parse("11234.5")!, currency: "EUR", creditDebit: .credit,
                    date: "2026-11-02"),
            ])
        #expect(first.entries.count == 2)

        let batch = first.entries[0]
        #expect(batch.reference == "0001")
        #expect(batch.amount.description == "1000.00")
        #expect(batch.creditDebit == .credit)
        #expect(batch.status == .booked)
        #expect(batch.bookingDate == "2026-11-02")
        #expect(batch.valueDate == "2026-11-02")
        #expect(batch.accountServicerReference == "2026110200451")
        #expect(batch.bankTransactionCode == "PMNT/RCDT/ESCT")
        #expect(batch.transactions.count == 2)
        let zoe = batch.transactions[0]
        #expect(zoe.endToEndID == "E2E-ZO-88231")
        #expect(zoe.transactionID == "TX-88231")
        #expect(zoe.amount?.description == "600.00")
        #expect(zoe.currency == "EUR")
        #expect(
            zoe.debtor
                == StatementParty(name: "Zoé Lefèvre-Øster", account: "DE89370400440532013000", bic: "COBADEFFXXX"))
        #expect(zoe.creditor.name == "Société Générale de Bûcheronnage")
        #expect(zoe.remittance == ["Facture INV-2026-0042", "abonnement octobre"])
        let acme = batch.transactions[1]
        #expect(acme.endToEndID == nil, "NOTPROVIDED is no end-to-end id")
        #expect(acme.debtor.name == "ACME & Fils")
        #expect(acme.creditorReference == "RF18539007547034")
        #expect(acme.amount! + zoe.amount! == batch.amount, "a batch's transactions add up to the entry")

        let debit = first.entries[1]
        #expect(debit.creditDebit == .debit)
        #expect(debit.amount.minorUnits(exponent: 2) == 26_550)
        #expect(debit.bookingDate == "2026-11-02", "a DtTm booking date keeps its date")
        #expect(debit.valueDate == "2026-11-03")
        #expect(debit.bankTransactionCode == "NTRF")
        #expect(debit.additionalInformation == "PRLV SEPA ENERGIE")
        #expect(debit.transactions.isEmpty)

        let second = statements[1]
        #expect(second.account.iban == nil)
        #expect(second.account.other == "000123456789")
        #expect(second.messageID == "STMT-2026-11-03-0001", "the group header applies to every statement")
        let pending = second.entries[0]
        #expect(pending.status == .pending)
        #expect(pending.amount.hundredThousandths == 1_234_567, "five decimals are kept exactly")
        #expect(pending.amount.minorUnits(exponent: 2) == nil, "12.34567 USD is no whole number of cents")
        #expect(pending.bookingDate == nil)
    }

    @Test func camt053Version08ReadsChoicesPartiesAndPrefixes() throws {
        let statements = try CamtReader.read(Array(Samples.camt053v08.utf8))
        #expect(statements.count == 1)
        let statement = statements[0]
        #expect(statement.version == "001.08")
        #expect(statement.account.servicerBIC == "COBADEFFXXX", "BICFI from .001.04 on")
        #expect(statement.account.ownerName == "Zoé Lefèvre-Øster")
        let entry = statement.entries[0]
        #expect(entry.status == .booked, "<Sts><Cd>BOOK</Cd></Sts> from .001.08 on")
        #expect(entry.creditDebit == .debit)
        #expect(entry.bankTransactionCode == "PMNT/ICDT/ESCT")
        let transaction = entry.transactions[0]
        #expect(transaction.instructionID == "INSTR-1")
        #expect(transaction.endToEndID == "E2E-INV-2026-0042")
        #expect(transaction.amount?.description == "49.00")
        #expect(transaction.creditDebit == .debit)
        #expect(transaction.debtor.name == "Zoé Lefèvre-Øster", "<Dbtr><Pty><Nm>")
        #expect(transaction.debtor.account == "DE89370400440532013000")
        #expect(
            transaction.creditor
                == StatementParty(
                    name: "Relance Demo SAS", account: "FR7630006000011234567890189", bic: "AGRIFRPPXXX",
                    bankName: "Crédit Agricole"),
            "the creditor agent's name: Cdtr/Agt/FinInstnId/Nm")
        #expect(transaction.remittance == ["Invoice INV-2026-0042 <October>"], "CDATA text is kept verbatim")
    }

    @Test func camt054Version04ReadsANotificationWithAReversal() throws {
        let statements = try CamtReader.read(Array(Samples.camt054v04.utf8))
        let notification = try #require(statements.first)
        #expect(notification.format == .camt054)
        #expect(notification.version == "001.04")
        #expect(notification.id == "NTF-9-1")
        #expect(notification.balances.isEmpty)
        #expect(notification.account.iban == "BE68539007547034")
        let entry = notification.entries[0]
        #expect(entry.reversal)
        #expect(entry.transactions[0].mandateID == "MNDT-77")
        #expect(entry.transactions[0].creditor.bic == "ABNANL2AXXX")
        #expect(entry.transactions[0].creditor.account == "NL91ABNA0417164300")
    }

    /// .001.09 to .001.13 (the newest published) change nothing the reader reads: the .001.08
    /// document is read the same in each, in the three messages.
    @Test(arguments: ["02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13"])
    func everyVersionFromTwoToThirteenIsRead(version: String) throws {
        for (message, body, item) in [
            ("053", "BkToCstmrStmt", "Stmt"), ("052", "BkToCstmrAcctRpt", "Rpt"),
            ("054", "BkToCstmrDbtCdtNtfctn", "Ntfctn"),
        ] {
            let document = Samples.camt053v08.replacingOccurrences(
                of: "camt.053.001.08", with: "camt.\(message).001.\(version)"
            )
            .replacingOccurrences(of: "c:BkToCstmrStmt>", with: "c:\(body)>").replacingOccurrences(
                of: "c:Stmt>", with: "c:\(item)>")
            let statements = try CamtReader.read(Array(document.utf8))
            #expect(statements[0].format.rawValue == "camt.\(message)")
            #expect(statements[0].version == "001.\(version)")
            #expect(statements[0].entries[0].transactions[0].creditor.name == "Relance Demo SAS")
            #expect(statements[0].entries[0].transactions[0].creditor.bankName == "Crédit Agricole")
        }
    }

    /// camt.052.001.01 (2008): the message element named with its version, balances typed by
    /// Tp/Cd, transactions straight in the entry, a proprietary account id, institutions named
    /// in NmAndAdr or CmbndId.
    @Test func camt052Version01ReadsTheFirstSchema() throws {
        let statements = try CamtReader.read(Array(Samples.camt052v01.utf8))
        let report = try #require(statements.first)
        #expect(report.format == .camt052)
        #expect(report.version == "001.01")
        #expect(report.id == "RPT-2026-11-05-1")
        #expect(report.account.other == "0532013000")
        #expect(report.account.servicerBIC == "COBADEFFXXX")
        #expect(report.balances.map(\.type) == ["ITBD"])
        #expect(report.additionalInformation == "Zwischenbericht 14:00")
        let entry = try #require(report.entries.first)
        #expect(entry.status == .booked)
        #expect(entry.bookingDate == "2026-11-05")
        let transaction = try #require(entry.transactions.first)
        #expect(transaction.endToEndID == "E2E-V01-1")
        #expect(
            transaction.debtor
                == StatementParty(
                    name: "Zoé Lefèvre", account: "DE89370400440532013000", bic: "COBADEFFXXX",
                    bankName: "Commerzbank"))
        #expect(transaction.creditor.bankName == "Crédit Agricole")
        #expect(transaction.remittance == ["Facture INV-2026-0042"])
    }

    /// Still refused (issue 23): bytes that are not UTF-8 in a document that declares no other
    /// charset, with the line.
    @Test func invalidUTF8WithoutADeclaredCharsetIsRefused() {
        let text = Samples.camt053v08.replacingOccurrences(of: "Zoé", with: "Zo#")
        // "Zoé" in ISO-8859-1, undeclared.
        let bytes = Array(text.utf8).map { $0 == UInt8(ascii: "#") ? 0xE9 : $0 }
        do {
            _ = try CamtReader.read(bytes)
            Issue.record("read")
        } catch {
            #expect(error.code == "invalid_utf8" && error.message.contains("line"), "\(error.code): \(error)")
        }
    }

    @Test func wrongDocumentsAreRefusedWithTheRuleTheyBreak() {
        func code(_ text: String) -> String? {
            do {
                _ = try CamtReader.read(Array(text.utf8))
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code(#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>"#) == "not_camt")
        #expect(code(#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.056.001.01"/>"#) == "unsupported_message")
        #expect(code(#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.00"/>"#) == "unsupported_version")
        #expect(code(#"<Invoice/>"#) == "not_camt")
        #expect(
            code(Samples.camt053v08.replacingOccurrences(of: "<c:CdtDbtInd>DBIT</c:CdtDbtInd>\n", with: ""))
                == "invalid_credit_debit")
        #expect(code(Samples.camt053v08.replacingOccurrences(of: ">49.00<", with: ">49.001234<")) == "invalid_amount")
        #expect(code(Samples.camt053v08.replacingOccurrences(of: "BOOK", with: "DONE")) == "invalid_status")
        #expect(code(Samples.camt053v08.replacingOccurrences(of: "2026-11-05<", with: "2026-02-30<")) == "invalid_date")
        #expect(code(Samples.camt053v08.replacingOccurrences(of: "</c:Stmt>", with: "</c:Stmnt>")) == "malformed_xml")
    }
}
