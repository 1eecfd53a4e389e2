/// Every text the pages show, in French and English.
enum ConsoleText {
    static let en: [String: String] = [
        "failedTransactions": "Failed transactions", "signIn": "Sign in", "signOut": "Sign out",
        "signInFailed": "Wrong user name or password.",
        "signInThrottled": "Too many failed sign-ins: try again in %d minute(s).",
        "sessionExpired": "Your session has ended: sign in again.",
        "user": "User name", "password": "Password", "merchant": "Merchant", "all": "All",
        "paymentMethod": "Payment method", "transactionType": "Transaction type", "failureReason": "Failure reason",
        "state": "State", "activeStates": "Open and pending", "sortBy": "Sort by", "order": "Order",
        "descending": "Descending", "ascending": "Ascending", "filter": "Filter", "exportCSV": "Export CSV",
        "loading": "The action centre is still loading: the list may be incomplete.", "customer": "Customer",
        "payment": "Payment", "amount": "Amount", "attempts": "Attempts", "firstFailed": "First failed",
        "nextAttempt": "Next attempt", "noItems": "No failed transaction matches.", "previous": "Previous",
        "next": "Next", "account": "Account", "invoice": "Invoice", "retryBlockedBy": "Retries blocked by",
        "dunning": "Dunning", "outcome": "Outcome", "timeZone": "Times in", "actions": "Actions",
        "retryNow": "Retry now", "note": "Note (why)", "ignore": "Ignore",
        "changePaymentMethod": "Change payment method",
        "history": "History", "when": "When", "event": "Event", "detail": "Detail",
        "historyNote":
            "The history lists the changes this console has seen since it started, and the refusals of commands.",
        "backToList": "Back to the failed transactions",
        "state.open": "open", "state.pending": "pending", "state.resolved": "resolved", "state.dismissed": "dismissed",
        "method.card": "card", "method.sepa_debit": "SEPA direct debit", "method.echeck": "eCheck",
        "sort.first_failed": "First failed", "sort.amount": "Amount", "sort.customer": "Customer",
        "sort.attempts": "Attempts", "sort.next_attempt": "Next attempt", "sort.updated": "Last change",
        "kind.update": "update", "kind.sent": "command sent", "kind.refused": "command refused",
        "count": "%d failed transaction(s)", "page": "Page %d of %d",
        "sent.retry_now": "Retry now sent: the item shows pending until the outcome arrives.",
        "sent.dismiss": "Ignore sent: the item closes when payment-retry has applied it.",
        "sent.change_payment_method": "Change of payment method sent.",
        "awaiting": "waiting for the outcome of %@ sent by %@",
        "why.role": "Your roles do not allow this.", "why.noKey": "The console has no signing key: it sends nothing.",
        "why.closed": "The item is closed.", "why.pending": "A charge is already in flight.",
        "why.collections": "The payment was handed over to collections.",
        "why.refund": "The payment method of a refund cannot be changed: refunds go back to where the money came from.",
        "why.type": "Only installments and subscriptions can change their payment method.",
        "why.awaiting": "A command on this item is waiting for its outcome.",
        "forbidden": "Refused",
        "csrf": "This form is out of date or did not come from this console (CSRF check). "
            + "Go back, reload the page and try again.",
        "notFound": "Not found", "notFoundText": "There is no such item among the merchants you work for.",
        "notAllowed": "Not allowed", "failed": "Not sent", "failedText": "The command could not be published: %@",
        "badRequest": "Bad request",
    ]

    static let fr: [String: String] = [
        "failedTransactions": "Transactions échouées", "signIn": "Connexion", "signOut": "Déconnexion",
        "signInFailed": "Nom d’utilisateur ou mot de passe incorrect.",
        "signInThrottled": "Trop de connexions échouées : réessayez dans %d minute(s).",
        "sessionExpired": "Votre session a pris fin : reconnectez-vous.",
        "user": "Nom d’utilisateur", "password": "Mot de passe", "merchant": "Marchand", "all": "Tous",
        "paymentMethod": "Moyen de paiement", "transactionType": "Type de transaction",
        "failureReason": "Motif de l’échec", "state": "État", "activeStates": "Ouvertes et en attente",
        "sortBy": "Trier par", "order": "Ordre", "descending": "Décroissant", "ascending": "Croissant",
        "filter": "Filtrer", "exportCSV": "Exporter en CSV",
        "loading": "Le centre d’actions se charge encore : la liste peut être incomplète.", "customer": "Client",
        "payment": "Paiement", "amount": "Montant", "attempts": "Tentatives", "firstFailed": "Premier échec",
        "nextAttempt": "Prochaine tentative", "noItems": "Aucune transaction échouée ne correspond.",
        "previous": "Précédente", "next": "Suivante", "account": "Compte", "invoice": "Facture",
        "retryBlockedBy": "Nouvelles tentatives bloquées par", "dunning": "Relances", "outcome": "Issue",
        "timeZone": "Heures en", "actions": "Actions", "retryNow": "Réessayer maintenant",
        "note": "Note (pourquoi)", "ignore": "Ignorer", "changePaymentMethod": "Changer le moyen de paiement",
        "history": "Historique", "when": "Quand", "event": "Événement", "detail": "Détail",
        "historyNote":
            "L’historique liste les changements vus par cette console depuis son démarrage, et les refus de commandes.",
        "backToList": "Retour aux transactions échouées",
        "state.open": "ouverte", "state.pending": "en attente", "state.resolved": "résolue",
        "state.dismissed": "ignorée",
        "method.card": "carte", "method.sepa_debit": "prélèvement SEPA", "method.echeck": "eCheck",
        "sort.first_failed": "Premier échec", "sort.amount": "Montant", "sort.customer": "Client",
        "sort.attempts": "Tentatives", "sort.next_attempt": "Prochaine tentative", "sort.updated": "Dernier changement",
        "kind.update": "mise à jour", "kind.sent": "commande envoyée", "kind.refused": "commande refusée",
        "count": "%d transaction(s) échouée(s)", "page": "Page %d sur %d",
        "sent.retry_now": "Nouvelle tentative envoyée : l’élément reste en attente jusqu’au résultat.",
        "sent.dismiss": "Demande ignorée envoyée : l’élément se ferme dès que payment-retry l’a appliquée.",
        "sent.change_payment_method": "Changement de moyen de paiement envoyé.",
        "awaiting": "en attente du résultat de %@ envoyé par %@",
        "why.role": "Vos rôles ne le permettent pas.",
        "why.noKey": "La console n’a pas de clé de signature : elle n’envoie rien.",
        "why.closed": "L’élément est clos.", "why.pending": "Un prélèvement est déjà en cours.",
        "why.collections": "Le paiement a été transmis au recouvrement.",
        "why.refund":
            "Le moyen de paiement d’un remboursement ne peut pas changer : il revient là d’où l’argent est venu.",
        "why.type": "Seuls les versements et les abonnements peuvent changer de moyen de paiement.",
        "why.awaiting": "Une commande sur cet élément attend son résultat.",
        "forbidden": "Refusé",
        "csrf": "Ce formulaire est périmé ou ne vient pas de cette console (contrôle CSRF). "
            + "Revenez en arrière, rechargez la page et réessayez.",
        "notFound": "Introuvable",
        "notFoundText": "Aucun élément de ce nom parmi les marchands pour lesquels vous travaillez.",
        "notAllowed": "Non autorisé", "failed": "Non envoyé", "failedText": "La commande n’a pas pu être publiée : %@",
        "badRequest": "Requête invalide",
    ]

    /// Every page's texts, merged once per language.
    /// Every page's texts in one table per language, merged once.
    static let allEn: [String: String] = [en, acctEn, reconEn, plansEn].reduce([:]) { $0.merging($1) { a, _ in a } }
    static let allFr: [String: String] = [fr, acctFr, reconFr, plansFr].reduce([:]) { $0.merging($1) { a, _ in a } }

    static func table(_ language: ConsoleLanguage) -> [String: String] { language == .fr ? allFr : allEn }

    static func text(_ key: String, _ language: ConsoleLanguage) -> String { table(language)[key] ?? key }

    /// `%d` and `%@` filled in order.
    static func format(_ key: String, _ language: ConsoleLanguage, _ values: [String]) -> String {
        var result = ""
        var rest = Substring(text(key, language))
        var values = values[...]
        while let range = rest.range(of: "%") {
            result += rest[..<range.lowerBound]
            let after = rest[range.upperBound...]
            guard let code = after.first, code == "d" || code == "@" else {
                result += "%"
                rest = after
                continue
            }
            result += values.popFirst() ?? ""
            rest = after.dropFirst()
        }
        return result + rest
    }
}
