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
    public var eventTypes = [CardEvents.cardSaved, CardEvents.cardRemoved, CardEvents.scheduleUpdated]
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

    public func handle(_ event: Event<EventEnvelope>, state: inout CardWatch?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        let event = event.envelope
        var watch = state ?? CardWatch()
        let data = event.data
        func text(_ field: String) -> String? { data[field]?.stringValue }
        // The schemas require these members; a record that lacks one anyway is a dead letter.
        func required(_ field: String) throws(WorkerRejection) -> String {
            guard let value = text(field) else { throw missing(field) }
            return value
        }
        func integer(_ field: String) throws(WorkerRejection) -> Int {
            guard let value = data[field]?.integerValue else { throw missing(field) }
            return Int(value)
        }
        func missing(_ field: String) -> WorkerRejection {
            WorkerRejection("missing_field", "\(event.type): data.\(field) is required")
        }
        let (now, _) = month(context)
        let effects: [CardExpiryEffect]
        switch event.type {
        case "card.saved":
            let card = SavedCard(
                id: try required("cardId"), brand: try required("brand"), last4: try required("last4"),
                expires: YearMonth(year: try integer("expYear"), month: try integer("expMonth")),
                inWallet: data["inWallet"] == .bool(true))
            effects = watch.save(card, replacing: text("replaces"), now: now)
        case "card.removed":
            effects = watch.remove(cardID: try required("cardId"), now: now)
        default:
            let active = text("status") == "active"
            effects = watch.schedule(try required("scheduleId"), cardID: active ? text("cardId") : nil, now: now)
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
                    "expiring-card.updated", to: CardEvents.expiringCardsTopic,
                    data: .object([
                        "cardId": .string(card.id), "brand": .string(card.brand), "last4": .string(card.last4),
                        "expMonth": .integer(Int64(card.expires.month)), "expYear": .integer(Int64(card.expires.year)),
                        "listed": .bool(listed), "schedules": .array(schedules.map { .string($0) }),
                    ]), key: "\(context.accountID)/\(card.id)")
            case .remind(let card):
                context.emit(
                    "notification.requested", to: PaymentEvents.notificationsTopic,
                    data: .object([
                        "kind": .string("card_expiring"), "audience": .string("customer"), "cardId": .string(card.id),
                        "brand": .string(card.brand),
                        "last4": .string(card.last4), "expMonth": .integer(Int64(card.expires.month)),
                        "expYear": .integer(Int64(card.expires.year)),
                    ]))
            case .replaced(_, let new):
                context.emit(
                    "card.replaced", to: PaymentEvents.paymentsTopic,
                    data: .object([
                        "brand": .string(new.brand), "last4": .string(new.last4),
                        "expMonth": .integer(Int64(new.expires.month)), "expYear": .integer(Int64(new.expires.year)),
                    ]))
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
