import Foundation
import PaymentRetryService
import RelanceDomain
import RelanceEvents
import RelanceRuntime
import RelanceTestSupport
import Testing

/// What payment-retry tells reminder-mailer, so that the emails say the cause in the customer's
/// language and what really happens next (issue 20, items 1, 2 and 4).
@Suite("payment-retry's notifications")
struct NotificationTests {
    @Test(
        "a failed payment's notification carries the code, the method and the next attempt; none when none is planned")
    func failedPaymentNotifications() async throws {
        var s = try await Scenario()
        try await s.tick(day: 0)
        try await s.failed("p-card", id: "f1", type: "subscription")
        try await s.failed("p-am04", id: "f2", code: "AM04", scheme: "sepa", type: "payment", method: "sepa_debit")
        try await s.failed("p-md01", id: "f3", code: "MD01", scheme: "sepa", type: "payment", method: "sepa_debit")
        let notices = try await s.records(PaymentEvents.notificationsTopic, count: 3)
        func notice(_ payment: String) -> JSONValue? { notices.first { $0["paymentId"]?.stringValue == payment } }
        let card = try #require(notice("p-card"))
        #expect(card["declineCode"]?.stringValue == "insufficient_funds")
        #expect(card["declineScheme"]?.stringValue == "stripe")
        #expect(card["paymentMethod"]?.stringValue == "card")
        #expect(card["transactionType"]?.stringValue == "subscription")
        #expect(card["nextAttemptAt"]?.stringValue == "2026-10-08T00:00:00.000Z", "smooth retries: 7 days later")
        let am04 = try #require(notice("p-am04"))
        #expect(am04["declineCode"]?.stringValue == "AM04" && am04["declineScheme"]?.stringValue == "sepa")
        #expect(am04["paymentMethod"]?.stringValue == "sepa_debit")
        #expect(
            am04["nextAttemptAt"]?.stringValue == "2026-10-05T00:00:00.000Z",
            "direct debits: 3 days later is Sunday 4 October, so Monday 5 October (a TARGET2 business day)")
        let md01 = try #require(notice("p-md01"))
        #expect(md01["declineCode"]?.stringValue == "MD01")
        #expect(md01["nextAttemptAt"] == nil, "never retried: no date")
        try await s.stop()
    }

    @Test("a merchant without direct-debit retries: the AM04 notification names no next attempt")
    func noRetryNoDate() async throws {
        var policy = RetryPolicy()
        policy.directDebitRetries = false
        var s = try await Scenario(policies: RetryPolicies(default: policy))
        try await s.tick(day: 0)
        try await s.failed("p-am04", id: "f1", code: "AM04", scheme: "sepa", type: "payment", method: "sepa_debit")
        let notices = try await s.records(PaymentEvents.notificationsTopic, count: 1)
        #expect(notices[0]["declineCode"]?.stringValue == "AM04")
        #expect(notices[0]["nextAttemptAt"] == nil)
        try await s.stop()
    }

    @Test(
        "003: a price update asks reminder-mailer to email the customer the new plan, its first date and the deadline")
    func priceUpdateNotification() async throws {
        var s = try await Scenario()
        try await s.tick(day: 0)
        try await s.publish(
            "plan.price-update-requested", topic: PaymentEvents.commandsTopic, id: "u1",
            data: PriceUpdateScenarioTests.request("plan-a"), signer: PriceUpdateScenarioTests.owner)
        let notices = try await s.records(PaymentEvents.notificationsTopic, count: 1)
        #expect(notices[0]["kind"]?.stringValue == "price_update")
        #expect(notices[0]["audience"]?.stringValue == "customer")
        #expect(notices[0]["planId"]?.stringValue == "plan-a")
        #expect(notices[0]["currentAmount"]?.integerValue == 3_000 && notices[0]["newAmount"]?.integerValue == 4_000)
        #expect(notices[0]["currency"]?.stringValue == "EUR")
        #expect(notices[0]["effectiveFrom"]?.stringValue == "2026-11-01")
        #expect(notices[0]["confirmBy"]?.stringValue == "2026-10-11T00:00:00.000Z")
        // A refused update asks for no email.
        try await s.publish(
            "plan.price-update-requested", topic: PaymentEvents.commandsTopic, id: "u2",
            data: PriceUpdateScenarioTests.request("plan-b").replacingOccurrences(
                of: #""newAmount":4000"#, with: #""newAmount":100"#), signer: PriceUpdateScenarioTests.owner)
        _ = try await s.records(PaymentEvents.commandResultsTopic, count: 1)
        #expect(try await s.settle(PaymentEvents.notificationsTopic).count == 1)
        try await s.stop()
    }
}
