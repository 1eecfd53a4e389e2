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

    /// A `payment.failed` of acct-1 (a card's insufficient funds at `start` unless told).
    static func failed(
        _ payment: String, id: String, at: Date = start, method: String = "card", code: String = "insufficient_funds",
        scheme: String = "stripe", extra: [(String, JSONValue)] = []
    ) -> EventEnvelope {
        EventEnvelope(
            eventID: id, type: "payment.failed", schemaVersion: 1, occurredAt: at, accountID: "acct-1",
            merchantID: "m-1",
            data: .object(
                [
                    ("paymentId", .string(payment)), ("invoiceId", .string("inv-\(payment)")),
                    ("invoiceDate", .string("2026-11-01")), ("transactionType", .string("subscription")),
                    ("paymentMethod", .string(method)), ("amount", .integer(4_900)), ("currency", .string("EUR")),
                    ("declineCode", .string(code)), ("declineScheme", .string(scheme)),
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

    /// Moves the clock to just before `due`, then to it: the retry's charge is requested at
    /// that moment and not a minute before.
    static func expectChargeAt<W: Worker>(_ kit: WorkerTestKit<W>, _ due: Date, payment: String) throws {
        let charges = {
            kit.events(on: PaymentEvents.chargeRequestsTopic).filter { $0.data["paymentId"]?.stringValue == payment }
        }
        let before = charges().count
        try kit.advance(to: due.addingTimeInterval(-60))
        #expect(charges().count == before, "charged before \(due)")
        try kit.advance(to: due)
        #expect(charges().count == before + 1, "not charged at \(due)")
    }

    @Test("simulated time: a SEPA retry due on Good Friday 2027 runs on the Tuesday after Easter Monday, Paris time")
    func target2Holidays() throws {
        var policy = RetryPolicy()
        policy.timing = RetryTiming()  // debits on TARGET2 business days
        policy.timeZone = "Europe/Paris"
        // Tuesday 23 March 2027, 10:00 UTC; AM04 (insufficient funds) is retried after 3 days:
        // Friday 26 March, Good Friday.
        let failedAt = try #require(EventValidator.parseUTCTimestamp("2027-03-23T10:00:00Z"))
        let kit = WorkerTestKit(PaymentRetryWorker(policies: RetryPolicies(default: policy)), startingAt: failedAt)
        _ = try kit.publish(
            Self.failed("p", id: "f-p", at: failedAt, method: "sepa_debit", code: "AM04", scheme: "sepa"),
            to: PaymentEvents.paymentsTopic)
        let item = try #require(try Self.lastItem(kit, "p"))
        // 30 March 00:00 CEST.
        let due = try #require(EventValidator.parseUTCTimestamp("2027-03-29T22:00:00Z"))
        #expect(item.nextAttemptAt == due)
        let reason = item.nextAttemptReason ?? ""
        #expect(reason.contains("Good Friday") && reason.contains("Easter Monday"), "\(reason)")
        try Self.expectChargeAt(kit, due, payment: "p")
    }

    @Test("simulated time: a window starting at 02:30 on the night Paris moves to summer time runs at 03:00 CEST")
    func daylightSavingGap() throws {
        var policy = RetryPolicy()
        policy.timing = RetryTiming(window: try TimeWindow("02:30-04:00"))
        policy.timeZone = "Europe/Paris"
        // Saturday 20 March 2027, 10:00 UTC; a soft decline is retried after 7 days: Saturday 27
        // March 11:00 CET, past the window, so the next night's 02:30, which does not exist on 28
        // March (02:00 CET → 03:00 CEST).
        let failedAt = try #require(EventValidator.parseUTCTimestamp("2027-03-20T10:00:00Z"))
        let kit = WorkerTestKit(PaymentRetryWorker(policies: RetryPolicies(default: policy)), startingAt: failedAt)
        _ = try kit.publish(
            Self.failed("p", id: "f-p", at: failedAt, method: "card", code: "do_not_honor", scheme: "stripe"),
            to: PaymentEvents.paymentsTopic)
        let due = try #require(EventValidator.parseUTCTimestamp("2027-03-28T01:00:00Z"))
        #expect(try Self.lastItem(kit, "p")?.nextAttemptAt == due)
        try Self.expectChargeAt(kit, due, payment: "p")
    }

    @Test("simulated time: an insufficient-funds retry moves to the month-end payday (30 November for day 31)")
    func monthEndPayday() throws {
        var policy = RetryPolicy()
        policy.timing = RetryTiming(
            paydays: try Paydays(days: [1, 15, 31], windowDays: 2, maxDelayDays: 10, codes: ["insufficient_funds"]))
        policy.timeZone = "Europe/Paris"
        // Friday 20 November 2026, 10:00 UTC: due 27 November; the next payday window is the
        // month's last day, 30 November (there is no 31st), from 00:00 CET.
        let failedAt = try #require(EventValidator.parseUTCTimestamp("2026-11-20T10:00:00Z"))
        let kit = WorkerTestKit(PaymentRetryWorker(policies: RetryPolicies(default: policy)), startingAt: failedAt)
        _ = try kit.publish(
            Self.failed("p", id: "f-p", at: failedAt, method: "card", code: "insufficient_funds", scheme: "stripe"),
            to: PaymentEvents.paymentsTopic)
        let item = try #require(try Self.lastItem(kit, "p"))
        let due = try #require(EventValidator.parseUTCTimestamp("2026-11-29T23:00:00Z"))
        #expect(item.nextAttemptAt == due)
        #expect(
            item.nextAttemptReason?.contains("payday window of 2026-11-30") == true, "\(item.nextAttemptReason ?? "")")
        try Self.expectChargeAt(kit, due, payment: "p")
    }
}
