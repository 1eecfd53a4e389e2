import Foundation
import RelanceDomain
import RelanceEvents

/// Everything the runtime keeps for one account.
package struct AccountRecord<State: Codable & Sendable>: Sendable {
    /// The handler's state; `.encoded` right after a restore, decoded on first use.
    package enum Slot: Sendable {
        case encoded([UInt8])
        case decoded(State?)
    }

    package var slot: Slot = .decoded(nil)
    /// Hashes of the latest event ids of the account, oldest first: duplicates are dropped.
    package var seen: [UInt64] = []
    package var timers: [TimerEntry] = []
    package var merchantID: String = ""

    package init() {}

    static var seenCapacity: Int { 32 }

    func hasSeen(_ hash: UInt64) -> Bool { seen.contains(hash) }

    mutating func markSeen(_ hash: UInt64) {
        if seen.count >= Self.seenCapacity { seen.removeFirst(seen.count - Self.seenCapacity + 1) }
        seen.append(hash)
    }
}

/// A due-time ordered queue of (account, timer id). Entries are checked against the
/// account's timers when they come out, so moved or cancelled timers need no removal.
struct TimerQueue: Sendable {
    struct Entry: Sendable {
        var dueAt: Int64
        var accountID: String
        var timerID: String
    }

    private(set) var heap: [Entry] = []

    var count: Int { heap.count }
    var first: Entry? { heap.first }

    mutating func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].dueAt < heap[parent].dueAt else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Entry? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].dueAt < heap[smallest].dueAt { smallest = left }
            if right < heap.count, heap[right].dueAt < heap[smallest].dueAt { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}

/// The state of one partition: its accounts, timers, clock and input positions.
///
/// Input topics, the clock topic and the changelog are co-partitioned: partition `p` of
/// every input holds the accounts whose state lives in partition `p` of the changelog.
package final class PartitionStore<State: Codable & Sendable> {
    let partition: Int32
    package var accounts: [String: AccountRecord<State>] = [:]
    var timers = TimerQueue()
    var pendingTimers = 0
    /// The clock, in milliseconds since 1970 (0: no tick read yet).
    package var clock: Int64 = 0
    /// Next offset to process, per input topic (the clock topic included).
    var offsets: [String: Int64] = [:]
    /// The transaction of the last checkpoint restored or written.
    var lastTransaction = ""

    package init(partition: Int32) { self.partition = partition }

    /// A timer come due, taken off its account's record (`record`, as it is now without it).
    package struct Due {
        package var accountID: String
        package var timer: TimerEntry
        package var record: AccountRecord<State>
    }

    /// The earliest timer due at `clock`, in due order, taken off the queue and off its
    /// account (the account's record is not written back: `put` does, with the handler's
    /// changes). Queue entries of timers moved or cancelled since are skipped.
    package func popDueTimer() -> Due? {
        while let first = timers.first, first.dueAt <= clock {
            _ = timers.pop()
            guard var record = accounts[first.accountID],
                let index = record.timers.firstIndex(where: { $0.id == first.timerID && $0.dueAt == first.dueAt })
            else { continue }
            let timer = record.timers.remove(at: index)
            pendingTimers -= 1
            return Due(accountID: first.accountID, timer: timer, record: record)
        }
        return nil
    }

    /// Keeps one account's record after a step (`AccountStep`), queueing its new timers.
    package func put(_ accountID: String, _ record: AccountRecord<State>, previousTimers: [TimerEntry]) {
        for timer in record.timers where !previousTimers.contains(timer) {
            timers.push(.init(dueAt: timer.dueAt, accountID: accountID, timerID: timer.id))
        }
        pendingTimers += record.timers.count - previousTimers.count
        accounts[accountID] = record
    }
}
