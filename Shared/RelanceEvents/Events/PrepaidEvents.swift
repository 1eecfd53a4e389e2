/// The event types of prepaid balances (see `Catalog`).
public enum PrepaidEvents {
    public static let prepaidTopic = "relance.prepaid"
    public static let balancesTopic = "relance.balances"

    public static let settingsUpdated = EventType(
        "prepaid.settings-updated",
        summary: "The account's balance management: automatic recharge, its threshold and amount, a monthly recharge.",
        data: .object(
            [
                "currency": .currency("the currency of the account's credit"),
                "automaticRecharge": .boolean(), "threshold": .amount("recharge below this balance"),
                "rechargeAmount": .amount("what an automatic recharge buys"),
                "monthlyRecharge": .amount("bought at the end of every month"),
            ], optional: ["threshold", "rechargeAmount", "monthlyRecharge"]))

    public static let usageRecorded = EventType(
        "usage.recorded", summary: "Usage to deduct from the balance (messages sent, calls).",
        data: .object(
            ["usageId": .string(), "amount": .amount(), "currency": .currency(), "product": .string()],
            optional: ["product"]))

    public static let feeCharged = EventType(
        "fee.charged", summary: "A recurring fee to deduct from the balance (a dedicated number's monthly rent).",
        data: .object(
            ["feeId": .string(), "amount": .amount(), "currency": .currency(), "description": .string()],
            optional: ["description"]))

    public static let topUpRequested = EventType(
        "topup.requested", summary: "The customer buys credit: by card at once, or by bank transfer on an invoice.",
        data: .object(
            ["amount": .amount(), "currency": .currency(), "method": .oneOf(TopUpMethod.allCases.map(\.rawValue))]))

    public static let balanceUpdated = EventType(
        "balance.updated", summary: "The account's prepaid balance; key account.",
        data: .object(
            [
                "balance": .integer("minor units; negative when usage ran past the credit"),
                "currency": .currency(), "automaticRecharge": .boolean(),
                "recharging": .boolean("a card top-up is being charged"),
                "waitingForCard": .boolean("a top-up failed and waits for the card to be updated"),
            ]))

    public static let all = [settingsUpdated, usageRecorded, feeCharged, topUpRequested, balanceUpdated]
}
