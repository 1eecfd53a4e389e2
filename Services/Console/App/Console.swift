import Crypto
import Foundation
import Logging
import Metrics
import Mustache
import RelanceEvents
import RelanceKafka
import RelanceMail
import RelanceRuntime

/// A request as the console reads it (the HTTP server's request, `ConsoleHTTP`, or a test's).
public struct ConsoleRequest: Sendable {
    public var method: String
    public var path: String
    /// The raw query string (without `?`).
    public var query: String
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: [UInt8]
    public var remoteAddress: String?

    public init(
        method: String, path: String, query: String = "", headers: [String: String] = [:], body: [UInt8] = [],
        remoteAddress: String? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { $1 })
        self.body = body
        self.remoteAddress = remoteAddress
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The cookies of the Cookie header.
    var cookies: [String: String] {
        var result: [String: String] = [:]
        for pair in (header("cookie") ?? "").split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            result[parts[0].trimmingCharacters(in: .whitespaces)] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        return result
    }

    var queryItems: [(String, String)] { FormData.parse(query) }
    /// The form's text fields: URL-encoded, or a multipart body's parts without a file name
    /// (so the CSRF check reads the token of an upload form too).
    var form: [(String, String)] {
        if let parts = multipartParts {
            return parts.filter { $0.fileName == nil }.map { ($0.name, String(decoding: $0.body, as: UTF8.self)) }
        }
        return FormData.parse(String(decoding: body, as: UTF8.self))
    }
}

/// A response of the console.
public struct ConsoleResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// application/x-www-form-urlencoded.
enum FormData {
    static func parse(_ text: String) -> [(String, String)] {
        text.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String? {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            guard let name = parts.first.flatMap(decode) else { return nil }
            return (name, parts.count > 1 ? decode(parts[1]) ?? "" : "")
        }
    }

    static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }

    static func encode(_ items: [(String, String)]) -> String {
        items.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }
}

/// The console: pages, sessions, CSRF checks and the commands users send. Pure request in,
/// response out (`ConsoleHTTP` puts it behind Hummingbird); the action centre comes from the
/// view the `TopicFollower` fills.
public final class Console: Sendable {
    public let configuration: ConsoleConfiguration
    public let directory: UserDirectory
    public let sessions: SessionStore
    /// Failed sign-ins per user name and address: past the limit, 429 without a password check.
    public let signInThrottle = SignInThrottle()
    /// What the pages show, filled by the `TopicFollower`.
    public let data: ConsoleData
    /// The failed transactions.
    public var view: ActionCentreView { data.actionCentre }
    /// Signs users' commands; nil: the console sends nothing.
    public let signer: CommandSigner?
    let producer: KafkaProducer?
    let ssoSecret: [UInt8]?
    let clock: @Sendable () -> Date
    let logger: Logger
    let metricsText: (@Sendable () -> String)?

    public init(
        configuration: ConsoleConfiguration, directory: UserDirectory, data: ConsoleData,
        signer: CommandSigner?, producer: KafkaProducer?, ssoSecret: [UInt8]? = nil, logger: Logger,
        metricsText: (@Sendable () -> String)? = nil, clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.directory = directory
        self.data = data
        self.signer = signer
        self.producer = producer
        self.ssoSecret = ssoSecret
        self.logger = logger
        self.metricsText = metricsText
        self.clock = clock
        sessions = SessionStore(
            idleTimeout: configuration.sessionIdleTimeout, absoluteTimeout: configuration.sessionAbsoluteTimeout)
        MetricDescriptions.describe([
            "relance_console_requests_total": "HTTP requests the console answered, by status class",
            "relance_console_commands_total": "Commands users sent through the console, by action and outcome",
            "relance_console_records_read_total": "Records the console read from the topics it shows",
        ])
    }

    /// How long an item shows pending for a command that gets no answer.
    public static let commandAnswerWait: TimeInterval = 120

    /// The session cookie's name: `__Host-` (the browser then insists on Secure, Path=/ and no
    /// Domain) unless cookies are not secure (plain-http tests).
    public var cookieName: String { configuration.secureCookies ? "__Host-relance_session" : "relance_session" }

    /// What the request is about once the session and the user are known.
    struct Visit {
        var request: ConsoleRequest
        var session: SessionStore.Session?
        /// Set when the session was created or replaced while answering.
        var newCookie: String?
        var user: ConsoleUser?
        var language: ConsoleLanguage
        /// The request carried a session cookie the store no longer knows (expired, signed out).
        var staleCookie: Bool
    }

    public func handle(_ request: ConsoleRequest) async -> ConsoleResponse {
        secured(await route(request))
    }

    /// The security headers every answer carries, and the request counter.
    func secured(_ answer: ConsoleResponse) -> ConsoleResponse {
        var response = answer
        response.headers += [
            (
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
                    + "frame-ancestors 'none'; base-uri 'none'"
            ),
            ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
            ("X-Frame-Options", "DENY"), ("Cache-Control", "no-store"),
        ]
        Counter(label: "relance_console_requests_total", dimensions: [("status", "\(response.status / 100)xx")])
            .increment()
        return response
    }

    func route(_ request: ConsoleRequest) async -> ConsoleResponse {
        let now = clock()
        switch (request.method, request.path) {
        case ("GET", "/healthz"):
            return data.isLoaded
                ? ConsoleResponse(status: 200, headers: [("Content-Type", "text/plain")], body: Array("ok\n".utf8))
                : ConsoleResponse(status: 503, headers: [("Content-Type", "text/plain")], body: Array("loading\n".utf8))
        case ("GET", "/metrics"):
            return ConsoleResponse(
                status: 200, headers: [("Content-Type", "text/plain; version=0.0.4")],
                body: Array((metricsText?() ?? "").utf8))
        default: break
        }
        view.expireAwaiting(olderThan: Self.commandAnswerWait, now: now)
        var visit = start(request, now: now)
        var response = await answer(&visit, now: now)
        if let cookie = visit.newCookie { response.headers.append(("Set-Cookie", cookie)) }
        return response
    }

    /// The session of the request's cookie, or of a signed identity header.
    func start(_ request: ConsoleRequest, now: Date) -> Visit {
        let cookie = request.cookies[cookieName]
        var session = cookie.flatMap { sessions.touch($0, now: now) }
        var visit = Visit(
            request: request, session: session, newCookie: nil, user: nil, language: .en,
            staleCookie: cookie != nil && session == nil)
        if let ssoUser = ssoIdentity(request, now: now), session?.user != ssoUser.user {
            if let old = session { sessions.remove(old.id) }
            session = sessions.create(user: ssoUser.user, now: now)
            visit.session = session
            visit.newCookie = setCookie(session?.id ?? "")
        }
        visit.user = session?.user.flatMap { directory.users[$0] }
        visit.language =
            session?.language ?? visit.user?.language ?? ConsoleLanguage.negotiate(request.header("accept-language"))
        return visit
    }

    func setCookie(_ id: String) -> String {
        var cookie = "\(cookieName)=\(id); Path=/; HttpOnly; SameSite=Strict"
        if configuration.secureCookies { cookie += "; Secure" }
        return cookie
    }

    var clearCookie: String {
        var cookie = "\(cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
        if configuration.secureCookies { cookie += "; Secure" }
        return cookie
    }

    /// A new anonymous session for the visit when it has none (the sign-in form's CSRF token).
    func ensureSession(_ visit: inout Visit, now: Date) -> SessionStore.Session {
        if let session = visit.session { return session }
        let session = sessions.create(user: nil, now: now)
        visit.session = session
        visit.newCookie = setCookie(session.id)
        return session
    }

    // MARK: Single sign-on

    /// The user a trusted proxy vouches for: `<user>;<unix seconds>;<base64url HMAC-SHA-256 of
    /// "<user>;<unix seconds>">`, fresh within `ssoMaxAge`, for a user of the users file.
    func ssoIdentity(_ request: ConsoleRequest, now: Date) -> ConsoleUser? {
        guard let name = configuration.ssoHeader, let secret = ssoSecret, let value = request.header(name) else {
            return nil
        }
        let parts = value.split(separator: ";", omittingEmptySubsequences: false)
        guard parts.count == 3, let seconds = Double(parts[1]), let mac = Base64URL.decode(parts[2]),
            abs(now.timeIntervalSince1970 - seconds) <= configuration.ssoMaxAge,
            HMAC<SHA256>.isValidAuthenticationCode(
                mac, authenticating: Array("\(parts[0]);\(parts[1])".utf8), using: SymmetricKey(data: secret))
        else {
            logger.warning("identity header refused: not signed with the configured secret, or too old")
            return nil
        }
        return directory.users[String(parts[0])]
    }

    /// The header value a proxy sends for `user` (tests and the docs' example).
    public static func ssoHeaderValue(user: String, at date: Date, secret: [UInt8]) -> String {
        let signed = "\(user);\(Int64(date.timeIntervalSince1970))"
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signed.utf8), using: SymmetricKey(data: secret))
        return "\(signed);\(Base64URL.encode(mac))"
    }

    // MARK: CSRF

    /// A POST carries the session's token in its `csrf` field, and comes from the console's own
    /// origin when the browser says where it comes from.
    func csrfValid(_ visit: Visit) -> Bool {
        guard let session = visit.session,
            let token = visit.request.form.first(where: { $0.0 == "csrf" })?.1,
            constantTimeEqual(token, session.csrfToken)
        else { return false }
        if let origin = visit.request.header("origin") {
            guard origin == expectedOrigin(visit.request) else { return false }
        } else if let referer = visit.request.header("referer") {
            guard let expected = expectedOrigin(visit.request), referer == expected || referer.hasPrefix(expected + "/")
            else { return false }
        }
        return true
    }

    func expectedOrigin(_ request: ConsoleRequest) -> String? {
        if let origin = configuration.publicOrigin { return origin }
        guard let host = request.header("host") else { return nil }
        return (configuration.secureCookies ? "https://" : "http://") + host
    }

    // MARK: Routes

    func answer(_ visit: inout Visit, now: Date) async -> ConsoleResponse {
        let request = visit.request
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: true).map {
            String($0).removingPercentEncoding ?? String($0)
        }
        if request.method == "POST" {
            guard csrfValid(visit) else {
                logger.warning(
                    "form post refused: CSRF check failed",
                    metadata: ["path": "\(request.path)", "user": "\(visit.user?.user ?? "-")"])
                return page(
                    "message", status: 403, title: text("forbidden", visit),
                    ["heading": text("forbidden", visit), "text": text("csrf", visit)], visit)
            }
        }
        switch (request.method, segments.first ?? "") {
        case ("GET", "login"):
            if visit.user != nil { return redirect("/items") }
            _ = ensureSession(&visit, now: now)
            let expired = visit.staleCookie || request.queryItems.contains { $0.0 == "expired" }
            return page("login", title: text("signIn", visit), ["expired": expired], visit)
        case ("POST", "login"):
            return await signIn(&visit, now: now)
        case ("POST", "logout"):
            if let session = visit.session { sessions.remove(session.id) }
            visit.newCookie = clearCookie
            return redirect("/login")
        case ("POST", "language"):
            let language = request.form.first { $0.0 == "language" }.flatMap { ConsoleLanguage(rawValue: $0.1) }
            if let session = visit.session { sessions.setLanguage(session.id, language) }
            return redirect(visit.user == nil ? "/login" : "/items")
        default:
            break
        }
        guard let user = visit.user else {
            if request.method == "GET" {
                if visit.staleCookie { visit.newCookie = clearCookie }
                return redirect(visit.staleCookie ? "/login?expired=1" : "/login")
            }
            return page(
                "message", status: 403, title: text("forbidden", visit),
                ["heading": text("forbidden", visit), "text": text("csrf", visit)], visit)
        }
        switch (request.method, segments) {
        case ("GET", let s) where s.isEmpty:
            return redirect("/items")
        case ("GET", ["items"]):
            return itemsPage(user: user, visit)
        case ("GET", ["items.csv"]):
            return itemsCSV(user: user, visit)
        case ("GET", ["accounts"]):
            return accountsPage(user: user, visit, now: now)
        case ("GET", let s) where s.count == 4 && s[0] == "merchants" && s[2] == "accounts":
            return accountPage(merchant: s[1], accountID: s[3], user: user, visit, now: now)
        case ("POST", let s) where s.count == 5 && s[0] == "merchants" && s[2] == "accounts" && s[4] == "recipients":
            return await changeRecipients(merchant: s[1], accountID: s[3], user: user, visit, now: now)
        case ("GET", ["expiring-cards"]):
            return expiringCardsPage(user: user, visit)
        case ("GET", ["expiring-cards.csv"]):
            return expiringCardsCSV(user: user, visit)
        case ("GET", let s) where s.count == 4 && s[0] == "merchants" && s[2] == "items":
            return itemPage(merchant: s[1], payment: s[3], user: user, visit)
        case ("GET", let s) where s.count == 5 && s[0] == "merchants" && s[2] == "items" && s[4] == "state":
            return itemState(merchant: s[1], payment: s[3], user: user, visit)
        case (_, let s) where s.first == "reconciliation" || s.first == "proofs":
            return await answerReconciliation(segments: s, user: user, visit, now: now)
        case ("POST", let s) where s.count == 5 && s[0] == "merchants" && s[2] == "items":
            let actions: [String: ConsoleAction.Action] = [
                "retry-now": .retryNow, "dismiss": .dismiss, "change-payment-method": .changePaymentMethod,
            ]
            guard let action = actions[s[4]] else { return notFound(visit) }
            return await act(action, merchant: s[1], payment: s[3], user: user, visit, now: now)
        case ("GET", ["plans"]):
            return plansPage(user: user, visit)
        case ("POST", let s) where s.count == 4 && s[0] == "plans":
            return await planAction(s[3], merchant: s[1], payment: s[2], user: user, visit, now: now)
        case ("GET", ["recovery"]):
            return recoveryPage(user: user, visit)
        case ("GET", ["dead-letters"]):
            return deadLettersPage(user: user, visit)
        case ("POST", let s) where s.count == 4 && s[0] == "dead-letters" && s[3] == "replay":
            return await replayDeadLetter(partition: s[1], offset: s[2], user: user, visit, now: now)
        default:
            return notFound(visit)
        }
    }

    func signIn(_ visit: inout Visit, now: Date) async -> ConsoleResponse {
        let form = visit.request.form
        let name = form.first { $0.0 == "user" }?.1 ?? ""
        let password = form.first { $0.0 == "password" }?.1 ?? ""
        let address = visit.request.remoteAddress
        // Checked and counted before the password is: parallel guesses cannot all pass.
        if let until = signInThrottle.attempt(user: name, address: address, now: now) {
            let minutes = max(1, Int((until.timeIntervalSince(now) / 60).rounded(.up)))
            logger.warning(
                "sign-in refused: too many failed attempts",
                metadata: ["user": "\(name)", "address": "\(address ?? "-")"])
            var response = page(
                "login", status: 429, title: text("signIn", visit),
                ["throttled": ConsoleText.format("signInThrottled", visit.language, ["\(minutes)"])], visit)
            response.headers.append(("Retry-After", "\(minutes * 60)"))
            return response
        }
        let directory = self.directory
        // scrypt takes its memory and some 100 ms: off the cooperative pool.
        let user = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: directory.authenticate(user: name, password: password))
            }
        }
        guard let user else {
            logger.notice("sign-in refused", metadata: ["user": "\(name)"])
            return page("login", status: 401, title: text("signIn", visit), ["failed": true], visit)
        }
        signInThrottle.succeeded(user: name, address: address, at: now)
        // A new session id once signed in: an id planted before sign-in is worth nothing.
        let language = visit.session?.language
        if let old = visit.session { sessions.remove(old.id) }
        let session = sessions.create(user: user.user, now: now)
        if let language { sessions.setLanguage(session.id, language) }
        visit.newCookie = setCookie(session.id)
        logger.info("signed in", metadata: ["user": "\(user.user)"])
        return redirect("/items")
    }

    // MARK: Pages

    func text(_ key: String, _ visit: Visit) -> String { ConsoleText.text(key, visit.language) }

    func redirect(_ location: String) -> ConsoleResponse {
        ConsoleResponse(status: 303, headers: [("Location", location)])
    }

    /// A page that says one thing: a heading (a text key) and a text.
    func message(_ status: Int, _ headingKey: String, _ text: String, _ visit: Visit) -> ConsoleResponse {
        page(
            "message", status: status, title: self.text(headingKey, visit),
            ["heading": self.text(headingKey, visit), "text": text], visit)
    }

    /// A command or record the console could not publish (502), saying why.
    func notSent(_ error: any Error, _ visit: Visit) -> ConsoleResponse {
        message(502, "failed", ConsoleText.format("failedText", visit.language, ["\(error)"]), visit)
    }

    func notFound(_ visit: Visit) -> ConsoleResponse {
        page(
            "message", status: 404, title: text("notFound", visit),
            ["heading": text("notFound", visit), "text": text("notFoundText", visit)], visit)
    }

    func page(
        _ template: String, status: Int = 200, title: String, refresh: Int? = nil, _ values: [String: Any],
        _ visit: Visit
    )
        -> ConsoleResponse
    {
        var context = values
        let strings = ConsoleText.table(visit.language)
        context["t"] = strings
        context["csrf"] = visit.session?.csrfToken ?? ""
        let body = ConsoleTemplates.library.render(context, withTemplate: template) ?? ""
        var layout: [String: Any] = [
            "t": strings, "lang": visit.language.rawValue, "title": title, "body": body,
            "csrf": visit.session?.csrfToken ?? "", "isFr": visit.language == .fr, "isEn": visit.language == .en,
            "signedIn": visit.user != nil, "userName": visit.user.map { $0.name ?? $0.user } ?? "",
            "nav": visit.user.map { user in
                Self.navigation.filter { $0.shown(user) }.map { ["href": $0.path, "label": text($0.key, visit)] }
            } ?? [],
        ]
        if let refresh { layout["refresh"] = refresh }
        let html = ConsoleTemplates.library.render(layout, withTemplate: "layout") ?? ""
        return ConsoleResponse(
            status: status, headers: [("Content-Type", "text/html; charset=utf-8")], body: Array(html.utf8))
    }

    /// The header's links: a page's path, its title's text key, and who sees it.
    struct NavigationLink: Sendable {
        var path: String
        var key: String
        var shown: @Sendable (ConsoleUser) -> Bool = { _ in true }
    }

    static let navigation: [NavigationLink] = [
        NavigationLink(path: "/items", key: "failedTransactions"),
        NavigationLink(path: "/accounts", key: "accounts"),
        NavigationLink(path: "/expiring-cards", key: "expiringCards"),
        NavigationLink(path: "/reconciliation", key: "recon.nav"),
        NavigationLink(path: "/proofs", key: "proof.nav"),
        NavigationLink(path: "/plans", key: "plans_title"),
        NavigationLink(path: "/recovery", key: "recovery_title"),
        NavigationLink(path: "/dead-letters", key: "deadLetters_title", shown: { Console.seesDeadLetters($0) }),
    ]

    /// A transaction type in the words of the emails (RelanceMail's `MailWords`).
    func typeWords(_ type: String, _ visit: Visit) -> String {
        MailWords.transactionType(type, locale: MailLocale(tag: visit.language.rawValue))
    }

    /// Why a payment failed as the vendor's emails say it, from the item's decline code and
    /// category (never the gateway's English description).
    func causeWords(_ item: ActionItem, _ visit: Visit) -> String {
        MailWords.merchantCause(
            declineCode: item.declineCode, category: item.failureCategory,
            locale: MailLocale(tag: visit.language.rawValue))
    }

    func label(_ prefix: String, _ value: String, _ visit: Visit) -> String {
        ConsoleText.table(visit.language)["\(prefix).\(value)"] ?? value
    }

    func options(_ values: [String], selected: Set<String>, prefix: String?, _ visit: Visit) -> [[String: Any]] {
        values.map { value in
            [
                "value": value, "label": prefix.map { label($0, value, visit) } ?? value,
                "selected": selected.contains(value),
            ]
        }
    }

    /// The list's query from the URL, limited to the user's merchants.
    func itemQuery(_ request: ConsoleRequest, user: ConsoleUser) -> ItemQuery {
        var query = ItemQuery()
        query.merchants = user.merchants.contains("*") ? nil : Set(user.merchants)
        query.pageSize = configuration.pageSize
        for (name, value) in request.queryItems where !value.isEmpty {
            switch name {
            case "merchant": query.merchant = value
            case "method": query.paymentMethods.insert(value)
            case "type": query.transactionTypes.insert(value)
            case "reason": query.failureReasons.insert(value)
            case "state": query.states.insert(value)
            case "sort": query.sort = ItemQuery.Sort(rawValue: value) ?? query.sort
            case "dir": query.descending = value != "asc"
            case "page": query.page = Int(value) ?? 1
            default: break
            }
        }
        return query
    }

    func itemPath(_ item: ActionItem) -> String {
        "/merchants/\(FormData.encode(item.merchantID))/items/\(FormData.encode(item.paymentID))"
    }

    func itemsPage(user: ConsoleUser, _ visit: Visit) -> ConsoleResponse {
        let query = itemQuery(visit.request, user: user)
        let result = view.query(query)
        let language = visit.language
        let rows: [[String: Any]] = result.items.map { item in
            let zone = directory.merchant(item.merchantID).zone
            return [
                "paymentID": item.paymentID, "href": itemPath(item), "customer": item.customerName,
                "type": typeWords(item.transactionType, visit),
                "method": label("method", item.paymentMethod, visit),
                "reason": causeWords(item, visit),
                "amount": ConsoleFormat.money(item.amount, currency: item.currency, language: language),
                "stateClass": item.shownState, "stateLabel": label("state", item.shownState, visit),
                "attempts": "\(item.attempts)",
                "firstFailed": ConsoleFormat.dateTime(
                    item.firstFailedAt ?? item.updatedAt, in: zone, language: language),
                "nextAttempt": item.nextAttemptAt.map { ConsoleFormat.dateTime($0, in: zone, language: language) }
                    ?? "",
            ]
        }
        let kept = visit.request.queryItems.filter { $0.0 != "page" && !$0.1.isEmpty }
        func pageLink(_ page: Int) -> String { "/items?" + FormData.encode(kept + [("page", "\(page)")]) }
        let merchantIDs =
            user.merchants.contains("*") ? directory.merchants.keys.sorted() : user.merchants.sorted()
        var context: [String: Any] = [
            "showMerchants": merchantIDs.count > 1,
            "merchants": merchantIDs.map { id in
                ["value": id, "label": directory.merchant(id).name ?? id, "selected": query.merchant == id]
                    as [String: Any]
            },
            "methods": options(
                PaymentMethod.allCases.map(\.rawValue), selected: query.paymentMethods, prefix: "method", visit),
            "types": TransactionType.allCases.map(\.rawValue).map { value in
                ["value": value, "label": typeWords(value, visit), "selected": query.transactionTypes.contains(value)]
                    as [String: Any]
            },
            "reasons": Array(Set(result.failureReasons).union(query.failureReasons)).sorted().map { code in
                let words = MailWords.merchantCause(
                    declineCode: code, category: result.reasonCategories[code] ?? "",
                    locale: MailLocale(tag: visit.language.rawValue))
                return ["value": code, "label": "\(words) (\(code))", "selected": query.failureReasons.contains(code)]
                    as [String: Any]
            },
            "states": options(
                ["open", "pending", "resolved", "dismissed"], selected: query.states, prefix: "state", visit),
            "sorts": options(
                ItemQuery.Sort.allCases.map(\.rawValue), selected: [query.sort.rawValue], prefix: "sort", visit),
            "desc": query.descending, "query": FormData.encode(kept), "loaded": view.isLoaded,
            "rows": rows,
            "countText": ConsoleText.format("count", language, ["\(result.total)"]),
            "pageText": ConsoleText.format("page", language, ["\(result.page)", "\(result.pages)"]),
        ]
        if result.page > 1 { context["previous"] = pageLink(result.page - 1) }
        if result.page < result.pages { context["next"] = pageLink(result.page + 1) }
        return page("items", title: text("failedTransactions", visit), context, visit)
    }

    /// Every matching item (all pages), one CSV line each: amounts in major units with their
    /// currency, times in ISO 8601 in the merchant's time zone.
    func itemsCSV(user: ConsoleUser, _ visit: Visit) -> ConsoleResponse {
        var query = itemQuery(visit.request, user: user)
        query.page = 1
        query.pageSize = Int.max
        let result = view.query(query)
        var out = CSV.line([
            "merchant", "account", "paymentId", "invoiceId", "customerName", "transactionType", "paymentMethod",
            "failureReason", "declineCode", "amount", "currency", "state", "attempts", "firstFailedAt",
            "nextAttemptAt", "nextAttemptReason", "dunning",
        ])
        for item in result.items {
            let zone = directory.merchant(item.merchantID).zone
            out += CSV.line([
                item.merchantID, item.accountID, item.paymentID, item.invoiceID, item.customerName,
                item.transactionType, item.paymentMethod, item.failureReason, item.declineCode,
                ConsoleFormat.majorUnits(item.amount, currency: item.currency), item.currency, item.shownState,
                "\(item.attempts)", (item.firstFailedAt).map { ConsoleFormat.iso($0, in: zone) } ?? "",
                item.nextAttemptAt.map { ConsoleFormat.iso($0, in: zone) } ?? "", item.nextAttemptReason ?? "",
                item.dunning,
            ])
        }
        return ConsoleResponse(
            status: 200,
            headers: [
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Content-Disposition", "attachment; filename=\"failed-transactions.csv\""),
            ], body: Array(out.utf8))
    }

    /// The item, if the user works for its merchant: another merchant's item is not found, as
    /// one that does not exist.
    func visibleItem(merchant: String, payment: String, user: ConsoleUser) -> ActionItem? {
        guard user.actsFor(merchant) else { return nil }
        return view.item(merchant: merchant, payment: payment)
    }

    func itemPage(merchant: String, payment: String, user: ConsoleUser, _ visit: Visit) -> ConsoleResponse {
        guard let item = visibleItem(merchant: merchant, payment: payment, user: user) else { return notFound(visit) }
        let language = visit.language
        let zone = directory.merchant(item.merchantID).zone
        func time(_ date: Date?) -> String {
            date.map { ConsoleFormat.dateTime($0, in: zone, language: language) } ?? ""
        }
        func verdict(_ action: ConsoleAction.Action) -> [String: Any] {
            let verdict = ItemActions.verdict(action, item: item, roles: user.roles, canSign: signer != nil)
            var result: [String: Any] = ["allowed": verdict.allowed]
            if let refusal = verdict.refusal { result["why"] = text("why.\(refusal.rawValue)", visit) }
            return result
        }
        var context: [String: Any] = [
            "customer": item.customerName, "paymentID": item.paymentID,
            "merchant": directory.merchant(merchant).name
                ?? merchant,
            "account": item.accountID, "invoice": item.invoiceID,
            "amount": ConsoleFormat.money(item.amount, currency: item.currency, language: language),
            "type": typeWords(item.transactionType, visit), "method": label("method", item.paymentMethod, visit),
            "reason": causeWords(item, visit), "declineCode": item.declineCode, "category": item.failureCategory,
            "attempts": "\(item.attempts)", "firstFailed": time(item.firstFailedAt),
            "nextAttempt": time(item.nextAttemptAt),
            "state": item.shownState, "stateClass": item.shownState,
            "stateLabel": label("state", item.shownState, visit),
            "zone": zone.identifier, "base": itemPath(item),
            "retry": verdict(.retryNow), "dismiss": verdict(.dismiss), "change": verdict(.changePaymentMethod),
            "methodChoices": options(
                PaymentMethod.allCases.map(\.rawValue), selected: [item.paymentMethod], prefix: "method", visit),
            "emails": itemEmails(item, visit),
            "history": item.history.reversed().map { entry -> [String: Any] in
                [
                    "at": time(entry.at), "kind": text("kind.\(entry.kind.rawValue)", visit),
                    "state": label("state", entry.state, visit), "attempts": "\(entry.attempts)",
                    "nextAttempt": time(entry.nextAttemptAt), "detail": entry.detail,
                ]
            },
        ]
        if let reason = item.nextAttemptReason { context["nextAttemptReason"] = reason }
        if let blocked = item.retryBlockedBy { context["retryBlockedBy"] = blocked }
        if !item.dunning.isEmpty { context["dunning"] = item.dunning }
        let outcome = [item.resolution, item.lossReason, item.closedBecause].compactMap { $0 }.joined(separator: " · ")
        if !outcome.isEmpty { context["outcome"] = outcome }
        if let awaiting = item.awaiting {
            context["awaiting"] = ConsoleText.format("awaiting", language, [awaiting.command, awaiting.actor])
        }
        if let sent = visit.request.queryItems.first(where: { $0.0 == "sent" })?.1,
            ConsoleAction.Action(rawValue: sent) != nil
        {
            context["notice"] = text("sent.\(sent)", visit)
        }
        // Pending: the page looks again every 2 s until the outcome (no script needed).
        return page(
            "item", title: "\(item.customerName) · \(item.paymentID)", refresh: item.shownState == "pending" ? 2 : nil,
            context, visit)
    }

    func itemState(merchant: String, payment: String, user: ConsoleUser, _ visit: Visit) -> ConsoleResponse {
        guard let item = visibleItem(merchant: merchant, payment: payment, user: user) else { return notFound(visit) }
        let json = JSONValue.object([
            ("paymentId", .string(item.paymentID)), ("state", .string(item.shownState)),
            ("itemState", .string(item.state)), ("attempts", .number("\(item.attempts)")),
            ("awaiting", .bool(item.awaiting != nil)),
        ])
        return ConsoleResponse(
            status: 200, headers: [("Content-Type", "application/json")], body: json.jsonBytes)
    }

    // MARK: Actions

    func act(
        _ action: ConsoleAction.Action, merchant: String, payment: String, user: ConsoleUser, _ visit: Visit, now: Date,
        returnTo: String? = nil
    ) async -> ConsoleResponse {
        guard let item = visibleItem(merchant: merchant, payment: payment, user: user) else { return notFound(visit) }
        let form = visit.request.form
        let note = form.first { $0.0 == "note" }?.1.trimmingCharacters(in: .whitespacesAndNewlines)
        let method = form.first { $0.0 == "method" }?.1
        if action == .changePaymentMethod, method.flatMap(PaymentMethod.init(rawValue:)) == nil {
            return page(
                "message", status: 400, title: text("badRequest", visit),
                ["heading": text("badRequest", visit), "text": text("paymentMethod", visit)], visit)
        }
        if let note, note.count > 500 {
            return page(
                "message", status: 400, title: text("badRequest", visit),
                ["heading": text("badRequest", visit), "text": text("note", visit)], visit)
        }
        let verdict = ItemActions.verdict(action, item: item, roles: user.roles, canSign: signer != nil)
        var audit = ConsoleAction(
            actor: user.user, roles: user.roles, action: action, paymentId: payment, outcome: .sent,
            note: action == .dismiss ? note : nil, paymentMethod: action == .changePaymentMethod ? method : nil,
            remoteAddress: visit.request.remoteAddress)
        if let refusal = verdict.refusal {
            audit.outcome = refusal == .role ? .forbidden : .notAllowed
            audit.reason = refusal.rawValue
            await record(audit, account: item.accountID, merchant: item.merchantID, now: now)
            return page(
                "message", status: 403, title: text("notAllowed", visit),
                ["heading": text("notAllowed", visit), "text": text("why.\(refusal.rawValue)", visit)], visit)
        }
        do {
            let command = try await sendCommand(
                type: PaymentEvents.paymentCommand.name,
                data: ItemActions.commandData(action, paymentID: payment, note: note, method: method),
                account: item.accountID, merchant: item.merchantID, user: user)
            view.markAwaiting(
                merchant: merchant, payment: payment, command: action.rawValue, eventID: command.event.eventID,
                actor: user.user, at: now)
            audit.commandEventId = command.event.eventID
            await record(audit, account: item.accountID, merchant: item.merchantID, now: now)
            logger.info(
                "command sent",
                metadata: [
                    "user": "\(user.user)", "action": "\(action.rawValue)", "payment": "\(payment)",
                    "event": "\(command.event.eventID)",
                ])
            return redirect((returnTo ?? itemPath(item)) + "?sent=\(action.rawValue)")
        } catch {
            audit.outcome = .failed
            audit.reason = "\(error)"
            await record(audit, account: item.accountID, merchant: item.merchantID, now: now)
            logger.error("command not sent", metadata: ["payment": "\(payment)", "error": "\(error)"])
            return notSent(error, visit)
        }
    }

    /// Signs a command with the console's key and **the user's claims** (`sub` = the user, their
    /// roles and merchants: the workers check them) and publishes it to its topic.
    func sendCommand(type: String, data: JSONValue, account: String, merchant: String, user: ConsoleUser)
        async throws -> SignedCommand
    {
        guard var signer, let producer else { throw SignedCommandError("no signing key") }
        signer.subject = user.user
        signer.roles = user.roles
        signer.merchants = user.merchants
        let command = try SignedCommand(
            type: type, data: data, account: account, merchant: merchant, signer: signer,
            audience: configuration.audience, lifetime: configuration.commandTTL)
        _ = try await producer.send(command.message)
        return command
    }

    /// The action on the audit topic (and in the log when that fails).
    func record(_ action: ConsoleAction, account: String, merchant: String, now: Date) async {
        Counter(
            label: "relance_console_commands_total",
            dimensions: [("action", action.action.rawValue), ("outcome", action.outcome.rawValue)]
        ).increment()
        guard let producer else { return }
        do {
            let data = EventDataEncoder.encode(action)
            let event = EventEnvelope(
                eventID: UUID().uuidString.lowercased(), type: ConsoleEvents.action.name,
                schemaVersion: ConsoleEvents.action.version, occurredAt: now, accountID: account,
                merchantID: merchant, data: data)
            _ = try await producer.send(
                ProducerMessage(
                    topic: ConsoleEvents.auditTopic, key: Array(account.utf8), value: event.jsonBytes))
        } catch {
            logger.error(
                "audit record not written",
                metadata: [
                    "error": "\(error)", "actor": "\(action.actor)", "action": "\(action.action.rawValue)",
                    "outcome": "\(action.outcome.rawValue)", "payment": "\(action.paymentId ?? "-")",
                    "target": "\(action.target ?? "-")",
                ])
        }
    }
}
