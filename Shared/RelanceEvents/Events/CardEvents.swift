/// The event types of the card-expiry watcher (see `Catalog`).
public enum CardEvents {
    public static let cardsTopic = "relance.cards"
    public static let expiringCardsTopic = "relance.expiring-cards"

    public static let cardSaved = EventType(
        "card.saved",
        summary: "A card saved for the customer (never its number); `replaces` when it takes an old card's place.",
        data: .object(
            [
                "cardId": .string(), "brand": .string(),
                "last4": .string("last four digits", minLength: 4, maxLength: 4, pattern: "^[0-9]{4}$"),
                "expMonth": .integer(minimum: 1, maximum: 12), "expYear": .integer(minimum: 2000, maximum: 2100),
                "inWallet": .boolean("saved in the customer's wallet"), "replaces": .string("the card it replaces"),
            ], optional: ["replaces"]))

    public static let cardRemoved = EventType(
        "card.removed", summary: "The customer removed a saved card.", data: .object(["cardId": .string()]))

    public static let scheduleUpdated = EventType(
        "schedule.updated",
        summary: "A scheduled payment (installment plan, subscription) and the card it is charged to; ended when done.",
        data: .object(
            [
                "scheduleId": .string(), "kind": .oneOf(["installment", "subscription"]), "cardId": .string(),
                "status": .oneOf(["active", "ended"]),
            ]))

    public static let expiringCard = EventType(
        "expiring-card.updated",
        summary: "A card in the expiring-cards list (listed: true) or leaving it (listed: false); key account/card.",
        data: .object(
            [
                "cardId": .string(), "brand": .string(), "last4": .string(),
                "expMonth": .integer(minimum: 1, maximum: 12),
                "expYear": .integer(minimum: 2000, maximum: 2100), "listed": .boolean(),
                "schedules": .array(of: .string()),
            ]))

    public static let all = [cardSaved, cardRemoved, scheduleUpdated, expiringCard]
}
