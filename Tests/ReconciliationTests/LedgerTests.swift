import PropertyBased
import RelanceDomain
import RelanceEvents
import Testing

/// The reconciliation rules without Kafka (seed 004, section 3).
@Suite("reconciliation ledger")
struct LedgerTests {
    static func invoice(_ id: String, _ amount: Int64, _ date: String, _ currency: String = "EUR") -> LedgerItem {
        LedgerItem(id: id, kind: .invoice, amount: amount, currency: currency, date: date)
    }
    static func creditNote(_ id: String, _ amount: Int64, _ date: String, _ currency: String = "EUR") -> LedgerItem {
        LedgerItem(id: id, kind: .creditNote, amount: amount, currency: currency, date: date)
    }
    static func payment(_ id: String, _ amount: Int64, _ date: String, _ currency: String = "EUR") -> LedgerItem {
        LedgerItem(id: id, kind: .payment, amount: amount, currency: currency, date: date)
    }

    @Test(
        "cause 1, cancelled services: an unapplied credit note makes the account reconcilable; reconcile pays the invoice"
    )
    func cancelledServices() throws {
        var ledger = ReconciliationLedger()
        try ledger.add(Self.invoice("inv-1", 4_900, "2026-09-01"))
        #expect(!ReconcilableEntry(ledger).listed, "only a debit: not listed")
        #expect(!ledger.hasUnreconciledCredit)
        try ledger.add(Self.creditNote("cn-1", 4_900, "2026-09-10"))
        #expect(ledger.hasUnreconciledCredit)
        let entry = ReconcilableEntry(ledger)
        #expect(entry.listed && entry.zeroBalance && entry.items.count == 2)
        #expect(entry.debitTotals == ["EUR": 4_900] && entry.creditTotals == ["EUR": 4_900])
        #expect(entry.items.map(\.id) == ["inv-1", "cn-1"], "the entry says which items are open")
        let allocations = ledger.reconcile()
        #expect(
            allocations == [
                Allocation(
                    creditID: "cn-1", creditKind: .creditNote, debitID: "inv-1", debitKind: .invoice, amount: 4_900,
                    currency: "EUR")
            ])
        #expect(ledger.status(ofInvoice: "inv-1") == .paid)
        #expect(!ReconcilableEntry(ledger).listed, "reconciled: it leaves the list")
        #expect(!ledger.hasUnreconciledCredit, "the credit note is used up")
        #expect(ReconcilableEntry(ledger).items.isEmpty)
    }

    @Test("cause 2, a partly cancelled contract: the credit covers part of the invoice, which stays partly paid")
    func partlyCancelledContract() throws {
        var ledger = ReconciliationLedger()
        try ledger.add(Self.invoice("inv-1", 30_000, "2026-09-01"))  // three services
        try ledger.add(Self.creditNote("cn-1", 10_000, "2026-09-15"))  // one of them cancelled
        let entry = ReconcilableEntry(ledger)
        #expect(entry.listed && !entry.zeroBalance && entry.sortKey == "1-000002")
        #expect(ledger.reconcile().map(\.amount) == [10_000])
        #expect(ledger.status(ofInvoice: "inv-1") == .partiallyPaid)
        #expect(ledger.item("inv-1")?.open == 20_000)
        #expect(!ReconcilableEntry(ledger).listed, "only a debit is left")
    }

    @Test("cause 3, an administrative oversight: an over-payment's credit waits until a new invoice, then applies")
    func administrativeOversight() throws {
        var ledger = ReconciliationLedger()
        try ledger.add(Self.invoice("inv-1", 10_000, "2026-09-01"))
        let paid = try ledger.pay(Self.payment("pay-1", 15_000, "2026-09-05"), invoice: "inv-1")
        #expect(paid.map(\.amount) == [10_000] && ledger.status(ofInvoice: "inv-1") == .paid)
        #expect(ledger.item("pay-1")?.open == 5_000, "the over-payment stays as a credit")
        #expect(!ReconcilableEntry(ledger).listed, "only a credit: not listed")
        try ledger.add(Self.invoice("inv-2", 8_000, "2026-10-01"))
        #expect(ReconcilableEntry(ledger).listed)
        #expect(ledger.reconcile().map(\.amount) == [5_000])
        #expect(ledger.status(ofInvoice: "inv-2") == .partiallyPaid && ledger.item("inv-2")?.open == 3_000)
    }

    @Test("oldest first: a payment naming no invoice pays the oldest debits, partly the last one")
    func oldestFirst() throws {
        var ledger = ReconciliationLedger()
        try ledger.add(Self.invoice("inv-new", 1_000, "2026-10-01"))
        try ledger.add(Self.invoice("inv-old", 1_000, "2026-08-01"))
        try ledger.add(Self.invoice("inv-mid", 1_000, "2026-09-01"))
        let allocations = try ledger.payOldestFirst(Self.payment("pay-1", 2_500, "2026-10-05"))
        #expect(allocations.map(\.debitID) == ["inv-old", "inv-mid", "inv-new"])
        #expect(allocations.map(\.amount) == [1_000, 1_000, 500])
        #expect(ledger.status(ofInvoice: "inv-new") == .partiallyPaid)
    }

    @Test("an invoice an upcoming scheduled payment will pay does not count, until the schedule lets go of it")
    func scheduledInvoice() throws {
        var ledger = ReconciliationLedger()
        try ledger.add(Self.invoice("inv-1", 2_000, "2026-09-01"))
        try ledger.cover(invoice: "inv-1", schedule: "sub-1")
        try ledger.add(Self.creditNote("cn-1", 2_000, "2026-09-02"))
        #expect(!ReconcilableEntry(ledger).listed)
        #expect(ledger.reconcile().isEmpty, "reconcile leaves it to the schedule")
        try ledger.cover(invoice: "inv-1", schedule: nil)
        #expect(ReconcilableEntry(ledger).listed)
    }

    @Test("never across currencies: a EUR debit and a USD credit are not reconcilable")
    func currencies() throws {
        var ledger = ReconciliationLedger()
        try ledger.add(Self.invoice("inv-1", 2_000, "2026-09-01", "EUR"))
        try ledger.add(Self.creditNote("cn-1", 2_000, "2026-09-02", "USD"))
        let entry = ReconcilableEntry(ledger)
        #expect(!entry.listed && entry.items.count == 2)
        #expect(ledger.reconcile().isEmpty)
        try ledger.add(Self.creditNote("cn-2", 500, "2026-09-03", "EUR"))
        #expect(ReconcilableEntry(ledger).listed)
        #expect(ledger.reconcile().map(\.currency) == ["EUR"])
    }

    @Test("the list's order: zero-balance accounts first, then fewest items")
    func order() throws {
        var zero = ReconciliationLedger()
        try zero.add(Self.invoice("i1", 100, "2026-09-01"))
        try zero.add(Self.invoice("i2", 100, "2026-09-01"))
        try zero.add(Self.creditNote("c1", 200, "2026-09-02"))
        var few = ReconciliationLedger()
        try few.add(Self.invoice("i1", 100, "2026-09-01"))
        try few.add(Self.creditNote("c1", 50, "2026-09-02"))
        var many = few
        try many.add(Self.invoice("i2", 100, "2026-09-03"))
        let keys = [many, zero, few].map { ReconcilableEntry($0).sortKey }
        #expect(keys.sorted() == [zero, few, many].map { ReconcilableEntry($0).sortKey })
    }

    @Test("an invoice and the payment that pays it may share an id: ids are unique per kind")
    func idsPerKind() throws {
        var ledger = ReconciliationLedger()
        try ledger.add(Self.invoice("topup-1", 5_000, "2026-10-01"))
        let paid = try ledger.pay(Self.payment("topup-1", 5_000, "2026-10-01"), invoice: "topup-1")
        #expect(paid.map(\.amount) == [5_000] && ledger.status(ofInvoice: "topup-1") == .paid)
        #expect(throws: LedgerError.self) { try ledger.add(Self.payment("topup-1", 5_000, "2026-10-02")) }
    }

    @Test("refused: a payment to an unknown invoice, in another currency, or with an id already on the account")
    func refusals() throws {
        var ledger = ReconciliationLedger()
        try ledger.add(Self.invoice("inv-1", 1_000, "2026-09-01"))
        #expect(throws: LedgerError.self) { try ledger.pay(Self.payment("p", 1_000, "2026-09-02"), invoice: "inv-9") }
        do {
            _ = try ledger.pay(Self.payment("p", 1_000, "2026-09-02", "USD"), invoice: "inv-1")
            Issue.record("a USD payment was applied to a EUR invoice")
        } catch {
            #expect(error.code == "currency_mismatch")
        }
        _ = try ledger.pay(Self.payment("p", 400, "2026-09-02"), invoice: "inv-1")
        do {
            _ = try ledger.pay(Self.payment("p", 400, "2026-09-03"), invoice: "inv-1")
            Issue.record("the same payment id was applied twice")
        } catch {
            #expect(error.code == "duplicate_item")
        }
        #expect(ledger.item("inv-1")?.open == 600, "nothing of the refused payments was applied")
    }

    // MARK: Properties over random ledgers

    /// A random item: kind, amount, currency, day.
    static let itemGen = zip(
        Gen.element(of: LedgerItemKind.allCases), Gen.int(in: 1...50_000), Gen.element(of: ["EUR", "USD", "JPY"]),
        Gen.int(in: 1...28)
    ).array(of: 0...30)

    static func ledger(_ specs: [(LedgerItemKind?, Int, String?, Int)]) -> ReconciliationLedger {
        var ledger = ReconciliationLedger()
        for (n, (kind, amount, currency, day)) in specs.enumerated() {
            let date = "2026-09-" + (day < 10 ? "0" : "") + String(day)
            try? ledger.add(
                LedgerItem(id: "item-\(n)", kind: kind!, amount: Int64(amount), currency: currency!, date: date))
        }
        return ledger
    }

    @Test("random ledgers: allocations balance, no money is created or lost, never across currencies, oldest first")
    func properties() async {
        await propertyCheck(count: 300, input: Self.itemGen) { specs in
            let before = Self.ledger(specs)
            var after = before
            let allocations = after.reconcile()
            for allocation in allocations {
                let credit = before.item(allocation.creditID)!
                let debit = before.item(allocation.debitID)!
                #expect(credit.side == .credit && debit.side == .debit)
                #expect(credit.currency == allocation.currency && debit.currency == allocation.currency)
                #expect(allocation.amount > 0)
            }
            for item in before.items {
                // Each item's open amount went down by exactly what was allocated from or to it.
                let moved = allocations.filter { $0.creditID == item.id || $0.debitID == item.id }.reduce(0) {
                    $0 + $1.amount
                }
                let open = after.item(item.id)?.open ?? 0
                #expect(open == item.open - moved && open >= 0 && open <= item.amount)
            }
            for currency in before.currencies {
                // Debits and credits fell by the same sum, and afterwards one side is empty.
                let allocated = allocations.filter { $0.currency == currency }.reduce(0) { $0 + $1.amount }
                func openSum(_ ledger: ReconciliationLedger, _ side: LedgerSide) -> Int64 {
                    ledger.unreconciled(side, currency: currency).reduce(0) { $0 + $1.open }
                }
                #expect(openSum(before, .debit) - openSum(after, .debit) == allocated)
                #expect(openSum(before, .credit) - openSum(after, .credit) == allocated)
                #expect(
                    after.unreconciled(.debit, currency: currency).isEmpty
                        || after.unreconciled(.credit, currency: currency).isEmpty)
                // Oldest first: no debit received money while an older one of its currency stays open,
                // and no credit gave money while an older one kept some.
                for side in [LedgerSide.debit, .credit] {
                    let ordered = before.unreconciled(side, currency: currency)
                    let touched = Set(allocations.map { side == .debit ? $0.debitID : $0.creditID })
                    if let last = ordered.lastIndex(where: { touched.contains($0.id) }) {
                        for older in ordered[..<last] {
                            #expect((after.item(older.id)?.open ?? 0) == 0, "\(older.id) skipped")
                        }
                    }
                }
            }
            #expect(!ReconcilableEntry(after).listed, "after reconcile nothing is left to match")
        }
    }
}
