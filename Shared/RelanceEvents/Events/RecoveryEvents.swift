/// The event types of recovery-stats (see `Catalog` and docs/recovery-stats.md).
public enum RecoveryEvents {
    /// payment-retry's action-centre items again, keyed by account: when an item opens and
    /// whenever its outcome is set (recovery-stats' input; the action centre's topic is keyed
    /// by payment id).
    public static let outcomesTopic = "relance.payment-outcomes"
    /// Per-failure and per-account facts (recovery-stats, stage 1 → 2), keyed by
    /// `merchant/currency/day/shard`: the day of the first failure (of the termination, for
    /// churn) and one of `RecoveryEvents.shards` shards of the payment (account) id.
    public static let factsTopic = "relance.recovery-facts"
    /// One shard's figures for one day (recovery-stats, stage 2 → 3), keyed by
    /// `merchant/currency/day`.
    public static let partialsTopic = "relance.recovery-partials"
    /// One day's figures, all shards summed (recovery-stats, stage 3 → 4), keyed by
    /// `merchant/currency/week`.
    public static let daysTopic = "relance.recovery-days"
    /// How many shards a merchant's failures of one currency and day are spread over in stage 2.
    public static let shards = 16
    /// The figures, compacted: key `merchant/currency/day` or `merchant/currency/week`.
    public static let statsTopic = "relance.recovery-stats"

    static let methods = PaymentMethod.allCases.map(\.rawValue)
    static let types = TransactionType.allCases.map(\.rawValue)
    static let resolutions = ["automatic_retry", "card_updated", "operator_retry", "final_attempt", "paid_another_way"]
    static let lossReasons = ["dismissed", "handed_to_collections", "retries_exhausted", "account_terminated"]

    public static let failureFact = EventType(
        "recovery.failure-fact",
        summary: "Where one failed payment stands: open, recovered (how) or lost (why); the latest sequence wins.",
        data: .object(
            [
                "paymentId": .string(), "paymentAccountId": .string("the account whose payment failed"),
                "amount": .amount(), "currency": .currency(), "declineCode": .string(),
                "paymentMethod": .oneOf(methods), "transactionType": .oneOf(types),
                "firstFailedAt": .timestamp("when the payment first failed"),
                "status": .oneOf(["open", "recovered", "lost"]),
                "resolution": .oneOf(resolutions, "recovered: the channel"),
                "recoveredOnAttempt": .integer("recovered by a Relance charge: its attempt number", minimum: 1),
                "lossReason": .oneOf(lossReasons, "lost: why"),
                "outcomeAt": .timestamp("when it was recovered or lost"),
                "sequence": .integer("this payment's facts are numbered: a reader keeps the highest", minimum: 1),
                "withdrawn": .boolean(
                    "true: the payment is no longer counted under this key (its first failure's day or currency changed)"
                ),
            ], optional: ["resolution", "recoveredOnAttempt", "lossReason", "outcomeAt", "withdrawn"]))

    public static let churnFact = EventType(
        "recovery.churn-fact",
        summary:
            "An account terminated for non-payment (or reactivated, or no longer owing in this currency), with what its failed payments in one currency still owed.",
        data: .object(
            [
                "churnedAccountId": .string(), "terminated": .boolean(),
                "at": .timestamp("when the account was terminated"), "currency": .currency(),
                "unpaidAmount": .amount("its failed payments in this currency not recovered at termination"),
                "sequence": .integer("the account's churn facts are numbered: a reader keeps the highest", minimum: 1),
            ]))

    static let tally = JSONSchema.object(["count": .integer(minimum: 0), "amount": .amount()])
    static let rate = JSONSchema.object(["failed": .integer(minimum: 0), "recovered": .integer(minimum: 0)])

    public static let statsUpdated = EventType(
        "recovery-stats.updated",
        summary: "A merchant's recovery figures for one currency and one day (or ISO week) of first failures.",
        data: figures)

    public static let partialFigures = EventType(
        "recovery.partial-figures",
        summary: "One shard's recovery figures for one day of first failures; the latest revision wins.",
        data: .object(
            [
                "shard": .integer("the stage-2 shard", minimum: 0),
                "revision": .integer("this shard's figures are numbered: a reader keeps the highest", minimum: 1),
                "figures": figures,
            ]))

    public static let dayFigures = EventType(
        "recovery.day-figures",
        summary: "A merchant's recovery figures for one currency and one day of first failures, every shard summed; "
            + "the latest revision wins.",
        data: .object(
            [
                "revision": .integer(
                    "the day's figures are numbered (the sum of its shards' revisions): a reader keeps the highest",
                    minimum: 1),
                "figures": figures,
            ]))

    static let figures = JSONSchema.object(
        [
            "period": .oneOf(["day", "week"], "the failures counted are those first failed in this period"),
            "start": .date("the period's first day"), "week": .string("ISO week, e.g. 2026-W45"),
            "currency": .currency(),
            "opened": tally, "recovered": tally, "lost": tally, "open": tally,
            "recoveredByChannel": .map(of: tally, "resolution → count and amount"),
            "lostByReason": .map(of: tally, "loss reason → count and amount"),
            "byDeclineCode": .map(of: rate), "byPaymentMethod": .map(of: rate),
            "byTransactionType": .map(of: rate),
            "recoveredByAttempt": .map(of: tally, "attempt number → recovered count and amount"),
            "daysToRecover": .object(
                [
                    "median": .integer(minimum: 0), "p90": .integer(minimum: 0),
                    "histogram": .array(of: .integer(minimum: 0), "recoveries by whole days; the last: 60 or more"),
                ], optional: ["median", "p90"]),
            "recoveredWithin": .object(
                ["days7": .amount(), "days14": .amount(), "days30": .amount()],
                description: "amount recovered within 7, 14, 30 days of the first failure"),
            "churn": .object(
                ["accounts": .integer(minimum: 0), "amount": .amount()],
                description: "accounts terminated for non-payment in the period, and what they owed"),
        ], optional: ["week"])

    public static let all = [failureFact, churnFact, partialFigures, dayFigures, statsUpdated]
}
