import Foundation
import Synchronization

/// Liveness and readiness, read by the HTTP endpoint from any thread.
public final class RuntimeStatus: Sendable {
    let started = Atomic(false)
    let stopping = Atomic(false)
    let restoring = Atomic(false)
    /// The group gave this instance its partitions (possibly none) and they are restored;
    /// false again while a rebalance takes them away.
    let assigned = Atomic(false)
    /// Monotonic milliseconds of the loop's last turn.
    let heartbeat = Atomic<Int64>(0)

    static func nowMilliseconds() -> Int64 {
        let now = ContinuousClock.now - ContinuousClock.Instant.zeroReference
        return now.components.seconds * 1000 + now.components.attoseconds / 1_000_000_000_000_000
    }

    /// The loop turned within the last minute, or is busy restoring state.
    public var isLive: Bool {
        restoring.load(ordering: .relaxed)
            || !started.load(ordering: .relaxed)
            || Self.nowMilliseconds() - heartbeat.load(ordering: .relaxed) < 60_000
    }

    /// Subscribed, its partitions assigned by the group and their state restored, not shutting
    /// down.
    public var isReady: Bool {
        started.load(ordering: .relaxed) && assigned.load(ordering: .relaxed) && !stopping.load(ordering: .relaxed)
            && !restoring.load(ordering: .relaxed)
    }
}

extension ContinuousClock.Instant {
    fileprivate static let zeroReference = ContinuousClock.now
}
