import Foundation

// The `data` of each event type of `PrepaidEvents`, as Swift values (see `EventData`).

/// `prepaid.settings-updated` v1: The account's balance management: automatic recharge, its threshold and amount, a monthly recharge.
public struct PrepaidSettingsUpdated: EventData, Equatable {
    public static var eventType: EventType { PrepaidEvents.settingsUpdated }

    /// The currency of the account's credit.
    public var currency: String
    public var automaticRecharge: Bool
    /// Recharge below this balance.
    public var threshold: Int64?
    /// What an automatic recharge buys.
    public var rechargeAmount: Int64?
    /// Bought at the end of every month.
    public var monthlyRecharge: Int64?

    public init(
        currency: String, automaticRecharge: Bool, threshold: Int64? = nil, rechargeAmount: Int64? = nil,
        monthlyRecharge: Int64? = nil
    ) {
        self.currency = currency
        self.automaticRecharge = automaticRecharge
        self.threshold = threshold
        self.rechargeAmount = rechargeAmount
        self.monthlyRecharge = monthlyRecharge
    }
}

/// `usage.recorded` v1: Usage to deduct from the balance (messages sent, calls).
public struct UsageRecorded: EventData, Equatable {
    public static var eventType: EventType { PrepaidEvents.usageRecorded }

    public var usageId: String
    /// Amount in minor units of the currency.
    public var amount: Int64
    /// ISO 4217 currency code.
    public var currency: String
    public var product: String?

    public init(usageId: String, amount: Int64, currency: String, product: String? = nil) {
        self.usageId = usageId
        self.amount = amount
        self.currency = currency
        self.product = product
    }
}

/// `fee.charged` v1: A recurring fee to deduct from the balance (a dedicated number's monthly rent).
public struct FeeCharged: EventData, Equatable {
    public static var eventType: EventType { PrepaidEvents.feeCharged }

    public var feeId: String
    /// Amount in minor units of the currency.
    public var amount: Int64
    /// ISO 4217 currency code.
    public var currency: String
    public var description: String?

    public init(feeId: String, amount: Int64, currency: String, description: String? = nil) {
        self.feeId = feeId
        self.amount = amount
        self.currency = currency
        self.description = description
    }
}

/// `topup.requested` v1: The customer buys credit: by card at once, or by bank transfer on an invoice.
public struct TopupRequested: EventData, Equatable {
    public static var eventType: EventType { PrepaidEvents.topUpRequested }

    /// Amount in minor units of the currency.
    public var amount: Int64
    /// ISO 4217 currency code.
    public var currency: String
    public var method: TopUpMethod

    public init(amount: Int64, currency: String, method: TopUpMethod) {
        self.amount = amount
        self.currency = currency
        self.method = method
    }
}

/// `balance.updated` v1: The account's prepaid balance; key account.
public struct BalanceUpdated: EventData, Equatable {
    public static var eventType: EventType { PrepaidEvents.balanceUpdated }

    /// Minor units; negative when usage ran past the credit.
    public var balance: Int64
    /// ISO 4217 currency code.
    public var currency: String
    public var automaticRecharge: Bool
    /// A card top-up is being charged.
    public var recharging: Bool
    /// A top-up failed and waits for the card to be updated.
    public var waitingForCard: Bool

    public init(balance: Int64, currency: String, automaticRecharge: Bool, recharging: Bool, waitingForCard: Bool) {
        self.balance = balance
        self.currency = currency
        self.automaticRecharge = automaticRecharge
        self.recharging = recharging
        self.waitingForCard = waitingForCard
    }
}
