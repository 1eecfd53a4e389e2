import Foundation
import Metrics
import RelanceDomain
import RelanceEvents
import RelanceRuntime

/// recovery-stats, stage 2 (per merchant, like the digest): keeps the latest fact of each of
/// the merchant's failed payments and accounts terminated, and publishes the figures of each
/// currency and day (and ISO week) of first failure whose facts changed, to the compacted
/// `relance.recovery-stats` (docs/recovery-stats.md). A fact with a sequence not above the one
/// kept (a replay, a copy) changes nothing: each payment is counted once, where it stands now.
public struct RecoveryFiguresWorker: Worker {
    public struct Tracked: Codable, Sendable, Equatable {
        public var currency: String
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
        public var sequence: Int64
    }

    public struct Churned: Codable, Sendable, Equatable {
        public var terminated: Bool
        public var at: Int64
        public var amounts: [String: Int64]
        public var sequence: Int64
    }

    public struct State: Codable, Sendable {
        public var payments: [String: Tracked] = [:]
        public var churn: [String: Churned] = [:]
    }

    /// A period of first failures in one currency: what a published record covers.
    struct Period: Hashable, Comparable {
        var currency: String
        var week: Bool
        /// Days since 1970-01-01 of the period's first day (a Monday for a week).
        var start: Int

        var days: Range<Int> { start..<(start + (week ? 7 : 1)) }

        static func < (a: Period, b: Period) -> Bool {
            (a.currency, a.week ? 1 : 0, a.start) < (b.currency, b.week ? 1 : 0, b.start)
        }

        /// The day and the week of `milliseconds`.
        static func of(_ milliseconds: Int64, currency: String) -> [Period] {
            let day = Int(floorDiv(milliseconds, RecoveryFiguresWorker.dayMs))
            // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays.
            let monday = day - ((day + 3) % 7 + 7) % 7
            return [
                Period(currency: currency, week: false, start: day),
                Period(currency: currency, week: true, start: monday),
            ]
        }
    }

    static let dayMs: Int64 = 86_400_000
    /// Days-to-recover histogram buckets: 0…59 days, and 60 or more.
    static let histogramBuckets = 61

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    public var name = "recovery-stats-figures"
    public var inputTopics = [RecoveryEvents.factsTopic]
    public var outputTopics = [RecoveryEvents.statsTopic]

    public init() {}

    public func handle(_ event: Event<RecoveryFiguresInput>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        var merchant = state ?? State()
        var touched = Set<Period>()
        switch event.data {
        case .failure(let fact):
            let old = merchant.payments[fact.paymentId]
            if let old, old.sequence >= fact.sequence { return }  // a replay or an older fact: counted already
            let new = Tracked(
                currency: fact.currency, amount: fact.amount, declineCode: fact.declineCode,
                method: fact.paymentMethod.rawValue, type: fact.transactionType.rawValue,
                firstFailedAt: Timestamp.milliseconds(fact.firstFailedAt), status: fact.status,
                resolution: fact.resolution?.rawValue, attempt: fact.recoveredOnAttempt,
                lossReason: fact.lossReason?.rawValue, outcomeAt: fact.outcomeAt.map(Timestamp.milliseconds),
                sequence: fact.sequence)
            guard new != old else { return }
            if new.status != old?.status || new.resolution != old?.resolution || new.lossReason != old?.lossReason {
                Self.count(new)
            }
            for tracked in [old, new].compactMap({ $0 }) {
                touched.formUnion(Period.of(tracked.firstFailedAt, currency: tracked.currency))
            }
            merchant.payments[fact.paymentId] = new
        case .churn(let fact):
            let old = merchant.churn[fact.churnedAccountId]
            if let old, old.sequence >= fact.sequence { return }
            let new = Churned(
                terminated: fact.terminated, at: Timestamp.milliseconds(fact.at), amounts: fact.openAmounts.dictionary,
                sequence: fact.sequence)
            for churned in [old, new].compactMap({ $0 }) {
                for currency in churned.amounts.keys {
                    touched.formUnion(Period.of(churned.at, currency: currency))
                }
            }
            merchant.churn[fact.churnedAccountId] = new
        }
        for period in touched.sorted() {
            let figures: RecoveryStatsUpdated
            do {
                figures = try Self.figures(period, of: merchant)
            } catch {
                throw WorkerRejection(MoneyOverflow.code, "the figures of \(Self.key(period)) do not fit: \(error)")
            }
            let key = "\(context.accountID)/\(Self.key(period))"
            context.emit(figures, to: RecoveryEvents.statsTopic, key: key)
        }
        state = merchant
    }

    /// No timers: everything it publishes follows an input.
    public func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {}

    /// Prometheus: payments moved into a standing, and their amounts, with bounded labels only
    /// (currency, status, channel or loss reason; never a merchant, account or payment). A
    /// handler may run again after an aborted transaction, so these can count a move twice;
    /// the published figures are exact.
    static func count(_ payment: Tracked) {
        let labels = metricLabels(payment)
        Counter(label: "relance_recovery_payments_total", dimensions: labels).increment()
        Counter(label: "relance_recovery_amount_minor_total", dimensions: labels)
            .increment(by: Int64(clamping: max(0, payment.amount)))
    }

    /// The labels of a payment's move: values from closed lists only.
    static func metricLabels(_ payment: Tracked) -> [(String, String)] {
        let currency = Currency(code: payment.currency) == nil ? "other" : payment.currency
        let detail: String
        switch payment.status {
        case .open: detail = "none"
        case .recovered:
            detail = RecoveryFailureFact.Resolution(rawValue: payment.resolution ?? "")?.rawValue ?? "other"
        case .lost:
            detail = RecoveryFailureFact.LossReason(rawValue: payment.lossReason ?? "")?.rawValue ?? "other"
        }
        return [("currency", currency), ("status", payment.status.rawValue), ("detail", detail)]
    }

    /// `EUR/2026-11-02` for a day, `EUR/2026-W45` for an ISO week.
    static func key(_ period: Period) -> String {
        "\(period.currency)/\(period.week ? isoWeek(period.start) : date(period.start))"
    }

    static func date(_ days: Int) -> String {
        let (year, month, day) = Timestamp.civil(fromDays: days)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))"
    }

    /// ISO 8601 week of the week starting on Monday `monday`: the year of its Thursday.
    static func isoWeek(_ monday: Int) -> String {
        let thursday = monday + 3
        let year = Timestamp.civil(fromDays: thursday).year
        let week = (thursday - Timestamp.daysFromCivil(year: year, month: 1, day: 1)) / 7 + 1
        return "\(year)-W\(week < 10 ? "0" : "")\(week)"
    }

    /// The figures of `period`: every payment first failed in it, every account terminated in it.
    static func figures(_ period: Period, of merchant: State) throws(MoneyOverflow) -> RecoveryStatsUpdated {
        var figures = RecoveryStatsUpdated(
            period: period.week ? .week : .day, start: date(period.start),
            week: period.week ? isoWeek(period.start) : nil, currency: period.currency)
        func add(_ tally: inout RecoveryStatsUpdated.Tally, _ amount: Int64) throws(MoneyOverflow) {
            tally.count += 1
            tally.amount = try Money.add(tally.amount, amount)
        }
        typealias Tally = RecoveryStatsUpdated.Tally
        typealias Rate = RecoveryStatsUpdated.Rate
        var byChannel: [String: Tally] = [:]
        var byReason: [String: Tally] = [:]
        var byAttempt: [String: Tally] = [:]
        var byCode: [String: Rate] = [:]
        var byMethod: [String: Rate] = [:]
        var byType: [String: Rate] = [:]
        var histogram = [Int64](repeating: 0, count: histogramBuckets)
        let days = period.days
        for payment in merchant.payments.values
        where payment.currency == period.currency
            && days.contains(Int(floorDiv(payment.firstFailedAt, dayMs)))
        {
            try add(&figures.opened, payment.amount)
            let recovered = payment.status == .recovered
            byCode[payment.declineCode, default: Rate()].failed += 1
            byMethod[payment.method, default: Rate()].failed += 1
            byType[payment.type, default: Rate()].failed += 1
            switch payment.status {
            case .open:
                try add(&figures.open, payment.amount)
            case .lost:
                try add(&figures.lost, payment.amount)
                try add(&byReason[payment.lossReason ?? "unknown", default: Tally()], payment.amount)
            case .recovered:
                try add(&figures.recovered, payment.amount)
                try add(&byChannel[payment.resolution ?? "unknown", default: Tally()], payment.amount)
                if let attempt = payment.attempt {
                    try add(&byAttempt[String(attempt), default: Tally()], payment.amount)
                }
                let elapsed = max(0, (payment.outcomeAt ?? payment.firstFailedAt) - payment.firstFailedAt)
                histogram[Int(min(elapsed / dayMs, Int64(histogramBuckets - 1)))] += 1
                if elapsed <= 7 * dayMs {
                    figures.recoveredWithin.days7 = try Money.add(figures.recoveredWithin.days7, payment.amount)
                }
                if elapsed <= 14 * dayMs {
                    figures.recoveredWithin.days14 = try Money.add(figures.recoveredWithin.days14, payment.amount)
                }
                if elapsed <= 30 * dayMs {
                    figures.recoveredWithin.days30 = try Money.add(figures.recoveredWithin.days30, payment.amount)
                }
            }
            if recovered {
                byCode[payment.declineCode, default: Rate()].recovered += 1
                byMethod[payment.method, default: Rate()].recovered += 1
                byType[payment.type, default: Rate()].recovered += 1
            }
        }
        figures.recoveredByChannel = EventMap(byChannel)
        figures.lostByReason = EventMap(byReason)
        figures.recoveredByAttempt = EventMap(byAttempt)
        figures.byDeclineCode = EventMap(byCode)
        figures.byPaymentMethod = EventMap(byMethod)
        figures.byTransactionType = EventMap(byType)
        figures.daysToRecover = daysToRecover(histogram)
        for churned in merchant.churn.values
        where churned.terminated && days.contains(Int(floorDiv(churned.at, dayMs))) {
            guard let amount = churned.amounts[period.currency] else { continue }
            figures.churn.accounts += 1
            figures.churn.amount = try Money.add(figures.churn.amount, amount)
        }
        return figures
    }

    /// Median and p90 (nearest rank) read from the histogram; trailing empty buckets left out.
    static func daysToRecover(_ histogram: [Int64]) -> RecoveryStatsUpdated.DaysToRecover {
        let total = histogram.reduce(0, +)
        func rank(_ percent: Int64) -> Int64? {
            guard total > 0 else { return nil }
            let wanted = (total * percent + 99) / 100
            var seen: Int64 = 0
            for (days, count) in histogram.enumerated() {
                seen += count
                if seen >= wanted { return Int64(days) }
            }
            return nil
        }
        let used = (histogram.lastIndex { $0 > 0 } ?? -1) + 1
        return .init(median: rank(50), p90: rank(90), histogram: Array(histogram.prefix(used)))
    }
}

/// The facts stage 2 reads, decoded.
public enum RecoveryFiguresInput: WorkerInput {
    case failure(RecoveryFailureFact)
    case churn(RecoveryChurnFact)

    public static var eventTypes: [EventType] { [RecoveryEvents.failureFact, RecoveryEvents.churnFact] }

    public init(_ event: EventEnvelope) throws(EventDataError) {
        switch event.type {
        case "recovery.failure-fact": self = .failure(try event.decode())
        case "recovery.churn-fact": self = .churn(try event.decode())
        default: throw EventDataError(path: "type", problem: "\(event.type) is not a fact recovery-stats reads")
        }
    }
}
