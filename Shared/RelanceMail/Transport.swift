import Foundation

/// Where finished emails go: an SMTP server, or a folder of `.eml` files (the demo).
public protocol MailTransport: AnyObject {
    /// "smtp" or "directory", for the email log.
    var name: String { get }
    /// Hands over one email; returns what the receiving end said. Throws `SMTPError`:
    /// transient errors are retried by the caller, permanent ones recorded.
    func deliver(_ envelope: SMTPEnvelope, messageID: String) throws(SMTPError) -> String
    func close()
}

/// Delivery over one reused SMTP connection, reopened after a failure.
public final class SMTPTransport: MailTransport {
    public let name = "smtp"
    let connection: SMTPConnection

    public init(configuration: SMTPConfiguration) {
        connection = SMTPConnection(configuration: configuration)
    }

    public func deliver(_ envelope: SMTPEnvelope, messageID: String) throws(SMTPError) -> String {
        try connection.send(envelope)
    }

    public func close() { connection.close() }
}

/// Writes each email to `<folder>/<Message-ID>.eml`: written to a temporary name and renamed,
/// so a file is whole or absent, and the same email written twice is one file.
public final class DirectoryTransport: MailTransport {
    public let name = "directory"
    public let folder: URL

    public init(folder: URL) throws {
        self.folder = folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    public func deliver(_ envelope: SMTPEnvelope, messageID: String) throws(SMTPError) -> String {
        let safe = String(
            messageID.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "@" ? $0 : "_" })
        let target = folder.appendingPathComponent("\(safe).eml")
        let temporary = folder.appendingPathComponent(".\(safe).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try Data(envelope.message).write(to: temporary)
            if FileManager.default.fileExists(atPath: target.path) {
                try FileManager.default.removeItem(at: target)
            }
            try FileManager.default.moveItem(at: temporary, to: target)
        } catch {
            throw .transient("cannot write \(target.path): \(error.localizedDescription)")
        }
        return "written to \(target.path)"
    }

    public func close() {}
}

/// How long to wait before the next attempt after a transient failure: doubling from `first`,
/// capped at `cap`.
public struct MailRetryPolicy: Sendable, Equatable {
    public var first: Duration
    public var cap: Duration
    /// Give up (record `email.failed`) once an email has waited this long; nil: never.
    public var giveUpAfter: Duration?

    public init(first: Duration = .seconds(1), cap: Duration = .seconds(60), giveUpAfter: Duration? = .seconds(86_400))
    {
        self.first = first
        self.cap = cap
        self.giveUpAfter = giveUpAfter
    }

    public func delay(afterAttempt attempt: Int) -> Duration {
        var delay = first
        for _ in 1..<max(1, attempt) {
            delay = delay * 2
            if delay >= cap { return cap }
        }
        return min(delay, cap)
    }
}
