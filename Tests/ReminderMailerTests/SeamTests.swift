import Foundation
import RelanceEvents
import RelanceKafka
import RelanceMail
import RelanceRuntime
import RelanceTestSupport
import Testing

@testable import RelanceDomain
@testable import ReminderMailerService

/// What happens where topics meet: facts about one account come on different topics, read in no
/// set order ("Nothing lost at the seams").
@Suite("reminder-mailer at the seams between topics", .serialized)
struct SeamTests {
    static func recipients(_ account: String) -> JSONValue {
        .object([
            "recipients": .array([.object(["email": .string("\(account)@client.test"), "name": .string("Ana")])])
        ])
    }

    static let paymentFailed = JSONValue.object([
        "kind": .string("payment_failed"), "audience": .string("customer"), "paymentId": .string("p-1"),
        "invoiceId": .string("INV-7"), "amount": .integer(4_900), "currency": .string("EUR"),
        "reason": .string("fonds insuffisants"), "customerName": .string("Ana"),
    ])

    @Test("emails decided before the account's recipients are known wait for them, then go to them once")
    func emailsWaitForRecipients() async throws {
        var s = try await MailerScenario(server: try SMTPTestServer())
        try await s.day(0)
        // An invoice due on day 0 and a failed payment's notification, read before the recipients.
        try await s.send(
            "invoice.issued", to: ProofEvents.invoicesTopic, account: "acct-new", id: "inv",
            .object([
                "invoiceId": .string("INV-7"), "number": .string("INV-7"), "amount": .integer(4_900),
                "currency": .string("EUR"), "issuedOn": .string("2026-09-15"), "dueOn": .string("2026-10-01"),
            ]))
        try await s.harness.stateWritten("acct-new", count: 1)
        // Events and ticks travel on different topics: the notification is read at day 0.5.
        try await s.day(0.5)
        let runtime = s.harness.runtime
        let half = Int64(MailerScenario.day0.addingTimeInterval(43_200).timeIntervalSince1970 * 1000)
        try await waitUntil("the clock at day 0.5") { await runtime.minimumClock ?? 0 >= half }
        try await s.send(
            "notification.requested", to: PaymentEvents.notificationsTopic, account: "acct-new", id: "n-1",
            Self.paymentFailed)
        try await s.harness.stateWritten("acct-new", count: 2)
        // Day 1: the first ladder notice is due; no recipients yet either.
        try await s.day(1)
        try await s.harness.stateWritten("acct-new", count: 3)
        #expect(try await s.harness.settle(MailEvents.emailLogTopic).isEmpty, "nothing given up, nothing sent")
        #expect(s.server.messages().isEmpty)

        try await s.harness.publishCommand(
            "account.recipients-change-requested", to: MailEvents.accountsTopic, account: "acct-new",
            id: "recipients", data: Self.recipients("acct-new"), signedBy: TestSigners.role("owner"))
        let mails = try await s.server.waitFor(2).map(ReceivedMail.init)
        #expect(
            Set(mails.compactMap { $0.headers["subject"] }) == [
                "Échec du paiement de 49,00\u{00A0}€", "Premier avis – Paiement en retard",
            ])
        #expect(mails.allSatisfy { $0.headers["x-envelope-to"] == "acct-new@client.test" })
        let log = try await s.harness.records(MailEvents.emailLogTopic, count: 2)
        #expect(log.allSatisfy { $0["serverReply"]?.stringValue?.hasPrefix("250") == true })
        // Past the wait: the timers were cancelled; nothing given up, nothing sent twice.
        try await s.day(3)
        try await Task.sleep(for: .milliseconds(800))
        #expect(try await s.harness.settle(MailEvents.emailLogTopic).count == 2)
        #expect(try await s.harness.settle("relance.dead-letters").isEmpty)
        #expect(s.server.messages().count == 2)
        try await s.stop()
    }

    @Test("a held overdue notice about an invoice paid since is dropped when the recipients come")
    func heldNoticePaidSince() async throws {
        var s = try await MailerScenario(server: try SMTPTestServer())
        try await s.day(0)
        try await s.send(
            "invoice.issued", to: ProofEvents.invoicesTopic, account: "acct-paid", id: "inv",
            .object([
                "invoiceId": .string("INV-9"), "number": .string("INV-9"), "amount": .integer(4_900),
                "currency": .string("EUR"), "issuedOn": .string("2026-09-15"), "dueOn": .string("2026-10-01"),
            ]))
        try await s.harness.stateWritten("acct-paid", count: 1)
        // Day 1: the first notice is decided and held (no recipients yet); then the invoice is paid.
        try await s.day(1)
        try await s.harness.stateWritten("acct-paid", count: 2)
        try await s.send(
            "payment.succeeded", to: PaymentEvents.paymentsTopic, account: "acct-paid", id: "paid",
            .object([
                "paymentId": .string("p-9"), "invoiceId": .string("INV-9"), "amount": .integer(4_900),
                "currency": .string("EUR"),
            ]))
        try await s.harness.stateWritten("acct-paid", count: 3)
        try await s.harness.publishCommand(
            "account.recipients-change-requested", to: MailEvents.accountsTopic, account: "acct-paid",
            id: "recipients", data: Self.recipients("acct-paid"), signedBy: TestSigners.role("owner"))
        try await s.harness.stateWritten("acct-paid", count: 4)
        try await s.day(3)
        try await Task.sleep(for: .milliseconds(800))
        // Nothing about a paid invoice, nothing given up either.
        #expect(s.server.messages().isEmpty)
        #expect(try await s.harness.settle(MailEvents.emailLogTopic).isEmpty)
        try await s.stop()
    }

    @Test("no recipients within the wait: email.failed on the log and the notification dead-lettered, once")
    func noRecipientsInTime() async throws {
        var s = try await MailerScenario(server: try SMTPTestServer())
        try await s.day(0)
        try await s.send(
            "notification.requested", to: PaymentEvents.notificationsTopic, account: "acct-none", id: "n-1",
            Self.paymentFailed)
        try await s.harness.stateWritten("acct-none", count: 1)
        try await s.day(0.9)
        #expect(try await s.harness.settle(MailEvents.emailLogTopic).isEmpty, "still waiting within the day")
        try await s.day(1.1)
        let log = try await s.harness.records(MailEvents.emailLogTopic, count: 1)
        #expect(log[0]["kind"]?.stringValue == "payment_failed" && log[0]["code"]?.integerValue == 0)
        #expect(log[0]["error"]?.stringValue?.hasPrefix("no recipients: the email waited") == true)
        let letters = try await s.harness.records("relance.dead-letters", count: 1)
        #expect(letters[0]["reason"]?["code"]?.stringValue == "no_recipients")
        #expect(letters[0]["source"]?["topic"]?.stringValue == PaymentEvents.notificationsTopic)
        // The dead letter is the notification as read, so that a replay asks for the email again.
        let original = try JSONReader.read(
            Array(Data(base64Encoded: letters[0]["value"]?.stringValue ?? "") ?? Data()))
        #expect(original["eventId"]?.stringValue == "n-1")
        try await s.day(3)
        #expect(try await s.harness.settle(MailEvents.emailLogTopic).count == 1, "given up once")
        #expect(try await s.harness.settle("relance.dead-letters").count == 1)
        // Recipients after the wait: nothing is sent on its own (the dead letter is replayed for that).
        try await s.harness.publishCommand(
            "account.recipients-change-requested", to: MailEvents.accountsTopic, account: "acct-none",
            id: "recipients", data: Self.recipients("acct-none"), signedBy: TestSigners.role("owner"))
        try await s.harness.stateWritten("acct-none", count: 3)
        try await Task.sleep(for: .milliseconds(800))
        #expect(s.server.messages().isEmpty)
        // Replayed now, the notification is new input for reminder-mailer (it had read it once):
        // the email goes to the recipients, once; a second replay sends nothing more.
        let kafka = KafkaConfiguration(bootstrapServers: s.harness.cluster.bootstrapServers)
        let entries = try await DeadLetters.list(topic: "relance.dead-letters", kafka: kafka)
        #expect(entries.map(\.letter.reason.code) == ["no_recipients"])
        try await DeadLetters.replay(
            entries, deadLetterTopic: "relance.dead-letters", producer: s.harness.producer,
            signer: TestSigners.role("dead-letter-replay"))
        let mails = try await s.server.waitFor(1).map(ReceivedMail.init)
        #expect(mails.first?.headers["subject"] == "Échec du paiement de 49,00\u{00A0}€")
        #expect(mails.first?.headers["x-envelope-to"] == "acct-none@client.test")
        try await DeadLetters.replay(
            entries, deadLetterTopic: "relance.dead-letters", producer: s.harness.producer,
            signer: TestSigners.role("dead-letter-replay"))
        let metrics = s.harness.runtime.metrics
        try await waitUntil("the second replay read") { metrics.replays("already_replayed") == 1 }
        try await Task.sleep(for: .milliseconds(500))
        #expect(s.server.messages().count == 1)
        #expect(metrics.replays("handled") == 1)
        try await s.stop()
    }

    @Test("held emails are kept in the changelog's fast JSON form, every subject")
    func heldEmailsEncodeWithoutTheFallback() throws {
        var state = ReminderMailerWorker.State()
        let subjects: [MailSubject] = [
            .overdue(
                step: 3, invoices: [MailInvoice(number: "INV-1", dueOn: "2026-10-01", amount: 4_900, currency: "EUR")],
                daysToTermination: 10),
            .paymentFailed(invoice: "INV-1", amount: 4_900, currency: "EUR", reason: "fonds insuffisants"),
            .cardExpiring(brand: "Visa", last4: "4242", month: 11, year: 2026), .reactivated,
            .dailyDigest(
                day: "2026-10-02",
                failures: [
                    DigestLine(
                        customerName: "Ana", date: "2026-10-01", amount: 4_900, currency: "EUR",
                        transactionType: "subscription", paymentID: "p-1")
                ]),
        ]
        state.held = subjects.enumerated().map { n, subject in
            HeldEmail(
                subject: subject, kind: "k\(n)", reason: "r\(n)", merchantID: "m-1",
                heldAt: MailerScenario.day0, until: MailerScenario.day0.addingTimeInterval(86_400), input: nil)
        }
        let bytes = try StateCoding.fastEncode(state)
        #expect(try StateCoding.fastDecode(ReminderMailerWorker.State.self, from: bytes).held == state.held)
    }

    @Test("card.replaced: no overdue notice about an invoice whose charge is in flight; one status, reactivated")
    func chargeInFlightPausesTheLadder() async throws {
        var s = try await MailerScenario(server: try SMTPTestServer())
        try await s.day(0)
        try await s.customer("acct-card", locale: "fr", name: "Ana")
        try await s.send(
            "invoice.issued", to: ProofEvents.invoicesTopic, account: "acct-card", id: "inv-2",
            .object([
                "invoiceId": .string("i-2"), "number": .string("INV-2026-0050"), "amount": .integer(5_000),
                "currency": .string("EUR"), "issuedOn": .string("2026-10-01"), "dueOn": .string("2026-10-11"),
            ]))
        try await s.harness.stateWritten("acct-card", count: 4)
        // The first invoice's ladder up to the final notice (suspended); the second is overdue
        // since day 11.
        _ = try await s.walk([1, 8, 15, 20], expecting: [1, 1, 1, 1])
        // The new card: payment-retry charges both, oldest first, and says each is in flight on
        // relance.payments before the gateway's answers come there.
        func payment(_ type: String, _ payment: String, _ invoice: String, _ amount: Int64, id: String) async throws {
            var data: [(key: String, value: JSONValue)] = [
                ("paymentId", .string(payment)), ("invoiceId", .string(invoice)), ("amount", .integer(amount)),
                ("currency", .string("EUR")), ("chargeRequestId", .string("chg-\(payment)")),
            ]
            if type == "payment.pending" { data.append(("paymentMethod", .string("card"))) }
            try await s.send(type, to: PaymentEvents.paymentsTopic, account: "acct-card", id: id, .object(data))
        }
        try await payment("payment.pending", "p-1", "i-acct-card", 123_456, id: "pending-1")
        try await payment("payment.pending", "p-2", "i-2", 5_000, id: "pending-2")
        try await payment("payment.succeeded", "p-1", "i-acct-card", 123_456, id: "paid-1")
        let runtime = s.harness.runtime
        try await waitUntil("the first invoice paid") {
            try await runtime.state(of: "acct-card")?.ladder.invoices.first?.remaining == 0
        }
        try await Task.sleep(for: .seconds(1))
        #expect(s.server.messages().count == 4, "no first or second notice about INV-2026-0050 while it is charged")
        try await payment("payment.succeeded", "p-2", "i-2", 5_000, id: "paid-2")
        let mails = try await s.server.waitFor(5).map(ReceivedMail.init)
        #expect(mails.map { $0.headers["subject"] ?? "" }.last == "Votre compte est réactivé")
        try await Task.sleep(for: .milliseconds(800))
        #expect(s.server.messages().count == 5)
        let statuses = try await s.harness.settle(ProofEvents.accountStatusTopic).map { $0["status"]?.stringValue }
        #expect(statuses == ["past_due", "suspended", "reactivated"])
        try await s.stop()
    }
}
