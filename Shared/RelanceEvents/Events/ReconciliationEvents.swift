/// The event types of reconciliation (see `Catalog`).
public enum ReconciliationEvents {
    public static let ledgerTopic = "relance.ledger"
    public static let commandsTopic = "relance.reconciliation-commands"
    public static let reconcilableAccountsTopic = "relance.reconcilable-accounts"
    public static let allocationsTopic = "relance.allocations"
    public static let invoiceStatusTopic = "relance.invoice-status"

    /// The permission the "reconcile" command needs (seed 004: Gérer les conciliations).
    public static let permission = "manage_reconciliations"

    public static let creditNoteIssued = EventType(
        "credit-note.issued",
        summary: "A credit note granted to the account (a cancelled service, a partly cancelled contract); "
            + "unapplied until reconciled.",
        data: .object(
            [
                "creditNoteId": .string(), "amount": .amount(), "currency": .currency(), "issuedOn": .date(),
                "number": .string("the number printed on the credit note"),
                "invoiceId": .string("the invoice it credits, for the record; it is not applied by itself"),
            ], optional: ["number", "invoiceId"]))

    public static let refundIssued = EventType(
        "refund.issued", summary: "Money paid back to the customer: a debit of the account.",
        data: .object(
            [
                "refundId": .string(), "amount": .amount(), "currency": .currency(), "issuedOn": .date(),
                "reference": .string(),
            ], optional: ["reference"]))

    public static let paymentReceived = EventType(
        "payment.received",
        summary: "A payment received outside the gateway (transfer, cheque): to the invoice it names, "
            + "else to the oldest open debits.",
        data: .object(
            [
                "paymentId": .string(), "amount": .amount(), "currency": .currency(), "receivedOn": .date(),
                "invoiceId": .string("the invoice it pays, when it names one"), "reference": .string(),
            ], optional: ["invoiceId", "reference"]))

    public static let invoiceScheduled = EventType(
        "invoice.schedule-covered",
        summary: "An upcoming scheduled payment (installment, subscription) will pay the invoice, or no longer will "
            + "(scheduleId absent): a covered invoice does not count as unreconciled.",
        data: .object(["invoiceId": .string(), "scheduleId": .string()], optional: ["scheduleId"]))

    public static let reconcileRequested = EventType(
        "reconciliation.requested",
        summary: "Reconcile the account now (the Reconcile button); only an actor with the manage_reconciliations "
            + "permission may.",
        data: .object(
            [
                "actor": .object(
                    ["id": .string(), "permissions": .array(of: .string())],
                    description: "unsigned commands only (migration): a signed command's actor comes from its token"),
                "requestId": .string(),
            ], optional: ["requestId", "actor"]))

    static let item = JSONSchema.object(
        [
            "id": .string(), "kind": .oneOf(LedgerItemKind.allCases.map(\.rawValue)),
            "side": .oneOf(["debit", "credit"]), "amount": .amount(), "open": .amount("not reconciled yet"),
            "currency": .currency(), "date": .date(), "reference": .string(),
        ], optional: ["reference"])

    static let total = JSONSchema.object(["currency": .currency(), "amount": .integer(minimum: 0)])

    public static let reconcilableAccount = EventType(
        "reconcilable-account.updated",
        summary: "The account's entry in the reconcilable-accounts list (listed: false when it leaves); key account.",
        data: .object(
            [
                "listed": .boolean(),
                "unreconciledItems": .integer("debits and credits not reconciled", minimum: 0),
                "unreconciledDebit": .array(of: total, "per currency: the open debits' total"),
                "unreconciledCredit": .array(of: total, "per currency: the open credits' total"),
                "zeroBalance": .boolean("debits equal credits in every currency"),
                "sortKey": .string("the list's order: zero balance first, then fewest items; sort ascending"),
                "openItems": .array(of: item),
            ]))

    public static let allocationMade = EventType(
        "allocation.made",
        summary: "Money of a credit applied to a debit: one per (credit, debit, amount).",
        data: .object(
            [
                "creditId": .string(), "creditKind": .oneOf(LedgerItemKind.allCases.map(\.rawValue)),
                "debitId": .string(), "debitKind": .oneOf(LedgerItemKind.allCases.map(\.rawValue)),
                "amount": .amount(), "currency": .currency(),
                "trigger": .oneOf(["payment", "proof", "command", "policy"], "what reconciled it"),
                "debitAmount": .amount(
                    "the debit's amount after this event (an invoice's with its late fees); less debitOpen: what has "
                        + "been allocated to it in all"),
                "debitOpen": .amount("what the debit still owes after this event's allocations (0: settled)"),
            ], optional: ["debitAmount", "debitOpen"]))

    public static let invoiceStatus = EventType(
        "invoice.status",
        summary: "An invoice's status after allocations: open, partially paid or paid; key account/invoice.",
        data: .object(
            [
                "invoiceId": .string(), "status": .oneOf(["open", "partially_paid", "paid"]), "amount": .amount(),
                "open": .amount("still owed"), "currency": .currency(),
            ]))

    public static let all = [
        creditNoteIssued, refundIssued, paymentReceived, invoiceScheduled, reconcileRequested, reconcilableAccount,
        allocationMade, invoiceStatus,
    ]
}
