import Foundation
import RelanceDomain
import RelanceEvents

extension RuntimeConfiguration {
    /// Every variable of the runtime, as docs/runtime.md's table lists them (a test keeps the
    /// two in step).
    public static let settings: [Setting] = [
        Setting("RELANCE_KAFKA_BOOTSTRAP", "localhost:9092", "bootstrap servers"),
        Setting(
            "RELANCE_CONFIG_FILE", "(none)",
            "a file of NAME=value lines under the environment (the environment wins); unknown names refused"),
        Setting("RELANCE_INSTANCE_ID", "host name", "with the worker name, the transactional id; stable per instance"),
        Setting("RELANCE_GROUP_ID", "relance-<worker>", "consumer group"),
        Setting("RELANCE_CHANGELOG_TOPIC", "relance.<worker>.changelog", "compacted state topic"),
        Setting("RELANCE_DEAD_LETTER_TOPIC", "relance.dead-letters", "inputs the worker could not process"),
        Setting("RELANCE_CLOCK_TOPIC", "relance.clock", "time for every worker"),
        Setting(
            "RELANCE_REPLAY_OUTCOME_TOPIC", "relance.replay-outcomes",
            "what the worker did with each replayed dead letter"),
        Setting("RELANCE_CLOCK", "topic", "topic (time from the clock topic) or wall (the machine's clock)"),
        Setting("RELANCE_BATCH_MAX_EVENTS", "5000", "records per transaction at most"),
        Setting("RELANCE_BATCH_MAX_MS", "100", "age of a transaction at most, in milliseconds"),
        Setting("RELANCE_TRANSACTION_TIMEOUT_MS", "60000", "broker-side transaction timeout"),
        Setting("RELANCE_SESSION_TIMEOUT_MS", "45000", "group session timeout"),
        Setting("RELANCE_ABORTED_RECORDS_VISIBLE", "false", "true on librdkafka's mock cluster"),
        Setting("RELANCE_MAX_EVENT_BYTES", "1048576", "larger events are dead letters"),
        Setting("RELANCE_HTTP_PORT", "9400", "metrics and health; 0 turns it off"),
        Setting("RELANCE_LOG_LEVEL", "info", "trace, debug, info, notice, warning, error or critical"),
        Setting("RELANCE_LOG_FORMAT", "json", "json (one object per line on stdout) or text"),
        Setting("RELANCE_SHUTDOWN_SECONDS", "30", "after SIGTERM, time to commit and stop before cancelling"),
        Setting("RELANCE_KAFKA_STATISTICS_MS", "30000", "librdkafka statistics as metrics every so often; 0: off"),
        Setting(
            "RELANCE_COMMAND_KEYS", "(none)",
            "JSON Web Key Set file of the keys that sign commands; required by a worker that reads commands"),
        Setting("RELANCE_COMMAND_AUDIENCE", "relance", "the aud command tokens must name"),
        Setting("RELANCE_UNSIGNED_COMMANDS", "refuse", "refuse, or warn: accept unsigned commands while moving over"),
        Setting(
            "RELANCE_KAFKA_PROP_<NAME>", "",
            "any librdkafka property, _ for . and __ for _ (RELANCE_KAFKA_PROP_SECURITY_PROTOCOL=ssl)"),
    ]
}

/// This build's version, printed by `--version`.
public enum RelanceVersion {
    public static let current = "0.7.0"
}

/// `--help` and `--version` for a worker executable, answered before any configuration is
/// read or any connection made.
public enum WorkerHelp {
    /// The exit code when `arguments` asked for help or the version (0) or held something a
    /// worker does not take (2, with the reason on standard error); nil to run the worker.
    public static func answer(
        _ arguments: [String] = CommandLine.arguments, worker: String, summary: String, settings: [Setting],
        docs: String
    ) -> Int32? {
        let given = Array(arguments.dropFirst())
        guard let first = given.first else { return nil }
        switch first {
        case "--help", "-h", "help":
            print(text(worker: worker, summary: summary, settings: settings, docs: docs), terminator: "")
            return 0
        case "--version":
            print("\(worker) \(RelanceVersion.current)")
            return 0
        default:
            FileHandle.standardError.write(
                Data(
                    "\(worker): unexpected argument \(first): a worker takes no arguments, only environment variables (\(worker) --help lists them)\n"
                        .utf8))
            return 2
        }
    }

    /// The help page.
    public static func text(worker: String, summary: String, settings: [Setting], docs: String) -> String {
        func table(_ rows: [Setting]) -> String {
            let nameWidth = rows.map(\.name.count).max() ?? 0
            let defaultWidth = rows.map { $0.defaultValue.count }.max() ?? 0
            return rows.map { row in
                "  " + row.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                    + row.defaultValue.padding(toLength: defaultWidth, withPad: " ", startingAt: 0) + "  "
                    + row.meaning + "\n"
            }.joined()
        }
        var out = "\(worker) \(RelanceVersion.current): \(summary)\n\n"
        out += "Usage: \(worker)            runs until SIGTERM or SIGINT\n"
        out += "       \(worker) --help | --version\n\n"
        out += "Configured by environment variables (name, default, meaning); see \(docs) and docs/runtime.md.\n"
        if !settings.isEmpty { out += "\n\(worker):\n" + table(settings) }
        out += "\nEvery worker:\n" + table(RuntimeConfiguration.settings)
        return out
    }
}
