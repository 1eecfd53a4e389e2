import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime
import RelanceTestSupport
import Testing

@testable import RecoveryStatsService

private let dayMs: Int64 = 86_400_000

@Suite("recovery-stats figures")
struct RecoveryFiguresTests {
    @Test("ISO weeks agree with Foundation's ISO 8601 calendar, year ends included")
    func isoWeeks() {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        // 2019-12-23 … 2028-01-10, a day at a time.
        for day in 18_253...20_828 {
            let parts = calendar.dateComponents(
                [.yearForWeekOfYear, .weekOfYear, .weekday], from: Date(timeIntervalSince1970: Double(day) * 86_400))
            let expected = String(format: "%04d-W%02d", parts.yearForWeekOfYear!, parts.weekOfYear!)
            #expect(RecoveryPeriods.day(Int64(day) * dayMs + 5) == day)
            #expect(
                RecoveryPeriods.weekKey(merchant: "m", currency: "EUR", day: day) == "m/EUR/\(expected)", "day \(day)")
            let monday = RecoveryPeriods.monday(day)
            #expect((monday...(monday + 6)).contains(day) && monday % 7 == 4)  // 1970-01-05 was a Monday
            #expect(RecoveryPeriods.day(of: RecoveryPeriods.date(day)) == day)
        }
        #expect(RecoveryPeriods.dayKey(merchant: "m", currency: "EUR", day: 20_759) == "m/EUR/2026-11-02")
        #expect(RecoveryPeriods.day(-1) == -1 && RecoveryPeriods.day(of: "2026-02-30") == nil)
        #expect(RecoveryPeriods.day(of: "2026-1-02") == nil && RecoveryPeriods.day(of: "x") == nil)
    }

    @Test("shards: stable FNV-1a of the id, spread over every shard, in the fact's key")
    func shards() {
        // FNV-1a 32 of "" is 2166136261 (0x811C9DC5), of "a" 0xE40C292C: fixed, not Hasher's per-run seed.
        #expect(RecoveryPeriods.shard("") == Int(2_166_136_261 % 16))
        #expect(RecoveryPeriods.shard("a") == Int(UInt32(0xE40C_292C) % 16))
        let used = Set((0..<1_000).map { RecoveryPeriods.shard("pay-\($0)") })
        #expect(used == Set(0..<RecoveryEvents.shards))
        let shard = RecoveryPeriods.shard("pay-7")
        #expect(
            RecoveryPeriods.factKey(merchant: "m-1", currency: "EUR", day: 20_759, id: "pay-7")
                == "m-1/EUR/2026-11-02/\(shard < 10 ? "0" : "")\(shard)")
    }

    @Test("median and p90 by nearest rank from the bounded histogram")
    func daysToRecover() {
        #expect(RecoveryAggregate.daysToRecover([]) == .init(histogram: []))
        // Days 1, 1, 2, 3, 3, 3, 7, 7, 9, 60+.
        var histogram = [Int64](repeating: 0, count: 61)
        for day in [1, 1, 2, 3, 3, 3, 7, 7, 9, 60] { histogram[day] += 1 }
        let figures = RecoveryAggregate.daysToRecover(histogram)
        #expect(figures.median == 3 && figures.p90 == 9 && figures.histogram.count == 61)
        // Counts too large to add up: no trap, no percentiles.
        #expect(RecoveryAggregate.daysToRecover([.max, 1]).median == nil)
    }

    static func payment(
        _ amount: Int64, _ status: RecoveryFailureFact.Status, resolution: RecoveryFailureFact.Resolution? = nil,
        reason: RecoveryFailureFact.LossReason? = nil, after days: Int64 = 0, code: String = "insufficient_funds",
        method: PaymentMethod = .card
    ) -> RecoveryAggregate.Payment {
        let first = 20_759 * dayMs + 3_600_000
        return RecoveryAggregate.Payment(
            RecoveryFailureFact(
                paymentId: "p", paymentAccountId: "a", amount: amount, currency: "EUR", declineCode: code,
                paymentMethod: method, transactionType: .subscription,
                firstFailedAt: Timestamp.date(milliseconds: first), status: status, resolution: resolution,
                recoveredOnAttempt: resolution == .automaticRetry ? 2 : nil, lossReason: reason,
                outcomeAt: Timestamp.date(milliseconds: first + days * dayMs), sequence: 1))
    }

    @Test("a day's figures: each payment where it stands, and the accounts terminated in it")
    func figures() throws {
        var day = RecoveryAggregate()
        try day.add(Self.payment(1_000, .recovered, resolution: .automaticRetry, after: 7), sign: 1)
        try day.add(Self.payment(2_000, .recovered, resolution: .cardUpdated, after: 15), sign: 1)
        try day.add(Self.payment(4_000, .lost, reason: .dismissed), sign: 1)
        try day.add(Self.payment(8_000, .open), sign: 1)
        try day.addChurn(500, sign: 1)
        let figures = day.figures(week: false, start: 20_759, currency: "EUR")
        #expect(figures.opened == .init(count: 4, amount: 15_000))
        #expect(figures.recovered == .init(count: 2, amount: 3_000) && figures.lost == .init(count: 1, amount: 4_000))
        #expect(figures.open == .init(count: 1, amount: 8_000))
        #expect(
            figures.recoveredByChannel.dictionary == [
                "automatic_retry": .init(count: 1, amount: 1_000), "card_updated": .init(count: 1, amount: 2_000),
            ])
        #expect(figures.lostByReason.dictionary == ["dismissed": .init(count: 1, amount: 4_000)])
        #expect(figures.recoveredByAttempt.dictionary == ["2": .init(count: 1, amount: 1_000)])
        #expect(figures.byDeclineCode.dictionary == ["insufficient_funds": .init(failed: 4, recovered: 2)])
        #expect(figures.recoveredWithin == .init(days7: 1_000, days14: 1_000, days30: 3_000))
        #expect(figures.daysToRecover.median == 7 && figures.daysToRecover.p90 == 15)
        #expect(figures.daysToRecover.histogram.count == 16)
        #expect(figures.churn == .init(accounts: 1, amount: 500))
        #expect(figures.start == "2026-11-02" && figures.week == nil && figures.period == .day)
        let week = day.figures(week: true, start: 20_759, currency: "EUR")
        #expect(week.week == "2026-W45" && week.period == .week)
        // Read back from its published form: the same.
        #expect(RecoveryAggregate(figures) == day)
        // Sums that do not fit are refused (a dead letter), never a trap.
        #expect(throws: MoneyOverflow.self) { try day.add(Self.payment(.max, .open), sign: 1) }
        var huge = RecoveryAggregate()
        huge.opened.count = .max
        #expect(throws: MoneyOverflow.self) { try day.add(huge, sign: 1) }
    }

    @Test("moving payments and summing shards give the figures of the final set, whatever the order")
    func incremental() throws {
        var random = SplitMix64(seed: 7)
        let statuses: [(RecoveryFailureFact.Status, RecoveryFailureFact.Resolution?, RecoveryFailureFact.LossReason?)] =
            [
                (.open, nil, nil), (.recovered, .automaticRetry, nil), (.recovered, .operatorRetry, nil),
                (.lost, nil, .dismissed), (.lost, nil, .accountTerminated),
            ]
        func randomPayment() -> RecoveryAggregate.Payment {
            let (status, resolution, reason) = statuses[Int.random(in: 0..<statuses.count, using: &random)]
            return Self.payment(
                Int64.random(in: 1...50_000, using: &random), status, resolution: resolution, reason: reason,
                after: Int64.random(in: 0...70, using: &random),
                code: ["a", "b", "c"][Int.random(in: 0..<3, using: &random)],
                method: [.card, .sepaDebit][Int.random(in: 0..<2, using: &random)])
        }
        // 400 payments, each moved a few times through 4 shards' aggregates.
        var current: [RecoveryAggregate.Payment] = []
        var shards = [RecoveryAggregate](repeating: RecoveryAggregate(), count: 4)
        for index in 0..<400 {
            var payment = randomPayment()
            try shards[index % 4].add(payment, sign: 1)
            for _ in 0..<Int.random(in: 0...3, using: &random) {
                let moved = randomPayment()
                try shards[index % 4].add(payment, sign: -1)
                try shards[index % 4].add(moved, sign: 1)
                payment = moved
            }
            current.append(payment)
        }
        var direct = RecoveryAggregate()
        for payment in current.shuffled(using: &random) { try direct.add(payment, sign: 1) }
        var summed = RecoveryAggregate()
        for shard in shards.shuffled(using: &random) { try summed.add(shard, sign: 1) }
        #expect(summed == direct)
        // Replacing a shard by a newer version of itself, as stage 3 does.
        var older = shards[2]
        try older.add(current[2], sign: -1)
        var week = RecoveryAggregate()
        for (index, shard) in shards.enumerated() { try week.add(index == 2 ? older : shard, sign: 1) }
        try week.add(older, sign: -1)
        try week.add(shards[2], sign: 1)
        #expect(week == direct)
        // Taking everything away leaves nothing: no zero entries left in the maps.
        for shard in shards { try summed.add(shard, sign: -1) }
        #expect(summed == RecoveryAggregate())
    }

    @Test("a shard's size estimate is never below its encoded state, ids and codes of any length")
    func sizeEstimate() throws {
        var random = SplitMix64(seed: 11)
        var state = RecoveryFiguresWorker.State()
        let statuses: [(RecoveryFailureFact.Status, RecoveryFailureFact.Resolution?, RecoveryFailureFact.LossReason?)] =
            [(.open, nil, nil), (.recovered, .automaticRetry, nil), (.lost, nil, .handedToCollections)]
        for n in 0..<500 {
            let (status, resolution, reason) = statuses[n % 3]
            let id = "pi_" + String(repeating: "x", count: Int.random(in: 1...60, using: &random)) + "\(n)"
            var payment = Self.payment(
                Int64.random(in: 0...999_999_999_999_999, using: &random), status, resolution: resolution,
                reason: reason, after: Int64.random(in: 0...400, using: &random),
                code: String(repeating: "c", count: Int.random(in: 1...40, using: &random)))
            payment.attempt = resolution == nil ? nil : Int64.random(in: 1...99, using: &random)
            let tracked = RecoveryFiguresWorker.Tracked(
                payment: payment, sequence: Int64.random(in: 1...9_999, using: &random), withdrawn: n % 7 == 0)
            state.payments[id] = tracked
            state.bytes += RecoveryFiguresWorker.estimatedBytes(id, tracked)
        }
        let encoded = try StateCoding.encode(state).count
        #expect(encoded <= state.bytes, "encoded \(encoded) bytes, estimated \(state.bytes)")
        // And not wildly above: the limit would waste the record.
        #expect(state.bytes < encoded * 2)
    }

    @Test("metric labels come from closed lists: no merchant, account or payment, unknown values as other")
    func metricLabels() {
        var payment = Self.payment(100, .recovered, resolution: .cardUpdated)
        func labels(_ currency: String = "EUR") -> [String] {
            RecoveryFiguresWorker.metricLabels(payment, currency: currency).map { "\($0.0)=\($0.1)" }
        }
        #expect(labels() == ["currency=EUR", "status=recovered", "detail=card_updated"])
        payment.status = .lost
        payment.lossReason = "acct-42 said so"
        #expect(labels("XXQ") == ["currency=other", "status=lost", "detail=other"])
        payment.status = .open
        #expect(labels("XXQ") == ["currency=other", "status=open", "detail=none"])
    }

    @Test("stage 1: the item's own outcome first, then a termination after the failure, else open")
    func standing() {
        let open = RecoveryStatsWorker.Followed(
            amount: 100, currency: "EUR", declineCode: "expired_card", method: .card, type: .subscription,
            firstFailedAt: 1_000)
        #expect(RecoveryStatsWorker.outcome(open, terminatedAt: nil).status == .open)
        #expect(RecoveryStatsWorker.outcome(open, terminatedAt: 999).status == .open, "terminated before it failed")
        let ended = RecoveryStatsWorker.outcome(open, terminatedAt: 5_000)
        #expect(ended.status == .lost && ended.lossReason == "account_terminated" && ended.outcomeAt == 5_000)
        var paid = open
        paid.resolution = "paid_another_way"
        paid.outcomeAt = 6_000
        #expect(RecoveryStatsWorker.outcome(paid, terminatedAt: 5_000).status == .recovered)
    }
}
