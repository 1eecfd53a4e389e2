import CRdKafka
import Synchronization

/// Lets a job submitted from another thread interrupt a client thread blocked in librdkafka
/// (the producer's idle `rd_kafka_poll`, the consumer's `rd_kafka_consume_queue`).
///
/// `rd_kafka_yield` cannot do it: it is thread-local and only stops a poll on the thread that
/// calls it (measured: every flush, commit or send-offsets call then waited for the idle poll's
/// 100 ms timeout). `rd_kafka_queue_yield` on the queue being waited on wakes it from any
/// thread. It is used only while the client thread is blocked on that queue: a yield at any
/// other time lingers on the queue, or cuts short the pop loop of `rd_kafka_consumer_close`
/// (which forwards the consumer queue), making it report a timeout.
final class QueueWaker: @unchecked Sendable {
    /// The queue the client thread blocks on; owned here, destroyed by `destroy`.
    let queue: OpaquePointer?
    private let blocked = Atomic(false)
    private let destroyed = Atomic(false)

    init(queue: OpaquePointer?) { self.queue = queue }

    /// On the client thread: runs a call that blocks on `queue`, marked as wakeable.
    @inline(__always)
    func whileBlocked<T>(_ body: () -> T) -> T {
        blocked.store(true, ordering: .releasing)
        defer { blocked.store(false, ordering: .releasing) }
        return body()
    }

    /// From any thread (called under the client thread's lock, never after `destroy`).
    func wake() {
        if let queue, blocked.load(ordering: .acquiring), !destroyed.load(ordering: .acquiring) {
            rd_kafka_queue_yield(queue)
        }
    }

    /// On the client thread, before `rd_kafka_destroy`.
    func destroy() {
        guard let queue, !destroyed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        rd_kafka_queue_destroy(queue)
    }
}
