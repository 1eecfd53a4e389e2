import RelanceDomain
import RelanceEvents

/// Why a payment failed and what is planned next, as the emails say it: the gateway's code (never
/// its English description) and the next automatic attempt, if one is planned.
public struct PaymentFailure: Sendable, Codable, Equatable {
    /// The gateway's code (`insufficient_funds`, `51`, `AM04`…).
    public var declineCode: String
    /// `stripe`, `iso8583` or `sepa` (`DeclineCodeScheme`).
    public var declineScheme: String
    /// `card`, `sepa_debit` or `echeck` (`PaymentMethod`); nil when not known.
    public var paymentMethod: String?
    /// When the next automatic attempt is planned (a timestamp, `2026-10-04T00:00:00.000Z`);
    /// nil when none is: the email then promises none.
    public var nextAttemptAt: String?

    public init(declineCode: String, declineScheme: String, paymentMethod: String? = nil, nextAttemptAt: String? = nil)
    {
        self.declineCode = declineCode
        self.declineScheme = declineScheme
        self.paymentMethod = paymentMethod
        self.nextAttemptAt = nextAttemptAt
    }

    /// The code read against its scheme's table (an unknown scheme reads as Stripe's).
    public var reason: DeclineReason {
        DeclineCodes.read(declineCode, scheme: DeclineCodeScheme(rawValue: declineScheme) ?? .stripe)
    }

    /// The next attempt's day (`yyyy-MM-dd`), if one is planned.
    var nextAttemptDay: String? { nextAttemptAt.map { String($0.prefix(10)) } }
}

/// The words of the templates that are not sentences: failure causes, transaction types, card
/// brands, per locale. Every customer- or merchant-facing word comes from here or `MailTemplates`.
public enum MailWords {
    /// A failure cause in the locale's words: the code's own phrase where the templates have
    /// one, else its category's. Never the gateway's English description.
    public static func cause(_ failure: PaymentFailure, locale: MailLocale) -> String {
        let reason = failure.reason
        let key =
            "\(reason.scheme.rawValue):\(reason.scheme == .stripe ? reason.code.lowercased() : reason.code.uppercased())"
        if let words = causes[key] { return locale == .fr ? words.fr : words.en }
        let words =
            categoryCauses[reason.category] ?? ("paiement refusé par votre banque", "payment declined by your bank")
        return locale == .fr ? words.fr : words.en
    }

    static let insufficientFunds = (fr: "fonds insuffisants", en: "insufficient funds")
    static let spendingLimit = (fr: "limite de dépenses atteinte", en: "spending limit reached")
    static let declinedByBank = (fr: "paiement refusé par votre banque", en: "payment declined by your bank")
    static let bankUnavailable = (fr: "banque momentanément indisponible", en: "your bank was unavailable")
    static let expired = (fr: "carte expirée", en: "card expired")
    static let lost = (fr: "carte déclarée perdue", en: "card reported lost")
    static let stolen = (fr: "carte déclarée volée", en: "card reported stolen")
    static let invalidNumber = (fr: "numéro de carte invalide", en: "invalid card number")
    static let technical = (fr: "incident technique", en: "technical problem")

    static let causes: [String: (fr: String, en: String)] = [
        "stripe:insufficient_funds": insufficientFunds,
        "stripe:card_velocity_exceeded": spendingLimit,
        "stripe:withdrawal_count_limit_exceeded": spendingLimit,
        "stripe:do_not_honor": declinedByBank,
        "stripe:generic_decline": declinedByBank,
        "stripe:card_declined": declinedByBank,
        "stripe:issuer_not_available": bankUnavailable,
        "stripe:try_again_later": bankUnavailable,
        "stripe:call_issuer": ("votre banque demande à être contactée", "your bank asks you to contact it"),
        "stripe:authentication_required": ("authentification requise", "authentication required"),
        "stripe:lost_card": lost,
        "stripe:stolen_card": stolen,
        "stripe:incorrect_number": invalidNumber,
        "stripe:invalid_number": invalidNumber,
        "stripe:invalid_account": ("compte invalide ou clôturé", "invalid or closed account"),
        "stripe:expired_card": expired,
        "stripe:processing_error": technical,
        "iso8583:51": insufficientFunds,
        "iso8583:61": spendingLimit,
        "iso8583:65": spendingLimit,
        "iso8583:05": declinedByBank,
        "iso8583:91": bankUnavailable,
        "iso8583:54": expired,
        "iso8583:33": expired,
        "iso8583:41": lost,
        "iso8583:43": stolen,
        "iso8583:14": invalidNumber,
        "sepa:AM04": insufficientFunds,
        "sepa:MS03": ("prélèvement rejeté par votre banque", "direct debit returned by your bank"),
        "sepa:AC01": ("numéro de compte incorrect", "incorrect account number"),
        "sepa:AC04": ("compte clôturé", "closed account"),
        "sepa:AC06": ("compte bloqué", "blocked account"),
        "sepa:MD01": ("aucun mandat valide", "no valid mandate"),
        "sepa:MS02": ("refusé par le titulaire du compte", "refused by the account holder"),
    ]

    /// A failure cause as the merchant's staff read it (the vendor's emails, the console): the
    /// same words as the customer's, but of the customer's bank, not "your bank". `failure`'s
    /// scheme when known; the console's items carry the code and its category only, so the code
    /// is also looked up in each scheme's table, then its category read.
    public static func merchantCause(_ failure: PaymentFailure, locale: MailLocale) -> String {
        merchant(cause(failure, locale: locale), locale: locale)
    }

    /// The same from an action-centre item's code and category (`FailureCategory` raw value).
    public static func merchantCause(declineCode code: String, category: String, locale: MailLocale) -> String {
        let words =
            ["stripe:\(code.lowercased())", "iso8583:\(code)", "sepa:\(code.uppercased())"].lazy.compactMap {
                causes[$0]
            }.first
            ?? FailureCategory(rawValue: category).flatMap { categoryCauses[$0] }
            ?? declinedByBank
        return merchant(locale == .fr ? words.fr : words.en, locale: locale)
    }

    /// The customer's words said of the customer.
    static func merchant(_ words: String, locale: MailLocale) -> String {
        let third: [String: String] = [
            declinedByBank.fr: "paiement refusé par la banque du client",
            declinedByBank.en: "payment declined by the customer's bank",
            bankUnavailable.fr: "banque du client momentanément indisponible",
            bankUnavailable.en: "the customer's bank was unavailable",
            "votre banque demande à être contactée": "la banque demande que le client la contacte",
            "your bank asks you to contact it": "the bank asks the customer to contact it",
            "prélèvement rejeté par votre banque": "prélèvement rejeté par la banque du client",
            "direct debit returned by your bank": "direct debit returned by the customer's bank",
        ]
        return third[words] ?? words
    }

    static let categoryCauses: [FailureCategory: (fr: String, en: String)] = [
        .softDecline: declinedByBank,
        .hardDecline: ("carte refusée", "card declined"),
        .expiredCard: expired,
        .debitInsufficientFunds: insufficientFunds,
        .debitMandateOrAccount: ("mandat ou compte bancaire invalide", "mandate or bank account problem"),
        .technical: technical,
        .unknown: declinedByBank,
    ]

    /// A transaction type (`TransactionType`) in the locale's words; an unknown one as given.
    public static func transactionType(_ type: String, locale: MailLocale) -> String {
        let words: [String: (fr: String, en: String)] = [
            "payment": ("paiement", "payment"), "installment": ("versement", "installment"),
            "subscription": ("abonnement", "subscription"), "refund": ("remboursement", "refund"),
        ]
        guard let word = words[type] else { return type }
        return locale == .fr ? word.fr : word.en
    }

    /// A card brand as printed on cards ("Visa", "American Express", "Diners Club").
    public static func brand(_ brand: String) -> String {
        CardBrand(brand).displayName
    }

    /// A list: "Visa, Mastercard et JCB" / "Visa, Mastercard and JCB".
    static func list(_ items: [String], locale: MailLocale) -> String {
        guard items.count > 1, let last = items.last else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + (locale == .fr ? " et " : " and ") + last
    }
}
