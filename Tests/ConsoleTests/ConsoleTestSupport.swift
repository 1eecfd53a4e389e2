import ConsoleService
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import Synchronization

/// Cheap hashes for the tests (N = 2^10): the users file reads the cost from each hash.
enum TestUsers {
    static let password = "correct horse battery staple"
    static let hash: String = (try? PasswordHash.make(password, logN: 10)) ?? ""

    static let directory: UserDirectory = {
        let users = [
            ConsoleUser(user: "olivia", passwordHash: hash, roles: ["owner"], merchants: ["m-1"], name: "Olivia"),
            ConsoleUser(user: "bruno", passwordHash: hash, roles: ["billing"], merchants: ["m-1"], language: .fr),
            ConsoleUser(user: "sam", passwordHash: hash, roles: ["support"], merchants: ["m-1"]),
            ConsoleUser(user: "mia", passwordHash: hash, roles: ["owner"], merchants: ["m-2"]),
        ]
        return directory(users)
    }()

    /// A users file of `users` for m-1 (named `m1Name`, Paris) and m-2 (New York).
    static func directory(_ users: [ConsoleUser], m1Name: String = "Atelier Lumière") -> UserDirectory {
        let merchants = [
            "m-1": MerchantSettings(name: m1Name, timeZone: "Europe/Paris"),
            "m-2": MerchantSettings(name: "Other Ltd", timeZone: "America/New_York"),
        ]
        do {
            return try UserDirectory(users: users, merchants: merchants)
        } catch {
            preconditionFailure("the test users do not read: \(error)")
        }
    }
}

/// A settable clock.
final class TestClock: Sendable {
    let now: Mutex<Date>
    init(_ date: Date = Date(timeIntervalSince1970: 1_796_000_000)) { now = Mutex(date) }
    func advance(by seconds: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var read: @Sendable () -> Date { { [self] in self.now.withLock { $0 } } }
}

/// An `action-item.updated` record as payment-retry writes it.
func itemRecord(
    merchant: String = "m-1", account: String = "acct-1", payment: String, type: String = "installment",
    method: String = "card", reason: String = "insufficient_funds", amount: Int64 = 4900, currency: String = "EUR",
    state: String = "open", attempts: Int64 = 1, customer: String = "Camille Martin",
    firstFailedAt: String = "2026-10-01T08:30:00.000Z", nextAttemptAt: String? = "2026-10-08T00:00:00.000Z"
) -> [UInt8] {
    var data: [(key: String, value: JSONValue)] = [
        ("paymentId", .string(payment)), ("invoiceId", .string("inv-\(payment)")), ("customerName", .string(customer)),
        ("transactionType", .string(type)), ("paymentMethod", .string(method)), ("failureReason", .string(reason)),
        ("failureCategory", .string("soft_decline")), ("declineCode", .string(reason)),
        ("amount", .number("\(amount)")), ("currency", .string(currency)), ("state", .string(state)),
        ("attempts", .number("\(attempts)")), ("handedToCollections", .bool(false)),
        ("firstFailedAt", .string(firstFailedAt)),
    ]
    if let nextAttemptAt { data.append(("nextAttemptAt", .string(nextAttemptAt))) }
    return JSONValue.object([
        ("eventId", .string(UUID().uuidString)), ("type", .string("action-item.updated")),
        ("schemaVersion", .number("1")),
        ("occurredAt", .string("2026-10-01T08:30:00.000Z")), ("accountId", .string(account)),
        ("merchantId", .string(merchant)), ("data", .object(data)),
    ]).jsonBytes
}

/// A browser in a test: keeps the session cookie, reads each page's CSRF token, sends forms.
struct TestBrowser {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    var csrf: String?
    var language = "en"

    init(_ client: any TestClientProtocol) { self.client = client }

    struct Page {
        var status: Int
        var headers: HTTPFields
        var body: String
        var location: String? { headers[.location] }
    }

    mutating func request(
        _ method: HTTPRequest.Method, _ uri: String, form: [(String, String)]? = nil, extraHeaders: HTTPFields = [:]
    ) async throws -> Page {
        var headers = extraHeaders
        headers[.acceptLanguage] = language
        if !cookies.isEmpty {
            headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
        }
        var body: ByteBuffer?
        if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            let text = form.map { pair in
                "\(pair.0)=\(pair.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
            }.joined(separator: "&")
            body = ByteBuffer(string: text)
        }
        let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
        for field in response.headers where field.name == .setCookie {
            let pair = field.value.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || field.value.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        let text = String(buffer: response.body)
        if let range = text.range(of: #"name="csrf" value=""#) {
            let rest = text[range.upperBound...]
            csrf = rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
        }
        return Page(status: Int(response.status.code), headers: response.headers, body: text)
    }

    mutating func get(_ uri: String) async throws -> Page { try await request(.get, uri) }

    /// A form post with the page's CSRF token (unless `csrf` says otherwise).
    mutating func post(
        _ uri: String, _ fields: [(String, String)] = [], csrf token: String? = nil, origin: String? = nil
    )
        async throws -> Page
    {
        var headers: HTTPFields = [:]
        if let origin { headers[.origin] = origin }
        return try await request(
            .post, uri, form: [("csrf", token ?? csrf ?? "")] + fields, extraHeaders: headers)
    }

    mutating func signIn(_ user: String, password: String = TestUsers.password) async throws -> Page {
        _ = try await get("/login")
        return try await post("/login", [("user", user), ("password", password)])
    }
}

func testConsole(
    view: ActionCentreView = ActionCentreView(), data: ConsoleData? = nil,
    directory: UserDirectory = TestUsers.directory, clock: TestClock = TestClock(),
    signer: CommandSigner? = nil,
    producer: KafkaProducer? = nil, configure: (inout ConsoleConfiguration) -> Void = { _ in }
) -> Console {
    var configuration = ConsoleConfiguration(kafka: KafkaConfiguration(bootstrapServers: "localhost:1"))
    configuration.secureCookies = false
    configure(&configuration)
    var logger = Logger(label: "console-test")
    logger.logLevel = .warning
    return Console(
        configuration: configuration, directory: directory, data: data ?? ConsoleData(actionCentre: view),
        signer: signer,
        producer: producer,
        logger: logger, clock: clock.read)
}

/// The console's HTTP application in-process (HummingbirdTesting's router mode).
func withBrowser<T>(_ console: Console, _ body: @Sendable (inout TestBrowser) async throws -> T) async throws -> T {
    var logger = Logger(label: "console-test")
    logger.logLevel = .warning
    return try await console.application(logger: logger).test(.router) { client in
        var browser = TestBrowser(client)
        return try await body(&browser)
    }
}
