import Foundation
import Testing

@testable import RelanceKafka

/// TLS and authentication failures end a client's waiting calls at once (SecurityFailures.swift);
/// scripts/tls-test.sh shows it against a real TLS listener.
@Suite("TLS and login failures fail fast", .serialized)
struct SecurityFailureTests {
    static let ssl = KafkaError.Code(rawValue: -181)  // RD_KAFKA_RESP_ERR__SSL
    static let authentication = KafkaError.Code(rawValue: -169)  // RD_KAFKA_RESP_ERR__AUTHENTICATION

    @Test("what retrying cannot mend is told from what it can, in librdkafka's own words")
    func classify() {
        let cases: [(String, KafkaError.Code?)] = [
            (
                "[thrd:ssl://k:9093/bootstrap]: ssl://k:9093/bootstrap: SSL handshake failed: error:0A000086:SSL "
                    + "routines::certificate verify failed: broker certificate could not be verified, verify that "
                    + "ssl.ca.location is correctly configured (after 1ms in state SSL_HANDSHAKE)", Self.ssl
            ),
            (
                "ssl://k:9093/bootstrap: SSL handshake failed: Disconnected: connecting to a PLAINTEXT broker "
                    + "listener? (after 2ms in state SSL_HANDSHAKE)", Self.ssl
            ),
            (
                "sasl_ssl://k:9093/bootstrap: SASL authentication error: SASL SCRAM authentication failed: broker "
                    + "responded with unknown-user (after 61ms in state AUTH_REQ)", Self.authentication
            ),
            (
                "sasl_plaintext://k:9092/bootstrap: SASL PLAIN mechanism handshake failed: Local: Broker transport "
                    + "failure: broker's supported mechanisms: (n/a)", Self.authentication
            ),
            ("ssl://k:9093/bootstrap: Connect to ipv4#10.0.0.1:9093 failed: Connection refused", nil),
            ("ssl://k:9093/bootstrap: SSL handshake failed: Disconnected (after 3ms in state SSL_HANDSHAKE)", nil),
            ("1/1 brokers are down", nil),
        ]
        for (message, expected) in cases {
            #expect(SecurityFailures.classify(code: nil, message: message) == expected, "\(message)")
        }
        #expect(SecurityFailures.classify(code: Self.authentication, message: "anything") == Self.authentication)
        #expect(SecurityFailures.classify(code: .transport, message: "Broker transport failure") == nil)
    }

    @Test("a waiting call throws the failure within milliseconds, and closing its client does not wait for the call")
    func failsFast() async throws {
        let started = ContinuousClock.now
        do {
            // Nothing listens there: the metadata call would wait its whole 20 s.
            let admin = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: "127.0.0.1:1"))
            let handle = admin.handle
            Task {
                try await Task.sleep(for: .milliseconds(200))
                handle.securityFailures.record(
                    code: Self.ssl,
                    message: "[thrd:ssl://127.0.0.1:1/bootstrap]: ssl://127.0.0.1:1/bootstrap: SSL handshake failed: "
                        + "certificate verify failed")
            }
            let error = await #expect(throws: KafkaError.self) { try await admin.listTopics(timeout: .seconds(20)) }
            #expect(error?.operation == "list_topics" && error?.code == Self.ssl && error?.classification == .permanent)
            #expect(
                error?.message == "cannot connect: ssl://127.0.0.1:1/bootstrap: SSL handshake failed: certificate "
                    + "verify failed", "\(String(describing: error))")
            #expect(ContinuousClock.now - started < .seconds(3), "the failure ends the wait")
            // Recorded a moment ago: the next call does not even begin.
            let again = await #expect(throws: KafkaError.self) { try await admin.listTopics(timeout: .seconds(20)) }
            #expect(again?.code == Self.ssl)
        }  // the admin is released here, its metadata call still running on its thread
        #expect(ContinuousClock.now - started < .seconds(5), "closing the client did not wait for the abandoned call")
    }

    @Test("a call that succeeds clears a failure recorded before it; failures of logins and handshakes only count")
    func clears() async throws {
        let cluster = try MockCluster(brokers: 1)
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        let failures = admin.handle.securityFailures
        failures.record(code: Self.authentication, message: "SASL authentication error: stale")
        #expect(failures.failure(since: .now) != nil)
        // A failure recorded before the call began fails it: its broker refused the login.
        await #expect(throws: KafkaError.self) { try await admin.listTopics() }
        // Once the broker takes the client again (the credentials fixed, the log line old), a call goes
        // through and clears it.
        failures.clear(before: .now)
        _ = try await admin.listTopics()
        #expect(failures.failure(since: .now) == nil)
        // A failure older than `memory` does not fail a new call.
        #expect(failures.failure(since: .now + SecurityFailures.memory + .seconds(1)) == nil)
    }
}
