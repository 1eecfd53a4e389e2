import RelanceDomain
import RelanceEvents

/// The figures of a set of failed payments (and terminated accounts), kept so that one
/// payment's contribution, or another set's figures, can be added or taken away: stage 2 moves
/// a payment from one standing to another, stage 3 replaces a shard's day figures by newer ones.
/// Every member is a sum, so the figures of a week are the sum of its days' and a day's the sum
/// of its shards'. Entries whose count comes back to zero are removed: a published map names
/// only what the period holds.
public struct RecoveryAggregate: Codable, Sendable, Equatable {
    public typealias Tally = RecoveryStatsUpdated.Tally
    public typealias Rate = RecoveryStatsUpdated.Rate

    public var opened = Tally()
    public var recovered = Tally()
    public var lost = Tally()
    public var open = Tally()
    public var byChannel: [String: Tally] = [:]
    public var byReason: [String: Tally] = [:]
    public var byAttempt: [String: Tally] = [:]
    public var byCode: [String: Rate] = [:]
    public var byMethod: [String: Rate] = [:]
    public var byType: [String: Rate] = [:]
    /// Recoveries by whole days from the first failure; the last bucket, that many or more.
    public var histogram: [Int64] = []
    public var within = RecoveryStatsUpdated.RecoveredWithin()
    public var churn = RecoveryStatsUpdated.Churn()

    static let dayMs: Int64 = 86_400_000
    /// Days-to-recover histogram buckets: 0…59 days, and 60 or more.
    static let histogramBuckets = 61

    public init() {}

    /// What a payment counts for, as stage 2 keeps it.
    public struct Payment: Codable, Sendable, Equatable {
        public var amount: Int64
        public var declineCode: String
        public var method: String
        public var type: String
        public var firstFailedAt: Int64
        public var status: RecoveryFailureFact.Status
        public var resolution: String?
        public var attempt: Int64?
        public var lossReason: String?
        public var outcomeAt: Int64?

        /// Short names: stage 2 keeps thousands of these in one changelog record.
        enum CodingKeys: String, CodingKey {
            case amount = "a"
            case declineCode = "c"
            case method = "m"
            case type = "t"
            case firstFailedAt = "f"
            case status = "s"
            case resolution = "r"
            case attempt = "n"
            case lossReason = "l"
            case outcomeAt = "o"
        }

        public init(_ fact: RecoveryFailureFact) {
            amount = fact.amount
            declineCode = fact.declineCode
            method = fact.paymentMethod.rawValue
            type = fact.transactionType.rawValue
            firstFailedAt = Timestamp.milliseconds(fact.firstFailedAt)
            status = fact.status
            resolution = fact.resolution?.rawValue
            attempt = fact.recoveredOnAttempt
            lossReason = fact.lossReason?.rawValue
            outcomeAt = fact.outcomeAt.map(Timestamp.milliseconds)
        }
    }

    /// `a + sign × b`, counts included: a partial read from a topic is input, and its sums must
    /// refuse, not trap, when they do not fit.
    static func sum(_ a: Int64, _ sign: Int64, _ b: Int64) throws(MoneyOverflow) -> Int64 {
        try Money.add(a, try Money.multiply(sign, b))
    }

    /// `a + sign × b` for an amount: also refused past `Money.maximumMinorUnits`, which the
    /// next stage's schema would refuse.
    static func amountSum(_ a: Int64, _ sign: Int64, _ b: Int64) throws(MoneyOverflow) -> Int64 {
        let result = try sum(a, sign, b)
        guard result.magnitude <= UInt64(Money.maximumMinorUnits) else {
            throw MoneyOverflow("\(a) + \(sign) × \(b) > \(Money.maximumMinorUnits)")
        }
        return result
    }

    static func add(_ tally: inout Tally, _ sign: Int64, _ amount: Int64) throws(MoneyOverflow) {
        tally.count = try sum(tally.count, sign, 1)
        tally.amount = try amountSum(tally.amount, sign, amount)
    }

    static func add(_ map: inout [String: Tally], _ key: String, _ sign: Int64, _ amount: Int64)
        throws(MoneyOverflow)
    {
        var tally = map[key] ?? Tally()
        try add(&tally, sign, amount)
        map[key] = tally.count == 0 && tally.amount == 0 ? nil : tally
    }

    static func add(_ map: inout [String: Rate], _ key: String, _ sign: Int64, recovered: Bool)
        throws(MoneyOverflow)
    {
        var rate = map[key] ?? Rate()
        rate.failed = try sum(rate.failed, sign, 1)
        if recovered { rate.recovered = try sum(rate.recovered, sign, 1) }
        map[key] = rate.failed == 0 && rate.recovered == 0 ? nil : rate
    }

    /// Adds (`sign` 1) or takes away (`sign` -1) one payment's contribution.
    public mutating func add(_ payment: Payment, sign: Int64) throws(MoneyOverflow) {
        let amount = payment.amount
        try Self.add(&opened, sign, amount)
        let recoveredNow = payment.status == .recovered
        try Self.add(&byCode, payment.declineCode, sign, recovered: recoveredNow)
        try Self.add(&byMethod, payment.method, sign, recovered: recoveredNow)
        try Self.add(&byType, payment.type, sign, recovered: recoveredNow)
        switch payment.status {
        case .open:
            try Self.add(&open, sign, amount)
        case .lost:
            try Self.add(&lost, sign, amount)
            try Self.add(&byReason, payment.lossReason ?? "unknown", sign, amount)
        case .recovered:
            try Self.add(&recovered, sign, amount)
            try Self.add(&byChannel, payment.resolution ?? "unknown", sign, amount)
            if let attempt = payment.attempt { try Self.add(&byAttempt, String(attempt), sign, amount) }
            let elapsed = max(0, (payment.outcomeAt ?? payment.firstFailedAt) - payment.firstFailedAt)
            try addToHistogram(Int(min(elapsed / Self.dayMs, Int64(Self.histogramBuckets - 1))), sign)
            let signed = try Money.multiply(sign, amount)
            if elapsed <= 7 * Self.dayMs { within.days7 = try Self.amountSum(within.days7, 1, signed) }
            if elapsed <= 14 * Self.dayMs { within.days14 = try Self.amountSum(within.days14, 1, signed) }
            if elapsed <= 30 * Self.dayMs { within.days30 = try Self.amountSum(within.days30, 1, signed) }
        }
    }

    /// Adds or takes away one terminated account and what it still owed.
    public mutating func addChurn(_ unpaid: Int64, sign: Int64) throws(MoneyOverflow) {
        churn.accounts = try Self.sum(churn.accounts, sign, 1)
        churn.amount = try Self.amountSum(churn.amount, sign, unpaid)
    }

    mutating func addToHistogram(_ bucket: Int, _ count: Int64) throws(MoneyOverflow) {
        if histogram.count <= bucket { histogram += Array(repeating: 0, count: bucket + 1 - histogram.count) }
        histogram[bucket] = try Money.add(histogram[bucket], count)
        while histogram.last == 0 { histogram.removeLast() }
    }

    /// Adds (`sign` 1) or takes away (`sign` -1) another set's figures.
    public mutating func add(_ other: RecoveryAggregate, sign: Int64) throws(MoneyOverflow) {
        func tally(_ mine: inout Tally, _ theirs: Tally) throws(MoneyOverflow) {
            mine.count = try Self.sum(mine.count, sign, theirs.count)
            mine.amount = try Self.amountSum(mine.amount, sign, theirs.amount)
        }
        func tallies(_ mine: inout [String: Tally], _ theirs: [String: Tally]) throws(MoneyOverflow) {
            for (key, value) in theirs {
                var entry = mine[key] ?? Tally()
                try tally(&entry, value)
                mine[key] = entry.count == 0 && entry.amount == 0 ? nil : entry
            }
        }
        func rates(_ mine: inout [String: Rate], _ theirs: [String: Rate]) throws(MoneyOverflow) {
            for (key, value) in theirs {
                var entry = mine[key] ?? Rate()
                entry.failed = try Self.sum(entry.failed, sign, value.failed)
                entry.recovered = try Self.sum(entry.recovered, sign, value.recovered)
                mine[key] = entry.failed == 0 && entry.recovered == 0 ? nil : entry
            }
        }
        func amount(_ mine: inout Int64, _ theirs: Int64) throws(MoneyOverflow) {
            mine = try Self.amountSum(mine, sign, theirs)
        }
        try tally(&opened, other.opened)
        try tally(&recovered, other.recovered)
        try tally(&lost, other.lost)
        try tally(&open, other.open)
        try tallies(&byChannel, other.byChannel)
        try tallies(&byReason, other.byReason)
        try tallies(&byAttempt, other.byAttempt)
        try rates(&byCode, other.byCode)
        try rates(&byMethod, other.byMethod)
        try rates(&byType, other.byType)
        for (bucket, count) in other.histogram.enumerated() where count != 0 {
            try addToHistogram(bucket, try Money.multiply(sign, count))
        }
        try amount(&within.days7, other.within.days7)
        try amount(&within.days14, other.within.days14)
        try amount(&within.days30, other.within.days30)
        try amount(&churn.accounts, other.churn.accounts)
        try amount(&churn.amount, other.churn.amount)
    }

    /// The published form, for `period` starting on day `start` (days since 1970-01-01).
    public func figures(week: Bool, start: Int, currency: String) -> RecoveryStatsUpdated {
        var figures = RecoveryStatsUpdated(
            period: week ? .week : .day, start: RecoveryPeriods.date(start),
            week: week ? RecoveryPeriods.isoWeek(start) : nil, currency: currency)
        figures.opened = opened
        figures.recovered = recovered
        figures.lost = lost
        figures.open = open
        figures.recoveredByChannel = EventMap(byChannel)
        figures.lostByReason = EventMap(byReason)
        figures.recoveredByAttempt = EventMap(byAttempt)
        figures.byDeclineCode = EventMap(byCode)
        figures.byPaymentMethod = EventMap(byMethod)
        figures.byTransactionType = EventMap(byType)
        figures.daysToRecover = Self.daysToRecover(histogram)
        figures.recoveredWithin = within
        figures.churn = churn
        return figures
    }

    /// Read back from a published form (a shard's day figures, stage 2 → 3).
    public init(_ figures: RecoveryStatsUpdated) {
        opened = figures.opened
        recovered = figures.recovered
        lost = figures.lost
        open = figures.open
        byChannel = figures.recoveredByChannel.dictionary
        byReason = figures.lostByReason.dictionary
        byAttempt = figures.recoveredByAttempt.dictionary
        byCode = figures.byDeclineCode.dictionary
        byMethod = figures.byPaymentMethod.dictionary
        byType = figures.byTransactionType.dictionary
        histogram = figures.daysToRecover.histogram
        while histogram.last == 0 { histogram.removeLast() }
        within = figures.recoveredWithin
        churn = figures.churn
    }

    /// Median and p90 (nearest rank) read from the histogram.
    static func daysToRecover(_ histogram: [Int64]) -> RecoveryStatsUpdated.DaysToRecover {
        var total: Int64 = 0
        for count in histogram {
            let (sum, overflow) = total.addingReportingOverflow(max(0, count))
            guard !overflow else { return .init(histogram: histogram) }
            total = sum
        }
        func rank(_ percent: Int64) -> Int64? {
            guard total > 0 else { return nil }
            // ⌈total × percent / 100⌉ without overflowing.
            let wanted = total / 100 * percent + (total % 100 * percent + 99) / 100
            var seen: Int64 = 0
            for (days, count) in histogram.enumerated() {
                seen += max(0, count)
                if seen >= wanted { return Int64(days) }
            }
            return nil
        }
        return .init(median: rank(50), p90: rank(90), histogram: histogram)
    }
}

/// Days, ISO weeks and the keys of recovery-stats' topics.
public enum RecoveryPeriods {
    static let dayMs: Int64 = 86_400_000

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// Days since 1970-01-01 of the instant `milliseconds` (UTC).
    public static func day(_ milliseconds: Int64) -> Int { Int(floorDiv(milliseconds, dayMs)) }

    /// The Monday of `day`'s ISO week (1970-01-01 was a Thursday).
    public static func monday(_ day: Int) -> Int { day - ((day + 3) % 7 + 7) % 7 }

    public static func date(_ days: Int) -> String {
        let (year, month, day) = Timestamp.civil(fromDays: days)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))"
    }

    /// The day of a `YYYY-MM-DD` date, nil if it is not one.
    public static func day(of date: String) -> Int? {
        let parts = date.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        let days = Timestamp.daysFromCivil(year: year, month: month, day: day)
        return Self.date(days) == date ? days : nil
    }

    /// ISO 8601 week of the week starting on Monday `monday`: the year of its Thursday.
    public static func isoWeek(_ monday: Int) -> String {
        let thursday = monday + 3
        let year = Timestamp.civil(fromDays: thursday).year
        let week = (thursday - Timestamp.daysFromCivil(year: year, month: 1, day: 1)) / 7 + 1
        return "\(year)-W\(week < 10 ? "0" : "")\(week)"
    }

    /// The shard of a payment or account id: FNV-1a of its bytes, modulo `RecoveryEvents.shards`.
    /// Stable across runs and machines (unlike `Hasher`).
    public static func shard(_ id: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in id.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return Int(hash % UInt32(RecoveryEvents.shards))
    }

    /// `merchant/EUR/2026-11-02/07`: a fact's key (stage 1 → 2), by the first failure's day
    /// (the termination's, for churn) and the payment's (account's) shard.
    public static func factKey(merchant: String, currency: String, day: Int, id: String) -> String {
        let shard = shard(id)
        return "\(merchant)/\(currency)/\(date(day))/\(shard < 10 ? "0" : "")\(shard)"
    }

    /// `merchant/EUR/2026-W45`: a week's key (partials, stage 2 → 3; and a week's figures).
    public static func weekKey(merchant: String, currency: String, day: Int) -> String {
        "\(merchant)/\(currency)/\(isoWeek(monday(day)))"
    }

    /// `merchant/EUR/2026-11-02`: a day's figures.
    public static func dayKey(merchant: String, currency: String, day: Int) -> String {
        "\(merchant)/\(currency)/\(date(day))"
    }
}
