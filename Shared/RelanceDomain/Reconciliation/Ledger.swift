import RelanceEvents

/// Debits and credits of one account, as reconciliation sees them (seed 004, section 3).
///
/// Debits are what the customer owes: invoices and refunds paid out to them. Credits are what
/// the customer has given or been granted: payments and credit notes. An item stays open until
/// allocations cover it; allocations never cross currencies and go oldest first.
public struct LedgerItem: Sendable, Codable, Equatable {
    /// Unique within the account: the invoice, refund, payment or credit note id.
    public var id: String
    public var kind: LedgerItemKind
    /// The item's amount, minor units, > 0.
    public var amount: Int64
    /// What is not reconciled yet, 0...amount.
    public var open: Int64
    public var currency: String
    /// ISO date (YYYY-MM-DD): oldest first.
    public var date: String
    /// Arrival order within the account: breaks ties between items of one date.
    public var sequence: Int
    /// The number printed on the invoice, the bank reference, the credit note's number.
    public var reference: String?
    /// Set while an upcoming scheduled payment will pay this invoice: then it does not count
    /// as unreconciled, and "reconcile" leaves it to the schedule.
    public var schedule: String?
    /// The late fees added to this invoice (`invoice.fee-added` ids; nil: none): in `amount`.
    public var fees: [String]?

    public init(
        id: String, kind: LedgerItemKind, amount: Int64, currency: String, date: String, reference: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.amount = amount
        self.open = amount
        self.currency = currency
        self.date = date
        self.sequence = 0
        self.reference = reference
    }

    public var side: LedgerSide { kind.side }

    /// Paid, partly paid or open, by what is still open of it.
    public var status: InvoiceStatus { open == 0 ? .paid : open < amount ? .partiallyPaid : .open }

    /// Open and not left to a scheduled payment.
    public var isUnreconciled: Bool { open > 0 && schedule == nil }

    /// Oldest first: date, then arrival.
    static func older(_ a: LedgerItem, _ b: LedgerItem) -> Bool { (a.date, a.sequence) < (b.date, b.sequence) }
}

/// Money moved from a credit to a debit: one per (credit, debit, amount).
public struct Allocation: Sendable, Codable, Equatable {
    public var creditID: String
    public var creditKind: LedgerItemKind
    public var debitID: String
    public var debitKind: LedgerItemKind
    public var amount: Int64
    public var currency: String

    public init(
        creditID: String, creditKind: LedgerItemKind, debitID: String, debitKind: LedgerItemKind, amount: Int64,
        currency: String
    ) {
        self.creditID = creditID
        self.creditKind = creditKind
        self.debitID = debitID
        self.debitKind = debitKind
        self.amount = amount
        self.currency = currency
    }
}

public enum InvoiceStatus: String, Sendable, Codable {
    case open
    case partiallyPaid = "partially_paid"
    case paid
}

/// Why a ledger event is refused (it goes to the dead-letter topic with this reason).
public struct LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var message: String
    /// The invoice not found, for `unknown_invoice`: it may still be on its way.
    public var invoiceID: String?
    public var description: String { "\(code): \(message)" }

    public init(code: String, message: String, invoiceID: String? = nil) {
        self.code = code
        self.message = message
        self.invoiceID = invoiceID
    }

    static func unknownInvoice(_ id: String) -> LedgerError {
        LedgerError(code: "unknown_invoice", message: "no invoice \(id) on this account", invoiceID: id)
    }
    static func currencyMismatch(_ item: String, _ currency: String, invoice: String, _ invoiceCurrency: String)
        -> LedgerError
    {
        LedgerError(
            code: "currency_mismatch",
            message:
                "\(item) is in \(currency) but invoice \(invoice) is in \(invoiceCurrency): never matched across currencies"
        )
    }
    static func duplicate(_ kind: LedgerItemKind, _ id: String) -> LedgerError {
        LedgerError(code: "duplicate_item", message: "\(kind.rawValue) \(id) is already on this account")
    }
}

/// One account's ledger and its rules.
public struct ReconciliationLedger: Sendable, Codable, Equatable {
    /// Open items, and the most recently closed ones (so that a payment to a paid invoice, or
    /// the same payment id again, is recognised).
    public private(set) var items: [LedgerItem] = []
    var nextSequence = 0

    /// Closed items kept: older closed items are dropped to bound the state.
    public static let closedKept = 32

    public init() {}

    /// The item with this id (of this kind: an invoice and a payment may share an id).
    public func item(_ id: String, kind: LedgerItemKind? = nil) -> LedgerItem? {
        items.first { $0.id == id && (kind == nil || $0.kind == kind) }
    }

    /// Adds a debit or credit. The same kind and id twice is refused (a duplicate payment id),
    /// and so is an item that would take the open total of its side and currency beyond
    /// `Money.maximumMinorUnits`: that total is published as an amount (checked sums, never a trap).
    public mutating func add(_ item: LedgerItem) throws(LedgerError) {
        guard self.item(item.id, kind: item.kind) == nil else { throw .duplicate(item.kind, item.id) }
        let others = items.lazy.filter { $0.side == item.side && $0.currency == item.currency }.map(\.open)
        let total = try? Money.add(Money.total(others), item.amount)
        guard let total, total <= Money.maximumMinorUnits else {
            throw LedgerError(
                code: MoneyOverflow.code,
                message:
                    "\(item.kind.rawValue) \(item.id) of \(item.amount) would take the open \(item.side.rawValue) total in "
                    + "\(item.currency) beyond \(Money.maximumMinorUnits) minor units")
        }
        var item = item
        item.open = item.amount
        item.sequence = nextSequence
        nextSequence += 1
        items.append(item)
    }

    /// A payment (a succeeded retry, a transfer) that names the invoice it pays: allocated to
    /// that invoice first; what exceeds the invoice's open amount stays as an open credit (an
    /// over-payment).
    public mutating func pay(_ credit: LedgerItem, invoice invoiceID: String) throws(LedgerError) -> [Allocation] {
        try pay(credit, invoices: [(invoiceID, nil)])
    }

    /// A payment that names the invoices it pays, with the amount for each when known (an
    /// accepted proof's matches): each invoice up to its amount, in the order given; the rest
    /// stays as an open credit. Every invoice must be on the account, in the payment's currency.
    public mutating func pay(_ credit: LedgerItem, invoices targets: [(id: String, amount: Int64?)])
        throws(LedgerError) -> [Allocation]
    {
        for target in targets {
            guard let invoice = item(target.id, kind: .invoice) else { throw .unknownInvoice(target.id) }
            guard invoice.currency == credit.currency else {
                throw .currencyMismatch(credit.id, credit.currency, invoice: target.id, invoice.currency)
            }
        }
        try add(credit)
        var allocations: [Allocation] = []
        for target in targets {
            allocations += allocate(
                credits: [(credit.id, credit.kind)], debits: [(target.id, .invoice)], limit: target.amount)
        }
        return allocations
    }

    /// A payment that names no invoice: allocated to the oldest open debits of its currency.
    public mutating func payOldestFirst(_ credit: LedgerItem) throws(LedgerError) -> [Allocation] {
        try add(credit)
        let debits = unreconciled(.debit, currency: credit.currency).map { ($0.id, $0.kind) }
        return allocate(credits: [(credit.id, credit.kind)], debits: debits)
    }

    /// A late fee (`invoice.fee-added`) on an invoice: it adds to what the invoice owes (its
    /// amount and what is open of it), so that a payment allocated to the invoice covers the fee
    /// too. The same fee id twice changes nothing (false), and so does a fee on an invoice already
    /// settled here (nothing open: a transfer or credit note reconciled it before dunning, which
    /// learns it from the allocation, added the fee; a fee never reopens a paid invoice). Refused: an
    /// invoice not on the account (it may still come), another currency, a sum beyond
    /// `Money.maximumMinorUnits` (checked, never a trap).
    public mutating func addFee(id feeID: String, invoice invoiceID: String, amount: Int64, currency: String)
        throws(LedgerError) -> Bool
    {
        guard let index = items.firstIndex(where: { $0.id == invoiceID && $0.kind == .invoice }) else {
            throw .unknownInvoice(invoiceID)
        }
        let invoice = items[index]
        guard invoice.currency == currency else {
            throw .currencyMismatch("fee \(feeID)", currency, invoice: invoiceID, invoice.currency)
        }
        guard !(invoice.fees ?? []).contains(feeID), invoice.open > 0 else { return false }
        let others = items.lazy.filter { $0.side == .debit && $0.currency == currency }.map(\.open)
        let total = try? Money.add(Money.total(others), amount)
        let newAmount = try? Money.add(invoice.amount, amount)
        guard amount >= 0, let total, let newAmount, total <= Money.maximumMinorUnits,
            newAmount <= Money.maximumMinorUnits
        else {
            throw LedgerError(
                code: MoneyOverflow.code,
                message: "fee \(feeID) of \(amount) would take invoice \(invoiceID) or the open debit total in "
                    + "\(currency) beyond \(Money.maximumMinorUnits) minor units")
        }
        items[index].amount = newAmount
        items[index].open += amount
        items[index].fees = (invoice.fees ?? []) + [feeID]
        return true
    }

    /// An upcoming scheduled payment covers the invoice (or no longer does, `schedule` nil).
    public mutating func cover(invoice invoiceID: String, schedule: String?) throws(LedgerError) {
        guard let index = items.firstIndex(where: { $0.id == invoiceID && $0.kind == .invoice }) else {
            throw .unknownInvoice(invoiceID)
        }
        items[index].schedule = schedule
    }

    /// "Reconcile": in each currency, the open credits go to the open debits, both oldest
    /// first, partial amounts allowed. Invoices left to a scheduled payment are not touched.
    public mutating func reconcile() -> [Allocation] {
        var allocations: [Allocation] = []
        for currency in currencies {
            allocations += allocate(
                credits: unreconciled(.credit, currency: currency).map { ($0.id, $0.kind) },
                debits: unreconciled(.debit, currency: currency).map { ($0.id, $0.kind) })
        }
        return allocations
    }

    /// Unreconciled items of one side and currency, oldest first.
    public func unreconciled(_ side: LedgerSide, currency: String) -> [LedgerItem] {
        items.filter { $0.side == side && $0.currency == currency && $0.isUnreconciled }.sorted(by: LedgerItem.older)
    }

    /// Whether any credit is still unreconciled: without one the account is not reconcilable
    /// (`ReconcilableEntry.listed`), whatever its debits, so its entry need not be built.
    public var hasUnreconciledCredit: Bool {
        items.contains { $0.side == .credit && $0.isUnreconciled }
    }

    /// The currencies of the unreconciled items, sorted.
    public var currencies: [String] {
        Array(Set(items.filter(\.isUnreconciled).map(\.currency))).sorted()
    }

    public func status(ofInvoice id: String) -> InvoiceStatus? {
        item(id, kind: .invoice)?.status
    }

    /// Moves money from the credits to the debits in the order given (each list oldest first;
    /// one currency), at most `limit` in all, then drops the oldest closed items beyond
    /// `closedKept`.
    mutating func allocate(
        credits: [(id: String, kind: LedgerItemKind)], debits: [(id: String, kind: LedgerItemKind)],
        limit: Int64? = nil
    ) -> [Allocation] {
        var left = limit ?? .max
        var index: [String: Int] = [:]
        for (i, item) in items.enumerated() { index["\(item.kind.rawValue):\(item.id)"] = i }
        var allocations: [Allocation] = []
        var debits = debits.compactMap { index["\($0.kind.rawValue):\($0.id)"] }[...]
        for creditIndex in credits.compactMap({ index["\($0.kind.rawValue):\($0.id)"] }) {
            while items[creditIndex].open > 0, left > 0, let debitIndex = debits.first {
                let amount = min(items[creditIndex].open, items[debitIndex].open, left)
                left -= amount
                if amount > 0 {
                    items[creditIndex].open -= amount
                    items[debitIndex].open -= amount
                    allocations.append(
                        Allocation(
                            creditID: items[creditIndex].id, creditKind: items[creditIndex].kind,
                            debitID: items[debitIndex].id, debitKind: items[debitIndex].kind, amount: amount,
                            currency: items[debitIndex].currency))
                }
                if items[debitIndex].open == 0 { debits = debits.dropFirst() }
            }
        }
        let closed = items.filter { $0.open == 0 }
        if closed.count > Self.closedKept {
            let dropped = Set(
                closed.sorted(by: LedgerItem.older).prefix(closed.count - Self.closedKept).map(\.sequence))
            items.removeAll { dropped.contains($0.sequence) }
        }
        return allocations
    }
}

/// The account's entry in the reconcilable-accounts list (seed 004, section 3).
public struct ReconcilableEntry: Sendable, Equatable {
    /// Listed only with at least one unreconciled debit AND one unreconciled credit in one
    /// currency (credits and debits of different currencies are never matched).
    public var listed: Bool
    /// Unreconciled items (debits and credits, every currency).
    public var items: [LedgerItem]
    /// Per currency: unreconciled debit and credit totals.
    public var debitTotals: [String: Int64]
    public var creditTotals: [String: Int64]
    /// Debits equal credits in every currency: the simplest to reconcile.
    public var zeroBalance: Bool

    /// The list's order as one sortable string: zero-balance accounts first, then fewest
    /// items. "0-000002" sorts before "1-000001".
    public var sortKey: String {
        let count = String(items.count)
        return (zeroBalance ? "0-" : "1-") + String(repeating: "0", count: max(0, 6 - count.count)) + count
    }

    public init(_ ledger: ReconciliationLedger) {
        items = ledger.items.filter(\.isUnreconciled).sorted(by: LedgerItem.older)
        var debits: [String: Int64] = [:]
        var credits: [String: Int64] = [:]
        // Checked: `add` keeps each total within the bound; only a state written before that
        // check could hold totals beyond Int64, and they are shown as Int64.max, not a trap.
        for item in items {
            if item.side == .debit {
                debits[item.currency] = (try? Money.add(debits[item.currency, default: 0], item.open)) ?? .max
            } else {
                credits[item.currency] = (try? Money.add(credits[item.currency, default: 0], item.open)) ?? .max
            }
        }
        debitTotals = debits
        creditTotals = credits
        listed = debits.keys.contains { credits[$0] != nil }
        zeroBalance = Set(debits.keys).union(credits.keys).allSatisfy {
            debits[$0, default: 0] == credits[$0, default: 0]
        }
    }
}
