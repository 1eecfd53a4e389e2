import CRdKafka
import Synchronization

/// TLS and authentication failures of a client, so that its calls fail at once with the reason
/// instead of waiting out their timeouts.
///
/// librdkafka retries a broker whose TLS handshake or SASL login failed (every ~50 ms) and the
/// calls waiting on it end only with their own timeouts, saying "no broker answered" or "timed
/// out": with a wrong CA, `relance topics` failed after 10 s, `publish` after 30 s, a worker's
/// start after 30 s, none naming the certificate. A wrong CA, a broker certificate that does not
/// verify, a TLS client on a plaintext listener, a refused SASL login or mechanism will not
/// mend by retrying: `ClientEvents` reports them here from librdkafka's log line (immediate: it
/// comes from the broker thread) or its error callback (when the client is polled), and the
/// calls that can wait on a connection (`ClientHandle.failingFast`: metadata, topic creation,
/// flush and delivery, `init_transactions`) throw it within milliseconds.
final class SecurityFailures: Sendable {
    private struct State {
        var failure: (error: KafkaError, at: ContinuousClock.Instant)?
        var waiters: [UInt64: @Sendable (KafkaError) -> Void] = [:]
        var nextWaiter: UInt64 = 0
    }
    private let state = Mutex(State())

    /// How long a failure counts for a call begun after it: a call begun later than this after
    /// the last failure waits for a new one (the broker's certificate may have been fixed).
    static let memory: Duration = .seconds(10)

    /// The failure a librdkafka log line or error reports, or nil when it is none of these
    /// (a broker down, a timeout: those mend by themselves).
    static func classify(code: KafkaError.Code?, message: String) -> KafkaError.Code? {
        let text = message.lowercased()
        if code == KafkaError.Code(RD_KAFKA_RESP_ERR__AUTHENTICATION) || text.contains("sasl authentication")
            || text.contains("authentication failed") || text.contains("mechanism handshake failed")
        {
            return KafkaError.Code(RD_KAFKA_RESP_ERR__AUTHENTICATION)
        }
        // A handshake cut by a broker that restarts also fails: only what retrying cannot mend.
        if code == KafkaError.Code(RD_KAFKA_RESP_ERR__SSL) || text.contains("ssl handshake failed") {
            let permanent = [
                "certificate", "verify failed", "unknown ca", "plaintext broker listener", "wrong version number",
                "no shared cipher", "unsupported protocol", "handshake failure",
            ]
            if permanent.contains(where: { text.contains($0) }) { return KafkaError.Code(RD_KAFKA_RESP_ERR__SSL) }
        }
        return nil
    }

    /// Records a failure and wakes every call waiting.
    func record(code: KafkaError.Code, message: String) {
        // librdkafka's log lines begin with the thread: "[thrd:ssl://kafka:9093/bootstrap]: ".
        var message = Substring(message)
        if message.hasPrefix("[thrd:"), let end = message.firstRange(of: "]: ") { message = message[end.upperBound...] }
        let hint =
            code == KafkaError.Code(RD_KAFKA_RESP_ERR__AUTHENTICATION)
            ? " (check sasl.mechanism, sasl.username and sasl.password)" : ""
        let error = KafkaError(
            operation: "connect", code: code, message: "cannot connect: \(message)\(hint)", classification: .permanent)
        let waiters = state.withLock { state in
            state.failure = (error, .now)
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter(error) }
    }

    /// The failure recorded at most `memory` before `instant`, if any.
    func failure(since instant: ContinuousClock.Instant) -> KafkaError? {
        state.withLock { state in
            guard let failure = state.failure, failure.at >= instant - Self.memory else { return nil }
            return failure.error
        }
    }

    /// Calls `handler` (once) with the next failure; nil when one is recorded already since
    /// `instant - memory` (it is returned through `failure(since:)` instead).
    func onFailure(since instant: ContinuousClock.Instant, _ handler: @escaping @Sendable (KafkaError) -> Void)
        -> UInt64?
    {
        state.withLock { state in
            if let failure = state.failure, failure.at >= instant - Self.memory { return nil }
            state.nextWaiter += 1
            state.waiters[state.nextWaiter] = handler
            return state.nextWaiter
        }
    }

    func cancel(_ waiter: UInt64) {
        state.withLock { _ = $0.waiters.removeValue(forKey: waiter) }
    }

    /// A call succeeded: the connection works, a failure recorded before it is history.
    func clear(before instant: ContinuousClock.Instant) {
        state.withLock { state in
            if let failure = state.failure, failure.at < instant { state.failure = nil }
        }
    }
}

/// Resumes a continuation once, whichever comes first: the call's result or a failure.
private final class FirstResult<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Result<T, KafkaError>, Never>?>
    init(_ continuation: CheckedContinuation<Result<T, KafkaError>, Never>) {
        self.continuation = Mutex(continuation)
    }
    func resume(_ result: Result<T, KafkaError>) { take()?.resume(returning: result) }

    /// The continuation, to the first caller only.
    func take() -> CheckedContinuation<Result<T, KafkaError>, Never>? {
        continuation.withLock { c -> CheckedContinuation<Result<T, KafkaError>, Never>? in
            defer { c = nil }
            return c
        }
    }
}

extension ClientHandle {
    /// The client's TLS and authentication failures (`SecurityFailures`).
    var securityFailures: SecurityFailures { ClientEvents.of(rk).securityFailures }

    /// Runs `body`, a call that waits on a broker connection, and throws as soon as the client
    /// reports a TLS or authentication failure (or at once when one was reported within the
    /// last `SecurityFailures.memory`), as the error of `operation`. The call itself is not
    /// interrupted: it runs to its own end on the client's thread, and its result is dropped;
    /// closing the client then does not wait for it (`ClientThread.detach`).
    func failingFast<T: Sendable>(
        _ operation: String, _ body: @escaping @Sendable () async throws(KafkaError) -> T
    ) async throws(KafkaError) -> T {
        let failures = securityFailures
        let began = ContinuousClock.now
        let during: @Sendable (KafkaError) -> KafkaError = { failure in
            KafkaError(
                operation: operation, code: failure.code, message: failure.message,
                classification: failure.classification)
        }
        if let failure = failures.failure(since: began) { throw during(failure) }
        let thread = self.thread
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<T, KafkaError>, Never>) in
            let first = FirstResult(continuation)
            let waiter = failures.onFailure(since: began) { failure in
                guard let continuation = first.take() else { return }
                // Before the caller resumes, and perhaps closes the client at once.
                thread.detach()
                continuation.resume(returning: .failure(during(failure)))
            }
            if waiter == nil, let failure = failures.failure(since: began) {
                first.resume(.failure(during(failure)))
                return
            }
            Task {
                do throws(KafkaError) {
                    let value = try await body()
                    failures.clear(before: began)
                    first.resume(.success(value))
                } catch {
                    first.resume(.failure(error))
                }
                if let waiter { failures.cancel(waiter) }
            }
        }
        return try result.get()
    }
}
