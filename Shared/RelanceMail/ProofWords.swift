/// Proof-of-payment verdicts in words, French and English: the verdict, each element that is
/// missing or wrong (proof-validator's `reasons`: element and code), and the cases of seed 000.
/// One table for whoever tells a person about a verdict: the console's proof page now, and the
/// mailer if it ever writes to a customer about a proof (it does not yet).
public enum ProofWords {
    static func pick(_ words: (fr: String, en: String), _ locale: MailLocale) -> String {
        locale == .fr ? words.fr : words.en
    }

    public static func verdict(_ verdict: String, locale: MailLocale) -> String {
        let words: [String: (fr: String, en: String)] = [
            "accepted": ("acceptée", "accepted"), "rejected": ("refusée", "rejected"),
            "needs_review": ("à examiner", "needs review"),
        ]
        return words[verdict].map { pick($0, locale) } ?? verdict
    }

    /// The seven elements of a proof (and the document itself), as a person names them.
    public static let elements: [String: (fr: String, en: String)] = [
        "payer_and_payee_names": ("les noms du payeur et du bénéficiaire", "the payer's and the payee's names"),
        "transaction_date": ("la date de l’opération", "the date of the transaction"),
        "amount_and_currency": ("le montant et la devise", "the amount and its currency"),
        "transaction_id": (
            "le numéro de référence ou l’identifiant de la transaction", "the reference number or transaction id"
        ),
        "description": ("le libellé (la facture ou le service payé)", "the description (the invoice or service paid)"),
        "bank_details": (
            "les coordonnées bancaires (IBAN) du payeur ou du bénéficiaire",
            "the bank details (IBAN) of the payer or the payee"
        ),
        "bank_confirmation": (
            "la confirmation de la banque (virement comptabilisé)", "the bank's confirmation (a booked transfer)"
        ),
        "document": ("le document", "the document"),
    ]

    public static func element(_ element: String, locale: MailLocale) -> String {
        elements[element].map { pick($0, locale) } ?? element
    }

    /// What is wrong, by proof-validator's code; `%@` is the element's name.
    static let codes: [String: (fr: String, en: String)] = [
        "missing": ("Il manque %@.", "Missing: %@."),
        "not_booked": (
            "La banque n’a pas comptabilisé le virement (en attente ou annulé).",
            "The bank has not booked the transfer (pending or reversed)."
        ),
        "inexact_amount": (
            "Le montant n’est pas un nombre exact de centimes de la devise.",
            "The amount is not a whole number of the currency's cents."
        ),
        "amount_out_of_range": (
            "Le montant est hors des limites que Relance accepte : à vérifier à la main.",
            "The amount is beyond what Relance takes: to be checked by hand."
        ),
        "transaction_already_used": (
            "Ce virement a déjà servi de preuve pour un autre paiement : un virement ne paie qu’une fois.",
            "This transfer was already accepted as proof of another payment: one transfer pays once."
        ),
        "no_matching_entry": (
            "Aucune opération du document ne nomme une facture de ce compte ni ne paie un montant qu’il doit.",
            "None of the document's transactions names an invoice of this account or pays an amount it owes."
        ),
        "no_open_invoice": (
            "Aucune facture ouverte de ce compte dans cette devise pour ce paiement.",
            "No open invoice of this account in this currency for this payment."
        ),
        "currency_mismatch": (
            "Le paiement est dans une autre devise que la facture.",
            "The payment is in another currency than the invoice."
        ),
        "before_invoice": (
            "Le virement est antérieur à la facture qu’il dit payer.",
            "The transfer is older than the invoice it says it pays."
        ),
        "wrong_payee_account": (
            "Le virement est parti vers un autre compte que celui du marchand indiqué sur la facture.",
            "The transfer was sent to another account than the merchant's on the invoice."
        ),
        "already_paid": (
            "La facture était déjà payée : ce second paiement est à rembourser.",
            "The invoice was already paid: this second payment is to be refunded."
        ),
        "short_by_fees": (
            "Il manque une petite somme : des frais bancaires prélevés en route ?",
            "A small amount is missing: bank fees deducted on the way?"
        ),
        "partial_payment": ("Paiement partiel : moins que le montant dû.", "Partial payment: less than what is owed."),
        "overpayment": ("Trop-perçu : plus que le montant dû.", "Overpayment: more than what is owed."),
        "too_many_entries": (
            "Le document contient trop d’opérations pour être examiné automatiquement : à vérifier à la main.",
            "The document holds too many transactions to be examined automatically: to be checked by hand."
        ),
        "no_entries": ("Le document ne contient aucune opération.", "The document holds no transaction."),
        "empty_proof": (
            "La preuve n’a ni document ni champs saisis.", "The proof has neither a document nor typed fields."
        ),
        "too_large": ("Le document est trop volumineux.", "The document is too large."),
        "card_number": (
            "Le document montre un numéro de carte complet : renvoyez-le avec le numéro masqué.",
            "The document shows a full card number: send it again with the number masked."
        ),
        "format_mismatch": (
            "Le document n’est pas au format annoncé.", "The document is not in the format it was sent as."
        ),
        "unknown_csv_mapping": (
            "Aucune correspondance de colonnes CSV de ce nom n’est configurée.",
            "No CSV column mapping of that name is configured."
        ),
        "invalid_base64": ("Le contenu du document est illisible (base64).", "The document's content is not base64."),
    ]

    /// A reason in words: the code's sentence, with the element named where the code says what
    /// is missing; a reader's code not in the table says the document could not be read.
    public static func reason(element: String, code: String, locale: MailLocale) -> String {
        if let words = codes[code] {
            return pick(words, locale).replacingOccurrences(of: "%@", with: self.element(element, locale: locale))
        }
        if element == "document" {
            return locale == .fr
                ? "Le document n’a pas pu être lu (\(code))." : "The document could not be read (\(code))."
        }
        return locale == .fr
            ? "Problème sur \(self.element(element, locale: locale)) (\(code))."
            : "A problem with \(self.element(element, locale: locale)) (\(code))."
    }

    /// The cases of seed 000.
    public static func proofCase(_ name: String, locale: MailLocale) -> String {
        let words: [String: (fr: String, en: String)] = [
            "paid_twice": (
                "Facture payée deux fois : le second paiement est à rembourser.",
                "Invoice paid twice: the second payment is to be refunded."
            ),
            "unexpected_amount": (
                "Montant inattendu : plus ou moins que ce qui est dû.", "Unexpected amount: more or less than owed."
            ),
            "short_by_bank_fees": (
                "Court de frais bancaires : paiement partiel à examiner.",
                "Short by bank fees: a partial payment to review."
            ),
            "deactivated_despite_payment": (
                "Compte désactivé malgré le paiement : il est réactivé.",
                "Account deactivated despite payment: it is reactivated."
            ),
        ]
        return words[name].map { pick($0, locale) } ?? name
    }
}
