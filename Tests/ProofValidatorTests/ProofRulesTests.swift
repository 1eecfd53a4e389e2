import BankStatements
import RelanceDomain
import RelanceEvents
import RelanceTestSupport
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

    @Test func anInvoicePaidByCardThenByTransferIsPaidTwice() throws {
        var ledger = Self.ledger()
        try ledger.paid(invoiceID: "i-42", amount: 4_900)
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

    /// A Dutch bank's MT940 (Rabobank's layout): the payee's account on the second :61: line,
    /// its name in :86:, no entry date — the transaction's date is the value date.
    @Test func anMT940FromADutchBankGivesThePayeeAndTheValueDate() throws {
        let text = """
            :940:
            :20:940S261106
            :25:NL68RABO0123456789 EUR
            :28C:0
            :60F:C261105EUR000000001000,00
            :61:261106D000000000049,00N541NONREF
            \(Self.merchantIBAN)
            :86:/BENM//NAME/Relance Demo SAS/REMI/Facture INV-2026-0042
            :62F:C261106EUR000000000951,00
            """
        let fields = try #require(ProofFields.candidates(in: MT940Reader.read(text)).first)
        #expect(fields.transactionDate == "2026-11-06")
        #expect(fields.payeeName == "Relance Demo SAS" && fields.payeeAccount == Self.merchantIBAN)
        #expect(fields.payerAccount == "NL68RABO0123456789")
        #expect(fields.amount == 4_900 && fields.currency == "EUR" && fields.description == "Facture INV-2026-0042")
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

/// Amounts at the bound and beyond it (a state written before the bound can hold up to
/// Int64.max): every sum and product of the validator is checked, an overflow is a verdict.
@Suite struct ProofAmountOverflowTests {
    static let iban = ProofRulesTests.merchantIBAN

    static func ledger(_ amounts: [Int64]) -> ProofLedger {
        var ledger = ProofLedger()
        for (n, amount) in amounts.enumerated() {
            ledger.issued(
                ProofInvoice(
                    id: "i-\(n)", number: "INV-2026-900\(n)", amount: amount, currency: "EUR", issuedOn: "2026-10-01",
                    payeeAccount: iban))
        }
        return ledger
    }

    static func proof(_ amount: Int64, naming description: String) -> ProofFields {
        var fields = ProofRulesTests.complete
        fields.amount = amount
        fields.description = description
        return fields
    }

    func judge(_ fields: ProofFields, _ ledger: inout ProofLedger) -> ProofVerdict {
        ProofValidator().evaluate(proofID: "p", candidates: [], typed: fields, claimedInvoices: [], ledger: &ledger)
    }

    @Test("the fee tolerance product: an invoice at the bound short by 1 % is bank fees, exactly")
    func feeProductAtTheBound() {
        var ledger = Self.ledger([Money.maximumMinorUnits])
        let paid = Money.maximumMinorUnits - Money.maximumMinorUnits / 100
        let verdict = judge(Self.proof(paid, naming: "INV-2026-9000"), &ledger)
        #expect(verdict.outcome == .needsReview && verdict.cases == [.shortByBankFees])
        #expect(verdict.difference == Money.maximumMinorUnits / 100)
        // 4 % short is not fees.
        let short = judge(Self.proof(Money.maximumMinorUnits / 100 * 96, naming: "INV-2026-9000"), &ledger)
        #expect(short.cases == [.unexpectedAmount])
        // 49.00 of it: shortfall × 10,000 is beyond Int64 (it trapped); a partial payment.
        let partial = judge(Self.proof(4_900, naming: "INV-2026-9000"), &ledger)
        #expect(partial.cases == [.unexpectedAmount] && partial.reasons.map(\.code) == ["partial_payment"])
        #expect(partial.difference == Money.maximumMinorUnits - 4_900)
    }

    @Test("the fee tolerance product: an invoice of Int64.max and a proof of 49.00 is a partial payment, not a trap")
    func feeProductAtInt64Max() {
        var ledger = Self.ledger([.max])
        let verdict = judge(Self.proof(4_900, naming: "INV-2026-9000"), &ledger)
        #expect(verdict.outcome == .needsReview && verdict.cases == [.unexpectedAmount])
        #expect(verdict.reasons.map(\.code) == ["partial_payment"])
        #expect(verdict.difference == Int64.max - 4_900)
    }

    @Test("what is owed across invoices: two of Int64.max do not add up; review, nothing applied")
    func owedSumOverflows() {
        var ledger = Self.ledger([.max, .max])
        let before = ledger
        let verdict = judge(Self.proof(4_900, naming: "INV-2026-9000 INV-2026-9001"), &ledger)
        #expect(verdict.outcome == .needsReview)
        #expect(verdict.reasons.map(\.code) == ["amount_out_of_range"])
        #expect(verdict.reasons.first?.message.contains("INV-2026-9000, INV-2026-9001") == true)
        #expect(ledger == before)
        // At the bound they add up and are paid exactly.
        var bounded = Self.ledger([Money.maximumMinorUnits, Money.maximumMinorUnits])
        var fields = Self.proof(Money.maximumMinorUnits, naming: "INV-2026-9000")
        #expect(judge(fields, &bounded).matches.map(\.amount) == [Money.maximumMinorUnits])
        fields.transactionID = "E2E-2"
        fields.description = "INV-2026-9001"
        #expect(judge(fields, &bounded).outcome == .accepted)
        #expect(bounded.invoices.map(\.remaining) == [0, 0])
    }

    @Test("paid += amount: a payment that would overflow what an invoice received is refused, the ledger unchanged")
    func paidOverflows() throws {
        var ledger = Self.ledger([Money.maximumMinorUnits])
        try ledger.paid(invoiceID: "i-0", amount: .max - 10)
        let before = ledger
        #expect(throws: MoneyOverflow.self) { try ledger.paid(invoiceID: "i-0", amount: 11) }
        #expect(ledger == before)
        try ledger.paid(invoiceID: "i-0", amount: 10)
        #expect(ledger.invoices[0].paid == .max && ledger.invoices[0].remaining == 0)
    }

    @Test("what is still owed: a state with a negative paid does not trap")
    func remainingDoesNotTrap() {
        var invoice = ProofInvoice(id: "i", number: "INV-1", amount: .max, currency: "EUR", issuedOn: "2026-10-01")
        invoice.paid = -1
        #expect(invoice.remaining == .max)
    }

    @Test(
        "owed − amount: a proof amount outside 0…bound is refused as amount_out_of_range",
        arguments: [
            Int64.min, -1, Money.maximumMinorUnits + 1, .max,
        ])
    func proofAmountOutOfRange(_ amount: Int64) {
        var ledger = Self.ledger([4_900])
        let verdict = judge(Self.proof(amount, naming: "INV-2026-9000"), &ledger)
        #expect(verdict.outcome == .rejected)
        #expect(verdict.reasons.map(\.code) == ["amount_out_of_range"])
        #expect(verdict.reasons.map(\.element) == [.amount])
    }

    @Test("a statement amount beyond the bound (a 4-digit currency) is refused, not matched")
    func statementAmountBeyondTheBound() {
        let statement = BankStatement(
            format: .camt053, account: StatementAccount(iban: "DE89370400440532013000", ownerName: "Zoé Lefèvre"),
            entries: [
                StatementEntry(
                    amount: StatementAmount(hundredThousandths: 900_000_000_000_000_000), currency: "CLF",
                    creditDebit: .debit, bookingDate: "2026-10-12", accountServicerReference: "BANK-1")
            ])
        let candidates = ProofFields.candidates(in: [statement])
        #expect(candidates.first?.amount == 90_000_000_000_000_000)
        var ledger = Self.ledger([4_900])
        let verdict = ProofValidator().evaluate(
            proofID: "p", candidates: candidates, typed: ProofRulesTests.complete, claimedInvoices: [],
            ledger: &ledger)
        #expect(verdict.outcome == .rejected)
        #expect(verdict.reasons.map(\.code) == ["amount_out_of_range"])
    }
}

/// Item 10: the invoices are indexed; verdicts stay the same, and a proof's work is bounded.
@Suite struct ProofIndexTests {
    @Test("a document over the entry bound goes to review with the reason, unmatched")
    func tooManyEntries() {
        var ledger = ProofRulesTests.ledger()
        let before = ledger
        let candidates = Array(repeating: ProofRulesTests.complete, count: 4)
        let validator = ProofValidator(maximumEntries: 3)
        let verdict = validator.evaluate(
            proofID: "p", candidates: candidates, typed: nil, claimedInvoices: [], ledger: &ledger)
        #expect(verdict.outcome == .needsReview)
        #expect(verdict.reasons.map(\.code) == ["too_many_entries"])
        #expect(verdict.reasons.first?.message.contains("4 transactions; at most 3") == true)
        #expect(ledger == before)
        #expect(ProofValidator.defaultMaximumEntries == 100_000)
        let three = validator.evaluate(
            proofID: "p", candidates: Array(candidates.prefix(3)), typed: nil, claimedInvoices: [], ledger: &ledger)
        #expect(three.outcome == .accepted)
    }

    /// The rule the index must keep: letters and digits compared, a number of four characters
    /// or more, not followed by a digit when it ends in one.
    static func names(_ text: String, _ number: String) -> Bool {
        func normal(_ s: String) -> [UInt8] {
            s.uppercased().utf8.filter { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) }
        }
        let haystack = normal(text)
        let needle = normal(number)
        guard needle.count >= 4, haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count)
        where Array(haystack[start..<(start + needle.count)]) == needle {
            let after = start + needle.count
            if after == haystack.count || !(needle[needle.count - 1] >= 0x30 && needle[needle.count - 1] <= 0x39)
                || !(haystack[after] >= 0x30 && haystack[after] <= 0x39)
            {
                return true
            }
        }
        return false
    }

    @Test("the invoices a text names are those a plain search finds, over 2,000 random ledgers and texts")
    func sameAsAPlainSearch() {
        var random = SplitMix64(seed: 2026)
        let alphabet = Array("12A-B ")
        func word(_ length: Int) -> String {
            String((0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
        }
        for round in 0..<2_000 {
            var ledger = ProofLedger()
            let numbers = (0..<Int(random.next() % 12 + 1)).map { _ in word(Int(random.next() % 7) + 2) }
            for (n, number) in numbers.enumerated() {
                ledger.issued(
                    ProofInvoice(
                        id: "i-\(n < 10 ? "0" : "")\(n)", number: number, amount: 100, currency: "EUR",
                        issuedOn: "2026-10-01"))
            }
            var fields = ProofRulesTests.complete
            fields.payeeAccount = nil
            fields.description = word(Int(random.next() % 30))
            fields.references = [word(Int(random.next() % 8))]
            let text = (fields.description ?? "") + " " + fields.references.joined(separator: " ")
            let expected = ledger.invoices.filter { Self.names(text, $0.number) }.map(\.id)
            guard !expected.isEmpty else { continue }
            fields.amount = 100 * Int64(expected.count)
            var copy = ledger
            let verdict = ProofValidator().evaluate(
                proofID: "p", candidates: [], typed: fields, claimedInvoices: [], ledger: &copy)
            #expect(verdict.matches.map(\.invoiceID) == expected, "round \(round): \(numbers) in \(text)")
        }
    }

    @Test(
        "among many entries and invoices, the first entry naming an invoice is the payment, else the first of an open amount"
    )
    func choiceAmongManyEntries() {
        var ledger = ProofLedger()
        for k in 0..<200 {
            ledger.issued(
                ProofInvoice(
                    id: "i-\(1000 + k)", number: "FAC-\(1000 + k)", amount: 10_000 + Int64(k), currency: "EUR",
                    issuedOn: "2026-10-01"))
        }
        func entry(_ n: Int, amount: Int64, description: String) -> ProofFields {
            var fields = ProofRulesTests.complete
            fields.payeeAccount = nil
            fields.transactionID = "E2E-\(n)"
            fields.amount = amount
            fields.description = description
            return fields
        }
        var entries = (0..<500).map { entry($0, amount: 1, description: "Rechnung FAC-\($0)") }
        entries.append(entry(500, amount: 10_150, description: "no number"))
        entries.append(entry(501, amount: 10_077, description: "Facture FAC-1077"))
        var copy = ledger
        let named = ProofValidator().evaluate(
            proofID: "p", candidates: entries, typed: nil, claimedInvoices: [], ledger: &copy)
        #expect(named.fields?.transactionID == "E2E-501" && named.matches.map(\.invoiceID) == ["i-1077"])
        entries.removeLast()
        copy = ledger
        let ofAmount = ProofValidator().evaluate(
            proofID: "p", candidates: entries, typed: nil, claimedInvoices: [], ledger: &copy)
        #expect(ofAmount.fields?.transactionID == "E2E-500" && ofAmount.matches.map(\.invoiceID) == ["i-1150"])
        entries.removeLast()
        copy = ledger
        let none = ProofValidator().evaluate(
            proofID: "p", candidates: entries, typed: nil, claimedInvoices: [], ledger: &copy)
        #expect(none.reasons.map(\.code) == ["no_matching_entry"])
        // Claimed by the submission: every entry names it; the first one is taken.
        copy = ledger
        let claimed = ProofValidator().evaluate(
            proofID: "p", candidates: entries, typed: nil, claimedInvoices: ["FAC-1002"], ledger: &copy)
        #expect(claimed.fields?.transactionID == "E2E-0" && claimed.cases == [.unexpectedAmount])
    }
}

@Test("the proof event's document formats are exactly those BankStatements reads")
func documentFormatsMatchTheReaders() {
    #expect(ProofDocumentFormat.allCases.map(\.rawValue) == StatementFormat.allCases.map(\.rawValue))
}

@Test("late fees in the ledger: once by id, kept when the invoice is issued again, refused with a code")
func ledgerLateFees() throws {
    var ledger = ProofLedger()
    ledger.issued(ProofInvoice(id: "i-1", number: "F-1", amount: 100_000, currency: "EUR", issuedOn: "2026-10-01"))
    try ledger.feeAdded(invoiceID: "i-1", feeID: "i-1/flat_indemnity", amount: 4_000, currency: "EUR")
    try ledger.feeAdded(invoiceID: "i-1", feeID: "i-1/flat_indemnity", amount: 4_000, currency: "EUR")
    try ledger.feeAdded(invoiceID: "i-1", feeID: "i-1/late_interest", amount: 499, currency: "EUR")
    try ledger.feeAdded(invoiceID: "unknown", feeID: "unknown/late_interest", amount: 499, currency: "EUR")
    #expect(ledger.invoices.first?.remaining == 104_499)
    ledger.issued(ProofInvoice(id: "i-1", number: "F-1", amount: 100_000, currency: "EUR", issuedOn: "2026-10-01"))
    #expect(ledger.invoices.first?.remaining == 104_499)
    #expect(throws: LateFeeRefusal.self) {
        try ledger.feeAdded(invoiceID: "i-1", feeID: "i-1/x", amount: 1, currency: "USD")
    }
    #expect(throws: LateFeeRefusal.self) {
        try ledger.feeAdded(invoiceID: "i-1", feeID: "i-1/y", amount: Money.maximumMinorUnits, currency: "EUR")
    }
    #expect(ledger.invoices.first?.remaining == 104_499)
}
