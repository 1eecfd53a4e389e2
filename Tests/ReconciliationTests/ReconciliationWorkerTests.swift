import Foundation
import ReconciliationService
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import RelanceTestSupport
import Testing

/// reconciliation on the test kit.
@Suite("reconciliation worker")
struct ReconciliationWorkerTests {
    static func invoice<H: ScenarioHarness>(
        _ harness: H, _ account: String, _ id: String, _ amount: Int64
    )
        async throws
    {
        try await harness.publish(
            "invoice.issued", to: ProofEvents.invoicesTopic, account: account, id: "ev-\(id)",
            data: .object([
                "invoiceId": .string(id), "number": .string("INV-\(id)"), "amount": .integer(amount),
                "currency": .string("EUR"), "issuedOn": .string("2026-09-01"),
            ]))
    }

    static func reconcile(
        _ harness: KitHarness<ReconciliationWorker>, _ account: String, id: String, _ signer: CommandSigner?
    )
        async throws
    {
        try await harness.publishCommand(
            "reconciliation.requested", to: ReconciliationEvents.commandsTopic, account: account, id: id,
            data: .object([:]), signedBy: signer)
    }

    @Test(
        "the Reconcile command: refused without manage_reconciliations; with it, allocations, statuses, the account leaves the list"
    )
    func reconcileCommand() async throws {
        var harness = try await KitHarness(ReconciliationWorker())
        try await harness.tick(Date(timeIntervalSince1970: 1_793_491_200))
        try await Self.invoice(harness, "acct-1", "inv-1", 4_900)
        try await harness.stateWritten("acct-1")
        try await harness.publish(
            "credit-note.issued", to: ReconciliationEvents.ledgerTopic, account: "acct-1", id: "ev-cn-1",
            data: .object([
                "creditNoteId": .string("cn-1"), "amount": .integer(4_900), "currency": .string("EUR"),
                "issuedOn": .string("2026-09-10"), "invoiceId": .string("inv-1"),
            ]))
        let listed = try await harness.records(ReconciliationEvents.reconcilableAccountsTopic, count: 1)
        #expect(listed[0]["listed"] == .bool(true) && listed[0]["zeroBalance"] == .bool(true))
        #expect(listed[0]["unreconciledItems"]?.integerValue == 2)
        #expect(
            listed[0]["unreconciledDebit"]
                == .array([.object(["currency": .string("EUR"), "amount": .integer(4_900)])]))
        #expect(listed[0]["openItems"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["inv-1", "cn-1"])

        // An owner without the permission, the permission for another merchant, no token: refused.
        try await Self.reconcile(harness, "acct-1", id: "cmd-1", TestSigners.role("owner"))
        try await Self.reconcile(harness, "acct-1", id: "cmd-1b", TestSigners.otherMerchantOwner)
        try await Self.reconcile(harness, "acct-1", id: "cmd-1c", nil)
        let letters = try await harness.records("relance.dead-letters", count: 3)
        #expect(letters.map { $0["reason"]?["code"]?.stringValue } == ["forbidden", "forbidden", "unauthenticated"])
        #expect(letters[0]["reason"]?["message"]?.stringValue?.contains("manage_reconciliations") == true)
        #expect(try await harness.settle(ReconciliationEvents.allocationsTopic).isEmpty)

        try await Self.reconcile(harness, "acct-1", id: "cmd-2", TestSigners.role(ReconciliationEvents.permission))
        let allocations = try await harness.records(ReconciliationEvents.allocationsTopic, count: 1)
        #expect(allocations[0]["creditId"]?.stringValue == "cn-1" && allocations[0]["debitId"]?.stringValue == "inv-1")
        #expect(allocations[0]["amount"]?.integerValue == 4_900 && allocations[0]["trigger"]?.stringValue == "command")
        let statuses = try await harness.records(ReconciliationEvents.invoiceStatusTopic, count: 2)
        #expect(statuses.map { $0["status"]?.stringValue } == ["open", "paid"])
        let left = try await harness.records(ReconciliationEvents.reconcilableAccountsTopic, count: 2)
        #expect(left[1]["listed"] == .bool(false) && left[1]["unreconciledItems"]?.integerValue == 0)
        try await harness.stop()
    }

    @Test(
        "a succeeded retry and an accepted proof are reconciled with the invoices they pay; bad input is a dead letter")
    func paymentsProofsAndBadInput() async throws {
        var harness = try await KitHarness(ReconciliationWorker())
        try await harness.tick(Date(timeIntervalSince1970: 1_793_491_200))
        try await Self.invoice(harness, "acct-2", "inv-a", 2_000)
        try await Self.invoice(harness, "acct-2", "inv-b", 3_000)
        _ = try await harness.records(ReconciliationEvents.invoiceStatusTopic, count: 2)
        try await harness.publish(
            "payment.succeeded", to: PaymentEvents.paymentsTopic, account: "acct-2", id: "ev-pay-1",
            data: .object([
                "paymentId": .string("pay-1"), "invoiceId": .string("inv-b"), "amount": .integer(3_000),
                "currency": .string("EUR"),
            ]))
        _ = try await harness.records(ReconciliationEvents.allocationsTopic, count: 1)
        try await harness.publish(
            "proof.verdict", to: ProofEvents.verdictsTopic, account: "acct-2", id: "ev-proof-1",
            data: .object([
                "proofId": .string("pr-1"), "verdict": .string("accepted"), "reasons": .array([]),
                "matches": .array([
                    .object(["invoiceId": .string("inv-a"), "amount": .integer(1_500), "currency": .string("EUR")])
                ]),
                "cases": .array([]), "amount": .integer(1_500), "currency": .string("EUR"),
                "transactionId": .string("E2E-1"),
            ]))
        let allocations = try await harness.records(ReconciliationEvents.allocationsTopic, count: 2)
        #expect(allocations.map { $0["debitId"]?.stringValue } == ["inv-b", "inv-a"])
        #expect(allocations.map { $0["trigger"]?.stringValue } == ["payment", "proof"])
        #expect(
            allocations[1]["creditId"]?.stringValue == "proof/pr-1" && allocations[1]["amount"]?.integerValue == 1_500)
        let statuses = try await harness.records(ReconciliationEvents.invoiceStatusTopic, count: 4)
        #expect(statuses[2]["invoiceId"]?.stringValue == "inv-b" && statuses[2]["status"]?.stringValue == "paid")
        #expect(statuses[3]["status"]?.stringValue == "partially_paid" && statuses[3]["open"]?.integerValue == 500)

        // Bad input: in another currency, the same payment id again, to an invoice that never
        // comes (it waits a day for it, then is a dead letter).
        for (id, data) in [
            ("ev-bad-1", ["paymentId": "pay-2", "invoiceId": "inv-zz", "currency": "EUR"]),
            ("ev-bad-2", ["paymentId": "pay-3", "invoiceId": "inv-a", "currency": "USD"]),
            ("ev-bad-3", ["paymentId": "pay-1", "invoiceId": "inv-a", "currency": "EUR"]),
        ] {
            try await harness.publish(
                "payment.succeeded", to: PaymentEvents.paymentsTopic, account: "acct-2", id: id,
                data: .object([
                    "paymentId": .string(data["paymentId"]!), "invoiceId": .string(data["invoiceId"]!),
                    "amount": .integer(500), "currency": .string(data["currency"]!),
                ]))
        }
        let refused = try await harness.records("relance.dead-letters", count: 2)
        #expect(refused.map { $0["reason"]?["code"]?.stringValue } == ["currency_mismatch", "duplicate_item"])
        try await waitUntil("the payment to inv-zz waiting") {
            try await harness.runtime.state(of: "acct-2")?.waiting?.count == 1
        }
        #expect(try await harness.settle("relance.dead-letters").count == 2, "the payment to inv-zz waits a day")
        try await harness.tick(Date(timeIntervalSince1970: 1_793_491_200 + 25 * 3600))
        let dead = try await harness.records("relance.dead-letters", count: 3)
        #expect(dead[2]["reason"]?["code"]?.stringValue == "unknown_invoice")
        #expect(dead[2]["reason"]?["message"]?.stringValue?.contains("inv-zz") == true)
        // Kept as it was read, so that it can be replayed to its source.
        #expect(dead[2]["source"]?["topic"]?.stringValue == PaymentEvents.paymentsTopic)
        let original = dead[2]["value"]?.stringValue.flatMap { Data(base64Encoded: $0) }
        #expect(original.map { String(decoding: $0, as: UTF8.self).contains("\"ev-bad-1\"") } == true)
        // The worker goes on: a payment naming no invoice is applied to the oldest open one.
        try await harness.publish(
            "payment.received", to: ReconciliationEvents.ledgerTopic, account: "acct-2", id: "ev-pay-4",
            data: .object([
                "paymentId": .string("pay-4"), "amount": .integer(500), "currency": .string("EUR"),
                "receivedOn": .string("2026-10-01"),
            ]))
        let last = try await harness.records(ReconciliationEvents.allocationsTopic, count: 3)
        #expect(last[2]["debitId"]?.stringValue == "inv-a" && last[2]["amount"]?.integerValue == 500)
        try await harness.stop()
    }

    @Test("a merchant's automatic policy reconciles after every change: the account is never left listed")
    func automaticPolicy() async throws {
        var harness = try await KitHarness(ReconciliationWorker(automaticMerchants: ["m-1"]))
        try await harness.tick(Date(timeIntervalSince1970: 1_793_491_200))
        try await Self.invoice(harness, "acct-3", "inv-1", 1_000)
        try await harness.stateWritten("acct-3")
        try await harness.publish(
            "credit-note.issued", to: ReconciliationEvents.ledgerTopic, account: "acct-3", id: "ev-cn",
            data: .object([
                "creditNoteId": .string("cn-1"), "amount": .integer(400), "currency": .string("EUR"),
                "issuedOn": .string("2026-09-10"),
            ]))
        let allocations = try await harness.records(ReconciliationEvents.allocationsTopic, count: 1)
        #expect(allocations[0]["trigger"]?.stringValue == "policy" && allocations[0]["amount"]?.integerValue == 400)
        #expect(try await harness.settle(ReconciliationEvents.reconcilableAccountsTopic).isEmpty)
        try await harness.stop()
    }

    @Test(
        "an invoice closed and at once dropped with the oldest closed items still gets its paid status with its amount")
    func statusOfADroppedInvoice() async throws {
        var harness = try await KitHarness(ReconciliationWorker())
        try await harness.tick(Date(timeIntervalSince1970: 1_793_491_200))
        func invoice(_ id: String, _ amount: Int64, issued: String) async throws {
            try await harness.publish(
                "invoice.issued", to: ProofEvents.invoicesTopic, account: "acct-4", id: "ev-\(id)",
                data: .object([
                    "invoiceId": .string(id), "number": .string(id), "amount": .integer(amount),
                    "currency": .string("EUR"), "issuedOn": .string(issued),
                ]))
        }
        func pay(_ id: String, _ invoice: String, _ amount: Int64) async throws {
            try await harness.publish(
                "payment.received", to: ReconciliationEvents.ledgerTopic, account: "acct-4", id: "ev-\(id)",
                data: .object([
                    "paymentId": .string(id), "invoiceId": .string(invoice), "amount": .integer(amount),
                    "currency": .string("EUR"), "receivedOn": .string("2026-10-15"),
                ]))
        }
        try await invoice("inv-old", 5_000, issued: "2026-01-05")
        for n in 0..<20 { try await invoice("inv-\(n)", 1_000, issued: "2026-09-\(10 + n)") }
        _ = try await harness.records(ReconciliationEvents.invoiceStatusTopic, count: 21)
        // 40 closed items (20 invoices, 20 payments): more than the 32 kept.
        for n in 0..<20 { try await pay("pay-\(n)", "inv-\(n)", 1_000) }
        try await pay("pay-old-1", "inv-old", 2_000)
        try await pay("pay-old-2", "inv-old", 3_000)
        let statuses = try await harness.records(ReconciliationEvents.invoiceStatusTopic, count: 43)
        // Keyed account/invoice: one invoice's statuses are in order, not the whole topic.
        let old = statuses.filter { $0["invoiceId"]?.stringValue == "inv-old" }
        #expect(old.map { $0["status"]?.stringValue } == ["open", "partially_paid", "paid"])
        let last = try #require(old.last)
        #expect(last["amount"]?.integerValue == 5_000 && last["open"]?.integerValue == 0)
        try await harness.stop()
    }
}

/// reconciliation's integration tests: through the real runtime on the mock cluster, a dead
/// letter replayed by `relance dead-letters replay` and a restart restoring what waits.
@Suite("reconciliation on the mock cluster", .serialized)
struct ReconciliationClusterTests {
    @Test("a payment given up for want of its invoice, replayed once the invoice came, is allocated once")
    func replayedUnknownInvoice() async throws {
        var harness = try await WorkerHarness(ReconciliationWorker())
        let start = Date(timeIntervalSince1970: 1_793_491_200)
        try await harness.tick(start)
        try await harness.publish(
            "payment.succeeded", to: PaymentEvents.paymentsTopic, account: "acct-r", id: "ev-late-pay",
            data: .object([
                "paymentId": .string("pay-late"), "invoiceId": .string("inv-late"), "amount": .integer(700),
                "currency": .string("EUR"),
            ]))
        try await waitUntil("the payment waiting") {
            try await harness.runtime.state(of: "acct-r")?.waiting?.count == 1
        }
        try await harness.tick(start.addingTimeInterval(25 * 3600))
        let dead = try await harness.records("relance.dead-letters", count: 1)
        #expect(dead[0]["reason"]?["code"]?.stringValue == "unknown_invoice")
        // The invoice comes after the wait; the payment is replayed from its dead letter.
        try await ReconciliationWorkerTests.invoice(harness, "acct-r", "inv-late", 700)
        let kafka = KafkaConfiguration(bootstrapServers: harness.cluster.bootstrapServers)
        var unknown = DeadLetters.Selection()
        unknown.reasons = ["unknown_invoice"]
        let entries = try await DeadLetters.list(topic: "relance.dead-letters", selection: unknown, kafka: kafka)
        #expect(entries.count == 1)
        try await DeadLetters.replay(
            entries, deadLetterTopic: "relance.dead-letters", producer: harness.producer,
            signer: TestSigners.role("dead-letter-replay"))
        let allocations = try await harness.records(ReconciliationEvents.allocationsTopic, count: 1)
        #expect(allocations[0]["debitId"]?.stringValue == "inv-late" && allocations[0]["amount"]?.integerValue == 700)
        // Replayed again: not applied twice.
        try await DeadLetters.replay(
            entries, deadLetterTopic: "relance.dead-letters", producer: harness.producer,
            signer: TestSigners.role("dead-letter-replay"))
        let metrics = harness.runtime.metrics
        try await waitUntil("the second replay read") { metrics.replays("already_replayed") == 1 }
        #expect(try await harness.settle(ReconciliationEvents.allocationsTopic).count == 1)
        #expect(metrics.replays("handled") == 1)
        #expect(metrics.duplicates == 1)
        try await harness.stop()
    }

    @Test(
        "a payment or a proof read before its invoice waits for it, across a restart, and is applied when it comes")
    func paymentBeforeItsInvoice() async throws {
        var harness = try await WorkerHarness(ReconciliationWorker())
        try await harness.tick(Date(timeIntervalSince1970: 1_793_491_200))
        // The gateway's answer is read before the invoice the same transaction wrote before it.
        try await harness.publish(
            "payment.succeeded", to: PaymentEvents.paymentsTopic, account: "acct-3", id: "ev-early-pay",
            data: .object([
                "paymentId": .string("pay-early"), "invoiceId": .string("inv-late"), "amount": .integer(5_000),
                "currency": .string("EUR"),
            ]))
        try await harness.publish(
            "proof.verdict", to: ProofEvents.verdictsTopic, account: "acct-3", id: "ev-early-proof",
            data: .object([
                "proofId": .string("pr-early"), "verdict": .string("accepted"), "reasons": .array([]),
                "matches": .array([
                    .object(["invoiceId": .string("inv-p1"), "amount": .integer(1_000), "currency": .string("EUR")]),
                    .object(["invoiceId": .string("inv-p2"), "amount": .integer(2_000), "currency": .string("EUR")]),
                ]),
                "cases": .array([]), "amount": .integer(3_000), "currency": .string("EUR"),
                "transactionId": .string("E2E-EARLY"),
            ]))
        try await waitUntil("the payment and the proof waiting") {
            try await harness.runtime.state(of: "acct-3")?.waiting?.count == 2
        }
        #expect(try await harness.settle(ReconciliationEvents.allocationsTopic).isEmpty)

        // Another instance takes over: what waits is in the changelog.
        await harness.runtime.stop()
        let second = try await harness.start(ReconciliationWorker())
        try await ReconciliationWorkerTests.invoice(harness, "acct-3", "inv-late", 5_000)
        var allocations = try await harness.records(ReconciliationEvents.allocationsTopic, count: 1)
        #expect(allocations[0]["creditId"]?.stringValue == "pay-early")
        #expect(allocations[0]["debitId"]?.stringValue == "inv-late" && allocations[0]["amount"]?.integerValue == 5_000)
        let statuses = try await harness.records(ReconciliationEvents.invoiceStatusTopic, count: 1)
        #expect(statuses[0]["status"]?.stringValue == "paid", "published once, already paid")

        // The proof names two invoices: it waits for both, and pays each its part.
        try await ReconciliationWorkerTests.invoice(harness, "acct-3", "inv-p1", 1_000)
        try await waitUntil("inv-p1 on the ledger") {
            try await second.runtime.state(of: "acct-3")?.ledger.item("inv-p1", kind: .invoice) != nil
        }
        #expect(try await second.runtime.state(of: "acct-3")?.waiting?.map(\.invoiceID) == ["inv-p2"])
        #expect(try await harness.settle(ReconciliationEvents.allocationsTopic).count == 1)
        try await ReconciliationWorkerTests.invoice(harness, "acct-3", "inv-p2", 2_500)
        allocations = try await harness.records(ReconciliationEvents.allocationsTopic, count: 3)
        #expect(allocations[1...].map { $0["debitId"]?.stringValue } == ["inv-p1", "inv-p2"])
        #expect(allocations[1...].map { $0["amount"]?.integerValue } == [1_000, 2_000])
        #expect(allocations[1...].allSatisfy { $0["trigger"]?.stringValue == "proof" })

        // Nothing waits any more: the day passes without a dead letter.
        #expect(try await second.runtime.state(of: "acct-3")?.waiting == nil)
        let later = Date(timeIntervalSince1970: 1_793_491_200 + 25 * 3600)
        try await harness.tick(later)
        try await waitUntil("the second instance at the next day") {
            await second.runtime.minimumClock == Timestamp.milliseconds(later)
        }
        #expect(try await harness.settle("relance.dead-letters").isEmpty)
        try await second.stop()
        try await harness.stop()
    }
}
