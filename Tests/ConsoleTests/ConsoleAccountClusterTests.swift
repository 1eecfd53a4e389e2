import ConsoleService
import Foundation
import Logging
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import RelanceTestSupport
import ReminderMailerService
import Testing

@Suite("relance-console on the mock cluster with reminder-mailer", .serialized)
struct ConsoleAccountClusterTests {
    @Test(
        "an owner's recipients change: reminder-mailer verifies the console's token and sends its held notices to them")
    func recipientsApplied() async throws {
        let consoleKey = CommandSigner(
            generating: .eddsa, keyID: "console-test", subject: "relance-console", roles: [], merchants: ["*"])
        let keys = try CommandKeySet(jwks: TestSigners.jwks(TestSigners.all + [consoleKey]))
        var harness = try await WorkerHarness(ReminderMailerWorker()) { $0.commandKeys = keys }
        let others = [
            ConsoleEvents.auditTopic, ReconciliationEvents.invoiceStatusTopic, CardEvents.expiringCardsTopic,
            PaymentEvents.actionCentreTopic,
        ]
        for topic in others {
            try await harness.cluster.createTopic(topic, partitions: 1)
        }
        let kafka = KafkaConfiguration(bootstrapServers: harness.cluster.bootstrapServers)
        var producerConfiguration = ProducerConfiguration(kafka: kafka)
        producerConfiguration.lingerMilliseconds = 1
        let producer = try KafkaProducer(configuration: producerConfiguration)
        let data = ConsoleData()
        var logger = Logger(label: "console-test")
        logger.logLevel = .warning
        let follower = Task { try await TopicFollower(kafka: kafka, feeds: data.feeds, logger: logger).run() }
        defer { follower.cancel() }
        let console = testConsole(data: data, signer: consoleKey, producer: producer)

        // 1 October 2026: an invoice due on 20 September, overdue; the account has no recipients,
        // so the first two notices wait for them.
        try await harness.tick(Date(timeIntervalSince1970: 1_790_841_600))
        let invoice =
            #"{"eventId":"i1","type":"invoice.issued","schemaVersion":1,"occurredAt":"2026-09-01T00:00:00.000Z","#
            + #""accountId":"acct-1","merchantId":"m-1","data":{"invoiceId":"inv-1","number":"F-1","amount":12000,"#
            + #""currency":"EUR","issuedOn":"2026-09-01","dueOn":"2026-09-20"}}"#
        try await harness.publish(raw: Array(invoice.utf8), to: ProofEvents.invoicesTopic, key: "acct-1")
        try await waitUntil("the console sees acct-1 past due") {
            data.accounts.account(merchant: "m-1", account: "acct-1")?.status == "past_due"
        }
        #expect(try await harness.settle(MailEvents.emailsTopic).isEmpty)

        try await withBrowser(console) { browser in
            _ = try await browser.signIn("olivia")
            var page = try await browser.get("/merchants/m-1/accounts/acct-1")
            #expect(page.body.contains(#"id="no-recipients""#) && page.body.contains("past due"))
            page = try await browser.post(
                "/merchants/m-1/accounts/acct-1/recipients", [("recipients", "compta@camille.test\nceo@camille.test")])
            #expect(page.status == 303)
        }
        // reminder-mailer verified the token (the user's claims: an owner) and applied the list:
        // the two notices it held go to it.
        let emails = try await harness.records(MailEvents.emailsTopic, count: 2)
        for email in emails {
            #expect(
                email["to"]?.arrayValue?.compactMap(\.stringValue) == [
                    "compta@camille.test", "ceo@camille.test",
                ])
        }
        #expect(Set(emails.compactMap { $0["kind"]?.stringValue }) == ["overdue_step_1", "overdue_step_2"])
        #expect(harness.runtime.metrics.commandAuth("verified") == 1)
        #expect(try await harness.settle("relance.dead-letters").isEmpty)
        try await waitUntil("the console reads the change back") {
            data.accounts.account(merchant: "m-1", account: "acct-1")?.changes.last?.recipients.count == 2
        }
        try await harness.stop()
    }
}
