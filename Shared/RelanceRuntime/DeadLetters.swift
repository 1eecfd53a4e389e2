import Foundation
import RelanceDomain
import RelanceKafka

/// Listing dead letters and sending chosen ones back to their source topic.
public enum DeadLetters {
    public struct Entry: Sendable {
        /// Where the dead letter itself is, in the dead-letter topic.
        public var partition: Int32
        public var offset: Int64
        public var letter: DeadLetter
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
        let admin = try KafkaAdmin(configuration: kafka)
        guard let described = try await admin.listTopics().first(where: { $0.name == topic }) else {
            throw RuntimeConfiguration.Invalid(description: "topic \(topic) does not exist")
        }
        var entries: [Entry] = []
        var seen: Set<String> = []
        _ = try await TopicReading.readToEnd(
            topic, partitions: described.partitions.map(\.id), kafka: kafka, log: nil
        ) { batch in
            for record in batch {
                guard let value = record.value, let letter = try? DeadLetter.decode(Data(value)) else { continue }
                // On a broker that shows aborted records, a retried batch may have written the
                // same dead letter twice: one entry per source record.
                let source = "\(letter.source.topic)/\(letter.source.partition)@\(letter.source.offset)"
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

    /// Sends each dead letter's original record (key, value, headers) back to its source
    /// topic. A redacted one (it carried a card number, now masked) is refused: the source
    /// must send a corrected event instead.
    public static func replay(_ entries: [Entry], deadLetterTopic: String, producer: KafkaProducer) async throws {
        for entry in entries where entry.letter.redacted {
            throw NotReplayable(
                description: "dead letter \(entry.partition):\(entry.offset) carried a card number, masked when it was "
                    + "kept: it cannot be replayed; the source must send a corrected event")
        }
        for entry in entries {
            let letter = entry.letter
            var headers = letter.headers.map { KafkaHeader(key: $0.key, value: $0.value.map { Array($0) }) }
            headers.removeAll { $0.key == replayedFromHeader }
            headers.append(KafkaHeader(replayedFromHeader, "\(deadLetterTopic)/\(entry.partition)@\(entry.offset)"))
            try await producer.enqueue(
                ProducerMessage(
                    topic: letter.source.topic, key: letter.key.map { Array($0) },
                    value: letter.value.map { Array($0) },
                    headers: headers))
        }
        try await producer.flush()
    }
}
