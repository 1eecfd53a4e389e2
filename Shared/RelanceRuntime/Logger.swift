import Foundation
import RelanceDomain
import Synchronization

public enum LogLevel: String, Sendable, Comparable {
    case debug, info, warning, error
    var rank: Int {
        switch self {
        case .debug: 0
        case .info: 1
        case .warning: 2
        case .error: 3
        }
    }
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rank < b.rank }
}

/// Structured logs: one JSON object per line on standard error.
public struct Logger: Sendable {
    public var worker: String
    public var level: LogLevel
    private static let lock = Mutex(())

    public init(worker: String, level: LogLevel) {
        self.worker = worker
        self.level = level
    }

    public func log(_ level: LogLevel, _ message: String, _ fields: KeyValuePairs<String, String> = [:]) {
        guard level >= self.level else { return }
        var members: [(key: String, value: JSONValue)] = [
            ("ts", .string(Timestamp.format(Date()))), ("level", .string(level.rawValue)),
            ("worker", .string(worker)), ("msg", .string(message)),
        ]
        for (key, value) in fields { members.append((key, .string(value))) }
        let line = JSONValue.object(members).jsonBytes + [0x0A]
        Self.lock.withLock { _ in
            line.withUnsafeBytes { bytes in
                var written = 0
                while written < bytes.count {
                    let n = write(2, bytes.baseAddress! + written, bytes.count - written)
                    if n <= 0 { break }
                    written += n
                }
            }
        }
    }

    public func debug(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.debug, message, fields) }
    public func info(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.info, message, fields) }
    public func warning(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) {
        log(.warning, message, fields)
    }
    public func error(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.error, message, fields) }
}
