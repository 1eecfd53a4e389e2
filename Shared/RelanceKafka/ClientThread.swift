import CRdKafka
import Foundation

/// A dedicated OS thread that runs one librdkafka client's blocking calls.
///
/// librdkafka's blocking calls (poll with a timeout, transaction calls, flush, close) must not
/// run on Swift's cooperative thread pool: a pool of two threads on a two-core machine would be
/// stuck in them and starve every other task. Each client owns one `ClientThread`; its async
/// methods send the blocking work here as a job and await the result.
///
/// While it has no job, the thread calls `idle` (a producer serves its delivery reports there
/// with `rd_kafka_poll`); submitting a job calls `wake`, which interrupts a blocking wait in
/// progress with `rd_kafka_queue_yield` (a cross-thread wake-up, unlike `rd_kafka_yield`).
final class ClientThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopping = false
    /// A job was abandoned by its caller (`detach()`): `shutdown` does not wait for it.
    private var detached = false
    private var finalizer: (() -> Void)?
    private let finished = DispatchSemaphore(value: 0)
    private let idle: (() -> Void)?
    private var wake: (() -> Void)?
    private nonisolated(unsafe) var thread: Thread?

    /// - Parameters:
    ///   - idle: called in a loop while there is no job; it must return within a short time
    ///     (or when `wake` is called). Nil: the thread sleeps until a job arrives.
    private let name: String

    init(name: String, idle: (() -> Void)? = nil) {
        self.name = name
        self.idle = idle
        let thread = Thread { self.main() }
        thread.name = name
        self.thread = thread
    }

    /// Sets the call that interrupts a blocking librdkafka call, once the client exists.
    func start(wake: (() -> Void)? = nil) {
        self.wake = wake
        thread?.start()
    }

    /// True when the caller runs on this thread (inside a job or a librdkafka callback).
    var isCurrent: Bool { Thread.current === thread }

    /// Runs `body` on this thread and returns its result.
    func run<T: Sendable, E: Error>(_ body: @escaping () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            submit {
                do throws(E) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// Queues a job without waiting for it.
    func submit(_ job: @escaping () -> Void) {
        condition.lock()
        if stopping {
            condition.unlock()
            // After shutdown the client is gone: run the job here, it will see a closed client.
            job()
            return
        }
        jobs.append(job)
        condition.signal()
        // Under the lock: the finalizer (which destroys what `wake` touches) clears it first.
        wake?()
        condition.unlock()
    }

    /// Runs queued jobs on this thread until `done` returns true. Called from inside a
    /// librdkafka callback (a rebalance) that waits for async work which may itself need
    /// this thread.
    func runJobs(until done: () -> Bool) {
        precondition(isCurrent, "runJobs(until:) must be called on the client thread")
        while !done() {
            condition.lock()
            if jobs.isEmpty && !done() {
                _ = condition.wait(until: Date().addingTimeInterval(0.01))
            }
            let pending = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in pending { job() }
        }
    }

    /// Wakes `runJobs(until:)` early, after the condition it waits for became true.
    func signal() {
        condition.lock()
        condition.signal()
        condition.unlock()
    }

    /// Stops the thread after the queued jobs, runs `finalizer` on it (destroy the client
    /// there), and waits for the end unless called from the thread itself or detached.
    func shutdown(finalizer: @escaping () -> Void) {
        condition.lock()
        if stopping {
            condition.unlock()
            return
        }
        stopping = true
        self.finalizer = finalizer
        condition.signal()
        wake?()
        let wait = !detached
        condition.unlock()
        if wait && !isCurrent { finished.wait() }
    }

    /// The caller gave up waiting on the job in progress (a call that cannot succeed, e.g. a
    /// TLS handshake refused: `ClientHandle.failingFast`): closing the client no longer waits
    /// for that job to time out. The thread still ends it, then destroys the client.
    func detach() {
        condition.lock()
        detached = true
        condition.unlock()
    }

    private func main() {
        // Foundation's Thread.name does not reach the kernel here: name the thread for
        // top, perf and gdb (at most 15 characters).
        relance_name_current_thread(String(name.prefix(15)))
        while true {
            condition.lock()
            if jobs.isEmpty && !stopping && idle == nil {
                condition.wait()
            }
            let pending = jobs
            jobs.removeAll(keepingCapacity: true)
            let stop = stopping && pending.isEmpty
            condition.unlock()
            if stop { break }
            for job in pending { job() }
            if pending.isEmpty, let idle { idle() }
        }
        condition.lock()
        wake = nil
        let finalizer = self.finalizer
        self.finalizer = nil
        condition.unlock()
        finalizer?()
        thread = nil  // the running Thread keeps itself alive; this breaks the cycle
        finished.signal()
    }
}
