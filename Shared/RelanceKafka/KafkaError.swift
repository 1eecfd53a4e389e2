import CRdKafka

/// An error from the Kafka layer.
///
/// Every failure a librdkafka call reports is turned into a `KafkaError` that names the
/// operation, carries librdkafka's error code and text, and says how the caller should react
/// (`classification`): retry the same call, abort the current transaction, or give up on this
/// client. Errors raised by the Swift layer itself (a bad configuration value, a closed client)
/// use the same type so that a caller has one thing to catch.
public struct KafkaError: Error, Sendable, CustomStringConvertible, Equatable {
    /// How a caller should react to an error.
    public enum Classification: Sendable, Equatable {
        /// The same call may succeed if retried (a timeout, a coordinator move).
        case retriable
        /// The current transaction cannot commit: abort it, rewind, and start again.
        case abortRequired
        /// The client can do nothing more (fenced by a newer producer, a fatal idempotence
        /// error): destroy it and create a new one.
        case fatal
        /// Neither retriable nor fatal: the request itself is wrong (bad configuration,
        /// unknown topic, invalid argument). Retrying it unchanged fails again.
        case permanent
    }

    /// librdkafka's error code (`rd_kafka_resp_err_t`), wrapped so that callers need not
    /// import the C module.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        init(_ err: rd_kafka_resp_err_t) { self.rawValue = err.rawValue }
        var c: rd_kafka_resp_err_t { rd_kafka_resp_err_t(rawValue: rawValue) }

        /// librdkafka's symbolic name, e.g. `_MSG_TIMED_OUT` or `NOT_COORDINATOR`.
        public var name: String { String(cString: rd_kafka_err2name(c)) }
        public var description: String { name }

        public static let noError = Code(RD_KAFKA_RESP_ERR_NO_ERROR)
        public static let timedOut = Code(RD_KAFKA_RESP_ERR__TIMED_OUT)
        public static let messageTimedOut = Code(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
        public static let queueFull = Code(RD_KAFKA_RESP_ERR__QUEUE_FULL)
        public static let invalidArgument = Code(RD_KAFKA_RESP_ERR__INVALID_ARG)
        public static let state = Code(RD_KAFKA_RESP_ERR__STATE)
        public static let fenced = Code(RD_KAFKA_RESP_ERR__FENCED)
        public static let producerFenced = Code(RD_KAFKA_RESP_ERR_PRODUCER_FENCED)
        public static let invalidProducerEpoch = Code(RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH)
        public static let transport = Code(RD_KAFKA_RESP_ERR__TRANSPORT)
        public static let allBrokersDown = Code(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        public static let unknownTopic = Code(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
        public static let topicAlreadyExists = Code(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        public static let notCoordinator = Code(RD_KAFKA_RESP_ERR_NOT_COORDINATOR)
        public static let coordinatorNotAvailable = Code(
            RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE)
        public static let notLeaderForPartition = Code(
            RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION)
        public static let requestTimedOut = Code(RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT)
        public static let concurrentTransactions = Code(RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS)
        public static let unknownProducerID = Code(RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID)
        public static let topicAuthorizationFailed = Code(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
        public static let destroyed = Code(RD_KAFKA_RESP_ERR__DESTROY)
        public static let fatal = Code(RD_KAFKA_RESP_ERR__FATAL)
    }

    /// What the Swift layer was doing, e.g. `commit_transaction` or `configuration`.
    public let operation: String
    public let code: Code
    public let message: String
    public let classification: Classification

    public init(
        operation: String, code: Code, message: String,
        classification: Classification = .permanent
    ) {
        self.operation = operation
        self.code = code
        self.message = message
        self.classification = classification
    }

    public var isRetriable: Bool { classification == .retriable }
    public var requiresAbort: Bool { classification == .abortRequired }
    public var isFatal: Bool { classification == .fatal }

    public var description: String {
        "\(operation) failed: \(message) (\(code.name), \(classification))"
    }

    /// A configuration property that librdkafka does not know or refuses.
    public static func configuration(_ message: String) -> KafkaError {
        KafkaError(operation: "configuration", code: .invalidArgument, message: message)
    }

    /// A call made on a client that has already been closed.
    static func closed(_ operation: String) -> KafkaError {
        KafkaError(
            operation: operation, code: .destroyed, message: "the client is closed")
    }

    /// Builds an error from a plain response code, classifying it with what librdkafka
    /// tells about codes (fatal only when the client's fatal error is set).
    init(operation: String, err: rd_kafka_resp_err_t, rk: OpaquePointer? = nil) {
        var message = String(cString: rd_kafka_err2str(err))
        var classification = KafkaError.classify(err)
        var code = Code(err)
        if err == RD_KAFKA_RESP_ERR__FATAL, let rk {
            // The real cause hides behind _FATAL: ask the client for it.
            var buffer = [CChar](repeating: 0, count: 512)
            let underlying = rd_kafka_fatal_error(rk, &buffer, buffer.count)
            if underlying != RD_KAFKA_RESP_ERR_NO_ERROR {
                code = Code(underlying)
                message = cString(buffer)
            }
            classification = .fatal
        }
        self.init(
            operation: operation, code: code, message: message, classification: classification)
    }

    /// Builds an error from an `rd_kafka_error_t`, which carries librdkafka's own
    /// classification, and destroys it. Returns nil for a null pointer (success).
    static func consume(_ error: OpaquePointer?, operation: String) -> KafkaError? {
        guard let error else { return nil }
        defer { rd_kafka_error_destroy(error) }
        let classification: Classification
        if rd_kafka_error_is_fatal(error) != 0 {
            classification = .fatal
        } else if rd_kafka_error_txn_requires_abort(error) != 0 {
            classification = .abortRequired
        } else if rd_kafka_error_is_retriable(error) != 0 {
            classification = .retriable
        } else {
            classification = .permanent
        }
        return KafkaError(
            operation: operation,
            code: Code(rd_kafka_error_code(error)),
            message: String(cString: rd_kafka_error_string(error)),
            classification: classification)
    }

    /// The classification of a bare response code, for calls that return no
    /// `rd_kafka_error_t`. Transient broker and network conditions are retriable.
    static func classify(_ err: rd_kafka_resp_err_t) -> Classification {
        switch err {
        case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
            RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
            RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
            RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
            RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
            RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS, RD_KAFKA_RESP_ERR__WAIT_COORD,
            RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
            return .retriable
        case RD_KAFKA_RESP_ERR__FATAL, RD_KAFKA_RESP_ERR__FENCED,
            RD_KAFKA_RESP_ERR_PRODUCER_FENCED:
            return .fatal
        default:
            return .permanent
        }
    }
}

/// Throws when a plain response code is not `NO_ERROR`.
@inline(__always)
func check(_ err: rd_kafka_resp_err_t, _ operation: String, rk: OpaquePointer? = nil)
    throws(KafkaError)
{
    if err != RD_KAFKA_RESP_ERR_NO_ERROR {
        throw KafkaError(operation: operation, err: err, rk: rk)
    }
}

/// The text of a NUL-terminated C buffer.
func cString(_ buffer: [CChar]) -> String {
    buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}
