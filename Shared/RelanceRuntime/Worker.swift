import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka

/// A worker's domain logic, plugged into `WorkerRuntime`.
///
/// Handlers are pure and synchronous: they read the event and the account's state, change
/// the state, and say what to publish and which timers to set through the context. The
/// runtime does everything else (Kafka, transactions, the changelog, deduplication, time).
public protocol Worker: Sendable {
    /// What the worker keeps per account. Encoded as JSON in the changelog.
    associatedtype State: Codable & Sendable
    /// The events it accepts, decoded: an enum with a case per event type, each holding that
    /// type's `EventData` (`EventEnvelope` itself only for tools that pass any event through).
    associatedtype Input: WorkerInput

    /// Names the group, the transactional id, the changelog topic, metrics and logs.
    var name: String { get }
    /// The event topics read. All keyed by account id, all with the same partition count.
    var inputTopics: [String] { get }
    /// Accepted event types (name, version, schema of `data`); anything else, or an event
    /// that does not follow its type's schema, is a dead letter. Default: `Input.eventTypes`.
    var eventTypes: [EventType] { get }
    /// Topics written besides the changelog and the dead-letter topic (default none).
    var outputTopics: [String] { get }
    /// The command types read, each with the roles that may issue it (one is enough). A
    /// command is handled only with a token signed by a configured key whose claims give the
    /// event's merchant and one of these roles; the handler finds the actor in
    /// `context.actor`. Default: none (every input is a fact, read unsigned). The runtime reads
    /// it once, at start.
    var commandRoles: [String: Set<String>] { get }
    /// The roles one command needs, when they depend on more than its type (which payment
    /// command it is); asked only for the types of `commandRoles`. Default:
    /// `commandRoles[event.type]`.
    func requiredRoles(for event: EventEnvelope) -> Set<String>?

    /// One valid, not yet seen event of `event.accountID`, its data decoded. Throwing a
    /// `WorkerRejection` discards every change the call made and sends the event to the
    /// dead-letter topic.
    func handle(_ event: Event<Input>, state: inout State?, context: inout WorkerContext) throws(WorkerRejection)

    /// A timer of this account came due on the clock. Fires once: it is removed in the same
    /// transaction as what the call publishes.
    func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext)
}

extension Worker {
    public var eventTypes: [EventType] { Input.eventTypes }
}

/// The events one worker accepts, as Swift values: usually an enum with a case per event
/// type, decoded by `init(_:)` with `EventEnvelope.decode` (a value that does not decode is
/// a dead letter naming its path, never a trap).
public protocol WorkerInput: Sendable {
    /// The event types (name, version, schema) it decodes.
    static var eventTypes: [EventType] { get }
    /// An event of one of `eventTypes`, already checked against its schema.
    init(_ event: EventEnvelope) throws(EventDataError)
}

/// Any event, undecoded: the input of a tool that handles events without reading their data
/// (a benchmark's echo worker, the runtime's own tests). Its worker lists `eventTypes` itself.
extension EventEnvelope: WorkerInput {
    public static var eventTypes: [EventType] { [] }
    public init(_ event: EventEnvelope) throws(EventDataError) { self = event }
}

/// An accepted event as a handler receives it: the envelope and its data decoded.
public struct Event<Input: Sendable>: Sendable {
    /// The decoded data (the worker's `Input`).
    public let data: Input
    /// The event as read: id, type, version, time, account, merchant, and `data` as JSON.
    public let envelope: EventEnvelope

    public init(_ data: Input, envelope: EventEnvelope) {
        self.data = data
        self.envelope = envelope
    }

    public var eventID: String { envelope.eventID }
    public var type: String { envelope.type }
    public var occurredAt: Date { envelope.occurredAt }
    public var accountID: String { envelope.accountID }
    public var merchantID: String { envelope.merchantID }
}

/// A domain reason to refuse an event that is well-formed (an allocation to an unknown
/// invoice, a command from an actor without the permission).
public struct WorkerRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var message: String
    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(code): \(message)" }
}

/// A durable timer of one account: part of its state, in the changelog.
public struct TimerEntry: Sendable, Equatable {
    /// Unique within the account; scheduling the same id again moves the timer.
    public var id: String
    /// Clock time, milliseconds since 1970-01-01 UTC.
    public var dueAt: Int64
    public var payload: JSONValue

    public init(id: String, dueAt: Int64, payload: JSONValue) {
        self.id = id
        self.dueAt = dueAt
        self.payload = payload
    }

    public var dueDate: Date { Timestamp.date(milliseconds: dueAt) }
}

/// The timer that came due, as given to `Worker.timerFired`.
public struct DueTimer: Sendable, Equatable {
    public var id: String
    public var dueAt: Date
    public var payload: JSONValue
    public var accountID: String
    public var merchantID: String
}

/// An input record a worker keeps because it cannot act on it yet: it names something that
/// comes on another topic, and events on different topics arrive in no set order (a payment
/// read before the invoice it pays). Kept in the worker's state as read, so that if what it
/// waits for never comes it still goes to the dead-letter topic with its original bytes and
/// source (`WorkerContext.deadLetter`), and can be replayed from there.
public struct HeldInput: Sendable, Codable, Equatable {
    public var source: DeadLetter.Source
    public var key: Data?
    public var value: Data?
    public var headers: [DeadLetter.Header]

    /// A record as read.
    init(_ message: KafkaMessage) {
        source = .init(topic: message.topic, partition: message.partition, offset: message.offset)
        key = message.key.map { Data($0) }
        value = message.value.map { Data($0) }
        headers = message.headers.map { DeadLetter.Header(key: $0.key, value: $0.value.map { Data($0) }) }
    }

    /// The event again, read and checked as the runtime read it.
    public func event(types: [EventType]) -> EventEnvelope? {
        guard let value else { return nil }
        return try? EventValidator(types: types, maximumBytes: .max).read(Array(value)).get()
    }
}

/// One record to publish, built by a handler.
public struct OutputRecord: Sendable {
    public var topic: String
    public var key: [UInt8]?
    /// Nil: a tombstone (on a compacted topic, forget the key).
    public var value: [UInt8]?
    public var headers: [(key: String, value: String)]

    public init(topic: String, key: [UInt8]?, value: [UInt8]?, headers: [(key: String, value: String)] = []) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
    }
}

/// What a handler sees and says during one call.
public struct WorkerContext: Sendable {
    /// The worker's clock: the latest time read from the clock topic for this partition.
    public let now: Date
    public let accountID: String
    public let merchantID: String
    /// The input event id, or the timer's identity: the root of every derived event id.
    public let causeID: String
    public private(set) var outputs: [OutputRecord] = []
    /// The account's pending timers, as the handler leaves them.
    public private(set) var timers: [TimerEntry]
    /// Held inputs given up on during this call, with why: the runtime writes each to the
    /// dead-letter topic in the same transaction as the rest.
    public private(set) var deadLetters: [(input: HeldInput, reason: DeadLetter.Reason)] = []
    /// The record being handled (nil in a timer).
    let input: KafkaMessage?
    /// Who issued the command being handled, from its verified token's claims (nil for an
    /// event that is not a command, and in a timer). `verified` is false only for an unsigned
    /// command accepted with RELANCE_UNSIGNED_COMMANDS=warn.
    public internal(set) var actor: CommandActor?

    init(
        now: Date, accountID: String, merchantID: String, causeID: String, timers: [TimerEntry],
        input: KafkaMessage? = nil
    ) {
        self.now = now
        self.accountID = accountID
        self.merchantID = merchantID
        self.causeID = causeID
        self.timers = timers
        self.input = input
    }

    /// The record being handled, to keep in state until it can be acted on (nil in a timer).
    public func holdInput() -> HeldInput? {
        input.map(HeldInput.init)
    }

    /// Gives up on a held input: it goes to the dead-letter topic with this reason.
    public mutating func deadLetter(_ input: HeldInput, code: String, message: String) {
        deadLetters.append((input, DeadLetter.Reason(code: code, message: message)))
    }

    /// Publishes an event in the Relance envelope, keyed by its account (or by `key`, e.g. an item id on a compacted topic). Its id is derived
    /// from the cause and the position of this call, so that processing the cause again
    /// (after a crash) yields the same id and readers can drop the copy.
    @discardableResult
    public mutating func emit(
        _ type: String, version: Int = 1, to topic: String, data: JSONValue, accountID: String? = nil,
        merchantID: String? = nil, key: String? = nil
    ) -> EventEnvelope {
        let event = EventEnvelope(
            eventID: EventIDs.derived(from: causeID, index: outputs.count), type: type, schemaVersion: version,
            occurredAt: now, accountID: accountID ?? self.accountID, merchantID: merchantID ?? self.merchantID,
            data: data)
        outputs.append(OutputRecord(topic: topic, key: Array((key ?? event.accountID).utf8), value: event.jsonBytes))
        return event
    }

    /// Publishes typed event data (its type and version are `T.eventType`'s) in the Relance
    /// envelope, as `emit(_:version:to:data:accountID:merchantID:key:)` does; the data is
    /// written straight to JSON bytes (members in declaration order, absent optionals left out).
    public mutating func emit<T: EventData>(
        _ data: T, to topic: String, accountID: String? = nil, merchantID: String? = nil, key: String? = nil
    ) {
        if T.writesFast {
            // A type with many optional members writes itself (`EventDataFastPaths.swift`).
            emit(
                T.eventType.name, version: T.eventType.version, to: topic, accountID: accountID,
                merchantID: merchantID, key: key
            ) { data.writeFast(into: &$0) }
            return
        }
        guard let bytes = try? StateCoding.eventJSON(data) else {
            // Only a type whose own `encode(to:)` uses containers out of order.
            emit(
                T.eventType.name, version: T.eventType.version, to: topic, data: EventDataEncoder.encode(data),
                accountID: accountID, merchantID: merchantID, key: key)
            return
        }
        emit(
            T.eventType.name, version: T.eventType.version, to: topic, encodedData: bytes, accountID: accountID,
            merchantID: merchantID, key: key)
    }

    /// Like `emit(_:version:to:data:accountID:merchantID:key:)`, with `data` already written
    /// as JSON (`encodedData`, not checked again): for a handler that needed those bytes
    /// first, e.g. to see whether a compacted topic's value changed.
    public mutating func emit(
        _ type: String, version: Int = 1, to topic: String, encodedData: [UInt8], accountID: String? = nil,
        merchantID: String? = nil, key: String? = nil
    ) {
        emit(
            type, version: version, to: topic, accountID: accountID, merchantID: merchantID, key: key,
            dataByteCount: encodedData.count
        ) { $0.encoded(encodedData) }
    }

    /// Like `emit(_:version:to:data:accountID:merchantID:key:)`, with `data` written by
    /// `writeData` straight into the event's bytes (one JSON value, e.g. an object from
    /// `beginObject` to `endObject`): for a handler on a hot path, with no `JSONValue` built.
    /// `dataByteCount` is about the size of `data`, for reserving the buffer once.
    public mutating func emit(
        _ type: String, version: Int = 1, to topic: String, accountID: String? = nil, merchantID: String? = nil,
        key: String? = nil, dataByteCount: Int = 256, writeData: (inout JSONOutput) -> Void
    ) {
        let accountID = accountID ?? self.accountID
        let value = EventEnvelope.jsonBytes(
            eventID: EventIDs.derived(from: causeID, index: outputs.count), type: type, schemaVersion: version,
            occurredAt: now, accountID: accountID, merchantID: merchantID ?? self.merchantID,
            dataByteCount: dataByteCount, writeData: writeData)
        outputs.append(OutputRecord(topic: topic, key: Array((key ?? accountID).utf8), value: value))
    }

    /// Publishes a raw record, e.g. the latest status of a key on a compacted topic.
    public mutating func publish(_ record: OutputRecord) {
        outputs.append(record)
    }

    /// An id derived from the cause, stable across reprocessing, for idempotency keys
    /// (charge requests, email Message-IDs).
    public func derivedID(_ purpose: String) -> String {
        EventIDs.derived(from: causeID + "|" + purpose, index: 0)
    }

    /// Sets (or moves) the timer `id` of this account.
    public mutating func schedule(_ id: String, at date: Date, payload: JSONValue = .null) {
        let due = Timestamp.milliseconds(date)
        timers.removeAll { $0.id == id }
        timers.append(TimerEntry(id: id, dueAt: due, payload: payload))
    }

    public mutating func cancelTimer(_ id: String) {
        timers.removeAll { $0.id == id }
    }

    public func timer(_ id: String) -> TimerEntry? { timers.first { $0.id == id } }
}

/// Stable ids and hashes: the same on every machine and every run (unlike `Hasher`).
public enum EventIDs {
    /// FNV-1a, 64 bits.
    public static func hash<S: Sequence>(_ bytes: S, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64
    where S.Element == UInt8 {
        var hash = seed
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    public static func hash(_ text: String) -> UInt64 { hash(text.utf8) }

    /// A UUID-shaped id (128 bits from two seeded hashes) for the `index`th output of `cause`.
    public static func derived(from cause: String, index: Int) -> String {
        var text = Array(cause.utf8)
        text.append(UInt8(ascii: "#"))
        text += String(index).utf8
        let high = hash(text)
        let low = hash(text, seed: 0x8422_2325_cbf2_9ce4)
        let digits: StaticString = "0123456789abcdef"
        var out = [UInt8](repeating: UInt8(ascii: "-"), count: 36)
        var position = 0
        for (word, shift) in [(high, 0), (low, 64)] {
            for nibble in 0..<16 {
                let bit = shift + nibble * 4
                if bit == 32 || bit == 48 || bit == 64 || bit == 80 { position += 1 }  // 8-4-4-4-12
                let value = Int((word >> UInt64(60 - nibble * 4)) & 0xF)
                out[position] = digits.utf8Start[value]
                position += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
