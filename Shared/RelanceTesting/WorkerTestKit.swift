import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime

/// Runs a `Worker` with the runtime's semantics and no Kafka: for a worker's rule and
/// scenario tests, which then run in milliseconds.
///
/// Every record goes through the code `WorkerRuntime` runs — `EventAdmission` (empty records,
/// card numbers in the key or headers, the event's schema, the key being the account, the
/// command's token and roles) and `AccountStep` (deduplication by event id, a rejection
/// discarding every change of the call, held inputs) — and timers come due on a clock the
/// test moves, in due order, as they do on the runtime's clock ticks. What the kit leaves
/// out is Kafka's part: transactions, the changelog, partitions (every record is on partition
/// 0 of its topic, at the next offset) and restarts.
///
/// ```swift
/// let kit = WorkerTestKit(LedgerWorker(), startingAt: start)
/// #expect(try kit.publish(deposit, to: "t.deposits") == .applied(eventID: deposit.eventID))
/// #expect(try kit.publish(deposit, to: "t.deposits") == .duplicate(eventID: deposit.eventID))
/// try kit.advance(by: .days(7))
/// #expect(kit.events(on: "t.balances").map(\.type) == ["test.balance", "test.reminder"])
/// ```
public final class WorkerTestKit<W: Worker> {
    /// The worker under test.
    public let worker: W
    let admission: EventAdmission<W>
    let step: AccountStep<W>
    let store = PartitionStore<W.State>(partition: 0)
    /// Signs the commands of `publish(command:to:as:)` and the replays of `replay(_:as:)`.
    let signer: CommandSigner
    /// The consumer group the runtime would use: rerouted copies for other groups are skipped.
    let group: String
    /// The audience command tokens are signed for and checked against.
    let audience = "relance"
    var nextOffsets: [String: Int64] = [:]
    var published: [String: [OutputRecord]] = [:]

    /// Held inputs given up and records refused, as the runtime writes them to the
    /// dead-letter topic (card numbers masked, the original bytes otherwise), oldest first.
    /// `replay(deadLetterAt:as:)` sends one back.
    public private(set) var deadLetters: [DeadLetter] = []
    /// Dead letters forgotten by `removeOutputs()`: the next one's offset starts after them.
    var removedDeadLetters = 0

    /// The dead-letter topic named in replayed records' positions.
    public let deadLetterTopic = "relance.dead-letters"

    /// What became of one published record.
    public enum Outcome: Sendable, Equatable {
        /// Handled: the account's state, timers and the outputs are the handler's.
        case applied(eventID: String)
        /// Its event id (with the replay origin, for a replayed dead letter) was seen on the
        /// account recently: nothing done.
        case duplicate(eventID: String)
        /// Refused (by the runtime's checks or by the handler's `WorkerRejection`): a dead
        /// letter with this code and reason; nothing else changed. `eventID` once the record
        /// was read as an event.
        case deadLettered(eventID: String?, code: String, reason: String)
        /// A replay for another worker, or a copy another consumer group sent to its key's
        /// partition: skipped, as the runtime does.
        case notForThisWorker
    }

    /// `startingAt`: the worker's clock at the start (on the runtime, events are handled only
    /// once their partition has read a first clock tick; here that tick is this time).
    /// `unsignedCommands`: as `RuntimeConfiguration.unsignedCommands`. `trusting`: further
    /// keys whose tokens the kit accepts (its own signs `publish(command:to:as:)`), for
    /// records whose `relance-authorization` header a test signs itself.
    public init(
        _ worker: W, startingAt start: Date, unsignedCommands: UnsignedCommands = .refuse,
        trusting signers: [CommandSigner] = [], maximumEventBytes: Int = 1 << 20
    ) {
        self.worker = worker
        let signer = CommandSigner(
            generating: .eddsa, keyID: "relance-testing", subject: "relance-testing", roles: [], merchants: [])
        self.signer = signer
        let jwks = JSONValue.object([("keys", .array(([signer] + signers).map(\.publicJWK)))]).jsonBytes
        // The kit's own key set is well-formed; a trusted signer's key that is not leaves the
        // kit with none (every command refused as unauthenticated, which a test sees).
        let keys = try? CommandKeySet(jwks: jwks)
        admission = EventAdmission(
            worker: worker, maximumEventBytes: maximumEventBytes, commandKeys: keys, audience: audience,
            unsignedCommands: unsignedCommands)
        step = AccountStep(worker: worker)
        group = "relance-\(worker.name)"
        store.clock = Timestamp.milliseconds(start)
    }

    // MARK: Input

    /// Publishes an event (its JSON as `EventEnvelope.jsonBytes` writes it), keyed by its
    /// account, on `topic`.
    @discardableResult
    public func publish(_ event: EventEnvelope, to topic: String, headers: [(key: String, value: [UInt8]?)] = [])
        throws -> Outcome
    {
        try publish(key: Array(event.accountID.utf8), value: event.jsonBytes, headers: headers, to: topic)
    }

    /// Publishes a record as it would be read from Kafka: any key, value and headers, to test
    /// what the runtime refuses (an empty record, a card number in the key, a schema
    /// violation, a key that is not the account).
    @discardableResult
    public func publish(
        key: [UInt8]?, value: [UInt8]?, headers: [(key: String, value: [UInt8]?)] = [], to topic: String
    ) throws -> Outcome {
        try handle(record(topic: topic, key: key, value: value, headers: headers))
    }

    /// Publishes a command issued by `actor`: signed by the kit's key for this event, with the
    /// actor's roles and merchants, and checked as the runtime checks it (the event's merchant,
    /// one of `worker.requiredRoles(for:)`). The handler finds the actor in `context.actor`.
    @discardableResult
    public func publish(command event: EventEnvelope, to topic: String, as actor: TestActor) throws -> Outcome {
        let value = event.jsonBytes
        let token = sign(actor, value: value, eventID: event.eventID, replayOf: nil)
        return try publish(
            key: Array(event.accountID.utf8), value: value,
            headers: [(CommandHeaders.authorization, Array(token.utf8))], to: topic)
    }

    /// Sends the dead letter at `index` of `deadLetters` back to its source topic, for this
    /// worker, as `relance dead-letters replay` does: signed by `actor` (who needs the
    /// `dead-letter-replay` role and the event's merchant), its headers as read plus the
    /// replay's. The content is applied once however many of its dead letters are replayed.
    @discardableResult
    public func replay(deadLetterAt index: Int, as actor: TestActor = .replayer) throws -> Outcome {
        guard deadLetters.indices.contains(index) else {
            throw TestKitError("no dead letter at \(index): there are \(deadLetters.count)")
        }
        let letter = deadLetters[index]
        let position = "\(deadLetterTopic)/0@\(removedDeadLetters + index)"
        let origin =
            letter.headers.first { $0.key == DeadLetters.replayOriginHeader }?.value
            .map { String(decoding: $0, as: UTF8.self) } ?? position
        let routing: Set = [
            DeadLetters.replayedFromHeader, DeadLetters.replayForHeader, DeadLetters.replayOriginHeader,
            InputRouting.reroutedFromHeader, InputRouting.reroutedForHeader, CommandHeaders.replayAuthorization,
            Changelog.transactionHeader,
        ]
        var headers = letter.headers.filter { !routing.contains($0.key) }.map { ($0.key, $0.value.map(Array.init)) }
        headers.append((DeadLetters.replayedFromHeader, Array(position.utf8)))
        headers.append((DeadLetters.replayOriginHeader, Array(origin.utf8)))
        headers.append((DeadLetters.replayForHeader, Array(letter.worker.utf8)))
        let value = letter.value.map(Array.init)
        let token = sign(actor, value: value ?? [], eventID: nil, replayOf: position)
        headers.append((CommandHeaders.replayAuthorization, Array(token.utf8)))
        return try publish(key: letter.key.map(Array.init), value: value, headers: headers, to: letter.source.topic)
    }

    // MARK: Time

    /// The worker's clock.
    public var now: Date { Timestamp.date(milliseconds: store.clock) }

    /// Moves the clock to `date`, as one clock tick does on the runtime: every timer due by
    /// then fires, in due order, each seeing `date` as `context.now`. A time not after the
    /// clock's changes nothing (the clock never goes back).
    public func advance(to date: Date) throws {
        let time = Timestamp.milliseconds(date)
        guard time > store.clock else { return }
        store.clock = time
        while var due = store.popDueTimer() {
            let effects = try step.fire(due.timer, of: due.accountID, record: &due.record, now: now)
            store.put(due.accountID, due.record, previousTimers: effects.previousTimers)
            collect(effects)
        }
    }

    /// Moves the clock forward by `duration` (one tick; see `advance(to:)`).
    public func advance(by duration: Duration) throws {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        try advance(to: Timestamp.date(milliseconds: store.clock + milliseconds))
    }

    // MARK: What the worker did

    /// Every record written to `topic` so far, oldest first.
    public func records(on topic: String) -> [OutputRecord] { published[topic] ?? [] }

    /// The records of `topic` that are events in the envelope, read back.
    public func events(on topic: String) -> [EventEnvelope] {
        records(on: topic).compactMap { $0.value.flatMap(Self.envelope) }
    }

    /// Topics written so far.
    public var outputTopics: [String] { published.keys.sorted() }

    /// Forgets the outputs and dead letters so far (the state, timers and clock stay).
    public func removeOutputs() {
        published.removeAll()
        removedDeadLetters += deadLetters.count
        deadLetters.removeAll()
    }

    /// The state of an account (nil: none yet, or the handler left none).
    public func state(of accountID: String) throws -> W.State? {
        try store.accounts[accountID]?.slot.state()
    }

    /// The account's pending timers.
    public func timers(of accountID: String) -> [TimerEntry] {
        store.accounts[accountID]?.timers ?? []
    }

    // MARK: The runtime's path

    /// `WorkerRuntime.handle(_:_:)` without Kafka: routed, a replay's token checked, then
    /// admitted, authorized and applied.
    func handle(_ record: InputRecord) throws -> Outcome {
        switch admission.route(record, group: group) {
        case .notForThisWorker:
            return .notForThisWorker
        case .ordinary:
            return try handle(record, replayOrigin: nil, replayer: nil)
        case .replay(let from, let origin):
            switch admission.checkReplay(of: from, record, now: Date()) {
            case .refused(let failure):
                return reject(record, eventID: nil, code: failure.code, reason: failure.message)
            case .unsignedAccepted:
                return try handle(record, replayOrigin: origin, replayer: nil)
            case .verified(let replayer):
                return try handle(record, replayOrigin: origin, replayer: replayer)
            }
        }
    }

    func handle(_ record: InputRecord, replayOrigin: String?, replayer: CommandActor?) throws -> Outcome {
        let event: EventEnvelope
        switch admission.admit(record) {
        case .refused(let eventID, let reason):
            return reject(record, eventID: eventID, code: reason.code, reason: reason.message)
        case .event(let admitted):
            event = admitted
        }
        var actor: CommandActor?
        switch admission.authorize(event, record, replayer: replayer, now: Date()) {
        case .fact:
            break
        case .replayForbidden(let failure):
            return reject(record, eventID: event.eventID, code: failure.code, reason: failure.message)
        case .command(let check):
            switch check {
            case .refused(let failure):
                return reject(record, eventID: event.eventID, code: failure.code, reason: failure.message)
            case .unsignedAccepted(let issuer), .verified(let issuer):
                actor = issuer
            }
        }
        var account = store.accounts[event.accountID] ?? AccountRecord()
        switch try step.apply(
            event, to: &account, now: now, replayOrigin: replayOrigin, actor: actor, input: record)
        {
        case .duplicate:
            return .duplicate(eventID: event.eventID)
        case .rejected(let rejection):
            return reject(record, eventID: event.eventID, code: rejection.code, reason: rejection.message)
        case .applied(let effects):
            store.put(event.accountID, account, previousTimers: effects.previousTimers)
            collect(effects)
            return .applied(eventID: event.eventID)
        }
    }

    func reject(_ record: InputRecord, eventID: String?, code: String, reason: String) -> Outcome {
        let why = DeadLetter.Reason(code: code, message: reason)
        deadLetters.append(HeldInput(record).deadLetter(why, worker: worker.name, failedAt: now))
        return .deadLettered(eventID: eventID, code: code, reason: reason)
    }

    func collect(_ effects: StepEffects) {
        for output in effects.outputs { published[output.topic, default: []].append(output) }
        for (input, reason) in effects.deadLetters {
            deadLetters.append(input.deadLetter(reason, worker: worker.name, failedAt: now))
        }
    }

    /// The next record of `topic`, on partition 0 at its next offset.
    func record(topic: String, key: [UInt8]?, value: [UInt8]?, headers: [(key: String, value: [UInt8]?)])
        -> InputRecord
    {
        let offset = nextOffsets[topic, default: 0]
        nextOffsets[topic] = offset + 1
        return InputRecord(topic: topic, partition: 0, offset: offset, key: key, value: value, headers: headers)
    }

    func sign(_ actor: TestActor, value: [UInt8], eventID: String?, replayOf: String?) -> String {
        let issued = Int64(Date().timeIntervalSince1970.rounded(.down))
        return signer.sign(
            claims: CommandClaims(
                issuer: "relance-testing", subject: actor.id, audience: [audience], issuedAt: issued,
                expiresAt: issued + 300, roles: actor.roles.sorted(), merchants: actor.merchants.sorted(),
                commandHash: CommandClaims.hash(of: value), tokenID: eventID, replayOf: replayOf))
    }

    /// An event in the envelope, read back without its type's schema.
    static func envelope(_ bytes: [UInt8]) -> EventEnvelope? { EventEnvelope.unchecked(bytes) }
}

extension EventEnvelope {
    /// An event in the envelope read back from its bytes without its type's schema (what a
    /// test driver needs to sign or route it), nil if it is not one.
    package static func unchecked(_ bytes: [UInt8]) -> EventEnvelope? {
        guard let json = try? JSONReader.read(bytes), let eventID = json["eventId"]?.stringValue,
            let type = json["type"]?.stringValue, let version = json["schemaVersion"]?.integerValue,
            let occurred = json["occurredAt"]?.stringValue.flatMap(EventValidator.parseUTCTimestamp),
            let accountID = json["accountId"]?.stringValue, let merchantID = json["merchantId"]?.stringValue,
            let data = json["data"]
        else { return nil }
        return EventEnvelope(
            eventID: eventID, type: type, schemaVersion: Int(version), occurredAt: occurred, accountID: accountID,
            merchantID: merchantID, data: data)
    }
}

/// Who issues a command or replays a dead letter in a test: the claims of the token the kit
/// signs for them.
public struct TestActor: Sendable, Equatable {
    /// The token's subject: `context.actor?.id` in the handler.
    public var id: String
    /// Roles the actor holds (a command needs one of `worker.requiredRoles(for:)`).
    public var roles: Set<String>
    /// Merchant ids the actor acts for; `*` for every merchant.
    public var merchants: Set<String>

    /// An actor with these claims.
    public init(id: String, roles: Set<String>, merchants: Set<String>) {
        self.id = id
        self.roles = roles
        self.merchants = merchants
    }

    /// An operator who may replay any merchant's dead letters.
    public static let replayer = TestActor(
        id: "relance-testing-replayer", roles: [CommandHeaders.replayRole], merchants: ["*"])
}

/// A misuse of the kit (a dead letter that is not there).
public struct TestKitError: Error, CustomStringConvertible, Sendable {
    /// What was asked that the kit cannot do.
    public var description: String
    init(_ description: String) { self.description = description }
}
