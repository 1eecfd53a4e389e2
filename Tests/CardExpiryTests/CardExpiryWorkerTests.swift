import CardExpiryService
import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime
import RelanceTestSupport
import Testing

/// card-expiry on the test kit, on simulated time.
@Suite("card-expiry on simulated time")
struct CardExpiryWorkerTests {
    static func date(_ text: String) -> Date { Timestamp.date(milliseconds: Timestamp.parseMilliseconds(text)!) }
    static var worker: CardExpiryWorker { CardExpiryWorker(timeZones: ["m-1": TimeZone(identifier: "Europe/Paris")!]) }

    @Test(
        "listed and reminded once at the month boundary in the merchant's time zone; replaced → gone, payment-retry told"
    )
    func monthBoundaryAndReplacement() async throws {
        var harness = try await KitHarness(Self.worker)
        try await Self.monthBoundaryAndReplacement(&harness, pause: .zero)
    }

    /// The scenario on any harness; `pause`: for the runtime to read the events before the
    /// clock (on another topic) moves.
    static func monthBoundaryAndReplacement<H: ScenarioHarness>(_ harness: inout H, pause: Duration) async throws {
        try await harness.tick(Self.date("2026-11-15T00:00:00.000Z"))
        for (id, wallet) in [("card-in", true), ("card-out", false)] {
            try await harness.publish(
                "card.saved", to: CardEvents.cardsTopic, account: "acct-1", id: "save-\(id)",
                data: .object([
                    "cardId": .string(id), "brand": .string("Visa"), "last4": .string("4242"),
                    "expMonth": .integer(1), "expYear": .integer(2027), "inWallet": .bool(wallet),
                ]))
            try await harness.publish(
                "schedule.updated", to: CardEvents.cardsTopic, account: "acct-1", id: "sched-\(id)",
                data: .object([
                    "scheduleId": .string("sub-\(id)"), "kind": .string("subscription"), "cardId": .string(id),
                    "status": .string("active"),
                ]))
        }
        try await harness.stateWritten("acct-1", count: 1, within: .seconds(30))
        try await Task.sleep(for: pause)
        // 23:30 UTC on 30 November is already December in Paris: January is "next month".
        try await harness.tick(Self.date("2026-11-30T23:30:00.000Z"))
        let listing = try await harness.records(CardEvents.expiringCardsTopic, count: 1, within: .seconds(30))
        #expect(listing[0]["cardId"]?.stringValue == "card-in" && listing[0]["listed"] == .bool(true))
        #expect(listing[0]["schedules"] == .array([.string("sub-card-in")]))
        let reminder = try await harness.records(PaymentEvents.notificationsTopic, count: 1, within: .seconds(30))
        #expect(reminder[0]["kind"]?.stringValue == "card_expiring" && reminder[0]["expMonth"]?.integerValue == 1)
        #expect(
            reminder[0]["cardId"]?.stringValue == "card-in", "the reminder names the card: once per card and expiry")
        try await harness.tick(Self.date("2026-12-10T00:00:00.000Z"))
        #expect(
            try await harness.settle(PaymentEvents.notificationsTopic).count == 1, "one reminder per card and expiry")

        try await harness.publish(
            "card.saved", to: CardEvents.cardsTopic, account: "acct-1", id: "save-new",
            data: .object([
                "cardId": .string("card-new"), "brand": .string("Mastercard"), "last4": .string("4444"),
                "expMonth": .integer(8), "expYear": .integer(2030), "inWallet": .bool(true),
                "replaces": .string("card-in"),
            ]))
        let updates = try await harness.records(CardEvents.expiringCardsTopic, count: 2, within: .seconds(30))
        #expect(updates[1]["cardId"]?.stringValue == "card-in" && updates[1]["listed"] == .bool(false))
        let replaced = try await harness.records(PaymentEvents.paymentsTopic, count: 1, within: .seconds(30))
        #expect(replaced[0]["last4"]?.stringValue == "4444")
        #expect(
            try await harness.settle(CardEvents.expiringCardsTopic).allSatisfy {
                $0["cardId"]?.stringValue != "card-out"
            },
            "a card outside the wallet is never listed")
    }
}

/// card-expiry's integration test: the same scenario through the real runtime on the mock cluster.
@Suite("card-expiry on the mock cluster", .serialized)
struct CardExpiryClusterTests {
    @Test("the month boundary and the replacement through the real runtime")
    func monthBoundaryAndReplacement() async throws {
        var harness = try await WorkerHarness(CardExpiryWorkerTests.worker)
        try await CardExpiryWorkerTests.monthBoundaryAndReplacement(&harness, pause: .seconds(1))
        try await harness.stop()
    }
}
