import RelanceEvents

/// The JSON files the workers read at start, each named by a variable, with its schema: a
/// worker checks its file against the schema before reading it, so that a member it does not
/// know (a typo: `"cardSoftDeclines"`) or a value of the wrong type stops the start with its
/// path instead of being ignored. The schemas are also in `schemas/config/` (generated; a test
/// keeps them in step), for editors and CI checks of a deployment's files.
public enum ConfigurationFiles {
    public struct File: Sendable {
        /// The environment variable that names the file.
        public var variable: String
        /// The worker that reads it.
        public var worker: String
        public var title: String
        public var schema: JSONSchema

        /// Its file under `schemas/`.
        public var path: String { "config/\(variable.dropFirst("RELANCE_".count).lowercased()).schema.json" }

        /// The JSON Schema document.
        public var document: JSONValue {
            guard case .object(let members) = schema.document else { return schema.document }
            return .object(
                [
                    ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
                    ("$id", .string("https://relance.dev/schemas/\(path)")),
                    ("title", .string(title)),
                ] + members)
        }
    }

    static let unknown = "is not a setting of this file"

    /// A retry schedule: delays after the failure before each retry.
    static let schedule = JSONSchema.string(
        "delays between attempts, comma-separated, each counted from the failure before it: 7d,7d or 8,8,8 (days) "
            + "or 12h, 30m, 45s")

    static let retryPolicy = JSONSchema.object(
        [
            "cardSoftDecline": schedule, "debitInsufficientFunds": schedule,
            "directDebitRetries": .boolean("retry SEPA AM04/MS03 failures (false: hand the order to collections)"),
            "eCheckInsufficientFunds": schedule,
            "technical": .object(
                [
                    "firstSeconds": .integer("first wait", minimum: 1),
                    "factor": .integer("each wait is the previous one times this", minimum: 1),
                    "capSeconds": .integer("longest wait", minimum: 1),
                    "maxTries": .integer("tries before the failure is kept", minimum: 0),
                ], optional: ["firstSeconds", "factor", "capSeconds", "maxTries"],
                description: "backoff of technical failures (not counted as attempts)"),
            "timing": .object(
                [
                    "window": .string(
                        "local time of day for scheduled retries: 02:00-05:00 (may wrap midnight) or 09:00"),
                    "businessDaysOnly": .boolean(
                        "retry on business days only (default: yes for direct debits, TARGET2 days for SEPA)"),
                    "paydays": .object(
                        [
                            "days": .array(
                                of: .integer("a day of the month; 31 is the month's last day", minimum: 1, maximum: 31),
                                minItems: 1, "the paydays"),
                            "windowDays": .integer("days from each payday the window lasts", minimum: 1, maximum: 31),
                            "maxDelayDays": .integer(
                                "move a retry only if the window starts within this many days", minimum: 0,
                                maximum: 31),
                            "codes": .array(
                                of: .string("a decline code"), minItems: 1,
                                "the decline codes whose retries move to paydays"),
                        ], optional: ["windowDays", "maxDelayDays"],
                        description: "move retries of these declines into the next payday window"),
                ], optional: ["window", "businessDaysOnly", "paydays"],
                description: "when scheduled retries may happen (docs/payment-retry.md, \"Retry timing\")"),
            "timeZone": .string("the merchant's IANA time zone (Europe/Paris), when the customer's is not known"),
        ],
        optional: [
            "cardSoftDecline", "debitInsufficientFunds", "directDebitRetries", "eCheckInsufficientFunds", "technical",
            "timing", "timeZone",
        ],
        description: "a retry policy; members left out keep their defaults (docs/payment-retry.md)")

    public static let retryPolicies = File(
        variable: "RELANCE_RETRY_POLICIES", worker: "payment-retry", title: "payment-retry's retry policies",
        schema: JSONSchema.object(
            ["default": retryPolicy, "merchants": .map(of: retryPolicy, "policies by merchant id")],
            optional: ["default", "merchants"]
        ).unknownMembers(unknown))

    static let networkLimit = JSONSchema.object(
        [
            "maxAttempts": .integer("reattempts allowed in the window", minimum: 0),
            "windowSeconds": .integer("the sliding window, at most ten years", minimum: 1, maximum: 315_360_000),
            "name": .string("the rule, as the action centre shows it"),
            "restartsOnApproval": .boolean("an approval starts the count again"),
        ], optional: ["restartsOnApproval"])

    public static let cardNetworkRules = File(
        variable: "RELANCE_CARD_NETWORK_RULES", worker: "payment-retry",
        title: "payment-retry's card network retry limits",
        schema: JSONSchema.object(
            [
                "limits": .map(of: .array(of: networkLimit), "limits by network: visa, mastercard, other"),
                "neverRetry": .map(
                    of: .array(of: .string("a code")),
                    "network:scheme (visa:iso8583, visa:stripe, mastercard:merchant_advice) → codes after which no retry"
                ),
                "retryAfter": .map(
                    of: .map(of: .integer("seconds", minimum: 1), "code → wait"),
                    "network:scheme → codes that ask for a wait before the next retry"),
            ], optional: ["limits", "neverRetry", "retryAfter"],
            description: "members given replace the defaults' (docs/card-network-rules.md)"
        ).unknownMembers(unknown))

    public static let topUpPolicy = File(
        variable: "RELANCE_TOPUP_POLICY", worker: "prepaid", title: "prepaid's top-up policy",
        schema: JSONSchema.object(
            [
                "baseCurrency": .currency("the currency of the minimums"),
                "minimums": .map(
                    of: .integer("minor units of baseCurrency", minimum: 0),
                    "minimum top-up by method: card, bank_transfer"),
                "rates": .map(
                    of: .string("units of the currency one unit of baseCurrency buys, a decimal: \"0.61\""),
                    "conversion rates by ISO 4217 code"),
                "transferDueDays": .integer(
                    "days a bank-transfer top-up invoice leaves to pay", minimum: 0, maximum: 365),
            ], optional: ["baseCurrency", "minimums", "rates", "transferDueDays"]
        ).unknownMembers(unknown))

    public static let merchantTimeZones = File(
        variable: "RELANCE_MERCHANT_TIME_ZONES", worker: "card-expiry", title: "card-expiry's merchant time zones",
        schema: JSONSchema.map(
            of: .string("an IANA time zone: Europe/Paris"), "time zone by merchant id (UTC otherwise)"
        ).unknownMembers(unknown))

    public static let merchants = File(
        variable: "RELANCE_MERCHANTS", worker: "reminder-mailer", title: "reminder-mailer's merchant profiles",
        schema: JSONSchema.map(
            of: .object(
                [
                    "name": .string("the merchant's name, as customers know it"),
                    "fromAddress": .string("the address emails come from"),
                    "contactEmail": .string("where customers write to"),
                    "logoURL": .string("a logo shown at the top of emails"),
                    "paymentURL": .string("where a customer pays; {account} stands for the account id"),
                    "locale": .string("the language of the emails: fr, en, …"),
                    "digestRecipients": .array(
                        of: .string("an email address"), "who gets the daily digest of failed transactions"),
                    "actionCentreURL": .string("the action centre's failed transactions, linked from the digest"),
                    "planConfirmationURL": .string(
                        "where a customer confirms a plan's new price; {account} and {plan} stand for the ids"),
                ], optional: ["logoURL", "locale", "digestRecipients", "actionCentreURL", "planConfirmationURL"]),
            "merchant profiles by merchant id"
        ).unknownMembers(unknown))

    static let dunningPolicy = JSONSchema.object(
        [
            "finalAction": .oneOf(
                FinalAction.allCases.map(\.rawValue),
                "what the last ladder step (the legal notice) does: terminate (default), suspend (the account stays "
                    + "suspended), cancel_subscription, hand_to_collections, write_off"),
            "minimumOverdue": .map(
                of: .integer("minor units", minimum: 0, maximum: Money.maximumMinorUnits),
                "ISO 4217 code → the overdue balance below which the ladder does not run (EUR: 500 is 5,00 €)"),
            "preDueReminderDays": .array(
                of: .integer("days before the due date", minimum: 1, maximum: 60),
                "a reminder this many days before each invoice falls due, each once ([] for none)"),
            "lateFees": .object(
                [
                    "atStep": .integer("the ladder step from which the fees are added", minimum: 1, maximum: 5),
                    "flatIndemnity": .map(
                        of: .integer("minor units", minimum: 0, maximum: Money.maximumMinorUnits),
                        "ISO 4217 code → the flat recovery indemnity per invoice (EUR: 4000 is the legal 40 €)"),
                    "annualInterestRatePercent": .string(
                        "the annual late-interest rate in percent, a decimal 0…100 with at most 4 decimals: \"12.15\"",
                        pattern: "^[0-9.]{1,8}$"),
                    "interestDayCount": .oneOf(
                        LateFeePolicy.dayCounts, "days counted as they are, over a year of 365 (default) or 360 days"),
                ], optional: ["flatIndemnity", "annualInterestRatePercent", "interestDayCount"],
                description: "late fees added to each overdue invoice from a ladder step, once per invoice and kind"),
            "renewalNoticeDays": .integer(
                "days before the renewal of a subscription billed every six months or less often that its renewal "
                    + "notice goes out (default 7; Mastercard asks for 3 to 7; 0: none)", minimum: 0, maximum: 30),
        ], optional: ["finalAction", "minimumOverdue", "preDueReminderDays", "lateFees", "renewalNoticeDays"],
        description: "a dunning policy; members left out keep the default's (docs/reminder-mailer.md)")

    public static let dunningPolicies = File(
        variable: "RELANCE_DUNNING_POLICIES", worker: "reminder-mailer", title: "reminder-mailer's dunning policies",
        schema: JSONSchema.object(
            ["default": dunningPolicy, "merchants": .map(of: dunningPolicy, "policies by merchant id")],
            optional: ["default", "merchants"]
        ).unknownMembers(unknown))

    static let column = JSONSchema.string("a column header of the file")

    public static let csvMappings = File(
        variable: "RELANCE_CSV_MAPPINGS", worker: "proof-validator", title: "proof-validator's CSV statement mappings",
        schema: JSONSchema.map(
            of: .object(
                [
                    "columns": .object(
                        [
                            "bookingDate": column, "valueDate": column, "amount": column, "debit": column,
                            "credit": column, "creditDebit": column, "currency": column, "reference": column,
                            "endToEndID": column, "counterpartyName": column, "counterpartyAccount": column,
                            "counterpartyBIC": column, "description": column, "status": column,
                        ],
                        optional: [
                            "valueDate", "amount", "debit", "credit", "creditDebit", "currency", "reference",
                            "endToEndID", "counterpartyName", "counterpartyAccount", "counterpartyBIC", "description",
                            "status",
                        ], description: "which column holds what"),
                    "delimiter": .string("the field separator (default ,)"),
                    "decimalSeparator": .string("default ."),
                    "thousandsSeparator": .string(),
                    "dateFormat": .string("default yyyy-MM-dd"),
                    "currency": .currency("when the file has no currency column"),
                    "account": .string("the statement's account (IBAN)"),
                    "accountOwner": .string(),
                    "creditValues": .array(of: .string(), "values of creditDebit that mean a credit"),
                    "bookedValues": .array(of: .string(), "values of status that mean booked"),
                ],
                optional: [
                    "delimiter", "decimalSeparator", "thousandsSeparator", "dateFormat", "currency", "account",
                    "accountOwner", "creditValues", "bookedValues",
                ]),
            "CSV mappings by name, added to the presets"
        ).unknownMembers(unknown))

    static let brands = JSONSchema.array(
        of: .string("a card brand: visa, mastercard, amex, jcb, diners, discover, unionpay, …"), minItems: 1)

    public static let cardBrands = File(
        variable: "RELANCE_CARD_BRANDS", worker: "prepaid", title: "prepaid's accepted card brands",
        schema: JSONSchema.object(
            [
                "default": brands,
                "merchants": .map(of: brands, "brands by merchant id (instead of the default)"),
            ], optional: ["default", "merchants"]
        ).unknownMembers(unknown))

    public static let all = [
        retryPolicies, cardNetworkRules, topUpPolicy, merchantTimeZones, merchants, csvMappings, cardBrands,
        dunningPolicies,
    ]
}
