import RelanceEvents

/// One environment variable a worker reads: its name, its default, what it does.
public struct Setting: Sendable, Equatable {
    public var name: String
    public var defaultValue: String
    public var meaning: String

    public init(_ name: String, _ defaultValue: String, _ meaning: String) {
        self.name = name
        self.defaultValue = defaultValue
        self.meaning = meaning
    }
}

/// The variables each worker reads besides the runtime's (`RuntimeConfiguration.settings`):
/// what `<worker> --help` lists, and what a configuration file shared by several workers
/// (`RELANCE_CONFIG_FILE`) may hold.
public enum WorkerSettings {
    public static let paymentRetry: [Setting] = [
        Setting(
            "RELANCE_RETRY_POLICIES", "(defaults)",
            "JSON file of retry policies per merchant, payment method and decline reason"),
        Setting(
            "RELANCE_CARD_NETWORK_RULES", "(Visa's and Mastercard's figures)",
            "JSON file of the card networks' retry limits and never-retry codes (docs/card-network-rules.md)"),
        Setting(
            "RELANCE_PAYMENT_OUTCOMES", "on",
            "off: no copy of the action-centre items to relance.payment-outcomes (only recovery-stats reads it)"),
    ]

    public static let cardExpiry: [Setting] = [
        Setting(
            "RELANCE_MERCHANT_TIME_ZONES", "(none)", "JSON file {\"merchant id\": \"Europe/Paris\", …}; UTC otherwise")
    ]

    public static let prepaid: [Setting] = [
        Setting(
            "RELANCE_TOPUP_POLICY", "(AUD minimums)",
            "JSON file: baseCurrency, minimums per method, rates (strings), transferDueDays"),
        Setting(
            "RELANCE_CARD_BRANDS", "visa,mastercard,amex,jcb",
            "JSON file {\"default\": [brands], \"merchants\": {\"merchant id\": [brands]}}: brands accepted for recharges"
        ),
    ]

    public static let proofValidator: [Setting] = [
        Setting("RELANCE_CSV_MAPPINGS", "(presets)", "JSON file of CSV column mappings, added to the presets"),
        Setting("RELANCE_PROOF_FEE_TOLERANCE_BP", "300", "a shortfall read as bank fees, in basis points"),
    ]

    public static let reconciliation: [Setting] = [
        Setting(
            "RELANCE_AUTO_RECONCILE", "(none)", "merchant ids reconciled after every change, comma-separated, or *"),
        Setting("RELANCE_INVOICE_WAIT_HOURS", "24", "how long a payment naming an invoice not read yet waits for it"),
    ]

    public static let reminderMailer: [Setting] = [
        Setting("RELANCE_SMTP_URL", "(none)", "smtp://user:password@host:587?security=starttls: deliver over SMTP"),
        Setting("RELANCE_MAIL_DIR", "(none)", "a folder to write .eml files to instead; one of the two"),
        Setting(
            "RELANCE_MERCHANTS", "(none)",
            "JSON file {\"merchant id\": {name, fromAddress, contactEmail, logoURL, paymentURL, locale, digestRecipients, actionCentreURL, planConfirmationURL}}"
        ),
        Setting("RELANCE_LADDER_DAYS", "1,8,15,20,25", "days after the due date of the five steps"),
        Setting(
            "RELANCE_DUNNING_POLICIES",
            "(none: terminate, no minimum, no pre-due reminder, no late fee, renewal notices 7 days before)",
            "JSON file {\"default\": {finalAction, minimumOverdue, preDueReminderDays, lateFees}, "
                + "\"merchants\": {\"merchant id\": {…}}}"
        ),
        Setting("RELANCE_PENDING_PAYMENT_DAYS", "14", "how long a payment or charge in flight holds the ladder"),
        Setting("RELANCE_MAIL_RETRY_CAP_SECONDS", "60", "longest wait between delivery attempts"),
        Setting("RELANCE_MAIL_GIVE_UP_HOURS", "24", "give an email up after this long undeliverable"),
        Setting("RELANCE_RECIPIENTS_WAIT_HOURS", "24", "how long an email waits for the account's invoice recipients"),
    ]

    public static let recoveryStats: [Setting] = [
        Setting(
            "RELANCE_RECOVERY_SHARD_BYTES", "800000",
            "the most one stage-2 shard's state may hold (one changelog record; raise with the topic's max.message.bytes)"
        )
    ]

    /// Every worker's own settings, by worker.
    public static let byWorker: [String: [Setting]] = [
        "payment-retry": paymentRetry, "gateway-sandbox": [], "reminder-mailer": reminderMailer,
        "card-expiry": cardExpiry, "proof-validator": proofValidator, "reconciliation": reconciliation,
        "prepaid": prepaid, "recovery-stats": recoveryStats,
    ]

    /// The names any worker reads besides the runtime's.
    public static var names: Set<String> { Set(byWorker.values.flatMap { $0.map(\.name) }) }
}
