import Foundation

// The `data` of each event type of `CardEvents`, as Swift values (see `EventData`).

/// `card.saved` v1: A card saved for the customer (never its number); `replaces` when it takes an old card's place.
public struct CardSaved: EventData, Equatable {
    public static var eventType: EventType { CardEvents.cardSaved }

    public var cardId: String
    public var brand: String
    /// Last four digits.
    public var last4: String
    public var expMonth: Int64
    public var expYear: Int64
    /// Saved in the customer's wallet.
    public var inWallet: Bool
    /// The card it replaces.
    public var replaces: String?

    public init(
        cardId: String, brand: String, last4: String, expMonth: Int64, expYear: Int64, inWallet: Bool,
        replaces: String? = nil
    ) {
        self.cardId = cardId
        self.brand = brand
        self.last4 = last4
        self.expMonth = expMonth
        self.expYear = expYear
        self.inWallet = inWallet
        self.replaces = replaces
    }
}

/// `card.removed` v1: The customer removed a saved card.
public struct CardRemoved: EventData, Equatable {
    public static var eventType: EventType { CardEvents.cardRemoved }

    public var cardId: String

    public init(cardId: String) {
        self.cardId = cardId
    }
}

/// `schedule.updated` v1: A scheduled payment (installment plan, subscription) and the card it is charged to; ended when done.
public struct ScheduleUpdated: EventData, Equatable {
    public static var eventType: EventType { CardEvents.scheduleUpdated }

    public var scheduleId: String
    public var kind: Kind
    public var cardId: String
    public var status: Status

    public enum Kind: String, SchemaEnum {
        case installment
        case subscription
    }
    public enum Status: String, SchemaEnum {
        case active
        case ended
    }

    public init(scheduleId: String, kind: Kind, cardId: String, status: Status) {
        self.scheduleId = scheduleId
        self.kind = kind
        self.cardId = cardId
        self.status = status
    }
}

/// `expiring-card.updated` v1: A card in the expiring-cards list (listed: true) or leaving it (listed: false); key account/card.
public struct ExpiringCardUpdated: EventData, Equatable {
    public static var eventType: EventType { CardEvents.expiringCard }

    public var cardId: String
    public var brand: String
    public var last4: String
    public var expMonth: Int64
    public var expYear: Int64
    public var listed: Bool
    public var schedules: [String]

    public init(
        cardId: String, brand: String, last4: String, expMonth: Int64, expYear: Int64, listed: Bool, schedules: [String]
    ) {
        self.cardId = cardId
        self.brand = brand
        self.last4 = last4
        self.expMonth = expMonth
        self.expYear = expYear
        self.listed = listed
        self.schedules = schedules
    }
}
