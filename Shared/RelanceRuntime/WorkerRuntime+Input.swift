import Foundation
import Logging
import RelanceDomain
import RelanceEvents
import RelanceKafka

// Input records: routed (replays, rerouted copies), admitted (`EventAdmission`), sent to
// their key's partition, authorized, and applied to their account (`AccountStep`).

extension WorkerRuntime {
    func processRecords(_ batch: [KafkaMessage]) async throws {
        clockWait.newPoll()
        for message in batch {
            guard let store = stores[message.partition] else { continue }
            if clockWait.wasRewound(message.topicPartition) { continue }
            // Already processed: read again after a rewind.
            if message.offset < store.offsets[message.topic, default: 0] { continue }
            if configuration.wallClock {
                store.clock = max(store.clock, Timestamp.milliseconds(Date()))
            }
            let isTick = !configuration.wallClock && message.topic == configuration.clockTopic
            if !isTick && !configuration.wallClock && store.clock == 0 {
                try await holdUntilClock(message)
                continue
            }
            beginIfNeeded()
            store.offsets[message.topic] = message.offset + 1
            openBatch.touched.insert(message.partition)
            openBatch.events += 1
            if isTick {
                try await tick(message, store)
            } else {
                try await handle(message, store)
            }
        }
    }

    /// What became of one input record.
    enum Handled {
        case applied(eventID: String)
        case duplicate(eventID: String)
        case deadLettered(eventID: String?, DeadLetter.Reason)
        /// Sent to its key's partition, where it is handled.
        case rerouted
        /// Addressed to another worker or consumer group (a replay or a rerouted copy).
        case notForThisWorker
    }

    func handle(_ message: KafkaMessage, _ store: PartitionStore<W.State>) async throws {
        let handled: Handled
        switch admission.route(message, group: group) {
        case .notForThisWorker:
            return
        case .ordinary:
            collector.counts.eventsIn += 1
            handled = try await handle(message, store, replayOrigin: nil)
        case .replay(let from, let origin):
            collector.counts.eventsIn += 1
            // Only a signed replay is one: anyone who can write the topic can add the headers.
            let check = admission.checkReplay(of: from, message, now: Date())
            tally(check)
            switch check {
            case .refused(let failure):
                handled = try await reject(message, code: failure.code, reason: failure.message)
            case .unsignedAccepted:
                log.warning(
                    "unsigned replay accepted (RELANCE_UNSIGNED_COMMANDS=warn)",
                    metadata: [
                        "deadLetter": "\(from)", "source": "\(message.topic)[\(message.partition)]@\(message.offset)",
                    ])
                handled = try await handle(message, store, replayOrigin: origin, replayer: nil)
            case .verified(let replayer):
                handled = try await handle(message, store, replayOrigin: origin, replayer: replayer)
            }
            try await report(handled, replayedFrom: from, origin: origin, store: store, partition: message.partition)
        }
    }

    /// Admitted (`EventAdmission.admit`), on its key's partition, authorized
    /// (`EventAdmission.authorize`), applied to its account (`AccountStep.apply`).
    func handle(
        _ message: KafkaMessage, _ store: PartitionStore<W.State>, replayOrigin: String?, replayer: CommandActor? = nil
    ) async throws -> Handled {
        let event: EventEnvelope
        switch admission.admit(message) {
        case .refused(let eventID, let reason):
            return try await reject(message, eventID: eventID, code: reason.code, reason: reason.message)
        case .event(let admitted):
            event = admitted
        }
        if let key = message.key {
            let home = KeyPartitioner.murmur2(key, partitions: partitionCount)
            if partitionCount > 0 && home != message.partition {
                return try await reroute(message, to: home, eventID: event.eventID)
            }
        }
        var actor: CommandActor?
        switch admission.authorize(event, message, replayer: replayer, now: Date()) {
        case .fact:
            break
        case .replayForbidden(let failure):
            collector.counts.commandAuth[failure.code, default: 0] += 1
            return try await reject(message, eventID: event.eventID, code: failure.code, reason: failure.message)
        case .command(let check):
            tally(check)
            switch check {
            case .refused(let failure):
                return try await reject(message, eventID: event.eventID, code: failure.code, reason: failure.message)
            case .unsignedAccepted(let legacy):
                log.warning(
                    "unsigned command accepted (RELANCE_UNSIGNED_COMMANDS=warn)",
                    metadata: [
                        "eventId": "\(event.eventID)", "type": "\(event.type)", "actor": "\(legacy.id)",
                        "merchant": "\(event.merchantID)",
                    ])
                actor = legacy
            case .verified(let verified):
                actor = verified
            }
        }
        var record = store.accounts[event.accountID] ?? AccountRecord()
        switch try step.apply(
            event, to: &record, now: clockDate(store), replayOrigin: replayOrigin, actor: actor, input: message)
        {
        case .duplicate:
            collector.counts.duplicates += 1
            return .duplicate(eventID: event.eventID)
        case .rejected(let rejection):
            return try await reject(message, eventID: event.eventID, code: rejection.code, reason: rejection.message)
        case .applied(let effects):
            store.put(event.accountID, record, previousTimers: effects.previousTimers)
            openBatch.dirty[store.partition, default: []].insert(event.accountID)
            try await publish(effects.outputs, partition: store.partition)
            try await deadLetter(effects.deadLetters, partition: store.partition)
            return .applied(eventID: event.eventID)
        }
    }

    /// Counts a command's or replay's check by result (`relance_command_auth_total`).
    func tally(_ check: CommandGate.Outcome) {
        let result =
            switch check {
            case .refused(let failure): failure.code
            case .unsignedAccepted: "unsigned_accepted"
            case .verified: "verified"
            }
        collector.counts.commandAuth[result, default: 0] += 1
    }

    /// Dead-letters the record; says so.
    func reject(_ message: KafkaMessage, eventID: String? = nil, code: String, reason: String) async throws
        -> Handled
    {
        try await deadLetter(message, code: code, reason: reason)
        return .deadLettered(eventID: eventID, .init(code: code, message: reason))
    }

    /// A record on another partition than its key's: a publisher placed it with another
    /// partitioner (librdkafka's default, CRC32, rather than the Java client's murmur2), so
    /// the account's other facts and its state are elsewhere. A copy goes to the key's
    /// partition in this transaction, addressed to this consumer group (other groups reading
    /// the topic route their own); this record is done. A copy that lands on the wrong
    /// partition again (the topic's partitions changed meanwhile) is a dead letter rather
    /// than a loop.
    func reroute(_ message: KafkaMessage, to home: Int32, eventID: String) async throws -> Handled {
        guard message.header(InputRouting.reroutedFromHeader) == nil else {
            return try await reject(
                message, eventID: eventID, code: "wrong_partition",
                reason: "the record was already sent to its key's partition once and is still on partition "
                    + "\(message.partition), not \(home) (have the topic's partitions changed?)")
        }
        var headers = message.headers
        headers.append(
            KafkaHeader(InputRouting.reroutedFromHeader, "\(message.topic)/\(message.partition)@\(message.offset)"))
        headers.append(KafkaHeader(InputRouting.reroutedForHeader, group))
        headers.append(transactionHeader(message.partition))
        collector.append(
            ProducerMessage(
                topic: message.topic, partition: home, key: message.key.map { Array($0) },
                value: message.value.map { Array($0) }, headers: headers))
        collector.counts.rerouted += 1
        let crc = message.key.map { KeyPartitioner.crc32($0, partitions: partitionCount) }
        log.warning(
            "record on another partition than its key's: sent to the key's partition",
            metadata: [
                "source": "\(message.topic)[\(message.partition)]@\(message.offset)", "keyPartition": "\(home)",
                "eventId": "\(eventID)",
                "hint": .string(
                    crc == message.partition
                        ? "the publisher uses librdkafka's default partitioner (CRC32): set partitioner=murmur2_random"
                        : "publish with the Java client's partitioner (murmur2): see docs/kafka.md"),
            ])
        return .rerouted
    }

    /// The outcome of a replayed dead letter, on the replay-outcome topic in this transaction.
    func report(
        _ handled: Handled, replayedFrom: String, origin: String, store: PartitionStore<W.State>, partition: Int32
    ) async throws {
        let (result, eventID, reason): (ReplayOutcome.Result, String?, DeadLetter.Reason?)
        switch handled {
        case .applied(let id): (result, eventID, reason) = (.handled, id, nil)
        case .duplicate(let id): (result, eventID, reason) = (.alreadyReplayed, id, nil)
        case .deadLettered(let id, let why): (result, eventID, reason) = (.deadLettered, id, why)
        case .rerouted, .notForThisWorker: return
        }
        let outcome = ReplayOutcome(
            deadLetter: replayedFrom, origin: origin == replayedFrom ? nil : origin, worker: worker.name,
            eventID: eventID, result: result, reason: reason, at: clockDate(store))
        collector.counts.replays[outcome.result.rawValue, default: 0] += 1
        log.info(
            "replayed dead letter",
            metadata: [
                "deadLetter": "\(replayedFrom)", "result": "\(outcome.result.rawValue)",
                "eventId": "\(outcome.eventID ?? "")",
            ])
        guard reportsReplays else { return }
        collector.append(
            ProducerMessage(
                topic: configuration.replayOutcomeTopic, key: Array(replayedFrom.utf8),
                value: Array(try outcome.encoded()), headers: [transactionHeader(partition)]))
    }
}
