import Foundation
import ProofValidatorService
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import RelanceTestSupport
import Testing

/// proof-validator on the test kit: bank documents in, verdicts out.
@Suite("proof-validator on simulated time")
struct ProofValidatorWorkerTests {
    static let merchantIBAN = "FR7630006000011234567890189"
    static let now = Date(timeIntervalSince1970: 1_794_268_800)  // 2026-11-10T00:00:00Z

    static func start() async throws -> KitHarness<ProofValidatorWorker> {
        let harness = try await KitHarness(ProofValidatorWorker())
        try await harness.tick(now)
        return harness
    }

    /// On the real runtime and the mock cluster.
    static func startOnCluster() async throws -> WorkerHarness<ProofValidatorWorker> {
        let harness = try await WorkerHarness(ProofValidatorWorker())
        try await harness.tick(now)
        return harness
    }

    /// Publishes an invoice and waits until the worker holds it (a proof travels on another
    /// topic, in no set order with it).
    static func invoice<H: ScenarioHarness>(
        _ harness: inout H, account: String, number: String, amount: Int64,
        writes: Int = 1
    ) async throws {
        try await harness.publish(
            "invoice.issued", to: ProofEvents.invoicesTopic, account: account, id: "inv-\(account)-\(number)",
            data: .object([
                "invoiceId": .string("i-\(number)"), "number": .string(number), "amount": .integer(amount),
                "currency": .string("EUR"), "issuedOn": .string("2026-10-01"), "payeeName": .string("Relance Demo SAS"),
                "payeeAccount": .string(merchantIBAN),
            ]))
        try await harness.stateWritten(account, count: writes, within: .seconds(30))
    }

    static func proof<H: ScenarioHarness>(
        _ harness: H, account: String, id: String, format: String, content: String,
        base64: Bool = false, csvMapping: String? = nil, fields: JSONValue? = nil
    ) async throws {
        var document: [(key: String, value: JSONValue)] = [
            ("format", .string(format)), ("encoding", .string(base64 ? "base64" : "text")),
            ("content", .string(base64 ? Data(content.utf8).base64EncodedString() : content)),
        ]
        if let csvMapping { document.append(("csvMapping", .string(csvMapping))) }
        var data: [(key: String, value: JSONValue)] = [
            ("proofId", .string(id)), ("kind", .string("bank_statement")), ("document", .object(document)),
        ]
        if let fields { data.append(("fields", fields)) }
        try await harness.publish(
            "proof.submitted", to: ProofEvents.proofsTopic, account: account, id: "ev-\(id)", data: .object(data))
    }

    /// The payer's own camt.053 statement with the debit of a transfer to the merchant.
    static func camt(endToEnd: String, amount: String, invoice: String, date: String = "2026-11-05") -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
          <BkToCstmrStmt>
            <GrpHdr><MsgId>M-\(endToEnd)</MsgId><CreDtTm>\(date)T22:00:00Z</CreDtTm></GrpHdr>
            <Stmt>
              <Id>S-\(endToEnd)</Id>
              <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy><Ownr><Nm>Zoé Lefèvre</Nm></Ownr></Acct>
              <Ntry>
                <Amt Ccy="EUR">\(amount)</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
                <BookgDt><Dt>\(date)</Dt></BookgDt><ValDt><Dt>\(date)</Dt></ValDt>
                <NtryDtls><TxDtls>
                  <Refs><EndToEndId>\(endToEnd)</EndToEndId></Refs>
                  <RltdPties>
                    <Cdtr><Pty><Nm>Relance Demo SAS</Nm></Pty></Cdtr>
                    <CdtrAcct><Id><IBAN>\(merchantIBAN)</IBAN></Id></CdtrAcct>
                  </RltdPties>
                  <RmtInf><Ustrd>Facture \(invoice)</Ustrd></RmtInf>
                </TxDtls></NtryDtls>
              </Ntry>
            </Stmt>
          </BkToCstmrStmt>
        </Document>
        """
    }

    @Test("000: an unexpected amount goes to review with the shortfall; bank fees are told apart")
    func unexpectedAmount() async throws {
        var harness = try await Self.start()
        try await Self.invoice(&harness, account: "acct-jan", number: "INV-2026-0057", amount: 25_000)
        let csv = """
            Date opération;Date valeur;Libellé;Référence;Débit;Crédit;Devise;Bénéficiaire;IBAN bénéficiaire
            06/11/2026;06/11/2026;VIR Facture INV-2026-0057;E2E-J1;245,00;;EUR;Relance Demo SAS;\(Self.merchantIBAN)
            07/11/2026;07/11/2026;VIR Facture INV-2026-0057 solde;E2E-J2;2,00;;EUR;Relance Demo SAS;\(Self.merchantIBAN)
            """
        try await Self.proof(
            harness, account: "acct-jan", id: "pj-1", format: "csv", content: csv, csvMapping: "fr-debit-credit",
            fields: .object(["payerName": .string("Jan Peeters")]))
        let verdict = try await harness.records(ProofEvents.verdictsTopic, count: 1)[0]
        #expect(verdict["verdict"]?.stringValue == "needs_review", "\(verdict["reasons"]!)")
        #expect(verdict["cases"] == .array([.string("short_by_bank_fees")]))
        #expect(verdict["shortfall"]?.integerValue == 500)
        #expect(verdict["amount"]?.integerValue == 24_500)

        try await Self.proof(
            harness, account: "acct-jan", id: "pj-2", format: "camt.053",
            content: Self.camt(endToEnd: "E2E-J3", amount: "100.00", invoice: "INV-2026-0057"))
        let partial = try await harness.records(ProofEvents.verdictsTopic, count: 2)[1]
        #expect(partial["cases"] == .array([.string("unexpected_amount")]))
        #expect(partial["reasons"]?.arrayItems.first?["code"]?.stringValue == "partial_payment")
        try await harness.stop()
    }

    @Test("late fees: a transfer of the new total the email asks for (amount and fees) is accepted")
    func lateFees() async throws {
        var harness = try await Self.start()
        try await Self.invoice(&harness, account: "acct-fee", number: "INV-2026-0300", amount: 100_000)
        for (kind, amount) in [("flat_indemnity", 4_000), ("late_interest", 499)] {
            try await harness.publish(
                "invoice.fee-added", to: ProofEvents.invoicesTopic, account: "acct-fee", id: "fee-\(kind)",
                data: .object([
                    "invoiceId": .string("i-INV-2026-0300"), "feeId": .string("i-INV-2026-0300/\(kind)"),
                    "kind": .string(kind), "amount": .integer(Int64(amount)), "currency": .string("EUR"),
                ]))
        }
        try await harness.stateWritten("acct-fee", count: 3, within: .seconds(30))
        try await Self.proof(
            harness, account: "acct-fee", id: "pf-1", format: "camt.053",
            content: Self.camt(endToEnd: "E2E-F1", amount: "1044.99", invoice: "INV-2026-0300"))
        let verdict = try await harness.records(ProofEvents.verdictsTopic, count: 1)[0]
        #expect(verdict["verdict"]?.stringValue == "accepted", "\(verdict["reasons"] ?? .null)")
        try await harness.stop()
    }

    @Test(
        "000: an account deactivated despite payment (suspended, or any end of dunning): the accepted proof says so",
        arguments: ["suspended", "terminated", "cancelled", "in_collections", "written_off"])
    func deactivatedDespitePayment(status: String) async throws {
        var harness = try await Self.start()
        try await Self.invoice(&harness, account: "acct-ana", number: "INV-2026-0099", amount: 12_000)
        try await harness.publish(
            "account.status", to: ProofEvents.accountStatusTopic, account: "acct-ana", id: "st-1",
            data: .object(["status": .string(status)]))
        try await harness.stateWritten("acct-ana", count: 2)
        try await Self.proof(
            harness, account: "acct-ana", id: "pa-1", format: "camt.053",
            content: Self.camt(endToEnd: "E2E-A1", amount: "120.00", invoice: "INV-2026-0099"))
        let verdict = try await harness.records(ProofEvents.verdictsTopic, count: 1)[0]
        #expect(verdict["verdict"]?.stringValue == "accepted")
        #expect(verdict["cases"] == .array([.string("deactivated_despite_payment")]))
        try await harness.stop()
    }

    @Test("untrusted documents: attacks and broken files get a rejected verdict with the reason; the worker goes on")
    func badDocuments() async throws {
        var harness = try await Self.start()
        try await Self.invoice(&harness, account: "acct-eve", number: "INV-2026-0101", amount: 1_000)
        let xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&x;</Document>
            """
        try await Self.proof(harness, account: "acct-eve", id: "pe-1", format: "camt.053", content: xxe)
        try await Self.proof(harness, account: "acct-eve", id: "pe-2", format: "mt940", content: ":20:X\n:25:Y\n")
        try await Self.proof(
            harness, account: "acct-eve", id: "pe-3", format: "camt.054",
            content: Self.camt(endToEnd: "E", amount: "10.00", invoice: "INV-2026-0101"))
        try await Self.proof(
            harness, account: "acct-eve", id: "pe-4", format: "csv", content: "a;b\n", csvMapping: "my-bank")
        try await Self.proof(
            harness, account: "acct-eve", id: "pe-5", format: "camt.053",
            content: "4111 1111 1111 1111 " + Self.camt(endToEnd: "E", amount: "10.00", invoice: "INV-2026-0101"),
            base64: true)
        // A proof event that breaks its schema is a dead letter, not a verdict.
        try await harness.publish(
            "proof.submitted", to: ProofEvents.proofsTopic, account: "acct-eve", id: "ev-bad",
            data: .object(["proofId": .string("pe-x"), "kind": .string("selfie")]))
        try await Self.proof(
            harness, account: "acct-eve", id: "pe-6", format: "camt.053",
            content: Self.camt(endToEnd: "E-OK", amount: "10.00", invoice: "INV-2026-0101"))
        let verdicts = try await harness.records(ProofEvents.verdictsTopic, count: 6)
        let codes = verdicts.map { $0["reasons"]?.arrayItems.first?["code"]?.stringValue }
        #expect(
            codes == ["doctype_refused", "missing_field", "format_mismatch", "unknown_csv_mapping", "card_number", nil])
        #expect(verdicts.prefix(5).allSatisfy { $0["verdict"]?.stringValue == "rejected" })
        #expect(
            verdicts[4]["reasons"]?.arrayItems.first?["message"]?.stringValue?.contains("4111111111111111") == false)
        #expect(verdicts[5]["verdict"]?.stringValue == "accepted")
        let dead = try await harness.records("relance.dead-letters", count: 1)
        #expect(dead[0]["reason"]?["code"]?.stringValue == "schema_violation")
        try await harness.stop()
    }

    @Test("an invoice of Int64.max then a proof of 49.00: dead letter, verdict, and the worker goes on")
    func amountOutOfRange() async throws {
        var harness = try await Self.start()
        // 9223372036854775807: above the bound, refused before it reaches the ledger.
        try await harness.publish(
            "invoice.issued", to: ProofEvents.invoicesTopic, account: "acct-max", id: "inv-max",
            data: .object([
                "invoiceId": .string("i-max"), "number": .string("INV-2026-0777"), "amount": .integer(.max),
                "currency": .string("EUR"), "issuedOn": .string("2026-10-01"),
                "payeeAccount": .string(Self.merchantIBAN),
            ]))
        let dead = try await harness.records("relance.dead-letters", count: 1)
        #expect(dead[0]["reason"]?["code"]?.stringValue == "amount_out_of_range")
        #expect(dead[0]["reason"]?["message"]?.stringValue?.contains("data.amount") == true)
        try await Self.proof(
            harness, account: "acct-max", id: "pm-1", format: "camt.053",
            content: Self.camt(endToEnd: "E2E-M1", amount: "49.00", invoice: "INV-2026-0777"))
        let first = try await harness.records(ProofEvents.verdictsTopic, count: 1)[0]
        #expect(first["verdict"]?.stringValue == "needs_review")
        #expect(first["reasons"]?.arrayItems.first?["code"]?.stringValue == "no_open_invoice")
        // The next records are processed as usual (the verdict wrote the account's state once).
        try await Self.invoice(&harness, account: "acct-max", number: "INV-2026-0778", amount: 4_900, writes: 2)
        try await Self.proof(
            harness, account: "acct-max", id: "pm-2", format: "camt.053",
            content: Self.camt(endToEnd: "E2E-M2", amount: "49.00", invoice: "INV-2026-0778"))
        let second = try await harness.records(ProofEvents.verdictsTopic, count: 2)[1]
        #expect(second["verdict"]?.stringValue == "accepted", "\(second["reasons"] ?? .null)")
        try await harness.stop()
    }
}

/// proof-validator's integration test: seed 000's story through the real runtime on the mock
/// cluster.
@Suite("proof-validator on the mock cluster", .serialized)
struct ProofValidatorClusterTests {
    @Test("000: the same invoice paid twice — a second transfer is a refund case, the same one sent again is not")
    func paidTwice() async throws {
        var harness = try await ProofValidatorWorkerTests.startOnCluster()
        try await ProofValidatorWorkerTests.invoice(
            &harness, account: "acct-zoe", number: "INV-2026-0042", amount: 4_900)
        try await ProofValidatorWorkerTests.proof(
            harness, account: "acct-zoe", id: "pr-1", format: "camt.053",
            content: ProofValidatorWorkerTests.camt(endToEnd: "E2E-1", amount: "49.00", invoice: "INV-2026-0042"))
        let first = try await harness.records(ProofEvents.verdictsTopic, count: 1)[0]
        #expect(first["verdict"]?.stringValue == "accepted")
        #expect(
            first["matches"]
                == .array([
                    .object([
                        "invoiceId": .string("i-INV-2026-0042"), "amount": .integer(4_900), "currency": .string("EUR"),
                    ])
                ]))
        #expect(first["payerName"]?.stringValue == "Zoé Lefèvre" && first["transactionId"]?.stringValue == "E2E-1")

        // A second transfer, in the payer bank's MT940 this time, for the same invoice.
        let mt940 = """
            :20:STMT-1106
            :25:DE89370400440532013000
            :28C:12/1
            :60F:C261105EUR951,00
            :61:2611061106D49,00NTRFNONREF//COBA-7781
            :86:166?00SEPA-UEBERWEISUNG?20EREF+E2E-2?21SVWZ+Facture INV-2026-0042?30AGRIFRPPXXX
            ?31FR7630006000011234567890189?32Relance Demo SAS
            :62F:C261106EUR902,00
            -
            """
        try await ProofValidatorWorkerTests.proof(
            harness, account: "acct-zoe", id: "pr-2", format: "mt940", content: mt940,
            fields: .object(["payerName": .string("Zoé Lefèvre")]))
        let second = try await harness.records(ProofEvents.verdictsTopic, count: 2)[1]
        #expect(second["verdict"]?.stringValue == "needs_review")
        #expect(second["cases"] == .array([.string("paid_twice")]))
        #expect(second["refundAmount"]?.integerValue == 4_900)
        #expect(second["transactionId"]?.stringValue == "E2E-2")

        // The first statement again: the same transaction, nothing to refund.
        try await ProofValidatorWorkerTests.proof(
            harness, account: "acct-zoe", id: "pr-3", format: "camt.053",
            content: ProofValidatorWorkerTests.camt(endToEnd: "E2E-1", amount: "49.00", invoice: "INV-2026-0042"),
            base64: true)
        let third = try await harness.records(ProofEvents.verdictsTopic, count: 3)[2]
        #expect(third["verdict"]?.stringValue == "rejected")
        #expect(third["reasons"]?.arrayItems.first?["code"]?.stringValue == "transaction_already_used")
        try await harness.stop()
    }
}

extension JSONValue {
    var arrayItems: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }
}
