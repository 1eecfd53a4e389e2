import Foundation

/// An input a worker could not process, as it goes to the dead-letter topic: the original
/// bytes and headers, why it was refused, and where it came from, so that it can be fixed and
/// replayed to its source topic.
///
/// One exception to "the original bytes": an input refused because it carried a card number
/// is kept with the digits of every card number replaced by `X` (all but the last four), in
/// key, value and headers, and `redacted` is true. A card number never enters Relance, not
/// even its dead-letter topic.
public struct DeadLetter: Sendable, Equatable, Codable {
    public struct Source: Sendable, Equatable, Codable {
        public var topic: String
        public var partition: Int32
        public var offset: Int64
        public init(topic: String, partition: Int32, offset: Int64) {
            self.topic = topic
            self.partition = partition
            self.offset = offset
        }
    }

    public struct Header: Sendable, Equatable, Codable {
        public var key: String
        public var value: Data?
        public init(key: String, value: Data?) {
            self.key = key
            self.value = value
        }
    }

    public struct Reason: Sendable, Equatable, Codable {
        /// Stable, e.g. `negative_amount` (see `InputRejection.code`).
        public var code: String
        /// For people: what is wrong and where.
        public var message: String
        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    public var reason: Reason
    public var source: Source
    public var key: Data?
    public var value: Data?
    public var headers: [Header]
    /// The worker that refused it, e.g. `payment-retry`.
    public var worker: String
    public var failedAt: Date
    /// True when card numbers were masked out of the kept bytes.
    public var redacted: Bool

    public init(
        rejection: InputRejection, source: Source, key: [UInt8]?, value: [UInt8]?,
        headers: [(key: String, value: [UInt8]?)], worker: String, failedAt: Date
    ) {
        self.init(
            reason: Reason(code: rejection.code, message: rejection.description), source: source, key: key,
            value: value, headers: headers, worker: worker, failedAt: failedAt)
    }

    public init(
        reason: Reason, source: Source, key: [UInt8]?, value: [UInt8]?,
        headers: [(key: String, value: [UInt8]?)], worker: String, failedAt: Date
    ) {
        let mask = { (bytes: [UInt8]) -> [UInt8] in CardNumberDetector.redacted(bytes) }
        let keptKey = key.map(mask)
        let keptValue = value.map(mask)
        let keptHeaders = headers.map { Header(key: $0.key, value: $0.value.map(mask).map { Data($0) }) }
        self.reason = reason
        self.source = source
        self.key = keptKey.map { Data($0) }
        self.value = keptValue.map { Data($0) }
        self.headers = keptHeaders
        self.worker = worker
        self.failedAt = failedAt
        self.redacted =
            keptKey != key || keptValue != value
            || zip(keptHeaders, headers).contains { $0.value != $1.value.map { Data($0) } }
    }

    /// The JSON written to the dead-letter topic (bytes in base64, dates in ISO 8601).
    public func encoded() throws -> Data { try RecordJSON.encode(self) }

    public static func decode(_ data: Data) throws -> DeadLetter { try RecordJSON.decode(data) }
}

/// The JSON of the records outside the envelope (dead letters, replay outcomes): members
/// sorted, bytes in base64, dates in ISO 8601.
enum RecordJSON {
    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(value)
    }

    static func decode<T: Decodable>(_ data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: data)
    }
}

/// What a worker did with a dead letter sent back to it (`relance dead-letters replay`),
/// written to the replay-outcome topic in the same transaction as the handling, so that
/// the command can say what happened to each one it replayed.
public struct ReplayOutcome: Sendable, Equatable, Codable {
    public enum Result: String, Sendable, Codable, CaseIterable {
        /// The worker handled the record as new input (it may still hold it, as
        /// reconciliation holds a payment for an invoice not yet read).
        case handled
        /// This dead letter had been replayed and handled before: not applied again.
        case alreadyReplayed = "already_replayed"
        /// Refused again: a new dead letter, with `reason`.
        case deadLettered = "dead_lettered"
    }

    /// `<dead-letter topic>/<partition>@<offset>`: the dead letter that was replayed.
    public var deadLetter: String
    public var worker: String
    /// The first dead letter of the replayed content (`relance-replay-origin`), when it is not
    /// `deadLetter` itself.
    public var origin: String?
    /// The event's id when the record could be read as an event.
    public var eventID: String?
    public var result: Result
    public var reason: DeadLetter.Reason?
    public var at: Date

    enum CodingKeys: String, CodingKey {
        case deadLetter, origin, worker
        case eventID = "eventId"
        case result, reason, at
    }

    public init(
        deadLetter: String, origin: String? = nil, worker: String, eventID: String?, result: Result,
        reason: DeadLetter.Reason? = nil, at: Date
    ) {
        self.deadLetter = deadLetter
        self.origin = origin
        self.worker = worker
        self.eventID = eventID
        self.result = result
        self.reason = reason
        self.at = at
    }

    public func encoded() throws -> Data { try RecordJSON.encode(self) }

    public static func decode(_ data: Data) throws -> ReplayOutcome { try RecordJSON.decode(data) }
}
