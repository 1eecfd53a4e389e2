import Foundation
import Logging
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceMail
import RelanceRuntime
import RelanceTestSupport
import ReminderMailerService
import Testing

/// reminder-mailer through the real runtime on the mock cluster, on simulated time, delivering
/// to a real SMTP server process.
struct MailerScenario {
    var harness: WorkerHarness<ReminderMailerWorker>
    let delivery: MailDelivery
    let deliveryTask: Task<Void, any Error>
    let server: SMTPTestServer
    static let day0 = Date(timeIntervalSince1970: 1_790_812_800)  // 2026-10-01T00:00:00Z
    static let merchant = MerchantProfile(
        name: "Aérocall", fromAddress: "facturation@aerocall.test", contactEmail: "support@aerocall.test",
        logoURL: "https://aerocall.test/logo.png", paymentURL: "https://aerocall.test/pay/{account}", locale: .fr,
        digestRecipients: ["billing@aerocall.test", "admin@aerocall.test"])
    var digest: WorkerHarness<ReminderMailerWorker>.Companion<DigestWorker>?

    init(
        server: SMTPTestServer,
        retry: MailRetryPolicy = MailRetryPolicy(first: .milliseconds(100), cap: .milliseconds(500))
    )
        async throws
    {
        self.server = server
        harness = try await WorkerHarness(ReminderMailerWorker(merchants: ["m-1": Self.merchant]))
        var configuration = MailDelivery.Configuration(
            kafka: KafkaConfiguration(bootstrapServers: harness.cluster.bootstrapServers), groupID: "delivery")
        configuration.retry = retry
        let delivery = MailDelivery(
            configuration: configuration,
            transport: SMTPTransport(
                configuration: SMTPConfiguration(
                    host: "127.0.0.1", port: server.port, security: .none, connectTimeout: .seconds(2))),
            log: Logger(label: "delivery", level: .error))
        self.delivery = delivery
        deliveryTask = Task { try await delivery.run() }
    }

    mutating func startDigest() async throws {
        digest = try await harness.start(DigestWorker(merchants: ["m-1": Self.merchant]))
    }

    func stop() async throws {
        try await digest?.stop()
        await delivery.stop()
        try await deliveryTask.value
        try await harness.stop()
    }

    func day(_ n: Double) async throws { try await harness.tick(Self.day0.addingTimeInterval(n * 86_400)) }

    func send(_ type: String, to topic: String, account: String, id: String, _ data: JSONValue) async throws {
        try await harness.publish(type, to: topic, account: account, id: id, data: data)
    }

    /// A customer with two invoice recipients and one invoice due on day 0.
    mutating func customer(_ account: String, locale: String, name: String) async throws {
        try await send(
            "account.profile-updated", to: MailEvents.accountsTopic, account: account, id: "\(account)-profile",
            .object(["customerName": .string(name), "locale": .string(locale)]))
        try await harness.stateWritten(account, count: 1)
        try await harness.publishCommand(
            "account.recipients-change-requested", to: MailEvents.accountsTopic, account: account,
            id: "\(account)-recipients",
            data: .object([
                "recipients": .array([
                    .object(["email": .string("\(account)@client.test"), "name": .string(name)]),
                    .object(["email": .string("compta-\(account)@client.test")]),
                ])
            ]), signedBy: TestSigners.role("owner"))
        try await harness.stateWritten(account, count: 2)
        try await send(
            "invoice.issued", to: ProofEvents.invoicesTopic, account: account, id: "\(account)-inv",
            .object([
                "invoiceId": .string("i-\(account)"), "number": .string("INV-2026-0042"), "amount": .integer(123_456),
                "currency": .string("EUR"), "issuedOn": .string("2026-09-15"), "dueOn": .string("2026-10-01"),
            ]))
        try await harness.stateWritten(account, count: 3)
    }

    /// Moves the clock day by day and returns, for each day, the emails that arrived.
    mutating func walk(_ days: [Int], expecting counts: [Int]) async throws -> [ReceivedMail] {
        var total = server.messages().count
        for (day, expected) in zip(days, counts) {
            try await self.day(Double(day))
            total += expected
            let received = try await server.waitFor(total)
            if expected == 0 {
                try await Task.sleep(for: .milliseconds(600))
                #expect(server.messages().count == total, "no email on day \(day)")
            } else {
                #expect(received.count == total, "day \(day)")
            }
        }
        return server.messages().map(ReceivedMail.init)
    }
}

@Suite("reminder-mailer on simulated time, to a real SMTP server", .serialized)
struct MailerScenarioTests {
    @Test(
        "the five ladder emails in French and in English on days 1, 8, 15, 20, 25; suspension, termination; paid → reactivated"
    )
    func ladderToTerminationAndBack() async throws {
        var s = try await MailerScenario(server: try SMTPTestServer())
        try await s.day(0)
        try await s.customer("acct-zoe", locale: "fr-FR", name: "Zoé Lefèvre")
        try await s.customer("acct-sam", locale: "en-GB", name: "Sam Taylor")
        let all = try await s.walk([1, 7, 8, 14, 15, 19, 20, 24, 25], expecting: [2, 0, 2, 0, 2, 0, 2, 0, 2])
        let english = all.filter { $0.headers["x-envelope-to"]?.hasPrefix("acct-sam@") == true }
        #expect(
            english.map { $0.headers["subject"] } == [
                "First notice – Payment overdue", "Second notice – Payment overdue",
                "Third notice – Your account will be terminated in 10 days",
                "Final notice – Your account will be terminated in 5 days", "Legal notice – Account terminated",
            ])
        #expect(english.allSatisfy { $0.text.contains("€1,234.56") && $0.text.hasPrefix("Dear Sam Taylor,") })
        let mails = all.filter { $0.headers["x-envelope-to"]?.hasPrefix("acct-zoe@") == true }
        #expect(Set(mails.compactMap { $0.headers["message-id"] }).count == 5)

        try await s.send(
            "payment.succeeded", to: PaymentEvents.paymentsTopic, account: "acct-zoe", id: "paid",
            .object([
                "paymentId": .string("p-1"), "invoiceId": .string("i-acct-zoe"), "amount": .integer(123_456),
                "currency": .string("EUR"),
            ]))
        let reactivation = ReceivedMail(try await s.server.waitFor(11)[10])
        #expect(reactivation.headers["subject"] == "Votre compte est réactivé")
        #expect(reactivation.headers["x-envelope-to"]?.hasPrefix("acct-zoe@") == true)
        let statuses = try await s.harness.records(ProofEvents.accountStatusTopic, count: 7)
        // Both accounts went past due, suspended and terminated; then Zoé paid.
        #expect(
            statuses.prefix(6).map { $0["status"]?.stringValue ?? "" }.sorted() == [
                "past_due", "past_due", "suspended", "suspended", "terminated", "terminated",
            ])
        // One status for Zoé's payment: reactivated (not active, then reactivated).
        #expect(try await s.harness.settle(ProofEvents.accountStatusTopic).count == 7)
        #expect(statuses.last?["status"]?.stringValue == "reactivated")
        let log = try await s.harness.records(MailEvents.emailLogTopic, count: 11)
        #expect(
            log.allSatisfy {
                $0["attempts"]?.integerValue == 1 && $0["serverReply"]?.stringValue?.hasPrefix("250") == true
            })
        try await s.stop()
    }

    @Test("in English; paying after the second notice stops the ladder at once")
    func englishLadderStopsWhenPaid() async throws {
        var s = try await MailerScenario(server: try SMTPTestServer())
        try await s.day(0)
        try await s.customer("acct-sam", locale: "en-GB", name: "Sam Taylor")
        let mails = try await s.walk([1, 8], expecting: [1, 1])
        #expect(
            mails.map { $0.headers["subject"] } == [
                "First notice – Payment overdue", "Second notice – Payment overdue",
            ])
        #expect(mails[0].text.contains("€1,234.56") && mails[0].text.hasPrefix("Dear Sam Taylor,"))
        try await s.send(
            "payment.succeeded", to: PaymentEvents.paymentsTopic, account: "acct-sam", id: "paid",
            .object([
                "paymentId": .string("p-1"), "invoiceId": .string("i-acct-sam"), "amount": .integer(123_456),
                "currency": .string("EUR"),
            ]))
        let statuses = try await s.harness.records(ProofEvents.accountStatusTopic, count: 2)
        #expect(statuses.map { $0["status"]?.stringValue } == ["past_due", "active"])
        _ = try await s.walk([15, 20, 25], expecting: [0, 0, 0])
        try await s.stop()
    }

    @Test("only an owner changes the invoice recipients")
    func recipientsByANonOwnerAreRefused() async throws {
        var s = try await MailerScenario(server: try SMTPTestServer())
        try await s.day(0)
        let change = JSONValue.object([
            "recipients": .array([.object(["email": .string("me@evil.test")])]),
            // Claimed in the event: ignored, the actor is the token's.
            "actor": .object(["id": .string("u-7"), "role": .string("owner")]),
        ])
        for (id, signer) in [
            ("r1", TestSigners.role("admin")), ("r2", TestSigners.otherMerchantOwner), ("r3", nil),
        ] {
            try await s.harness.publishCommand(
                "account.recipients-change-requested", to: MailEvents.accountsTopic, account: "acct-1", id: id,
                data: change, signedBy: signer)
        }
        try await s.harness.publishCommand(
            "account.recipients-change-requested", to: MailEvents.accountsTopic, account: "acct-2", id: "r4",
            data: .object(["recipients": .array([.object(["email": .string("owner@client.test")])])]),
            signedBy: TestSigners.role("owner"))
        let letters = try await s.harness.records("relance.dead-letters", count: 3)
        #expect(letters.map { $0["reason"]?["code"]?.stringValue } == ["forbidden", "forbidden", "unauthenticated"])
        #expect(letters[0]["reason"]?["message"]?.stringValue?.contains("needs one of the roles owner") == true)
        try await s.harness.stateWritten("acct-2")
        #expect(try await s.harness.runtime.state(of: "acct-1")?.recipients == nil)
        #expect(try await s.harness.runtime.state(of: "acct-2")?.recipients.map(\.address) == ["owner@client.test"])
        try await s.stop()
    }

    @Test("SMTP server down, then up: the email waits and arrives; nothing lost")
    func serverDownThenUp() async throws {
        let server = try SMTPTestServer()
        server.stop()
        var s = try await MailerScenario(server: server)
        try await s.day(0)
        try await s.customer("acct-ana", locale: "fr", name: "Ana")
        try await s.day(1)
        try await Task.sleep(for: .seconds(2))
        #expect(server.messages().isEmpty)
        #expect(s.delivery.delivered.retries >= 2, "retried while the server was down")
        try server.restart()
        let received = try await server.waitFor(1)
        #expect(ReceivedMail(received[0]).headers["subject"] == "Premier avis – Paiement en retard")
        let log = try await s.harness.records(MailEvents.emailLogTopic, count: 1)
        #expect((log[0]["attempts"]?.integerValue ?? 0) >= 3)
        try await s.stop()
    }

    @Test("a 5xx refusal is recorded with its reason and not retried; 4xx is retried")
    func permanentAndTemporaryFailures() async throws {
        var s = try await MailerScenario(server: try SMTPTestServer(.init(failFirst: 1, refuse: "acct-bad")))
        try await s.day(0)
        try await s.customer("acct-ok", locale: "en", name: "Ok")
        try await s.day(1)
        _ = try await s.server.waitFor(1)
        var log = try await s.harness.records(MailEvents.emailLogTopic, count: 1)
        #expect(log[0]["attempts"]?.integerValue == 2, "the 451 was retried")
        try await s.customer("acct-bad", locale: "en", name: "Bad")
        log = try await s.harness.records(MailEvents.emailLogTopic, count: 2)
        #expect(log[1]["code"]?.integerValue == 550 && log[1]["attempts"]?.integerValue == 1)
        #expect(log[1]["error"]?.stringValue?.contains("recipient refused") == true)
        try await s.stop()
    }

    @Test("the daily digest: yesterday's failed transactions at 08:00 to the billing contact and the admins")
    func dailyDigest() async throws {
        var s = try await MailerScenario(server: try SMTPTestServer())
        try await s.startDigest()
        try await s.day(0.4)
        for (n, name) in ["Zoé Lefèvre", "Sam Taylor"].enumerated() {
            try await s.send(
                "payment.failed", to: PaymentEvents.paymentsTopic, account: "acct-\(n)", id: "fail-\(n)",
                .object([
                    "paymentId": .string("pay-\(n)"), "invoiceId": .string("inv-\(n)"),
                    "invoiceDate": .string("2026-09-30"), "transactionType": .string("subscription"),
                    "paymentMethod": .string("card"), "amount": .integer(4_900 + Int64(n) * 100),
                    "currency": .string("EUR"), "declineCode": .string("insufficient_funds"),
                    "declineScheme": .string("stripe"), "customerName": .string(name),
                ]))
        }
        try await s.harness.stateWritten("acct-0")
        try await s.harness.stateWritten("acct-1")
        try await Task.sleep(for: .seconds(1))
        try await s.day(0.9)
        try await Task.sleep(for: .milliseconds(800))
        #expect(s.server.messages().isEmpty, "no digest before 08:00 the next day")
        try await s.day(1 + 8.0 / 24)
        let mail = ReceivedMail(try await s.server.waitFor(1)[0])
        #expect(mail.headers["subject"] == "Transactions échouées des dernières 24 heures – 2 octobre 2026")
        #expect(mail.headers["x-envelope-to"] == "billing@aerocall.test,admin@aerocall.test")
        #expect(mail.text.contains("Zoé Lefèvre  1er octobre 2026  49,00\u{00A0}€  abonnement  pay-0"))
        #expect(mail.text.contains("Sam Taylor  1er octobre 2026  50,00\u{00A0}€  abonnement  pay-1"))
        try await s.day(2 + 8.0 / 24)
        try await Task.sleep(for: .milliseconds(800))
        #expect(s.server.messages().count == 1, "nothing failed since: no second digest")
        try await s.stop()
    }
}
