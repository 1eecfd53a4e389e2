import Foundation
import RelanceDomain
import RelanceEvents
import RelanceTestSupport
import Testing

private let hourMs: Int64 = 3_600_000
private let dayMs: Int64 = 86_400_000

/// An ISO 8601 instant in milliseconds.
private func ms(_ text: String) -> Int64 {
    Timestamp.milliseconds(EventValidator.parseUTCTimestamp(text) ?? Date(timeIntervalSince1970: 0))
}

private func failure(
    _ id: String, method: PaymentMethod = .card, code: String = "insufficient_funds", brand: String? = "visa",
    card: String? = "card-1", zone: String? = nil
) -> FailedPayment {
    var failed = FailedPayment(
        paymentID: id, invoiceID: "inv-\(id)", invoiceDate: "2026-10-01", type: .subscription, method: method,
        amount: 4_900, currency: "EUR", customerName: nil,
        reason: DeclineCodes.read(code, scheme: method == .sepaDebit ? .sepa : .stripe))
    if method == .card {
        failed.cardBrand = brand
        failed.cardID = card
    }
    failed.timeZone = zone
    return failed
}

private func charge(_ effects: [RecoveryEffect]) -> ChargeRequest? {
    effects.lazy.compactMap { if case .charge(let request) = $0 { request } else { nil } }.first
}

/// payment-retry's rules with a policy's timing and the card networks' limits
/// (docs/payment-retry.md, "Retry timing" and "Card network limits").
@Suite("Retry planning: timing and card network limits in payment-retry's rules")
struct RetryPlanningTests {
    static func policy(_ timing: RetryTiming?, zone: String? = "Europe/Paris") -> RetryPolicy {
        var policy = RetryPolicy()
        policy.timing = timing
        policy.timeZone = zone
        return policy
    }

    @Test("a card retry moved into the merchant's local window, the reason on the item; the customer's zone first")
    func window() throws {
        let timing = RetryTiming(window: try TimeWindow("02:00-05:00"))
        var account = PaymentRecovery()
        // Failed Monday 2026-11-02 10:00Z: due a week later, 11:00 in Paris, so 02:00 the next night.
        let failedAt = ms("2026-11-02T10:00:00Z")
        _ = account.paymentFailed(failure("p"), chargeRequestID: nil, policy: Self.policy(timing), now: failedAt)
        let item = try #require(account.payments["p"])
        #expect(item.nextAttemptAt == ms("2026-11-10T01:00:00Z"))
        #expect(item.nextAttemptReason?.contains("02:00-05:00") == true, "\(item.nextAttemptReason ?? "")")
        // A customer in New York: 02:00 there is 07:00Z.
        _ = account.paymentFailed(
            failure("q", card: "card-2", zone: "America/New_York"), chargeRequestID: nil, policy: Self.policy(timing),
            now: failedAt)
        #expect(account.payments["q"]?.nextAttemptAt == ms("2026-11-10T07:00:00Z"))
        // No timing: the schedule's offset, no reason.
        _ = account.paymentFailed(
            failure("r", card: "card-3"), chargeRequestID: nil, policy: RetryPolicy(), now: failedAt)
        #expect(account.payments["r"]?.nextAttemptAt == failedAt + 7 * dayMs)
        #expect(account.payments["r"]?.nextAttemptReason == nil)
    }

    @Test("a SEPA retry due on Good Friday 2027 waits for Tuesday: TARGET2 is closed until Easter Monday")
    func target2() throws {
        var account = PaymentRecovery()
        // AM04 on Tuesday 2027-03-23: the default schedule retries 3 days later, Friday the 26th.
        let effects = account.paymentFailed(
            failure("d", method: .sepaDebit, code: "AM04"), chargeRequestID: nil, policy: Self.policy(RetryTiming()),
            now: ms("2027-03-23T10:00:00Z"))
        let item = try #require(account.payments["d"])
        #expect(item.nextAttemptAt == ms("2027-03-29T22:00:00Z"))  // Tuesday 00:00 in Paris (summer time)
        #expect(item.nextAttemptReason?.contains("Good Friday") == true)
        #expect(item.nextAttemptReason?.contains("Easter Monday") == true)
        #expect(effects.contains(.scheduleRetry(paymentID: "d", at: ms("2027-03-29T22:00:00Z"))))
    }

    @Test("an insufficient-funds retry moved to the next payday when it is near")
    func payday() throws {
        let timing = RetryTiming(paydays: try Paydays(days: [1, 15], codes: ["insufficient_funds"]))
        var account = PaymentRecovery()
        _ = account.paymentFailed(
            failure("p"), chargeRequestID: nil, policy: Self.policy(timing), now: ms("2026-11-20T12:00:00Z"))
        // Due 2026-11-27 12:00Z; the 1 December window starts at midnight in Paris.
        #expect(account.payments["p"]?.nextAttemptAt == ms("2026-11-30T23:00:00Z"))
        #expect(account.payments["p"]?.nextAttemptReason?.contains("payday") == true)
        // Another decline reason keeps the schedule.
        _ = account.paymentFailed(
            failure("q", code: "do_not_honor", card: "card-2"), chargeRequestID: nil, policy: Self.policy(timing),
            now: ms("2026-11-20T12:00:00Z"))
        #expect(account.payments["q"]?.nextAttemptAt == ms("2026-11-27T12:00:00Z"))
    }

    @Test("Visa: an operator's retries stop at 15 reattempts in 30 days; the schedule's retry is deferred")
    func visaLimit() throws {
        var account = PaymentRecovery()
        // A schedule long enough to still plan a retry after sixteen attempts.
        var policy = RetryPolicy()
        policy.cardSoftDecline = try RetrySchedule(Array(repeating: "1d", count: 30).joined(separator: ","))
        var now = ms("2026-11-02T10:00:00Z")
        _ = account.paymentFailed(failure("p"), chargeRequestID: nil, policy: policy, now: now)
        for round in 1...15 {
            now += hourMs
            let retry = try #require(
                charge(account.command(.retryNow, paymentID: "p", role: .owner, now: now)), "retry \(round)")
            now += 60_000
            _ = account.paymentFailed(failure("p"), chargeRequestID: retry.chargeRequestID, policy: policy, now: now)
        }
        now += hourMs
        guard case .refused(_, let reason) = account.command(.retryNow, paymentID: "p", role: .owner, now: now).first
        else {
            Issue.record("a 16th reattempt in 30 days was made")
            return
        }
        #expect(reason.contains("Visa") && reason.contains("no charge on this card before"))
        // The retry the schedule planned after the last decline comes when the first one leaves the window.
        let item = try #require(account.payments["p"])
        let first = ms("2026-11-02T11:00:00Z")
        #expect(item.nextAttemptAt.map { $0 > first + 30 * dayMs - 1 } == true, "\(item.nextAttemptAt ?? 0)")
        #expect(item.nextAttemptReason?.contains("Visa excessive reattempts") == true)
        // When the timer fires early (a clock jump), it is deferred again, not charged.
        let early = account.retryDue(paymentID: "p", now: first + dayMs)
        #expect(charge(early) == nil && early.contains { if case .scheduleRetry = $0 { true } else { false } })
    }

    @Test("Mastercard advice 03 or 21: no retry on that card, the rule on the item; a new card is charged")
    func mastercardAdvice() throws {
        for advice in ["03", "21"] {
            var account = PaymentRecovery()
            let effects = account.paymentFailed(
                failure("p", brand: "mastercard"), chargeRequestID: nil, policy: RetryPolicy(), now: 0,
                merchantAdviceCode: advice)
            let item = try #require(account.payments["p"])
            #expect(item.nextAttemptAt == nil && item.waitingForNewPaymentMethod)
            #expect(item.retryBlockedBy?.contains(advice) == true, "\(item.retryBlockedBy ?? "")")
            #expect(!effects.contains { if case .scheduleRetry = $0 { true } else { false } })
            guard case .refused = account.command(.retryNow, paymentID: "p", role: .owner, now: hourMs).first else {
                Issue.record("an operator retry after advice \(advice)")
                return
            }
            let newCard = try #require(charge(account.cardReplaced(now: 2 * hourMs)))
            #expect(account.payments["p"]?.retryBlockedBy == nil)
            // The new card declines softly (no card id, the brand only): it is retried.
            _ = account.paymentFailed(
                failure("p", brand: "mastercard", card: nil), chargeRequestID: newCard.chargeRequestID,
                policy: RetryPolicy(), now: 3 * hourMs)
            #expect(account.payments["p"]?.nextAttemptAt != nil, "advice \(advice): the new card is not retried")
        }
        // Advice 01 (updated information) does not stop retries.
        var account = PaymentRecovery()
        _ = account.paymentFailed(
            failure("p", brand: "mastercard"), chargeRequestID: nil, policy: RetryPolicy(), now: 0,
            merchantAdviceCode: "01")
        #expect(account.payments["p"]?.nextAttemptAt == 7 * dayMs)
    }

    @Test("the configuration files: the default network table and a policy with timing follow their schemas")
    func configurationFiles() throws {
        let rules = try JSONReader.read(Array(JSONEncoder().encode(CardNetworkRules.defaults)))
        try ConfigurationFiles.cardNetworkRules.schema.validate(rules, path: "$")
        #expect(try CardNetworkRules.read(Data(rules.jsonBytes)) == CardNetworkRules.defaults)
        let file = Data(
            #"{"default": {"timeZone": "Europe/Paris", "timing": {"window": "02:00-05:00", "paydays": {"days": [1, 15], "codes": ["51"]}}}}"#
                .utf8)
        try ConfigurationFiles.retryPolicies.schema.validate(try JSONReader.read(Array(file)), path: "$")
        let policies = try RetryPolicies.read(file)
        #expect(policies.default.timing?.window == (try TimeWindow("02:00-05:00")))
        #expect(policies.default.zone(customer: nil).identifier == "Europe/Paris")
        #expect(policies.default.zone(customer: "Asia/Tokyo").identifier == "Asia/Tokyo")
        #expect(throws: (any Error).self) {
            try RetryPolicies.read(Data(#"{"default": {"timeZone": "Europe/Parris"}}"#.utf8))
        }
        #expect(throws: (any Error).self) {
            try ConfigurationFiles.cardNetworkRules.schema.validate(
                try JSONReader.read(Array(#"{"limit": {}}"#.utf8)), path: "$")
        }
    }

    @Test("no random storm of declines, timers and operator retries ever exceeds a network limit")
    func storms() throws {
        let rules = CardNetworkRules.defaults
        var total = 0
        for seed in UInt64(1)...150 {
            var random = SplitMix64(seed: seed)
            var account = PaymentRecovery()
            let brand = ["visa", "mastercard"][Int.random(in: 0...1, using: &random)]
            let network = CardNetwork(brand: CardBrand(brand))
            var policy = RetryPolicy()
            policy.cardSoftDecline = try RetrySchedule(
                [
                    "12h,12h,12h,12h,12h,12h,12h,12h,12h,12h,12h,12h", "1h,1h,1h,1h,1h,1h,1h,1h",
                    "8 tries within 2 days",
                ][
                    Int.random(in: 0...2, using: &random)])
            var now: Int64 = 1_790_000_000_000
            var charges: [Int64] = []
            var blocked = false
            var pending: [String: String] = [:]
            for step in 0..<400 {
                now += Int64.random(in: 0...(6 * hourMs), using: &random)
                let payment = "p\(Int.random(in: 0...2, using: &random))"
                var effects: [RecoveryEffect] = []
                switch Int.random(in: 0...9, using: &random) {
                case 0, 1, 2:
                    let advice = Int.random(in: 0..<120, using: &random) == 0 ? "03" : nil
                    effects = account.paymentFailed(
                        failure(payment, brand: brand), chargeRequestID: pending[payment], policy: policy, now: now,
                        networks: rules, merchantAdviceCode: advice)
                    pending[payment] = nil
                    // Mastercard's advice 03, when the decline was taken: no charge on the card any more.
                    if account.cards?["card-1"]?.neverRetryRule != nil { blocked = true }
                case 3, 4, 5:
                    if let due = account.payments[payment]?.nextAttemptAt, due <= now {
                        effects = account.retryDue(paymentID: payment, now: now, networks: rules)
                    }
                case 6, 7:
                    effects = account.command(.retryNow, paymentID: payment, role: .owner, now: now, networks: rules)
                case 8:
                    if let chargeID = pending[payment], Int.random(in: 0..<4, using: &random) == 0 {
                        effects = account.paymentSucceeded(
                            paymentID: payment, how: "paid", chargeRequestID: chargeID, now: now)
                        pending[payment] = nil
                    } else if Int.random(in: 0..<30, using: &random) == 0 {
                        // A new card: its first charges are not reattempts on the old one.
                        effects = account.cardReplaced(now: now)
                        blocked = false
                    }
                default:
                    // Timers that fire when they are due, late.
                    for (id, item) in account.payments where (item.nextAttemptAt ?? .max) <= now {
                        effects += account.retryDue(paymentID: id, now: now, networks: rules)
                    }
                }
                for case .charge(let request) in effects {
                    pending[request.paymentID] = request.chargeRequestID
                    guard request.cause != .cardReplaced else { continue }
                    #expect(!blocked, "seed \(seed) step \(step): a charge after advice 03")
                    charges.append(now)
                }
            }
            // At every charge, the reattempts within each limit's window before it are within
            // the limit, approvals or not (payment-retry counts a card's reattempts of all its
            // payments together: the strict reading).
            for limit in rules.limits(for: network) {
                let window = limit.windowSeconds * 1000
                for at in charges {
                    let counted = charges.filter { $0 <= at && $0 > at - window }.count
                    #expect(counted <= limit.maxAttempts, "seed \(seed): \(counted) charges within \(limit.name)")
                }
            }
            total += charges.count
        }
        // The storms reached the limits: reattempts were made, deferred and refused.
        #expect(total > 1_000, "\(total) reattempts in all")
    }
}
