import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka

/// What one step wrote besides the account's record (which it updated in place).
package struct StepEffects: Sendable {
    /// The account's timers before the step (the timer queue only learns the new ones).
    package var previousTimers: [TimerEntry]
    package var outputs: [OutputRecord]
    /// Held inputs the handler gave up on, ready for the dead-letter topic: each the first dead
    /// letter of its content (no replay origin carried over), so replaying it applies it again.
    package var deadLetters: [(input: HeldInput, reason: DeadLetter.Reason)]
}

/// What became of an admitted event (not generic: the hot path looks up no metadata for it).
package enum StepOutcome: Sendable {
    /// Handled: the record now holds the handler's state and timers and the event's id.
    case applied(StepEffects)
    /// Its id (with the replay origin, for a replayed dead letter) is among the account's
    /// latest: nothing done.
    case duplicate
    /// The handler refused it: every change of the call is discarded (the record is as it
    /// was); the record read is a dead letter with this code.
    case rejected(WorkerRejection)
}

/// One step of one account: an admitted event, or one of its timers come due, applied to the
/// account's record. Deduplication, the state decoded from the changelog, the context, the
/// one call of the worker's handler, a rejection discarding what the call did. Pure: no
/// Kafka, no actor, no suspension; `WorkerRuntime` and `RelanceTesting`'s driver call this
/// very code, and this is the only place a handler is called.
package struct AccountStep<W: Worker>: Sendable {
    package let worker: W

    package init(worker: W) { self.worker = worker }

    /// The id hash deduplication keeps. A replayed dead letter is new input once: its own id is
    /// the event's with the position of the first dead letter of its content
    /// (`InputRouting.replay`), so the event's earlier handling does not hide it, and a second
    /// replay of it — or of a dead letter that only refused a replay of it — is a duplicate.
    static func hash(eventID: String, replayOrigin: String?) -> UInt64 {
        replayOrigin.map { EventIDs.hash(Array("|replay:\($0)".utf8), seed: EventIDs.hash(eventID)) }
            ?? EventIDs.hash(eventID)
    }

    /// Applies `event` to its account's `record` (a new account: `AccountRecord()`) at clock
    /// time `now`; `record` changes only when the outcome is `applied`. `actor`: who issued
    /// it, when it is a command. Throws only when the state kept in the changelog does not
    /// decode.
    func apply(
        _ event: EventEnvelope, to record: inout AccountRecord<W.State>, now: Date, replayOrigin: String?,
        actor: CommandActor?, input: KafkaMessage
    ) throws -> StepOutcome {
        let hash = Self.hash(eventID: event.eventID, replayOrigin: replayOrigin)
        if record.hasSeen(hash) { return .duplicate }
        // A command acts for the merchant it names (the gate checked the actor may): an
        // account another merchant's events created is not that merchant's to command, and
        // its record would otherwise be re-labelled with the commanding merchant.
        if actor != nil, !record.merchantID.isEmpty, record.merchantID != event.merchantID {
            return .rejected(
                WorkerRejection(
                    CommandAuthFailure.forbidden,
                    "account \(event.accountID) is not merchant \(event.merchantID)'s: a command may act only on "
                        + "its own merchant's accounts"))
        }
        // The data as the worker's types: a value its schema allows but its type does not (the
        // two drifted apart) is a dead letter naming the member, never a trap.
        let data: W.Input
        do {
            data = try W.Input(event)
        } catch {
            return .rejected(
                WorkerRejection(
                    "invalid_data",
                    "\(error) (a \(event.type) v\(event.schemaVersion) that follows its schema but not "
                        + "\(worker.name)'s type of its data)"))
        }
        var state = try record.slot.state()
        var context = WorkerContext(
            now: now, accountID: event.accountID, merchantID: event.merchantID,
            causeID: replayOrigin.map { "\(event.eventID)|replay:\($0)" } ?? event.eventID,
            timers: record.timers, input: input)
        context.actor = actor
        do {
            try worker.handle(Event(data, envelope: event), state: &state, context: &context)
        } catch {
            return .rejected(error)
        }
        let previousTimers = record.timers
        record.slot = .decoded(state)
        record.timers = context.timers
        record.merchantID = event.merchantID
        record.markSeen(hash)
        return .applied(
            StepEffects(
                previousTimers: previousTimers, outputs: context.outputs,
                deadLetters: Self.heldDeadLetters(context.deadLetters)))
    }

    package func apply(
        _ event: EventEnvelope, to record: inout AccountRecord<W.State>, now: Date, replayOrigin: String?,
        actor: CommandActor?, input: InputRecord
    ) throws -> StepOutcome {
        try apply(event, to: &record, now: now, replayOrigin: replayOrigin, actor: actor, input: input.message)
    }

    /// Fires `timer` of `accountID`, already taken off `record` (`PartitionStore.popDueTimer`),
    /// at clock time `now`, updating `record`. Throws only when the state kept in the
    /// changelog does not decode.
    package func fire(_ timer: TimerEntry, of accountID: String, record: inout AccountRecord<W.State>, now: Date)
        throws -> StepEffects
    {
        var state = try record.slot.state()
        var context = WorkerContext(
            now: now, accountID: accountID, merchantID: record.merchantID,
            causeID: "timer:\(accountID):\(timer.id):\(timer.dueAt)", timers: record.timers)
        worker.timerFired(
            DueTimer(
                id: timer.id, dueAt: timer.dueDate, payload: timer.payload, accountID: accountID,
                merchantID: record.merchantID),
            state: &state, context: &context)
        let previousTimers = record.timers
        record.slot = .decoded(state)
        record.timers = context.timers
        return StepEffects(
            previousTimers: previousTimers, outputs: context.outputs,
            deadLetters: Self.heldDeadLetters(context.deadLetters))
    }

    /// A held input was handled: its dead letter is the first of a new content.
    static func heldDeadLetters(_ held: [(input: HeldInput, reason: DeadLetter.Reason)]) -> [(
        input: HeldInput, reason: DeadLetter.Reason
    )] {
        guard !held.isEmpty else { return held }
        return held.map { input, reason in
            var input = input
            input.headers.removeAll { $0.key == InputRouting.replayOriginHeader }
            return (input, reason)
        }
    }
}

extension AccountRecord.Slot {
    /// The handler's state, decoded if it is still as restored.
    package func state() throws -> State? {
        switch self {
        case .decoded(let state): return state
        case .encoded(let bytes): return try StateCoding.decode(State.self, from: bytes)
        }
    }
}

extension HeldInput {
    /// The dead letter of this input as the runtime writes it (card numbers masked).
    package func deadLetter(_ reason: DeadLetter.Reason, worker: String, failedAt: Date) -> DeadLetter {
        DeadLetter(
            reason: reason, source: source, key: key.map(Array.init), value: value.map(Array.init),
            headers: headers.map { ($0.key, $0.value.map(Array.init)) }, worker: worker, failedAt: failedAt)
    }

    package init(_ record: InputRecord) { self.init(record.message) }
}
