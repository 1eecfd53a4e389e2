import CRdKafka
import Foundation

/// Reading the Kafka client settings from the environment (and a command's options), in one
/// place for the workers (`RuntimeConfiguration`) and the `relance` command.
extension KafkaConfiguration {
    /// `RELANCE_KAFKA_BOOTSTRAP`: the bootstrap servers.
    public static let bootstrapVariable = "RELANCE_KAFKA_BOOTSTRAP"
    /// `RELANCE_KAFKA_PROP_<NAME>`: any librdkafka property.
    public static let propertyVariablePrefix = "RELANCE_KAFKA_PROP_"
    /// The bootstrap servers when nothing names them.
    public static let defaultBootstrapServers = "localhost:9092"

    /// A setting that cannot be used: where it came from (a variable, or an option with the
    /// property it sets) and why. The value is shown only when it is not a secret.
    public struct InvalidSetting: Error, Sendable, CustomStringConvertible {
        /// `RELANCE_KAFKA_PROP_SSL_CA_LOCATION`, `--kafka-property`, `--bootstrap`, …
        public var setting: String
        /// The setting as it was given, secrets hidden: `RELANCE_KAFKA_PROP_SSL_CA_LOCATION=/x.pem`.
        public var given: String
        public var problem: String
        /// True when the setting came from a command-line option (a usage error) rather than
        /// the environment.
        public var isOption: Bool { setting.hasPrefix("--") }
        public var description: String { "\(given): \(problem)" }
    }

    /// The librdkafka property a `RELANCE_KAFKA_PROP_<NAME>` variable sets: `<NAME>` in lower
    /// case, `_` for `.`, and `__` for a `_` (`RELANCE_KAFKA_PROP_LOG__LEVEL` sets `log_level`).
    /// Nil when `variable` has not the prefix.
    public static func propertyName(forVariable variable: String) -> String? {
        guard variable.hasPrefix(propertyVariablePrefix) else { return nil }
        let name = variable.dropFirst(propertyVariablePrefix.count).lowercased()
        return name.components(separatedBy: "__").map { $0.replacingOccurrences(of: "_", with: ".") }
            .joined(separator: "_")
    }

    /// The settings of every Kafka client of a process: the bootstrap servers (`bootstrap`,
    /// else `RELANCE_KAFKA_BOOTSTRAP`, else `localhost:9092`), and the librdkafka properties of
    /// every `RELANCE_KAFKA_PROP_<NAME>` variable, then of `overrides` (`name=value` each, the
    /// `relance` command's `--kafka-property`), which replace a variable's value for the same
    /// property.
    ///
    /// Each property is checked now, the way librdkafka checks it when a client is created
    /// (unknown property, refused value; a file that a `*.location` property names must be
    /// readable): a bad one throws an `InvalidSetting` naming the variable or option, never
    /// showing a secret's value (`isSecret`).
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        bootstrap: String? = nil, overrides: [String] = []
    ) throws(InvalidSetting) -> KafkaConfiguration {
        let servers: String
        if let bootstrap {
            servers = try checkedBootstrap(bootstrap, setting: "--bootstrap")
        } else if let variable = environment[bootstrapVariable] {
            servers = try checkedBootstrap(variable, setting: bootstrapVariable)
        } else {
            servers = defaultBootstrapServers
        }
        var configuration = KafkaConfiguration(bootstrapServers: servers)
        // Sorted: with two variables for one property (…_PROP_SSL_CA_LOCATION and
        // …_PROP_ssl_ca_location), the outcome and the error reported do not depend on the
        // environment's order.
        for (variable, value) in environment.sorted(by: { $0.key < $1.key }) {
            guard let name = propertyName(forVariable: variable) else { continue }
            let given = "\(variable)=\(shown(value, of: name))"
            guard !name.isEmpty, !name.hasPrefix("."), !name.hasSuffix(".") else {
                throw InvalidSetting(
                    setting: variable, given: given,
                    problem: "no librdkafka property named (RELANCE_KAFKA_PROP_<NAME>, _ for . in the name)")
            }
            try check(name, value, setting: variable, given: given)
            configuration.properties[name] = value
        }
        for text in overrides {
            let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard parts.count == 2, !name.isEmpty else {
                // Without "=", the text may be a secret given by mistake: never shown.
                throw InvalidSetting(
                    setting: "--kafka-property", given: "--kafka-property",
                    problem: "expected name=value, e.g. security.protocol=ssl")
            }
            let value = String(parts[1])
            let given = "--kafka-property \(name)=\(shown(value, of: name))"
            try check(name, value, setting: "--kafka-property", given: given)
            configuration.properties[name] = value
        }
        return configuration
    }

    /// Whether a property holds a secret that logs and errors must never show: passwords,
    /// passphrases and secrets of any kind, private keys given inline, OAUTHBEARER's settings.
    public static func isSecret(_ property: String) -> Bool {
        let name = property.lowercased()
        return name.contains("password") || name.contains("secret") || name.contains("passphrase")
            || name.hasSuffix("key.pem") || name == "ssl_key" || name == "sasl.oauthbearer.config"
    }

    /// `value`, or `(hidden)` when `property` is a secret.
    static func shown(_ value: String, of property: String) -> String {
        isSecret(property) ? "(hidden)" : value
    }

    /// `text` with every occurrence of a secret `value` hidden (librdkafka's messages may
    /// quote the value they refuse).
    static func redacting(_ text: String, secret value: String) -> String {
        value.isEmpty ? text : text.replacingOccurrences(of: value, with: "(hidden)")
    }

    private static func checkedBootstrap(_ text: String, setting: String) throws(InvalidSetting) -> String {
        let given = "\(setting)=\(text)"
        let servers = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard servers.allSatisfy({ !$0.isEmpty }) else {
            throw InvalidSetting(
                setting: setting, given: given,
                problem: "expected host:port, comma-separated (e.g. kafka-1:9092,kafka-2:9092)"
            )
        }
        for server in servers {
            // host:port, [v6]:port, or with librdkafka's protocol prefix (SSL://host:port).
            let address = server.range(of: "://").map { String(server[$0.upperBound...]) } ?? server
            guard let colon = address.lastIndex(of: ":"), !address.hasSuffix("]") else { continue }
            let port = address[address.index(after: colon)...]
            if address.filter({ $0 == ":" }).count > 1 && !address.contains("]") { continue }  // a bare IPv6
            guard let number = Int(port), (1...65535).contains(number) else {
                throw InvalidSetting(
                    setting: setting, given: given, problem: "\(server): the port must be a number from 1 to 65535")
            }
        }
        return servers.joined(separator: ",")
    }

    /// Checks one property as librdkafka will when a client is created.
    private static func check(_ name: String, _ value: String, setting: String, given: String)
        throws(InvalidSetting)
    {
        let conf = rd_kafka_conf_new()
        defer { rd_kafka_conf_destroy(conf) }
        var errstr = [CChar](repeating: 0, count: 512)
        switch rd_kafka_conf_set(conf, name, value, &errstr, errstr.count) {
        case RD_KAFKA_CONF_OK:
            break
        case RD_KAFKA_CONF_UNKNOWN:
            // A misspelt secret's name is not recognised as a secret: its value is not shown.
            throw InvalidSetting(
                setting: setting, given: setting.hasPrefix("--") ? "\(setting) \(name)" : setting,
                problem: "librdkafka has no property \"\(name)\" (its CONFIGURATION.md lists them)")
        default:
            var message = cString(errstr)
            if isSecret(name) { message = redacting(message, secret: value) }
            throw InvalidSetting(setting: setting, given: given, problem: message)
        }
        // A file librdkafka would open only when the client connects (or fails to create it).
        let files: Set<String> = [
            "ssl.ca.location", "ssl.certificate.location", "ssl.key.location", "ssl.crl.location",
            "ssl.keystore.location", "sasl.kerberos.keytab",
        ]
        if files.contains(name), !(name == "ssl.ca.location" && value == "probe") {
            guard FileManager.default.isReadableFile(atPath: value) else {
                throw InvalidSetting(setting: setting, given: given, problem: "no readable file at \(value)")
            }
        }
    }
}

// MARK: - Redacted description

extension KafkaConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Every librdkafka property these settings stand for, as applied (typed fields, then
    /// `properties` in name order, a later one replacing an earlier one), secrets as `(hidden)`.
    public var redactedProperties: [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        for (name, value) in librdkafkaProperties() + properties.sorted(by: { $0.key < $1.key }) {
            let shown = Self.shown(value, of: name)
            if let index = result.firstIndex(where: { $0.name == name }) {
                result[index].value = shown
            } else {
                result.append((name, shown))
            }
        }
        return result
    }

    /// `bootstrap.servers=… client.id=relance security.protocol=sasl_ssl sasl.password=(hidden) …`:
    /// safe to log.
    public var description: String {
        redactedProperties.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
    }

    public var debugDescription: String { "KafkaConfiguration(\(description))" }

    /// `dump` and the debugger see the redacted properties, not the stored secrets.
    public var customMirror: Mirror {
        Mirror(self, children: redactedProperties.map { (label: $0.name, value: $0.value as Any) })
    }
}

extension KafkaConfiguration.SASL: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "SASL(\(mechanism.rawValue), username: \(username), password: (hidden))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["mechanism": mechanism, "username": username, "password": "(hidden)"])
    }
}

extension KafkaConfiguration.TLS: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "TLS(ca: \(caLocation ?? "-"), certificate: \(certificateLocation ?? "-"), key: \(keyLocation ?? "-")"
            + (keyPassword == nil ? ")" : ", key password: (hidden))")
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "caLocation": caLocation as Any, "certificateLocation": certificateLocation as Any,
                "keyLocation": keyLocation as Any, "keyPassword": (keyPassword == nil ? nil : "(hidden)") as Any,
            ])
    }
}
