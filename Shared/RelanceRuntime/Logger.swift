import Foundation
import Logging
import RelanceDomain
import RelanceEvents
import Synchronization

/// How the executables write logs (`RELANCE_LOG_FORMAT`): JSON lines (default, for log
/// shippers) or text (for a terminal).
public enum LogFormat: String, Sendable {
    case json, text
}

/// The backend the Relance executables choose for swift-log. Libraries (the runtime, the Kafka
/// layer, the mailer) only take a `Logger`; a program that embeds them bootstraps its own
/// handler (OpenTelemetry, a log shipper's) instead.
public enum RelanceLogging {
    private static let bootstrapped = Atomic(false)

    /// Where lines go: workers log on standard output (their stdout carries nothing else); the
    /// `relance` command on standard error, its stdout being its answer.
    public enum Stream: Sendable {
        case standardOutput, standardError
    }

    /// Bootstraps swift-log once per process: every line on `stream`, at `level` and above.
    /// Later calls do nothing (swift-log allows one bootstrap).
    public static func bootstrap(format: LogFormat, level: Logger.Level, stream: Stream = .standardOutput) {
        guard bootstrapped.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        LoggingSystem.bootstrap { label in
            switch format {
            case .json:
                var handler = JSONLinesLogHandler(label: label, fileDescriptor: stream == .standardOutput ? 1 : 2)
                handler.logLevel = level
                return handler
            case .text:
                var handler =
                    stream == .standardOutput
                    ? StreamLogHandler.standardOutput(label: label) : StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }

    /// `RELANCE_LOG_LEVEL`'s accepted values.
    public static func level(_ text: String) -> Logger.Level? {
        text == "warn" ? .warning : Logger.Level(rawValue: text)
    }
}

/// One JSON object per line (standard output by default): `ts`, `level`, `msg`, then the metadata
/// (`worker`, `group`, `partition` and what the call adds), every value a string.
public struct JSONLinesLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public let label: String
    private let fileDescriptor: Int32
    private static let lock = Mutex(())

    public init(label: String, fileDescriptor: Int32 = 1) {
        self.label = label
        self.fileDescriptor = fileDescriptor
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level = event.level
        let message = event.message
        let explicit = event.metadata
        var members: [(key: String, value: JSONValue)] = [
            ("ts", .string(Timestamp.format(Date()))), ("level", .string(level.rawValue)),
            ("msg", .string(message.description)),
        ]
        var merged = metadata
        if let explicit { merged.merge(explicit) { _, new in new } }
        for key in merged.keys.sorted() {
            if let value = merged[key] { members.append((key, Self.json(value))) }
        }
        if let error = event.error { members.append(("error", .string("\(error)"))) }
        let bytes = JSONValue.object(members).jsonBytes + [0x0A]
        Self.lock.withLock { _ in Self.write(bytes, to: fileDescriptor) }
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let value): .string(value.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let entries): .object(entries.sorted { $0.key < $1.key }.map { ($0.key, json($0.value)) })
        }
    }

    private static func write(_ bytes: [UInt8], to fileDescriptor: Int32) {
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var written = 0
            while written < buffer.count {
                let n = Foundation.write(fileDescriptor, base + written, buffer.count - written)
                if n <= 0 { break }
                written += n
            }
        }
    }
}

extension Logger {
    /// The runtime's logger for `worker`: its name and consumer group as metadata.
    static func runtime(worker: String, group: String) -> Logger {
        var logger = Logger(label: "relance.\(worker)")
        logger[metadataKey: "worker"] = .string(worker)
        logger[metadataKey: "group"] = .string(group)
        return logger
    }
}

extension Logger {
    /// A logger on the process's backend that lets through `level` and above.
    public init(label: String, level: Logger.Level) {
        self.init(label: label)
        logLevel = level
    }
}
