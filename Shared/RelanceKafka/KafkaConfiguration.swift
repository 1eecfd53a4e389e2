import CRdKafka
import Logging

/// Settings every Kafka client shares: where the brokers are and how to reach them.
///
/// The common properties have typed fields; anything else librdkafka understands (see its
/// `CONFIGURATION.md`) goes in `properties`, which is applied last and so overrides a typed
/// field set to the same property. Unknown properties and refused values fail at client
/// creation with a `KafkaError` whose operation is `configuration`.
public struct KafkaConfiguration: Sendable {
    /// How clients authenticate and encrypt (`security.protocol`).
    public enum SecurityProtocol: String, Sendable {
        case plaintext
        case ssl
        case saslPlaintext = "sasl_plaintext"
        case saslSSL = "sasl_ssl"
    }

    /// SASL credentials (`sasl.mechanism`, `sasl.username`, `sasl.password`).
    public struct SASL: Sendable {
        public enum Mechanism: String, Sendable {
            case plain = "PLAIN"
            case scramSHA256 = "SCRAM-SHA-256"
            case scramSHA512 = "SCRAM-SHA-512"
        }
        public var mechanism: Mechanism
        public var username: String
        public var password: String
        public init(mechanism: Mechanism, username: String, password: String) {
            self.mechanism = mechanism
            self.username = username
            self.password = password
        }
    }

    /// TLS files (`ssl.ca.location`, `ssl.certificate.location`, `ssl.key.location`).
    public struct TLS: Sendable {
        public var caLocation: String?
        public var certificateLocation: String?
        public var keyLocation: String?
        public var keyPassword: String?
        public init(
            caLocation: String? = nil, certificateLocation: String? = nil,
            keyLocation: String? = nil, keyPassword: String? = nil
        ) {
            self.caLocation = caLocation
            self.certificateLocation = certificateLocation
            self.keyLocation = keyLocation
            self.keyPassword = keyPassword
        }
    }

    /// `bootstrap.servers`: comma-separated `host:port` list. Required.
    public var bootstrapServers: String
    /// `client.id`. Default `relance`.
    public var clientID: String = "relance"
    /// `security.protocol`. Default: librdkafka's (`plaintext`).
    public var securityProtocol: SecurityProtocol?
    public var sasl: SASL?
    public var tls: TLS?
    /// `socket.timeout.ms`. Default: librdkafka's (60 000 ms).
    public var socketTimeoutMilliseconds: Int?
    /// `log_level` (syslog levels, 0–7). Default: librdkafka's (6, info).
    public var logLevel: Int?
    /// `debug` contexts, e.g. `["broker", "cgrp"]`. Default: none.
    public var debugContexts: [String] = []
    /// `statistics.interval.ms`: how often the client reports its statistics, which become
    /// metrics (`relance_kafka_*`, docs/runtime.md). Default: librdkafka's (0, off).
    public var statisticsIntervalMilliseconds: Int?
    /// Any other librdkafka property, applied after the typed fields.
    public var properties: [String: String] = [:]
    /// Where the client's log lines and errors go (librdkafka's own, levels mapped; nothing is
    /// printed on stderr). Default: a logger labelled `relance.kafka` on whatever backend the
    /// process bootstrapped.
    public var logger = Logger(label: "relance.kafka")

    public init(bootstrapServers: String) {
        self.bootstrapServers = bootstrapServers
    }

    /// The librdkafka properties these settings stand for, in the order they are applied.
    func librdkafkaProperties() -> [(String, String)] {
        var result: [(String, String)] = [
            ("bootstrap.servers", bootstrapServers), ("client.id", clientID),
        ]
        if let securityProtocol { result.append(("security.protocol", securityProtocol.rawValue)) }
        if let sasl {
            result += [
                ("sasl.mechanism", sasl.mechanism.rawValue), ("sasl.username", sasl.username),
                ("sasl.password", sasl.password),
            ]
        }
        if let tls {
            if let v = tls.caLocation { result.append(("ssl.ca.location", v)) }
            if let v = tls.certificateLocation { result.append(("ssl.certificate.location", v)) }
            if let v = tls.keyLocation { result.append(("ssl.key.location", v)) }
            if let v = tls.keyPassword { result.append(("ssl.key.password", v)) }
        }
        if let v = socketTimeoutMilliseconds { result.append(("socket.timeout.ms", String(v))) }
        if let v = logLevel { result.append(("log_level", String(v))) }
        if !debugContexts.isEmpty { result.append(("debug", debugContexts.joined(separator: ","))) }
        if let v = statisticsIntervalMilliseconds { result.append(("statistics.interval.ms", String(v))) }
        return result
    }
}

/// A librdkafka configuration object being filled; owns the `rd_kafka_conf_t` until a client
/// takes it.
struct NativeConfiguration: ~Copyable {
    private(set) var pointer: OpaquePointer?

    init(_ properties: [(String, String)], extra: [String: String]) throws(KafkaError) {
        pointer = rd_kafka_conf_new()
        ClientEvents.install(on: pointer)
        for (name, value) in properties { try set(name, value) }
        // Sorted so that errors are reported in a stable order.
        for (name, value) in extra.sorted(by: { $0.key < $1.key }) { try set(name, value) }
    }

    deinit {
        if let pointer { rd_kafka_conf_destroy(pointer) }
    }

    func set(_ name: String, _ value: String) throws(KafkaError) {
        var errstr = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(pointer, name, value, &errstr, errstr.count)
        switch result {
        case RD_KAFKA_CONF_OK:
            return
        case RD_KAFKA_CONF_UNKNOWN:
            throw .configuration("unknown property \"\(name)\": \(cString(errstr))")
        default:
            // Secrets (KafkaConfiguration.isSecret) are never shown, not even quoted by librdkafka.
            let secret = KafkaConfiguration.isSecret(name)
            let shown = secret ? "(hidden)" : "\"\(value)\""
            let message = secret ? KafkaConfiguration.redacting(cString(errstr), secret: value) : cString(errstr)
            throw .configuration("invalid value \(shown) for \"\(name)\": \(message)")
        }
    }

    /// Creates the client; the configuration belongs to it from then on. Its log lines, errors
    /// and statistics go to `logger` and the metrics (`ClientEvents`).
    consuming func makeClient(_ type: rd_kafka_type_t, logger: Logger) throws(KafkaError) -> OpaquePointer {
        var errstr = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(type, pointer, &errstr, errstr.count) else {
            throw .configuration(cString(errstr))
        }
        pointer = nil  // rd_kafka_new took ownership
        let kind = type == RD_KAFKA_CONSUMER ? "consumer" : "producer"
        ClientEvents.register(rk, ClientEvents(logger: logger, kind: kind))
        return rk
    }
}
