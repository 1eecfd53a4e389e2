import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime

/// card-expiry: watches saved cards going out of date before a payment fails
/// (docs/card-expiry.md). The rules are `CardWatch` in the domain module.
public struct CardExpiryWorker: Worker {
    public typealias State = CardWatch

    public var name = "card-expiry"
    public var inputTopics = [CardEvents.cardsTopic]
    public var outputTopics = [
        CardEvents.expiringCardsTopic, PaymentEvents.notificationsTopic, PaymentEvents.paymentsTopic,
    ]
    /// Merchant id → time zone: month boundaries are the merchant's. UTC for any other.
    public var timeZones: [String: TimeZone]

    public init(timeZones: [String: TimeZone] = [:]) {
        self.timeZones = timeZones
    }

    static let monthTimer = "month"
    static let utc = TimeZone.gmt

    func month(_ context: WorkerContext) -> (YearMonth, TimeZone) {
        let zone = timeZones[context.merchantID] ?? Self.utc
        return (YearMonth.of(context.now, in: zone), zone)
    }

    public func handle(_ event: Event<CardExpiryInput>, state: inout CardWatch?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        var watch = state ?? CardWatch()
        let (now, _) = month(context)
        let effects: [CardExpiryEffect]
        switch event.data {
        case .cardSaved(let saved):
            effects = watch.save(SavedCard(saved), replacing: saved.replaces, now: now)
        case .cardRemoved(let removed):
            effects = watch.remove(cardID: removed.cardId, now: now)
        case .scheduleUpdated(let schedule):
            let active = schedule.status == .active
            effects = watch.schedule(schedule.scheduleId, cardID: active ? schedule.cardId : nil, now: now)
        }
        state = watch
        apply(effects, watch: watch, context: &context)
    }

    public func timerFired(_ timer: DueTimer, state: inout CardWatch?, context: inout WorkerContext) {
        guard var watch = state else { return }
        let effects = watch.evaluate(now: month(context).0)
        state = watch
        apply(effects, watch: watch, context: &context)
    }

    func apply(_ effects: [CardExpiryEffect], watch: CardWatch, context: inout WorkerContext) {
        for effect in effects {
            switch effect {
            case .listing(let card, let schedules, let listed):
                context.emit(
                    ExpiringCardUpdated(
                        cardId: card.id, brand: card.brand, last4: card.last4, expMonth: Int64(card.expires.month),
                        expYear: Int64(card.expires.year), listed: listed, schedules: schedules),
                    to: CardEvents.expiringCardsTopic, key: "\(context.accountID)/\(card.id)")
            case .remind(let card):
                context.emit(
                    NotificationRequested(
                        kind: .cardExpiring, audience: .customer, brand: card.brand, last4: card.last4,
                        expMonth: Int64(card.expires.month), expYear: Int64(card.expires.year), cardId: card.id),
                    to: PaymentEvents.notificationsTopic)
            case .replaced(_, let new):
                context.emit(
                    CardReplaced(
                        brand: new.brand, last4: new.last4, expMonth: Int64(new.expires.month),
                        expYear: Int64(new.expires.year)), to: PaymentEvents.paymentsTopic)
            }
        }
        // Look again at the first month boundary that can list a card or take one off: most
        // accounts have none in a given month, so a boundary wakes only the accounts it changes.
        let (now, zone) = month(context)
        if let next = watch.nextChange(after: now) {
            context.schedule(Self.monthTimer, at: next.start(in: zone))
        } else {
            context.cancelTimer(Self.monthTimer)
        }
    }
}

/// The events card-expiry reads, decoded.
public enum CardExpiryInput: WorkerInput {
    case cardSaved(CardSaved)
    case cardRemoved(CardRemoved)
    case scheduleUpdated(ScheduleUpdated)

    public static var eventTypes: [EventType] {
        [CardEvents.cardSaved, CardEvents.cardRemoved, CardEvents.scheduleUpdated]
    }

    public init(_ event: EventEnvelope) throws(EventDataError) {
        switch event.type {
        case "card.saved": self = .cardSaved(try event.decode())
        case "card.removed": self = .cardRemoved(try event.decode())
        case "schedule.updated": self = .scheduleUpdated(try event.decode())
        default: throw EventDataError(path: "type", problem: "\(event.type) is not an event card-expiry reads")
        }
    }
}

extension SavedCard {
    init(_ saved: CardSaved) {
        self.init(
            id: saved.cardId, brand: saved.brand, last4: saved.last4,
            expires: YearMonth(year: Int(saved.expYear), month: Int(saved.expMonth)), inWallet: saved.inWallet)
    }
}
