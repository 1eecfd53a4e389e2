import Foundation
import RelanceDomain
import RelanceEvents
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
            let period = RecoveryFiguresWorker.Period.of(Int64(day) * dayMs + 5, currency: "EUR")
            let parts = calendar.dateComponents(
                [.yearForWeekOfYear, .weekOfYear, .weekday], from: Date(timeIntervalSince1970: Double(day) * 86_400))
            let expected = String(format: "%04d-W%02d", parts.yearForWeekOfYear!, parts.weekOfYear!)
            #expect(RecoveryFiguresWorker.key(period[1]) == "EUR/\(expected)", "day \(day)")
            #expect(period[0].start == day && period[1].days.contains(day) && period[1].start % 7 == 4)  // Mondays
        }
        #expect(RecoveryFiguresWorker.key(.init(currency: "EUR", week: false, start: 20_759)) == "EUR/2026-11-02")
    }

    @Test("median and p90 by nearest rank from the bounded histogram")
    func daysToRecover() {
        #expect(RecoveryFiguresWorker.daysToRecover([0, 0, 0]) == .init(histogram: []))
        // Days 1, 1, 2, 3, 3, 3, 7, 7, 9, 60+.
        var histogram = [Int64](repeating: 0, count: 61)
        for day in [1, 1, 2, 3, 3, 3, 7, 7, 9, 60] { histogram[day] += 1 }
        let figures = RecoveryFiguresWorker.daysToRecover(histogram)
        #expect(figures.median == 3 && figures.p90 == 9 && figures.histogram.count == 61)
    }

    @Test("a period counts each payment where it stands, and the accounts terminated in it")
    func figures() throws {
        var state = RecoveryFiguresWorker.State()
        let day: Int64 = 20_759 * dayMs
        func tracked(
            _ amount: Int64, _ status: RecoveryFailureFact.Status, resolution: String? = nil,
            reason: String? = nil, after days: Int64 = 0, currency: String = "EUR"
        ) -> RecoveryFiguresWorker.Tracked {
            .init(
                currency: currency, amount: amount, declineCode: "insufficient_funds", method: "card",
                type: "subscription",
                firstFailedAt: day + 3_600_000, status: status, resolution: resolution,
                attempt: resolution == "automatic_retry" ? 2 : nil, lossReason: reason,
                outcomeAt: day + 3_600_000 + days * dayMs, sequence: 1)
        }
        state.payments["a"] = tracked(1_000, .recovered, resolution: "automatic_retry", after: 7)
        state.payments["b"] = tracked(2_000, .recovered, resolution: "card_updated", after: 15)
        state.payments["c"] = tracked(4_000, .lost, reason: "dismissed")
        state.payments["d"] = tracked(8_000, .open)
        state.payments["e"] = tracked(16_000, .open, currency: "USD")
        state.churn["acct-9"] = .init(terminated: true, at: day + 5, amounts: ["EUR": 500], sequence: 1)
        state.churn["acct-8"] = .init(terminated: false, at: day + 5, amounts: [:], sequence: 2)
        let figures = try RecoveryFiguresWorker.figures(.init(currency: "EUR", week: false, start: 20_759), of: state)
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
        #expect(figures.churn == .init(accounts: 1, amount: 500))
        #expect(figures.start == "2026-11-02" && figures.week == nil && figures.period == .day)
        // Sums that do not fit are refused (a dead letter), never a trap.
        state.payments["f"] = tracked(.max, .open)
        #expect(throws: MoneyOverflow.self) {
            try RecoveryFiguresWorker.figures(.init(currency: "EUR", week: true, start: 20_759), of: state)
        }
    }

    @Test("metric labels come from closed lists: no merchant, account or payment, unknown values as other")
    func metricLabels() {
        var payment = RecoveryFiguresWorker.Tracked(
            currency: "EUR", amount: 100, declineCode: "x", method: "card", type: "payment", firstFailedAt: 0,
            status: .recovered, resolution: "card_updated", attempt: 2, lossReason: nil, outcomeAt: 1, sequence: 1)
        func labels() -> [String] { RecoveryFiguresWorker.metricLabels(payment).map { "\($0.0)=\($0.1)" } }
        #expect(labels() == ["currency=EUR", "status=recovered", "detail=card_updated"])
        payment.status = .lost
        payment.lossReason = "acct-42 said so"
        payment.currency = "XXQ"
        #expect(labels() == ["currency=other", "status=lost", "detail=other"])
        payment.status = .open
        #expect(labels() == ["currency=other", "status=open", "detail=none"])
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
