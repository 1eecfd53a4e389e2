import Foundation
import Logging
import RelanceDomain
import RelanceKafka

// The clock and durable timers: clock ticks (or the wall clock), events held until their
// partition knows the time, and due timers fired in due order (`AccountStep.fire`).

extension WorkerRuntime {
    func tick(_ message: KafkaMessage, _ store: PartitionStore<W.State>) async throws {
        guard let value = message.value, let time = ClockTick.read(value) else {
            return try await deadLetter(
                message, code: "invalid_tick",
                reason: "a clock record must be {\"now\": \"<ISO 8601 UTC time>\"}")
        }
        guard time > store.clock else { return }
        if store.clock == 0 { try await resumeAfterClock(store.partition) }
        store.clock = time
        let earliest = minimumClock ?? 0
        metrics.update { $0.clock = earliest }
        try await fireDueTimers(store)
    }

    /// An event can only be handled once its partition knows the time: until the first
    /// tick, its input partition is paused and rewound to the event.
    func holdUntilClock(_ message: KafkaMessage) async throws {
        let tp = message.topicPartition
        guard waitingForClock[tp] == nil, let consumer else { return }
        waitingForClock[tp] = message.offset
        try consumer.pause([tp])
        log.info(
            "waiting for the clock",
            metadata: ["partition": "\(tp.description)", "clockTopic": "\(configuration.clockTopic)"])
    }

    func resumeAfterClock(_ partition: Int32) async throws {
        let held = waitingForClock.filter { $0.key.partition == partition }
        guard !held.isEmpty, let consumer else { return }
        for tp in held.keys { waitingForClock[tp] = nil }
        rewound.formUnion(held.keys)
        // Resuming restarts fetching after the last record polled; the seek (which discards
        // what was fetched before it) takes the partition back to the first held event.
        try consumer.resume(Array(held.keys))
        try await consumer.seek(held.map { TopicPartitionOffset($0.key, offset: $0.value) })
    }

    func advanceWallClock() async throws {
        let now = Timestamp.milliseconds(Date())
        for store in stores.values where now > store.clock {
            store.clock = now
            if let first = store.timers.first, first.dueAt <= now {
                beginIfNeeded()
                openBatch.touched.insert(store.partition)
                try await fireDueTimers(store)
                try await flushOutbox()
            }
        }
    }

    /// Every timer due at the partition's clock, in due order (`PartitionStore.popDueTimer`),
    /// fired on its account (`AccountStep.fire`).
    func fireDueTimers(_ store: PartitionStore<W.State>) async throws {
        while var due = store.popDueTimer() {
            let effects = try step.fire(due.timer, of: due.accountID, record: &due.record, now: clockDate(store))
            store.put(due.accountID, due.record, previousTimers: effects.previousTimers)
            openBatch.dirty[store.partition, default: []].insert(due.accountID)
            collector.counts.timersFired += 1
            try await publish(effects.outputs, partition: store.partition)
            try await deadLetter(effects.deadLetters, partition: store.partition)
        }
    }

    func clockDate(_ store: PartitionStore<W.State>) -> Date {
        Timestamp.date(milliseconds: store.clock)
    }
}

/// A clock record: `{"now": "2026-11-21T10:00:00Z"}` on every partition of the clock topic.
public enum ClockTick {
    public static func record(_ date: Date) -> [UInt8] {
        JSONValue.object(["type": .string("clock.tick"), "now": .string(Timestamp.format(date))]).jsonBytes
    }

    /// Milliseconds since 1970, or nil when the record is not a tick.
    public static func read(_ bytes: ArraySlice<UInt8>) -> Int64? {
        guard let json = try? JSONReader.read(Array(bytes)), let text = json["now"]?.stringValue,
            let date = EventValidator.parseUTCTimestamp(text)
        else { return nil }
        return Timestamp.milliseconds(date)
    }
}
