import Foundation
import RelanceDomain
import RelanceEvents
import Testing

private let dayMs: Int64 = 86_400_000

private func failure(
    _ id: String, invoiceDate: String = "2026-10-01", type: TransactionType = .installment,
    method: PaymentMethod = .card, code: String = "insufficient_funds", scheme: DeclineCodeScheme = .stripe
) -> FailedPayment {
    FailedPayment(
        paymentID: id, invoiceID: "inv-\(id)", invoiceDate: invoiceDate, type: type, method: method, amount: 4_900,
        currency: "EUR", customerName: "Camille Martin", reason: DeclineCodes.read(code, scheme: scheme), attempts: 1)
}

private func charges(_ effects: [RecoveryEffect]) -> [ChargeRequest] {
    effects.compactMap { if case .charge(let request) = $0 { request } else { nil } }
}

@Suite("Payment recovery rules")
struct PaymentRecoveryTests {
    let policy = RetryPolicy()

    @Test("003: retried on day 7 and 14, vendor told after the third failure, renewed once, not after collections")
    func installmentStory() throws {
        var account = PaymentRecovery()
        var effects = account.paymentFailed(failure("p1"), chargeRequestID: nil, policy: policy, now: 0)
        #expect(effects.contains(.scheduleRetry(paymentID: "p1", at: 7 * dayMs)))
        #expect(effects.contains { if case .notifyCustomerPaymentFailed = $0 { true } else { false } })

        var charge = try #require(charges(account.retryDue(paymentID: "p1")).first)
        #expect(charge.attempt == 2 && charge.cause == .schedule)
        effects = account.paymentFailed(
            failure("p1"), chargeRequestID: charge.chargeRequestID, policy: policy, now: 7 * dayMs)
        #expect(effects.contains(.scheduleRetry(paymentID: "p1", at: 14 * dayMs)))

        charge = try #require(charges(account.retryDue(paymentID: "p1")).first)
        #expect(charge.attempt == 3)
        effects = account.paymentFailed(
            failure("p1"), chargeRequestID: charge.chargeRequestID, policy: policy, now: 14 * dayMs)
        #expect(effects.contains { if case .notifyVendorAttemptsExhausted = $0 { true } else { false } })
        #expect(account.payments["p1"]?.attemptsExhausted == true && account.payments["p1"]?.nextAttemptAt == nil)
        // Nothing is due any more.
        #expect(account.retryDue(paymentID: "p1").isEmpty)

        // The vendor renews once: a fourth and final attempt.
        let renewal = try #require(charges(account.command(.renewPaymentPlan, paymentID: "p1", role: .owner)).first)
        #expect(renewal.attempt == 4 && renewal.cause == .renewal)
        _ = account.paymentFailed(
            failure("p1"), chargeRequestID: renewal.chargeRequestID, policy: policy, now: 15 * dayMs)
        #expect(
            account.command(.renewPaymentPlan, paymentID: "p1", role: .owner) == [
                .refused(command: "renew_payment_plan", reason: "the payment plan of p1 was already renewed once")
            ])
        // Handed over, it cannot be renewed (even had it not been renewed before).
        var other = PaymentRecovery()
        _ = other.paymentFailed(failure("p2"), chargeRequestID: nil, policy: RetryPolicy.exhaustedAtOnce, now: 0)
        _ = other.command(.handOverToCollections, paymentID: "p2", role: .admin)
        let refused = other.command(.renewPaymentPlan, paymentID: "p2", role: .owner)
        guard case .refused(_, let reason) = refused.first else {
            Issue.record("renewal after hand-over")
            return
        }
        #expect(reason.contains("collections"))
    }

    @Test("000: an expired card is not retried; a new card charges every open invoice, oldest first")
    func expiredCardStory() {
        var account = PaymentRecovery()
        let effects = account.paymentFailed(
            failure("p-new", invoiceDate: "2026-11-01", type: .payment, code: "expired_card"), chargeRequestID: nil,
            policy: policy, now: 0)
        #expect(!effects.contains { if case .scheduleRetry = $0 { true } else { false } })
        _ = account.paymentFailed(
            failure("p-old", invoiceDate: "2026-09-01", type: .subscription, code: "54", scheme: .iso8583),
            chargeRequestID: nil, policy: policy, now: 0)
        _ = account.paymentFailed(
            failure("p-refund", invoiceDate: "2026-08-01", type: .refund, code: "insufficient_funds"),
            chargeRequestID: nil,
            policy: policy, now: 0)
        #expect(account.payments["p-new"]?.waitingForNewPaymentMethod == true)
        let requests = charges(account.cardReplaced())
        #expect(requests.map(\.paymentID) == ["p-old", "p-new"])
        #expect(requests.allSatisfy { $0.cause == .cardReplaced })
        // The retries' outcome resolves the items.
        #expect(account.paymentSucceeded(paymentID: "p-old", how: "retry succeeded").count == 2)
        #expect(account.payments["p-old"]?.state == .resolved)
        #expect(account.payments["p-refund"]?.state == .open)
    }

    @Test("SEPA: AM04 is retried, MD01 is not; with retries off the order goes to collections")
    func sepa() {
        var account = PaymentRecovery()
        let am04 = account.paymentFailed(
            failure("s1", method: .sepaDebit, code: "AM04", scheme: .sepa), chargeRequestID: nil, policy: policy, now: 0
        )
        // 3 days later is Sunday 4 January 1970: a debit is collected on a TARGET2 business day,
        // Monday 5 January, even when the policy names no timing.
        #expect(am04.contains(.scheduleRetry(paymentID: "s1", at: 4 * dayMs)))
        let md01 = account.paymentFailed(
            failure("s2", method: .sepaDebit, code: "MD01", scheme: .sepa), chargeRequestID: nil, policy: policy, now: 0
        )
        #expect(!md01.contains { if case .scheduleRetry = $0 { true } else { false } })
        var off = RetryPolicy()
        off.directDebitRetries = false
        let handed = account.paymentFailed(
            failure("s3", method: .sepaDebit, code: "AM04", scheme: .sepa), chargeRequestID: nil, policy: off, now: 0)
        #expect(handed.contains { if case .handOver = $0 { true } else { false } })
    }

    @Test("a failed refund is an action-centre item, never retried, no customer email")
    func refund() {
        var account = PaymentRecovery()
        let effects = account.paymentFailed(
            failure("r1", type: .refund, code: "insufficient_funds"), chargeRequestID: nil, policy: policy, now: 0)
        #expect(effects.count == 1)
        guard case .item(let item) = effects.first else {
            Issue.record("no item")
            return
        }
        #expect(item.state == .open && item.type == .refund)
        #expect(account.retryDue(paymentID: "r1").isEmpty)
        #expect(charges(account.cardReplaced()).isEmpty)
    }

    @Test("every command, allowed and refused")
    func commands() throws {
        var account = PaymentRecovery()
        _ = account.paymentFailed(failure("c1"), chargeRequestID: nil, policy: policy, now: 0)
        _ = account.paymentFailed(failure("c2", type: .refund), chargeRequestID: nil, policy: policy, now: 0)
        _ = account.paymentFailed(failure("c3", type: .payment), chargeRequestID: nil, policy: policy, now: 0)

        // Roles.
        #expect(
            account.command(.handOverToCollections, paymentID: "c1", role: .billing) == [
                .refused(
                    command: "hand_over_to_collections", reason: "the billing role may not hand_over_to_collections")
            ])
        #expect(
            account.command(.retryNow, paymentID: "c1", role: .support).first
                == .refused(command: "retry_now", reason: "the support role may not retry_now"))
        // Retry now: pending until the outcome; a second one is refused meanwhile.
        let retry = charges(account.command(.retryNow, paymentID: "c1", role: .billing))
        #expect(retry.first?.cause == .operator && account.payments["c1"]?.state == .pending)
        #expect(
            account.command(.retryNow, paymentID: "c1", role: .billing).first
                == .refused(command: "retry_now", reason: "a charge for payment c1 is already pending"))
        // Change payment method: installments and subscriptions only; refunds refused with why.
        #expect(account.command(.changePaymentMethod(.sepaDebit), paymentID: "c1", role: .admin).count == 1)
        #expect(account.payments["c1"]?.method == .sepaDebit)
        guard
            case .refused(_, let why) = account.command(.changePaymentMethod(.card), paymentID: "c2", role: .admin)
                .first
        else {
            Issue.record("refund method change allowed")
            return
        }
        #expect(why.contains("refund"))
        guard case .refused = account.command(.changePaymentMethod(.card), paymentID: "c3", role: .admin).first
        else {
            Issue.record("one-off payment method change allowed")
            return
        }
        // Renew before the automatic attempts are over: refused.
        guard case .refused(_, let early) = account.command(.renewPaymentPlan, paymentID: "c3", role: .owner).first
        else {
            Issue.record("early renewal allowed")
            return
        }
        #expect(early.contains("not over"))
        // Dismiss, then nothing more.
        #expect(account.command(.dismiss(note: "paid by bank transfer"), paymentID: "c3", role: .billing).count == 2)
        #expect(
            account.payments["c3"]?.state == .dismissed
                && account.payments["c3"]?.closedBecause == "paid by bank transfer")
        guard case .refused = account.command(.retryNow, paymentID: "c3", role: .owner).first else {
            Issue.record("retry of a dismissed item")
            return
        }
        guard case .refused = account.command(.dismiss(note: nil), paymentID: "nope", role: .owner).first else {
            Issue.record("unknown payment")
            return
        }
        // Hand over.
        let handed = account.command(.handOverToCollections, paymentID: "c2", role: .owner)
        #expect(handed.contains { if case .handOver = $0 { true } else { false } })
    }

    @Test("a failure read late is retried from when it failed, never in the past; backoffs too")
    func scheduledFromTheEventsTime() throws {
        // Read 3 days after it failed: the retry is on day 7 after the failure, not day 10.
        var account = PaymentRecovery()
        var effects = account.paymentFailed(
            failure("late"), chargeRequestID: nil, policy: policy, now: 3 * dayMs, occurredAt: 0)
        #expect(effects.contains(.scheduleRetry(paymentID: "late", at: 7 * dayMs)))
        #expect(account.payments["late"]?.nextAttemptAt == 7 * dayMs)
        // Read 8 days after it failed: day 7 is past, so at once (now), not a week later.
        effects = account.paymentFailed(
            failure("later"), chargeRequestID: nil, policy: policy, now: 8 * dayMs, occurredAt: 0)
        #expect(effects.contains(.scheduleRetry(paymentID: "later", at: 8 * dayMs)))
        // The next retry counts from the failed retry's own time.
        let charge = try #require(charges(account.retryDue(paymentID: "late")).first)
        effects = account.paymentFailed(
            failure("late"), chargeRequestID: charge.chargeRequestID, policy: policy, now: 9 * dayMs,
            occurredAt: 7 * dayMs)
        #expect(effects.contains(.scheduleRetry(paymentID: "late", at: 14 * dayMs)))
        // A technical failure's backoff (1 minute) too, and an event from a clock ahead of ours
        // counts from now.
        effects = account.paymentFailed(
            failure("tech", code: "processing_error"), chargeRequestID: nil, policy: policy, now: 10_000,
            occurredAt: 0)
        #expect(effects.contains(.scheduleRetry(paymentID: "tech", at: 60_000)))
        #expect(PaymentRecovery.due(60_000, after: 5 * dayMs, now: dayMs) == dayMs + 60_000)
        // A charge's outcome never counts from before the charge (a gateway whose clock is behind).
        var other = PaymentRecovery()
        _ = other.paymentFailed(failure("g"), chargeRequestID: nil, policy: policy, now: 0, occurredAt: 0)
        let retry = try #require(charges(other.retryDue(paymentID: "g", now: 7 * dayMs)).first)
        effects = other.paymentFailed(
            failure("g"), chargeRequestID: retry.chargeRequestID, policy: policy, now: 7 * dayMs,
            occurredAt: 6 * dayMs)
        #expect(effects.contains(.scheduleRetry(paymentID: "g", at: 14 * dayMs)))
        #expect(other.payments["g"]?.chargedAt == nil, "forgotten with the outcome")
        // A price change asked 4 days before it was read lapses 10 days after it was asked.
        var prices = PriceUpdates()
        let request = PriceUpdateRequest(
            planID: "plan-1", currency: "EUR", currentAmount: 3_000, newAmount: 4_000, currentInstallments: 10,
            newInstallments: 10, currentInterval: "monthly", newInterval: "monthly", nextBillingDate: "2026-06-01")
        #expect(
            prices.request(request, now: 4 * dayMs, occurredAt: 0)
                == .awaitingConfirmation(request, expiresAt: 10 * dayMs))
    }

    @Test("a repeated failure event or a stale outcome changes nothing")
    func idempotent() throws {
        var account = PaymentRecovery()
        _ = account.paymentFailed(failure("d1"), chargeRequestID: nil, policy: policy, now: 0)
        #expect(account.paymentFailed(failure("d1"), chargeRequestID: nil, policy: policy, now: 0).isEmpty)
        let charge = try #require(charges(account.retryDue(paymentID: "d1")).first)
        #expect(account.paymentFailed(failure("d1"), chargeRequestID: "chg_other", policy: policy, now: 0).isEmpty)
        #expect(
            !account.paymentFailed(failure("d1"), chargeRequestID: charge.chargeRequestID, policy: policy, now: 0)
                .isEmpty)
        // The outcome of a charge another worker asked for (a prepaid recharge) is not adopted.
        #expect(
            account.paymentFailed(failure("topup-1"), chargeRequestID: "acct:topup-1", policy: policy, now: 0).isEmpty)
        #expect(account.payments["topup-1"] == nil)
    }
}

extension RetryPolicy {
    /// No automatic retry at all: the first failure exhausts the attempts.
    static var exhaustedAtOnce: RetryPolicy {
        var policy = RetryPolicy()
        policy.cardSoftDecline = try! RetrySchedule("none")
        return policy
    }
}

@Suite("Payments by other means")
struct OtherMeansTests {
    @Test("a payment of the invoice under another id resolves its open items; other invoices stay open")
    func otherMeans() {
        var account = PaymentRecovery()
        _ = account.paymentFailed(failure("p1"), chargeRequestID: nil, policy: RetryPolicy(), now: 0)
        _ = account.paymentFailed(failure("p2"), chargeRequestID: nil, policy: RetryPolicy(), now: 0)
        let effects = account.paymentSucceeded(paymentID: "bank-transfer-9", invoiceID: "inv-p1", how: "paid")
        #expect(effects.contains(.cancelRetry(paymentID: "p1")))
        #expect(account.payments["p1"]?.state == .resolved)
        #expect(account.payments["p1"]?.closedBecause == "invoice paid by other means (payment bank-transfer-9)")
        #expect(account.payments["p2"]?.state == .open)
        #expect(account.paymentSucceeded(paymentID: "unknown", invoiceID: "inv-none", how: "paid").isEmpty)
    }
}

@Suite("Price updates of plans (003)")
struct PriceUpdateTests {
    func request(new: Int64, installments: Int? = 10, interval: String = "monthly", currency: String = "EUR")
        -> PriceUpdateRequest
    {
        PriceUpdateRequest(
            planID: "plan-1", currency: currency, currentAmount: 3_000, newAmount: new, currentInstallments: 10,
            newInstallments: installments, currentInterval: "monthly", newInterval: interval,
            nextBillingDate: "2026-06-01")
    }

    @Test("30.00 paid on 1 May, 40.00 asked on 15 May and confirmed: charged from 1 June")
    func confirmed() {
        var updates = PriceUpdates()
        let may15: Int64 = 1_778_803_200_000
        #expect(
            updates.request(request(new: 4_000), now: may15)
                == .awaitingConfirmation(request(new: 4_000), expiresAt: may15 + 10 * 86_400_000))
        #expect(
            updates.confirm(planID: "plan-1", now: may15 + 9 * 86_400_000)
                == .applied(request(new: 4_000), effectiveFrom: "2026-06-01"))
        #expect(updates.pending.isEmpty)
    }

    @Test("the rules: at least 2.00, a different amount, same count and interval; unconfirmed after 10 days it lapses")
    func rules() {
        var updates = PriceUpdates()
        #expect(
            updates.request(request(new: 199), now: 0)
                == .refused(planID: "plan-1", reason: "the new amount 1.99 EUR is below the minimum of 2.00 EUR"))
        #expect(
            updates.request(request(new: 1, currency: "JPY"), now: 0)
                == .refused(planID: "plan-1", reason: "the new amount 1 JPY is below the minimum of 2 JPY"))
        #expect(
            updates.request(request(new: 3_000), now: 0)
                == .refused(planID: "plan-1", reason: "the new amount is the current amount"))
        #expect(
            updates.request(request(new: 4_000, installments: 12), now: 0)
                == .refused(planID: "plan-1", reason: "the number of installments cannot change"))
        #expect(
            updates.request(request(new: 4_000, interval: "weekly"), now: 0)
                == .refused(planID: "plan-1", reason: "the payment interval cannot change"))
        _ = updates.request(request(new: 200), now: 0)
        #expect(updates.confirm(planID: "plan-1", now: 10 * 86_400_000) == .lapsed(request(new: 200)))
        #expect(
            updates.confirm(planID: "plan-1", now: 10 * 86_400_000)
                == .refused(planID: "plan-1", reason: "no price change of plan plan-1 awaits confirmation"))
        _ = updates.request(request(new: 200), now: 0)
        #expect(updates.lapse(planID: "plan-1") == .lapsed(request(new: 200)))
    }
}
