import Foundation
import PaymentRetryService
import RelanceDomain
import RelanceEvents
import RelanceRuntime
import RelanceTesting
import Testing

/// payment-retry reads a failure's card and time zone and publishes why its next attempt is
/// when it is (docs/payment-retry.md, "Retry timing" and "Card network limits").
@Suite("payment-retry: card network limits and retry timing through the worker")
struct NetworkAndTimingTests {
    static let start = Date(timeIntervalSince1970: 1_793_613_600)  // 2026-11-02T10:00:00Z

    static func failed(_ payment: String, id: String, extra: [(String, JSONValue)]) -> EventEnvelope {
        EventEnvelope(
            eventID: id, type: "payment.failed", schemaVersion: 1, occurredAt: start, accountID: "acct-1",
            merchantID: "m-1",
            data: .object(
                [
                    ("paymentId", .string(payment)), ("invoiceId", .string("inv-\(payment)")),
                    ("invoiceDate", .string("2026-11-01")), ("transactionType", .string("subscription")),
                    ("paymentMethod", .string("card")), ("amount", .integer(4_900)), ("currency", .string("EUR")),
                    ("declineCode", .string("insufficient_funds")), ("declineScheme", .string("stripe")),
                ] + extra))
    }

    static func lastItem<W: Worker>(_ kit: WorkerTestKit<W>, _ payment: String) throws -> ActionItemUpdated? {
        try kit.events(on: PaymentEvents.actionCentreTopic).last { $0.data["paymentId"]?.stringValue == payment }
            .map { try $0.decode(ActionItemUpdated.self) }
    }

    @Test("Mastercard advice 03 on a payment.failed: no retry, the rule on the published item")
    func adviceStopsRetries() throws {
        let kit = WorkerTestKit(PaymentRetryWorker(), startingAt: Self.start)
        _ = try kit.publish(
            Self.failed(
                "p", id: "f1",
                extra: [
                    ("cardId", .string("pm_1")), ("cardBrand", .string("Mastercard")),
                    ("merchantAdviceCode", .string("03")),
                ]), to: PaymentEvents.paymentsTopic)
        let item = try #require(try Self.lastItem(kit, "p"))
        #expect(item.nextAttemptAt == nil && item.retryBlockedBy?.contains("03") == true)
        #expect(kit.timers(of: "acct-1").isEmpty)
        // The same failure on a Visa card is retried a week later.
        _ = try kit.publish(
            Self.failed("q", id: "f2", extra: [("cardId", .string("pm_2")), ("cardBrand", .string("visa"))]),
            to: PaymentEvents.paymentsTopic)
        #expect(try Self.lastItem(kit, "q")?.nextAttemptAt == Self.start.addingTimeInterval(7 * 86_400))
    }

    @Test("a policy's window in the customer's time zone moves the retry; the item says why")
    func customerZone() throws {
        var policy = RetryPolicy()
        policy.timing = RetryTiming(window: try TimeWindow("02:00-05:00"))
        policy.timeZone = "Europe/Paris"
        let kit = WorkerTestKit(PaymentRetryWorker(policies: RetryPolicies(default: policy)), startingAt: Self.start)
        _ = try kit.publish(
            Self.failed("p", id: "f1", extra: [("customerTimeZone", .string("America/New_York"))]),
            to: PaymentEvents.paymentsTopic)
        let item = try #require(try Self.lastItem(kit, "p"))
        // Due 2026-11-09 10:00Z, 05:00 in New York: past the window, so 02:00 the next night.
        #expect(item.nextAttemptAt == EventValidator.parseUTCTimestamp("2026-11-10T07:00:00Z"))
        #expect(item.nextAttemptReason?.contains("America/New_York") == true, "\(item.nextAttemptReason ?? "")")
    }
}
