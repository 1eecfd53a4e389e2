import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka

/// The open batch's records on their way to the producer, in the batch's transaction (Kafka
/// Streams' `RecordCollector`): outputs, dead letters, rerouted copies and replay outcomes,
/// each with its partition's transaction header, and what the batch counted. The runtime
/// hands the collected records to the producer when the previous batch's commit is done
/// (`WorkerRuntime.flushOutbox`).
struct RecordCollector {
    let deadLetterTopic: String
    let worker: String
    /// The open transaction, `<instance>-<generation>-<sequence>`.
    private(set) var transactionID = ""
    private var headers: [Int32: KafkaHeader] = [:]
    /// Records of the open batch not yet handed to the producer: held while the previous
    /// batch's commit is still running.
    private(set) var outbox: [ProducerMessage] = []
    var counts = Counts()

    /// What a batch did, pushed to the metrics once it is committed.
    struct Counts {
        var eventsIn = 0
        var eventsOut = 0
        var duplicates = 0
        var rerouted = 0
        var replays: [String: Int] = [:]
        var timersFired = 0
        var deadLetters: [String: Int] = [:]
        /// Commands and replays checked, by result (`verified`, `unsigned_accepted`,
        /// `unauthenticated`, `forbidden`).
        var commandAuth: [String: Int] = [:]
    }

    init(deadLetterTopic: String, worker: String) {
        self.deadLetterTopic = deadLetterTopic
        self.worker = worker
    }

    /// A new batch's transaction.
    mutating func begin(transactionID: String) {
        self.transactionID = transactionID
        headers.removeAll(keepingCapacity: true)
    }

    /// `relance-txn: <transaction>/<partition>`, made once per partition and transaction.
    mutating func transactionHeader(_ partition: Int32) -> KafkaHeader {
        if let header = headers[partition] { return header }
        let header = KafkaHeader(Changelog.transactionHeader, "\(transactionID)/\(partition)")
        headers[partition] = header
        return header
    }

    /// A record of the batch as it is (its headers already given).
    mutating func append(_ record: ProducerMessage) {
        outbox.append(record)
    }

    /// A handler's outputs, each with the transaction header of `partition`.
    mutating func publish(_ outputs: [OutputRecord], partition: Int32) {
        guard !outputs.isEmpty else { return }
        let header = transactionHeader(partition)
        for output in outputs {
            outbox.append(
                ProducerMessage(
                    topic: output.topic, key: output.key, value: output.value,
                    headers: output.headers.isEmpty
                        ? [header] : output.headers.map { KafkaHeader($0.key, $0.value) } + [header]))
        }
        counts.eventsOut += outputs.count
    }

    /// The record as read (card numbers masked), why, and where it came from.
    mutating func deadLetter(_ input: HeldInput, _ reason: DeadLetter.Reason, partition: Int32) throws -> DeadLetter {
        let letter = input.deadLetter(reason, worker: worker, failedAt: Date())
        outbox.append(
            ProducerMessage(
                topic: deadLetterTopic, key: letter.key.map(Array.init), value: Array(try letter.encoded()),
                headers: [transactionHeader(partition)]))
        counts.deadLetters[letter.reason.code, default: 0] += 1
        return letter
    }

    /// The records collected so far, handed to the producer.
    mutating func take() -> [ProducerMessage] {
        let records = outbox
        outbox.removeAll(keepingCapacity: true)
        return records
    }

    /// Drops the records not handed over yet (an aborted batch).
    mutating func discard() {
        outbox.removeAll(keepingCapacity: true)
    }
}
