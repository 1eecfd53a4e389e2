import Foundation
import Logging
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import ServiceLifecycle
import Synchronization
import Testing

/// A service a library user runs beside a worker (an exporter, say): it runs until the group
/// shuts down gracefully.
final class Sidecar: Service, Sendable {
    let shutDown = Atomic(false)
    func run() async throws {
        try? await gracefulShutdown()
        shutDown.store(true, ordering: .releasing)
    }
}

@Suite("The runtime as a swift-service-lifecycle Service", .serialized)
struct LifecycleTests {
    @Test("in a ServiceGroup beside another service: a graceful shutdown commits the batch and ends both")
    func gracefulShutdown() async throws {
        let h = try await Harness()
        try await h.tick(Harness.start)
        let runtime = WorkerRuntime(worker: LedgerWorker(), configuration: h.configuration())
        let sidecar = Sidecar()
        let group = ServiceGroup(services: [sidecar, runtime], logger: Logger(label: "test", level: .error))
        let running = Task { try await group.run() }
        try await h.deposit("d1", account: "acct-1")
        _ = try await h.read("t.balances", count: 1)
        await group.triggerGracefulShutdown()
        try await running.value
        let sidecarEnded = sidecar.shutDown.load(ordering: .acquiring)
        #expect(sidecarEnded)
        #expect(runtime.metrics.committedTransactions >= 1)
        #expect(!runtime.status.isReady)
        // What was committed is there for the next instance: the deposit is not handled again.
        let next = RunningWorker(LedgerWorker(), h.configuration())
        try await next.waitForPartitions(Int(partitions))
        try await h.deposit("d2", account: "acct-1")
        let balances = try await h.read("t.balances", count: 2)
        #expect(balances.count == 2)
        try await next.stop()
    }

    @Test("a graceful shutdown while the runtime is still starting (no broker answers) ends it at once")
    func shutdownDuringStartUp() async throws {
        var configuration = RuntimeConfiguration(bootstrapServers: "127.0.0.1:1")
        configuration.logLevel = .critical
        let runtime = WorkerRuntime(worker: LedgerWorker(), configuration: configuration)
        let group = ServiceGroup(services: [runtime], logger: Logger(label: "test", level: .error))
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(1500))
        let asked = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(ContinuousClock.now - asked < .seconds(3), "start-up calls wait tens of seconds for a broker")
    }

    @Test("cancelled (the shutdown deadline passed): the loop ends without committing, and the next owner reads again")
    func cancellation() async throws {
        let h = try await Harness()
        try await h.tick(Harness.start)
        var configuration = h.configuration()
        // A batch stays open for a long while: cancellation finds it open.
        configuration.batchMaxMilliseconds = 3000
        let runtime = WorkerRuntime(worker: LedgerWorker(), configuration: configuration)
        let running = Task { try await runtime.run() }
        while await runtime.ownedPartitions.count != Int(partitions) || !runtime.status.isReady {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await h.deposit("d1", account: "acct-1")
        while (try? await runtime.state(of: "acct-1")) == nil {
            try await Task.sleep(for: .milliseconds(20))
        }
        let committedBefore = runtime.metrics.committedTransactions
        let ended = Sidecar()
        Task {
            _ = try? await running.value
            ended.shutDown.store(true, ordering: .releasing)
        }
        running.cancel()
        let limit = ContinuousClock.now + .seconds(10)
        while !ended.shutDown.load(ordering: .acquiring) && ContinuousClock.now < limit {
            try await Task.sleep(for: .milliseconds(20))
        }
        let heeded = ended.shutDown.load(ordering: .acquiring)
        #expect(heeded, "the loop heeds cancellation")
        if !heeded {
            await runtime.stop()
            _ = try? await running.value
        }
        #expect(runtime.metrics.committedTransactions == committedBefore, "nothing committed after cancellation")
        // The deposit was not committed: the next owner handles it, once.
        let next = RunningWorker(LedgerWorker(), h.configuration())
        try await next.waitForPartitions(Int(partitions))
        let deadline = ContinuousClock.now + .seconds(30)
        while (try? await next.runtime.state(of: "acct-1"))??.count != 1 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect((try await next.runtime.state(of: "acct-1"))?.count == 1)
        try await next.stop()
    }
}
