import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka

/// Listing dead letters and sending chosen ones back to their source topic.
public enum DeadLetters {
    public struct Entry: Sendable {
        /// Where the dead letter itself is, in the dead-letter topic.
        public var partition: Int32
        public var offset: Int64
        public var letter: DeadLetter

        public init(partition: Int32, offset: Int64, letter: DeadLetter) {
            self.partition = partition
            self.offset = offset
            self.letter = letter
        }
    }

    /// Which dead letters: every criterion given must hold.
    public struct Selection: Sendable {
        public var reasons: Set<String> = []
        public var sourceTopics: Set<String> = []
        public var workers: Set<String> = []
        /// `partition:offset` positions in the dead-letter topic.
        public var positions: Set<String> = []
        public init() {}

        func matches(_ entry: Entry) -> Bool {
            (reasons.isEmpty || reasons.contains(entry.letter.reason.code))
                && (sourceTopics.isEmpty || sourceTopics.contains(entry.letter.source.topic))
                && (workers.isEmpty || workers.contains(entry.letter.worker))
                && (positions.isEmpty || positions.contains("\(entry.partition):\(entry.offset)"))
        }
    }

    /// The dead letters now in `topic` that match. Records that are not dead letters are
    /// skipped.
    public static func list(topic: String, selection: Selection = Selection(), kafka: KafkaConfiguration)
        async throws -> [Entry]
    {
        guard let partitions = try await TopicReading.partitions(of: topic, kafka: kafka) else {
            throw RuntimeConfiguration.Invalid(description: "topic \(topic) does not exist")
        }
        var entries: [Entry] = []
        var seen: Set<String> = []
        _ = try await TopicReading.readToEnd(
            topic, partitions: partitions, kafka: kafka, log: nil
        ) { batch in
            for record in batch {
                guard let value = record.value, let letter = try? DeadLetter.decode(Data(value)) else { continue }
                // On a broker that shows aborted records, a retried batch may have written the
                // same dead letter twice: one entry per source record and worker (several
                // workers read one topic, and each may refuse the same record).
                let source =
                    "\(letter.worker)|\(letter.source.topic)/\(letter.source.partition)@\(letter.source.offset)"
                guard seen.insert(source).inserted else { continue }
                let entry = Entry(partition: record.partition, offset: record.offset, letter: letter)
                if selection.matches(entry) { entries.append(entry) }
            }
        }
        return entries
    }

    public struct NotReplayable: Error, CustomStringConvertible {
        public var description: String
    }

    /// Header on a replayed record: where its dead letter was.
    public static let replayedFromHeader = "relance-replayed-from"
    /// Header on a replayed record: the worker it is for, the one that refused it. The other
    /// workers reading the source topic skip it (they handled the original already).
    public static let replayForHeader = "relance-replay-for"
    /// Header on a replayed record: the first dead letter of its content. A dead letter the
    /// runtime writes when it refuses a replayed record (before any handling) keeps it, so
    /// replaying that one and the first one applies the content once; a held input a handler
    /// gives up starts a new origin (it was handled).
    public static let replayOriginHeader = "relance-replay-origin"

    /// The first dead letter of this one's content: its `relance-replay-origin`, else its own
    /// position.
    public static func origin(_ entry: Entry, topic: String) -> String {
        entry.letter.headers.first { $0.key == replayOriginHeader }?.value
            .map { String(decoding: $0, as: UTF8.self) } ?? position(entry, topic: topic)
    }

    /// `<topic>/<partition>@<offset>` of a dead letter: how replay outcomes name it.
    public static func position(_ entry: Entry, topic: String) -> String {
        "\(topic)/\(entry.partition)@\(entry.offset)"
    }

    /// Sends each dead letter's original record (key, value, headers) back to its source
    /// topic, addressed to the worker that refused it: that worker handles it as new input,
    /// once (a second replay of the same dead letter is not applied again). A redacted one
    /// (it carried a card number, now masked) is refused: the source must send a corrected
    /// event instead.
    ///
    /// `signer` signs each replayed record (`relance-replay-authorization`: a token over its
    /// value and the dead letter's position, with the `dead-letter-replay` role): workers
    /// refuse unsigned replays unless RELANCE_UNSIGNED_COMMANDS=warn. A replayed command keeps
    /// its own token, which must still be valid.
    public static func replay(
        _ entries: [Entry], deadLetterTopic: String, producer: KafkaProducer, signer: CommandSigner?,
        audience: String = "relance", lifetime: TimeInterval = 300
    ) async throws {
        for entry in entries where entry.letter.redacted {
            throw NotReplayable(
                description: "dead letter \(entry.partition):\(entry.offset) carried a card number, masked when it was "
                    + "kept: it cannot be replayed; the source must send a corrected event")
        }
        let routing: Set = [
            replayedFromHeader, replayForHeader, replayOriginHeader, InputRouting.reroutedFromHeader,
            InputRouting.reroutedForHeader, CommandHeaders.replayAuthorization,
        ]
        for entry in entries {
            let letter = entry.letter
            var headers = letter.headers.map { KafkaHeader(key: $0.key, value: $0.value.map { Array($0) }) }
            // Where the record was before is history: the replay has its own routing.
            headers.removeAll { routing.contains($0.key) || $0.key == Changelog.transactionHeader }
            headers.append(KafkaHeader(replayedFromHeader, position(entry, topic: deadLetterTopic)))
            headers.append(KafkaHeader(replayOriginHeader, origin(entry, topic: deadLetterTopic)))
            headers.append(KafkaHeader(replayForHeader, letter.worker))
            if let signer {
                let token = signer.token(
                    for: letter.value.map { Array($0) } ?? [], eventID: nil, audience: audience, lifetime: lifetime,
                    replayOf: position(entry, topic: deadLetterTopic))
                headers.append(KafkaHeader(CommandHeaders.replayAuthorization, token))
            }
            try await producer.enqueue(
                ProducerMessage(
                    topic: letter.source.topic, key: letter.key.map { Array($0) },
                    value: letter.value.map { Array($0) },
                    headers: headers))
        }
        try await producer.flush()
    }

    /// The end offsets of `topic`'s partitions now: where outcomes of replays sent after
    /// this start.
    public static func outcomeStart(topic: String, kafka: KafkaConfiguration) async throws -> [Int32: Int64]? {
        guard let partitions = try await TopicReading.partitions(of: topic, kafka: kafka) else { return nil }
        let consumer = try KafkaConsumer(configuration: ConsumerConfiguration(kafka: kafka, groupID: nil))
        defer { Task { try? await consumer.close() } }
        let watermarks = try await consumer.watermarks(partitions.map { TopicPartition(topic, $0) })
        return Dictionary(uniqueKeysWithValues: zip(partitions, watermarks.map(\.1)))
    }

    /// The origins (`origin(_:topic:)`) of the dead letters whose content a worker has already
    /// handled from a replay, from the whole replay-outcome topic: `relance dead-letters
    /// replay` does not send those again (unless told to), however long ago that was.
    public static func handledOrigins(topic: String, kafka: KafkaConfiguration) async throws -> Set<String> {
        guard let partitions = try await TopicReading.partitions(of: topic, kafka: kafka) else { return [] }
        var origins: Set<String> = []
        try await TopicReading.readToEnd(topic, partitions: partitions, kafka: kafka, log: nil) {
            batch in
            for record in batch {
                guard let value = record.value, let outcome = try? ReplayOutcome.decode(Data(value)),
                    outcome.result == .handled
                else { continue }
                origins.insert(outcome.origin ?? outcome.deadLetter)
            }
        }
        return origins
    }

    /// Reads `topic` from `start` until an outcome has come for every dead letter in
    /// `positions`, or until `timeout`. The first outcome of each counts.
    public static func awaitOutcomes(
        _ positions: Set<String>, topic: String, start: [Int32: Int64], kafka: KafkaConfiguration,
        timeout: Duration
    ) async throws -> [String: ReplayOutcome] {
        var configuration = ConsumerConfiguration(kafka: kafka, groupID: nil)
        configuration.isolationLevel = .readCommitted
        let consumer = try KafkaConsumer(configuration: configuration)
        defer { Task { try? await consumer.close() } }
        try await consumer.assign(start.map { TopicPartitionOffset(topic, $0.key, offset: $0.value) })
        var outcomes: [String: ReplayOutcome] = [:]
        let deadline = ContinuousClock.now + timeout
        while outcomes.count < positions.count && ContinuousClock.now < deadline {
            for record in try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(200)) {
                guard let value = record.value, let outcome = try? ReplayOutcome.decode(Data(value)),
                    positions.contains(outcome.deadLetter), outcomes[outcome.deadLetter] == nil
                else { continue }
                outcomes[outcome.deadLetter] = outcome
            }
        }
        return outcomes
    }
}
