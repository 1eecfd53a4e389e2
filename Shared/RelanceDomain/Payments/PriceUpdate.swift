import Foundation
import RelanceEvents

/// A change of price of an installment plan or a subscription (003): the new amount is at
/// least 2.00 in the plan's currency and differs from the old one; the number of
/// installments and the interval do not change; the customer confirms within 10 days or the
/// change lapses; a confirmed change applies from the next billing cycle.
public struct PriceUpdateRequest: Sendable, Equatable, Codable {
    public var planID: String
    public var currency: String
    public var currentAmount: Int64
    public var newAmount: Int64
    public var currentInstallments: Int?
    public var newInstallments: Int?
    public var currentInterval: String
    public var newInterval: String
    /// `YYYY-MM-DD`: the next billing date, from which a confirmed change applies.
    public var nextBillingDate: String

    public init(
        planID: String, currency: String, currentAmount: Int64, newAmount: Int64, currentInstallments: Int?,
        newInstallments: Int?, currentInterval: String, newInterval: String, nextBillingDate: String
    ) {
        self.planID = planID
        self.currency = currency
        self.currentAmount = currentAmount
        self.newAmount = newAmount
        self.currentInstallments = currentInstallments
        self.newInstallments = newInstallments
        self.currentInterval = currentInterval
        self.newInterval = newInterval
        self.nextBillingDate = nextBillingDate
    }
}

public enum PriceUpdateEffect: Sendable, Equatable {
    /// Waiting for the customer until `expiresAt` (milliseconds): ask them.
    case awaitingConfirmation(PriceUpdateRequest, expiresAt: Int64)
    case applied(PriceUpdateRequest, effectiveFrom: String)
    case lapsed(PriceUpdateRequest)
    case refused(planID: String, reason: String)
}

/// The pending price changes of one account's plans.
public struct PriceUpdates: Sendable, Equatable, Codable {
    public var pending: [String: PriceUpdateRequest] = [:]
    public var expiries: [String: Int64] = [:]

    public init() {}

    public static let confirmationWindow: Int64 = 10 * 86_400_000

    /// A price change asked for; the customer has `confirmationWindow` from when it was asked
    /// (`occurredAt`, the event's time; never before `now`: `PaymentRecovery.due`).
    public mutating func request(_ request: PriceUpdateRequest, now: Int64, occurredAt: Int64? = nil)
        -> PriceUpdateEffect
    {
        func refuse(_ reason: String) -> PriceUpdateEffect { .refused(planID: request.planID, reason: reason) }
        guard let currency = Currency(code: request.currency) else {
            return refuse("\(request.currency) is not an ISO 4217 currency")
        }
        let minimum = 2 * currency.minorUnitsPerMajorUnit
        guard request.newAmount >= minimum else {
            return refuse(
                "the new amount \(Money(minorUnits: request.newAmount, currency: currency)) is below the minimum of "
                    + "\(Money(minorUnits: minimum, currency: currency))")
        }
        guard request.newAmount != request.currentAmount else {
            return refuse("the new amount is the current amount")
        }
        guard request.newInstallments == request.currentInstallments else {
            return refuse("the number of installments cannot change")
        }
        guard request.newInterval == request.currentInterval else {
            return refuse("the payment interval cannot change")
        }
        let expiresAt = PaymentRecovery.due(Self.confirmationWindow, after: occurredAt, now: now)
        pending[request.planID] = request
        expiries[request.planID] = expiresAt
        return .awaitingConfirmation(request, expiresAt: expiresAt)
    }

    public mutating func confirm(planID: String, now: Int64) -> PriceUpdateEffect {
        guard let request = pending[planID], let expiresAt = expiries[planID] else {
            return .refused(planID: planID, reason: "no price change of plan \(planID) awaits confirmation")
        }
        guard now < expiresAt else { return lapse(planID: planID) }
        pending[planID] = nil
        expiries[planID] = nil
        return .applied(request, effectiveFrom: request.nextBillingDate)
    }

    /// The confirmation window ended.
    public mutating func lapse(planID: String) -> PriceUpdateEffect {
        guard let request = pending.removeValue(forKey: planID) else {
            return .refused(planID: planID, reason: "no price change of plan \(planID) is pending")
        }
        expiries[planID] = nil
        return .lapsed(request)
    }
}

// The changelog's form, written directly (`StateJSONWritable`): the same bytes as the
// synthesized `Codable` conformances above, member for member.

extension PriceUpdates: StateJSONWritable {
    public func writeStateJSON(into out: inout JSONOutput) {
        out.beginObject()
        out.key(static: "pending")
        out.object(pending) { $0.writeStateJSON(into: &$1) }
        out.key(static: "expiries")
        out.object(expiries) { $1.integer($0) }
        out.endObject()
    }
}

extension PriceUpdateRequest: StateJSONWritable {
    public func writeStateJSON(into out: inout JSONOutput) {
        out.beginObject()
        out.member("planID", planID)
        out.member("currency", currency)
        out.member("currentAmount", currentAmount)
        out.member("newAmount", newAmount)
        out.member("currentInstallments", currentInstallments.map(Int64.init))
        out.member("newInstallments", newInstallments.map(Int64.init))
        out.member("currentInterval", currentInterval)
        out.member("newInterval", newInterval)
        out.member("nextBillingDate", nextBillingDate)
        out.endObject()
    }
}
