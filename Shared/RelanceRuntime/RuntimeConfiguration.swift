import Foundation
import Logging
import RelanceKafka

/// How a worker runs, read from environment variables (every key has a default; see
/// docs/runtime.md).
public struct RuntimeConfiguration: Sendable {
    /// `RELANCE_KAFKA_BOOTSTRAP`, default `localhost:9092`.
    public var bootstrapServers = "localhost:9092"
    /// `RELANCE_INSTANCE_ID`, default the host name. With the worker name it makes the
    /// transactional id: give each instance its own, keep it across restarts.
    public var instanceID = ProcessInfo.processInfo.hostName
    /// `RELANCE_GROUP_ID`, default `relance-<worker>`.
    public var groupID: String?
    /// `RELANCE_CHANGELOG_TOPIC`, default `relance.<worker>.changelog`.
    public var changelogTopic: String?
    /// `RELANCE_DEAD_LETTER_TOPIC`, default `relance.dead-letters`.
    public var deadLetterTopic = "relance.dead-letters"
    /// `RELANCE_REPLAY_OUTCOME_TOPIC`, default `relance.replay-outcomes`: what the worker did
    /// with each replayed dead letter. When the topic does not exist, replays are handled and
    /// their outcomes not reported.
    public var replayOutcomeTopic = "relance.replay-outcomes"
    /// `RELANCE_CLOCK_TOPIC`, default `relance.clock`.
    public var clockTopic = "relance.clock"
    /// `RELANCE_CLOCK`: `topic` (default; time is what the clock topic says) or `wall`
    /// (the machine's clock; no clock topic).
    public var wallClock = false
    /// `RELANCE_BATCH_MAX_EVENTS`, default 5000: a transaction commits after this many
    /// input records…
    public var batchMaxEvents = 5000
    /// `RELANCE_BATCH_MAX_MS`, default 100: …or when its first record is this old (Kafka
    /// Streams commits every 100 ms under exactly-once; the count bound only caps a
    /// transaction's size when more than 50,000 records a second come).
    public var batchMaxMilliseconds = 100
    /// `RELANCE_TRANSACTION_TIMEOUT_MS`, default 60000.
    public var transactionTimeoutMilliseconds = 60_000
    /// `RELANCE_SESSION_TIMEOUT_MS`, default 45000: a silent instance loses its partitions
    /// after this long.
    public var sessionTimeoutMilliseconds = 45_000
    /// `RELANCE_HTTP_PORT`, default 9400: `/metrics`, `/health/live`, `/health/ready`. 0 turns
    /// the endpoint off.
    public var httpPort = 9400
    /// `RELANCE_ABORTED_RECORDS_VISIBLE`, default `false`. Set `true` on a broker whose
    /// `read_committed` readers still see records of aborted transactions (librdkafka's mock
    /// cluster): restores then apply only checkpointed transactions.
    public var abortedRecordsVisible = false
    /// `RELANCE_LOG_LEVEL`: `trace`, `debug`, `info` (default), `notice`, `warning`, `error`,
    /// `critical`.
    public var logLevel = Logger.Level.info
    /// `RELANCE_LOG_FORMAT`: `json` (default: one JSON object per line on stdout) or `text`.
    public var logFormat = LogFormat.json
    /// `RELANCE_SHUTDOWN_SECONDS`, default 30: after SIGTERM or SIGINT, how long the open batch
    /// has to commit and the services to stop before they are cancelled (the open transaction
    /// is then aborted). Keep it below the orchestrator's grace period (deploy/k8s: 60 s).
    public var shutdownSeconds = 30
    /// `RELANCE_KAFKA_STATISTICS_MS`, default 30000: how often librdkafka's statistics are
    /// turned into metrics (`relance_kafka_*`); 0 turns them off.
    public var kafkaStatisticsMilliseconds = 30_000
    /// `RELANCE_MAX_EVENT_BYTES`, default 1048576: larger events are dead letters.
    public var maximumEventBytes = 1 << 20
    /// Further librdkafka properties: every `RELANCE_KAFKA_PROP_<name with _ for .>`, e.g.
    /// `RELANCE_KAFKA_PROP_SECURITY_PROTOCOL=ssl` (`KafkaConfiguration.fromEnvironment`: `__` for
    /// `_`; each checked at start).
    public var kafkaProperties: [String: String] = [:]
    /// `RELANCE_COMMAND_KEYS`: path of the JSON Web Key Set of the keys that sign commands
    /// (public keys, or HS256 secrets), read at start. No default: a worker that reads commands
    /// will not start without it unless `unsignedCommands` is `warn`.
    public var commandKeys: CommandKeySet?
    /// `RELANCE_COMMAND_AUDIENCE`, default `relance`: the `aud` a command token must name.
    public var commandAudience = "relance"
    /// `RELANCE_UNSIGNED_COMMANDS`: `refuse` (default) or `warn` (accept unsigned commands
    /// with a warning, while a deployment moves over).
    public var unsignedCommands = UnsignedCommands.refuse

    public init(bootstrapServers: String = "localhost:9092") {
        self.bootstrapServers = bootstrapServers
    }

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads every `RELANCE_*` key; an unparsable value is an error naming the key.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(Invalid) -> RuntimeConfiguration
    {
        var c = RuntimeConfiguration()
        func int(_ key: String, _ range: ClosedRange<Int>) throws(Invalid) -> Int? {
            guard let text = environment[key] else { return nil }
            guard let value = Int(text), range.contains(value) else {
                throw Invalid(description: "\(key)=\(text): expected a whole number in \(range)")
            }
            return value
        }
        func bool(_ key: String) throws(Invalid) -> Bool? {
            guard let text = environment[key] else { return nil }
            switch text.lowercased() {
            case "1", "true", "yes": return true
            case "0", "false", "no": return false
            default: throw Invalid(description: "\(key)=\(text): expected true or false")
            }
        }
        // The Kafka settings are read as the `relance` command reads them (KafkaConfiguration).
        do {
            let kafka = try KafkaConfiguration.fromEnvironment(environment)
            c.bootstrapServers = kafka.bootstrapServers
            c.kafkaProperties = kafka.properties
        } catch {
            throw Invalid(description: error.description)
        }
        if let v = environment["RELANCE_INSTANCE_ID"] { c.instanceID = v }
        c.groupID = environment["RELANCE_GROUP_ID"]
        c.changelogTopic = environment["RELANCE_CHANGELOG_TOPIC"]
        if let v = environment["RELANCE_DEAD_LETTER_TOPIC"] { c.deadLetterTopic = v }
        if let v = environment["RELANCE_CLOCK_TOPIC"] { c.clockTopic = v }
        if let v = environment["RELANCE_REPLAY_OUTCOME_TOPIC"] { c.replayOutcomeTopic = v }
        if let v = environment["RELANCE_CLOCK"] {
            guard v == "topic" || v == "wall" else {
                throw Invalid(description: "RELANCE_CLOCK=\(v): expected topic or wall")
            }
            c.wallClock = v == "wall"
        }
        if let v = try int("RELANCE_BATCH_MAX_EVENTS", 1...1_000_000) { c.batchMaxEvents = v }
        if let v = try int("RELANCE_BATCH_MAX_MS", 1...60_000) { c.batchMaxMilliseconds = v }
        if let v = try int("RELANCE_TRANSACTION_TIMEOUT_MS", 1000...900_000) { c.transactionTimeoutMilliseconds = v }
        if let v = try int("RELANCE_HTTP_PORT", 0...65535) { c.httpPort = v }
        if let v = try int("RELANCE_SESSION_TIMEOUT_MS", 1000...3_600_000) { c.sessionTimeoutMilliseconds = v }
        if let v = try int("RELANCE_MAX_EVENT_BYTES", 1024...(64 << 20)) { c.maximumEventBytes = v }
        if let v = try bool("RELANCE_ABORTED_RECORDS_VISIBLE") { c.abortedRecordsVisible = v }
        if let v = environment["RELANCE_LOG_LEVEL"] {
            guard let level = RelanceLogging.level(v) else {
                throw Invalid(
                    description:
                        "RELANCE_LOG_LEVEL=\(v): expected trace, debug, info, notice, warning, error or critical")
            }
            c.logLevel = level
        }
        if let v = environment["RELANCE_LOG_FORMAT"] {
            guard let format = LogFormat(rawValue: v) else {
                throw Invalid(description: "RELANCE_LOG_FORMAT=\(v): expected json or text")
            }
            c.logFormat = format
        }
        if let v = try int("RELANCE_SHUTDOWN_SECONDS", 1...3600) { c.shutdownSeconds = v }
        if let v = try int("RELANCE_KAFKA_STATISTICS_MS", 0...3_600_000) { c.kafkaStatisticsMilliseconds = v }
        if let v = environment["RELANCE_COMMAND_KEYS"], !v.isEmpty {
            do {
                c.commandKeys = try CommandKeySet.load(path: v)
            } catch {
                throw Invalid(description: "RELANCE_COMMAND_KEYS: \(error.description)")
            }
        }
        if let v = environment["RELANCE_COMMAND_AUDIENCE"] {
            guard !v.isEmpty else { throw Invalid(description: "RELANCE_COMMAND_AUDIENCE is empty") }
            c.commandAudience = v
        }
        if let v = environment["RELANCE_UNSIGNED_COMMANDS"] {
            guard let mode = UnsignedCommands(rawValue: v) else {
                throw Invalid(description: "RELANCE_UNSIGNED_COMMANDS=\(v): expected refuse or warn")
            }
            c.unsignedCommands = mode
        }
        return c
    }

    /// The Kafka client settings every client of this worker uses.
    public var kafka: KafkaConfiguration {
        var kafka = KafkaConfiguration(bootstrapServers: bootstrapServers)
        kafka.properties = kafkaProperties
        kafka.logLevel = 3
        if kafkaStatisticsMilliseconds > 0 { kafka.statisticsIntervalMilliseconds = kafkaStatisticsMilliseconds }
        return kafka
    }

    /// Why `worker` cannot start with these settings: it reads commands, no key set is
    /// configured, and unsigned commands are refused: it could act on none of them. Never
    /// an open door: it does not start instead.
    public func commandProblem<W: Worker>(_ worker: W) -> String? {
        guard !worker.commandRoles.isEmpty, commandKeys == nil, unsignedCommands == .refuse else { return nil }
        return "\(worker.name) reads commands (\(worker.commandRoles.keys.sorted().joined(separator: ", "))) "
            + "and no key verifies them: set RELANCE_COMMAND_KEYS to the JSON Web Key Set of the keys that sign "
            + "commands (docs/deploy.md, \"Command keys\"), or RELANCE_UNSIGNED_COMMANDS=warn while moving over"
    }

    var commandGate: CommandGate {
        CommandGate(
            verifier: commandKeys.map { CommandVerifier(keys: $0, audience: commandAudience) },
            unsigned: unsignedCommands)
    }

    func changelog(for worker: String) -> String { changelogTopic ?? "relance.\(worker).changelog" }
    func group(for worker: String) -> String { groupID ?? "relance-\(worker)" }
}
