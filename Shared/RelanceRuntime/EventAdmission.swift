import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka

/// One input record as read: from the consumer (`WorkerRuntime`), or made up by a test
/// driver (`RelanceTesting`) that has no Kafka.
package struct InputRecord: Sendable {
    let message: KafkaMessage

    init(_ message: KafkaMessage) { self.message = message }

    /// A record as a test publishes it, at a position the caller assigns.
    package init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?,
        headers: [(key: String, value: [UInt8]?)]
    ) {
        message = KafkaMessage(
            topic: topic, partition: partition, offset: offset, key: key, value: value,
            headers: headers.map { KafkaHeader(key: $0.key, value: $0.value) })
    }

    package var topic: String { message.topic }
    package var partition: Int32 { message.partition }
    package var offset: Int64 { message.offset }
    package var key: [UInt8]? { message.key.map(Array.init) }
    package var value: [UInt8]? { message.value.map(Array.init) }
    package var headers: [(key: String, value: [UInt8]?)] { message.headers.map { ($0.key, $0.value) } }
}

/// Admitting one input record as an event of a worker: the checks that come before any
/// handling, in the order the runtime makes them (docs/runtime.md, "Bad input", "Signed
/// commands"). Pure: no Kafka client, no actor, no suspension; `WorkerRuntime` and
/// `RelanceTesting`'s driver call this very code, so what they admit cannot differ.
///
/// The runtime sends a record on another partition than its key's to that partition between
/// `admit` and `authorize` (a Kafka matter the driver does not have).
package struct EventAdmission<W: Worker>: Sendable {
    package let worker: W
    let validator: EventValidator
    let gate: CommandGate
    /// The worker's command types (`commandRoles`), read once: most events are not commands,
    /// and a worker's `commandRoles` may build its table on every call.
    let commandTypes: Set<String>

    init(worker: W, maximumEventBytes: Int, gate: CommandGate) {
        self.worker = worker
        self.validator = EventValidator(types: worker.eventTypes, maximumBytes: maximumEventBytes)
        self.gate = gate
        self.commandTypes = Set(worker.commandRoles.keys)
    }

    /// For a test driver: commands verified with `commandKeys` (audience `audience`).
    package init(
        worker: W, maximumEventBytes: Int, commandKeys: CommandKeySet?, audience: String,
        unsignedCommands: UnsignedCommands
    ) {
        self.init(
            worker: worker, maximumEventBytes: maximumEventBytes,
            gate: CommandGate(
                verifier: commandKeys.map { CommandVerifier(keys: $0, audience: audience) }, unsigned: unsignedCommands)
        )
    }

    /// The record read as an event, or why it is a dead letter (with the event's id once it
    /// was read).
    package enum Admitted {
        case event(EventEnvelope)
        case refused(eventID: String?, DeadLetter.Reason)
    }

    /// Not empty, no card number in its key or headers, a valid event of an accepted type
    /// and version, keyed by its account.
    func admit(_ message: KafkaMessage) -> Admitted {
        guard let value = message.value, !value.isEmpty else {
            return .refused(
                eventID: nil,
                .init(
                    code: "empty_record",
                    message: "the record has no value (a tombstone or an empty message): an event is a JSON object"))
        }
        if let key = message.key, let finding = CardNumberDetector.firstCardNumber(in: key) {
            return .refused(
                eventID: nil,
                .init(
                    code: "card_number", message: "the record key carries \(finding): card numbers never enter Relance")
            )
        }
        for header in message.headers {
            if let bytes = header.value, let finding = CardNumberDetector.firstCardNumber(in: bytes) {
                return .refused(
                    eventID: nil,
                    .init(
                        code: "card_number",
                        message: "header \"\(header.key)\" carries \(finding): card numbers never enter Relance"))
            }
        }
        let event: EventEnvelope
        switch validator.read(Array(value)) {
        case .failure(let rejection):
            return .refused(eventID: nil, .init(code: rejection.code, message: rejection.description))
        case .success(let read):
            event = read
        }
        guard let key = message.key, key.elementsEqual(event.accountID.utf8) else {
            return .refused(
                eventID: event.eventID,
                .init(
                    code: "key_not_account",
                    message: "the record key \(message.keyString.map { "\"\($0)\"" } ?? "(none)") is not the event's "
                        + "accountId \"\(event.accountID)\": events are keyed by account"))
        }
        return .event(event)
    }

    package func admit(_ record: InputRecord) -> Admitted { admit(record.message) }

    /// Whom the record is for (a replay or a rerouted copy may be for another worker or group).
    func route(_ message: KafkaMessage, group: String) -> InputRouting {
        InputRouting(message, worker: worker.name, group: group)
    }

    package func route(_ record: InputRecord, group: String) -> InputRouting { route(record.message, group: group) }

    /// A replayed dead letter's token (`relance-replay-authorization`), checked at wall time `now`.
    func checkReplay(of position: String, _ message: KafkaMessage, now: Date) -> CommandGate.Outcome {
        gate.check(replayOf: position, message: message, now: now)
    }

    package func checkReplay(of position: String, _ record: InputRecord, now: Date) -> CommandGate.Outcome {
        checkReplay(of: position, record.message, now: now)
    }

    /// Who may act on an admitted event.
    package enum Authorization {
        /// Not a command: a fact, read unsigned (the replayer, if any, acts for its merchant).
        case fact
        /// A command, checked by the gate (the result also counts in `relance_command_auth_total`).
        case command(CommandGate.Outcome)
        /// A replay by someone who does not act for the event's merchant.
        case replayForbidden(CommandAuthFailure)
    }

    /// The replayer (a verified replay token's actor) must act for the event's merchant; a
    /// command needs a token from an actor of its merchant with one of the worker's roles for
    /// it (`requiredRoles(for:)`), checked at wall time `now` (read only for a command).
    func authorize(
        _ event: EventEnvelope, _ message: KafkaMessage, replayer: CommandActor?, now: @autoclosure () -> Date
    ) -> Authorization {
        if let replayer, !replayer.actsFor(merchant: event.merchantID) {
            return .replayForbidden(
                .forbidden("\(replayer.id) may not replay dead letters of merchant \(event.merchantID)"))
        }
        guard commandTypes.contains(event.type), let roles = worker.requiredRoles(for: event) else { return .fact }
        return .command(gate.check(command: event, message: message, roles: roles, now: now()))
    }

    package func authorize(_ event: EventEnvelope, _ record: InputRecord, replayer: CommandActor?, now: Date)
        -> Authorization
    {
        authorize(event, record.message, replayer: replayer, now: now)
    }
}
