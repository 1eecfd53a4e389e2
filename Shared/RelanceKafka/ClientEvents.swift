import CRdKafka
import Foundation
import Logging
import Metrics
import Synchronization

/// What a librdkafka client reports besides the results of calls: its log lines, its errors
/// and, every `statistics.interval.ms`, its statistics. Log lines and errors go to the
/// configuration's swift-log `Logger` with librdkafka's levels mapped (nothing is printed on
/// stderr by librdkafka itself); statistics become swift-metrics gauges and counters
/// (`KafkaStatistics`); the last error is kept for the caller to report.
final class ClientEvents: Sendable {
    let logger: Logger
    let statistics: KafkaStatistics
    private let errors = Mutex<KafkaError?>(nil)
    /// TLS and authentication failures, which make the client's calls fail at once
    /// (SecurityFailures.swift).
    let securityFailures = SecurityFailures()

    init(logger: Logger, kind: String) {
        self.logger = logger
        self.statistics = KafkaStatistics(kind: kind)
    }

    /// The last error librdkafka reported for this client (connection, TLS, authentication).
    var lastError: KafkaError? { errors.withLock { $0 } }

    /// Installs the callbacks on a configuration about to become a client.
    static func install(on conf: OpaquePointer?) {
        rd_kafka_conf_set_log_cb(conf, logCallback)
        rd_kafka_conf_set_error_cb(conf, errorCallback)
        rd_kafka_conf_set_stats_cb(conf, statisticsCallback)
    }

    // The clients' events by `rd_kafka_t`: the callbacks get the client, and librdkafka's
    // opaque already belongs to the delivery-report and rebalance contexts. Looked up only for
    // log lines, errors and statistics, which are rare.
    private static let registry = Mutex<[UInt: ClientEvents]>([:])
    /// Lines logged before a client is registered (while `rd_kafka_new` runs) or after.
    static let fallback = ClientEvents(logger: Logger(label: "relance.kafka"), kind: "client")

    static func register(_ rk: OpaquePointer, _ events: ClientEvents) {
        registry.withLock { $0[UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(rk)))] = events }
    }

    /// Forgets `events` (only it: a new client may already have the same address).
    static func unregister(_ rk: OpaquePointer, _ events: ClientEvents) {
        let key = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(rk)))
        registry.withLock { registry in
            if registry[key] === events { registry.removeValue(forKey: key) }
        }
    }

    static func of(_ rk: OpaquePointer?) -> ClientEvents {
        guard let rk else { return fallback }
        return registry.withLock { $0[UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(rk)))] } ?? fallback
    }

    /// librdkafka's syslog levels (0 emergency … 7 debug) as swift-log's.
    static func level(syslog: Int32) -> Logger.Level {
        switch syslog {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    }

    func log(level: Int32, facility: String, message: String, client: String) {
        // From the broker thread, as it happens: the quickest news of a refused handshake.
        if level <= 4, let code = SecurityFailures.classify(code: nil, message: message) {
            securityFailures.record(code: code, message: message)
        }
        // A broker connection failing (facility FAIL) is something the client retries on its
        // own, and the error callback reports it too: a warning, not an error.
        var mapped = Self.level(syslog: level)
        if facility == "FAIL" && mapped > .warning { mapped = .warning }
        logger.log(
            level: mapped, "\(message)",
            metadata: ["facility": .string(facility), "client": .string(client)], source: "librdkafka")
    }

    func error(_ error: KafkaError, client: String) {
        errors.withLock { $0 = error }
        if let code = SecurityFailures.classify(code: error.code, message: error.message) {
            securityFailures.record(code: code, message: error.message)
        }
        // A broker going away and coming back is an ordinary event a client recovers from;
        // TLS, authentication and fatal errors are not.
        let level: Logger.Level =
            switch error.code {
            case .transport, .allBrokersDown, .timedOut, .messageTimedOut: .warning
            default: .error
            }
        logger.log(
            level: level, "\(error.message)",
            metadata: ["code": .string(error.code.name), "client": .string(client)], source: "librdkafka")
    }
}

private func clientName(_ rk: OpaquePointer?) -> String {
    guard let rk, let name = rd_kafka_name(rk) else { return "" }
    return String(cString: name)
}

private let logCallback:
    @convention(c) (
        OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?
    ) -> Void = { rk, level, facility, message in
        ClientEvents.of(rk).log(
            level: level, facility: facility.map { String(cString: $0) } ?? "",
            message: message.map { String(cString: $0) } ?? "", client: clientName(rk))
    }

private let errorCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
        rk, err, reason, _ in
        var code = rd_kafka_resp_err_t(rawValue: err)
        var text = reason.map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(code))
        var classification = KafkaError.Classification.retriable
        if code == RD_KAFKA_RESP_ERR__FATAL, let rk {
            // The underlying error of a fatal one.
            var buffer = [CChar](repeating: 0, count: 512)
            code = rd_kafka_fatal_error(rk, &buffer, buffer.count)
            text = cString(buffer)
            classification = .fatal
        } else if code == RD_KAFKA_RESP_ERR__SSL || code == RD_KAFKA_RESP_ERR__AUTHENTICATION {
            classification = .permanent
        }
        let error = KafkaError(
            operation: "client", code: KafkaError.Code(code), message: text, classification: classification)
        ClientEvents.of(rk).error(error, client: clientName(rk))
    }

private let statisticsCallback:
    @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Int32 = {
        rk, json, length, _ in
        if let json {
            let data = Data(bytes: json, count: length)
            ClientEvents.of(rk).statistics.record(data)
        }
        return 0  // librdkafka frees the JSON
    }

/// librdkafka's statistics (`statistics.interval.ms`, off by default; the workers set 30 s) as
/// swift-metrics: per client, the producer queue, per broker the round-trip time and the
/// requests and bytes exchanged, per consumed partition the lag the client itself sees. Labels
/// are bounded: the client (one per producer or consumer of the process), the broker, and
/// topic/partition of the topics a client reads.
final class KafkaStatistics: Sendable {
    let kind: String
    /// Totals seen at the previous report, for counters (librdkafka reports running totals).
    private let previous = Mutex<[String: Int64]>([:])
    /// The (topic, partition) lags reported last time.
    private let lagSeries = Mutex<Set<[String]>>([])

    init(kind: String) { self.kind = kind }

    static let help: [String: String] = [
        "relance_kafka_queued_messages": "Messages waiting in the client's producer queue (librdkafka msg_cnt).",
        "relance_kafka_reply_queue": "Operations waiting to be served by the application (librdkafka replyq).",
        "relance_kafka_broker_rtt_seconds": "Mean broker round-trip time over the last statistics window.",
        "relance_kafka_broker_up": "1 when the client's connection to the broker is up, else 0.",
        "relance_kafka_broker_requests_total": "Requests sent to the broker.",
        "relance_kafka_broker_responses_total": "Responses received from the broker.",
        "relance_kafka_broker_sent_bytes_total": "Bytes sent to the broker.",
        "relance_kafka_broker_received_bytes_total": "Bytes received from the broker.",
        "relance_kafka_broker_errors_total": "Request errors and timeouts with the broker.",
        "relance_kafka_partition_consumer_lag":
            "Messages between the committed position and the partition's end, as the consumer sees them.",
    ]

    func record(_ data: Data) {
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return }
        let client = root["name"] as? String ?? ""
        let base: [(String, String)] = [("client", client), ("type", kind)]
        func number(_ value: Any?) -> Int64? {
            (value as? NSNumber)?.int64Value
        }
        if let queued = number(root["msg_cnt"]) {
            Gauge(label: "relance_kafka_queued_messages", dimensions: base).record(queued)
        }
        if let replies = number(root["replyq"]) {
            Gauge(label: "relance_kafka_reply_queue", dimensions: base).record(replies)
        }
        var totals: [(String, [(String, String)], Int64)] = []
        for case (let name, let broker as [String: Any]) in root["brokers"] as? [String: Any] ?? [:] {
            // Bootstrap entries ("sasl_ssl://host:port/bootstrap") stand for no broker.
            guard let id = number(broker["nodeid"]), id >= 0 else { continue }
            let labels = base + [("broker", name)]
            Gauge(label: "relance_kafka_broker_up", dimensions: labels).record(
                broker["state"] as? String == "UP" ? 1 : 0)
            if let rtt = (broker["rtt"] as? [String: Any]).flatMap({ number($0["avg"]) }) {
                Gauge(label: "relance_kafka_broker_rtt_seconds", dimensions: labels).record(Double(rtt) / 1_000_000)
            }
            let errors =
                (number(broker["txerrs"]) ?? 0) + (number(broker["rxerrs"]) ?? 0)
                + (number(broker["req_timeouts"]) ?? 0)
            totals += [
                ("relance_kafka_broker_requests_total", labels, number(broker["tx"]) ?? 0),
                ("relance_kafka_broker_responses_total", labels, number(broker["rx"]) ?? 0),
                ("relance_kafka_broker_sent_bytes_total", labels, number(broker["txbytes"]) ?? 0),
                ("relance_kafka_broker_received_bytes_total", labels, number(broker["rxbytes"]) ?? 0),
                ("relance_kafka_broker_errors_total", labels, errors),
            ]
        }
        if kind == "consumer" {
            var reported: Set<[String]> = []
            defer {
                // A partition this client no longer reads (moved to another instance) shows 0:
                // its lag is its new owner's to report.
                let gone = lagSeries.withLock { seen in
                    let gone = seen.subtracting(reported)
                    seen = reported
                    return gone
                }
                for series in gone {
                    Gauge(
                        label: "relance_kafka_partition_consumer_lag",
                        dimensions: base + [("topic", series[0]), ("partition", series[1])]
                    ).record(0)
                }
            }
            for case (let topic, let entry as [String: Any]) in root["topics"] as? [String: Any] ?? [:] {
                for case (let partition, let p as [String: Any]) in entry["partitions"] as? [String: Any] ?? [:] {
                    // Partition -1 is librdkafka's unassigned placeholder; -1 lag means unknown.
                    guard partition != "-1", let lag = number(p["consumer_lag"]), lag >= 0 else { continue }
                    reported.insert([topic, partition])
                    Gauge(
                        label: "relance_kafka_partition_consumer_lag",
                        dimensions: base + [("topic", topic), ("partition", partition)]
                    ).record(lag)
                }
            }
        }
        let increments = previous.withLock { seen in
            totals.compactMap { name, labels, total -> (String, [(String, String)], Int64)? in
                let key = name + labels.map { "|\($0.1)" }.joined()
                let delta = total - (seen[key] ?? 0)
                seen[key] = total
                return delta > 0 ? (name, labels, delta) : nil
            }
        }
        for (name, labels, delta) in increments { Counter(label: name, dimensions: labels).increment(by: delta) }
    }
}

/// Help texts of metrics by name, for a backend that shows them (the Prometheus exposition's
/// `# HELP` lines). Libraries describe the metrics they emit through swift-metrics here;
/// swift-metrics itself carries no help text.
public enum MetricDescriptions {
    private static let table = Mutex<[String: String]>(KafkaStatistics.help)

    /// Adds or replaces descriptions.
    public static func describe(_ entries: [String: String]) {
        table.withLock { $0.merge(entries) { _, new in new } }
    }

    public static func help(for name: String) -> String? { table.withLock { $0[name] } }
}
