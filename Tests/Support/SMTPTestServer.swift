import Foundation

/// `smtp_server.py` (aiosmtpd) as a child process: a real SMTP server over TCP.
final class SMTPTestServer {
    let folder: URL
    let port: Int
    private var process: Process?
    let arguments: [String]

    struct Options {
        var tls = false
        var auth: String?
        var failFirst = 0
        var refuse: String?
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("smtp_server.py").path

    /// A self-signed certificate for "localhost", made once per test run.
    static let certificate: (cert: String, key: String) = {
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

    init(_ options: Options = Options(), port: Int = 0, folder: URL? = nil) throws {
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
    func stop() {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        process = nil
    }

    /// Starts it again on the same port and folder.
    func restart() throws {
        stop()
        var arguments = self.arguments
        if let index = arguments.firstIndex(of: "--port") { arguments[index + 1] = String(port) }
        _ = try Self.launch(arguments, into: &process)
    }

    deinit { stop() }

    /// The messages received so far, in order of arrival.
    func messages() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".eml") }.sorted().compactMap {
            try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)
        }
    }

    /// Waits until `count` messages have arrived.
    func waitFor(_ count: Int, within seconds: Double = 30) async throws -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let received = messages()
            if received.count >= count { return received }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestServerError("waited for \(count) messages, have \(messages().count)")
    }
}

struct TestServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Reading a received message: headers (unfolded, encoded words decoded) and the text part.
struct ReceivedMail {
    var headers: [String: String] = [:]
    var text = ""
    var html = ""

    init(_ raw: String) {
        let normalized = raw.replacingOccurrences(of: "\r\n", with: "\n")
        let parts = normalized.components(separatedBy: "\n\n")
        let head = parts[0].replacingOccurrences(of: "\n ", with: " ")
        for line in head.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon]).lowercased()
            headers[name] = Self.decodeWords(
                String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
        // Each part: its headers, a blank line, quoted-printable text.
        let body = parts.dropFirst().joined(separator: "\n\n")
        for section in body.components(separatedBy: "--=_relance_") {
            guard let split = section.range(of: "\n\n") else { continue }
            let content = Self.decodeQuotedPrintable(String(section[split.upperBound...]))
            if section.contains("Content-Type: text/plain") { text = content }
            if section.contains("Content-Type: text/html") { html = content }
        }
    }

    static func decodeWords(_ value: String) -> String {
        var out = ""
        for word in value.components(separatedBy: " ") {
            if word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="),
                let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))
            {
                out += String(decoding: data, as: UTF8.self)
            } else {
                out += (out.isEmpty ? "" : " ") + word
            }
        }
        return out
    }

    static func decodeQuotedPrintable(_ text: String) -> String {
        var bytes: [UInt8] = []
        let source = Array(text.replacingOccurrences(of: "=\n", with: "").utf8)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "="), index + 2 < source.count,
                let value = UInt8(String(decoding: source[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
