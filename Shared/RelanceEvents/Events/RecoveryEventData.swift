import Foundation

/// A JSON object whose members are named freely (a schema's `map(of:)`), in the order written:
/// a `Dictionary` would not keep it, and what is published is written in a stable order.
public struct EventMap<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public private(set) var keys: [String] = []
    public private(set) var values: [Value] = []

    public init() {}

    /// Members sorted by name.
    public init(_ dictionary: [String: Value]) {
        for (key, value) in dictionary.sorted(by: { $0.key < $1.key }) {
            keys.append(key)
            values.append(value)
        }
    }

    public subscript(key: String) -> Value? {
        keys.firstIndex(of: key).map { values[$0] }
    }

    public var dictionary: [String: Value] { Dictionary(zip(keys, values), uniquingKeysWith: { _, last in last }) }

    struct Name: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Name.self)
        for key in container.allKeys {
            keys.append(key.stringValue)
            values.append(try container.decode(Value.self, forKey: key))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Name.self)
        for (key, value) in zip(keys, values) {
            try container.encode(value, forKey: Name(stringValue: key))
        }
    }
}

/// `recovery.failure-fact` v1: where one failed payment stands (recovery-stats, stage 1 → 2).
public struct RecoveryFailureFact: EventData, Equatable {
    public static var eventType: EventType { RecoveryEvents.failureFact }

    public var paymentId: String
    public var paymentAccountId: String
    public var amount: Int64
    public var currency: String
    public var declineCode: String
    public var paymentMethod: PaymentMethod
    public var transactionType: TransactionType
    public var firstFailedAt: Date
    public var status: Status
    public var resolution: Resolution?
    public var recoveredOnAttempt: Int64?
    public var lossReason: LossReason?
    public var outcomeAt: Date?
    public var sequence: Int64
    /// The payment is no longer counted under this fact's key.
    public var withdrawn: Bool?

    public enum Status: String, SchemaEnum {
        case open, recovered, lost
    }

    public enum Resolution: String, SchemaEnum {
        case automaticRetry = "automatic_retry"
        case cardUpdated = "card_updated"
        case operatorRetry = "operator_retry"
        case finalAttempt = "final_attempt"
        case paidAnotherWay = "paid_another_way"
    }

    public enum LossReason: String, SchemaEnum {
        case dismissed
        case handedToCollections = "handed_to_collections"
        case retriesExhausted = "retries_exhausted"
        case accountTerminated = "account_terminated"
    }

    public init(
        paymentId: String, paymentAccountId: String, amount: Int64, currency: String, declineCode: String,
        paymentMethod: PaymentMethod, transactionType: TransactionType, firstFailedAt: Date, status: Status,
        resolution: Resolution? = nil, recoveredOnAttempt: Int64? = nil, lossReason: LossReason? = nil,
        outcomeAt: Date? = nil, sequence: Int64, withdrawn: Bool? = nil
    ) {
        self.paymentId = paymentId
        self.paymentAccountId = paymentAccountId
        self.amount = amount
        self.currency = currency
        self.declineCode = declineCode
        self.paymentMethod = paymentMethod
        self.transactionType = transactionType
        self.firstFailedAt = firstFailedAt
        self.status = status
        self.resolution = resolution
        self.recoveredOnAttempt = recoveredOnAttempt
        self.lossReason = lossReason
        self.outcomeAt = outcomeAt
        self.sequence = sequence
        self.withdrawn = withdrawn
    }
}

/// `recovery.churn-fact` v1: an account terminated for non-payment, or reactivated.
public struct RecoveryChurnFact: EventData, Equatable {
    public static var eventType: EventType { RecoveryEvents.churnFact }

    public var churnedAccountId: String
    public var terminated: Bool
    public var at: Date
    public var currency: String
    /// Its failed payments in `currency` not recovered at termination.
    public var unpaidAmount: Int64
    public var sequence: Int64

    public init(
        churnedAccountId: String, terminated: Bool, at: Date, currency: String, unpaidAmount: Int64, sequence: Int64
    ) {
        self.churnedAccountId = churnedAccountId
        self.terminated = terminated
        self.at = at
        self.currency = currency
        self.unpaidAmount = unpaidAmount
        self.sequence = sequence
    }
}

/// `recovery.partial-figures` v1: one stage-2 shard's figures for one day (stage 2 → 3).
public struct RecoveryPartialFigures: EventData, Equatable {
    public static var eventType: EventType { RecoveryEvents.partialFigures }

    public var shard: Int64
    public var revision: Int64
    /// A day's figures (`period` is `day`), of this shard's payments only.
    public var figures: RecoveryStatsUpdated

    public init(shard: Int64, revision: Int64, figures: RecoveryStatsUpdated) {
        self.shard = shard
        self.revision = revision
        self.figures = figures
    }
}

/// `recovery.day-figures` v1: one day's figures, every shard summed (stage 3 → 4).
public struct RecoveryDayFigures: EventData, Equatable {
    public static var eventType: EventType { RecoveryEvents.dayFigures }

    /// The sum of the day's shards' revisions: higher whenever one of them is.
    public var revision: Int64
    /// A day's figures (`period` is `day`).
    public var figures: RecoveryStatsUpdated

    public init(revision: Int64, figures: RecoveryStatsUpdated) {
        self.revision = revision
        self.figures = figures
    }
}

/// `recovery-stats.updated` v1: a merchant's figures for one currency and period.
public struct RecoveryStatsUpdated: EventData, Equatable {
    public static var eventType: EventType { RecoveryEvents.statsUpdated }

    public struct Tally: Codable, Sendable, Equatable {
        public var count: Int64
        public var amount: Int64
        public init(count: Int64 = 0, amount: Int64 = 0) {
            self.count = count
            self.amount = amount
        }
    }

    public struct Rate: Codable, Sendable, Equatable {
        public var failed: Int64
        public var recovered: Int64
        public init(failed: Int64 = 0, recovered: Int64 = 0) {
            self.failed = failed
            self.recovered = recovered
        }
    }

    public struct DaysToRecover: Codable, Sendable, Equatable {
        public var median: Int64?
        public var p90: Int64?
        /// Index d: recoveries d whole days after the first failure; the last, that many or more.
        public var histogram: [Int64]
        public init(median: Int64? = nil, p90: Int64? = nil, histogram: [Int64] = []) {
            self.median = median
            self.p90 = p90
            self.histogram = histogram
        }
    }

    public struct RecoveredWithin: Codable, Sendable, Equatable {
        public var days7: Int64
        public var days14: Int64
        public var days30: Int64
        public init(days7: Int64 = 0, days14: Int64 = 0, days30: Int64 = 0) {
            self.days7 = days7
            self.days14 = days14
            self.days30 = days30
        }
    }

    public struct Churn: Codable, Sendable, Equatable {
        public var accounts: Int64
        public var amount: Int64
        public init(accounts: Int64 = 0, amount: Int64 = 0) {
            self.accounts = accounts
            self.amount = amount
        }
    }

    public enum Period: String, SchemaEnum {
        case day, week
    }

    public var period: Period
    public var start: String
    public var week: String?
    public var currency: String
    public var opened: Tally
    public var recovered: Tally
    public var lost: Tally
    public var open: Tally
    public var recoveredByChannel: EventMap<Tally>
    public var lostByReason: EventMap<Tally>
    public var byDeclineCode: EventMap<Rate>
    public var byPaymentMethod: EventMap<Rate>
    public var byTransactionType: EventMap<Rate>
    public var recoveredByAttempt: EventMap<Tally>
    public var daysToRecover: DaysToRecover
    public var recoveredWithin: RecoveredWithin
    public var churn: Churn

    public init(period: Period, start: String, week: String? = nil, currency: String) {
        self.period = period
        self.start = start
        self.week = week
        self.currency = currency
        opened = Tally()
        recovered = Tally()
        lost = Tally()
        open = Tally()
        recoveredByChannel = EventMap()
        lostByReason = EventMap()
        byDeclineCode = EventMap()
        byPaymentMethod = EventMap()
        byTransactionType = EventMap()
        recoveredByAttempt = EventMap()
        daysToRecover = DaysToRecover()
        recoveredWithin = RecoveredWithin()
        churn = Churn()
    }
}
