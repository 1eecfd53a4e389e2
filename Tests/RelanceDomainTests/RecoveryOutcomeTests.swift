import Foundation
import RelanceDomain
import RelanceEvents
import Testing

private let dayMs: Int64 = 86_400_000

private func failure(_ id: String, method: PaymentMethod = .card, code: String = "insufficient_funds")
    -> FailedPayment
{
    FailedPayment(
        paymentID: id, invoiceID: "inv-\(id)", invoiceDate: "2026-10-01", type: .subscription, method: method,
        amount: 4_900, currency: "EUR", customerName: nil,
        reason: DeclineCodes.read(code, scheme: method == .sepaDebit ? .sepa : .stripe))
}

private func charge(_ effects: [RecoveryEffect]) -> ChargeRequest? {
    effects.lazy.compactMap { if case .charge(let request) = $0 { request } else { nil } }.first
}

/// The structured outcome payment-retry keeps on each item (docs/payment-retry.md, "Outcome").
@Suite("Payment recovery outcomes")
struct RecoveryOutcomeTests {
    let policy = RetryPolicy()

    @Test("each channel that resolves an item is recorded, with the attempt and when")
    func channels() throws {
        var account = PaymentRecovery()
        for id in ["auto", "op", "final", "other", "invoice"] {
            _ = account.paymentFailed(
                failure(id), chargeRequestID: nil,
                policy: id == "final" ? RetryPolicy.exhaustedAtOnce : policy, now: 2 * dayMs, occurredAt: dayMs)
            #expect(account.payments[id]?.firstFailedAt == dayMs)
        }
        // The automatic retry on day 8 (7 days after the failure) succeeds.
        let auto = try #require(charge(account.retryDue(paymentID: "auto", now: 8 * dayMs)))
        _ = account.paymentSucceeded(
            paymentID: "auto", how: "retry succeeded", chargeRequestID: auto.chargeRequestID, now: 9 * dayMs,
            occurredAt: 8 * dayMs + 5)
        // A new card (on an account of its own: it charges every open card item).
        var cardAccount = PaymentRecovery()
        _ = cardAccount.paymentFailed(
            failure("card", code: "expired_card"), chargeRequestID: nil, policy: policy, now: 2 * dayMs)
        let card = try #require(charge(cardAccount.cardReplaced(now: 3 * dayMs)))
        _ = cardAccount.paymentSucceeded(
            paymentID: "card", how: "retry succeeded", chargeRequestID: card.chargeRequestID, now: 3 * dayMs,
            occurredAt: 3 * dayMs)
        account.payments["card"] = cardAccount.payments["card"]
        // Retry now; the gateway's clock is behind: the outcome is not dated before the charge.
        let op = try #require(charge(account.command(.retryNow, paymentID: "op", role: .billing, now: 4 * dayMs)))
        _ = account.paymentSucceeded(
            paymentID: "op", how: "retry succeeded", chargeRequestID: op.chargeRequestID, now: 4 * dayMs,
            occurredAt: 3 * dayMs)
        // The final attempt after the automatic ones.
        #expect(account.payments["final"]?.lossReason == .retriesExhausted)
        let final = try #require(charge(account.command(.renewPaymentPlan, paymentID: "final", role: .owner)))
        _ = account.paymentSucceeded(
            paymentID: "final", how: "retry succeeded", chargeRequestID: final.chargeRequestID, now: 5 * dayMs)
        // Paid another way: the same payment id without a charge, and the invoice under another id.
        _ = account.paymentSucceeded(paymentID: "other", how: "paid by other means", now: 6 * dayMs)
        _ = account.paymentSucceeded(
            paymentID: "transfer-1", invoiceID: "inv-invoice", how: "paid by other means", now: 7 * dayMs)

        let outcome = { (id: String) in
            (
                account.payments[id]?.resolution, account.payments[id]?.recoveredOnAttempt,
                account.payments[id]?.outcomeAt
            )
        }
        #expect(outcome("auto") == (.automaticRetry, 2, 8 * dayMs + 5))
        #expect(outcome("card") == (.cardUpdated, 2, 3 * dayMs))
        #expect(outcome("op") == (.operatorRetry, 2, 4 * dayMs))
        #expect(outcome("final") == (.finalAttempt, 2, 5 * dayMs))
        #expect(outcome("other") == (.paidAnotherWay, nil, 6 * dayMs))
        #expect(outcome("invoice") == (.paidAnotherWay, nil, 7 * dayMs))
        // Recovered after all: no loss reason left.
        #expect(account.payments.values.allSatisfy { $0.lossReason == nil && $0.state == .resolved })
    }

    @Test("each loss reason: dismissed, handed to collections (vendor or policy), attempts exhausted")
    func losses() {
        var account = PaymentRecovery()
        _ = account.paymentFailed(failure("d"), chargeRequestID: nil, policy: policy, now: 0)
        _ = account.paymentFailed(failure("h"), chargeRequestID: nil, policy: RetryPolicy.exhaustedAtOnce, now: 0)
        var noDebits = RetryPolicy()
        noDebits.directDebitRetries = false
        _ = account.paymentFailed(
            failure("s", method: .sepaDebit, code: "AM04"), chargeRequestID: nil, policy: noDebits, now: dayMs)
        _ = account.command(.dismiss(note: "paid cash"), paymentID: "d", role: .billing, now: 2 * dayMs)
        #expect(account.payments["h"]?.lossReason == .retriesExhausted && account.payments["h"]?.outcomeAt == 0)
        _ = account.command(.handOverToCollections, paymentID: "h", role: .owner, now: 3 * dayMs)

        #expect(account.payments["d"]?.lossReason == .dismissed && account.payments["d"]?.outcomeAt == 2 * dayMs)
        #expect(account.payments["d"]?.closedBecause == "paid cash")
        #expect(
            account.payments["h"]?.lossReason == .handedToCollections && account.payments["h"]?.outcomeAt == 3 * dayMs)
        #expect(account.payments["s"]?.lossReason == .handedToCollections && account.payments["s"]?.outcomeAt == dayMs)
        #expect(account.payments.values.allSatisfy { $0.resolution == nil })
        // Still lost? A payment of the order handed over recovers it (paid another way).
        _ = account.paymentSucceeded(paymentID: "s", how: "paid", now: 4 * dayMs)
        #expect(account.payments["s"]?.resolution == .paidAnotherWay && account.payments["s"]?.lossReason == nil)
    }

    @Test("a dismissed item paid afterwards is recovered (paid another way), by its invoice or its own payment")
    func dismissedThenPaid() {
        var account = PaymentRecovery()
        _ = account.paymentFailed(failure("d1"), chargeRequestID: nil, policy: policy, now: 0)
        _ = account.paymentFailed(failure("d2"), chargeRequestID: nil, policy: policy, now: 0)
        _ = account.command(.dismiss(note: "will pay by transfer"), paymentID: "d1", role: .billing, now: dayMs)
        _ = account.command(.dismiss(note: nil), paymentID: "d2", role: .billing, now: dayMs)
        #expect(account.payments["d1"]?.lossReason == .dismissed)
        // The transfer arrives under its own payment id, naming d1's invoice.
        let effects = account.paymentSucceeded(
            paymentID: "transfer-1", invoiceID: "inv-d1", how: "paid", now: 9 * dayMs)
        #expect(effects.contains { if case .item(let item) = $0 { item.paymentID == "d1" } else { false } })
        #expect(account.payments["d1"]?.state == .resolved && account.payments["d1"]?.resolution == .paidAnotherWay)
        #expect(account.payments["d1"]?.lossReason == nil && account.payments["d1"]?.outcomeAt == 9 * dayMs)
        // d2's own payment succeeds later.
        _ = account.paymentSucceeded(paymentID: "d2", how: "paid", now: 10 * dayMs)
        #expect(account.payments["d2"]?.resolution == .paidAnotherWay && account.payments["d2"]?.state == .resolved)
        // A resolved item stays resolved: a second payment changes nothing.
        #expect(account.paymentSucceeded(paymentID: "d2", how: "paid", now: 11 * dayMs).isEmpty)
    }

    @Test("an item still open after a failed retry has no outcome yet")
    func stillOpen() throws {
        var account = PaymentRecovery()
        _ = account.paymentFailed(failure("p"), chargeRequestID: nil, policy: policy, now: 0)
        let retry = try #require(charge(account.retryDue(paymentID: "p", now: 7 * dayMs)))
        _ = account.paymentFailed(failure("p"), chargeRequestID: retry.chargeRequestID, policy: policy, now: 7 * dayMs)
        let item = try #require(account.payments["p"])
        #expect(item.resolution == nil && item.lossReason == nil && item.outcomeAt == nil && item.firstFailedAt == 0)
    }
}
