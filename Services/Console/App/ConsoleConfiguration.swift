import Foundation
import RelanceDomain
import RelanceKafka
import RelanceRuntime

/// The console's settings, from environment variables like the workers' (docs/console.md,
/// "Configuration"; `relance-console --help` lists them).
public struct ConsoleConfiguration: Sendable {
    public var host = "0.0.0.0"
    public var port = 8080
    /// The users file (required).
    public var usersFile: String?
    /// The key file that signs the commands users send (`relance keys generate`); without it the
    /// console shows the action centre but sends nothing.
    public var signingKeyFile: String?
    /// The workers' audience (`RELANCE_COMMAND_AUDIENCE`).
    public var audience = "relance"
    /// Seconds a command's token stays valid.
    public var commandTTL: TimeInterval = 300
    /// `Secure` on the session cookie: off only for plain-http tests on localhost.
    public var secureCookies = true
    public var sessionIdleTimeout: TimeInterval = 30 * 60
    public var sessionAbsoluteTimeout: TimeInterval = 12 * 3600
    /// The origin browsers reach the console at (`https://console.example.com`): a POST whose
    /// Origin header names another is refused. Absent: the request's own Host.
    public var publicOrigin: String?
    /// Single sign-on: the header a trusted proxy sets (`X-Relance-Identity`), and the file of
    /// the HMAC secret it signs with. Both or neither.
    public var ssoHeader: String?
    public var ssoSecretFile: String?
    /// How old a signed identity may be (seconds).
    public var ssoMaxAge: TimeInterval = 300
    /// Items per page.
    public var pageSize = 50
    /// reminder-mailer's ladder days and dunning policies (`RELANCE_LADDER_DAYS`,
    /// `RELANCE_DUNNING_POLICIES`, the same values as the mailer's): the account page's next step.
    public var ladder = LadderPolicy.default
    public var dunningPoliciesFile: String?
    public var dunningPolicies = DunningPolicies()
    public var kafka: KafkaConfiguration

    public init(kafka: KafkaConfiguration) { self.kafka = kafka }

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Every variable, its default and what it does: `--help` prints this, docs/console.md has it.
    public static let variables: [(name: String, value: String, help: String)] = [
        ("RELANCE_CONSOLE_USERS", "(required)", "the users file: users, password hashes, roles, merchants"),
        ("RELANCE_CONSOLE_SIGNING_KEY", "(none)", "key file signing users' commands; without it nothing is sent"),
        ("RELANCE_CONSOLE_HOST", "0.0.0.0", "address the HTTP server listens on"),
        ("RELANCE_CONSOLE_PORT", "8080", "port the HTTP server listens on"),
        ("RELANCE_COMMAND_AUDIENCE", "relance", "the workers' audience, written in every token"),
        ("RELANCE_CONSOLE_COMMAND_TTL", "300", "seconds a command's token stays valid"),
        ("RELANCE_CONSOLE_SECURE_COOKIES", "true", "Secure cookies; false only for plain-http tests on localhost"),
        ("RELANCE_CONSOLE_SESSION_IDLE", "1800", "seconds without a request before a session ends"),
        ("RELANCE_CONSOLE_SESSION_MAX", "43200", "seconds after sign-in when a session ends whatever happens"),
        ("RELANCE_CONSOLE_PUBLIC_ORIGIN", "(the Host header)", "origin a form post must come from"),
        ("RELANCE_CONSOLE_SSO_HEADER", "(none)", "identity header a trusted single-sign-on proxy sets"),
        ("RELANCE_CONSOLE_SSO_SECRET_FILE", "(none)", "file holding the HMAC secret that signs that header"),
        ("RELANCE_CONSOLE_SSO_MAX_AGE", "300", "seconds a signed identity header stays valid"),
        ("RELANCE_CONSOLE_PAGE_SIZE", "50", "items per page"),
        ("RELANCE_LADDER_DAYS", "1,8,15,20,25", "reminder-mailer's ladder days (give the mailer's value)"),
        (
            "RELANCE_DUNNING_POLICIES", "(none: the default policy)",
            "reminder-mailer's dunning policies file (the same file): each account's next reminder step"
        ),
        ("RELANCE_KAFKA_BOOTSTRAP", "localhost:9092", "Kafka bootstrap servers (as the workers)"),
        ("RELANCE_KAFKA_PROP_<NAME>", "", "librdkafka properties, e.g. TLS and SASL (as the workers)"),
        ("RELANCE_LOG_LEVEL", "info", "trace, debug, info, notice, warning, error, critical"),
        ("RELANCE_LOG_FORMAT", "json", "json or text"),
    ]

    public static func fromEnvironment(_ environment: [String: String]) throws(Invalid) -> ConsoleConfiguration {
        let kafka: KafkaConfiguration
        do {
            kafka = try KafkaConfiguration.fromEnvironment(environment)
        } catch {
            throw Invalid(description: error.description)
        }
        var c = ConsoleConfiguration(kafka: kafka)
        func number(_ name: String, _ range: ClosedRange<Int>) throws(Invalid) -> Int? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            guard let value = Int(text), range.contains(value) else {
                throw Invalid(description: "\(name)=\(text): expected a whole number in \(range)")
            }
            return value
        }
        func flag(_ name: String) throws(Invalid) -> Bool? {
            guard let text = environment[name]?.lowercased(), !text.isEmpty else { return nil }
            switch text {
            case "true", "1", "yes": return true
            case "false", "0", "no": return false
            default: throw Invalid(description: "\(name)=\(text): expected true or false")
            }
        }
        func text(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        c.host = text("RELANCE_CONSOLE_HOST") ?? c.host
        c.port = try number("RELANCE_CONSOLE_PORT", 0...65535) ?? c.port
        c.usersFile = text("RELANCE_CONSOLE_USERS")
        c.signingKeyFile = text("RELANCE_CONSOLE_SIGNING_KEY")
        c.audience = text("RELANCE_COMMAND_AUDIENCE") ?? c.audience
        c.commandTTL = TimeInterval(try number("RELANCE_CONSOLE_COMMAND_TTL", 1...86_400) ?? Int(c.commandTTL))
        c.secureCookies = try flag("RELANCE_CONSOLE_SECURE_COOKIES") ?? true
        c.sessionIdleTimeout = TimeInterval(
            try number("RELANCE_CONSOLE_SESSION_IDLE", 60...86_400) ?? Int(c.sessionIdleTimeout))
        c.sessionAbsoluteTimeout = TimeInterval(
            try number("RELANCE_CONSOLE_SESSION_MAX", 60...604_800) ?? Int(c.sessionAbsoluteTimeout))
        c.publicOrigin = text("RELANCE_CONSOLE_PUBLIC_ORIGIN")
        c.ssoHeader = text("RELANCE_CONSOLE_SSO_HEADER")
        c.ssoSecretFile = text("RELANCE_CONSOLE_SSO_SECRET_FILE")
        c.ssoMaxAge = TimeInterval(try number("RELANCE_CONSOLE_SSO_MAX_AGE", 10...3600) ?? Int(c.ssoMaxAge))
        c.pageSize = try number("RELANCE_CONSOLE_PAGE_SIZE", 10...1000) ?? c.pageSize
        if let days = text("RELANCE_LADDER_DAYS") {
            do {
                c.ladder = try LadderPolicy.parse(days)
            } catch {
                throw Invalid(description: "RELANCE_LADDER_DAYS=\(days): \(error)")
            }
        }
        c.dunningPoliciesFile = text("RELANCE_DUNNING_POLICIES")
        if let path = c.dunningPoliciesFile {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Invalid(description: "RELANCE_DUNNING_POLICIES=\(path): cannot read the file")
            }
            do {
                c.dunningPolicies = try DunningPolicies.read(data)
            } catch {
                throw Invalid(description: "RELANCE_DUNNING_POLICIES=\(path): \(error)")
            }
        }
        guard c.usersFile != nil else {
            throw Invalid(description: "RELANCE_CONSOLE_USERS: the users file is required (docs/console.md)")
        }
        guard (c.ssoHeader == nil) == (c.ssoSecretFile == nil) else {
            throw Invalid(
                description: "RELANCE_CONSOLE_SSO_HEADER and RELANCE_CONSOLE_SSO_SECRET_FILE go together: "
                    + "an identity header is only accepted signed")
        }
        if let origin = c.publicOrigin, !(origin.hasPrefix("https://") || origin.hasPrefix("http://")) {
            throw Invalid(description: "RELANCE_CONSOLE_PUBLIC_ORIGIN=\(origin): expected https://host[:port]")
        }
        return c
    }
}
