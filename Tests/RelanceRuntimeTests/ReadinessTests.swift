import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import Testing

@Suite("Ready means assigned and restored; the clock comes back with the state", .serialized)
struct ReadinessTests {
    @Test(
        "not ready between subscribing and the group's assignment; after a restart the clock gauge is the restored clock"
    )
    func readyAndClock() async throws {
        let h = try await Harness()
        let tick = Harness.start.addingTimeInterval(3 * 86_400)
        try await h.tick(tick)
        let first = RunningWorker(LedgerWorker(), h.configuration())
        try await h.deposit("d1", account: "acct-r")
        _ = try await h.read("t.balances", count: 1)
        try await first.stop()

        let second = RunningWorker(LedgerWorker(), h.configuration())
        // Until the group assigns its partitions (a join takes seconds), it is not ready.
        let deadline = ContinuousClock.now + .seconds(30)
        var sawNotReady = false
        while ContinuousClock.now < deadline {
            let owned = await second.runtime.ownedPartitions
            let ready = second.runtime.status.isReady
            if !owned.isEmpty { break }
            #expect(!ready, "ready with no partition assigned yet")
            if !ready { sawNotReady = true }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await second.waitForPartitions(Int(partitions))
        #expect(sawNotReady)
        #expect(second.runtime.status.isReady)
        // No tick since the restart: the gauge shows the clock restored from the changelog.
        let millis = Int64(tick.timeIntervalSince1970 * 1000)
        try await eventually { second.runtime.metrics.clockMilliseconds == millis }
        try await second.stop()
    }
}
