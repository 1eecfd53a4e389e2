/// The event types of proofs of payment, invoices and account status (see `Catalog`).
public enum ProofEvents {
    public static let invoicesTopic = "relance.invoices"
    public static let accountStatusTopic = "relance.account-status"
    public static let proofsTopic = "relance.proofs"
    public static let verdictsTopic = "relance.proof-verdicts"

    public static let documentFormats = ProofDocumentFormat.allCases.map(\.rawValue)

    public static let invoiceIssued = EventType(
        "invoice.issued", summary: "The billing platform issued an invoice to the account.",
        data: .object(
            [
                "invoiceId": .string(), "number": .string("the number printed on the invoice"),
                "amount": .amount(), "currency": .currency(), "issuedOn": .date(), "dueOn": .date(),
                "payeeName": .string("the merchant, as the invoice names it"),
                "payeeAccount": .string("the merchant's account (IBAN) payments must go to"),
            ], optional: ["dueOn", "payeeName", "payeeAccount"]))

    public static let invoiceFeeAdded = EventType(
        "invoice.fee-added",
        summary:
            "A late fee added to an overdue invoice by dunning (reminder-mailer): the flat recovery indemnity or "
            + "late-payment interest; once per invoice and kind.",
        data: .object(
            [
                "invoiceId": .string(), "feeId": .string("the invoice id and the kind: the same fee, the same id"),
                "kind": .oneOf(["flat_indemnity", "late_interest"]), "amount": .amount(), "currency": .currency(),
                "from": .date("late interest: the first day counted (the day after the due date)"),
                "to": .date("late interest: the last day counted (the ladder step's day)"),
                "annualRatePercent": .string("late interest: the annual rate in percent, a decimal: \"12.15\""),
            ], optional: ["from", "to", "annualRatePercent"]))

    public static let accountStatus = EventType(
        "account.status",
        summary:
            "Where an account stands: the banner, suspension, how dunning ended (termination, subscription "
            + "cancelled, handed to collections, written off), reactivation.",
        data: .object(
            [
                "status": .oneOf(
                    [
                        "active", "past_due", "suspended", "terminated", "reactivated", "cancelled", "in_collections",
                        "written_off",
                    ]),
                "reason": .string(),
            ], optional: ["reason"]))

    static let fields = JSONSchema.object(
        [
            "payerName": .string(), "payeeName": .string(), "transactionDate": .date(), "amount": .amount(),
            "currency": .currency(), "transactionId": .string(), "description": .string(),
            "payerAccount": .string(), "payeeAccount": .string(),
            "bankConfirmation": .oneOf(["booked", "pending", "none"], "what the bank says of the transfer"),
        ],
        optional: [
            "payerName", "payeeName", "transactionDate", "amount", "currency", "transactionId", "description",
            "payerAccount", "payeeAccount", "bankConfirmation",
        ], description: "the proof's elements as typed from the document")

    public static let proofSubmitted = EventType(
        "proof.submitted",
        summary:
            "A customer's proof of payment: typed fields, a bank document (camt.052/053/054, MT940, CSV), or both.",
        data: .object(
            [
                "proofId": .string(),
                "kind": .oneOf(["bank_statement", "card_statement", "remittance_advice"]),
                "invoiceIds": .array(of: .string(), "invoices the customer says it pays"),
                "fields": fields,
                "document": .object(
                    [
                        "format": .oneOf(documentFormats), "encoding": .oneOf(["text", "base64"]),
                        "content": .string("the file, as text or base64"),
                        "csvMapping": .string("the name of a configured CSV column mapping"),
                    ], optional: ["encoding", "csvMapping"]),
            ], optional: ["invoiceIds", "fields", "document"]))

    public static let proofVerdict = EventType(
        "proof.verdict",
        summary: "Whether a proof holds: accepted (with the invoices it pays), rejected, or to review.",
        data: .object(
            [
                "proofId": .string(), "verdict": .oneOf(["accepted", "rejected", "needs_review"]),
                "reasons": .array(
                    of: .object([
                        "element": .oneOf(ProofElement.allCases.map(\.rawValue)), "code": .string(),
                        "message": .string(),
                    ])),
                "matches": .array(of: .object(["invoiceId": .string(), "amount": .amount(), "currency": .currency()])),
                "cases": .array(
                    of: .oneOf(ProofCase.allCases.map(\.rawValue))),
                "transactionId": .string(), "transactionDate": .date(), "amount": .amount(), "currency": .currency(),
                "payerName": .string(), "payeeName": .string(),
                "refundAmount": .amount("a second payment of an invoice already paid, to refund"),
                "shortfall": .integer("owed minus paid, in minor units; negative when paid more"),
            ],
            optional: [
                "transactionId", "transactionDate", "amount", "currency", "payerName", "payeeName", "refundAmount",
                "shortfall",
            ]))

    public static let all = [invoiceIssued, invoiceFeeAdded, accountStatus, proofSubmitted, proofVerdict]
}
