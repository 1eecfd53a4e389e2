import Foundation
import Logging
import RelanceDomain
import RelanceEvents
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
        guard !clockWait.isWaiting(tp), let consumer else { return }
        clockWait.hold(tp, at: message.offset)
        try consumer.pause([tp])
        log.info(
            "waiting for the clock",
            metadata: ["partition": "\(tp.description)", "clockTopic": "\(configuration.clockTopic)"])
    }

    func resumeAfterClock(_ partition: Int32) async throws {
        let held = clockWait.waiting(on: partition)
        guard !held.isEmpty, let consumer else { return }
        clockWait.release(held)
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

/// Input partitions waiting for their partition's first clock tick, paused at their first
/// event, and those rewound to it while the current poll's records are processed.
struct ClockWait {
    /// Paused input partitions, each with the offset of its first held event.
    private var waiting: [TopicPartition: Int64] = [:]
    /// Partitions rewound during the current poll's records: the rest of them is read again.
    private var rewound: Set<TopicPartition> = []

    func isWaiting(_ tp: TopicPartition) -> Bool { waiting[tp] != nil }

    /// `tp` waits, from the event at `offset`.
    mutating func hold(_ tp: TopicPartition, at offset: Int64) { waiting[tp] = offset }

    /// The input partitions of `partition` waiting, with their first held event.
    func waiting(on partition: Int32) -> [TopicPartition: Int64] {
        waiting.filter { $0.key.partition == partition }
    }

    /// These partitions wait no more; they are rewound to their first held event.
    mutating func release(_ held: [TopicPartition: Int64]) {
        for tp in held.keys { waiting[tp] = nil }
        rewound.formUnion(held.keys)
    }

    /// A revoked partition.
    mutating func forget(_ tp: TopicPartition) { waiting[tp] = nil }

    /// A new poll's records: none rewound yet.
    mutating func newPoll() { rewound.removeAll() }

    /// The record's partition was rewound during this poll's records: it comes again.
    func wasRewound(_ tp: TopicPartition) -> Bool { !rewound.isEmpty && rewound.contains(tp) }
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
