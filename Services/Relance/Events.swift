import ArgumentParser
import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime

// MARK: publish

struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish events from JSON Lines or JSON files (or standard input), checked before anything is sent.",
        discussion: """
            Each event is checked as a worker checks it: the envelope, its type's schema, amounts, \
            currencies, no card number. It goes to the topic its type travels on (or --topic), keyed \
            by its account. One invalid event and nothing is sent (exit code 1), unless --partial: \
            then the valid ones are sent, the others listed on standard error, and the exit code is 0.
            """)

    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "Files of events (JSON Lines, or a JSON event or array); none or - reads standard input.")
    var files: [String] = []
    @Option(help: "Send every event to this topic instead of its type's topic.") var topic: String?
    @Flag(help: "Send the valid events and report the others, instead of sending none.") var partial = false
    @OptionGroup var signing: SigningOptions

    func run() async throws {
        let signer = try signing.signer()
        var valid: [(envelope: EventEnvelope, topic: String, bytes: [UInt8])] = []
        var invalid: [String] = []
        for file in files.isEmpty ? ["-"] : files {
            let bytes: [UInt8]
            if file == "-" {
                bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
            } else {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw CommandFailure("cannot read \(file)")
                }
                bytes = Array(data)
            }
            let events = EventFile(bytes, topic: topic)
            valid += events.valid
            let name = file == "-" ? "stdin" : file
            invalid += events.invalid.map { "\(name): \($0.location): \($0.error.code): \($0.error.message)" }
        }
        for line in invalid { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        if !invalid.isEmpty && !partial {
            throw CommandFailure(
                "\(invalid.count) invalid event(s) of \(invalid.count + valid.count): nothing sent (--partial sends the valid ones)"
            )
        }
        // Commands are signed over their exact bytes; facts travel unsigned.
        let commands = valid.filter { Catalog.commandTypes.contains($0.envelope.type) }
        if let signer {
            let foreign = commands.filter {
                !signer.merchants.contains("*") && !signer.merchants.contains($0.envelope.merchantID)
            }
            if let first = foreign.first {
                throw CommandFailure(
                    "\(foreign.count) command(s) for merchants key \(signer.keyID) does not act for "
                        + "(\(first.envelope.merchantID)): nothing sent")
            }
        } else if !commands.isEmpty {
            FileHandle.standardError.write(
                Data(
                    ("\(commands.count) command(s) unsigned (no --key or RELANCE_SIGNING_KEY): workers refuse them "
                        + "unless RELANCE_UNSIGNED_COMMANDS=warn\n").utf8))
        }
        let producer = try cluster.producer()
        for event in valid {
            var headers: [KafkaHeader] = []
            if let signer, Catalog.commandTypes.contains(event.envelope.type) {
                headers.append(signing.header(signer, value: event.bytes, eventID: event.envelope.eventID))
            }
            try await producer.enqueue(
                ProducerMessage(
                    topic: event.topic, key: Array(event.envelope.accountID.utf8), value: event.bytes,
                    headers: headers))
        }
        try await producer.flush()
        let counts = Dictionary(grouping: valid, by: \.topic).map { "\($0.key) \($0.value.count)" }.sorted()
        print("sent \(valid.count) event(s)" + (counts.isEmpty ? "" : ": " + counts.joined(separator: ", ")))
        // --partial asked for the valid ones only: done as asked.
        if !invalid.isEmpty {
            FileHandle.standardError.write(Data("\(invalid.count) invalid event(s) not sent (listed above)\n".utf8))
        }
    }
}

// MARK: tail

struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail", abstract: "Follow a topic, in readable form or as JSON (read committed).")

    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "The topic, e.g. relance.action-centre.") var topic: String
    @Flag(name: .customLong("from-beginning"), help: "Start at the oldest record instead of the end.")
    var fromBeginning = false
    @Flag(help: "Print each record's value as it is (one JSON document per line).") var json = false
    @Option(help: "Stop after this many records.") var count: Int?
    @Flag(
        name: .customLong("until-end"),
        help:
            "Stop at the end of every partition as it is when the command starts (with --from-beginning: the topic so far)."
    )
    var untilEnd = false

    func run() async throws {
        let partitions = try await ClockCommand.partitions(topic, kafka: cluster.kafka)
        if untilEnd {
            guard fromBeginning else { return }  // from the end to the end: nothing
            var printed = 0
            try await TopicReading.readToEnd(topic, partitions: partitions, kafka: cluster.kafka, log: nil) { batch in
                var lines: [String] = []
                for record in batch where count.map({ printed < $0 }) ?? true {
                    lines.append(json ? String(decoding: record.value ?? [], as: UTF8.self) : Self.readable(record))
                    printed += 1
                }
                Self.write(lines)
            }
            return
        }
        let consumer = try KafkaConsumer(configuration: ConsumerConfiguration(kafka: cluster.kafka, groupID: nil))
        let start = fromBeginning ? TopicPartitionOffset.beginning : TopicPartitionOffset.end
        try await consumer.assign(partitions.map { TopicPartitionOffset(topic, $0, offset: start) })
        var printed = 0
        while count.map({ printed < $0 }) ?? true {
            var lines: [String] = []
            for record in try await consumer.poll(maxMessages: 500, timeout: .milliseconds(500)) {
                lines.append(json ? String(decoding: record.value ?? [], as: UTF8.self) : Self.readable(record))
                printed += 1
                if let count, printed >= count { break }
            }
            Self.write(lines)
        }
        try await consumer.close()
    }

    /// Each batch straight to the file descriptor, as soon as it is read: `print` goes through
    /// C's stdio, which holds a pipe's output (`relance tail … | grep`) until 4 KB or the exit.
    static func write(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    /// "2026-11-01T00:00:00.000Z  relance.payments[2]@15  acct-1  payment.failed  {data}"
    static func readable(_ record: KafkaMessage) -> String {
        let place = "\(record.topic)[\(record.partition)]@\(record.offset)"
        guard let value = record.value, let event = try? JSONReader.read(Array(value)) else {
            return "\(place)  \(record.keyString ?? "-")  (\(record.value?.count ?? 0) bytes, not JSON)"
        }
        guard let type = event["type"]?.stringValue, let data = event["data"] else {
            return "\(place)  \(record.keyString ?? "-")  \(String(decoding: value, as: UTF8.self))"
        }
        let when = event["occurredAt"]?.stringValue ?? event["now"]?.stringValue ?? ""
        let account = event["accountId"]?.stringValue ?? record.keyString ?? "-"
        return "\(when)  \(place)  \(account)  \(type)  \(String(decoding: data.jsonBytes, as: UTF8.self))"
    }
}

// MARK: topics

struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Create every Relance topic on a cluster: state and status topics compacted.",
        discussion: """
            Input and output topics share one partition count (a worker reads its inputs and the \
            clock partition by partition); the dead-letter topic and the email log get the same. \
            Topics that exist are left as they are.
            """)

    @OptionGroup var cluster: ClusterOptions
    @Option(help: "Partitions of every topic: the most instances a worker group can use.") var partitions: Int32 = 12
    @Option(help: "Replication factor (3 on a production cluster).") var replication: Int32 = 3
    @Flag(name: .customLong("dry-run"), help: "Print what would be created, create nothing.") var dryRun = false

    static func plan(partitions: Int32, replication: Int32) -> [NewTopic] {
        var topics: [NewTopic] = []
        for topic in Catalog.topics where !topic.name.contains("<") {
            topics.append(
                topic.compacted
                    ? .compacted(topic.name, partitions: partitions, replicationFactor: replication)
                    : NewTopic(name: topic.name, partitions: partitions, replicationFactor: replication))
        }
        // Every runtime's changelog: the same list the ACLs grant (a worker with two runtimes has two).
        for changelog in KafkaACLs.workers.flatMap(KafkaACLs.changelogs(of:)) {
            topics.append(.compacted(changelog, partitions: partitions, replicationFactor: replication))
        }
        return topics
    }

    func run() async throws {
        let plan = Self.plan(partitions: partitions, replication: replication)
        for topic in plan {
            print(
                "\(topic.name)  partitions \(topic.partitions)  replication \(topic.replicationFactor)"
                    + (topic.config["cleanup.policy"] == "compact" ? "  compacted" : ""))
        }
        guard !dryRun else { return }
        let admin = try KafkaAdmin(configuration: cluster.kafka)
        let existing = Set(try await admin.listTopics().map(\.name))
        let missing = plan.filter { !existing.contains($0.name) }
        try await admin.createTopics(missing)
        print("created \(missing.count) topic(s); \(plan.count - missing.count) existed")
    }
}
