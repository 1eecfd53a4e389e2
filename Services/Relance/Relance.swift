import ArgumentParser
import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime

@main
struct Relance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relance",
        abstract: "Relance: recover failed and overdue payments.",
        subcommands: [
            DemoCommand.self, DevClusterCommand.self, TopicsCommand.self, PublishCommand.self, TailCommand.self,
            ActionCentreCommand.self,
            DeadLettersCommand.self, ClockCommand.self, KeysCommand.self, PaymentCommandCommand.self,
            DunningCommandCommand.self,
            ReconcileCommand.self, AclsCommand.self, RecoveryReportCommand.self,
        ])

    /// Logs (this command's, its Kafka clients', and the demo's in-process workers') go to
    /// standard error, as text unless `RELANCE_LOG_FORMAT=json`, errors only unless
    /// `RELANCE_LOG_LEVEL` says otherwise (a broker reconnecting is not the user's business):
    /// standard output is the command's answer (`tail` prints events there).
    static func main() async {
        let environment = ProcessInfo.processInfo.environment
        RelanceLogging.bootstrap(
            format: environment["RELANCE_LOG_FORMAT"].flatMap(LogFormat.init(rawValue:)) ?? .text,
            level: environment["RELANCE_LOG_LEVEL"].flatMap(RelanceLogging.level) ?? .error, stream: .standardError)
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// Where the cluster is and how to reach it, as the workers read it
/// (`KafkaConfiguration.fromEnvironment`): `--bootstrap`, else `RELANCE_KAFKA_BOOTSTRAP`, else
/// localhost:9092; the librdkafka properties of `RELANCE_KAFKA_PROP_<NAME>`, then of
/// `--kafka-property` (TLS, SASL).
struct ClusterOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers (default: $RELANCE_KAFKA_BOOTSTRAP or localhost:9092).")
    var bootstrap: String?
    @Option(
        name: .customLong("kafka-property"),
        help: ArgumentHelp(
            """
            A librdkafka property for every Kafka client, e.g. security.protocol=ssl (repeatable; \
            replaces the same property's $RELANCE_KAFKA_PROP_<NAME>).
            """, valueName: "name=value"))
    var kafkaProperties: [String] = []

    /// A bad setting stops the command before anything connects, naming the variable or option.
    func validate() throws { _ = try kafka }

    var kafka: KafkaConfiguration {
        get throws { try Self.kafka(bootstrap: bootstrap, properties: kafkaProperties) }
    }

    /// The settings of the command's Kafka clients: `bootstrap` or the environment's, the
    /// environment's properties and then `properties` (`name=value`).
    static func kafka(bootstrap: String?, properties: [String]) throws -> KafkaConfiguration {
        // RELANCE_CONFIG_FILE, the workers' file, serves the command too.
        let environment: [String: String]
        do {
            environment = try ConfigurationFile.merged(
                ProcessInfo.processInfo.environment, known: ConfigurationFile.known())
        } catch {
            throw CommandFailure(error.description)
        }
        do {
            var configuration = try KafkaConfiguration.fromEnvironment(
                environment, bootstrap: bootstrap, overrides: properties)
            configuration.logLevel = 3
            return configuration
        } catch {
            // A bad option is a usage error (with the usage text); a bad variable is not.
            if error.isOption { throw ValidationError(error.description) }
            throw CommandFailure(error.description)
        }
    }

    func producer() throws -> KafkaProducer {
        var configuration = ProducerConfiguration(kafka: try kafka)
        configuration.lingerMilliseconds = 1
        return try KafkaProducer(configuration: configuration)
    }
}

/// A failure while running a command (not a usage error): printed without the usage text.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: dead-letters

struct DeadLettersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters", abstract: "List dead letters, and send chosen ones back to their source topic.",
        subcommands: [List.self, Replay.self])

    struct Filter: ParsableArguments {
        @Option(help: "Dead-letter topic.") var topic = "relance.dead-letters"
        @Option(help: "Only this reason code (repeatable), e.g. unknown_type.") var reason: [String] = []
        @Option(name: .customLong("source-topic"), help: "Only inputs of this topic (repeatable).")
        var sourceTopic: [String] = []
        @Option(help: "Only from this worker (repeatable).") var worker: [String] = []
        @Option(help: "Only this dead letter, as partition:offset in the dead-letter topic (repeatable).")
        var at: [String] = []

        var selection: DeadLetters.Selection {
            var selection = DeadLetters.Selection()
            selection.reasons = Set(reason)
            selection.sourceTopics = Set(sourceTopic)
            selection.workers = Set(worker)
            selection.positions = Set(at)
            return selection
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the dead letters that match.")
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var filter: Filter
        @Flag(help: "One JSON object per line instead of text.") var json = false

        func run() async throws {
            let entries = try await DeadLetters.list(
                topic: filter.topic, selection: filter.selection, kafka: cluster.kafka)
            for entry in entries {
                if json {
                    print(String(decoding: try entry.letter.encoded(), as: UTF8.self))
                } else {
                    let letter = entry.letter
                    print(
                        "\(entry.partition):\(entry.offset)  \(Timestamp.format(letter.failedAt))  \(letter.worker)  "
                            + "\(letter.source.topic)[\(letter.source.partition)]@\(letter.source.offset)  "
                            + "\(letter.reason.code): \(letter.reason.message)\(letter.redacted ? "  (redacted)" : "")")
                }
            }
            FileHandle.standardError.write(Data("\(entries.count) dead letter(s)\n".utf8))
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send the matching dead letters' original records back to their source topics.",
            discussion: """
                Each record goes back to the worker that refused it, which handles it as new input, once: \
                replaying the same dead letter again does not apply it again. Dead letters whose content a \
                worker already handled from a replay (per the replay-outcome topic) are skipped unless \
                --again. The command then waits for each worker's outcome (handled, already replayed, or \
                refused again and why) and prints one line per dead letter.
                """)
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var filter: Filter
        @OptionGroup var signing: SigningOptions
        @Flag(help: "Say what would be replayed, send nothing.") var dryRun = false
        @Option(help: "Seconds to wait for the workers' outcomes (0: do not wait).") var wait = 60
        @Flag(help: "Send dead letters whose content was already handled from a replay too.") var again = false
        @Option(name: .customLong("outcome-topic"), help: "Where workers report what they did with a replay.")
        var outcomeTopic = "relance.replay-outcomes"

        func validate() throws {
            if filter.reason.isEmpty && filter.sourceTopic.isEmpty && filter.worker.isEmpty && filter.at.isEmpty {
                throw ValidationError("choose what to replay: --reason, --source-topic, --worker or --at")
            }
            if wait < 0 { throw ValidationError("--wait must be 0 or more seconds") }
        }

        func run() async throws {
            let listed = try await DeadLetters.list(
                topic: filter.topic, selection: filter.selection, kafka: cluster.kafka)
            let done = again ? [] : try await DeadLetters.handledOrigins(topic: outcomeTopic, kafka: cluster.kafka)
            var entries: [DeadLetters.Entry] = []
            for entry in listed {
                guard done.contains(DeadLetters.origin(entry, topic: filter.topic)) else {
                    entries.append(entry)
                    continue
                }
                print(
                    "\(entry.partition):\(entry.offset)  \(entry.letter.worker)  \(entry.letter.reason.code)  already "
                        + "handled from an earlier replay: skipped (--again sends it anyway)")
            }
            if dryRun {
                for entry in entries {
                    print(
                        "would replay \(entry.partition):\(entry.offset) to \(entry.letter.source.topic) "
                            + "for \(entry.letter.worker)")
                }
                return
            }
            let start =
                wait > 0 ? try await DeadLetters.outcomeStart(topic: outcomeTopic, kafka: cluster.kafka) : nil
            let signer = try signing.signer()
            if signer == nil {
                FileHandle.standardError.write(
                    Data(
                        ("no key (--key or RELANCE_SIGNING_KEY): the replays are unsigned, and workers refuse them "
                            + "unless RELANCE_UNSIGNED_COMMANDS=warn\n").utf8))
            }
            try await DeadLetters.replay(
                entries, deadLetterTopic: filter.topic, producer: try cluster.producer(), signer: signer,
                audience: signing.resolvedAudience, lifetime: TimeInterval(signing.ttl))
            print("replayed \(entries.count) dead letter(s)")
            guard wait > 0, !entries.isEmpty else { return }
            guard let start else {
                print(
                    "topic \(outcomeTopic) does not exist: the outcomes cannot be reported (relance topics creates it)")
                return
            }
            let positions = entries.map { DeadLetters.position($0, topic: filter.topic) }
            let outcomes = try await DeadLetters.awaitOutcomes(
                Set(positions), topic: outcomeTopic, start: start, kafka: cluster.kafka, timeout: .seconds(wait))
            var missing = 0
            for (entry, position) in zip(entries, positions) {
                let letter = entry.letter
                let what = "\(entry.partition):\(entry.offset)  \(letter.worker)  \(letter.reason.code)"
                guard let outcome = outcomes[position] else {
                    missing += 1
                    print("\(what)  no outcome within \(wait) s: is \(letter.worker) running?")
                    continue
                }
                switch outcome.result {
                case .handled:
                    print("\(what)  handled as new input\(outcome.eventID.map { " (event \($0))" } ?? "")")
                case .alreadyReplayed:
                    print("\(what)  already replayed and handled before: not applied again")
                case .deadLettered:
                    let reason = outcome.reason.map { "\($0.code): \($0.message)" } ?? "no reason given"
                    print("\(what)  refused again: \(reason)")
                }
            }
            if missing > 0 { throw ExitCode(3) }
        }
    }
}

// MARK: clock

struct ClockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clock", abstract: "Time for every worker: the ticker, or simulated time.",
        subcommands: [Tick.self, Advance.self, Now.self])

    static func partitions(_ topic: String, kafka: KafkaConfiguration) async throws -> [Int32] {
        guard let partitions = try await TopicReading.partitions(of: topic, kafka: kafka) else {
            throw CommandFailure("topic \(topic) does not exist")
        }
        return partitions
    }

    /// Writes `date` to every partition of the clock topic.
    static func publish(_ date: Date, topic: String, cluster: ClusterOptions) async throws {
        let producer = try cluster.producer()
        for partition in try await partitions(topic, kafka: cluster.kafka) {
            try await producer.enqueue(
                ProducerMessage(topic: topic, partition: partition, key: nil, value: ClockTick.record(date)))
        }
        try await producer.flush()
    }

    /// The latest tick of every partition (the latest of them), or nil when none was written.
    static func current(topic: String, cluster: ClusterOptions) async throws -> Date? {
        var latest: Int64?
        // The last few offsets of each partition hold its latest tick (or its commit marker).
        try await TopicReading.readToEnd(
            topic, partitions: try await partitions(topic, kafka: cluster.kafka), kafka: cluster.kafka, lastOffsets: 3,
            log: nil
        ) { batch in
            for record in batch {
                if let value = record.value, let time = ClockTick.read(value) { latest = max(latest ?? time, time) }
            }
        }
        return latest.map { Timestamp.date(milliseconds: $0) }
    }

    struct Tick: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The production ticker: writes the wall clock to every clock partition, again and again.")
        @OptionGroup var cluster: ClusterOptions
        @Option(help: "Clock topic.") var topic = "relance.clock"
        @Option(help: "Seconds between ticks.") var every: Int = 60
        @Flag(help: "Write one tick and exit.") var once = false

        func run() async throws {
            repeat {
                let now = Date()
                try await ClockCommand.publish(now, topic: topic, cluster: cluster)
                print("tick \(Timestamp.format(now))")
                if once { return }
                try await Task.sleep(for: .seconds(every))
            } while true
        }
    }

    struct Advance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Simulated time: move the clock forward, e.g. --by 7d or --to 2026-12-01T00:00:00Z.")
        @OptionGroup var cluster: ClusterOptions
        @Option(help: "Clock topic.") var topic = "relance.clock"
        @Option(help: "How far: a number followed by d, h, m or s.") var by: String?
        @Option(help: "To this UTC time (ISO 8601).") var to: String?

        func validate() throws {
            guard (by == nil) != (to == nil) else { throw ValidationError("give exactly one of --by and --to") }
            if let by, Self.seconds(by) == nil {
                throw ValidationError("--by \(by): expected e.g. 7d, 12h, 30m or 45s")
            }
            if let to, EventValidator.parseUTCTimestamp(to) == nil {
                throw ValidationError("--to \(to): expected an ISO 8601 UTC time such as 2026-12-01T00:00:00Z")
            }
        }

        static func seconds(_ text: String) -> Double? {
            guard let unit = text.last, let number = Double(text.dropLast()), number >= 0 else { return nil }
            switch unit {
            case "d": return number * 86_400
            case "h": return number * 3600
            case "m": return number * 60
            case "s": return number
            default: return nil
            }
        }

        func run() async throws {
            let target: Date
            if let to {
                target = EventValidator.parseUTCTimestamp(to)!
            } else {
                guard let now = try await ClockCommand.current(topic: topic, cluster: cluster) else {
                    throw CommandFailure("the clock has no time yet: start it with --to")
                }
                target = now.addingTimeInterval(Self.seconds(by!)!)
            }
            try await ClockCommand.publish(target, topic: topic, cluster: cluster)
            print("clock at \(Timestamp.format(target))")
        }
    }

    struct Now: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the clock's time.")
        @OptionGroup var cluster: ClusterOptions
        @Option(help: "Clock topic.") var topic = "relance.clock"

        func run() async throws {
            guard let now = try await ClockCommand.current(topic: topic, cluster: cluster) else {
                throw CommandFailure("the clock has no time yet: start it with `relance clock advance --to`")
            }
            print(Timestamp.format(now))
        }
    }
}
