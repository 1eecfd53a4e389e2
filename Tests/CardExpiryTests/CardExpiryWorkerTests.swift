import CardExpiryService
import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime
import RelanceTestSupport
import Testing

/// card-expiry through the real runtime on the mock cluster, on simulated time.
@Suite("card-expiry on simulated time", .serialized)
struct CardExpiryWorkerTests {
    static func date(_ text: String) -> Date { Timestamp.date(milliseconds: Timestamp.parseMilliseconds(text)!) }

    @Test(
        "listed and reminded once at the month boundary in the merchant's time zone; replaced → gone, payment-retry told"
    )
    func monthBoundaryAndReplacement() async throws {
        var harness = try await WorkerHarness(
            CardExpiryWorker(timeZones: ["m-1": TimeZone(identifier: "Europe/Paris")!]))
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
        try await harness.stateWritten("acct-1")
        try await Task.sleep(for: .seconds(1))
        // 23:30 UTC on 30 November is already December in Paris: January is "next month".
        try await harness.tick(Self.date("2026-11-30T23:30:00.000Z"))
        let listing = try await harness.records(CardEvents.expiringCardsTopic, count: 1)
        #expect(listing[0]["cardId"]?.stringValue == "card-in" && listing[0]["listed"] == .bool(true))
        #expect(listing[0]["schedules"] == .array([.string("sub-card-in")]))
        let reminder = try await harness.records(PaymentEvents.notificationsTopic, count: 1)
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
        let updates = try await harness.records(CardEvents.expiringCardsTopic, count: 2)
        #expect(updates[1]["cardId"]?.stringValue == "card-in" && updates[1]["listed"] == .bool(false))
        let replaced = try await harness.records(PaymentEvents.paymentsTopic, count: 1)
        #expect(replaced[0]["last4"]?.stringValue == "4444")
        #expect(
            try await harness.settle(CardEvents.expiringCardsTopic).allSatisfy {
                $0["cardId"]?.stringValue != "card-out"
            },
            "a card outside the wallet is never listed")
        try await harness.stop()
    }
}
