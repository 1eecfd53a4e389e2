import BankStatements
import Foundation

/// The seven elements a proof of payment must show (seed 000), each checked on its own so that a
/// verdict names every one that is missing.
public enum ProofElement: String, Sendable, Codable, CaseIterable {
    case parties = "payer_and_payee_names"
    case transactionDate = "transaction_date"
    case amount = "amount_and_currency"
    case transactionID = "transaction_id"
    case description
    case bankDetails = "bank_details"
    case bankConfirmation = "bank_confirmation"
    /// Not an element: the attached document itself could not be read.
    case document
}

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

    /// Every movement in the statements, seen as a payment: a debit on the payer's own
    /// statement, or a credit on the payee's. A batch entry gives one per transaction.
    public static func candidates(in statements: [BankStatement]) -> [ProofFields] {
        var result: [ProofFields] = []
        for statement in statements {
            for entry in statement.entries {
                let transactions = entry.transactions.isEmpty ? [StatementTransaction()] : entry.transactions
                for transaction in transactions {
                    result.append(
                        fields(
                            statement: statement, entry: entry, transaction: transaction, alone: transactions.count == 1
                        ))
                }
            }
        }
        return result
    }

    static func fields(
        statement: BankStatement, entry: StatementEntry, transaction: StatementTransaction, alone: Bool
    ) -> ProofFields {
        var fields = ProofFields()
        let owner = StatementParty(name: statement.account.ownerName, account: statement.account.identifier)
        let direction = transaction.creditDebit ?? entry.creditDebit
        let payer = direction == .debit ? owner : transaction.debtor
        let payee = direction == .debit ? transaction.creditor : owner
        fields.payerName = payer.name ?? (direction == .credit ? nil : transaction.debtor.name)
        fields.payeeName = payee.name ?? (direction == .debit ? nil : transaction.creditor.name)
        fields.payerAccount = payer.account ?? (direction == .credit ? nil : transaction.debtor.account)
        fields.payeeAccount = payee.account ?? (direction == .debit ? nil : transaction.creditor.account)
        fields.transactionDate = entry.bookingDate ?? entry.valueDate
        let amount = transaction.amount ?? (alone ? entry.amount : nil)
        let currency = transaction.currency ?? entry.currency
        if let amount, let money = Currency(code: currency) {
            if let minor = amount.minorUnits(exponent: money.minorUnitDigits) {
                fields.amount = minor
            } else {
                fields.inexactAmount = "\(amount) \(currency)"
            }
            fields.currency = currency
        }
        fields.transactionID =
            transaction.endToEndID ?? transaction.transactionID ?? transaction.instructionID
            ?? entry.accountServicerReference ?? transaction.accountServicerReference ?? entry.reference
        let remittance = transaction.remittance.joined(separator: " ")
        fields.description =
            !remittance.isEmpty ? remittance : transaction.creditorReference ?? entry.additionalInformation
        fields.references = [
            transaction.endToEndID, transaction.creditorReference, entry.reference, entry.additionalInformation,
        ].compactMap { $0 }
        fields.booked = entry.status == .booked && !entry.reversal
        return fields
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

    public var remaining: Int64 { max(0, amount - paid) }
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

public enum ProofCase: String, Sendable, Codable {
    /// The invoice was already paid by another transaction: a refund is due (000).
    case paidTwice = "paid_twice"
    /// The amount is not what the invoice(s) ask (000), more or less.
    case unexpectedAmount = "unexpected_amount"
    /// Short by about the fees an international transfer costs (002): a partial payment to review.
    case shortByBankFees = "short_by_bank_fees"
    /// The account is suspended or terminated although this payment was made (000).
    case deactivatedDespitePayment = "deactivated_despite_payment"
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
    /// "suspended" or "terminated" when the account is deactivated, nil otherwise.
    public var deactivation: String?

    /// At most this many invoices are kept per account; the oldest settled ones go first.
    public static let invoiceLimit = 200

    public init() {}

    public mutating func issued(_ invoice: ProofInvoice) {
        if let index = invoices.firstIndex(where: { $0.id == invoice.id }) {
            var updated = invoice
            updated.paid = invoices[index].paid
            invoices[index] = updated
        } else {
            invoices.append(invoice)
            invoices.sort { ($0.issuedOn, $0.id) < ($1.issuedOn, $1.id) }
        }
        while invoices.count > Self.invoiceLimit, let settled = invoices.firstIndex(where: { $0.remaining == 0 }) {
            invoices.remove(at: settled)
        }
    }

    /// A payment the platform reports (a card retry, a transfer it matched itself).
    public mutating func paid(invoiceID: String, amount: Int64) {
        guard let index = invoices.firstIndex(where: { $0.id == invoiceID }) else { return }
        invoices[index].paid += amount
    }
}

/// Rules of the proof-of-payment validator (SPEC "proof-of-payment validator", seed 000).
public struct ProofValidator: Sendable {
    /// A shortfall up to this share of what is owed (in basis points; 300 = 3 %) is read as bank
    /// fees deducted on the way (002), else as an unexpected amount; both go to review.
    public var feeToleranceBasisPoints: Int64 = 300

    public init(feeToleranceBasisPoints: Int64 = 300) {
        self.feeToleranceBasisPoints = feeToleranceBasisPoints
    }

    /// Judges one proof against the account's ledger and, when it is accepted, applies it.
    public func evaluate(
        proofID: String, candidates: [ProofFields], typed: ProofFields?, claimedInvoices: [String],
        ledger: inout ProofLedger
    ) -> ProofVerdict {
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
            let named = candidates.filter { !Self.invoices(namedIn: $0, claimed: claimedInvoices, ledger).isEmpty }
            let ofOpenAmount = candidates.filter { candidate in
                ledger.invoices.contains {
                    $0.remaining > 0 && $0.remaining == candidate.amount && $0.currency == candidate.currency
                }
            }
            if let first = named.first {
                chosen = first
            } else if let first = ofOpenAmount.first {
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
        let named = Self.invoices(namedIn: chosen, claimed: claimedInvoices, ledger)

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

        let owed = targets.reduce(Int64(0)) { $0 + ledger.invoices[$1].remaining }
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
        verdict.difference = owed - amount
        if amount != owed {
            verdict.outcome = .needsReview
            if amount < owed && (owed - amount) * 10_000 <= owed * feeToleranceBasisPoints {
                verdict.cases = [.shortByBankFees]
                verdict.reasons.append(
                    ProofReason(
                        .amount, "short_by_fees", "short by \(owed - amount) of \(owed): bank fees deducted on the way?"
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
        // Accepted: apply it, oldest invoice first.
        var left = amount
        for index in targets where left > 0 {
            let applied = min(left, ledger.invoices[index].remaining)
            guard applied > 0 else { continue }
            ledger.invoices[index].paid += applied
            verdict.matches.append((ledger.invoices[index].id, applied))
            left -= applied
        }
        if let id = chosen.transactionID { ledger.usedTransactions[id] = proofID }
        if ledger.deactivation != nil { verdict.cases.append(.deactivatedDespitePayment) }
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

    /// Indices of the ledger's invoices that the proof names (in its description or
    /// references) or that the submission claims, oldest first.
    static func invoices(namedIn fields: ProofFields, claimed: [String], _ ledger: ProofLedger) -> [Int] {
        let text = normalized(
            ([fields.description] + fields.references.map { Optional($0) }).compactMap { $0 }.joined(separator: " "))
        return ledger.invoices.indices.filter { index in
            let invoice = ledger.invoices[index]
            if claimed.contains(invoice.id) || claimed.contains(invoice.number) { return true }
            return mentions(text, normalized(invoice.number))
        }
    }

    /// Whether `text` holds `number` not followed by a further digit ("INV-42" is not in
    /// "INV-421"); both already normalized. Numbers under four characters are too ambiguous.
    static func mentions(_ text: String, _ number: String) -> Bool {
        let haystack = Array(text.utf8)
        let needle = Array(number.utf8)
        guard needle.count >= 4, haystack.count >= needle.count else { return false }
        let endsInDigit = needle.last! >= 0x30 && needle.last! <= 0x39
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            guard haystack[start..<(start + needle.count)].elementsEqual(needle) else { continue }
            let after = start + needle.count
            if after == haystack.count || !endsInDigit || !(haystack[after] >= 0x30 && haystack[after] <= 0x39) {
                return true
            }
        }
        return false
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
