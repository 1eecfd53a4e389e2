import ConsoleService
import Foundation
import HTTPTypes
import RelanceEvents
import RelanceMail
import Testing

@Suite("relance-console: sign-in throttling, and the emails' words for causes and transaction types")
struct ConsoleSignInAndWordsTests {
    @Test("five wrong passwords for a user: the sixth try answers 429 without a check, until the window passes")
    func throttledSignIn() async throws {
        let clock = TestClock()
        let console = testConsole(clock: clock)
        try await withBrowser(console) { browser in
            for _ in 0..<5 {
                let page = try await browser.signIn("olivia", password: "wrong")
                #expect(page.status == 401)
            }
            // The right password now: still refused, and said so, with when to come back.
            var page = try await browser.signIn("olivia")
            #expect(page.status == 429)
            #expect(page.body.contains("Too many failed sign-ins: try again in 15 minute(s)."))
            #expect(page.headers[HTTPField.Name("Retry-After")!] == "900")
            // Another user is not held by olivia's failures.
            page = try await browser.signIn("bruno")
            #expect(page.status == 303)
            browser.cookies = [:]
            clock.advance(by: 15 * 60)
            page = try await browser.signIn("olivia")
            #expect(page.status == 303 && page.location == "/items")
        }
    }

    @Test("a success clears the count; the limit counts within the window only")
    func throttleWindow() {
        let throttle = SignInThrottle(window: 600, perUser: 3, perAddress: 5)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for second in [0.0, 100, 200] { throttle.failed(user: "Ana", address: "10.0.0.1", now: start + second) }
        #expect(throttle.blockedUntil(user: "ana", address: nil, now: start + 300) == start + 600)
        // The first failure leaves the window at 600 s.
        #expect(throttle.blockedUntil(user: "ana", address: nil, now: start + 600) == nil)
        throttle.failed(user: "ana", address: "10.0.0.1", now: start + 601)
        throttle.failed(user: "ana", address: "10.0.0.1", now: start + 602)
        throttle.succeeded(user: "ana")
        #expect(throttle.blockedUntil(user: "ana", address: nil, now: start + 603) == nil)
        // The address keeps its failures: 100, 200, 601, 602 and now 603 are five within the
        // window, so every name is held from it until the one at 100 leaves (700).
        throttle.failed(user: "bob", address: "10.0.0.1", now: start + 603)
        #expect(throttle.blockedUntil(user: "zoe", address: "10.0.0.1", now: start + 604) == start + 700)
        #expect(throttle.blockedUntil(user: "zoe", address: "10.0.0.2", now: start + 604) == nil)
        #expect(throttle.blockedUntil(user: "zoe", address: "10.0.0.1", now: start + 700) == nil)
    }

    @Test("attempts are counted before the password is checked: a burst cannot pass the check together")
    func throttleBurst() {
        let throttle = SignInThrottle(window: 600, perUser: 5, perAddress: 100)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        // Six requests at once, none answered yet: five go on to the password check, the sixth not.
        let answers = (0..<6).map { _ in throttle.attempt(user: "olivia", address: "10.0.0.7", now: now) }
        #expect(answers.prefix(5).allSatisfy { $0 == nil })
        #expect(answers.last == now + 600)
        // One of them had the right password: the name is free again, the address keeps four.
        throttle.succeeded(user: "olivia", address: "10.0.0.7", at: now)
        #expect(throttle.attempt(user: "olivia", address: "10.0.0.7", now: now + 1) == nil)
    }

    @Test("a command that gets no answer stops showing pending after the wait, and the history says so")
    func awaitingExpires() {
        let view = ActionCentreView()
        view.applyItem(key: "p1", value: itemRecord(payment: "p1"))
        let sent = Date(timeIntervalSince1970: 1_800_000_000)
        view.markAwaiting(
            merchant: "m-1", payment: "p1", command: "retry_now", eventID: "e1", actor: "olivia", at: sent)
        view.expireAwaiting(olderThan: 120, now: sent + 119)
        #expect(view.item(merchant: "m-1", payment: "p1")?.shownState == "pending")
        view.expireAwaiting(olderThan: 120, now: sent + 120)
        let item = view.item(merchant: "m-1", payment: "p1")
        #expect(item?.shownState == "open")
        #expect(item?.history.last?.detail.contains("no answer after 120 s") == true)
    }

    @Test("figures from records do not trap: sums held at the bounds, huge ratios formatted")
    func noOverflowTraps() {
        #expect(Int64.max.saturatingAdd(1) == Int64.max)
        #expect(Int64.min.saturatingAdd(-1) == Int64.min)
        #expect(ConsoleFormat.percent(1e16, language: .en) == "100000000000000.0%")
        #expect(ConsoleFormat.percent(0.457, language: .fr) == "45,7\u{00A0}%")
    }

    @Test("causes and types in the emails' words, said of the customer's bank; codes in the filter")
    func words() async throws {
        let view = ActionCentreView()
        view.applyItem(key: "a", value: itemRecord(payment: "a", type: "installment", reason: "insufficient_funds"))
        view.applyItem(key: "b", value: itemRecord(payment: "b", type: "subscription", reason: "do_not_honor"))
        view.applyItem(key: "c", value: itemRecord(payment: "c", type: "payment", method: "sepa_debit", reason: "MS03"))
        try await withBrowser(testConsole(view: view)) { browser in
            browser.language = "fr"
            _ = try await browser.signIn("olivia")
            let page = try await browser.get("/items")
            #expect(page.body.contains("<td>versement</td>"))
            #expect(page.body.contains("<td>fonds insuffisants</td>"))
            #expect(page.body.contains("<td>paiement refusé par la banque du client</td>"))
            #expect(page.body.contains("<td>prélèvement rejeté par la banque du client</td>"))
            #expect(!page.body.contains("votre banque"))
            #expect(page.body.contains(#"<option value="MS03""#))
            #expect(page.body.contains("prélèvement rejeté par la banque du client (MS03)"))
            let item = try await browser.get("/merchants/m-1/items/b")
            #expect(item.body.contains("paiement refusé par la banque du client"))
            #expect(item.body.contains("abonnement"))
        }
        #expect(
            MailWords.merchantCause(declineCode: "51", category: "soft_decline", locale: .en) == "insufficient funds")
        #expect(
            MailWords.merchantCause(declineCode: "zz-unknown", category: "hard_decline", locale: .fr) == "carte refusée"
        )
        #expect(
            MailWords.merchantCause(declineCode: "", category: "", locale: .en)
                == "payment declined by the customer's bank")
        // The vendor's emails read the same: the customer's words turned to the customer's bank.
        #expect(
            MailWords.merchantCause(PaymentFailure(declineCode: "05", declineScheme: "iso8583"), locale: .fr)
                == "paiement refusé par la banque du client")
        #expect(
            MailWords.cause(PaymentFailure(declineCode: "05", declineScheme: "iso8583"), locale: .fr)
                == "paiement refusé par votre banque")
    }
}
