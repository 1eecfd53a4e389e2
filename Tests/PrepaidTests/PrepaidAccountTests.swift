import RelanceDomain
import RelanceEvents
import Testing

/// The prepaid rules without Kafka (seed 002).
@Suite("prepaid balance")
struct PrepaidAccountTests {
    static var policy: TopUpPolicy {
        var policy = TopUpPolicy()
        policy.rates = ["EUR": "0.61", "JPY": "104.5"]
        return policy
    }

    static func auto(threshold: Int64 = 1_000, amount: Int64 = 5_000, monthly: Int64? = nil) -> RechargeSettings {
        RechargeSettings(automatic: true, threshold: threshold, amount: amount, monthly: monthly)
    }

    @Test("minimums: 20 AUD by card, 200 AUD by transfer, carried into other currencies by the configured rates")
    func minimums() {
        let policy = Self.policy
        #expect(policy.minimum(.card, currency: "AUD") == 2_000)
        #expect(policy.minimum(.bankTransfer, currency: "AUD") == 20_000)
        #expect(policy.minimum(.bankTransfer, currency: "EUR") == 12_200, "200 × 0.61 = 122.00 EUR")
        #expect(policy.minimum(.card, currency: "JPY") == 2_090, "20 × 104.5 = 2,090 yen (no minor unit)")
        #expect(policy.minimum(.card, currency: "USD") == nil, "no rate configured: no guess")
    }

    @Test("below the threshold: one recharge, enough to come back to the threshold; nothing more while it is in flight")
    func threshold() {
        var account = PrepaidAccount()
        var effects = account.configure(Self.auto(), currency: "AUD", policy: Self.policy)
        guard case .charge(let first) = effects.last else {
            Issue.record("no recharge for an empty account below its threshold: \(effects)")
            return
        }
        #expect(first.amount == 5_000 && first.cause == .threshold)
        effects = account.deduct(300, policy: Self.policy)
        #expect(effects == [.balance], "a burst of usage while a recharge is in flight asks for nothing more")
        effects = account.charged(
            chargeRequestID: first.chargeRequestID, succeeded: true, reason: "", policy: Self.policy)
        #expect(account.balance == 4_700 && effects == [.balance])
        effects = account.deduct(4_000, policy: Self.policy)
        #expect(account.balance == 700)
        #expect(effects.contains { if case .charge(let t) = $0 { t.amount == 5_000 } else { false } })
        #expect(
            account.charged(chargeRequestID: "someone-else", succeeded: true, reason: "", policy: Self.policy).isEmpty)
    }

    @Test("a negative balance is corrected at once: the recharge covers the debt and the threshold")
    func negative() {
        var account = PrepaidAccount()
        _ = account.requestTopUp(2_000, method: .card, currency: "AUD", policy: Self.policy)
        _ = account.charged(
            chargeRequestID: account.charging!.chargeRequestID, succeeded: true, reason: "", policy: Self.policy)
        _ = account.configure(Self.auto(threshold: 1_000, amount: 2_500), currency: "AUD", policy: Self.policy)
        let effects = account.deduct(9_000, policy: Self.policy)
        #expect(account.balance == -7_000)
        guard case .charge(let topUp) = effects.last else {
            Issue.record("no correction of a negative balance")
            return
        }
        #expect(topUp.cause == .negativeBalance && topUp.amount == 8_000, "7,000 owed + the 1,000 threshold")
    }

    @Test("a failed recharge waits for a new card, then is charged again under a new idempotency key")
    func failedThenCardReplaced() {
        var account = PrepaidAccount()
        _ = account.configure(Self.auto(), currency: "AUD", policy: Self.policy)
        let first = account.charging!
        let effects = account.charged(
            chargeRequestID: first.chargeRequestID, succeeded: false, reason: "insufficient_funds", policy: Self.policy)
        #expect(effects == [.rechargeFailed(first, reason: "insufficient_funds")])
        #expect(account.deduct(100, policy: Self.policy) == [.balance], "no new recharge while one waits for a card")
        guard case .charge(let again) = account.cardReplaced().first else {
            Issue.record("the card was replaced and nothing was charged")
            return
        }
        #expect(again.invoiceID == first.invoiceID && again.chargeRequestID != first.chargeRequestID)
        #expect(account.cardReplaced().isEmpty, "a second card while the charge is in flight asks for nothing")
    }

    @Test("month end: the monthly recharge; deferred until a charge in flight is done")
    func monthly() {
        var account = PrepaidAccount()
        _ = account.requestTopUp(10_000, method: .card, currency: "AUD", policy: Self.policy)
        let manual = account.charging!
        _ = account.configure(Self.auto(threshold: 0, monthly: 3_000), currency: "AUD", policy: Self.policy)
        #expect(account.monthEnded(policy: Self.policy).isEmpty && account.monthlyDue)
        let effects = account.charged(
            chargeRequestID: manual.chargeRequestID, succeeded: true, reason: "", policy: Self.policy)
        #expect(
            effects.contains { if case .charge(let t) = $0 { t.cause == .monthly && t.amount == 3_000 } else { false } }
        )
    }

    @Test(
        "bank transfer: below 200 AUD or the equivalent refused; above, an invoice, credited when the transfer arrives")
    func bankTransfer() {
        var account = PrepaidAccount()
        let refused = account.requestTopUp(12_000, method: .bankTransfer, currency: "EUR", policy: Self.policy)
        #expect(refused.count == 1)
        if case .refused(let reason) = refused.first { #expect(reason.contains("12200")) }
        let effects = account.requestTopUp(15_000, method: .bankTransfer, currency: "EUR", policy: Self.policy)
        guard case .invoice(let topUp) = effects.first, effects.count == 1 else {
            Issue.record("a transfer top-up is invoiced, not charged: \(effects)")
            return
        }
        #expect(account.charging == nil && account.balance == 0)
        #expect(account.transferReceived(invoiceID: topUp.invoiceID, amount: 14_950) == [.balance])
        #expect(account.balance == 14_950, "what arrived, after the banks' fees")
        #expect(account.transferReceived(invoiceID: topUp.invoiceID, amount: 14_950).isEmpty, "credited once")
    }
}
