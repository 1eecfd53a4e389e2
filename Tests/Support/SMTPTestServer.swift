import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `Tests/ReminderMailerTests/smtp_server.py` (aiosmtpd) as a child process: a real SMTP server
/// over TCP, for the mail tests, the mail chaos test and mail-bench.
public final class SMTPTestServer {
    public let folder: URL
    public let port: Int
    private var process: Process?
    let arguments: [String]

    public struct Options {
        public var tls = false
        public var auth: String?
        public var failFirst = 0
        public var refuse: String?

        public init(tls: Bool = false, auth: String? = nil, failFirst: Int = 0, refuse: String? = nil) {
            self.tls = tls
            self.auth = auth
            self.failFirst = failFirst
            self.refuse = refuse
        }
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ReminderMailerTests/smtp_server.py").path

    /// A self-signed certificate for "localhost", made once per test run.
    public static let certificate: (cert: String, key: String) = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("relance-smtp-tls-\(getpid())")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cert = folder.appendingPathComponent("cert.pem").path
        let key = folder.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj",
            "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        openssl.standardError = FileHandle.nullDevice
        openssl.standardOutput = FileHandle.nullDevice
        try? openssl.run()
        openssl.waitUntilExit()
        return (cert, key)
    }()

    public init(_ options: Options = Options(), port: Int = 0, folder: URL? = nil) throws {
        self.folder =
            folder
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("relance-smtp-\(UUID().uuidString)")
        var arguments = [Self.script, "--dir", self.folder.path, "--port", String(port)]
        if options.tls { arguments += ["--tls", Self.certificate.cert, Self.certificate.key] }
        if let auth = options.auth { arguments += ["--auth", auth] }
        if options.failFirst > 0 { arguments += ["--fail-first", String(options.failFirst)] }
        if let refuse = options.refuse { arguments += ["--refuse", refuse] }
        self.arguments = arguments
        self.port = try Self.launch(arguments, into: &process)
    }

    private static func launch(_ arguments: [String], into slot: inout Process?) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        // Not the test's own stderr: a child holding it open would keep `swift test | …` waiting.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("relance-smtp-\(getpid()).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        slot = process
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while !text.contains("\n"), Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let line = text.split(separator: "\n").first, line.hasPrefix("ready "),
            let port = Int(line.dropFirst(6))
        else {
            kill(process.processIdentifier, SIGKILL)
            throw TestServerError("smtp_server.py did not start (is python3-aiosmtpd installed?): \(text)")
        }
        return port
    }

    /// Stops the server (the port is closed: connections are refused). SIGKILL: the child
    /// inherits the test process's blocked signals, SIGTERM among them.
    public func stop() {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        process = nil
    }

    /// Starts it again on the same port and folder.
    public func restart() throws {
        stop()
        var arguments = self.arguments
        if let index = arguments.firstIndex(of: "--port") { arguments[index + 1] = String(port) }
        _ = try Self.launch(arguments, into: &process)
    }

    deinit { stop() }

    /// The messages received so far, in order of arrival.
    public func messages() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".eml") }.sorted().compactMap {
            try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)
        }
    }

    /// Waits until `count` messages have arrived.
    public func waitFor(_ count: Int, within seconds: Double = 30) async throws -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let received = messages()
            if received.count >= count { return received }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestServerError("waited for \(count) messages, have \(messages().count)")
    }
}

public struct TestServerError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
