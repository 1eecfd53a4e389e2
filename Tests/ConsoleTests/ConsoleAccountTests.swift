import ConsoleService
import Foundation
import Logging
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import Testing

/// An envelope as the workers write it.
func envelope(
    _ type: String, merchant: String = "m-1", account: String = "acct-1", at: String = "2026-10-01T08:00:00.000Z",
    eventID: String = UUID().uuidString, _ data: [(key: String, value: JSONValue)]
) -> [UInt8] {
    JSONValue.object([
        ("eventId", .string(eventID)), ("type", .string(type)), ("schemaVersion", .number("1")),
        ("occurredAt", .string(at)), ("accountId", .string(account)), ("merchantId", .string(merchant)),
        ("data", .object(data)),
    ]).jsonBytes
}

/// The email log's record (no account nor merchant: the reason names the account).
func emailRecord(reason: String, kind: String, to: [String], subject: String, at: String) -> [UInt8] {
    envelope(
        "email.sent", merchant: "-", account: "-", at: at,
        [
            ("messageId", .string("\(reason)@test")), ("reason", .string(reason)), ("kind", .string(kind)),
            ("to", .array(to.map { .string($0) })), ("subject", .string(subject)), ("serverReply", .string("250 ok")),
            ("attempts", .number("1")), ("transport", .string("directory")),
        ])
}

/// An account past due with two open invoices, the first overdue with two notices sent.
func accountFeed() -> AccountsView {
    let view = AccountsView()
    view.apply(
        topic: ProofEvents.accountStatusTopic, key: "acct-1",
        value: envelope(
            "account.status", at: "2026-09-21T00:00:00.000Z",
            [("status", .string("past_due")), ("reason", .string("invoice F-1 overdue since 2026-09-20"))]))
    view.apply(
        topic: MailEvents.accountsTopic, key: "acct-1",
        value: envelope("account.profile-updated", [("customerName", .string("Camille Martin"))]))
    view.apply(
        topic: MailEvents.accountsTopic, key: "acct-1",
        value: envelope(
            "account.recipients-change-requested", eventID: "ev-r0",
            [("recipients", .array([.object([("email", .string("compta@camille.test"))])]))]))
    for (id, number, amount, due) in [("inv-1", "F-1", 12000, "2026-09-20"), ("inv-2", "F-2", 5000, "2026-12-31")] {
        view.apply(
            topic: ProofEvents.invoicesTopic, key: "acct-1",
            value: envelope(
                "invoice.issued",
                [
                    ("invoiceId", .string(id)), ("number", .string(number)), ("amount", .number("\(amount)")),
                    ("currency", .string("EUR")), ("issuedOn", .string("2026-09-01")), ("dueOn", .string(due)),
                ]))
    }
    view.apply(
        topic: ProofEvents.invoicesTopic, key: "acct-1",
        value: envelope(
            "invoice.fee-added",
            [
                ("invoiceId", .string("inv-1")), ("feeId", .string("inv-1/flat_indemnity")),
                ("kind", .string("flat_indemnity")), ("amount", .number("4000")), ("currency", .string("EUR")),
            ]))
    view.apply(
        topic: ReconciliationEvents.invoiceStatusTopic, key: "acct-1/inv-1",
        value: envelope(
            "invoice.status",
            [
                ("invoiceId", .string("inv-1")), ("status", .string("partially_paid")), ("amount", .number("16000")),
                ("open", .number("11000")), ("currency", .string("EUR")),
            ]))
    // A paid invoice is not open.
    view.apply(
        topic: ProofEvents.invoicesTopic, key: "acct-1",
        value: envelope(
            "invoice.issued",
            [
                ("invoiceId", .string("inv-0")), ("number", .string("F-0")), ("amount", .number("999")),
                ("currency", .string("EUR")), ("issuedOn", .string("2026-08-01")), ("dueOn", .string("2026-08-15")),
            ]))
    view.apply(
        topic: ReconciliationEvents.invoiceStatusTopic, key: "acct-1/inv-0",
        value: envelope(
            "invoice.status",
            [
                ("invoiceId", .string("inv-0")), ("status", .string("paid")), ("amount", .number("999")),
                ("open", .number("0")), ("currency", .string("EUR")),
            ]))
    for step in 1...2 {
        view.apply(
            topic: MailEvents.emailLogTopic, key: "m\(step)",
            value: emailRecord(
                reason: "overdue/acct-1/inv-1/step-\(step)", kind: "overdue_step_\(step)",
                to: ["compta@camille.test"], subject: "Notice \(step)", at: "2026-09-2\(step)T08:00:00.000Z"))
    }
    // Another merchant's account.
    view.apply(
        topic: ProofEvents.accountStatusTopic, key: "acct-9",
        value: envelope("account.status", merchant: "m-2", account: "acct-9", [("status", .string("suspended"))]))
    return view
}

func consoleSigner() -> CommandSigner {
    CommandSigner(generating: .eddsa, keyID: "console", subject: "relance-console", roles: [], merchants: ["*"])
}

@Suite("relance-console: accounts, invoice recipients, expiring cards, emails")
struct ConsoleAccountTests {
    @Test("a ladder started again: the newest one's steps only, its days counted from its start")
    func restartedLadder() async throws {
        let feed = accountFeed()  // inv-1 due 2026-09-20, steps 1 and 2 of its first ladder sent
        // The ladder stopped (paid under the minimum), started again on 1 November: its step 1.
        feed.apply(
            topic: MailEvents.emailLogTopic, key: "m-again-1",
            value: emailRecord(
                reason: "overdue/acct-1/inv-1@2026-11-01/step-1", kind: "overdue_step_1",
                to: ["compta@camille.test"], subject: "Notice 1 again", at: "2026-11-01T08:00:00.000Z"))
        let console = testConsole(data: ConsoleData(accounts: feed), signer: consoleSigner()) { configuration in
            configuration.ladder = LadderPolicy(stepDays: [1, 8, 15, 20, 25])
        }
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("olivia")
            let body = try await browser.get("/merchants/m-1/accounts/acct-1").body
            // Step 1 of the new ladder, not step 2 of the old; step 2 on its day 8 (1 November is
            // its day 1): 8 November, not 28 September.
            #expect(body.contains(#"<td class="reached">1 · first notice</td>"#))
            #expect(body.contains(#"<td class="next-step">2 · second notice · 2026-11-08</td>"#))
        }
    }

    @Test("the account page: status, open invoices with fees and open amounts, step reached, next step from the policy")
    func accountPage() async throws {
        let data = ConsoleData(accounts: accountFeed())
        let console = testConsole(data: data, signer: consoleSigner()) { configuration in
            // The mailer's days and policy: the next step's day is the policy's.
            configuration.ladder = LadderPolicy(stepDays: [2, 9, 16, 21, 30])
            configuration.dunningPolicies = DunningPolicies(merchants: ["m-1": DunningPolicy(finalAction: .suspend)])
        }
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("olivia")
            var page = try await browser.get("/merchants/m-1/accounts/acct-1")
            #expect(page.status == 200)
            let body = page.body
            #expect(body.contains("Camille Martin · acct-1"))
            #expect(body.contains(#"id="account-status" data-status="past_due">past due</span>"#))
            #expect(body.contains("invoice F-1 overdue since 2026-09-20"))
            // Open: F-1 (partially paid, 110.00 open of 120.00 + 40.00 fees) and F-2; not the paid F-0.
            #expect(body.contains(#"data-invoice="inv-1""#) && body.contains(#"data-invoice="inv-2""#))
            #expect(!body.contains(#"data-invoice="inv-0""#))
            let money = { (minor: Int64) in ConsoleFormat.money(minor, currency: "EUR", language: .en) }
            #expect(body.contains(money(12000)) && body.contains(money(4000)) && body.contains(money(11000)))
            #expect(body.contains("partially paid"))
            // Total open: 110.00 + 50.00.
            #expect(body.contains(#"id="total-open">\#(money(16000))<"#))
            // Step 2 sent; step 3 on the due date + 16 days (the configured ladder), not the default 15.
            #expect(body.contains(#"<td class="reached">2 · second notice</td>"#))
            #expect(body.contains(#"<td class="next-step">3 · third notice · 2026-10-06</td>"#))
            #expect(body.contains("keep the account suspended"))
            // The invoice not yet due has no step.
            #expect(body.contains(#"<td class="reached"></td>"#))
            // The emails and the recipients.
            #expect(body.contains("second overdue notice") && body.contains("compta@camille.test"))
            #expect(body.contains("<li>compta@camille.test</li>"))

            // The list: filter by status, figures per account.
            page = try await browser.get("/accounts")
            #expect(page.body.contains(#"data-account="acct-1""#) && !page.body.contains("acct-9"))
            #expect(page.body.contains(">2</td>") && page.body.contains(money(16000)))
            #expect(page.body.contains("3 · third notice · 2026-10-06"))
            page = try await browser.get("/accounts?status=suspended")
            #expect(!page.body.contains(#"data-account="acct-1""#))
            page = try await browser.get("/accounts?status=past_due")
            #expect(page.body.contains(#"data-account="acct-1""#))

            // Another merchant's account is not found.
            page = try await browser.get("/merchants/m-2/accounts/acct-9")
            #expect(page.status == 404)
            page = try await browser.post("/merchants/m-2/accounts/acct-9/recipients", [("recipients", "a@b.test")])
            #expect(page.status == 404)
        }
        // French: dates and words.
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("bruno")
            let page = try await browser.get("/merchants/m-1/accounts/acct-1")
            #expect(page.body.contains("3 · troisième avis · 06/10/2026") && page.body.contains("en retard"))
        }
    }

    @Test("an owner changes the recipients: a signed command whose token names the user; pending, then refused")
    func ownerChangesRecipients() async throws {
        let cluster = try MockCluster(brokers: 1)
        for topic in [MailEvents.accountsTopic, ConsoleEvents.auditTopic] {
            try await cluster.createTopic(topic, partitions: 1)
        }
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        var producerConfiguration = ProducerConfiguration(kafka: kafka)
        producerConfiguration.lingerMilliseconds = 1
        let producer = try KafkaProducer(configuration: producerConfiguration)
        let feed = accountFeed()
        let clock = TestClock()
        let console = testConsole(
            data: ConsoleData(accounts: feed), clock: clock, signer: consoleSigner(), producer: producer)
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("olivia")
            var page = try await browser.get("/merchants/m-1/accounts/acct-1")
            #expect(!page.body.contains(#"id="change-recipients" disabled"#))
            // Bad input: a 400 page saying what.
            page = try await browser.post(
                "/merchants/m-1/accounts/acct-1/recipients", [("recipients", "ok@x.test\nnot an address")])
            #expect(page.status == 400 && page.body.contains("“not an address” is not an email address."))
            page = try await browser.post(
                "/merchants/m-1/accounts/acct-1/recipients", [("recipients", "a@x.test\nA@x.test")])
            #expect(page.status == 400 && page.body.contains("given twice"))
            page = try await browser.post("/merchants/m-1/accounts/acct-1/recipients", [("recipients", " \n")])
            #expect(page.status == 400)
            let many = (1...21).map { "u\($0)@x.test" }.joined(separator: "\n")
            page = try await browser.post("/merchants/m-1/accounts/acct-1/recipients", [("recipients", many)])
            #expect(page.status == 400 && page.body.contains("At most 20"))
            // Without the CSRF token: refused.
            page = try await browser.post(
                "/merchants/m-1/accounts/acct-1/recipients", [("recipients", "a@x.test")], csrf: "forged")
            #expect(page.status == 403)

            page = try await browser.post(
                "/merchants/m-1/accounts/acct-1/recipients",
                [("recipients", "billing@camille.test\r\nceo@camille.test")])
            #expect(page.status == 303)
            #expect(page.location == "/merchants/m-1/accounts/acct-1?sent=change_recipients")
            page = try await browser.get(page.location ?? "")
            #expect(page.body.contains(#"id="recipients-pending""#))
            #expect(page.body.contains("billing@camille.test, ceo@camille.test, by olivia"))
            #expect(page.body.contains(#"http-equiv="refresh""#))
            // The list in force is still the old one until the mailer's outcome.
            #expect(page.body.contains("<li>compta@camille.test</li>"))
        }
        // An email the mailer sends to exactly the new list: applied, not pending any more.
        feed.apply(
            topic: MailEvents.emailLogTopic, key: "held-1",
            value: emailRecord(
                reason: "overdue/acct-1/inv-1/step-3", kind: "overdue_step_3",
                to: ["billing@camille.test", "ceo@camille.test"], subject: "Notice 3",
                at: Timestamp.format(clock.read())))
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("olivia")
            let page = try await browser.get("/merchants/m-1/accounts/acct-1")
            #expect(!page.body.contains(#"id="recipients-pending""#))
            #expect(page.body.contains("<li>billing@camille.test</li><li>ceo@camille.test</li>"))
            #expect(page.body.contains(#"<td class="reached">3 · third notice</td>"#))
        }
        // The signed command on relance.accounts.
        var records: [KafkaMessage] = []
        try await TopicReading.readToEnd(MailEvents.accountsTopic, partitions: [0], kafka: kafka, log: nil) {
            records += $0
        }
        #expect(records.count == 1)
        let record = try #require(records.first)
        let event = try JSONReader.read(Array(record.value ?? []))
        #expect(event["type"]?.stringValue == "account.recipients-change-requested")
        #expect(event["accountId"]?.stringValue == "acct-1" && event["merchantId"]?.stringValue == "m-1")
        let emails = event["data"]?["recipients"]?.arrayValue?.compactMap { $0["email"]?.stringValue }
        #expect(emails == ["billing@camille.test", "ceo@camille.test"])
        let token = try #require(
            record.headers.first { $0.key == CommandHeaders.authorization }?.value.map {
                String(decoding: $0, as: UTF8.self)
            })
        let parts = token.split(separator: ".")
        #expect(parts.count == 3)
        let claims = try JSONReader.read(try #require(Base64URL.decode(parts[1])))
        #expect(claims["sub"]?.stringValue == "olivia")
        #expect(claims["roles"]?.arrayValue?.compactMap(\.stringValue) == ["owner"])
        // Audited with the account as target.
        var audit: [JSONValue] = []
        try await TopicReading.readToEnd(ConsoleEvents.auditTopic, partitions: [0], kafka: kafka, log: nil) { batch in
            audit += batch.compactMap { try? JSONReader.read(Array($0.value ?? [])) }
        }
        let sent = audit.last?["data"]
        #expect(sent?["action"]?.stringValue == "change_recipients" && sent?["outcome"]?.stringValue == "sent")
        #expect(sent?["target"]?.stringValue == "acct-1" && sent?["actor"]?.stringValue == "olivia")
        #expect(sent?["commandEventId"]?.stringValue == event["eventId"]?.stringValue)

        // The mailer reads it back (relance.accounts), then refuses it: its dead letter.
        feed.apply(topic: MailEvents.accountsTopic, key: "acct-1", value: Array(record.value ?? []))
        let letter = DeadLetter(
            reason: DeadLetter.Reason(code: "invalid_recipient", message: "\"ceo@camille.test\" is not accepted"),
            source: DeadLetter.Source(topic: MailEvents.accountsTopic, partition: 0, offset: record.offset),
            key: Array("acct-1".utf8), value: Array(record.value ?? []), headers: [], worker: "reminder-mailer",
            failedAt: Date())
        feed.apply(topic: "relance.dead-letters", key: "acct-1", value: Array(try letter.encoded()))
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("olivia")
            let page = try await browser.get("/merchants/m-1/accounts/acct-1")
            #expect(!page.body.contains(#"id="recipients-pending""#))
            #expect(page.body.contains(#"id="recipients-refused""#) && page.body.contains("invalid_recipient"))
            #expect(page.body.contains("<li>compta@camille.test</li>"))
        }
        // A change no one refuses applies once the wait is over.
        feed.apply(
            topic: MailEvents.accountsTopic, key: "acct-1",
            value: envelope(
                "account.recipients-change-requested", at: "2026-11-01T00:00:00.000Z", eventID: "ev-r2",
                [("recipients", .array([.object([("email", .string("new@camille.test"))])]))]))
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("olivia")
            let page = try await browser.get("/merchants/m-1/accounts/acct-1")
            #expect(page.body.contains("<li>new@camille.test</li>") && !page.body.contains("<li>compta@"))
        }
    }

    @Test("a billing user sees the recipients and a disabled form; their forged post is 403 and audited forbidden")
    func billingRefused() async throws {
        let cluster = try MockCluster(brokers: 1)
        for topic in [MailEvents.accountsTopic, ConsoleEvents.auditTopic] {
            try await cluster.createTopic(topic, partitions: 1)
        }
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        var producerConfiguration = ProducerConfiguration(kafka: kafka)
        producerConfiguration.lingerMilliseconds = 1
        let producer = try KafkaProducer(configuration: producerConfiguration)
        let console = testConsole(
            data: ConsoleData(accounts: accountFeed()), signer: consoleSigner(), producer: producer)
        try await withBrowser(console) { browser in
            browser.language = "en"
            _ = try await browser.signIn("bruno")
            var page = try await browser.get("/merchants/m-1/accounts/acct-1")
            #expect(page.body.contains("<li>compta@camille.test</li>"))
            #expect(page.body.contains(#"id="change-recipients" disabled"#))
            #expect(page.body.contains(#"id="recipients-field" rows="4" cols="40""#) && page.body.contains("disabled>"))
            #expect(page.body.contains("Seul un propriétaire peut changer les destinataires"))
            page = try await browser.post("/merchants/m-1/accounts/acct-1/recipients", [("recipients", "x@y.test")])
            #expect(page.status == 403)
        }
        var records = 0
        try await TopicReading.readToEnd(MailEvents.accountsTopic, partitions: [0], kafka: kafka, log: nil) {
            records += $0.count
        }
        #expect(records == 0)
        var audit: [JSONValue] = []
        try await TopicReading.readToEnd(ConsoleEvents.auditTopic, partitions: [0], kafka: kafka, log: nil) { batch in
            audit += batch.compactMap { try? JSONReader.read(Array($0.value ?? [])) }
        }
        let data = audit.last?["data"]
        #expect(audit.count == 1)
        #expect(data?["action"]?.stringValue == "change_recipients" && data?["outcome"]?.stringValue == "forbidden")
        #expect(data?["actor"]?.stringValue == "bruno" && data?["target"]?.stringValue == "acct-1")
    }

    @Test("the console reads reminder-mailer's ladder days and dunning policies file; a bad one stops it")
    func configuration() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dunning-\(UUID().uuidString).json")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"merchants": {"m-1": {"finalAction": "write_off"}}}"#.utf8).write(to: URL(fileURLWithPath: path))
        let base = ["RELANCE_CONSOLE_USERS": "users.json"]
        let c = try ConsoleConfiguration.fromEnvironment(
            base.merging(["RELANCE_DUNNING_POLICIES": path, "RELANCE_LADDER_DAYS": "1,5,10,15,20"]) { $1 })
        #expect(c.dunningPolicies.policy(for: "m-1", base: c.ladder).finalAction == .writeOff)
        #expect(c.ladder.stepDays == [1, 5, 10, 15, 20])
        #expect(try ConsoleConfiguration.fromEnvironment(base).dunningPolicies == DunningPolicies())
        try Data(#"{"merchants": {"m-1": {"minimumOverdue": {"XYZ": 5}}}}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ConsoleConfiguration.Invalid.self) {
            try ConsoleConfiguration.fromEnvironment(base.merging(["RELANCE_DUNNING_POLICIES": path]) { $1 })
        }
        #expect(throws: ConsoleConfiguration.Invalid.self) {
            try ConsoleConfiguration.fromEnvironment(base.merging(["RELANCE_LADDER_DAYS": "1,2"]) { $1 })
        }
        #expect(ConsoleConfiguration.variables.contains { $0.name == "RELANCE_DUNNING_POLICIES" })
    }

    @Test("expiring cards: the user's merchants only, soonest expiry first, unlisted and tombstoned gone; the CSV")
    func expiringCards() async throws {
        let cards = ExpiringCardsView()
        func card(_ merchant: String, _ account: String, _ id: String, month: Int, year: Int, listed: Bool = true)
            -> [UInt8]
        {
            envelope(
                "expiring-card.updated", merchant: merchant, account: account,
                [
                    ("cardId", .string(id)), ("brand", .string("visa")), ("last4", .string("42\(id.suffix(2))")),
                    ("expMonth", .number("\(month)")), ("expYear", .number("\(year)")), ("listed", .bool(listed)),
                    ("schedules", .array([.string("sch-\(id)"), .string("=HYPERLINK(\"x\")")])),
                ])
        }
        cards.apply(
            topic: CardEvents.expiringCardsTopic, key: "acct-1/c-01",
            value: card("m-1", "acct-1", "c-01", month: 1, year: 2027))
        cards.apply(
            topic: CardEvents.expiringCardsTopic, key: "acct-2/c-02",
            value: card("m-1", "acct-2", "c-02", month: 12, year: 2026))
        cards.apply(
            topic: CardEvents.expiringCardsTopic, key: "acct-3/c-03",
            value: card("m-1", "acct-3", "c-03", month: 11, year: 2026))
        cards.apply(
            topic: CardEvents.expiringCardsTopic, key: "acct-9/c-09",
            value: card("m-2", "acct-9", "c-09", month: 10, year: 2026))
        // Unlisted, and a tombstone.
        cards.apply(
            topic: CardEvents.expiringCardsTopic, key: "acct-3/c-03",
            value: card("m-1", "acct-3", "c-03", month: 11, year: 2026, listed: false))
        cards.apply(
            topic: CardEvents.expiringCardsTopic, key: "acct-4/c-04",
            value: card("m-1", "acct-4", "c-04", month: 11, year: 2026))
        cards.apply(topic: CardEvents.expiringCardsTopic, key: "acct-4/c-04", value: nil)
        let console = testConsole(data: ConsoleData(accounts: accountFeed(), expiringCards: cards))
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("olivia")
            var page = try await browser.get("/expiring-cards")
            #expect(page.status == 200)
            let body = page.body
            let first = try #require(body.range(of: #"data-account="acct-2""#))
            let second = try #require(body.range(of: #"data-account="acct-1""#))
            #expect(first.lowerBound < second.lowerBound)
            #expect(!body.contains("acct-9") && !body.contains("acct-3") && !body.contains("acct-4"))
            #expect(body.contains("12/2026") && body.contains("visa •••• 4202") && body.contains("Camille Martin"))
            #expect(body.contains(#"href="/expiring-cards""#) && body.contains(#"href="/accounts""#))
            // A link to the account page only where the console knows the account.
            #expect(body.contains(#"href="/merchants/m-1/accounts/acct-1""#))
            #expect(!body.contains(#"href="/merchants/m-1/accounts/acct-2""#))
            page = try await browser.get("/expiring-cards.csv")
            #expect(page.headers[.contentType] == "text/csv; charset=utf-8")
            let lines = page.body.components(separatedBy: "\r\n")
            #expect(lines[0] == "merchant,account,customerName,cardId,brand,last4,expMonth,expYear,schedules")
            #expect(lines[1] == #"m-1,acct-2,,c-02,visa,4202,12,2026,"sch-c-02 =HYPERLINK(""x"")""#)
            #expect(
                lines[2] == "m-1,acct-1,Camille Martin,c-01,visa,4201,1,2027,sch-c-01 =HYPERLINK(\"\"x\"\")"
                    || lines[2].hasPrefix("m-1,acct-1,Camille Martin,c-01"))
            #expect(lines.count == 4 && lines[3].isEmpty)
        }
        // Another merchant's owner sees theirs only.
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("mia")
            let page = try await browser.get("/expiring-cards.csv")
            #expect(page.body.contains("acct-9") && !page.body.contains("acct-1"))
        }
    }

    @Test("a failed transaction's history shows the emails about its payment, not the others'")
    func itemEmails() async throws {
        let items = ActionCentreView()
        items.applyItem(key: "p1", value: itemRecord(payment: "p1"))
        items.applyItem(key: "p2", value: itemRecord(payment: "p2"))
        let feed = accountFeed()
        for (event, payment) in [("n-1", "p1"), ("n-2", "p2")] {
            feed.apply(
                topic: PaymentEvents.notificationsTopic, key: "acct-1",
                value: envelope(
                    "notification.requested", eventID: event,
                    [
                        ("kind", .string("payment_failed")), ("audience", .string("customer")),
                        ("paymentId", .string(payment)),
                    ]))
        }
        feed.apply(
            topic: MailEvents.emailLogTopic, key: "x1",
            value: emailRecord(
                reason: "payment_failed/acct-1/n-1", kind: "payment_failed", to: ["compta@camille.test"],
                subject: "Your payment of €49.00 failed", at: "2026-10-01T08:31:00.000Z"))
        feed.apply(
            topic: MailEvents.emailLogTopic, key: "x2",
            value: emailRecord(
                reason: "payment_failed/acct-1/n-2", kind: "payment_failed", to: ["compta@camille.test"],
                subject: "Other payment failed", at: "2026-10-02T08:31:00.000Z"))
        let console = testConsole(data: ConsoleData(actionCentre: items, accounts: feed))
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("olivia")
            let page = try await browser.get("/merchants/m-1/items/p1")
            #expect(page.body.contains("Your payment of €49.00 failed"))
            #expect(page.body.contains("payment failed (to the customer)"))
            // 10:31 in Paris.
            #expect(page.body.contains("2026-10-01 10:31"))
            #expect(!page.body.contains("Other payment failed"))
        }
    }
}
