import Foundation
import RelanceEvents

/// A calendar month, as a card's expiry or a merchant's "now".
public struct YearMonth: Sendable, Codable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int

    public init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    public var next: YearMonth {
        month == 12 ? YearMonth(year: year + 1, month: 1) : YearMonth(year: year, month: month + 1)
    }

    public var previous: YearMonth {
        month == 1 ? YearMonth(year: year - 1, month: 12) : YearMonth(year: year, month: month - 1)
    }

    public static func < (a: YearMonth, b: YearMonth) -> Bool { (a.year, a.month) < (b.year, b.month) }

    /// "2027-05"
    public var description: String { month < 10 ? "\(year)-0\(month)" : "\(year)-\(month)" }

    /// The month `date` falls in, in `timeZone`.
    public static func of(_ date: Date, in timeZone: TimeZone) -> YearMonth {
        // The zone's offset at that instant, then calendar arithmetic: a Calendar costs
        // microseconds per call, and this runs for every card event.
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + timeZone.secondsFromGMT(for: date)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let civil = Timestamp.civil(fromDays: days)
        return YearMonth(year: civil.year, month: civil.month)
    }

    /// Midnight starting this month in `timeZone`.
    public func start(in timeZone: TimeZone) -> Date {
        let local = Double(Timestamp.daysFromCivil(year: year, month: month, day: 1) * 86_400)
        let offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: local))
        let instant = Date(timeIntervalSince1970: local - Double(offset))
        // Near a change of offset (midnight skipped or repeated), the calendar decides.
        guard timeZone.secondsFromGMT(for: instant) != offset else { return instant }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.date(from: DateComponents(year: year, month: month, day: 1))!
    }
}

/// A card saved by the customer: never its number, only what identifies it to a person.
public struct SavedCard: Sendable, Codable, Equatable {
    public var id: String
    public var brand: String
    public var last4: String
    /// Valid through the end of this month ("05/27": to the last day of May 2027).
    public var expires: YearMonth
    /// Saved in the customer's wallet: only such cards are ever listed (seed 001).
    public var inWallet: Bool
    /// Expiry months already reminded: one reminder per card and expiry date.
    public var reminded: Set<YearMonth> = []

    public init(id: String, brand: String, last4: String, expires: YearMonth, inWallet: Bool) {
        self.id = id
        self.brand = brand
        self.last4 = last4
        self.expires = expires
        self.inWallet = inWallet
    }
}

/// What the watcher asks for.
public enum CardExpiryEffect: Sendable, Equatable {
    /// The card's entry in the expiring-cards list: listed (with the schedules it pays) or not.
    case listing(card: SavedCard, schedules: [String], listed: Bool)
    /// Remind the customer, once per card and expiry.
    case remind(SavedCard)
    /// A new card replaced an old one: payment-retry retries the open failed payments.
    case replaced(old: SavedCard?, new: SavedCard)
}

/// One account's saved cards and the scheduled payments each pays (seeds 001, 004).
public struct CardWatch: Sendable, Codable, Equatable {
    public var cards: [SavedCard] = []
    /// Scheduled payment (installment plan, subscription) → the card it is charged to.
    public var schedules: [String: String] = [:]
    /// Cards currently listed, with the schedules their entry shows: a change is published once.
    public var listed: [String: [String]] = [:]

    public init() {}

    public func schedules(of cardID: String) -> [String] {
        schedules.filter { $0.value == cardID }.map(\.key).sorted()
    }

    /// Listed when it expires next month (the merchant's month), pays a scheduled payment and
    /// is in the wallet.
    public func isExpiring(_ card: SavedCard, now: YearMonth) -> Bool {
        card.inWallet && card.expires == now.next && !schedules(of: card.id).isEmpty
    }

    /// Saves a card (or updates it); with `replacing`, the old card goes and its schedules move
    /// to the new one.
    public mutating func save(_ card: SavedCard, replacing oldID: String?, now: YearMonth) -> [CardExpiryEffect] {
        var effects: [CardExpiryEffect] = []
        var old: SavedCard?
        if let oldID, oldID != card.id, let index = cards.firstIndex(where: { $0.id == oldID }) {
            old = cards.remove(at: index)
            for (schedule, cardID) in schedules where cardID == oldID { schedules[schedule] = card.id }
            if listed.removeValue(forKey: oldID) != nil {
                effects.append(.listing(card: old!, schedules: [], listed: false))
            }
        }
        if let index = cards.firstIndex(where: { $0.id == card.id }) {
            var updated = card
            updated.reminded = cards[index].reminded
            cards[index] = updated
        } else {
            cards.append(card)
        }
        if oldID != nil { effects.append(.replaced(old: old, new: card)) }
        return effects + evaluate(now: now)
    }

    public mutating func remove(cardID: String, now: YearMonth) -> [CardExpiryEffect] {
        guard let index = cards.firstIndex(where: { $0.id == cardID }) else { return [] }
        let card = cards.remove(at: index)
        var effects: [CardExpiryEffect] = []
        if listed.removeValue(forKey: cardID) != nil {
            effects.append(.listing(card: card, schedules: [], listed: false))
        }
        return effects + evaluate(now: now)
    }

    /// A scheduled payment starts, moves to another card (`cardID`), or ends (nil).
    public mutating func schedule(_ scheduleID: String, cardID: String?, now: YearMonth) -> [CardExpiryEffect] {
        schedules[scheduleID] = cardID
        return evaluate(now: now)
    }

    /// The first month after `now` at whose start `evaluate` can change something with no
    /// event in between: the month before a card expires (listed, reminded) or the month it
    /// expires (off the list). Only cards in the wallet that pay a schedule, and listed cards,
    /// count: anything else changes with an event, which evaluates again. nil: nothing ahead.
    public func nextChange(after now: YearMonth) -> YearMonth? {
        var next: YearMonth?
        for card in cards where listed[card.id] != nil || (card.inWallet && schedules.values.contains(card.id)) {
            let before = card.expires.previous
            guard let month = before > now ? before : card.expires > now ? card.expires : nil else { continue }
            if next.map({ month < $0 }) ?? true { next = month }
        }
        return next
    }

    /// The list and the reminders as of `now`: call on every change and at each month boundary.
    /// Only changes are returned: an entry that stays as it was is not published again.
    public mutating func evaluate(now: YearMonth) -> [CardExpiryEffect] {
        var effects: [CardExpiryEffect] = []
        for index in cards.indices {
            let card = cards[index]
            let paying = schedules(of: card.id)
            if isExpiring(card, now: now) {
                if listed[card.id] != paying {
                    listed[card.id] = paying
                    effects.append(.listing(card: card, schedules: paying, listed: true))
                }
                if !card.reminded.contains(card.expires) {
                    cards[index].reminded.insert(card.expires)
                    effects.append(.remind(cards[index]))
                }
            } else if listed.removeValue(forKey: card.id) != nil {
                effects.append(.listing(card: card, schedules: paying, listed: false))
            }
        }
        return effects
    }
}
