import Foundation
import RelanceDomain
import RelanceEvents

/// The emails Relance writes, in French and English, each with a text and an HTML part.
public enum MailLocale: String, Sendable, Codable, CaseIterable {
    case fr, en

    /// "fr", "fr-FR", "fr_CA" → fr; anything not French → en.
    public init(tag: String?) {
        self = (tag ?? "").lowercased().hasPrefix("fr") ? .fr : .en
    }
}

/// Who sends: the merchant whose customers these are.
public struct MerchantProfile: Sendable, Codable, Equatable {
    public var name: String
    /// The From address of customer emails.
    public var fromAddress: String
    /// Where customers write back, shown in every email; vendor notices go here too.
    public var contactEmail: String
    public var logoURL: String?
    /// Where a customer updates the payment method; `{account}` is replaced by the account id.
    public var paymentURL: String
    public var locale: MailLocale
    /// Who gets the daily digest of failed transactions: the billing contact and every admin
    /// who subscribed. Empty: no digest.
    public var digestRecipients: [String]
    /// The merchant's action centre, where its billing contacts manage failed transactions: the
    /// digest's "Gérer les transactions échouées" link (seeds 001, 004). Nil: no link.
    public var actionCentreURL: String?
    /// Where a customer confirms a plan's new price; `{account}` and `{plan}` are replaced. Nil:
    /// the price-update email has no link.
    public var planConfirmationURL: String?

    public init(
        name: String, fromAddress: String, contactEmail: String, logoURL: String? = nil, paymentURL: String,
        locale: MailLocale = .en, digestRecipients: [String] = [], actionCentreURL: String? = nil,
        planConfirmationURL: String? = nil
    ) {
        self.name = name
        self.fromAddress = fromAddress
        self.contactEmail = contactEmail
        self.logoURL = logoURL
        self.paymentURL = paymentURL
        self.locale = locale
        self.digestRecipients = digestRecipients
        self.actionCentreURL = actionCentreURL
        self.planConfirmationURL = planConfirmationURL
    }

    enum CodingKeys: String, CodingKey {
        case name, fromAddress, contactEmail, logoURL, paymentURL, locale, digestRecipients, actionCentreURL
        case planConfirmationURL
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try c.decode(String.self, forKey: .name),
            fromAddress: try c.decode(String.self, forKey: .fromAddress),
            contactEmail: try c.decode(String.self, forKey: .contactEmail),
            logoURL: try c.decodeIfPresent(String.self, forKey: .logoURL),
            paymentURL: try c.decode(String.self, forKey: .paymentURL),
            locale: try c.decodeIfPresent(MailLocale.self, forKey: .locale) ?? .en,
            digestRecipients: try c.decodeIfPresent([String].self, forKey: .digestRecipients) ?? [],
            actionCentreURL: try c.decodeIfPresent(String.self, forKey: .actionCentreURL),
            planConfirmationURL: try c.decodeIfPresent(String.self, forKey: .planConfirmationURL))
    }
}

/// An invoice line in an email.
public struct MailInvoice: Sendable, Codable, Equatable {
    public var number: String
    /// yyyy-MM-dd
    public var dueOn: String
    public var amount: Int64
    public var currency: String
    /// Late fees added to the invoice (included in `amount`, what is left to pay; nil: none).
    public var fees: [LateFee]?

    public init(number: String, dueOn: String, amount: Int64, currency: String, fees: [LateFee]? = nil) {
        self.number = number
        self.dueOn = dueOn
        self.amount = amount
        self.currency = currency
        self.fees = fees?.isEmpty == true ? nil : fees
    }
}

/// What an email is about, with what it needs to say.
public enum MailSubject: Sendable, Equatable, Codable {
    /// Step 1…5 of the overdue ladder; `daysToTermination`: for steps 3 and 4, the days to the
    /// step that carries out `finalAction` (nil: `terminate`, as emails held before it existed).
    case overdue(step: Int, invoices: [MailInvoice], daysToTermination: Int?, finalAction: FinalAction? = nil)
    /// A reminder before an invoice falls due: `days`, the days really left before its due date
    /// (1: tomorrow, 0 or less: today).
    case dueSoon(invoice: MailInvoice, days: Int)
    /// A customer's payment failed. `reason` is kept for emails decided before `failure` existed
    /// (held in a state) and is never printed: the cause is `failure`'s code in the locale's words.
    case paymentFailed(invoice: String, amount: Int64, currency: String, reason: String, failure: PaymentFailure? = nil)
    /// To the vendor: the automatic attempts are over; `failure`: the last one's cause.
    case retriesExhausted(
        customer: String, invoice: String, amount: Int64, currency: String, reason: String,
        failure: PaymentFailure? = nil)
    case cardExpiring(brand: String, last4: String, month: Int, year: Int)
    case reactivated
    /// The failed transactions of the last 24 hours, for the merchant's billing contact and admins.
    case dailyDigest(day: String, failures: [DigestLine])
    /// A prepaid recharge charged to the card failed (seed 002): the same top-up is charged again
    /// when the card is updated.
    case rechargeFailed(amount: Int64, currency: String, failure: PaymentFailure?)
    /// A prepaid recharge not charged: the card's brand is not one the merchant accepts (seed 002).
    case cardNotAccepted(brand: String, accepted: [String], amount: Int64, currency: String)
    /// A plan's new price, for the customer to confirm by `confirmBy` (a timestamp); it applies
    /// from the billing date `effectiveFrom` (seed 003).
    case priceUpdate(
        plan: String, currentAmount: Int64?, newAmount: Int64, currency: String, effectiveFrom: String,
        confirmBy: String)
    /// A subscription billed every `intervalMonths` (six or more) renews on `renewsOn`
    /// (yyyy-MM-dd), `daysLeft` days from now, for `amount`: the notice card networks require,
    /// with how to cancel (`manageURL`, else the merchant's contact address).
    case renewalNotice(
        plan: String, renewsOn: String, daysLeft: Int, amount: Int64, currency: String, intervalMonths: Int,
        manageURL: String?)
}

/// One failed transaction in the daily digest.
public struct DigestLine: Sendable, Codable, Equatable {
    public var customerName: String
    /// yyyy-MM-dd
    public var date: String
    public var amount: Int64
    public var currency: String
    public var transactionType: String
    public var paymentID: String

    public init(
        customerName: String, date: String, amount: Int64, currency: String, transactionType: String, paymentID: String
    ) {
        self.customerName = customerName
        self.date = date
        self.amount = amount
        self.currency = currency
        self.transactionType = transactionType
        self.paymentID = paymentID
    }
}

public struct RenderedMail: Sendable, Equatable {
    public var subject: String
    public var text: String
    public var html: String
}

public enum MailTemplates {
    /// The subject line, text and HTML of one email.
    public static func render(
        _ subject: MailSubject, locale: MailLocale, merchant: MerchantProfile, customerName: String?, accountID: String
    ) -> RenderedMail {
        let fr = locale == .fr
        let greeting =
            customerName.map { fr ? "Bonjour \($0)," : "Dear \($0)," } ?? (fr ? "Bonjour," : "Hello,")
        var paragraphs: [String] = []
        var table: [MailInvoice] = []
        var digest: [DigestLine] = []
        var link: (label: String, url: String)?
        let payURL = merchant.paymentURL.replacingOccurrences(of: "{account}", with: accountID)
        let title: String
        switch subject {
        case .overdue(let step, let invoices, let days, let given):
            table = invoices
            let total = MoneyFormat.total(invoices, locale: locale)
            let action = given ?? .terminate
            // What the final action will do, said to the customer ("votre compte sera résilié").
            let coming = LadderWords.coming(action, locale: locale)
            let upcoming = coming.prefix(1).uppercased() + coming.dropFirst()
            let suspendedNow = action == .suspend && step == 4
            switch (step, fr) {
            case (1, true): title = "Premier avis – Paiement en retard"
            case (1, false): title = "First notice – Payment overdue"
            case (2, true): title = "Deuxième avis – Paiement en retard"
            case (2, false): title = "Second notice – Payment overdue"
            case (3, true): title = "Troisième avis – \(upcoming) dans \(days ?? 10) jours"
            case (3, false): title = "Third notice – \(upcoming) in \(days ?? 10) days"
            case (4, true) where suspendedNow: title = "Dernier avis – Votre compte est suspendu"
            case (4, false) where suspendedNow: title = "Final notice – Your account is suspended"
            case (4, true): title = "Dernier avis – \(upcoming) dans \(days ?? 5) jours"
            case (4, false): title = "Final notice – \(upcoming) in \(days ?? 5) days"
            case (_, _): title = LadderWords.legalNoticeTitle(action, locale: locale)
            }
            if step >= 5 {
                paragraphs.append(
                    LadderWords.legalNotice(action, total: total, merchant: merchant.name, locale: locale))
            } else {
                paragraphs.append(
                    fr
                        ? "Nous n’avons pas reçu le paiement de \(total) pour les factures ci-dessous, arrivées à échéance."
                        : "We have not received payment of \(total) for the invoices below, which are past due.")
                if suspendedNow {
                    paragraphs.append(
                        fr
                            ? "Votre compte est suspendu : il le restera jusqu’au paiement, qui rétablira votre service."
                            : "Your account is suspended and will stay so until payment, which will restore your service."
                    )
                } else if let days, step >= 3 {
                    paragraphs.append(
                        fr
                            ? "Sans paiement, \(coming) dans \(days) jours."
                            : "Without payment, \(coming) in \(days) days.")
                }
            }
            paragraphs += LadderWords.lateFees(invoices, total: total, locale: locale)
            paragraphs.append(
                fr
                    ? "Si vous avez déjà payé, répondez à cet e-mail avec une preuve de paiement : le relevé bancaire "
                        + "montrant le débit, avec la référence de la transaction."
                    : "If you have already paid, reply to this email with a proof of payment: the bank statement "
                        + "showing the debit, with the transaction reference.")
            link = (fr ? "Régler maintenant" : "Pay now", payURL)
        case .dueSoon(let invoice, let days):
            table = [invoice]
            let money = MoneyFormat.format(invoice.amount, currency: invoice.currency, locale: locale)
            let when = DateFormat.long(invoice.dueOn, locale: locale)
            title =
                fr
                ? "Rappel – Facture \(invoice.number) à régler le \(when)"
                : "Reminder – Invoice \(invoice.number) due on \(when)"
            // `days`: the days really left before the due date (0: due today).
            if days <= 0 {
                paragraphs.append(
                    fr
                        ? "La facture \(invoice.number) de \(money) arrive à échéance aujourd’hui, le \(when)."
                        : "Invoice \(invoice.number) for \(money) is due today, \(when).")
            } else {
                let inDays =
                    days == 1 ? (fr ? "demain" : "tomorrow") : (fr ? "dans \(days) jours" : "in \(days) days")
                paragraphs.append(
                    fr
                        ? "La facture \(invoice.number) de \(money) arrive à échéance le \(when), \(inDays)."
                        : "Invoice \(invoice.number) for \(money) is due on \(when), \(inDays).")
            }
            paragraphs.append(
                fr
                    ? "Si vous l’avez déjà réglée, ne tenez pas compte de ce message."
                    : "If you have already paid it, please disregard this message.")
            link = (fr ? "Régler maintenant" : "Pay now", payURL)
        case .paymentFailed(let invoice, let amount, let currency, _, let failure):
            let money = MoneyFormat.format(amount, currency: currency, locale: locale)
            title = fr ? "Échec du paiement de \(money)" : "Your payment of \(money) failed"
            paragraphs += failureParagraphs(invoice: invoice, money: money, failure: failure, locale: locale)
            link = (fr ? "Mettre à jour le moyen de paiement" : "Update payment method", payURL)
        case .retriesExhausted(let customer, let invoice, let amount, let currency, _, let failure):
            let money = MoneyFormat.format(amount, currency: currency, locale: locale)
            title =
                fr
                ? "Tentatives automatiques épuisées – \(customer), \(money)"
                : "Automatic attempts exhausted – \(customer), \(money)"
            let last = failure.map {
                fr
                    ? " (dernier motif : \(MailWords.merchantCause($0, locale: locale)))"
                    : " (last reason: \(MailWords.merchantCause($0, locale: locale)))"
            }
            paragraphs.append(
                fr
                    ? "Toutes les tentatives automatiques de paiement de la facture \(invoice) de \(customer) (\(money)) "
                        + "ont échoué\(last ?? ""). Vous pouvez renouveler le plan de paiement une fois, "
                        + "ou transmettre la commande au recouvrement."
                    : "Every automatic attempt to collect invoice \(invoice) from \(customer) (\(money)) has failed"
                        + "\(last ?? ""). You may renew the payment plan once, or hand the order over to collections.")
        case .rechargeFailed(let amount, let currency, let failure):
            let money = MoneyFormat.format(amount, currency: currency, locale: locale)
            title = fr ? "Échec de la recharge de \(money)" : "Your top-up of \(money) failed"
            let cause = failure.map { (fr ? " : " : ": ") + MailWords.cause($0, locale: locale) } ?? ""
            paragraphs.append(
                fr
                    ? "La recharge de votre crédit (\(money)) n’a pas abouti\(cause)."
                    : "The top-up of your credit (\(money)) did not go through\(cause).")
            paragraphs.append(
                fr
                    ? "Assurez-vous que votre carte dispose de fonds suffisants et qu’elle est à jour. Aucune nouvelle "
                        + "tentative n’a lieu tant que la carte n’est pas mise à jour : dès qu’elle l’est, la recharge "
                        + "est de nouveau débitée."
                    : "Make sure your card has sufficient funds and is up to date. No new attempt is made until the "
                        + "card is updated: as soon as it is, the top-up is charged again.")
            link = (fr ? "Mettre à jour la carte" : "Update card", payURL)
        case .cardNotAccepted(let brand, let accepted, let amount, let currency):
            let money = MoneyFormat.format(amount, currency: currency, locale: locale)
            let name = MailWords.brand(brand)
            title = fr ? "Votre carte \(name) n’est pas acceptée" : "Your \(name) card is not accepted"
            paragraphs.append(
                fr
                    ? "La recharge de votre crédit (\(money)) n’a pas été débitée : \(merchant.name) n’accepte pas "
                        + "les cartes \(name)."
                    : "The top-up of your credit (\(money)) was not charged: \(merchant.name) does not accept \(name) "
                        + "cards.")
            let brands = MailWords.list(accepted.map(MailWords.brand), locale: locale)
            paragraphs.append(fr ? "Cartes acceptées : \(brands)." : "Accepted cards: \(brands).")
            paragraphs.append(
                fr
                    ? "Ajoutez une autre carte : la recharge sera débitée dès qu’elle sera enregistrée."
                    : "Add another card: the top-up will be charged as soon as it is saved.")
            link = (fr ? "Ajouter une carte" : "Add a card", payURL)
        case .priceUpdate(let plan, let current, let newAmount, let currency, let effectiveFrom, let confirmBy):
            let new = MoneyFormat.format(newAmount, currency: currency, locale: locale)
            let from = DateFormat.long(effectiveFrom, locale: locale)
            let old = current.map { MoneyFormat.format($0, currency: currency, locale: locale) }
            let deadline = DateFormat.moment(confirmBy, locale: locale)
            title =
                fr
                ? "Nouveau montant de votre plan de paiement : \(new) à partir du \(from)"
                : "New amount for your payment plan: \(new) from \(from)"
            paragraphs.append(
                fr
                    ? "\(merchant.name) met à jour votre plan de paiement \(plan) : à partir de l’échéance du \(from), "
                        + "chaque paiement sera de \(new)\(old.map { " au lieu de \($0)" } ?? ""). Le nombre de "
                        + "paiements et leur fréquence ne changent pas."
                    : "\(merchant.name) is updating your payment plan \(plan): from the payment due on \(from), each "
                        + "payment will be \(new)\(old.map { " instead of \($0)" } ?? ""). The number of payments "
                        + "and their interval do not change.")
            paragraphs.append(
                fr
                    ? "Confirmez ce nouveau plan au plus tard le \(deadline) : sans votre confirmation, il ne sera pas "
                        + "mis à jour\(old.map { " et vos paiements resteront de \($0)" } ?? "")."
                    : "Please confirm the new plan by \(deadline): without your confirmation it will not be "
                        + "updated\(old.map { " and your payments will stay at \($0)" } ?? "").")
            if let url = merchant.planConfirmationURL {
                link = (
                    fr ? "Confirmer le nouveau plan" : "Confirm the new plan",
                    url.replacingOccurrences(of: "{account}", with: accountID).replacingOccurrences(
                        of: "{plan}", with: plan)
                )
            }
        case .renewalNotice(let plan, let renewsOn, let daysLeft, let amount, let currency, let months, let manage):
            let money = MoneyFormat.format(amount, currency: currency, locale: locale)
            let when = DateFormat.long(renewsOn, locale: locale)
            let every = LadderWords.every(months: months, locale: locale)
            let inDays =
                daysLeft <= 1 ? (fr ? "demain" : "tomorrow") : (fr ? "dans \(daysLeft) jours" : "in \(daysLeft) days")
            title =
                fr
                ? "Votre abonnement \(plan) sera renouvelé le \(when)"
                : "Your \(plan) subscription renews on \(when)"
            paragraphs.append(
                fr
                    ? "Votre abonnement \(plan) chez \(merchant.name) sera renouvelé le \(when), \(inDays) : nous "
                        + "débiterons \(money) sur votre moyen de paiement enregistré, puis \(every) jusqu’à "
                        + "résiliation."
                    : "Your \(plan) subscription with \(merchant.name) renews on \(when), \(inDays): we will charge "
                        + "\(money) to your payment method on file, then \(every) until you cancel.")
            if let manage {
                paragraphs.append(
                    fr
                        ? "Pour le résilier ou le modifier, rendez-vous sur votre espace client avant le \(when). "
                            + "Sans action de votre part, il sera renouvelé à cette date."
                        : "To cancel or change it, go to your account before \(when). If you do nothing, it renews "
                            + "on that date.")
                link = (
                    fr ? "Gérer mon abonnement" : "Manage my subscription",
                    manage.replacingOccurrences(of: "{account}", with: accountID)
                )
            } else {
                paragraphs.append(
                    fr
                        ? "Pour le résilier, écrivez-nous à \(merchant.contactEmail) avant le \(when). Sans action de "
                            + "votre part, il sera renouvelé à cette date."
                        : "To cancel it, write to us at \(merchant.contactEmail) before \(when). If you do nothing, "
                            + "it renews on that date.")
            }
        case .cardExpiring(let brand, let last4, let month, let year):
            let when = DateFormat.monthYear(month: month, year: year, locale: locale)
            title = fr ? "Votre carte expire fin \(when)" : "Your card expires at the end of \(when)"
            paragraphs.append(
                fr
                    ? "Votre carte \(brand) se terminant par \(last4) expire fin \(when). Des paiements programmés "
                        + "l’utilisent : ajoutez une nouvelle carte pour qu’ils ne soient pas interrompus."
                    : "Your \(brand) card ending in \(last4) expires at the end of \(when). Scheduled payments use it: "
                        + "add a new card so that they go on.")
            link = (fr ? "Mettre à jour la carte" : "Update card", payURL)
        case .dailyDigest(let day, let failures):
            digest = failures
            let when = DateFormat.long(day, locale: locale)
            title =
                fr
                ? "Transactions échouées des dernières 24 heures – \(when)"
                : "Failed transactions in the last 24 hours – \(when)"
            paragraphs.append(
                fr
                    ? "\(failures.count) transaction(s) de vos clients ont échoué ces dernières 24 heures. "
                        + "Elles figurent dans le centre d’actions."
                    : "\(failures.count) of your customers' transactions failed in the last 24 hours. "
                        + "They are listed in the action centre.")
            if let url = merchant.actionCentreURL {
                link = (fr ? "Gérer les transactions échouées" : "Manage failed transactions", url)
            }
        case .reactivated:
            title = fr ? "Votre compte est réactivé" : "Your account is active again"
            paragraphs.append(
                fr
                    ? "Merci : plus rien n’est en retard sur votre compte \(merchant.name), qui est de nouveau actif."
                    : "Thank you: nothing is overdue on your \(merchant.name) account any more, and it is active again."
            )
        }
        let contact =
            fr
            ? "Une question ? Écrivez à \(merchant.contactEmail)." : "Questions? Write to \(merchant.contactEmail)."

        var text = "\(greeting)\n\n"
        for paragraph in paragraphs { text += paragraph + "\n\n" }
        if !table.isEmpty {
            for invoice in table {
                text +=
                    "  \(invoice.number)  \(fr ? "échéance" : "due") \(DateFormat.long(invoice.dueOn, locale: locale))  "
                    + "\(MoneyFormat.format(invoice.amount, currency: invoice.currency, locale: locale))\n"
            }
            text += "\n"
        }
        for line in digest {
            text +=
                "  \(line.customerName)  \(DateFormat.long(line.date, locale: locale))  "
                + "\(MoneyFormat.format(line.amount, currency: line.currency, locale: locale))  "
                + "\(MailWords.transactionType(line.transactionType, locale: locale))  \(line.paymentID)\n"
        }
        if !digest.isEmpty { text += "\n" }
        if let link { text += fr ? "\(link.label) : \(link.url)\n\n" : "\(link.label): \(link.url)\n\n" }
        text += "\(contact)\n\n\(merchant.name)\n"

        var html = "<!DOCTYPE html>\n<html lang=\"\(locale.rawValue)\"><head><meta charset=\"utf-8\">"
        html += "<title>\(escape(title))</title></head>\n<body style=\"font-family:sans-serif;color:#222\">\n"
        if let logo = merchant.logoURL {
            html += "<p><img src=\"\(escape(logo))\" alt=\"\(escape(merchant.name))\" height=\"40\"></p>\n"
        }
        html += "<h1 style=\"font-size:20px\">\(escape(title))</h1>\n<p>\(escape(greeting))</p>\n"
        for paragraph in paragraphs { html += "<p>\(escape(paragraph))</p>\n" }
        if !table.isEmpty {
            html += "<table cellpadding=\"6\" style=\"border-collapse:collapse\">\n<tr>"
            html +=
                fr
                ? "<th align=\"left\">Facture</th><th align=\"left\">Échéance</th><th align=\"right\">Montant</th>"
                : "<th align=\"left\">Invoice</th><th align=\"left\">Due</th><th align=\"right\">Amount</th>"
            html += "</tr>\n"
            for invoice in table {
                html +=
                    "<tr><td>\(escape(invoice.number))</td><td>\(escape(DateFormat.long(invoice.dueOn, locale: locale)))</td>"
                    + "<td align=\"right\">\(escape(MoneyFormat.format(invoice.amount, currency: invoice.currency, locale: locale)))</td></tr>\n"
            }
            html += "</table>\n"
        }
        if !digest.isEmpty {
            html += "<table cellpadding=\"6\" style=\"border-collapse:collapse\">\n<tr>"
            let headings =
                fr
                ? ["Client", "Date", "Montant", "Type de transaction", "Paiement"]
                : ["Customer", "Date", "Amount", "Transaction type", "Payment"]
            for heading in headings { html += "<th align=\"left\">\(heading)</th>" }
            html += "</tr>\n"
            for line in digest {
                let cells = [
                    line.customerName, DateFormat.long(line.date, locale: locale),
                    MoneyFormat.format(line.amount, currency: line.currency, locale: locale),
                    MailWords.transactionType(line.transactionType, locale: locale),
                    line.paymentID,
                ]
                html += "<tr>" + cells.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n"
            }
            html += "</table>\n"
        }
        if let link {
            html +=
                "<p><a href=\"\(escape(link.url))\" style=\"background:#1a56db;color:#fff;padding:10px 16px;"
                + "text-decoration:none;border-radius:4px\">\(escape(link.label))</a></p>\n"
        }
        html += "<p style=\"color:#666\">\(escape(contact))<br>\(escape(merchant.name))</p>\n</body></html>\n"
        return RenderedMail(subject: title, text: text, html: html)
    }

    /// A failed payment's paragraphs: the cause in the locale's words, what the customer can do,
    /// and what happens next — the next attempt's date when one is planned, and no promise when
    /// none is.
    static func failureParagraphs(invoice: String, money: String, failure: PaymentFailure?, locale: MailLocale)
        -> [String]
    {
        let fr = locale == .fr
        guard let failure else {
            return [
                fr
                    ? "Le paiement de la facture \(invoice) (\(money)) n’a pas abouti."
                    : "The payment of invoice \(invoice) (\(money)) did not go through.",
                fr
                    ? "Vérifiez votre moyen de paiement et mettez-le à jour si nécessaire."
                    : "Please check your payment method and update it if needed.",
            ]
        }
        var paragraphs = [
            fr
                ? "Le paiement de la facture \(invoice) (\(money)) n’a pas abouti : \(MailWords.cause(failure, locale: locale))."
                : "The payment of invoice \(invoice) (\(money)) did not go through: \(MailWords.cause(failure, locale: locale))."
        ]
        let category = failure.reason.category
        let card = (failure.paymentMethod ?? (failure.declineScheme == "sepa" ? "sepa_debit" : "card")) == "card"
        let next = failure.nextAttemptDay.map { DateFormat.long($0, locale: locale) }
        switch category {
        case .softDecline, .unknown, .debitInsufficientFunds:
            // Seed 000's first remedy, for cards and direct debits alike.
            paragraphs.append(
                fr
                    ? "Contactez votre banque pour confirmer que le paiement peut être effectué."
                    : "Contact your bank to confirm that the payment can be made.")
        case .technical where next != nil:
            paragraphs.append(
                fr
                    ? "L’incident ne vient pas de vous : vous n’avez rien à faire."
                    : "The problem is not on your side: there is nothing you need to do.")
        default:
            break
        }
        if let next {
            paragraphs.append(
                card
                    ? (fr
                        ? "Nous réessaierons automatiquement le \(next)."
                        : "We will try again automatically on \(next).")
                    : (fr
                        ? "Nous présenterons à nouveau le prélèvement le \(next)."
                        : "We will present the direct debit again on \(next)."))
        } else {
            paragraphs.append(
                fr ? "Aucune nouvelle tentative automatique n’est prévue." : "No further automatic attempt is planned.")
        }
        if card && category != .technical {
            // A new card is charged at once (payment-retry, card.replaced), oldest invoice first.
            paragraphs.append(
                next == nil
                    ? (fr
                        ? "Mettez à jour votre carte : nous réessaierons aussitôt, en commençant par la facture la plus ancienne."
                        : "Update your card and we will try again at once, oldest invoice first.")
                    : (fr
                        ? "Vous pouvez aussi mettre à jour votre carte : nous réessaierons aussitôt, en commençant par "
                            + "la facture la plus ancienne."
                        : "You may also update your card and we will try again at once, oldest invoice first."))
        } else if !card && category == .debitMandateOrAccount {
            paragraphs.append(
                fr
                    ? "Mettez à jour votre moyen de paiement, puis contactez-nous pour régler la facture."
                    : "Update your payment method, then contact us to settle the invoice.")
        }
        return paragraphs
    }

    static func escape(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 }) else {
                return String(decoding: bytes, as: UTF8.self)
            }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 16)
            for byte in bytes {
                switch byte {
                case 0x26: out.append(contentsOf: "&amp;".utf8)
                case 0x3C: out.append(contentsOf: "&lt;".utf8)
                case 0x3E: out.append(contentsOf: "&gt;".utf8)
                case 0x22: out.append(contentsOf: "&quot;".utf8)
                default: out.append(byte)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

/// The ladder's words for how dunning ends (`FinalAction`), in the customer's language: never
/// the action's code.
public enum LadderWords {
    /// How often a subscription bills: "tous les 6 mois", "chaque année", "every 2 years".
    public static func every(months: Int, locale: MailLocale) -> String {
        let fr = locale == .fr
        if months == 12 { return fr ? "chaque année" : "every year" }
        if months % 12 == 0 { return fr ? "tous les \(months / 12) ans" : "every \(months / 12) years" }
        if months == 1 { return fr ? "chaque mois" : "every month" }
        return fr ? "tous les \(months) mois" : "every \(months) months"
    }

    /// What the final action will do: "votre compte sera résilié" / "your account will be terminated".
    public static func coming(_ action: FinalAction, locale: MailLocale) -> String {
        let fr = locale == .fr
        switch action {
        case .terminate: return fr ? "votre compte sera résilié" : "your account will be terminated"
        case .suspend: return fr ? "votre compte sera suspendu" : "your account will be suspended"
        case .cancelSubscription: return fr ? "votre abonnement sera annulé" : "your subscription will be cancelled"
        case .handToCollections:
            return fr
                ? "votre dette sera transmise à notre service de recouvrement"
                : "your debt will be handed over to our collections service"
        case .writeOff: return fr ? "votre compte sera clôturé" : "your account will be closed"
        }
    }

    /// The legal notice's subject line.
    public static func legalNoticeTitle(_ action: FinalAction, locale: MailLocale) -> String {
        let fr = locale == .fr
        switch action {
        case .terminate: return fr ? "Avis légal – Compte résilié" : "Legal notice – Account terminated"
        case .suspend: return fr ? "Avis légal – Compte suspendu" : "Legal notice – Account suspended"
        case .cancelSubscription: return fr ? "Avis légal – Abonnement annulé" : "Legal notice – Subscription cancelled"
        case .handToCollections:
            return fr
                ? "Avis légal – Dette transmise au recouvrement" : "Legal notice – Debt handed over to collections"
        case .writeOff: return fr ? "Avis légal – Compte clôturé" : "Legal notice – Account closed"
        }
    }

    /// The legal notice: what happens as of today, and what paying does.
    public static func legalNotice(_ action: FinalAction, total: String, merchant: String, locale: MailLocale)
        -> String
    {
        let fr = locale == .fr
        switch action {
        case .terminate:
            return fr
                ? "Faute de paiement de \(total), votre compte \(merchant) est résilié à compter de ce jour. "
                    + "Le montant reste dû ; le régler rétablira votre service."
                : "As \(total) remains unpaid, your \(merchant) account is terminated as of today. "
                    + "The amount is still due; paying it will restore your service."
        case .suspend:
            return fr
                ? "Faute de paiement de \(total), votre compte \(merchant) reste suspendu jusqu’au règlement. "
                    + "Le montant reste dû ; le régler rétablira votre service."
                : "As \(total) remains unpaid, your \(merchant) account remains suspended until it is paid. "
                    + "The amount is still due; paying it will restore your service."
        case .cancelSubscription:
            return fr
                ? "Faute de paiement de \(total), votre abonnement \(merchant) est annulé à compter de ce jour. "
                    + "Le montant reste dû ; une fois réglé, votre compte sera réactivé et vous pourrez vous abonner à nouveau."
                : "As \(total) remains unpaid, your \(merchant) subscription is cancelled as of today. "
                    + "The amount is still due; once it is paid, your account will be reactivated and you may subscribe again."
        case .handToCollections:
            return fr
                ? "Faute de paiement de \(total), votre compte \(merchant) reste suspendu et votre dette est transmise "
                    + "à compter de ce jour à notre service de recouvrement, qui vous contactera. Le montant reste dû ; "
                    + "le régler rétablira votre service."
                : "As \(total) remains unpaid, your \(merchant) account remains suspended and your debt is handed over "
                    + "to our collections service as of today, who will contact you. The amount is still due; paying it "
                    + "will restore your service."
        case .writeOff:
            return fr
                ? "Faute de paiement de \(total), votre compte \(merchant) est clôturé à compter de ce jour. "
                    + "Nous cessons de vous relancer pour ce montant, qui reste dû. Un paiement automatique déjà "
                    + "prévu peut toutefois encore être présenté."
                : "As \(total) remains unpaid, your \(merchant) account is closed as of today. "
                    + "We will send no further reminders about this amount, which is still due. An automatic payment "
                    + "already scheduled may still be attempted."
        }
    }
}

/// Amounts as people read them: "1 234,56 €" in French, "€1,234.56" in English.
public enum MoneyFormat {
    static let symbols: [String: (en: String, fr: String)] = [
        "EUR": ("€", "€"), "USD": ("$", "$US"), "GBP": ("£", "£GB"), "AUD": ("A$", "$AU"), "CAD": ("CA$", "$CA"),
        "JPY": ("¥", "JPY"), "CHF": ("CHF ", "CHF"),
    ]
    /// Minor units → text; the currency's decimals are ISO 4217's (`Currency`), 2 for a code
    /// it does not know.
    public static func format(_ minorUnits: Int64, currency: String, locale: MailLocale) -> String {
        let exponent = Currency(code: currency)?.minorUnitDigits ?? 2
        var scale: Int64 = 1
        for _ in 0..<exponent { scale *= 10 }
        let negative = minorUnits < 0
        let magnitude = minorUnits.magnitude
        let whole = String(magnitude / UInt64(scale))
        var fraction = exponent > 0 ? String(magnitude % UInt64(scale)) : ""
        if exponent > 0 { fraction = String(repeating: "0", count: exponent - fraction.count) + fraction }
        var groups: [Substring] = []
        var digits = Substring(whole)
        while digits.count > 3 {
            groups.insert(digits.suffix(3), at: 0)
            digits = digits.dropLast(3)
        }
        groups.insert(digits, at: 0)
        let sign = negative ? "-" : ""
        let symbol = symbols[currency]
        switch locale {
        case .fr:
            // U+202F (narrow no-break space) between groups, U+00A0 before the symbol.
            let number = groups.joined(separator: "\u{202F}") + (exponent > 0 ? ",\(fraction)" : "")
            return "\(sign)\(number)\u{00A0}\(symbol?.fr ?? currency)"
        case .en:
            let number = groups.joined(separator: ",") + (exponent > 0 ? ".\(fraction)" : "")
            return symbol.map { "\(sign)\($0.en)\(number)" } ?? "\(sign)\(currency) \(number)"
        }
    }

    /// The sum per currency: "49,00 € et 12,00 $US" when an account owes in two.
    static func total(_ invoices: [MailInvoice], locale: MailLocale) -> String {
        var sums: [(String, Int64)] = []
        for invoice in invoices {
            if let index = sums.firstIndex(where: { $0.0 == invoice.currency }) {
                sums[index].1 += invoice.amount
            } else {
                sums.append((invoice.currency, invoice.amount))
            }
        }
        return sums.map { format($0.1, currency: $0.0, locale: locale) }.joined(
            separator: locale == .fr ? " et " : " and ")
    }
}

extension LadderWords {
    /// The late fees added to these invoices, one line each, and the new total owed; nothing
    /// when none was added. In the reader's words, never a fee's code.
    static func lateFees(_ invoices: [MailInvoice], total: String, locale: MailLocale) -> [String] {
        let fr = locale == .fr
        var lines: [String] = []
        for invoice in invoices {
            for fee in invoice.fees ?? [] {
                let money = MoneyFormat.format(fee.amount, currency: invoice.currency, locale: locale)
                let what: String
                switch fee.kind {
                case .flatIndemnity:
                    what =
                        fr
                        ? "indemnité forfaitaire pour frais de recouvrement de \(money)"
                        : "fixed compensation for recovery costs of \(money)"
                case .lateInterest:
                    // The rate normalised ("012.15", "12.1500" → 12,15 % / 12.15%), left out when it is
                    // absent or no rate; the period left out unless both days are given.
                    var text = fr ? "intérêts de retard" : "late-payment interest"
                    if let rate = fee.annualRatePercent.flatMap({ Self.rate($0, locale: locale) }) {
                        text += fr ? " au taux de \(rate)\u{202F}% l’an" : " at \(rate)% a year"
                    }
                    if let from = fee.from, let to = fee.to {
                        let (from, to) = (DateFormat.long(from, locale: locale), DateFormat.long(to, locale: locale))
                        text += fr ? " du \(from) au \(to)" : " from \(from) to \(to)"
                    }
                    what = fr ? "\(text) : \(money)" : "\(text): \(money)"
                }
                lines.append(fr ? "– facture \(invoice.number) : \(what)" : "– invoice \(invoice.number): \(what)")
            }
        }
        guard !lines.isEmpty else { return [] }
        return [
            fr
                ? "Les frais de retard suivants ont été ajoutés à votre dette :"
                : "These late-payment charges have been added to what you owe:"
        ]
            + lines + [fr ? "Nouveau total dû : \(total)." : "New total due: \(total)."]
    }

    /// An annual rate in percent as a reader writes it: no leading or trailing zeros, a decimal
    /// comma in French ("012.15", "12.1500" → "12,15" / "12.15"; "8.0" → "8"); nil when the text
    /// is no rate (`LateFeePolicy.rate`).
    static func rate(_ text: String, locale: MailLocale) -> String? {
        guard let tenThousandths = LateFeePolicy.rate(text) else { return nil }
        let whole = String(tenThousandths / 10_000)
        var fraction = String(tenThousandths % 10_000)
        fraction = String(repeating: "0", count: 4 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? whole : whole + (locale == .fr ? "," : ".") + fraction
    }
}

public enum DateFormat {
    static let monthsFR = [
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
        "décembre",
    ]
    static let monthsEN = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
        "December",
    ]

    /// "2026-11-03" → "3 novembre 2026" / "3 November 2026"; the text unchanged if it is no date.
    public static func long(_ isoDate: String, locale: MailLocale) -> String {
        let parts = isoDate.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month)
        else { return isoDate }
        let name = locale == .fr ? monthsFR[month - 1] : monthsEN[month - 1]
        return locale == .fr && day == 1 ? "1er \(name) \(year)" : "\(day) \(name) \(year)"
    }

    /// "2026-05-25T10:00:00.000Z" → "25 mai 2026 à 10:00 UTC" / "25 May 2026, 10:00 UTC"; a date
    /// alone as `long`.
    public static func moment(_ timestamp: String, locale: MailLocale) -> String {
        let day = long(String(timestamp.prefix(10)), locale: locale)
        let time = timestamp.dropFirst(11).prefix(5)
        guard timestamp.count >= 16, time.count == 5 else { return day }
        return locale == .fr ? "\(day) à \(time) UTC" : "\(day), \(time) UTC"
    }

    static func monthYear(month: Int, year: Int, locale: MailLocale) -> String {
        guard (1...12).contains(month) else { return "\(month)/\(year)" }
        return "\(locale == .fr ? monthsFR[month - 1] : monthsEN[month - 1]) \(year)"
    }
}
