import BankStatements
import RelanceDomain
import Testing

@Suite struct ProofRulesTests {
    static let merchantIBAN = "FR7630006000011234567890189"

    static func ledger() -> ProofLedger {
        var ledger = ProofLedger()
        ledger.issued(
            ProofInvoice(
                id: "i-42", number: "INV-2026-0042", amount: 4_900, currency: "EUR", issuedOn: "2026-10-01",
                payeeAccount: merchantIBAN, payeeName: "Relance Demo SAS"))
        ledger.issued(
            ProofInvoice(
                id: "i-43", number: "INV-2026-0043", amount: 4_900, currency: "EUR", issuedOn: "2026-11-01",
                payeeAccount: merchantIBAN))
        return ledger
    }

    static let complete = ProofFields(
        payerName: "Zoé Lefèvre", payeeName: "Relance Demo SAS", transactionDate: "2026-10-12", amount: 4_900,
        currency: "EUR", transactionID: "E2E-1", description: "Invoice INV-2026-0042",
        payerAccount: "DE89370400440532013000", payeeAccount: "FR76 3000 6000 0112 3456 7890 189", booked: true)

    func judge(_ fields: ProofFields, proof: String = "pr-1", claimed: [String] = [], ledger: inout ProofLedger)
        -> ProofVerdict
    {
        ProofValidator().evaluate(
            proofID: proof, candidates: [], typed: fields, claimedInvoices: claimed, ledger: &ledger)
    }

    @Test func aCompleteProofIsAcceptedAndPaysTheInvoiceItNames() {
        var ledger = Self.ledger()
        let verdict = judge(Self.complete, ledger: &ledger)
        #expect(verdict.outcome == .accepted)
        #expect(verdict.reasons.isEmpty)
        #expect(verdict.matches.map(\.invoiceID) == ["i-42"] && verdict.matches.map(\.amount) == [4_900])
        #expect(ledger.invoices[0].remaining == 0 && ledger.invoices[1].remaining == 4_900)
        #expect(ledger.usedTransactions["E2E-1"] == "pr-1")
    }

    @Test(arguments: [
        (ProofElement.parties, "payerName"), (.parties, "payeeName"), (.transactionDate, "transactionDate"),
        (.amount, "currency"), (.transactionID, "transactionID"), (.description, "description"),
    ])
    func eachMissingElementHasItsOwnNamedReason(element: ProofElement, field: String) {
        var ledger = Self.ledger()
        var fields = Self.complete
        switch field {
        case "payerName": fields.payerName = nil
        case "payeeName": fields.payeeName = nil
        case "transactionDate": fields.transactionDate = nil
        case "currency": fields.currency = nil
        case "transactionID": fields.transactionID = nil
        default: fields.description = nil
        }
        let verdict = judge(fields, ledger: &ledger)
        #expect(verdict.outcome == .rejected)
        #expect(verdict.reasons.map(\.element) == [element])
        #expect(verdict.reasons.map(\.code) == ["missing"])
        #expect(ledger == Self.ledger(), "a rejected proof changes nothing")
    }

    @Test func missingBankDetailsAndConfirmationAreNamedToo() {
        var ledger = Self.ledger()
        var fields = Self.complete
        fields.payerAccount = nil
        fields.payeeAccount = nil
        fields.booked = nil
        #expect(judge(fields, ledger: &ledger).reasons.map(\.element) == [.bankDetails, .bankConfirmation])
        fields = Self.complete
        fields.booked = false
        let pending = judge(fields, ledger: &ledger)
        #expect(
            pending.reasons == [
                ProofReason(
                    .bankConfirmation, "not_booked", "the bank has not booked the transfer (pending or reversed)")
            ])
        fields.amount = nil
        #expect(judge(fields, ledger: &ledger).reasons.map(\.element) == [.amount, .bankConfirmation])
    }

    @Test func anEmptyProofListsAllSevenElements() {
        var ledger = Self.ledger()
        let verdict = judge(ProofFields(), ledger: &ledger)
        #expect(
            verdict.reasons.map(\.element) == [
                .parties, .transactionDate, .amount, .transactionID, .description, .bankDetails, .bankConfirmation,
            ])
    }

    @Test func paidTwiceIsARefundCaseButTheSameTransactionTwiceIsNot() {
        var ledger = Self.ledger()
        #expect(judge(Self.complete, proof: "pr-1", ledger: &ledger).outcome == .accepted)
        // The customer sends the same transfer again: one payment, nothing to refund.
        let again = judge(Self.complete, proof: "pr-2", ledger: &ledger)
        #expect(again.outcome == .rejected)
        #expect(again.reasons.map(\.code) == ["transaction_already_used"])
        #expect(again.refundAmount == nil)
        // A second, distinct transfer of the same amount for the same invoice: refund it.
        var second = Self.complete
        second.transactionID = "E2E-2"
        let twice = judge(second, proof: "pr-3", ledger: &ledger)
        #expect(twice.outcome == .needsReview)
        #expect(twice.cases == [.paidTwice])
        #expect(twice.refundAmount == 4_900)
        #expect(ledger.invoices[1].remaining == 4_900, "the refund case does not pay the next invoice")
    }

    @Test func anInvoicePaidByCardThenByTransferIsPaidTwice() {
        var ledger = Self.ledger()
        ledger.paid(invoiceID: "i-42", amount: 4_900)
        let verdict = judge(Self.complete, ledger: &ledger)
        #expect(verdict.cases == [.paidTwice] && verdict.refundAmount == 4_900)
    }

    @Test func unexpectedAmountsGoToReviewWithTheDifference() {
        var ledger = Self.ledger()
        var fields = Self.complete
        fields.amount = 4_800  // 2 % short: the payer's bank took its fees
        let fees = judge(fields, ledger: &ledger)
        #expect(fees.outcome == .needsReview && fees.cases == [.shortByBankFees] && fees.difference == 100)
        fields.amount = 2_000
        let partial = judge(fields, ledger: &ledger)
        #expect(partial.cases == [.unexpectedAmount] && partial.reasons.map(\.code) == ["partial_payment"])
        fields.amount = 6_000
        let over = judge(fields, ledger: &ledger)
        #expect(over.cases == [.unexpectedAmount] && over.difference == -1_100)
        #expect(ledger == Self.ledger(), "nothing is applied before review")
    }

    @Test func oneTransferNamingTwoInvoicesPaysBothOldestFirst() {
        var ledger = Self.ledger()
        var fields = Self.complete
        fields.amount = 9_800
        fields.transactionDate = "2026-11-05"
        fields.description = "INV-2026-0043 + INV-2026-0042"
        let verdict = judge(fields, ledger: &ledger)
        #expect(verdict.outcome == .accepted)
        #expect(verdict.matches.map(\.invoiceID) == ["i-42", "i-43"])
    }

    @Test func withoutAnInvoiceNumberTheOpenAmountIsMatchedOldestFirst() {
        var ledger = Self.ledger()
        var fields = Self.complete
        fields.description = "abonnement Relance"
        #expect(judge(fields, ledger: &ledger).matches.map(\.invoiceID) == ["i-42"])
        fields.transactionID = "E2E-9"
        let early = judge(fields, ledger: &ledger)
        #expect(early.outcome == .needsReview, "INV-2026-0043 was issued after this transfer")
        fields.transactionDate = "2026-11-05"
        #expect(judge(fields, ledger: &ledger).matches.map(\.invoiceID) == ["i-43"])
    }

    @Test func inconsistenciesAreRejectedByElement() {
        var ledger = Self.ledger()
        var fields = Self.complete
        fields.payeeAccount = "GB29NWBK60161331926819"
        let wrongAccount = judge(fields, ledger: &ledger)
        #expect(wrongAccount.outcome == .rejected)
        #expect(wrongAccount.reasons.map(\.code) == ["wrong_payee_account"])
        #expect(wrongAccount.reasons[0].element == .bankDetails)
        fields = Self.complete
        fields.transactionDate = "2026-09-30"
        #expect(judge(fields, ledger: &ledger).reasons.map(\.code) == ["before_invoice"])
        fields = Self.complete
        fields.currency = "USD"
        #expect(judge(fields, ledger: &ledger).reasons.map(\.code) == ["currency_mismatch"])
    }

    @Test func anInvoiceNumberIsNotFoundInsideALongerOne() {
        var ledger = ProofLedger()
        ledger.issued(ProofInvoice(id: "a", number: "INV-42", amount: 100, currency: "EUR", issuedOn: "2026-01-01"))
        ledger.issued(ProofInvoice(id: "b", number: "INV-421", amount: 300, currency: "EUR", issuedOn: "2026-01-02"))
        var fields = Self.complete
        fields.amount = 300
        fields.payeeAccount = nil
        fields.description = "Facture inv 421"
        let verdict = judge(fields, ledger: &ledger)
        #expect(verdict.matches.map(\.invoiceID) == ["b"])
    }

    @Test func aDeactivatedAccountIsFlaggedForReactivation() {
        var ledger = Self.ledger()
        ledger.deactivation = "suspended"
        let verdict = judge(Self.complete, ledger: &ledger)
        #expect(verdict.outcome == .accepted && verdict.cases == [.deactivatedDespitePayment])
    }

    @Test func statementMovementsBecomeProofFieldsFromEitherSide() throws {
        let payerSide = BankStatement(
            format: .camt053, account: StatementAccount(iban: "DE89370400440532013000", ownerName: "Zoé Lefèvre"),
            entries: [
                StatementEntry(
                    amount: StatementAmount(minorUnits: 4_900, exponent: 2), currency: "EUR", creditDebit: .debit,
                    bookingDate: "2026-10-12", accountServicerReference: "BANK-1",
                    transactions: [
                        {
                            var transaction = StatementTransaction()
                            transaction.creditor = StatementParty(name: "Relance Demo SAS", account: Self.merchantIBAN)
                            transaction.remittance = ["INV-2026-0042"]
                            return transaction
                        }()
                    ])
            ])
        let fields = try #require(ProofFields.candidates(in: [payerSide]).first)
        #expect(fields.payerName == "Zoé Lefèvre" && fields.payerAccount == "DE89370400440532013000")
        #expect(fields.payeeName == "Relance Demo SAS" && fields.payeeAccount == Self.merchantIBAN)
        #expect(fields.amount == 4_900 && fields.currency == "EUR" && fields.transactionID == "BANK-1")
        #expect(fields.booked == true)
        var inexact = payerSide
        inexact.entries[0].amount = StatementAmount(hundredThousandths: 4_900_001)
        inexact.entries[0].transactions = []
        #expect(ProofFields.candidates(in: [inexact])[0].inexactAmount == "49.00001 EUR")
    }
}
