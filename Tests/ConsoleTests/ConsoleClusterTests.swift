import ConsoleService
import Foundation
import GatewaySandboxService
import Logging
import PaymentRetryService
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import RelanceTestSupport
import Testing

@Suite("relance-console on the mock cluster with payment-retry and the gateway sandbox", .serialized)
struct ConsoleClusterTests {
    @Test("Retry now: a signed command payment-retry's gate accepts; the item goes pending, then resolved; audited")
    func retryNow() async throws {
        // The console's key, trusted by the workers beside the tests' keys.
        let consoleKey = CommandSigner(
            generating: .eddsa, keyID: "console-test", subject: "relance-console", roles: [], merchants: ["*"])
        let keys = try CommandKeySet(jwks: TestSigners.jwks(TestSigners.all + [consoleKey]))
        var harness = try await WorkerHarness(PaymentRetryWorker()) { $0.commandKeys = keys }
        let sandbox = try await harness.start(GatewaySandbox())
        try await harness.cluster.createTopic(ConsoleEvents.auditTopic, partitions: 1)
        let kafka = KafkaConfiguration(bootstrapServers: harness.cluster.bootstrapServers)
        var producerConfiguration = ProducerConfiguration(kafka: kafka)
        producerConfiguration.lingerMilliseconds = 1
        let producer = try KafkaProducer(configuration: producerConfiguration)
        let view = ActionCentreView()
        var logger = Logger(label: "console-test")
        logger.logLevel = .warning
        let follower = Task { try await TopicFollower(kafka: kafka, feeds: [view], logger: logger).run() }
        let console = testConsole(view: view, signer: consoleKey, producer: producer)

        let day0 = Date(timeIntervalSince1970: 1_790_812_800)  // 2026-10-01T00:00:00Z
        try await harness.tick(day0)
        let failed =
            #"{"eventId":"f1","type":"payment.failed","schemaVersion":1,"occurredAt":"2026-10-01T00:00:00.000Z","#
            + #""accountId":"acct-1","merchantId":"m-1","data":{"paymentId":"p1","invoiceId":"inv-1","#
            + #""invoiceDate":"2026-09-30","transactionType":"subscription","paymentMethod":"card","amount":4900,"#
            + #""currency":"EUR","declineCode":"insufficient_funds","declineScheme":"stripe","#
            + #""customerName":"Camille Martin"}}"#
        try await harness.publish(raw: Array(failed.utf8), to: PaymentEvents.paymentsTopic, key: "acct-1")
        try await waitUntil("the console sees the open item") {
            view.item(merchant: "m-1", payment: "p1")?.state == "open"
        }
        #expect(view.isLoaded)

        let states = try await withBrowser(console) { browser -> [String] in
            _ = try await browser.signIn("bruno")  // billing: may retry now
            var page = try await browser.get("/merchants/m-1/items/p1")
            #expect(page.body.contains(#"data-state="open""#))
            page = try await browser.post("/merchants/m-1/items/p1/retry-now")
            #expect(page.status == 303 && page.location == "/merchants/m-1/items/p1?sent=retry_now")
            page = try await browser.get(page.location ?? "")
            // Pending at once, and the page looks again by itself every 2 s.
            #expect(page.body.contains(#"data-state="pending""#))
            #expect(page.body.contains(#"http-equiv="refresh" content="2""#))
            var seen: [String] = []
            try await waitUntil("the item is resolved") {
                let state = try await browser.get("/merchants/m-1/items/p1/state").body
                let value = (try? JSONReader.read(Array(state.utf8)))?["state"]?.stringValue ?? ""
                if seen.last != value { seen.append(value) }
                return value == "resolved"
            }
            page = try await browser.get("/merchants/m-1/items/p1")
            #expect(page.body.contains(#"data-state="resolved""#) && !page.body.contains("http-equiv"))
            #expect(page.body.contains("commande envoyée"))  // bruno reads French
            return seen
        }
        #expect(states.first == "pending" && states.last == "resolved")
        // payment-retry verified the console's token, and charged as the operator asked.
        let charges = try await harness.records(PaymentEvents.chargeRequestsTopic, count: 1)
        #expect(charges[0]["cause"]?.stringValue == "operator")
        #expect(harness.runtime.metrics.commandAuth("verified") == 1)
        #expect(try await harness.settle("relance.dead-letters").isEmpty)
        let item = try #require(view.item(merchant: "m-1", payment: "p1"))
        #expect(item.resolution == "operator_retry" && item.attempts == 2)

        // The audit topic: who, what, when, which item.
        var audit: [JSONValue] = []
        try await TopicReading.readToEnd(ConsoleEvents.auditTopic, partitions: [0], kafka: kafka, log: nil) { batch in
            audit += batch.compactMap { $0.value.flatMap { try? JSONReader.read(Array($0)) } }
        }
        #expect(audit.count == 1)
        #expect(audit.first?["type"]?.stringValue == "console.action")
        #expect(audit.first?["data"]?["actor"]?.stringValue == "bruno")
        #expect(audit.first?["data"]?["action"]?.stringValue == "retry_now")
        #expect(audit.first?["data"]?["outcome"]?.stringValue == "sent")
        #expect(audit.first?["data"]?["paymentId"]?.stringValue == "p1")
        #expect(audit.first?["data"]?["commandEventId"]?.stringValue?.isEmpty == false)
        if let data = audit.first?["data"] {
            // The record follows its schema.
            try ConsoleEvents.action.data.validate(data, path: "data")
        }

        follower.cancel()
        _ = try? await follower.value
        try await sandbox.stop()
        try await harness.stop()
    }
}
