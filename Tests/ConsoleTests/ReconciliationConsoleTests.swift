import ConsoleService
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import ProofValidatorService
import ReconciliationService
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import RelanceTestSupport
import Testing

/// Users of these tests: Rita holds manage_reconciliations, Bruno is billing (French), Sam is
/// support, Mia works for the other merchant.
enum ReconUsers {
    static let directory: UserDirectory = {
        let hash = TestUsers.hash
        let users = [
            ConsoleUser(
                user: "rita", passwordHash: hash, roles: ["owner", "manage_reconciliations"], merchants: ["m-1"],
                name: "Rita"),
            ConsoleUser(user: "bruno", passwordHash: hash, roles: ["billing"], merchants: ["m-1"], language: .fr),
            ConsoleUser(user: "sam", passwordHash: hash, roles: ["support"], merchants: ["m-1"]),
            ConsoleUser(
                user: "mia", passwordHash: hash, roles: ["owner", "manage_reconciliations"], merchants: ["m-2"]),
        ]
        return TestUsers.directory(users, m1Name: "Camping des Pins")
    }()

    static func console(
        data: ConsoleData, signer: CommandSigner? = nil, producer: KafkaProducer? = nil, clock: TestClock = TestClock()
    ) -> Console {
        testConsole(data: data, directory: directory, clock: clock, signer: signer, producer: producer)
    }

    static let signer = CommandSigner(
        generating: .eddsa, keyID: "console-test", subject: "relance-console", roles: [], merchants: ["*"])
}

func envelope(_ type: String, merchant: String, account: String, _ data: [(key: String, value: JSONValue)]) -> [UInt8] {
    JSONValue.object([
        ("eventId", .string(UUID().uuidString)), ("type", .string(type)), ("schemaVersion", .number("1")),
        ("occurredAt", .string("2026-10-05T10:00:00.000Z")), ("accountId", .string(account)),
        ("merchantId", .string(merchant)), ("data", .object(data)),
    ]).jsonBytes
}

func money(_ currency: String, _ amount: Int64) -> JSONValue {
    .object([("currency", .string(currency)), ("amount", .number("\(amount)"))])
}

func reconcilable(
    merchant: String = "m-1", account: String, listed: Bool = true, items: Int, debit: Int64, credit: Int64,
    sortKey: String, currency: String = "EUR"
) -> [UInt8] {
    envelope(
        "reconcilable-account.updated", merchant: merchant, account: account,
        [
            ("listed", .bool(listed)), ("unreconciledItems", .number("\(items)")),
            ("unreconciledDebit", .array([money(currency, debit)])),
            ("unreconciledCredit", .array([money(currency, credit)])), ("zeroBalance", .bool(debit == credit)),
            ("sortKey", .string(sortKey)),
            (
                "openItems",
                .array([
                    .object([
                        ("id", .string("inv-\(account)")), ("kind", .string("invoice")), ("side", .string("debit")),
                        ("amount", .number("\(debit)")), ("open", .number("\(debit)")), ("currency", .string(currency)),
                        ("date", .string("2026-09-01")), ("reference", .string("F-\(account)")),
                    ]),
                    .object([
                        ("id", .string("cn-\(account)")), ("kind", .string("credit_note")), ("side", .string("credit")),
                        ("amount", .number("\(credit)")), ("open", .number("\(credit)")),
                        ("currency", .string(currency)), ("date", .string("2026-09-10")),
                    ]),
                ])
            ),
        ])
}

/// A multipart/form-data body as a browser sends it.
func multipartBody(
    boundary: String, fields: [(String, String)], file: (name: String, fileName: String, bytes: [UInt8])?
)
    -> [UInt8]
{
    var body: [UInt8] = []
    for (name, value) in fields {
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }
    if let file {
        body += Array(
            ("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.fileName)\"\r\n"
                + "Content-Type: application/xml\r\n\r\n").utf8)
        body += file.bytes + Array("\r\n".utf8)
    }
    body += Array("--\(boundary)--\r\n".utf8)
    return body
}

extension TestBrowser {
    /// The proof form's multipart post (with the page's CSRF token unless `csrf` is false).
    mutating func upload(
        _ uri: String, _ fields: [(String, String)], file: (name: String, fileName: String, bytes: [UInt8])?,
        csrf withToken: Bool = true
    ) async throws -> Page {
        let boundary = "----RelanceTestBoundary7MA4YWxkTrZu0gW"
        var headers: HTTPFields = [:]
        headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        headers[.acceptLanguage] = language
        if !cookies.isEmpty {
            headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
        }
        let all = (withToken ? [("csrf", csrf ?? "")] : []) + fields
        let body = multipartBody(boundary: boundary, fields: all, file: file)
        let response = try await client.executeRequest(
            uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: body))
        return Page(status: Int(response.status.code), headers: response.headers, body: String(buffer: response.body))
    }
}

/// Every record of `topic` (one partition) on the cluster, with its headers.
func readAll(_ topic: String, kafka: KafkaConfiguration) async throws -> [(JSONValue, [KafkaHeader])] {
    var result: [(JSONValue, [KafkaHeader])] = []
    try await TopicReading.readToEnd(topic, partitions: [0], kafka: kafka, log: nil) { batch in
        for message in batch {
            if let value = message.value, let json = try? JSONReader.read(Array(value)) {
                result.append((json, message.headers))
            }
        }
    }
    return result
}

let camtFixture: [UInt8] = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/fixtures/camt053-acct-proof.xml")
    return (try? Array(Data(contentsOf: url))) ?? []
}()

@Suite("relance-console: reconcilable accounts, Reconcile, allocations, proofs of payment", .serialized)
struct ReconciliationConsoleTests {
    func feedAccounts(_ feed: ReconciliationFeed) {
        let topic = ReconciliationEvents.reconcilableAccountsTopic
        feed.apply(
            topic: topic, key: "acct-b",
            value: reconcilable(account: "acct-b", items: 3, debit: 9000, credit: 2500, sortKey: "1-000003"))
        feed.apply(
            topic: topic, key: "acct-a",
            value: reconcilable(account: "acct-a", items: 2, debit: 4900, credit: 4900, sortKey: "0-000002"))
        feed.apply(
            topic: topic, key: "acct-c",
            value: reconcilable(account: "acct-c", items: 2, debit: 12000, credit: 100, sortKey: "1-000002"))
        // Left the list, removed by a tombstone, another merchant's: not shown.
        feed.apply(
            topic: topic, key: "acct-d",
            value: reconcilable(account: "acct-d", listed: false, items: 2, debit: 1, credit: 1, sortKey: "0-000002"))
        feed.apply(
            topic: topic, key: "acct-e",
            value: reconcilable(account: "acct-e", items: 2, debit: 1, credit: 1, sortKey: "0-000001"))
        feed.apply(topic: topic, key: "acct-e", value: nil)
        feed.apply(
            topic: topic, key: "acct-x",
            value: reconcilable(merchant: "m-2", account: "acct-x", items: 2, debit: 7, credit: 7, sortKey: "0-000000"))
        // A record that does not read is skipped and counted.
        feed.apply(topic: topic, key: "acct-z", value: Array("{not json".utf8))
    }

    @Test(
        "the list: the worker's order (zero balance first, then fewest items), counts and totals in the user's language"
    )
    func listOrderAndTotals() async throws {
        let data = ConsoleData()
        feedAccounts(data.reconciliation)
        #expect(data.reconciliation.skipped == 1)
        // The customer's name comes from the accounts feed (reconciliation's records carry none).
        data.accounts.apply(
            topic: MailEvents.accountsTopic, key: "acct-c",
            value: envelope(
                "account.profile-updated", merchant: "m-1", account: "acct-c",
                [("customerName", .string("Hugo Petit"))]))
        let console = ReconUsers.console(data: data)
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("rita")
            let page = try await browser.get("/reconciliation")
            #expect(page.status == 200)
            let body = page.body
            let order = ["acct-a", "acct-c", "acct-b"].map { body.range(of: "data-account=\"\($0)\"")?.lowerBound }
            #expect(order.allSatisfy { $0 != nil })
            if let a = order[0], let c = order[1], let b = order[2] { #expect(a < c && c < b) }
            #expect(!body.contains("acct-d") && !body.contains("acct-e") && !body.contains("acct-x"))
            #expect(body.contains("3 account(s)"))
            // Totals of the three: debits 49 + 120 + 90, credits 49 + 1 + 25.
            #expect(body.contains(#"<span id="total-debit">€259.00</span>"#))
            #expect(body.contains(#"<span id="total-credit">€75.00</span>"#))
            #expect(body.contains("zero balance") && body.contains("F-acct-a"))
            #expect(body.contains(#"<a href="/reconciliation/m-1/acct-c">acct-c</a><br>Hugo Petit"#))
            #expect(body.contains(#"href="/reconciliation""#) && body.contains(#"href="/proofs""#))
        }
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("bruno")
            let page = try await browser.get("/reconciliation")
            #expect(page.body.contains("Comptes à concilier") && page.body.contains("3 compte(s)"))
            #expect(page.body.contains(ConsoleFormat.money(25_900, currency: "EUR", language: .fr)))
        }
    }

    @Test(
        "Reconcile: refused to billing (disabled, 403, audited forbidden); sent signed for manage_reconciliations, pending until an allocation"
    )
    func reconcile() async throws {
        let cluster = try MockCluster(brokers: 1)
        for topic in [ConsoleEvents.auditTopic, ReconciliationEvents.commandsTopic] {
            try await cluster.createTopic(topic, partitions: 1)
        }
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        var producerConfiguration = ProducerConfiguration(kafka: kafka)
        producerConfiguration.lingerMilliseconds = 1
        let producer = try KafkaProducer(configuration: producerConfiguration)
        let data = ConsoleData()
        feedAccounts(data.reconciliation)
        let console = ReconUsers.console(data: data, signer: ReconUsers.signer, producer: producer)
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("bruno")
            var page = try await browser.get("/reconciliation/m-1/acct-a")
            #expect(page.status == 200)
            #expect(page.body.contains(#"<button id="reconcile" disabled>Concilier</button>"#))
            #expect(page.body.contains("Concilier demande le rôle manage_reconciliations"))
            page = try await browser.post("/reconciliation/m-1/acct-a/reconcile")
            #expect(page.status == 403)
        }
        try await producer.flush(timeout: .seconds(5))
        #expect(try await readAll(ReconciliationEvents.commandsTopic, kafka: kafka).isEmpty)
        var audit = try await readAll(ConsoleEvents.auditTopic, kafka: kafka).map(\.0)
        #expect(audit.count == 1)
        #expect(audit.first?["data"]?["actor"]?.stringValue == "bruno")
        #expect(audit.first?["data"]?["action"]?.stringValue == "reconcile")
        #expect(audit.first?["data"]?["outcome"]?.stringValue == "forbidden")
        #expect(audit.first?["data"]?["target"]?.stringValue == "acct-a")

        try await withBrowser(console) { browser in
            _ = try await browser.signIn("rita")
            var page = try await browser.get("/reconciliation/m-1/acct-a")
            #expect(page.body.contains(#"<button id="reconcile" >Reconcile</button>"#))
            page = try await browser.post("/reconciliation/m-1/acct-a/reconcile")
            #expect(page.status == 303 && page.location == "/reconciliation/m-1/acct-a?sent=reconcile")
            page = try await browser.get(page.location ?? "")
            #expect(page.body.contains(#"data-state="pending""#))
            #expect(page.body.contains(#"http-equiv="refresh" content="2""#))
            #expect(page.body.contains(#"<button id="reconcile" disabled>"#))
            // A second one while the first waits: refused, not sent.
            #expect(try await browser.post("/reconciliation/m-1/acct-a/reconcile").status == 403)
            // The allocation arrives: no longer pending, the allocation shown.
            data.reconciliation.apply(
                topic: ReconciliationEvents.allocationsTopic, key: "acct-a",
                value: envelope(
                    "allocation.made", merchant: "m-1", account: "acct-a",
                    [
                        ("creditId", .string("cn-acct-a")), ("creditKind", .string("credit_note")),
                        ("debitId", .string("inv-acct-a")), ("debitKind", .string("invoice")),
                        ("amount", .number("4900")), ("currency", .string("EUR")), ("trigger", .string("command")),
                        ("debitAmount", .number("4900")), ("debitOpen", .number("0")),
                    ]))
            data.reconciliation.apply(
                topic: ReconciliationEvents.invoiceStatusTopic, key: "acct-a/inv-acct-a",
                value: envelope(
                    "invoice.status", merchant: "m-1", account: "acct-a",
                    [
                        ("invoiceId", .string("inv-acct-a")), ("status", .string("paid")), ("amount", .number("4900")),
                        ("open", .number("0")), ("currency", .string("EUR")),
                    ]))
            page = try await browser.get("/reconciliation/m-1/acct-a")
            #expect(!page.body.contains(#"data-state="pending""#) && !page.body.contains("http-equiv"))
            #expect(page.body.contains(#"<tr class="allocation">"#))
            #expect(page.body.contains("credit note cn-acct-a") && page.body.contains("invoice inv-acct-a"))
            #expect(page.body.contains("€49.00") && page.body.contains("<td>Reconcile</td>"))
            #expect(page.body.contains(#"data-invoice="inv-acct-a" data-status="paid""#))
        }
        try await producer.flush(timeout: .seconds(5))
        let commands = try await readAll(ReconciliationEvents.commandsTopic, kafka: kafka)
        #expect(commands.count == 1)
        let (command, headers) = try #require(commands.first)
        #expect(command["type"]?.stringValue == "reconciliation.requested")
        #expect(command["accountId"]?.stringValue == "acct-a" && command["merchantId"]?.stringValue == "m-1")
        #expect(command["data"]?["requestId"]?.stringValue?.isEmpty == false)
        // The token: signed by the console's key, with Rita's claims, bound to these bytes.
        let token = try #require(headers.first { $0.key == CommandHeaders.authorization }?.value)
        let keys = try CommandKeySet(jwks: TestSigners.jwks([ReconUsers.signer]))
        let verified = CommandVerifier(keys: keys, audience: "relance").verify(
            String(decoding: token, as: UTF8.self), value: command.jsonBytes, now: Date())
        if case .success(let result) = verified {
            let claims = result.0
            #expect(claims.subject == "rita" && result.keyID == "console-test")
            #expect(claims.roles.contains("manage_reconciliations") && claims.merchants == ["m-1"])
        } else {
            Issue.record("the token does not verify: \(verified)")
        }
        audit = try await readAll(ConsoleEvents.auditTopic, kafka: kafka).map(\.0)
        let sent = audit.filter { $0["data"]?["outcome"]?.stringValue == "sent" }
        #expect(sent.count == 1 && sent.first?["data"]?["actor"]?.stringValue == "rita")
        #expect(sent.first?["data"]?["commandEventId"]?.stringValue == command["eventId"]?.stringValue)
        #expect(audit.count == 3)  // bruno forbidden, rita sent, rita's second not allowed
        for record in audit {
            if let data = record["data"] { try ConsoleEvents.action.data.validate(data, path: "data") }
        }
    }

    @Test("proof upload: a camt.053 file becomes a proof.submitted; too large is 413; no CSRF token is 403")
    func proofUpload() async throws {
        #expect(camtFixture.count > 1000)
        let cluster = try MockCluster(brokers: 1)
        for topic in [ConsoleEvents.auditTopic, ProofEvents.proofsTopic] {
            try await cluster.createTopic(topic, partitions: 1)
        }
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        var producerConfiguration = ProducerConfiguration(kafka: kafka)
        producerConfiguration.lingerMilliseconds = 1
        let producer = try KafkaProducer(configuration: producerConfiguration)
        let data = ConsoleData()
        // The console knows acct-proof as m-1's and acct-9 as m-2's from their invoices.
        for (merchant, account) in [("m-1", "acct-proof"), ("m-2", "acct-9")] {
            data.accounts.apply(
                topic: ProofEvents.invoicesTopic, key: account,
                value: envelope(
                    "invoice.issued", merchant: merchant, account: account,
                    [
                        ("invoiceId", .string("inv-\(account)")), ("number", .string("F-\(account)")),
                        ("amount", .number("49000")), ("currency", .string("EUR")),
                        ("issuedOn", .string("2026-09-14")), ("dueOn", .string("2026-10-14")),
                    ]))
        }
        let console = ReconUsers.console(data: data, signer: ReconUsers.signer, producer: producer)
        let fields = [
            ("merchant", "m-1"), ("account", "acct-proof"), ("kind", "bank_statement"), ("invoiceIds", "inv-201"),
            ("format", ""),
        ]
        let proofID = try await withBrowser(console) { browser -> String in
            _ = try await browser.signIn("rita")
            var page = try await browser.get("/proofs")
            #expect(page.body.contains(#"enctype="multipart/form-data""#))
            // Without the token: refused, nothing published.
            page = try await browser.upload(
                "/proofs", fields, file: ("document", "releve.xml", camtFixture), csrf: false)
            #expect(page.status == 403)
            // m-2's account filed as m-1's: proof-validator keys its ledger by account, so that
            // would judge (and could pay) m-2's invoices: not found, nothing published.
            page = try await browser.upload(
                "/proofs",
                [("merchant", "m-1"), ("account", "acct-9"), ("kind", "bank_statement"), ("invoiceIds", "inv-acct-9")],
                file: ("document", "releve.xml", camtFixture))
            #expect(page.status == 404)
            // Larger than 700 kB: 413 with a page.
            let big = [UInt8](repeating: UInt8(ascii: "a"), count: ProofUpload.maximumFileBytes + 1)
            page = try await browser.upload("/proofs", fields, file: ("document", "big.csv", big))
            #expect(page.status == 413)
            #expect(page.body.contains("larger than 700 kB"))
            page = try await browser.upload("/proofs", fields, file: ("document", "releve.xml", camtFixture))
            #expect(page.status == 303)
            let location = page.location ?? ""
            #expect(location.hasPrefix("/proofs/pr-"))
            let id = String(location.dropFirst("/proofs/".count).prefix { $0 != "?" })
            page = try await browser.get(location)
            #expect(page.body.contains(#"data-verdict="pending""#) && page.body.contains(#"content="2""#))
            // A support user may not submit.
            return id
        }
        try await producer.flush(timeout: .seconds(5))
        let proofs = try await readAll(ProofEvents.proofsTopic, kafka: kafka).map(\.0)
        #expect(proofs.count == 1)
        let proof = try #require(proofs.first)
        #expect(proof["type"]?.stringValue == "proof.submitted")
        #expect(proof["accountId"]?.stringValue == "acct-proof" && proof["merchantId"]?.stringValue == "m-1")
        let submitted = try #require(proof["data"])
        try ProofEvents.proofSubmitted.data.validate(submitted, path: "data")
        #expect(submitted["proofId"]?.stringValue == proofID)
        #expect(submitted["kind"]?.stringValue == "bank_statement")
        #expect(submitted["invoiceIds"] == .array([.string("inv-201")]))
        #expect(submitted["document"]?["format"]?.stringValue == "camt.053")  // detected
        #expect(submitted["document"]?["encoding"]?.stringValue == "text")
        #expect(submitted["document"]?["content"]?.stringValue == String(decoding: camtFixture, as: UTF8.self))
        #expect(submitted["fields"] == nil)
        let audit = try await readAll(ConsoleEvents.auditTopic, kafka: kafka).map(\.0)
        #expect(audit.count == 1)
        #expect(audit.first?["data"]?["action"]?.stringValue == "submit_proof")
        #expect(audit.first?["data"]?["target"]?.stringValue == proofID)
        #expect(audit.first?["data"]?["outcome"]?.stringValue == "sent")

        // Support may not; typed fields are read; a bad amount is a 400 saying what.
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("sam")
            var page = try await browser.get("/proofs")
            #expect(page.body.contains(#"<button id="submit-proof" disabled>"#))
            page = try await browser.upload("/proofs", fields, file: ("document", "releve.xml", camtFixture))
            #expect(page.status == 403)
        }
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("rita")
            _ = try await browser.get("/proofs")
            var page = try await browser.upload(
                "/proofs",
                [
                    ("merchant", "m-1"), ("account", "acct-proof"), ("kind", "remittance_advice"),
                    ("amount", "49,001"), ("currency", "EUR"),
                ], file: nil)
            #expect(page.status == 400 && page.body.contains("49,001"))
            page = try await browser.upload(
                "/proofs",
                [
                    ("merchant", "m-1"), ("account", "acct-proof"), ("kind", "remittance_advice"),
                    ("payerName", "Zoé Lefèvre"), ("amount", "1 490,50"), ("currency", "eur"),
                    ("transactionDate", "2026-10-05"), ("bankConfirmation", "booked"),
                ], file: nil)
            #expect(page.status == 303)
        }
        try await producer.flush(timeout: .seconds(5))
        let typed = try await readAll(ProofEvents.proofsTopic, kafka: kafka).map(\.0).last?["data"]?["fields"]
        #expect(typed?["amount"]?.integerValue == 149_050 && typed?["currency"]?.stringValue == "EUR")
        #expect(
            typed?["payerName"]?.stringValue == "Zoé Lefèvre" && typed?["bankConfirmation"]?.stringValue == "booked")
    }

    @Test("a verdict: each missing element in French words, the matches and the case; pending before")
    func verdictInFrench() async throws {
        let data = ConsoleData()
        data.proofs.add(
            ProofRecord(
                proofID: "pr-1", merchantID: "m-1", accountID: "acct-proof", kind: "remittance_advice",
                invoiceIDs: ["inv-201"], format: nil, typedFields: true, submittedAt: Date()))
        let console = ReconUsers.console(data: data)
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("bruno")
            var page = try await browser.get("/proofs/pr-1")
            #expect(page.body.contains(#"data-verdict="pending""#) && page.body.contains("En attente du verdict"))
            data.proofs.apply(
                topic: ProofEvents.verdictsTopic, key: "acct-proof",
                value: envelope(
                    "proof.verdict", merchant: "m-1", account: "acct-proof",
                    [
                        ("proofId", .string("pr-1")), ("verdict", .string("rejected")),
                        (
                            "reasons",
                            .array([
                                .object([
                                    ("element", .string("transaction_id")), ("code", .string("missing")),
                                    ("message", .string("no reference number or transaction id")),
                                ]),
                                .object([
                                    ("element", .string("bank_confirmation")), ("code", .string("missing")),
                                    ("message", .string("no confirmation of the transfer by the bank")),
                                ]),
                                .object([
                                    ("element", .string("bank_details")), ("code", .string("wrong_payee_account")),
                                    ("message", .string("the transfer went to FR76…")),
                                ]),
                            ])
                        ),
                        ("matches", .array([])), ("cases", .array([])),
                    ]))
            page = try await browser.get("/proofs/pr-1")
            #expect(page.body.contains(#"data-verdict="rejected""#) && page.body.contains("refusée"))
            #expect(!page.body.contains("http-equiv"))
            #expect(page.body.contains("Il manque le numéro de référence ou l’identifiant de la transaction."))
            #expect(page.body.contains("Il manque la confirmation de la banque (virement comptabilisé)."))
            #expect(page.body.contains("Le virement est parti vers un autre compte que celui du marchand"))
            // The list shows it with its verdict.
            page = try await browser.get("/proofs")
            #expect(page.body.contains(#"data-proof="pr-1""#) && page.body.contains("refusée"))

            data.proofs.add(
                ProofRecord(
                    proofID: "pr-2", merchantID: "m-1", accountID: "acct-proof", kind: "bank_statement",
                    invoiceIDs: [], format: "camt.053", typedFields: false, submittedAt: Date()))
            data.proofs.apply(
                topic: ProofEvents.verdictsTopic, key: "acct-proof",
                value: envelope(
                    "proof.verdict", merchant: "m-1", account: "acct-proof",
                    [
                        ("proofId", .string("pr-2")), ("verdict", .string("needs_review")),
                        (
                            "reasons",
                            .array([
                                .object([
                                    ("element", .string("amount_and_currency")), ("code", .string("already_paid")),
                                    ("message", .string("invoice F-1 was already paid")),
                                ])
                            ])
                        ),
                        ("matches", .array([])), ("cases", .array([.string("paid_twice")])),
                        ("refundAmount", .number("49000")), ("amount", .number("49000")),
                        ("currency", .string("EUR")),
                    ]))
            page = try await browser.get("/proofs/pr-2")
            #expect(page.body.contains("à examiner") && page.body.contains("Facture payée deux fois"))
            #expect(
                page.body.contains("À rembourser")
                    && page.body.contains(ConsoleFormat.money(49_000, currency: "EUR", language: .fr)))
        }
    }

    @Test("another merchant's account and proof: 404 for pages and posts")
    func otherMerchant() async throws {
        let data = ConsoleData()
        feedAccounts(data.reconciliation)
        data.proofs.add(
            ProofRecord(
                proofID: "pr-9", merchantID: "m-1", accountID: "acct-a", kind: "bank_statement", invoiceIDs: [],
                format: "camt.053", typedFields: false, submittedAt: Date()))
        let console = ReconUsers.console(data: data, signer: ReconUsers.signer)
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("mia")
            #expect(try await browser.get("/reconciliation/m-1/acct-a").status == 404)
            #expect(try await browser.get("/reconciliation/m-2/acct-x").status == 200)
            #expect(try await browser.get("/reconciliation/m-2/nothing").status == 404)
            #expect(try await browser.post("/reconciliation/m-1/acct-a/reconcile").status == 404)
            #expect(try await browser.get("/proofs/pr-9").status == 404)
            let list = try await browser.get("/proofs")
            #expect(!list.body.contains("pr-9"))
            let reconciliation = try await browser.get("/reconciliation")
            #expect(!reconciliation.body.contains("acct-a") && reconciliation.body.contains("acct-x"))
            let page = try await browser.upload(
                "/proofs", [("merchant", "m-1"), ("account", "acct-a"), ("kind", "bank_statement")],
                file: ("document", "releve.xml", camtFixture))
            #expect(page.status == 404)
        }
    }

    @Test("multipart: fields and a file read back; a malformed body is no form")
    func multipartParser() {
        let body = multipartBody(
            boundary: "XyZ", fields: [("csrf", "tok"), ("note", "a\r\nb")],
            file: ("document", "f.xml", Array("<x>--XyZ</x>".utf8)))
        let parts = Multipart.parse(body, boundary: "XyZ")
        #expect(parts?.count == 3)
        #expect(parts?[0].name == "csrf" && parts?[0].body == Array("tok".utf8))
        #expect(parts?[1].body == Array("a\r\nb".utf8))
        #expect(parts?[2].fileName == "f.xml" && parts?[2].body == Array("<x>--XyZ</x>".utf8))
        #expect(Multipart.parse(Array("garbage".utf8), boundary: "XyZ") == nil)
        #expect(Multipart.parse(Array(body.dropLast(12)), boundary: "XyZ") == nil)
        #expect(Multipart.boundary(contentType: "multipart/form-data; boundary=\"abc\"") == "abc")
        #expect(Multipart.boundary(contentType: "application/x-www-form-urlencoded") == nil)
        #expect(ProofUpload.minorUnits("1 234,56", currency: "EUR") == 123_456)
        #expect(ProofUpload.minorUnits("500", currency: "JPY") == 500)
        #expect(ProofUpload.minorUnits("5.5", currency: "JPY") == nil)
        #expect(ProofUpload.detectFormat(camtFixture) == "camt.053")
        #expect(ProofUpload.detectFormat(Array(":20:STMT\n:25:FR76\n:61:2610051005C490,00NTRFNONREF".utf8)) == "mt940")
    }

    @Test(
        "on the mock cluster: a camt.053 proof uploaded through the console is accepted by proof-validator, and reconciliation allocates it"
    )
    func proofAcceptedOnCluster() async throws {
        var harness = try await WorkerHarness(ProofValidatorWorker())
        let reconciliation = try await harness.start(ReconciliationWorker())
        let kafka = KafkaConfiguration(bootstrapServers: harness.cluster.bootstrapServers)
        for topic in [
            ConsoleEvents.auditTopic, PaymentEvents.actionCentreTopic, PaymentEvents.commandResultsTopic,
            ReconciliationEvents.commandsTopic,
        ] {
            try? await harness.cluster.createTopic(topic, partitions: 4)
        }
        var producerConfiguration = ProducerConfiguration(kafka: kafka)
        producerConfiguration.lingerMilliseconds = 1
        let producer = try KafkaProducer(configuration: producerConfiguration)
        let data = ConsoleData()
        var logger = Logger(label: "console-test")
        logger.logLevel = .warning
        let follower = Task { try await TopicFollower(kafka: kafka, feeds: data.feeds, logger: logger).run() }
        let console = ReconUsers.console(data: data, signer: ReconUsers.signer, producer: producer)

        try await harness.tick(Date(timeIntervalSince1970: 1_791_158_400))  // 2026-10-05
        let invoice = envelope(
            "invoice.issued", merchant: "m-1", account: "acct-proof",
            [
                ("invoiceId", .string("inv-201")), ("number", .string("F-2026-0201")), ("amount", .number("49000")),
                ("currency", .string("EUR")), ("issuedOn", .string("2026-09-14")), ("dueOn", .string("2026-10-14")),
                ("payeeName", .string("Camping des Pins SARL")),
                ("payeeAccount", .string("FR76 3000 4000 0312 3456 7890 143")),
            ])
        try await harness.publish(raw: invoice, to: ProofEvents.invoicesTopic, key: "acct-proof")
        try await waitUntil("reconciliation publishes the invoice open") {
            data.reconciliation.account(merchant: "m-1", account: "acct-proof")?.invoices.first?.status == "open"
        }
        let proofID = try await withBrowser(console) { browser -> String in
            _ = try await browser.signIn("rita")
            _ = try await browser.get("/reconciliation/m-1/acct-proof")
            let page = try await browser.upload(
                "/proofs", [("merchant", "m-1"), ("account", "acct-proof"), ("kind", "bank_statement")],
                file: ("document", "releve.xml", camtFixture))
            #expect(page.status == 303)
            return String((page.location ?? "").dropFirst("/proofs/".count).prefix { $0 != "?" })
        }
        try await waitUntil("proof-validator's verdict") { data.proofs.proof(proofID)?.verdict != nil }
        let verdict = try #require(data.proofs.proof(proofID)?.verdict)
        #expect(verdict.verdict == "accepted", "\(verdict.reasons)")
        #expect(verdict.matches == [ProofVerdictRecord.Match(invoiceID: "inv-201", amount: 49_000, currency: "EUR")])
        try await waitUntil("reconciliation allocates the proof to the invoice") {
            data.reconciliation.account(merchant: "m-1", account: "acct-proof")?.invoices.first?.status == "paid"
        }
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("rita")
            var page = try await browser.get("/proofs/\(proofID)")
            #expect(page.body.contains(#"data-verdict="accepted""#) && page.body.contains("inv-201"))
            #expect(page.body.contains("€490.00"))
            page = try await browser.get("/reconciliation/m-1/acct-proof")
            #expect(page.body.contains(#"<tr class="allocation">"#) && page.body.contains("a proof of payment"))
            #expect(page.body.contains(#"data-invoice="inv-201" data-status="paid""#))
        }
        #expect(try await harness.settle("relance.dead-letters").isEmpty)
        follower.cancel()
        _ = try? await follower.value
        try await reconciliation.stop()
        try await harness.stop()
    }
}
