import Foundation
import RelanceDomain
import RelanceEvents
import RelanceMail
import RelanceRuntime
import RelanceTestSupport
import ReminderMailerService
import Testing

/// What customers and merchants read: every word from the locale's templates, and what really
/// happens next (issue 20, items 1–5).
@Suite("the emails' words, in the reader's language", .serialized)
struct WordsTests {
    /// A notification as payment-retry writes it: the English description in `reason` (for
    /// operators), the code, the method and the next attempt.
    static func failure(
        _ payment: String, code: String, scheme: String, method: String, next: String?,
        kind: String = "payment_failed", audience: String = "customer", english: String
    ) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("kind", .string(kind)), ("audience", .string(audience)), ("paymentId", .string(payment)),
            ("invoiceId", .string("INV-\(payment)")), ("amount", .integer(4_900)), ("currency", .string("EUR")),
            ("reason", .string(english)), ("customerName", .string("Zoé Lefèvre")), ("declineCode", .string(code)),
            ("declineScheme", .string(scheme)), ("paymentMethod", .string(method)),
            ("transactionType", .string("subscription")),
        ]
        if let next { members.append(("nextAttemptAt", .string(next))) }
        return .object(members)
    }

    /// The received emails whose subject contains `subject`, for `account`.
    static func mail(_ all: [ReceivedMail], to account: String, subject: String) -> ReceivedMail? {
        all.first {
            $0.headers["x-envelope-to"]?.hasPrefix("\(account)@") == true
                && $0.headers["subject"]?.contains(subject) == true
        }
    }

    @Test(
        "failed payments: the cause in French or English from the templates, 'contact your bank', the real next attempt date, no promise when none is planned"
    )
    func failedPaymentEmails() async throws {
        var s = try await MailerScenario(server: try SMTPTestServer())
        try await s.day(0)
        try await s.customer("acct-card", locale: "fr-FR", name: "Zoé Lefèvre")
        try await s.customer("acct-am04", locale: "fr", name: "Zoé Lefèvre")
        try await s.customer("acct-last", locale: "fr", name: "Zoé Lefèvre")
        try await s.customer("acct-md01", locale: "fr", name: "Zoé Lefèvre")
        try await s.customer("acct-en", locale: "en-GB", name: "Sam Taylor")
        let notices: [(String, JSONValue)] = [
            (
                "acct-card",
                Self.failure(
                    "p-card", code: "insufficient_funds", scheme: "stripe", method: "card",
                    next: "2026-10-08T00:00:00.000Z", english: "insufficient funds")
            ),
            (
                "acct-am04",
                Self.failure(
                    "p-am04", code: "AM04", scheme: "sepa", method: "sepa_debit", next: "2026-10-04T00:00:00.000Z",
                    english: "insufficient funds")
            ),
            // A direct debit with no retry planned (the merchant turned them off, or the last one).
            (
                "acct-last",
                Self.failure(
                    "p-last", code: "AM04", scheme: "sepa", method: "sepa_debit", next: nil,
                    english: "insufficient funds")
            ),
            (
                "acct-md01",
                Self.failure(
                    "p-md01", code: "MD01", scheme: "sepa", method: "sepa_debit", next: nil, english: "no valid mandate"
                )
            ),
            (
                "acct-en",
                Self.failure(
                    "p-en", code: "expired_card", scheme: "stripe", method: "card", next: nil, english: "card expired")
            ),
        ]
        for (account, notice) in notices {
            try await s.send(
                "notification.requested", to: PaymentEvents.notificationsTopic, account: account, id: "n-\(account)",
                notice)
        }
        let all = try await s.server.waitFor(5).map(ReceivedMail.init)

        let card = try #require(Self.mail(all, to: "acct-card", subject: "Échec du paiement"))
        #expect(
            card.text.contains(
                "Le paiement de la facture INV-p-card (49,00\u{00A0}€) n’a pas abouti : fonds insuffisants."))
        #expect(card.text.contains("Contactez votre banque pour confirmer que le paiement peut être effectué."))
        #expect(card.text.contains("Nous réessaierons automatiquement le 8 octobre 2026."))
        #expect(card.text.contains("Vous pouvez aussi mettre à jour votre carte : nous réessaierons aussitôt"))

        let am04 = try #require(Self.mail(all, to: "acct-am04", subject: "Échec du paiement"))
        #expect(am04.text.contains("n’a pas abouti : fonds insuffisants."))
        #expect(am04.text.contains("Contactez votre banque pour confirmer que le paiement peut être effectué."))
        #expect(am04.text.contains("Nous présenterons à nouveau le prélèvement le 4 octobre 2026."))
        #expect(!am04.text.contains("aussitôt"), "the retry is days later, not at once")

        let last = try #require(Self.mail(all, to: "acct-last", subject: "Échec du paiement"))
        #expect(last.text.contains("Contactez votre banque"))
        #expect(last.text.contains("Aucune nouvelle tentative automatique n’est prévue."))
        #expect(!last.text.contains("réessaierons") && !last.text.contains("présenterons"))

        let md01 = try #require(Self.mail(all, to: "acct-md01", subject: "Échec du paiement"))
        #expect(md01.text.contains("n’a pas abouti : aucun mandat valide."))
        #expect(
            md01.text.contains("Mettez à jour votre moyen de paiement, puis contactez-nous pour régler la facture."))

        let english = try #require(Self.mail(all, to: "acct-en", subject: "Your payment of €49.00 failed"))
        #expect(english.text.contains("did not go through: card expired."))
        #expect(english.text.contains("Update your card and we will try again at once, oldest invoice first."))

        for mail in [card, am04, last, md01] {
            for english in [
                "insufficient funds", "no valid mandate", "card expired", "AM04", "MD01", "insufficient_funds",
            ] {
                #expect(!mail.text.contains(english) && !mail.html.contains(english), "\(english) in a French email")
            }
        }
        try await s.stop()
    }

    @Test("the vendor's 'attempts exhausted' email: in the merchant's language, the last cause in its words")
    func vendorEmailInTheMerchantsLanguage() async throws {
        var s = try await MailerScenario(server: try SMTPTestServer())
        try await s.day(0)
        try await s.customer("acct-en", locale: "en-GB", name: "Sam Taylor")
        try await s.send(
            "notification.requested", to: PaymentEvents.notificationsTopic, account: "acct-en", id: "n-1",
            Self.failure(
                "p-1", code: "insufficient_funds", scheme: "stripe", method: "card", next: nil,
                kind: "retries_exhausted", audience: "vendor", english: "insufficient funds"))
        let mail = ReceivedMail(try await s.server.waitFor(1)[0])
        #expect(mail.headers["x-envelope-to"] == "support@aerocall.test")
        #expect(mail.headers["subject"] == "Tentatives automatiques épuisées – Zoé Lefèvre, 49,00\u{00A0}€")
        #expect(mail.text.contains("ont échoué (dernier motif : fonds insuffisants)"))
        #expect(mail.text.hasPrefix("Bonjour,"), "not the customer's greeting")
        #expect(!mail.text.contains("insufficient"))
        try await s.stop()
    }

    @Test("003: a plan's new price is emailed to the customer: the amount, from which billing date, the deadline")
    func priceUpdateEmail() async throws {
        var s = try await MailerScenario(server: try SMTPTestServer())
        try await s.day(0)
        try await s.customer("acct-plan", locale: "fr", name: "Zoé Lefèvre")
        try await s.customer("acct-plan-en", locale: "en", name: "Sam Taylor")
        let update = JSONValue.object([
            "kind": .string("price_update"), "audience": .string("customer"), "planId": .string("plan-a"),
            "currency": .string("EUR"), "currentAmount": .integer(3_000), "newAmount": .integer(4_000),
            "effectiveFrom": .string("2026-11-01"), "confirmBy": .string("2026-10-11T00:00:00.000Z"),
        ])
        for account in ["acct-plan", "acct-plan-en"] {
            try await s.send(
                "notification.requested", to: PaymentEvents.notificationsTopic, account: account, id: "n-\(account)",
                update)
        }
        let all = try await s.server.waitFor(2).map(ReceivedMail.init)
        let fr = try #require(Self.mail(all, to: "acct-plan", subject: "plan de paiement"))
        #expect(
            fr.headers["subject"]
                == "Nouveau montant de votre plan de paiement : 40,00\u{00A0}€ à partir du 1er novembre 2026")
        #expect(
            fr.text.contains(
                "à partir de l’échéance du 1er novembre 2026, chaque paiement sera de 40,00\u{00A0}€ au lieu de 30,00\u{00A0}€"
            ))
        #expect(
            fr.text.contains(
                "Confirmez ce nouveau plan au plus tard le 11 octobre 2026 à 00:00 UTC : sans votre confirmation, il ne "
                    + "sera pas mis à jour et vos paiements resteront de 30,00\u{00A0}€."))
        let en = try #require(Self.mail(all, to: "acct-plan-en", subject: "payment plan"))
        #expect(en.headers["subject"] == "New amount for your payment plan: €40.00 from 1 November 2026")
        #expect(en.text.contains("Please confirm the new plan by 11 October 2026, 00:00 UTC"))
        try await s.stop()
    }

    @Test("002: a recharge on a card the merchant does not accept, and a failed recharge, in the customer's words")
    func prepaidEmails() async throws {
        var s = try await MailerScenario(server: try SMTPTestServer())
        try await s.day(0)
        try await s.customer("acct-sms", locale: "fr", name: "Inès Fournier")
        try await s.send(
            "notification.requested", to: PaymentEvents.notificationsTopic, account: "acct-sms", id: "n-brand",
            .object([
                "kind": .string("card_not_accepted"), "audience": .string("customer"),
                "paymentId": .string("acct-sms-topup-1"), "invoiceId": .string("acct-sms-topup-1"),
                "amount": .integer(5_000), "currency": .string("AUD"), "brand": .string("diners"),
                "acceptedBrands": .array(["visa", "mastercard", "amex", "jcb"].map(JSONValue.string)),
            ]))
        try await s.send(
            "notification.requested", to: PaymentEvents.notificationsTopic, account: "acct-sms", id: "n-failed",
            .object([
                "kind": .string("recharge_failed"), "audience": .string("customer"),
                "paymentId": .string("acct-sms-topup-2"), "invoiceId": .string("acct-sms-topup-2"),
                "amount": .integer(5_000), "currency": .string("AUD"), "paymentMethod": .string("card"),
                "declineCode": .string("insufficient_funds"), "declineScheme": .string("stripe"),
            ]))
        let all = try await s.server.waitFor(2).map(ReceivedMail.init)
        let brand = try #require(Self.mail(all, to: "acct-sms", subject: "Diners Club"))
        #expect(brand.headers["subject"] == "Votre carte Diners Club n’est pas acceptée")
        #expect(
            brand.text.contains(
                "La recharge de votre crédit (50,00\u{00A0}$AU) n’a pas été débitée : Aérocall n’accepte pas les cartes "
                    + "Diners Club."))
        #expect(brand.text.contains("Cartes acceptées : Visa, Mastercard, American Express et JCB."))
        #expect(brand.text.contains("Ajoutez une autre carte : la recharge sera débitée dès qu’elle sera enregistrée."))
        let failed = try #require(Self.mail(all, to: "acct-sms", subject: "recharge"))
        #expect(failed.headers["subject"] == "Échec de la recharge de 50,00\u{00A0}$AU")
        #expect(
            failed.text.contains("La recharge de votre crédit (50,00\u{00A0}$AU) n’a pas abouti : fonds insuffisants."))
        #expect(!failed.text.contains("insufficient") && !failed.text.contains("recharge failed"))
        try await s.stop()
    }

    @Test(
        "the digest: a retry that failed again shows the customer's name and the transaction type, in French; the link to the action centre"
    )
    func digestOfARetryFailedAgain() async throws {
        var s = try await MailerScenario(server: try SMTPTestServer())
        // The merchant's profile as RELANCE_MERCHANTS gives it, with its action centre.
        let profile = try JSONDecoder().decode(
            MerchantProfile.self,
            from: Data(
                (#"{"name":"Aérocall","fromAddress":"facturation@aerocall.test","contactEmail":"support@aerocall.test","#
                    + #""paymentURL":"https://aerocall.test/pay/{account}","locale":"fr","#
                    + #""digestRecipients":["billing@aerocall.test"],"#
                    + #""actionCentreURL":"https://aerocall.test/centre-actions"}"#).utf8))
        s.digest = try await s.harness.start(DigestWorker(merchants: ["m-1": profile]))
        try await s.day(0.4)
        var items = 0
        func failed(_ account: String, _ id: String, _ data: [(key: String, value: JSONValue)]) async throws {
            var members: [(key: String, value: JSONValue)] = [
                ("invoiceDate", .string("2026-09-30")), ("paymentMethod", .string("card")), ("amount", .integer(4_900)),
                ("currency", .string("EUR")), ("declineCode", .string("insufficient_funds")),
                ("declineScheme", .string("stripe")),
            ]
            members += data
            try await s.send(
                "payment.failed", to: PaymentEvents.paymentsTopic, account: account, id: id, .object(members))
            items += 1
            _ = try await s.harness.records(MailEvents.digestItemsTopic, count: items)
        }
        // The first failure, from the billing platform; then the gateway's answer to the retry:
        // type `payment`, no name.
        try await failed(
            "acct-0", "fail-0",
            [
                ("paymentId", .string("pay-0")), ("invoiceId", .string("inv-0")),
                ("transactionType", .string("subscription")), ("customerName", .string("Zoé Lefèvre")),
            ])
        try await failed(
            "acct-0", "fail-0-retry",
            [
                ("paymentId", .string("pay-0")), ("invoiceId", .string("inv-0")),
                ("transactionType", .string("payment")), ("chargeRequestId", .string("chg_pay-0_2_0_schedule")),
            ])
        try await failed(
            "acct-1", "fail-1",
            [
                ("paymentId", .string("pay-1")), ("invoiceId", .string("inv-1")),
                ("transactionType", .string("installment")), ("customerName", .string("Sam Taylor")),
            ])
        let digest = try #require(s.digest)
        try await waitUntil("the digest holds the three failures") {
            try await digest.runtime.state(of: "m-1")?.items.count == 3
        }
        try await s.day(1 + 8.0 / 24)
        let mail = ReceivedMail(try await s.server.waitFor(1)[0])
        let rows = mail.text.split(separator: "\n").filter { $0.hasPrefix("  ") }.map(String.init)
        #expect(
            rows.sorted() == [
                "  Sam Taylor  1er octobre 2026  49,00\u{00A0}€  versement  pay-1",
                "  Zoé Lefèvre  1er octobre 2026  49,00\u{00A0}€  abonnement  pay-0",
                "  Zoé Lefèvre  1er octobre 2026  49,00\u{00A0}€  abonnement  pay-0",
            ], "\(mail.text)")
        #expect(mail.text.contains("Gérer les transactions échouées : https://aerocall.test/centre-actions"))
        #expect(mail.html.contains("href=\"https://aerocall.test/centre-actions\""))
        #expect(!mail.text.contains("subscription") && !mail.text.contains("acct-0"))
        try await s.stop()
    }
}
