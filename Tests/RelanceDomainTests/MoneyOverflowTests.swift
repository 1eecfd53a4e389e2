import Foundation
import RelanceDomain
import RelanceEvents
import Testing

/// Checked money: every sum and product of amounts in the domain, at the bound and at
/// Int64.max (what a state written before the bound may hold). An overflow is a refusal with
/// the code `amount_out_of_range`, never a trap.
@Suite("Checked money arithmetic")
struct MoneyOverflowTests {
    @Test("add, subtract, multiply and total report an overflow instead of trapping")
    func checkedOperations() throws {
        let bound = Money.maximumMinorUnits
        #expect(try Money.add(bound, bound) == 1_999_999_999_999_998)
        #expect(throws: MoneyOverflow.self) { try Money.add(.max, 1) }
        #expect(throws: MoneyOverflow.self) { try Money.subtract(.min, 1) }
        #expect(throws: MoneyOverflow.self) { try Money.multiply(bound, 10_000) }
        #expect(try Money.multiply(bound, 9_000) == 8_999_999_999_999_991_000)
        #expect(try Money.total([bound, bound, bound]) == 2_999_999_999_999_997)
        #expect(throws: MoneyOverflow.self) { try Money.total([Int64.max, 1]) }
        let error = #expect(throws: MoneyOverflow.self) { try Money.add(.max, 4_900) }
        #expect(error?.description == "9223372036854775807 + 4900 does not fit in a 64-bit count of minor units")
        #expect(MoneyOverflow.code == "amount_out_of_range")
    }

    @Test("the bound is exact in an IEEE double, and a share of it is computed exactly")
    func bound() {
        #expect(Money.maximumMinorUnits < 1 << 53)
        #expect(Int64(exactly: Double(Money.maximumMinorUnits)) == Money.maximumMinorUnits)
        // 3 % of 999,999,999,999,999 is 29,999,999,999,999.97: one minor unit more is not.
        #expect(Money.isShare(29_999_999_999_999, of: Money.maximumMinorUnits, atMostBasisPoints: 300))
        #expect(!Money.isShare(30_000_000_000_000, of: Money.maximumMinorUnits, atMostBasisPoints: 300))
        #expect(Money.isShare(.max, of: .max, atMostBasisPoints: 10_000))
        #expect(Money.isWithinBound(0) && Money.isWithinBound(Money.maximumMinorUnits))
        #expect(!Money.isWithinBound(-1) && !Money.isWithinBound(Money.maximumMinorUnits + 1))
    }

    @Test("the amount schema states the bound")
    func schema() {
        #expect(JSONSchema.amount().maximum == 999_999_999_999_999)
        #expect(JSONSchema.amount().minimum == 0)
    }

    // MARK: Prepaid

    @Test("prepaid deduct: a balance that would go below Int64.min is refused, unchanged")
    func prepaidDeduct() {
        var account = PrepaidAccount()
        _ = account.configure(RechargeSettings(), currency: "AUD", policy: TopUpPolicy())
        account.balance = -.max
        let effects = account.deduct(10, policy: TopUpPolicy())
        #expect(account.balance == -.max)
        #expect(Self.refusedOutOfRange(effects))
    }

    @Test("prepaid transfer received and card charge succeeded: a credit beyond Int64.max is refused, unchanged")
    func prepaidCredits() {
        var account = PrepaidAccount()
        let invoice = account.requestTopUp(20_000, method: .bankTransfer, currency: "AUD", policy: TopUpPolicy())
        guard case .invoice(let transfer)? = invoice.first else {
            Issue.record("no top-up invoice: \(invoice)")
            return
        }
        account.balance = .max - 5
        #expect(Self.refusedOutOfRange(account.transferReceived(invoiceID: transfer.invoiceID, amount: 20_000)))
        #expect(account.balance == .max - 5 && account.awaitingTransfer.count == 1, "still awaited")

        let charge = account.requestTopUp(2_000, method: .card, currency: "AUD", policy: TopUpPolicy())
        guard case .charge(let card)? = charge.last else {
            Issue.record("no card charge: \(charge)")
            return
        }
        let effects = account.charged(
            chargeRequestID: card.chargeRequestID, succeeded: true, reason: "", policy: TopUpPolicy())
        #expect(Self.refusedOutOfRange(effects))
        #expect(account.balance == .max - 5 && account.charging == card, "the charge is still the one in flight")
    }

    @Test("prepaid recharge back to the threshold: threshold − balance does not trap")
    func prepaidThreshold() {
        var account = PrepaidAccount()
        account.balance = -.max
        let effects = account.configure(
            RechargeSettings(automatic: true, threshold: Money.maximumMinorUnits, amount: 5_000), currency: "AUD",
            policy: TopUpPolicy())
        #expect(Self.refusedOutOfRange(effects))
        #expect(account.charging == nil)
    }

    @Test("prepaid minimum: minimum × rate × minor units does not fit → no minimum, not a trap")
    func prepaidMinimumProduct() {
        var policy = TopUpPolicy()
        policy.rates = ["EUR": "999999999.999999999"]
        #expect(policy.minimum(.card, currency: "EUR") == nil)
        policy.rates = ["EUR": "0.61"]
        policy.minimums = ["card": Money.maximumMinorUnits]
        #expect(policy.minimum(.card, currency: "EUR") == 610_000_000_000_000)
    }

    @Test("prepaid rate: whole × 10^digits does not fit → the configuration is refused, not a trap")
    func prepaidRateProduct() {
        let json = #"{"rates":{"EUR":"9223372036854775807.5"}}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(TopUpPolicy.self, from: Data(json.utf8)) }
    }

    static func refusedOutOfRange(_ effects: [PrepaidEffect]) -> Bool {
        effects.contains {
            if case .refused(let reason) = $0 { return reason.hasPrefix("amount_out_of_range") }
            return false
        }
    }

    // MARK: Reconciliation

    @Test("reconciliation add: an item taking its side's open total beyond the bound is refused")
    func ledgerAdd() throws {
        var ledger = ReconciliationLedger()
        try ledger.add(
            LedgerItem(id: "i-1", kind: .invoice, amount: Money.maximumMinorUnits, currency: "EUR", date: "2026-10-01"))
        let error = #expect(throws: LedgerError.self) {
            try ledger.add(LedgerItem(id: "i-2", kind: .invoice, amount: 1, currency: "EUR", date: "2026-10-02"))
        }
        #expect(error?.code == "amount_out_of_range")
        #expect(ledger.items.count == 1)
        // Another currency, another side: their own totals.
        try ledger.add(LedgerItem(id: "i-3", kind: .invoice, amount: 1, currency: "USD", date: "2026-10-02"))
        try ledger.add(
            LedgerItem(id: "p-1", kind: .payment, amount: Money.maximumMinorUnits, currency: "EUR", date: "2026-10-03"))
        let entry = ReconcilableEntry(ledger)
        #expect(entry.debitTotals["EUR"] == Money.maximumMinorUnits && entry.zeroBalance == false)
    }

    @Test("reconciliation totals: a state holding two debits of Int64.max lists them without trapping")
    func entryTotals() throws {
        func item(_ id: String, _ sequence: Int) -> String {
            #"{"id":"\#(id)","kind":"invoice","amount":9223372036854775807,"open":9223372036854775807,"#
                + #""currency":"EUR","date":"2026-10-01","sequence":\#(sequence)}"#
        }
        let state = #"{"items":[\#(item("a", 0)),\#(item("b", 1))],"nextSequence":2}"#
        let ledger = try JSONDecoder().decode(ReconciliationLedger.self, from: Data(state.utf8))
        let entry = ReconcilableEntry(ledger)
        #expect(entry.debitTotals["EUR"] == .max)
        #expect(entry.items.count == 2)
    }
}
