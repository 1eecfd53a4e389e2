import ConsoleService
import Foundation
import Logging
import RelanceEvents
import RelanceRuntime
import Testing

@Suite("relance-console: sign-in, sessions, CSRF, merchant scoping, lists and CSV (in-process HTTP)")
struct ConsoleHTTPTests {
    @Test("scrypt hashes: the right password verifies, a wrong one and a broken hash do not")
    func passwordHashes() throws {
        let hash = try PasswordHash.make("s3cret", logN: 10)
        #expect(hash.hasPrefix("scrypt$10$8$1$"))
        #expect(PasswordHash.verify("s3cret", against: hash))
        #expect(!PasswordHash.verify("s3cret ", against: hash))
        #expect(!PasswordHash.verify("s3cret", against: hash.replacingOccurrences(of: "scrypt$10", with: "scrypt$11")))
        #expect(!PasswordHash.verify("s3cret", against: "plain"))
        // Two hashes of one password differ (a random salt each).
        #expect(try PasswordHash.make("s3cret", logN: 10) != hash)
    }

    @Test("times in the merchant's zone: the same as Foundation's calendar, across DST changes, 1900 to 2100")
    func localTimes() {
        var random = SystemRandomNumberGenerator()
        for zoneName in ["Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kathmandu", "UTC"] {
            let zone = TimeZone(identifier: zoneName)!
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            for _ in 0..<500 {
                let date = Date(
                    timeIntervalSince1970: Double(Int64.random(in: -2_208_988_800...4_102_444_800, using: &random)))
                let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
                let iso = ConsoleFormat.iso(date, in: zone)
                let expected = String(
                    format: "%04ld-%02ld-%02ldT%02ld:%02ld:%02ld", c.year!, c.month!, c.day!, c.hour!, c.minute!,
                    c.second!)
                #expect(iso.hasPrefix(expected), "\(zoneName) \(date): \(iso), expected \(expected)")
            }
        }
        let paris = TimeZone(identifier: "Europe/Paris")!
        // The spring-forward night: 01:00 UTC is 03:00 CEST, one second earlier is 01:59:59 CET.
        #expect(ConsoleFormat.iso(Date(timeIntervalSince1970: 1_806_195_600), in: paris) == "2027-03-28T03:00:00+02:00")
        #expect(ConsoleFormat.iso(Date(timeIntervalSince1970: 1_806_195_599), in: paris) == "2027-03-28T01:59:59+01:00")
        #expect(
            ConsoleFormat.dateTime(Date(timeIntervalSince1970: 1_806_195_600), in: paris, language: .fr)
                == "28/03/2027 03:00")
        #expect(ConsoleFormat.majorUnits(123_456, currency: "EUR") == "1234.56")
        #expect(ConsoleFormat.majorUnits(5, currency: "EUR") == "0.05")
        #expect(ConsoleFormat.majorUnits(1234, currency: "BHD") == "1.234")
        #expect(ConsoleFormat.majorUnits(500, currency: "JPY") == "500")
    }

    @Test("sign-in: a wrong password is refused with the form again; the right one opens a session cookie")
    func signIn() async throws {
        let console = testConsole()
        try await withBrowser(console) { browser in
            // Not signed in: the list sends to the sign-in form.
            var page = try await browser.get("/items")
            #expect(page.status == 303 && page.location == "/login")
            page = try await browser.signIn("olivia", password: "wrong")
            #expect(page.status == 401)
            #expect(page.body.contains("sign-in-failed"))
            let anonymous = browser.cookies["relance_session"]
            #expect(anonymous != nil)
            page = try await browser.signIn("nobody")
            #expect(page.status == 401)
            page = try await browser.signIn("olivia")
            #expect(page.status == 303 && page.location == "/items")
            // A new session id after sign-in (no fixation).
            #expect(browser.cookies["relance_session"] != nil && browser.cookies["relance_session"] != anonymous)
            page = try await browser.get("/items")
            #expect(page.status == 200 && page.body.contains("Olivia"))
            // Sign out ends the session on the server.
            let old = browser.cookies["relance_session"] ?? ""
            page = try await browser.post("/logout")
            #expect(page.status == 303 && page.location == "/login")
            browser.cookies["relance_session"] = old
            page = try await browser.get("/items")
            #expect(page.status == 303 && page.location?.hasPrefix("/login") == true)
        }
    }

    @Test("the cookie: HttpOnly, SameSite=Strict, Secure and __Host- unless turned off for plain http")
    func cookieAttributes() async throws {
        let secure = testConsole { $0.secureCookies = true }
        let response = await secure.handle(ConsoleRequest(method: "GET", path: "/login"))
        let cookie = response.header("Set-Cookie") ?? ""
        #expect(cookie.hasPrefix("__Host-relance_session="))
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Secure"))
        #expect(cookie.contains("Path=/") && !cookie.contains("Domain"))
        let id = cookie.dropFirst("__Host-relance_session=".count).prefix { $0 != ";" }
        // 256 bits, base64url.
        #expect(Base64URL.decode(id)?.count == 32)
        #expect(response.header("Content-Security-Policy")?.contains("default-src 'none'") == true)
    }

    @Test("sessions expire: after the idle time, and after the absolute time even when used")
    func sessionExpiry() async throws {
        let clock = TestClock()
        let console = testConsole(clock: clock) {
            $0.sessionIdleTimeout = 600
            $0.sessionAbsoluteTimeout = 3600
        }
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("olivia")
            clock.advance(by: 599)
            #expect(try await browser.get("/items").status == 200)
            clock.advance(by: 601)
            var page = try await browser.get("/items")
            #expect(page.status == 303 && page.location == "/login?expired=1")
            page = try await browser.get("/login?expired=1")
            #expect(page.body.contains("session has ended"))
            // Busy but too old: every 500 s for an hour.
            _ = try await browser.signIn("olivia")
            for _ in 0..<7 {
                clock.advance(by: 500)
                #expect(try await browser.get("/items").status == 200)
            }
            clock.advance(by: 500)
            #expect(try await browser.get("/items").status == 303)
        }
    }

    @Test("CSRF: a post without the session's token, with another session's, or from another origin is refused")
    func csrf() async throws {
        let view = ActionCentreView()
        view.applyItem(key: "p1", value: itemRecord(payment: "p1"))
        let signer = CommandSigner(
            generating: .eddsa, keyID: "console", subject: "relance-console", roles: [], merchants: ["*"])
        let console = testConsole(view: view, signer: signer) { $0.publicOrigin = "https://console.example" }
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("olivia")
            let good = browser.csrf
            #expect(good != nil)
            var page = try await browser.post("/merchants/m-1/items/p1/retry-now", csrf: "forged")
            #expect(page.status == 403)
            #expect(page.body.contains("CSRF"))
            page = try await browser.post("/merchants/m-1/items/p1/dismiss", csrf: "")
            #expect(page.status == 403)
            page = try await browser.post(
                "/merchants/m-1/items/p1/retry-now", csrf: good, origin: "https://evil.example")
            #expect(page.status == 403)
            // The console's own origin is fine (a browser sends it with every post).
            page = try await browser.post("/language", [("language", "fr")], origin: "https://console.example")
            #expect(page.status == 303)
            // Another user's token is not this session's.
            var other = TestBrowser(browser.client)
            _ = try await other.signIn("bruno")
            page = try await browser.post("/merchants/m-1/items/p1/retry-now", csrf: other.csrf)
            #expect(page.status == 403)
            // Nothing was sent: the item waits for nothing.
            #expect(view.item(merchant: "m-1", payment: "p1")?.awaiting == nil)
            // The sign-in form is protected too.
            var fresh = TestBrowser(browser.client)
            page = try await fresh.post("/login", [("user", "olivia"), ("password", TestUsers.password)], csrf: "x")
            #expect(page.status == 403)
        }
    }

    @Test("another merchant's item is not found by URL, for pages, state and actions")
    func merchantScoping() async throws {
        let view = ActionCentreView()
        view.applyItem(key: "p1", value: itemRecord(payment: "p1"))
        view.applyItem(key: "q1", value: itemRecord(merchant: "m-2", account: "acct-9", payment: "q1"))
        let signer = CommandSigner(
            generating: .eddsa, keyID: "console", subject: "relance-console", roles: [], merchants: ["*"])
        let console = testConsole(view: view, signer: signer)
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("olivia")
            #expect(try await browser.get("/merchants/m-1/items/p1").status == 200)
            #expect(try await browser.get("/merchants/m-2/items/q1").status == 404)
            #expect(try await browser.get("/merchants/m-2/items/q1/state").status == 404)
            // The item under the user's own merchant does not exist either.
            #expect(try await browser.get("/merchants/m-1/items/q1").status == 404)
            let page = try await browser.post("/merchants/m-2/items/q1/dismiss", [("note", "x")])
            #expect(page.status == 404)
            #expect(view.item(merchant: "m-2", payment: "q1")?.awaiting == nil)
            // The list shows only m-1's.
            let list = try await browser.get("/items")
            #expect(list.body.contains("p1") && !list.body.contains("q1"))
            let csv = try await browser.get("/items.csv")
            #expect(!csv.body.contains("q1"))
        }
    }

    @Test("filters, sorting, paging; the CSV has every matching row, amounts in major units, times in the zone")
    func filtersAndCSV() async throws {
        let view = ActionCentreView()
        view.applyItem(key: "a", value: itemRecord(payment: "a", type: "installment", method: "card", amount: 4900))
        view.applyItem(
            key: "b",
            value: itemRecord(
                payment: "b", type: "subscription", method: "sepa_debit", reason: "AM04", amount: 123_456,
                customer: "Dupont, \"Jean\"", firstFailedAt: "2026-10-02T08:30:00.000Z"))
        view.applyItem(
            key: "c", value: itemRecord(payment: "c", type: "refund", method: "card", amount: 1000, state: "resolved"))
        view.applyItem(
            key: "d",
            value: itemRecord(
                payment: "d", type: "payment", method: "card", amount: 500, currency: "JPY",
                customer: "=HYPERLINK(1)", firstFailedAt: "2026-10-03T08:30:00.000Z"))
        for index in 0..<120 {
            view.applyItem(
                key: "z\(index)",
                value: itemRecord(
                    payment: "z\(index)", type: "payment", method: "echeck", reason: "R01", amount: 100,
                    firstFailedAt: "2026-09-01T00:00:00.000Z"))
        }
        let console = testConsole(view: view)
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("olivia")
            // Default: open and pending only (c is resolved), 50 a page.
            var page = try await browser.get("/items")
            #expect(page.body.contains("123 failed transaction(s)"))
            #expect(page.body.contains("Page 1 of 3"))
            page = try await browser.get("/items?method=card")
            #expect(page.body.contains("2 failed transaction(s)"))
            #expect(page.body.contains(#"data-payment="a""#) && page.body.contains(#"data-payment="d""#))
            #expect(!page.body.contains(#"data-payment="b""#))
            page = try await browser.get("/items?method=card&state=resolved")
            #expect(page.body.contains(#"data-payment="c""#) && !page.body.contains(#"data-payment="a""#))
            page = try await browser.get("/items?reason=AM04")
            #expect(page.body.contains("1 failed transaction(s)") && page.body.contains(#"data-payment="b""#))
            page = try await browser.get("/items?type=subscription&type=installment&sort=amount&dir=desc")
            let b = page.body.range(of: #"data-payment="b""#)
            let a = page.body.range(of: #"data-payment="a""#)
            #expect(b != nil && a != nil && b!.lowerBound < a!.lowerBound)
            // Sorted by first failure, newest first: d (3 Oct) first.
            page = try await browser.get("/items?sort=first_failed")
            #expect(
                page.body.range(of: "data-payment=")?.lowerBound
                    == page.body.range(of: #"data-payment="d""#)?.lowerBound)
            page = try await browser.get("/items?method=echeck&page=3")
            #expect(page.body.contains("Page 3 of 3"))
            #expect(page.body.components(separatedBy: "<tr data-payment=").count - 1 == 20)

            // CSV: all pages.
            let csv = try await browser.get(
                "/items.csv?type=subscription&type=installment&type=payment&sort=amount&dir=desc")
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = csv.body.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(lines.count == 1 + 123)
            #expect(lines[0].hasPrefix("merchant,account,paymentId,invoiceId,customerName"))
            // b: quoted name, 1234.56 EUR, 10:30 in Paris (UTC+2 on 2 October).
            #expect(
                lines.contains(
                    #"m-1,acct-1,b,inv-b,"Dupont, ""Jean""",subscription,sepa_debit,AM04,AM04,1234.56,EUR,open,1,"#
                        + "2026-10-02T10:30:00+02:00,2026-10-08T02:00:00+02:00,,"))
            // d: JPY has no decimals; a formula is defused.
            #expect(
                lines.contains {
                    $0.hasPrefix("m-1,acct-1,d,inv-d,'=HYPERLINK(1),payment,card,") && $0.contains(",500,JPY,")
                })
            #expect(lines.filter { $0.contains(",echeck,") }.count == 120)
        }
    }

    @Test("the actions a role and an item allow: a refund cannot change method, billing may not, support nothing")
    func actionRules() async throws {
        let view = ActionCentreView()
        view.applyItem(key: "r1", value: itemRecord(payment: "r1", type: "refund"))
        view.applyItem(key: "s1", value: itemRecord(payment: "s1", type: "subscription"))
        let signer = CommandSigner(
            generating: .eddsa, keyID: "console", subject: "relance-console", roles: [], merchants: ["*"])
        let console = testConsole(view: view, signer: signer)
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("olivia")
            var page = try await browser.get("/merchants/m-1/items/r1")
            #expect(page.body.contains(#"<button id="change-payment-method" disabled>"#))
            #expect(page.body.contains("refunds go back"))
            #expect(page.body.contains(#"<button id="retry-now" >"#))
            page = try await browser.get("/merchants/m-1/items/s1")
            #expect(page.body.contains(#"<button id="change-payment-method" >"#))
            // The rule holds on the server too: a forged post for the refund is refused.
            page = try await browser.post("/merchants/m-1/items/r1/change-payment-method", [("method", "sepa_debit")])
            #expect(page.status == 403)

            var billing = TestBrowser(browser.client)
            billing.language = "fr"
            _ = try await billing.signIn("bruno")
            page = try await billing.get("/merchants/m-1/items/s1")
            #expect(page.body.contains(#"<html lang="fr">"#))
            #expect(page.body.contains(#"<button id="change-payment-method" disabled>"#))
            #expect(page.body.contains(#"<button id="retry-now" >"#))
            #expect(page.body.contains("49,00\u{00A0}€"))
            page = try await billing.post("/merchants/m-1/items/s1/change-payment-method", [("method", "card")])
            #expect(page.status == 403)

            var support = TestBrowser(browser.client)
            _ = try await support.signIn("sam")
            page = try await support.get("/merchants/m-1/items/s1")
            #expect(page.body.contains(#"<button id="retry-now" disabled>"#))
            #expect(page.body.contains(#"<button id="dismiss" disabled>"#))
        }
    }

    @Test("single sign-on: a signed, fresh identity header signs in; unsigned, forged or stale ones do not")
    func singleSignOn() async throws {
        let secret = Array("an-sso-secret-of-at-least-32-bytes!!".utf8)
        let clock = TestClock()
        var configuration = ConsoleConfiguration(kafka: .init(bootstrapServers: "localhost:1"))
        configuration.secureCookies = false
        configuration.ssoHeader = "X-Relance-Identity"
        configuration.ssoSecretFile = "/dev/null"
        var logger = Logging.Logger(label: "t")
        logger.logLevel = .critical
        let console = Console(
            configuration: configuration, directory: TestUsers.directory, data: ConsoleData(), signer: nil,
            producer: nil, ssoSecret: secret, logger: logger, clock: clock.read)
        func get(_ identity: String?) async -> ConsoleResponse {
            await console.handle(
                ConsoleRequest(
                    method: "GET", path: "/items", headers: identity.map { ["X-Relance-Identity": $0] } ?? [:]))
        }
        let now = clock.read()
        #expect(await get(Console.ssoHeaderValue(user: "olivia", at: now, secret: secret)).status == 200)
        #expect(await get(nil).status == 303)
        #expect(await get("olivia;\(Int(now.timeIntervalSince1970));AAAA").status == 303)
        let other = Array("another-secret-of-at-least-32-bytes!!".utf8)
        #expect(await get(Console.ssoHeaderValue(user: "olivia", at: now, secret: other)).status == 303)
        #expect(
            await get(Console.ssoHeaderValue(user: "olivia", at: now.addingTimeInterval(-600), secret: secret)).status
                == 303)
        // A user the users file does not list is nobody.
        #expect(await get(Console.ssoHeaderValue(user: "mallory", at: now, secret: secret)).status == 303)
    }
}
