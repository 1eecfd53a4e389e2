import BankStatements
import RelanceDomain
import RelanceEvents

/// Bank statements read as proofs: the proof validator maps each movement of a statement into
/// the domain's `ProofFields` (the rules never see a statement).
extension ProofFields {
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
