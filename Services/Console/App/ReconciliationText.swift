/// The texts of the reconciliation and proof pages, in both languages (merged by `ConsoleText.table`).
extension ConsoleText {
    static let reconEn: [String: String] = [
        "recon.nav": "Reconciliation", "proof.nav": "Proofs of payment",
        "reconTitle": "Reconcilable accounts",
        "reconIntro":
            "Accounts with an unreconciled debit and an unreconciled credit in one currency, as reconciliation "
            + "lists them: zero-balance accounts first, then those with the fewest items.",
        "reconCount": "%d account(s)", "reconItems": "Unreconciled items", "reconDebit": "Unreconciled debit",
        "reconCredit": "Unreconciled credit", "reconOpenItems": "Open items", "reconZeroBalance": "zero balance",
        "reconZeroBalanceText": "Debits equal credits in every currency: Reconcile settles everything.",
        "reconNoAccounts": "No account to reconcile.", "reconAccount": "Account", "reconPendingShort": "pending",
        "reconListed": "reconcilable", "reconNotListed": "nothing to reconcile now",
        "reconReconcile": "Reconcile",
        "reconReconcileHelp":
            "Allocates the open credits to the open debits, oldest first, in each currency (reconciliation does it).",
        "reconSide": "Side", "reconKindCol": "Kind", "reconId": "Id", "reconReference": "Reference",
        "reconDate": "Date", "reconOpen": "Open", "reconNoOpenItems": "No open item.",
        "reconAllocations": "Allocations", "reconCreditCol": "Credit", "reconDebitCol": "Debit",
        "reconTrigger": "Trigger", "reconDebitOpen": "Debit still owes", "reconNoAllocations": "No allocation yet.",
        "reconInvoices": "Invoices", "reconStillOwed": "Still owed", "reconNoInvoices": "No invoice status yet.",
        "recon.kind.invoice": "invoice", "recon.kind.refund": "refund", "recon.kind.payment": "payment",
        "recon.kind.credit_note": "credit note", "recon.side.debit": "debit", "recon.side.credit": "credit",
        "recon.trigger.payment": "a payment", "recon.trigger.proof": "a proof of payment",
        "recon.trigger.command": "Reconcile", "recon.trigger.policy": "automatic policy",
        "recon.status.open": "open", "recon.status.partially_paid": "partially paid", "recon.status.paid": "paid",
        "reconWhyRole": "Reconcile needs the manage_reconciliations role (Gérer les conciliations).",
        "reconWhyNotListed": "The account is not reconcilable now: nothing to match.",
        "reconWhyPending": "A Reconcile of this account is waiting for its outcome.",
        "reconPending": "Reconcile sent by %@: waiting for reconciliation's allocations.",
        "reconPendingLate":
            "No answer to the Reconcile after a minute: reconciliation refused it (see the dead letters) or found "
            + "nothing to allocate. You may send it again.",
        "reconRefused": "Reconcile refused: %@", "reconSent": "Reconcile sent: the allocations show here once made.",
        "proofTitle": "Proofs of payment", "proofOne": "Proof",
        "proofIntro":
            "Submit a customer's proof of payment (a bank file or the elements typed by hand); proof-validator "
            + "judges it and the verdict shows here.",
        "proofRecent": "Recent proofs", "proofId": "Proof", "proofKind": "Kind", "proofFormat": "Format",
        "proofSubmitted": "Submitted", "proofVerdict": "Verdict", "proofNoProofs": "No proof yet.",
        "proofForm": "Submit a proof of payment", "proofInvoiceIds": "Invoices it pays (ids)",
        "proofFile": "Bank file: camt.053, camt.054, MT940 or CSV", "proofDetect": "detect",
        "proofCsvMapping": "CSV columns", "proofTyped": "Or type the elements", "proofCurrency": "Currency",
        "proofTypedHelp": "The elements of a remittance advice, or what the file lacks (MT940 has no names).",
        "proofPayerName": "Payer's name", "proofPayeeName": "Payee's name", "proofTransactionDate": "Date",
        "proofTransactionId": "Reference / transaction id", "proofDescription": "Description",
        "proofPayerAccount": "Payer's IBAN", "proofPayeeAccount": "Payee's IBAN",
        "proofBankConfirmation": "Bank's confirmation", "proofSubmit": "Submit the proof",
        "proof.kind.bank_statement": "bank statement", "proof.kind.card_statement": "card statement",
        "proof.kind.remittance_advice": "remittance advice", "proof.confirmation.booked": "booked",
        "proof.confirmation.pending": "pending", "proof.confirmation.none": "none",
        "proofMaxSize": "At most %d kB.",
        "proofNoVerdict":
            "No verdict has come in a minute: proof-validator may have refused the record (see the dead letters); the page no longer reloads by itself.",
        "proofPending": "pending",
        "proofPendingText": "Waiting for proof-validator's verdict: this page looks again every 2 seconds.",
        "proofSent": "Proof submitted: proof-validator judges it now.",
        "proof.verdictText.accepted": "The proof holds: the invoices below are paid by it.",
        "proof.verdictText.rejected": "The proof does not hold: each problem is listed below.",
        "proof.verdictText.needs_review": "A person must look at this payment: see why below.",
        "proofReasons": "What is missing or wrong", "proofWorkerSaid": "proof-validator:",
        "proofCases": "Case", "proofMatches": "Invoices matched", "proofDecided": "Decided",
        "proofRefundAmount": "To refund", "proofShortfall": "Short by", "proofExcess": "Paid in excess",
        "proofWhyRole": "Submitting a proof needs the owner, admin or billing role.",
        "proofBadAccount": "Give the account the proof is for.",
        "proofBadKind": "Choose the kind of proof: bank statement, card statement or remittance advice.",
        "proofBadInvoices": "At most 50 invoice ids.",
        "proofBadFormat": "The file's format must be camt.053, camt.054, camt.052, mt940 or csv.",
        "proofBadAmount": "“%@” is not an amount of that currency (give the currency, and at most its decimals).",
        "proofBadEmpty": "Attach a bank file or type the proof's elements.",
        "proofBadSchema": "The proof does not follow its schema: %@",
        "proofTooLarge": "File too large",
        "proofTooLargeText": "The file is larger than %d kB: export a shorter period from the bank.",
        "proofTooLargeEvent":
            "The proof would exceed %d kB, the most proof-validator takes in one record: export a shorter period "
            + "from the bank.",
        "proofFailedText": "The proof could not be published: %@",
    ]

    static let reconFr: [String: String] = [
        "recon.nav": "Conciliation", "proof.nav": "Preuves de paiement",
        "reconTitle": "Comptes à concilier",
        "reconIntro":
            "Les comptes qui ont un débit et un crédit non conciliés dans une même devise, comme la conciliation "
            + "les liste : d’abord ceux dont le solde est nul, puis ceux qui ont le moins d’éléments.",
        "reconCount": "%d compte(s)", "reconItems": "Éléments non conciliés", "reconDebit": "Débit non concilié",
        "reconCredit": "Crédit non concilié", "reconOpenItems": "Éléments ouverts", "reconZeroBalance": "solde nul",
        "reconZeroBalanceText": "Les débits égalent les crédits dans chaque devise : Concilier solde tout.",
        "reconNoAccounts": "Aucun compte à concilier.", "reconAccount": "Compte", "reconPendingShort": "en attente",
        "reconListed": "à concilier", "reconNotListed": "rien à concilier pour l’instant",
        "reconReconcile": "Concilier",
        "reconReconcileHelp":
            "Affecte les crédits ouverts aux débits ouverts, les plus anciens d’abord, dans chaque devise "
            + "(c’est le service de conciliation qui le fait).",
        "reconSide": "Sens", "reconKindCol": "Nature", "reconId": "Identifiant", "reconReference": "Référence",
        "reconDate": "Date", "reconOpen": "Reste", "reconNoOpenItems": "Aucun élément ouvert.",
        "reconAllocations": "Affectations", "reconCreditCol": "Crédit", "reconDebitCol": "Débit",
        "reconTrigger": "Déclencheur", "reconDebitOpen": "Reste dû sur le débit",
        "reconNoAllocations": "Aucune affectation pour l’instant.",
        "reconInvoices": "Factures", "reconStillOwed": "Reste dû", "reconNoInvoices": "Aucun état de facture encore.",
        "recon.kind.invoice": "facture", "recon.kind.refund": "remboursement", "recon.kind.payment": "paiement",
        "recon.kind.credit_note": "avoir", "recon.side.debit": "débit", "recon.side.credit": "crédit",
        "recon.trigger.payment": "un paiement", "recon.trigger.proof": "une preuve de paiement",
        "recon.trigger.command": "Concilier", "recon.trigger.policy": "règle automatique",
        "recon.status.open": "ouverte", "recon.status.partially_paid": "partiellement payée",
        "recon.status.paid": "payée",
        "reconWhyRole": "Concilier demande le rôle manage_reconciliations (Gérer les conciliations).",
        "reconWhyNotListed": "Le compte n’est pas à concilier pour l’instant : rien à rapprocher.",
        "reconWhyPending": "Une conciliation de ce compte attend son résultat.",
        "reconPending": "Conciliation envoyée par %@ : en attente des affectations.",
        "reconPendingLate":
            "Pas de réponse à la conciliation après une minute : le service l’a refusée (voir les lettres mortes) "
            + "ou n’a rien trouvé à affecter. Vous pouvez la renvoyer.",
        "reconRefused": "Conciliation refusée : %@",
        "reconSent": "Conciliation envoyée : les affectations s’affichent ici dès qu’elles sont faites.",
        "proofTitle": "Preuves de paiement", "proofOne": "Preuve",
        "proofIntro":
            "Déposez la preuve de paiement d’un client (un fichier bancaire ou les éléments saisis à la main) ; "
            + "le validateur de preuves la juge et le verdict s’affiche ici.",
        "proofRecent": "Preuves récentes", "proofId": "Preuve", "proofKind": "Nature", "proofFormat": "Format",
        "proofSubmitted": "Déposée", "proofVerdict": "Verdict", "proofNoProofs": "Aucune preuve pour l’instant.",
        "proofForm": "Déposer une preuve de paiement", "proofInvoiceIds": "Factures qu’elle paie (identifiants)",
        "proofFile": "Fichier bancaire : camt.053, camt.054, MT940 ou CSV", "proofDetect": "détecter",
        "proofCsvMapping": "Colonnes CSV", "proofTyped": "Ou saisissez les éléments", "proofCurrency": "Devise",
        "proofTypedHelp":
            "Les éléments d’un avis de paiement, ou ce que le fichier ne donne pas (MT940 n’a pas les noms).",
        "proofPayerName": "Nom du payeur", "proofPayeeName": "Nom du bénéficiaire", "proofTransactionDate": "Date",
        "proofTransactionId": "Référence / identifiant de transaction", "proofDescription": "Libellé",
        "proofPayerAccount": "IBAN du payeur", "proofPayeeAccount": "IBAN du bénéficiaire",
        "proofBankConfirmation": "Confirmation de la banque", "proofSubmit": "Déposer la preuve",
        "proof.kind.bank_statement": "relevé bancaire", "proof.kind.card_statement": "relevé de carte",
        "proof.kind.remittance_advice": "avis de paiement", "proof.confirmation.booked": "comptabilisé",
        "proof.confirmation.pending": "en attente", "proof.confirmation.none": "aucune",
        "proofMaxSize": "%d ko au plus.",
        "proofNoVerdict":
            "Aucun verdict depuis une minute : proof-validator a pu refuser l’enregistrement (voir les lettres mortes) ; la page ne se recharge plus d’elle-même.",
        "proofPending": "en attente",
        "proofPendingText":
            "En attente du verdict du validateur de preuves : cette page se recharge toutes les 2 secondes.",
        "proofSent": "Preuve déposée : le validateur de preuves la juge maintenant.",
        "proof.verdictText.accepted": "La preuve est valable : les factures ci-dessous sont payées par elle.",
        "proof.verdictText.rejected": "La preuve n’est pas valable : chaque problème est listé ci-dessous.",
        "proof.verdictText.needs_review": "Une personne doit examiner ce paiement : voir pourquoi ci-dessous.",
        "proofReasons": "Ce qui manque ou ne va pas", "proofWorkerSaid": "validateur :",
        "proofCases": "Cas", "proofMatches": "Factures rapprochées", "proofDecided": "Décidé",
        "proofRefundAmount": "À rembourser", "proofShortfall": "Il manque", "proofExcess": "Payé en trop",
        "proofWhyRole": "Déposer une preuve demande le rôle owner, admin ou billing.",
        "proofBadAccount": "Indiquez le compte auquel la preuve se rapporte.",
        "proofBadKind": "Choisissez la nature de la preuve : relevé bancaire, relevé de carte ou avis de paiement.",
        "proofBadInvoices": "50 identifiants de facture au plus.",
        "proofBadFormat": "Le format du fichier doit être camt.053, camt.054, camt.052, mt940 ou csv.",
        "proofBadAmount":
            "« %@ » n’est pas un montant de cette devise (indiquez la devise, et au plus ses décimales).",
        "proofBadEmpty": "Joignez un fichier bancaire ou saisissez les éléments de la preuve.",
        "proofBadSchema": "La preuve ne respecte pas son schéma : %@",
        "proofTooLarge": "Fichier trop volumineux",
        "proofTooLargeText": "Le fichier dépasse %d ko : exportez une période plus courte depuis la banque.",
        "proofTooLargeEvent":
            "La preuve dépasserait %d ko, le maximum que le validateur de preuves accepte en un enregistrement : "
            + "exportez une période plus courte depuis la banque.",
        "proofFailedText": "La preuve n’a pas pu être publiée : %@",
    ]
}
