/// The closed sets of values events carry (a schema's `enum`), shared by the event types
/// and the rules that read them.

/// Who may do what: an operator's role, as a signed command's token names it.
public enum ActorRole: String, SchemaEnum {
    case owner, admin, billing, support
}

/// How a payment is paid.
public enum PaymentMethod: String, SchemaEnum {
    case card
    case sepaDebit = "sepa_debit"
    case eCheck = "echeck"
}

/// What is being paid.
public enum TransactionType: String, SchemaEnum {
    case payment
    case installment
    case subscription
    case refund
}

/// What a failed payment's reason means for recovering it.
public enum FailureCategory: String, SchemaEnum {
    /// The issuer may approve later (insufficient funds, limits, do not honour, issuer
    /// unavailable): retried on the business schedule.
    case softDecline = "soft_decline"
    /// The card cannot be charged again (lost, stolen, pick up, invalid number, fraud, closed
    /// account, revoked authorisation): wait for a new payment method.
    case hardDecline = "hard_decline"
    /// The card's expiry date has passed: wait for a new payment method.
    case expiredCard = "expired_card"
    /// A direct debit returned for lack of funds (SEPA AM04, MS03): retried in the following
    /// days unless the merchant turned direct-debit retries off.
    case debitInsufficientFunds = "debit_insufficient_funds"
    /// A direct debit returned for a mandate or account problem (AC01, AC04, AC06, MD01,
    /// MD07, MS02…): never retried.
    case debitMandateOrAccount = "debit_mandate_or_account"
    /// The gateway or network failed, not the payer: short capped backoff, not an attempt.
    case technical
    /// A code no table knows: treated as a soft decline, and said so.
    case unknown
}

/// Where a decline code comes from.
public enum DeclineCodeScheme: String, SchemaEnum {
    /// Stripe-style `decline_code`s (`insufficient_funds`, `lost_card`, …).
    case stripe
    /// ISO 8583 response codes (`51`, `05`, `54`, …), as acquirers pass them on.
    case iso8583
    /// SEPA R-transaction reason codes (ISO 20022 `AM04`, `MD01`, …).
    case sepa
}

/// How a prepaid account is topped up.
public enum TopUpMethod: String, SchemaEnum {
    case card
    case bankTransfer = "bank_transfer"
}

/// The seven elements a proof of payment must show (seed 000), each checked on its own so that a
/// verdict names every one that is missing.
public enum ProofElement: String, SchemaEnum {
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

/// Debits are what the customer owes (invoices, refunds paid out to them); credits what the
/// customer has given or been granted (payments, credit notes).
public enum LedgerSide: String, Sendable, Codable {
    case debit, credit
}

/// What an item of an account's ledger is.
public enum LedgerItemKind: String, SchemaEnum {
    case invoice, refund, payment
    case creditNote = "credit_note"

    public var side: LedgerSide { self == .invoice || self == .refund ? .debit : .credit }
}

/// The formats of a bank document attached to a proof of payment: those the proof validator
/// reads (BankStatements' `StatementFormat`, which a test keeps equal to this).
public enum ProofDocumentFormat: String, SchemaEnum {
    case camt052 = "camt.052"
    case camt053 = "camt.053"
    case camt054 = "camt.054"
    case mt940
    case csv
}

/// What a verdict says besides its outcome, for the people who act on it.
public enum ProofCase: String, SchemaEnum {
    /// The invoice was already paid by another transaction: a refund is due (000).
    case paidTwice = "paid_twice"
    /// The amount is not what the invoice(s) ask (000), more or less.
    case unexpectedAmount = "unexpected_amount"
    /// Short by about the fees an international transfer costs (002): a partial payment to review.
    case shortByBankFees = "short_by_bank_fees"
    /// The account is suspended or terminated although this payment was made (000).
    case deactivatedDespitePayment = "deactivated_despite_payment"
}
