import RelanceKafka

/// Whom an input record is for, from the headers the runtime and `relance dead-letters
/// replay` put on the records they send back to an input topic. Every worker whose group
/// reads the topic sees such a record; only the one it is addressed to handles it.
package enum InputRouting: Equatable {
    /// An event as its publisher wrote it: every reader handles it.
    case ordinary
    /// A dead letter of this worker sent back (`relance-replay-for` names it); `from` is the
    /// dead letter's position, `<topic>/<partition>@<offset>`; `origin` the first dead letter of
    /// its content (`relance-replay-origin`): replays of dead letters that only refused a replay
    /// share it, so that the content is applied once however many of them are replayed.
    case replay(from: String, origin: String)
    /// A replay for another worker, or a copy another consumer group sent to its key's
    /// partition: that worker or group handles it; for this one it is done.
    case notForThisWorker

    /// The dead letter a replayed record comes from (`DeadLetters.replay` writes it).
    static let replayedFromHeader = DeadLetters.replayedFromHeader
    /// The worker a replayed record is for: the one that dead-lettered it.
    static let replayForHeader = DeadLetters.replayForHeader
    /// The first dead letter of a replayed record's content.
    static let replayOriginHeader = DeadLetters.replayOriginHeader
    /// Where a record sent to its key's partition was read first.
    package static let reroutedFromHeader = "relance-rerouted-from"
    /// The consumer group that sent a record to its key's partition, and handles that copy.
    package static let reroutedForHeader = "relance-rerouted-for"

    init(_ message: KafkaMessage, worker: String, group: String) {
        self = .ordinary
        guard !message.headers.isEmpty else { return }
        var replayedFrom: String?
        var origin: String?
        var replayFor: String?
        var reroutedFor: String?
        for header in message.headers {
            guard let value = header.value else { continue }
            switch header.key {
            case Self.replayedFromHeader: replayedFrom = String(decoding: value, as: UTF8.self)
            case Self.replayForHeader: replayFor = String(decoding: value, as: UTF8.self)
            case Self.replayOriginHeader: origin = String(decoding: value, as: UTF8.self)
            case Self.reroutedForHeader: reroutedFor = String(decoding: value, as: UTF8.self)
            default: continue
            }
        }
        if let reroutedFor, reroutedFor != group {
            self = .notForThisWorker
        } else if let replayFor {
            // A replay written before replays were addressed (no `relance-replay-for`) stays
            // ordinary: handled by every reader, its event id deciding duplicates as before.
            self =
                replayFor == worker
                ? replayedFrom.map { .replay(from: $0, origin: origin ?? $0) } ?? .ordinary : .notForThisWorker
        }
    }
}
