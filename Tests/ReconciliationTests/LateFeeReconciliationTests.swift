import Foundation
import ReconciliationService
import RelanceDomain
import RelanceEvents
import RelanceTestSupport
import Testing

/// Issue 26's late fees in reconciliation: an `invoice.fee-added` adds to what its invoice owes.
@Suite("reconciliation: late fees")
struct LateFeeReconciliationTests {
    static func fee<H: ScenarioHarness>(
        _ harness: H, id: String, kind: String, _ amount: Int64, currency: String = "EUR", invoice: String = "inv-1"
    ) async throws {
        try await harness.publish(
            "invoice.fee-added", to: ProofEvents.invoicesTopic, account: "acct-1",
            id: "ev-fee-\(kind)-\(amount)-\(currency)",
            data: .object([
                "invoiceId": .string(invoice), "feeId": .string(id), "kind": .string(kind),
                "amount": .integer(amount), "currency": .string(currency),
            ]))
    }

    @Test(
        "the fees add to the invoice's amount and status; a payment of the total pays it; the same fee twice counts once"
    )
    func feesOnTheInvoice() async throws {
        var harness = try await KitHarness(ReconciliationWorker())
        try await harness.tick(Date(timeIntervalSince1970: 1_793_491_200))
        try await ReconciliationWorkerTests.invoice(harness, "acct-1", "inv-1", 100_000)
        _ = try await harness.records(ReconciliationEvents.invoiceStatusTopic, count: 1)
        try await Self.fee(harness, id: "inv-1/flat_indemnity", kind: "flat_indemnity", 4_000)
        try await Self.fee(harness, id: "inv-1/late_interest", kind: "late_interest", 499)
        var statuses = try await harness.records(ReconciliationEvents.invoiceStatusTopic, count: 3)
        #expect(statuses[1]["amount"]?.integerValue == 104_000 && statuses[1]["status"]?.stringValue == "open")
        #expect(statuses[2]["amount"]?.integerValue == 104_499 && statuses[2]["open"]?.integerValue == 104_499)
        // The same fee again under another event id: nothing changes, no status.
        try await harness.publish(
            "invoice.fee-added", to: ProofEvents.invoicesTopic, account: "acct-1", id: "ev-again",
            data: .object([
                "invoiceId": .string("inv-1"), "feeId": .string("inv-1/flat_indemnity"),
                "kind": .string("flat_indemnity"), "amount": .integer(4_000), "currency": .string("EUR"),
            ]))
        // Another currency: refused.
        try await Self.fee(harness, id: "inv-1/other", kind: "flat_indemnity", 4_000, currency: "USD")
        let refused = try await harness.records("relance.dead-letters", count: 1)
        #expect(refused[0]["reason"]?["code"]?.stringValue == "currency_mismatch")
        #expect(try await harness.settle(ReconciliationEvents.invoiceStatusTopic).count == 3)
        // A payment of the invoice's amount leaves the fees open; the rest pays them.
        for (id, amount) in [("pay-1", 100_000), ("pay-2", 4_499)] as [(String, Int64)] {
            try await harness.publish(
                "payment.succeeded", to: PaymentEvents.paymentsTopic, account: "acct-1", id: "ev-\(id)",
                data: .object([
                    "paymentId": .string(id), "invoiceId": .string("inv-1"), "amount": .integer(amount),
                    "currency": .string("EUR"),
                ]))
        }
        statuses = try await harness.records(ReconciliationEvents.invoiceStatusTopic, count: 5)
        #expect(statuses[3]["status"]?.stringValue == "partially_paid" && statuses[3]["open"]?.integerValue == 4_499)
        #expect(statuses[4]["status"]?.stringValue == "paid" && statuses[4]["amount"]?.integerValue == 104_499)
        try await harness.stop()
    }

    @Test(
        "the ledger: a fee adds to a partly paid invoice, never reopens a settled one, counts in the unreconciled debit, and never overflows"
    )
    func ledger() throws {
        var ledger = ReconciliationLedger()
        try ledger.add(LedgerItem(id: "i", kind: .invoice, amount: 1_000, currency: "EUR", date: "2026-09-01"))
        try ledger.add(LedgerItem(id: "j", kind: .invoice, amount: 500, currency: "EUR", date: "2026-09-01"))
        _ = try ledger.pay(
            LedgerItem(id: "p", kind: .payment, amount: 600, currency: "EUR", date: "2026-09-02"), invoice: "i")
        _ = try ledger.pay(
            LedgerItem(id: "q", kind: .payment, amount: 500, currency: "EUR", date: "2026-09-02"), invoice: "j")
        #expect(ledger.status(ofInvoice: "i") == .partiallyPaid && ledger.status(ofInvoice: "j") == .paid)
        // Settled before the fee came: the fee is not added (the reminder that announced it
        // crossed the payment); the invoice stays paid.
        #expect(try !ledger.addFee(id: "j/flat_indemnity", invoice: "j", amount: 4_000, currency: "EUR"))
        #expect(ledger.item("j", kind: .invoice)?.amount == 500 && ledger.status(ofInvoice: "j") == .paid)
        #expect(try ledger.addFee(id: "i/flat_indemnity", invoice: "i", amount: 4_000, currency: "EUR"))
        #expect(ledger.item("i", kind: .invoice)?.open == 4_400 && ledger.status(ofInvoice: "i") == .partiallyPaid)
        #expect(try !ledger.addFee(id: "i/flat_indemnity", invoice: "i", amount: 4_000, currency: "EUR"))
        #expect(ReconcilableEntry(ledger).debitTotals == ["EUR": 4_400])
        #expect(throws: LedgerError.self) {
            try ledger.addFee(id: "i/big", invoice: "i", amount: Money.maximumMinorUnits, currency: "EUR")
        }
        #expect(throws: LedgerError.self) { try ledger.addFee(id: "x", invoice: "nope", amount: 1, currency: "EUR") }
    }
}
