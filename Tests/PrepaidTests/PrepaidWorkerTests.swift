import Foundation
import GatewaySandboxService
import PrepaidService
import RelanceDomain
import RelanceEvents
import RelanceRuntime
import RelanceTestSupport
import Testing

/// prepaid on the test kit, on simulated time, with the gateway sandbox answering its charge
/// requests.
@Suite("prepaid on simulated time")
struct PrepaidWorkerTests {
    static func date(_ text: String) -> Date { Timestamp.date(milliseconds: Timestamp.parseMilliseconds(text)!) }

    static var policy: TopUpPolicy {
        var policy = TopUpPolicy()
        policy.rates = ["EUR": "0.61"]
        return policy
    }

    static func settings<H: ScenarioHarness>(
        _ harness: H, _ account: String, threshold: Int64, amount: Int64,
        monthly: Int64? = nil, currency: String = "AUD"
    ) async throws {
        var data: [(key: String, value: JSONValue)] = [
            ("currency", .string(currency)), ("automaticRecharge", .bool(true)), ("threshold", .integer(threshold)),
            ("rechargeAmount", .integer(amount)),
        ]
        if let monthly { data.append(("monthlyRecharge", .integer(monthly))) }
        try await harness.publish(
            "prepaid.settings-updated", to: PrepaidEvents.prepaidTopic, account: account, id: "\(account)-settings",
            data: .object(data))
    }

    static func usage<H: ScenarioHarness>(_ harness: H, _ account: String, _ id: String, _ amount: Int64)
        async throws
    {
        try await harness.publish(
            "usage.recorded", to: PrepaidEvents.prepaidTopic, account: account, id: id,
            data: .object([
                "usageId": .string(id), "amount": .integer(amount), "currency": .string("AUD"),
                "product": .string("sms"),
            ]))
    }

    /// Reads balance records until the latest shows `balance`.
    static func balance<H: ScenarioHarness>(_ harness: inout H, _ balance: Int64) async throws -> JSONValue {
        var count = 1
        while true {
            let records = try await harness.records(PrepaidEvents.balancesTopic, count: count, within: .seconds(30))
            if let last = records.last, last["balance"]?.integerValue == balance { return last }
            count = records.count + 1
        }
    }

    @Test("a failed recharge asks the customer to update the card, and is charged again when the card is replaced")
    func failedThenCardReplaced() async throws {
        var harness = try await KitHarness(
            PrepaidWorker(policy: Self.policy), alsoReading: [PaymentEvents.paymentsTopic])
        let gateway = try await harness.start(GatewaySandbox())
        try await harness.tick(Self.date("2026-11-01T00:00:00.000Z"))
        // The sandbox declines this account's charges until the second attempt.
        try await Self.settings(harness, "acct-after-2", threshold: 1_000, amount: 5_000)
        let notice = try await harness.records(PaymentEvents.notificationsTopic, count: 1)
        #expect(notice[0]["kind"]?.stringValue == "recharge_failed" && notice[0]["audience"]?.stringValue == "customer")
        // The code, which reminder-mailer says in the customer's language.
        #expect(notice[0]["declineCode"]?.stringValue == "insufficient_funds")
        #expect(notice[0]["declineScheme"]?.stringValue == "stripe")
        let waiting = try await Self.balance(&harness, 0)
        _ = waiting
        try await harness.publish(
            "card.replaced", to: PaymentEvents.paymentsTopic, account: "acct-after-2", id: "card-new",
            data: .object([
                "brand": .string("visa"), "last4": .string("4242"), "expMonth": .integer(4), "expYear": .integer(2030),
            ]))
        _ = try await Self.balance(&harness, 5_000)
        let charges = try await harness.settle(PaymentEvents.chargeRequestsTopic)
        #expect(charges.map { $0["attempt"]?.integerValue } == [1, 2])
        #expect(charges[0]["invoiceId"] == charges[1]["invoiceId"], "the same top-up, charged again")
        try await gateway.stop()
        try await harness.stop()
    }

    @Test("the monthly recharge at the end of each month")
    func monthEnd() async throws {
        var harness = try await KitHarness(
            PrepaidWorker(policy: Self.policy), alsoReading: [PaymentEvents.paymentsTopic])
        let gateway = try await harness.start(GatewaySandbox())
        try await harness.tick(Self.date("2026-11-10T00:00:00.000Z"))
        try await Self.settings(harness, "acct-m", threshold: 0, amount: 2_000, monthly: 3_000)
        try await harness.stateWritten("acct-m")
        #expect(try await harness.settle(PaymentEvents.chargeRequestsTopic).isEmpty)
        try await harness.tick(Self.date("2026-11-29T12:00:00.000Z"))
        #expect(try await harness.settle(PaymentEvents.chargeRequestsTopic).isEmpty, "not before the last day")
        try await harness.tick(Self.date("2026-11-30T01:00:00.000Z"))
        _ = try await Self.balance(&harness, 3_000)
        try await harness.tick(Self.date("2026-12-31T01:00:00.000Z"))
        _ = try await Self.balance(&harness, 6_000)
        let charges = try await harness.settle(PaymentEvents.chargeRequestsTopic)
        #expect(charges.count == 2 && charges.allSatisfy { $0["amount"]?.integerValue == 3_000 })
        try await gateway.stop()
        try await harness.stop()
    }

    @Test("bank transfer: under 200 AUD or the equivalent refused; above, an invoice and no charge; credited when paid")
    func bankTransfer() async throws {
        var harness = try await KitHarness(PrepaidWorker(policy: Self.policy))
        try await harness.tick(Self.date("2026-11-10T00:00:00.000Z"))
        for (id, amount) in [("t-small", 12_000), ("t-ok", 15_000)] {
            try await harness.publish(
                "topup.requested", to: PrepaidEvents.prepaidTopic, account: "acct-eu", id: id,
                data: .object([
                    "amount": .integer(Int64(amount)), "currency": .string("EUR"), "method": .string("bank_transfer"),
                ]))
        }
        let refused = try await harness.records(PaymentEvents.commandResultsTopic, count: 1)
        #expect(refused[0]["reason"]?.stringValue?.contains("200 AUD") == true)
        let invoice = try await harness.records(ProofEvents.invoicesTopic, count: 1)
        #expect(invoice[0]["amount"]?.integerValue == 15_000 && invoice[0]["dueOn"]?.stringValue == "2026-11-24")
        #expect(try await harness.settle(PaymentEvents.chargeRequestsTopic).isEmpty)
        try await harness.publish(
            "payment.received", to: ReconciliationEvents.ledgerTopic, account: "acct-eu", id: "transfer-1",
            data: .object([
                "paymentId": .string("tr-1"), "amount": .integer(14_950), "currency": .string("EUR"),
                "receivedOn": .string("2026-11-14"), "invoiceId": invoice[0]["invoiceId"]!,
            ]))
        _ = try await Self.balance(&harness, 14_950)
        try await harness.stop()
    }
}

/// prepaid's integration test: through the real runtime on the mock cluster, across a restart
/// (a new instance restores the accounts from the changelog).
@Suite("prepaid on the mock cluster", .serialized)
struct PrepaidClusterTests {
    @Test(
        "below the threshold: one recharge, even under a burst of usage and across a restart; a negative balance corrected"
    )
    func thresholdBurstAndRestart() async throws {
        var harness = try await WorkerHarness(
            PrepaidWorker(policy: PrepaidWorkerTests.policy), alsoReading: [PaymentEvents.paymentsTopic])
        let gateway = try await harness.start(GatewaySandbox())
        try await harness.tick(PrepaidWorkerTests.date("2026-11-01T00:00:00.000Z"))
        try await PrepaidWorkerTests.settings(harness, "acct-1", threshold: 1_000, amount: 5_000)
        _ = try await PrepaidWorkerTests.balance(&harness, 5_000)
        // 60 usage events of 1.00: the balance crosses the threshold after 41 and goes to -10.00
        // while the one recharge is in flight.
        for n in 0..<60 { try await PrepaidWorkerTests.usage(harness, "acct-1", "u-\(n)", 100) }
        let settled = try await PrepaidWorkerTests.balance(&harness, 4_000)
        #expect(settled["recharging"] == .bool(false))
        var charges = try await harness.settle(PaymentEvents.chargeRequestsTopic)
        #expect(charges.count == 2, "one recharge at the start, one for the burst")

        // A new instance takes over from the changelog; the next crossing asks for one recharge.
        await harness.runtime.stop()
        let second = try await harness.start(PrepaidWorker(policy: PrepaidWorkerTests.policy))
        try await PrepaidWorkerTests.usage(harness, "acct-1", "u-big", 12_000)  // 40.00 → -80.00: negative
        _ = try await PrepaidWorkerTests.balance(&harness, 1_000)
        charges = try await harness.settle(PaymentEvents.chargeRequestsTopic)
        #expect(charges.count == 3)
        #expect(charges[2]["amount"]?.integerValue == 9_000, "80.00 owed + the 10.00 threshold")
        #expect(Set(charges.compactMap { $0["chargeRequestId"]?.stringValue }).count == 3)
        let invoices = try await harness.settle(ProofEvents.invoicesTopic)
        #expect(
            invoices.map { $0["amount"]?.integerValue } == [5_000, 5_000, 9_000], "each invoice: the credit bought")
        try await second.stop()
        try await gateway.stop()
        try await harness.stop()
    }
}
