import Dispatch
import Foundation
import Logging
import Metrics
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceMail
import RelanceRuntime
import ServiceLifecycle
import Synchronization

/// Sends the emails of the outbox topic (`relance.emails`), in order, one at a time, and
/// records each on the email log (`relance.email-log`) before committing its offset.
///
/// Transient failures (4xx, connection refused, timeouts) are retried with a capped backoff
/// and the email waits — nothing behind it is skipped; 5xx replies and emails undeliverable for
/// longer than `giveUpAfter` are recorded as `email.failed`.
///
/// An email whose Message-ID was already sent is not sent again: the delivery remembers the
/// Message-IDs it sent, and on start those of the last records of the email log. That covers
/// an outbox record written twice (on a broker that shows aborted transactions, the copy a
/// killed transaction left and the one written again), and a crash after the email was logged
/// but before its offset was committed. The one window left for a duplicate is a crash after
/// the server accepted an email and before it was logged: the resend carries the same
/// Message-ID, so it is recognisable (docs/reminder-mailer.md).
public final class MailDelivery: BackgroundService, Sendable {
    public struct Configuration: Sendable {
        public var kafka: KafkaConfiguration
        public var groupID: String
        public var emailsTopic = MailEvents.emailsTopic
        public var logTopic = MailEvents.emailLogTopic
        public var retry = MailRetryPolicy()
        /// The delivery consumer's session timeout (the runtime's, so a restart rejoins as fast).
        public var sessionTimeoutMilliseconds = 45_000

        public init(kafka: KafkaConfiguration, groupID: String) {
            self.kafka = kafka
            self.groupID = groupID
        }
    }

    public let configuration: Configuration
    let transport: TransportBox
    let log: Logger
    let stopped = Atomic<Bool>(false)
    let counts = Mutex(Counts())

    public struct Counts: Sendable, Equatable {
        public var sent = 0
        public var failed = 0
        public var retries = 0
        /// Outbox records whose Message-ID was already sent.
        public var skipped = 0
    }

    public var delivered: Counts { counts.withLock { $0 } }

    /// The same counts through swift-metrics (`relance_emails_*`, docs/reminder-mailer.md).
    private let sentCounter: Counter
    private let failedCounter: Counter
    private let retriedCounter: Counter
    private let skippedCounter: Counter

    static let help: [String: String] = [
        "relance_emails_sent_total": "Emails the mail server accepted.",
        "relance_emails_failed_total": "Emails given up: refused for good (5xx) or undeliverable for too long.",
        "relance_email_delivery_retries_total": "Delivery attempts that failed and will be tried again.",
        "relance_emails_skipped_total": "Outbox records whose Message-ID was already sent: not sent again.",
    ]
    private static let described: Void = MetricDescriptions.describe(help)

    /// `transport` is used from one thread only, the delivery's own. `worker` labels the metrics.
    public init(
        configuration: Configuration, transport: any MailTransport, log: Logger, worker: String = "reminder-mailer"
    ) {
        _ = Self.described
        self.configuration = configuration
        self.transport = TransportBox(transport)
        self.log = log
        let dimensions = [("worker", worker)]
        sentCounter = Counter(label: "relance_emails_sent_total", dimensions: dimensions)
        failedCounter = Counter(label: "relance_emails_failed_total", dimensions: dimensions)
        retriedCounter = Counter(label: "relance_email_delivery_retries_total", dimensions: dimensions)
        skippedCounter = Counter(label: "relance_emails_skipped_total", dimensions: dimensions)
    }

    public func stop() async { stopped.store(true, ordering: .relaxed) }

    /// Message-IDs sent, most recent last (at most `rememberedLimit`).
    let sentIDs = Mutex<(set: Set<String>, order: [String])>(([], []))
    static let rememberedLimit = 50_000
    /// How many of the last email-log records of each partition are read on start.
    static let logTail: Int64 = 5_000

    func remember(_ messageID: String) {
        sentIDs.withLock { sent in
            guard sent.set.insert(messageID).inserted else { return }
            sent.order.append(messageID)
            if sent.order.count > Self.rememberedLimit {
                let old = sent.order.prefix(sent.order.count - Self.rememberedLimit)
                for id in old { sent.set.remove(id) }
                sent.order.removeFirst(old.count)
            }
        }
    }

    /// The Message-IDs of the email log's latest `email.sent` records.
    func rememberLoggedEmails() async throws {
        let admin = try KafkaAdmin(configuration: configuration.kafka)
        guard let topic = try await admin.listTopics().first(where: { $0.name == configuration.logTopic }) else {
            return
        }
        _ = try await TopicReading.readToEnd(
            configuration.logTopic, partitions: topic.partitions.map(\.id), kafka: configuration.kafka,
            lastOffsets: Self.logTail, log: nil
        ) { messages in
            for message in messages {
                guard let json = try? JSONReader.read(Array(message.value ?? [])),
                    json["type"]?.stringValue == "email.sent", let id = json["data"]?["messageId"]?.stringValue
                else { continue }
                remember(id)
            }
        }
    }

    /// Delivers until `stop()` or a graceful shutdown of its service group; the email being
    /// retried waits for the next start.
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await deliverUntilStopped()
        } onGracefulShutdown: {
            self.stopped.store(true, ordering: .relaxed)
        }
    }

    private func deliverUntilStopped() async throws {
        var consumerConfiguration = ConsumerConfiguration(kafka: configuration.kafka, groupID: configuration.groupID)
        consumerConfiguration.isolationLevel = .readCommitted
        consumerConfiguration.offsetReset = .earliest
        // An email may wait long for a server that is down; the group must not drop us meanwhile.
        consumerConfiguration.maxPollIntervalMilliseconds = 86_400_000
        consumerConfiguration.sessionTimeoutMilliseconds = configuration.sessionTimeoutMilliseconds
        try await rememberLoggedEmails()
        let consumer = try KafkaConsumer(configuration: consumerConfiguration)
        var producerConfiguration = ProducerConfiguration(kafka: configuration.kafka)
        producerConfiguration.lingerMilliseconds = 1
        let producer = try KafkaProducer(configuration: producerConfiguration)
        try await consumer.subscribe([configuration.emailsTopic])
        defer { transport.close() }
        while !stopped.load(ordering: .relaxed) && !Task.isCancelled {
            for message in try await consumer.poll(maxMessages: 100, timeout: .milliseconds(200)) {
                guard try await deliver(message, producer: producer) else { break }
                try await consumer.commit([TopicPartitionOffset(message.topicPartition, offset: message.offset + 1)])
            }
        }
        try await producer.flush(timeout: .seconds(10))
        try await producer.close()
        try await consumer.close()
    }

    /// Sends one outbox record and logs the outcome; false when stopped before it was done.
    func deliver(_ message: KafkaMessage, producer: KafkaProducer) async throws -> Bool {
        let request: EmailRequested
        do {
            guard let data = try JSONReader.read(Array(message.value ?? []))["data"] else {
                throw EventDataError(path: "data", problem: "is missing")
            }
            request = try JSONValueDecoding.decode(EmailRequested.self, from: data, path: "data")
        } catch {
            log.error(
                "unreadable outbox record skipped", metadata: ["offset": "\(message.offset)", "error": "\(error)"])
            return true
        }
        let messageID = request.messageId
        if sentIDs.withLock({ $0.set.contains(messageID) }) {
            counts.withLock { $0.skipped += 1 }
            skippedCounter.increment()
            log.info(
                "already sent: not sent again", metadata: ["messageId": "\(messageID)", "offset": "\(message.offset)"])
            return true
        }
        let envelope = SMTPEnvelope(from: request.from, recipients: request.to, message: Array(request.message.utf8))
        let started = ContinuousClock.now
        var attempt = 1
        while true {
            let outcome = await transport.deliver(envelope, messageID: messageID)
            switch outcome {
            case .success(let reply):
                counts.withLock { $0.sent += 1 }
                sentCounter.increment()
                remember(messageID)
                try await record(
                    EmailSent(
                        messageId: messageID, reason: request.reason, kind: request.kind, to: request.to,
                        subject: request.subject, serverReply: reply, attempts: Int64(attempt),
                        transport: EmailSent.Transport(rawValue: transport.name) ?? .smtp),
                    key: messageID, producer: producer)
                return true
            case .failure(let error):
                let tooLong = configuration.retry.giveUpAfter.map { ContinuousClock.now - started >= $0 } ?? false
                if error.permanent || tooLong {
                    counts.withLock { $0.failed += 1 }
                    failedCounter.increment()
                    log.warning(
                        "email given up", metadata: ["messageId": "\(messageID)", "error": "\(error.description)"])
                    try await record(
                        EmailFailed(
                            messageId: messageID, reason: request.reason, kind: request.kind, to: request.to,
                            subject: request.subject,
                            error: tooLong && !error.permanent
                                ? "gave up after \(attempt) attempts: \(error)" : error.description,
                            code: Int64(error.code), attempts: Int64(attempt)),
                        key: messageID, producer: producer)
                    return true
                }
                counts.withLock { $0.retries += 1 }
                retriedCounter.increment()
                let delay = configuration.retry.delay(afterAttempt: attempt)
                log.warning(
                    "email delivery failed, will retry",
                    metadata: [
                        "messageId": "\(messageID)", "error": "\(error.description)", "attempt": "\(attempt)",
                        "retryIn": "\(delay)",
                    ])
                let until = ContinuousClock.now + delay
                while ContinuousClock.now < until {
                    if stopped.load(ordering: .relaxed) { return false }
                    try await Task.sleep(for: .milliseconds(50))
                }
                attempt += 1
            }
        }
    }

    /// The outcome on the email log, outside any transaction (the log is read committed or not).
    func record<T: EventData>(_ outcome: T, key: String, producer: KafkaProducer) async throws {
        let event = EventEnvelope(
            eventID: EventIDs.derived(from: "\(T.eventType.name)|\(key)", index: 0), type: T.eventType.name,
            schemaVersion: T.eventType.version, occurredAt: Date(), accountID: "-", merchantID: "-",
            data: EventDataEncoder.encode(outcome))
        try await producer.send(ProducerMessage(topic: configuration.logTopic, key: key, value: event.jsonBytes))
    }
}

/// The transport and the one serial queue it is used from (SMTP calls block).
final class TransportBox: @unchecked Sendable {
    private let transport: any MailTransport
    private let queue = DispatchQueue(label: "relance.mail-delivery")
    let name: String

    init(_ transport: any MailTransport) {
        self.transport = transport
        name = transport.name
    }

    func deliver(_ envelope: SMTPEnvelope, messageID: String) async -> Result<String, SMTPError> {
        await withCheckedContinuation { continuation in
            queue.async {
                do throws(SMTPError) {
                    continuation.resume(returning: .success(try self.transport.deliver(envelope, messageID: messageID)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
    }

    func close() { queue.sync { transport.close() } }
}
