/// The texts of the plans, recovery and dead-letter pages (merged into `ConsoleText.table`).
extension ConsoleText {
    static let plansEn: [String: String] = [
        "plans_title": "Installment plans",
        "plans_intro":
            "Failed installments by account, with their attempts. After the automatic attempts, you may renew the "
            + "payment plan once (one last charge) as long as the order was not handed over to collections, or hand "
            + "it over to collections.",
        "plans_renewedNote":
            "Whether a plan was already renewed is not in the item record: payment-retry refuses a second renewal, "
            + "and the refusal then shows on the item.",
        "plans_renew": "Renew payment plan", "plans_handOver": "Hand over to collections",
        "plans_priceUpdates": "Price update requests", "plans_plan": "Plan", "plans_newAmount": "New amount",
        "plans_deadline": "Customer confirms by", "plans_effectiveFrom": "Applies from",
        "plans_none": "No installment plan with a failed payment or a price update.",
        "priceStatus.pending": "waiting for the customer's confirmation", "priceStatus.applied": "applied",
        "priceStatus.lapsed": "lapsed (not confirmed in time)",
        "why.notExhausted": "The automatic attempts are not over yet.",
        "sent.renew_payment_plan":
            "Renew payment plan sent: payment-retry makes one last charge; the item shows pending until its outcome.",
        "sent.hand_over_to_collections":
            "Hand over to collections sent: the item shows pending until payment-retry has applied it.",
        "command.retry_now": "Retry now", "command.dismiss": "Ignore",
        "command.change_payment_method": "Change payment method", "command.renew_payment_plan": "Renew payment plan",
        "command.hand_over_to_collections": "Hand over to collections",
        "resolution.automatic_retry": "recovered by an automatic retry",
        "resolution.card_updated": "recovered: card updated",
        "resolution.operator_retry": "recovered by Retry now",
        "resolution.final_attempt": "recovered by the final attempt",
        "resolution.paid_another_way": "paid another way",
        "loss.dismissed": "ignored", "loss.handed_to_collections": "handed over to collections",
        "loss.retries_exhausted": "automatic attempts exhausted", "loss.account_terminated": "account terminated",
        "dunningEnded.written_off": "account written off", "dunningEnded.in_collections": "account in collections",
        "onAttempt": "on attempt %@", "attemptN": "attempt %@",

        "recovery_title": "Recovery",
        "recovery_intro":
            "Each period counts the payments that first failed in it, as they stand now (recovered, lost or still "
            + "open). The recovery rate is the number recovered over the number failed.",
        "recovery_currency": "Currency", "recovery_period": "Period", "recovery_weeks": "Weeks",
        "recovery_days": "Days",
        "recovery_none": "No recovery figures for this merchant yet.",
        "recovery_chartAmounts": "Amounts by period of first failure", "recovery_chartAttempts": "Recovered by attempt",
        "recovery_chartReasons": "Lost by reason",
        "recovery_recovered": "Recovered", "recovery_lost": "Lost", "recovery_open": "Still open",
        "recovery_opened": "Failed", "recovery_rate": "Recovery rate", "recovery_byPeriod": "By period",
        "recovery_periodColumn": "Period", "recovery_medianDays": "Median days", "recovery_p90Days": "90th pct. days",
        "recovery_within": "Within 7 / 14 / 30 days", "recovery_churn": "Involuntary churn (accounts · amount)",
        "recovery_sumNote": "The tables below add up the periods shown.",
        "recovery_declineCode": "Decline code", "recovery_failed": "Failed", "recovery_channel": "Recovered by",
        "recovery_attempt": "Attempt", "recovery_count": "Count", "recovery_lossReason": "Loss reason",
        "recovery_daysToRecover": "Days to recover",

        "deadLetters_title": "Dead letters",
        "dl_intro":
            "Inputs a worker could not process, with the reason and the original record (card numbers masked). "
            + "Replay sends the record back to its topic for the worker that refused it, once.",
        "dl_reason": "Reason", "dl_worker": "Worker", "dl_sourceTopic": "Source topic", "dl_source": "Source",
        "dl_original": "Original record", "dl_key": "Key", "dl_replay": "Replay",
        "dl_redacted": "Card numbers were masked: it cannot be replayed; the source must send a corrected event.",
        "dl_none": "No dead letter.", "dl_noMerchant": "(none named)", "dl_count": "%@ dead letter(s)",
        "dl_sent": "Replay sent: the worker's outcome shows here when it comes.",
        "dl_pending": "replay sent by %@, waiting for the outcome",
        "dl_why.role": "Replaying needs the dead-letter-replay role.",
        "dl_why.noKey": "The console has no signing key: it sends nothing.",
        "dl_why.redacted": "It carried a card number, masked when it was kept: it cannot be replayed.",
        "dl_why.handled": "Its content was already handled from an earlier replay.",
        "dl_why.awaiting": "A replay of it is waiting for its outcome.",
        "dl_outcome.handled": "Handled as new input",
        "dl_outcome.already_replayed": "Already replayed before: not applied again",
        "dl_outcome.dead_lettered": "Refused again",
    ]

    static let plansFr: [String: String] = [
        "plans_title": "Paiements échelonnés",
        "plans_intro":
            "Les échéances échouées par compte, avec leurs tentatives. Après les tentatives automatiques, vous "
            + "pouvez renouveler le plan de paiement une fois (un dernier prélèvement) tant que la commande n’a pas "
            + "été transmise au recouvrement, ou la transmettre au recouvrement.",
        "plans_renewedNote":
            "L’élément ne dit pas si le plan a déjà été renouvelé : payment-retry refuse un second renouvellement, "
            + "et le refus s’affiche alors sur l’élément.",
        "plans_renew": "Renouveler le plan de paiement", "plans_handOver": "Transmettre au recouvrement",
        "plans_priceUpdates": "Demandes de mise à jour du prix", "plans_plan": "Plan",
        "plans_newAmount": "Nouveau montant", "plans_deadline": "Le client confirme avant le",
        "plans_effectiveFrom": "S’applique à partir du",
        "plans_none": "Aucun plan de paiement échelonné avec un paiement échoué ou une mise à jour de prix.",
        "priceStatus.pending": "en attente de la confirmation du client", "priceStatus.applied": "appliquée",
        "priceStatus.lapsed": "caduque (non confirmée à temps)",
        "why.notExhausted": "Les tentatives automatiques ne sont pas terminées.",
        "sent.renew_payment_plan":
            "Renouvellement envoyé : payment-retry fait un dernier prélèvement ; l’élément reste en attente jusqu’au "
            + "résultat.",
        "sent.hand_over_to_collections":
            "Transmission au recouvrement envoyée : l’élément reste en attente jusqu’à ce que payment-retry l’applique.",
        "command.retry_now": "Réessayer maintenant", "command.dismiss": "Ignorer",
        "command.change_payment_method": "Changer le moyen de paiement",
        "command.renew_payment_plan": "Renouveler le plan de paiement",
        "command.hand_over_to_collections": "Transmettre au recouvrement",
        "resolution.automatic_retry": "recouvré par une nouvelle tentative automatique",
        "resolution.card_updated": "recouvré : carte mise à jour",
        "resolution.operator_retry": "recouvré par « Réessayer »",
        "resolution.final_attempt": "recouvré par la dernière tentative",
        "resolution.paid_another_way": "payé autrement",
        "loss.dismissed": "ignoré", "loss.handed_to_collections": "transmis au recouvrement",
        "loss.retries_exhausted": "tentatives automatiques épuisées", "loss.account_terminated": "compte résilié",
        "dunningEnded.written_off": "compte passé en perte", "dunningEnded.in_collections": "compte au recouvrement",
        "onAttempt": "à la tentative %@", "attemptN": "tentative %@",

        "recovery_title": "Recouvrement",
        "recovery_intro":
            "Chaque période compte les paiements dont le premier échec y a eu lieu, tels qu’ils sont aujourd’hui "
            + "(recouvrés, perdus ou encore ouverts). Le taux de recouvrement est le nombre recouvré sur le nombre "
            + "échoué.",
        "recovery_currency": "Devise", "recovery_period": "Période", "recovery_weeks": "Semaines",
        "recovery_days": "Jours", "recovery_none": "Pas encore de chiffres de recouvrement pour ce marchand.",
        "recovery_chartAmounts": "Montants par période du premier échec",
        "recovery_chartAttempts": "Recouvré par tentative", "recovery_chartReasons": "Perdu par motif",
        "recovery_recovered": "Recouvré", "recovery_lost": "Perdu", "recovery_open": "Encore ouvert",
        "recovery_opened": "Échoués", "recovery_rate": "Taux de recouvrement", "recovery_byPeriod": "Par période",
        "recovery_periodColumn": "Période", "recovery_medianDays": "Jours (médiane)",
        "recovery_p90Days": "Jours (90e centile)", "recovery_within": "Sous 7 / 14 / 30 jours",
        "recovery_churn": "Attrition involontaire (comptes · montant)",
        "recovery_sumNote": "Les tableaux ci-dessous additionnent les périodes affichées.",
        "recovery_declineCode": "Code de refus", "recovery_failed": "Échoués", "recovery_channel": "Recouvré par",
        "recovery_attempt": "Tentative", "recovery_count": "Nombre", "recovery_lossReason": "Motif de perte",
        "recovery_daysToRecover": "Jours pour recouvrer",

        "deadLetters_title": "Lettres mortes",
        "dl_intro":
            "Les entrées qu’un worker n’a pas pu traiter, avec le motif et l’enregistrement d’origine (numéros de "
            + "carte masqués). Rejouer renvoie l’enregistrement sur son topic pour le worker qui l’a refusé, une fois.",
        "dl_reason": "Motif", "dl_worker": "Worker", "dl_sourceTopic": "Topic d’origine", "dl_source": "Origine",
        "dl_original": "Enregistrement d’origine", "dl_key": "Clé", "dl_replay": "Rejouer",
        "dl_redacted": "Des numéros de carte ont été masqués : impossible de le rejouer ; la source doit envoyer un "
            + "événement corrigé.",
        "dl_none": "Aucune lettre morte.", "dl_noMerchant": "(aucun nommé)", "dl_count": "%@ lettre(s) morte(s)",
        "dl_sent": "Rejeu envoyé : le résultat du worker s’affiche ici dès qu’il arrive.",
        "dl_pending": "rejeu envoyé par %@, en attente du résultat",
        "dl_why.role": "Rejouer demande le rôle dead-letter-replay.",
        "dl_why.noKey": "La console n’a pas de clé de signature : elle n’envoie rien.",
        "dl_why.redacted": "Elle contenait un numéro de carte, masqué à la conservation : impossible de la rejouer.",
        "dl_why.handled": "Son contenu a déjà été traité lors d’un rejeu précédent.",
        "dl_why.awaiting": "Un rejeu attend déjà son résultat.",
        "dl_outcome.handled": "Traitée comme une nouvelle entrée",
        "dl_outcome.already_replayed": "Déjà rejouée : pas appliquée une seconde fois",
        "dl_outcome.dead_lettered": "Refusée de nouveau",
    ]
}
