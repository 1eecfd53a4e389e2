import Foundation
import RelanceEvents

/// What a proof says about one payment, from structured fields or read out of a statement.
public struct ProofFields: Sendable, Equatable, Codable {
    public var payerName: String?
    public var payeeName: String?
    /// yyyy-MM-dd
    public var transactionDate: String?
    public var amount: Int64?
    public var currency: String?
    /// An amount the statement gives with more decimals than the currency has.
    public var inexactAmount: String?
    public var transactionID: String?
    public var description: String?
    public var payerAccount: String?
    public var payeeAccount: String?
    /// true: the bank booked the transfer; false: pending or information only; nil: unknown.
    public var booked: Bool?
    /// Other references the text of the proof carries (end-to-end id, bank reference…), searched
    /// for invoice numbers along with the description.
    public var references: [String] = []

    public init(
        payerName: String? = nil, payeeName: String? = nil, transactionDate: String? = nil, amount: Int64? = nil,
        currency: String? = nil, transactionID: String? = nil, description: String? = nil,
        payerAccount: String? = nil, payeeAccount: String? = nil, booked: Bool? = nil
    ) {
        self.payerName = payerName
        self.payeeName = payeeName
        self.transactionDate = transactionDate
        self.amount = amount
        self.currency = currency
        self.transactionID = transactionID
        self.description = description
        self.payerAccount = payerAccount
        self.payeeAccount = payeeAccount
        self.booked = booked
    }

    /// Fills what this proof lacks from `other` (a submission's typed fields complete a
    /// statement that, like MT940, does not carry the account holder's name). The bank's
    /// confirmation is never taken from typed fields when a document is attached.
    func completed(by other: ProofFields) -> ProofFields {
        var result = self
        result.payerName = payerName ?? other.payerName
        result.payeeName = payeeName ?? other.payeeName
        result.transactionDate = transactionDate ?? other.transactionDate
        if amount == nil && inexactAmount == nil {
            result.amount = other.amount
            result.currency = other.currency
        }
        result.transactionID = transactionID ?? other.transactionID
        result.description = description ?? other.description
        result.payerAccount = payerAccount ?? other.payerAccount
        result.payeeAccount = payeeAccount ?? other.payeeAccount
        return result
    }
}

/// An invoice as the proof validator keeps it: what is owed, to which account, what is paid.
public struct ProofInvoice: Sendable, Equatable, Codable {
    public var id: String
    /// The number printed on the invoice, which customers write in the transfer's description.
    public var number: String
    public var amount: Int64
    public var currency: String
    /// yyyy-MM-dd
    public var issuedOn: String
    /// The merchant's own account, where payments must go.
    public var payeeAccount: String?
    public var payeeName: String?
    public var paid: Int64 = 0
    /// Late fees added to it (`invoice.fee-added`: fee id → amount; nil: none, or an older
    /// state): what it owes is its amount and its fees, the "new total" the emails ask for.
    public var fees: [String: Int64]?

    public init(
        id: String, number: String, amount: Int64, currency: String, issuedOn: String, payeeAccount: String? = nil,
        payeeName: String? = nil
    ) {
        self.id = id
        self.number = number
        self.amount = amount
        self.currency = currency
        self.issuedOn = issuedOn
        self.payeeAccount = payeeAccount
        self.payeeName = payeeName
    }

    /// The amount and its fees (`feeAdded` keeps it within an amount; held at `Int64.max`).
    public var owed: Int64 { (fees ?? [:]).values.reduce(amount) { Money.addReceived($0, $1) } }

    /// What is still owed, fees included. `paid` only grows by non-negative amounts (checked),
    /// so the difference fits; a state holding a negative `paid` cannot make it trap either.
    public var remaining: Int64 {
        let (left, overflow) = owed.subtractingReportingOverflow(paid)
        return overflow ? .max : max(0, left)
    }
}

/// One reason in a verdict: which element, a stable code, and a sentence for the customer.
public struct ProofReason: Error, Sendable, Equatable, Codable {
    public var element: ProofElement
    public var code: String
    public var message: String

    public init(_ element: ProofElement, _ code: String, _ message: String) {
        self.element = element
        self.code = code
        self.message = message
    }
}

public struct ProofVerdict: Sendable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        case accepted, rejected
        case needsReview = "needs_review"
    }

    public var outcome: Outcome
    public var reasons: [ProofReason] = []
    /// (invoice id, amount applied) for an accepted proof, oldest invoice first.
    public var matches: [(invoiceID: String, amount: Int64)] = []
    public var cases: [ProofCase] = []
    public var fields: ProofFields?
    public var refundAmount: Int64?
    /// What the invoices asked minus what was paid (negative: paid more).
    public var difference: Int64?

    public init(outcome: Outcome, reasons: [ProofReason] = [], fields: ProofFields? = nil) {
        self.outcome = outcome
        self.reasons = reasons
        self.fields = fields
    }

    public static func == (a: ProofVerdict, b: ProofVerdict) -> Bool {
        a.outcome == b.outcome && a.reasons == b.reasons && a.cases == b.cases && a.fields == b.fields
            && a.refundAmount == b.refundAmount && a.difference == b.difference
            && a.matches.map(\.invoiceID) == b.matches.map(\.invoiceID)
            && a.matches.map(\.amount) == b.matches.map(\.amount)
    }
}

/// An account as the validator sees it: its invoices, the transactions already accepted as
/// proof, and whether it is deactivated.
public struct ProofLedger: Sendable, Codable, Equatable {
    public var invoices: [ProofInvoice] = []
    /// Transaction id → the proof that used it.
    public var usedTransactions: [String: String] = [:]
    /// The status that deactivated the account ("suspended", "terminated", "cancelled",
    /// "in_collections", "written_off"), nil otherwise.
    public var deactivation: String?

    /// At most this many invoices are kept per account; the oldest settled ones go first.
    public static let invoiceLimit = 200

    public init() {}

    public mutating func issued(_ invoice: ProofInvoice) {
        if let index = invoices.firstIndex(where: { $0.id == invoice.id }) {
            var updated = invoice
            updated.paid = invoices[index].paid
            updated.fees = invoices[index].fees
            invoices[index] = updated
        } else {
            invoices.append(invoice)
            invoices.sort { ($0.issuedOn, $0.id) < ($1.issuedOn, $1.id) }
        }
        while invoices.count > Self.invoiceLimit, let settled = invoices.firstIndex(where: { $0.remaining == 0 }) {
            invoices.remove(at: settled)
        }
    }

    /// A late fee added to an invoice (`invoice.fee-added`), once by its id; an invoice not
    /// kept here is left alone. Refused, the ledger unchanged, when it is in another currency
    /// than its invoice (`currency_mismatch`) or would take what the invoice owes beyond an
    /// amount (`amount_out_of_range`).
    public mutating func feeAdded(invoiceID: String, feeID: String, amount: Int64, currency: String)
        throws(LateFeeRefusal)
    {
        guard let index = invoices.firstIndex(where: { $0.id == invoiceID }),
            invoices[index].fees?[feeID] == nil
        else { return }
        guard invoices[index].currency == currency else {
            throw LateFeeRefusal(
                "currency_mismatch",
                "fee \(feeID) is in \(currency) but invoice \(invoiceID) is in \(invoices[index].currency)")
        }
        let total = try? Money.add(invoices[index].owed, amount)
        guard let total, amount >= 0, total <= Money.maximumMinorUnits else {
            throw LateFeeRefusal(
                MoneyOverflow.code,
                "fee \(feeID) of \(amount) would take invoice \(invoiceID) beyond \(Money.maximumMinorUnits) minor units"
            )
        }
        invoices[index].fees = (invoices[index].fees ?? [:]).merging([feeID: amount]) { $1 }
    }

    /// A payment the platform reports (a card retry, a transfer it matched itself). Refused,
    /// the ledger unchanged, when what the invoice has received would not fit.
    public mutating func paid(invoiceID: String, amount: Int64) throws(MoneyOverflow) {
        guard let index = invoices.firstIndex(where: { $0.id == invoiceID }) else { return }
        invoices[index].paid = try Money.add(invoices[index].paid, amount)
    }
}

/// Rules of the proof-of-payment validator (SPEC "proof-of-payment validator", seed 000).
public struct ProofValidator: Sendable {
    /// A shortfall up to this share of what is owed (in basis points; 300 = 3 %) is read as bank
    /// fees deducted on the way (002), else as an unexpected amount; both go to review.
    public var feeToleranceBasisPoints: Int64 = 300
    /// At most this many movements of a document are examined: a proof holding more goes to
    /// review (`too_many_entries`) without being matched, so that no document makes a verdict
    /// take long. (The largest statement accepted, 8 MiB, holds about 40,000 entries.)
    public var maximumEntries: Int

    public static let defaultMaximumEntries = 100_000

    public init(feeToleranceBasisPoints: Int64 = 300, maximumEntries: Int = Self.defaultMaximumEntries) {
        self.feeToleranceBasisPoints = feeToleranceBasisPoints
        self.maximumEntries = maximumEntries
    }

    /// Judges one proof against the account's ledger and, when it is accepted, applies it.
    public func evaluate(
        proofID: String, candidates: [ProofFields], typed: ProofFields?, claimedInvoices: [String],
        ledger: inout ProofLedger
    ) -> ProofVerdict {
        guard candidates.count <= maximumEntries else {
            return ProofVerdict(
                outcome: .needsReview,
                reasons: [
                    ProofReason(
                        .document, "too_many_entries",
                        "the document holds \(candidates.count) transactions; at most \(maximumEntries) are examined: "
                            + "to be checked by hand")
                ])
        }
        // The account's invoices by number and open amount, built once: each movement then
        // costs its own text, however many invoices the account has.
        let index = InvoiceIndex(ledger, claimed: claimedInvoices)
        // Pick the movement that is the payment: one naming an invoice of the account, else one
        // of an open amount, else the only one.
        var chosen: ProofFields
        if candidates.isEmpty {
            guard let typed else {
                return ProofVerdict(
                    outcome: .rejected,
                    reasons: [ProofReason(.document, "no_entries", "the document holds no transaction")])
            }
            chosen = typed
        } else {
            var firstOfOpenAmount: ProofFields?
            var firstNaming: ProofFields?
            for candidate in candidates {
                if !index.invoices(namedIn: candidate).isEmpty {
                    firstNaming = candidate
                    break
                }
                if firstOfOpenAmount == nil, index.isOpenAmount(candidate.amount, candidate.currency) {
                    firstOfOpenAmount = candidate
                }
            }
            if let first = firstNaming ?? firstOfOpenAmount {
                chosen = first
            } else if candidates.count == 1 {
                chosen = candidates[0]
            } else {
                return ProofVerdict(
                    outcome: .rejected,
                    reasons: [
                        ProofReason(
                            .description, "no_matching_entry",
                            "none of the document's \(candidates.count) transactions names an invoice of this account "
                                + "or pays an amount it owes")
                    ])
            }
            if let typed { chosen = chosen.completed(by: typed) }
        }
        var verdict = ProofVerdict(outcome: .accepted, fields: chosen)
        verdict.reasons = Self.missing(chosen)
        let named = index.invoices(namedIn: chosen)

        if let id = chosen.transactionID, let earlier = ledger.usedTransactions[id], earlier != proofID {
            verdict.reasons.append(
                ProofReason(
                    .transactionID, "transaction_already_used",
                    "transaction \(id) was already accepted as proof \(earlier): one transfer, paid once, nothing to refund"
                ))
        }
        guard verdict.reasons.isEmpty, let amount = chosen.amount, let currency = chosen.currency,
            let date = chosen.transactionDate
        else {
            verdict.outcome = .rejected
            return verdict
        }

        // The invoices it pays: those it names, else the open ones of that amount, else every
        // open one of that currency, oldest first.
        // Only invoices issued by the day of the transfer can be what it pays.
        var targets = named
        if targets.isEmpty {
            let eligible = ledger.invoices.indices.filter {
                ledger.invoices[$0].remaining > 0 && ledger.invoices[$0].currency == currency
                    && ledger.invoices[$0].issuedOn <= date
            }
            if let exact = eligible.first(where: { ledger.invoices[$0].remaining == amount }) {
                targets = [exact]
            } else {
                targets = eligible
            }
        }
        guard !targets.isEmpty else {
            verdict.outcome = .needsReview
            verdict.cases = [.unexpectedAmount]
            verdict.reasons.append(
                ProofReason(
                    .description, "no_open_invoice", "no open \(currency) invoice on this account for this payment"))
            return verdict
        }
        for index in targets {
            let invoice = ledger.invoices[index]
            if invoice.currency != currency {
                verdict.reasons.append(
                    ProofReason(
                        .amount, "currency_mismatch",
                        "paid in \(currency); invoice \(invoice.number) is in \(invoice.currency)"))
            }
            if date < invoice.issuedOn {
                verdict.reasons.append(
                    ProofReason(
                        .transactionDate, "before_invoice",
                        "the transfer of \(date) is older than invoice \(invoice.number) of \(invoice.issuedOn)"))
            }
            if let expected = invoice.payeeAccount, let account = chosen.payeeAccount,
                Self.normalized(expected) != Self.normalized(account)
            {
                verdict.reasons.append(
                    ProofReason(
                        .bankDetails, "wrong_payee_account",
                        "the transfer went to \(account), not to the merchant's account \(expected) on invoice \(invoice.number)"
                    ))
            }
        }
        guard verdict.reasons.isEmpty else {
            verdict.outcome = .rejected
            return verdict
        }

        // What the invoices still ask, and the difference: checked, an overflow (only a state
        // holding amounts beyond the bound can cause one) goes to review, never a trap.
        let owed: Int64
        let difference: Int64
        do throws(MoneyOverflow) {
            owed = try Money.total(targets.map { ledger.invoices[$0].remaining })
            difference = try Money.subtract(owed, amount)
        } catch {
            return Self.outOfRange(verdict, targets.map { ledger.invoices[$0].number }, error)
        }
        if owed == 0 {
            verdict.outcome = .needsReview
            verdict.cases = [.paidTwice]
            verdict.refundAmount = amount
            verdict.reasons.append(
                ProofReason(
                    .amount, "already_paid",
                    "invoice \(targets.map { ledger.invoices[$0].number }.joined(separator: ", ")) was already paid; "
                        + "this second payment of \(amount) is to refund"))
            return verdict
        }
        verdict.difference = difference
        if amount != owed {
            verdict.outcome = .needsReview
            // shortfall × 10,000 ≤ owed × tolerance, exactly (128 bits): no amount overflows it.
            if amount < owed && Money.isShare(difference, of: owed, atMostBasisPoints: feeToleranceBasisPoints) {
                verdict.cases = [.shortByBankFees]
                verdict.reasons.append(
                    ProofReason(
                        .amount, "short_by_fees", "short by \(difference) of \(owed): bank fees deducted on the way?"
                    ))
            } else {
                verdict.cases = [.unexpectedAmount]
                verdict.reasons.append(
                    ProofReason(
                        .amount, amount < owed ? "partial_payment" : "overpayment",
                        "paid \(amount) where \(owed) is owed"))
            }
            return verdict
        }
        // Accepted: apply it, oldest invoice first. Each invoice receives at most what it still
        // owes (so `paid` stays within its amount); the sums are checked all the same, and
        // computed before anything changes.
        var left = amount
        var applied: [(index: Int, paid: Int64, amount: Int64)] = []
        for index in targets where left > 0 {
            let part = min(left, ledger.invoices[index].remaining)
            guard part > 0 else { continue }
            do throws(MoneyOverflow) {
                applied.append((index, try Money.add(ledger.invoices[index].paid, part), part))
                left = try Money.subtract(left, part)
            } catch {
                return Self.outOfRange(verdict, [ledger.invoices[index].number], error)
            }
        }
        for (index, paid, part) in applied {
            ledger.invoices[index].paid = paid
            verdict.matches.append((ledger.invoices[index].id, part))
        }
        if let id = chosen.transactionID { ledger.usedTransactions[id] = proofID }
        if ledger.deactivation != nil { verdict.cases.append(.deactivatedDespitePayment) }
        return verdict
    }

    /// The verdict when what the invoices ask does not fit in an amount: to review, nothing applied.
    static func outOfRange(_ verdict: ProofVerdict, _ numbers: [String], _ error: MoneyOverflow) -> ProofVerdict {
        var verdict = verdict
        verdict.outcome = .needsReview
        verdict.reasons.append(
            ProofReason(
                .amount, MoneyOverflow.code,
                "what invoice \(numbers.joined(separator: ", ")) asks cannot be computed (\(error)): to be checked by hand"
            ))
        return verdict
    }

    /// The elements this proof does not show, each with its own reason.
    static func missing(_ fields: ProofFields) -> [ProofReason] {
        var reasons: [ProofReason] = []
        switch (fields.payerName, fields.payeeName) {
        case (nil, nil): reasons.append(ProofReason(.parties, "missing", "neither the payer's nor the payee's name"))
        case (nil, _): reasons.append(ProofReason(.parties, "missing", "the payer's name is missing"))
        case (_, nil): reasons.append(ProofReason(.parties, "missing", "the payee's name is missing"))
        default: break
        }
        if fields.transactionDate == nil {
            reasons.append(ProofReason(.transactionDate, "missing", "the date of the transaction is missing"))
        }
        if let inexact = fields.inexactAmount {
            reasons.append(
                ProofReason(.amount, "inexact_amount", "\(inexact) is not a whole number of the currency's minor units")
            )
        } else if let amount = fields.amount, !Money.isWithinBound(amount) {
            reasons.append(
                ProofReason(
                    .amount, MoneyOverflow.code,
                    "\(amount) minor units is not an amount Relance takes (0 to \(Money.maximumMinorUnits))"))
        } else if fields.amount == nil || fields.currency == nil {
            reasons.append(ProofReason(.amount, "missing", "the amount and its currency are missing"))
        }
        if fields.transactionID == nil {
            reasons.append(ProofReason(.transactionID, "missing", "no reference number or transaction id"))
        }
        if fields.description == nil {
            reasons.append(ProofReason(.description, "missing", "no description naming the invoice or the service"))
        }
        if fields.payerAccount == nil && fields.payeeAccount == nil {
            reasons.append(ProofReason(.bankDetails, "missing", "no bank details of the payer or the payee"))
        }
        switch fields.booked {
        case true?: break
        case false?:
            reasons.append(
                ProofReason(
                    .bankConfirmation, "not_booked", "the bank has not booked the transfer (pending or reversed)"))
        case nil:
            reasons.append(ProofReason(.bankConfirmation, "missing", "no confirmation of the transfer by the bank"))
        }
        return reasons
    }

    /// `normalized(text)`'s UTF-8 appended to `bytes`, byte by byte when the text is ASCII (the
    /// usual case, and the cost of every movement of a statement).
    static func appendNormalized(_ text: String, to bytes: inout [UInt8]) {
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else {
            bytes.append(contentsOf: normalized(text).utf8)
            return
        }
        for byte in text.utf8 {
            if (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) {
                bytes.append(byte)
            } else if (0x61...0x7A).contains(byte) {
                bytes.append(byte - 0x20)
            }
        }
    }

    /// Letters and digits only, upper case: "inv 2026-0042" and "INV20260042" compare equal.
    static func normalized(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if (0x30...0x39).contains(value) || (0x41...0x5A).contains(value) {
                result.append(scalar)
            } else if (0x61...0x7A).contains(value) {
                result.append(Unicode.Scalar(UInt8(value - 0x20)))
            } else if !scalar.isASCII, scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                result.append(contentsOf: String(scalar).uppercased().unicodeScalars)
            }
        }
        return String(result)
    }
}

/// A ledger's invoices indexed for one evaluation: by the numbers a proof's text may name (all
/// of them at once, `InvoiceNumberMatcher`), by what the submission claims, and by open
/// (currency, amount). Built in time proportional to the invoices; then a movement costs its
/// own text, whatever the number of invoices.
struct InvoiceIndex {
    let matcher: InvoiceNumberMatcher
    /// Indices of the invoices the submission claims (by id or number), sorted.
    let claimed: [Int]
    let openAmounts: Set<OpenAmount>

    struct OpenAmount: Hashable {
        var currency: String
        var amount: Int64
    }

    init(_ ledger: ProofLedger, claimed claims: [String]) {
        var numbers: [(number: [UInt8], invoice: Int)] = []
        var claimed: [Int] = []
        var openAmounts: Set<OpenAmount> = []
        let claims = Set(claims)
        for (index, invoice) in ledger.invoices.enumerated() {
            numbers.append((Array(ProofValidator.normalized(invoice.number).utf8), index))
            if claims.contains(invoice.id) || claims.contains(invoice.number) { claimed.append(index) }
            let remaining = invoice.remaining
            if remaining > 0 { openAmounts.insert(OpenAmount(currency: invoice.currency, amount: remaining)) }
        }
        matcher = InvoiceNumberMatcher(numbers)
        self.claimed = claimed
        self.openAmounts = openAmounts
    }

    /// Indices of the ledger's invoices that the proof names (in its description or references:
    /// letters and digits compared, "INV-42" not found in "INV-421", numbers under four
    /// characters never) or that the submission claims, oldest first.
    func invoices(namedIn fields: ProofFields) -> [Int] {
        var text: [UInt8] = []
        if let description = fields.description { ProofValidator.appendNormalized(description, to: &text) }
        for reference in fields.references { ProofValidator.appendNormalized(reference, to: &text) }
        let found = matcher.invoices(in: text)
        if found.isEmpty { return claimed }
        if claimed.isEmpty { return found }
        return Array(Set(found).union(claimed)).sorted()
    }

    func isOpenAmount(_ amount: Int64?, _ currency: String?) -> Bool {
        guard let amount, let currency else { return false }
        return openAmounts.contains(OpenAmount(currency: currency, amount: amount))
    }
}

/// Finds which of a set of invoice numbers a text holds, in one pass over the text
/// (Aho–Corasick over the normalized bytes): the cost of a search is the text's length plus
/// what it finds, however many numbers there are. A number is found where it is not followed
/// by a digit when it ends in one ("INV42" is not in "INV421").
struct InvoiceNumberMatcher {
    /// Per distinct number: the invoices carrying it, and whether it ends in a digit.
    private var invoicesOf: [[Int]] = []
    private var endsInDigit: [Bool] = []
    /// Bytes that occur in some number get a class 1…; any other byte is 0 and ends every match.
    private var byteClass = [Int32](repeating: 0, count: 256)
    private var classes = 1
    /// The trie: `child[state * classes + class]`, -1 for none.
    private var child: [Int32] = []
    /// The longest proper suffix of a state's text that is a state.
    private var failure: [Int32] = []
    /// The number ending at a state, -1 for none.
    private var number: [Int32] = []
    /// The nearest state along the failure links where a number ends, -1 for none.
    private var nextNumber: [Int32] = []

    static let minimumLength = 4

    /// `numbers`: each invoice's normalized number; numbers under four characters are too
    /// ambiguous to look for.
    init(_ numbers: [(number: [UInt8], invoice: Int)]) {
        var distinct: [[UInt8]] = []
        var idOf: [[UInt8]: Int] = [:]
        for (text, invoice) in numbers where text.count >= Self.minimumLength {
            if let id = idOf[text] {
                invoicesOf[id].append(invoice)
                continue
            }
            idOf[text] = distinct.count
            distinct.append(text)
            invoicesOf.append([invoice])
            endsInDigit.append(Self.isDigit(text[text.count - 1]))
            for byte in text where byteClass[Int(byte)] == 0 {
                byteClass[Int(byte)] = Int32(classes)
                classes += 1
            }
        }
        addState()
        for (id, text) in distinct.enumerated() {
            var state = 0
            for byte in text {
                let slot = state * classes + Int(byteClass[Int(byte)])
                if child[slot] < 0 { child[slot] = Int32(addState()) }
                state = Int(child[slot])
            }
            number[state] = Int32(id)
        }
        // Failure links, breadth first (the root's children fail to the root).
        var queue: [Int] = (1..<classes).compactMap { child[$0] >= 0 ? Int(child[$0]) : nil }
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            for symbol in 1..<classes {
                let next = Int(child[state * classes + symbol])
                guard next >= 0 else { continue }
                var fallback = Int(failure[state])
                while fallback != 0 && child[fallback * classes + symbol] < 0 { fallback = Int(failure[fallback]) }
                let target = Int(child[fallback * classes + symbol])
                failure[next] = Int32(max(0, target))
                let suffix = Int(failure[next])
                nextNumber[next] = number[suffix] >= 0 ? Int32(suffix) : nextNumber[suffix]
                queue.append(next)
            }
        }
    }

    @discardableResult
    private mutating func addState() -> Int {
        child.append(contentsOf: repeatElement(-1, count: classes))
        failure.append(0)
        number.append(-1)
        nextNumber.append(-1)
        return failure.count - 1
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// The invoices whose number `text` (normalized) holds, sorted.
    func invoices(in text: [UInt8]) -> [Int] {
        guard !invoicesOf.isEmpty else { return [] }
        var found: Set<Int32> = []
        var state = 0
        for position in text.indices {
            let symbol = Int(byteClass[Int(text[position])])
            guard symbol != 0 else {
                state = 0
                continue
            }
            while state != 0 && child[state * classes + symbol] < 0 { state = Int(failure[state]) }
            state = max(0, Int(child[state * classes + symbol]))
            var end = number[state] >= 0 ? state : Int(nextNumber[state])
            while end > 0 {
                let id = number[end]
                let after = position + 1
                if !endsInDigit[Int(id)] || after == text.count || !Self.isDigit(text[after]) { found.insert(id) }
                end = Int(nextNumber[end])
            }
        }
        guard !found.isEmpty else { return [] }
        return found.flatMap { invoicesOf[Int($0)] }.sorted()
    }
}
