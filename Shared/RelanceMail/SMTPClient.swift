import COpenSSL
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where and how to deliver mail: `smtp://user:password@host:587?security=starttls`.
public struct SMTPConfiguration: Sendable, Equatable {
    public enum Security: String, Sendable {
        /// Plain text (a local relay, tests).
        case none
        /// STARTTLS is required: no mail goes out in clear if the server does not offer it.
        case starttls
        /// TLS from the first byte (port 465, "SMTPS").
        case tls
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// The name given in EHLO.
    public var heloName: String
    public var connectTimeout: Duration
    /// How long one command's reply may take (RFC 5321 allows minutes; ours is shorter).
    public var commandTimeout: Duration
    /// Check the server's certificate and name (turn off only for a test server).
    public var verifyCertificate: Bool
    /// A CA file to trust besides the system's (a private relay's CA).
    public var caFile: String?

    public init(
        host: String, port: Int = 587, security: Security = .starttls, username: String? = nil,
        password: String? = nil, heloName: String = "relance.localhost", connectTimeout: Duration = .seconds(10),
        commandTimeout: Duration = .seconds(60), verifyCertificate: Bool = true, caFile: String? = nil
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.heloName = heloName
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.verifyCertificate = verifyCertificate
        self.caFile = caFile
    }

    /// `smtp://[user[:password]@]host[:port][?security=none|starttls|tls&verify=false&ca=/path&timeout=30]`;
    /// `smtps://` means security=tls and port 465 by default. User and password are percent-decoded.
    /// `text` with the password of its `user:password@` part hidden, for messages and logs.
    public static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let scheme = text.range(of: "://"), scheme.upperBound < at,
            let colon = text[scheme.upperBound..<at].firstIndex(of: ":")
        else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }

    public static func parse(_ text: String) throws(MailConfigurationError) -> SMTPConfiguration {
        guard let url = URLComponents(string: text), let scheme = url.scheme, scheme == "smtp" || scheme == "smtps",
            let host = url.host, !host.isEmpty
        else {
            throw MailConfigurationError("\(redacted(text)) is not an smtp:// or smtps:// URL with a host")
        }
        var configuration = SMTPConfiguration(
            host: host, port: url.port ?? (scheme == "smtps" ? 465 : 587),
            security: scheme == "smtps" ? .tls : .starttls)
        configuration.username = url.user?.removingPercentEncoding
        configuration.password = url.password?.removingPercentEncoding
        for item in url.queryItems ?? [] {
            switch item.name {
            case "security":
                guard let value = item.value.flatMap(Security.init(rawValue:)) else {
                    throw MailConfigurationError("security must be none, starttls or tls")
                }
                configuration.security = value
            case "verify": configuration.verifyCertificate = item.value != "false"
            case "ca": configuration.caFile = item.value
            case "timeout":
                guard let seconds = item.value.flatMap(Int.init), seconds > 0 else {
                    throw MailConfigurationError("timeout must be a number of seconds")
                }
                configuration.commandTimeout = .seconds(seconds)
            case "helo": configuration.heloName = item.value ?? configuration.heloName
            default: throw MailConfigurationError("unknown SMTP URL parameter \(item.name)")
            }
        }
        return configuration
    }
}

public struct MailConfigurationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What went wrong delivering: transient (4xx, connection, timeout: try again later) or
/// permanent (5xx: do not retry, record the reason).
public struct SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public var permanent: Bool
    /// The server's reply code, 0 when there was no reply (connection, TLS, timeout).
    public var code: Int
    public var message: String

    public static func transient(_ message: String, code: Int = 0) -> SMTPError {
        SMTPError(permanent: false, code: code, message: message)
    }

    public static func permanent(_ message: String, code: Int) -> SMTPError {
        SMTPError(permanent: true, code: code, message: message)
    }

    public var description: String { code > 0 ? "\(code) \(message)" : message }
}

/// One email to hand to the server: the envelope and the whole RFC 5322 message.
public struct SMTPEnvelope: Sendable {
    public var from: String
    public var recipients: [String]
    /// The message, lines ending in CRLF, 7-bit clean.
    public var message: [UInt8]

    public init(from: String, recipients: [String], message: [UInt8]) {
        self.from = from
        self.recipients = recipients
        self.message = message
    }
}

/// A reply: its code and its lines (without the code).
struct SMTPReply {
    var code: Int
    var lines: [String]
    var text: String { lines.joined(separator: " ") }
}

/// One SMTP session, blocking, for one thread at a time. Open it, send any number of emails
/// (the connection is reused), close it. Uses PIPELINING when the server offers it.
public final class SMTPConnection {
    public let configuration: SMTPConfiguration
    private var socket: Int32 = -1
    private var tls: OpaquePointer?
    private var context: OpaquePointer?
    private var buffer: [UInt8] = []
    private var extensions: Set<String> = []
    private var authMechanisms: Set<String> = []
    public private(set) var isOpen = false

    public init(configuration: SMTPConfiguration) {
        self.configuration = configuration
    }

    deinit { closeSocket() }

    /// Connects, reads the greeting, EHLO, STARTTLS (and EHLO again), AUTH.
    public func open() throws(SMTPError) {
        closeSocket()
        try connect()
        if configuration.security == .tls { try startTLS() }
        let greeting = try readReply()
        guard greeting.code == 220 else { throw failure(greeting, "greeting") }
        try hello()
        if configuration.security == .starttls {
            guard extensions.contains("STARTTLS") else {
                throw .permanent("the server does not offer STARTTLS and security=starttls is required", code: 0)
            }
            let reply = try command("STARTTLS")
            guard reply.code == 220 else { throw failure(reply, "STARTTLS") }
            try startTLS()
            try hello()
        }
        if let username = configuration.username {
            try authenticate(username: username, password: configuration.password ?? "")
        }
        isOpen = true
    }

    /// Sends one email; returns the server's acceptance ("250 2.0.0 Ok: queued as …").
    /// A recipient refused with 5xx is skipped when others are accepted; all refused is permanent.
    @discardableResult
    public func send(_ envelope: SMTPEnvelope) throws(SMTPError) -> String {
        if !isOpen { try open() }
        do {
            return try transaction(envelope)
        } catch {
            if !error.permanent { closeSocket() }
            throw error
        }
    }

    private func transaction(_ envelope: SMTPEnvelope) throws(SMTPError) -> String {
        let commands = ["MAIL FROM:<\(envelope.from)>"] + envelope.recipients.map { "RCPT TO:<\($0)>" }
        var replies: [SMTPReply] = []
        if extensions.contains("PIPELINING") {
            try write(Array((commands + ["DATA"]).map { $0 + "\r\n" }.joined().utf8))
            for _ in 0..<(commands.count + 1) { replies.append(try readReply()) }
        } else {
            for line in commands { replies.append(try command(line)) }
        }
        let mail = replies[0]
        guard mail.code == 250 else {
            if extensions.contains("PIPELINING") { try? abandonData(replies.last!) }
            _ = try? command("RSET")
            throw failure(mail, "MAIL FROM")
        }
        let recipientReplies = replies[1...commands.count - 1]
        let accepted = recipientReplies.filter { $0.code == 250 || $0.code == 251 }
        if accepted.isEmpty {
            if extensions.contains("PIPELINING") { try? abandonData(replies.last!) }
            _ = try? command("RSET")
            throw failure(recipientReplies.first(where: { $0.code >= 500 }) ?? recipientReplies.first!, "RCPT TO")
        }
        let data = extensions.contains("PIPELINING") ? replies.last! : try command("DATA")
        guard data.code == 354 else {
            _ = try? command("RSET")
            throw failure(data, "DATA")
        }
        try write(Self.dotStuffed(envelope.message))
        let done = try readReply()
        guard done.code == 250 else { throw failure(done, "end of data") }
        return "\(done.code) \(done.text)"
    }

    /// With pipelining, DATA was sent after a refused MAIL or RCPT; if the server said 354
    /// anyway, end the empty message so the session stays in step.
    private func abandonData(_ reply: SMTPReply) throws(SMTPError) {
        if reply.code == 354 {
            try write(Array(".\r\n".utf8))
            _ = try readReply()
        }
    }

    /// QUIT and close.
    public func close() {
        if isOpen { _ = try? command("QUIT") }
        closeSocket()
    }

    // MARK: Protocol

    private func hello() throws(SMTPError) {
        let reply = try command("EHLO \(configuration.heloName)")
        guard reply.code == 250 else { throw failure(reply, "EHLO") }
        extensions = []
        authMechanisms = []
        for line in reply.lines.dropFirst() {
            let words = line.uppercased().split(separator: " ")
            guard let keyword = words.first else { continue }
            extensions.insert(String(keyword))
            if keyword == "AUTH" { authMechanisms.formUnion(words.dropFirst().map(String.init)) }
        }
    }

    private func authenticate(username: String, password: String) throws(SMTPError) {
        guard tls != nil || configuration.security == .none else {
            throw .permanent("refusing to send credentials without TLS", code: 0)
        }
        if authMechanisms.contains("PLAIN") || !authMechanisms.contains("LOGIN") {
            let token = Data(([0] + Array(username.utf8) + [0] + Array(password.utf8))).base64EncodedString()
            let reply = try command("AUTH PLAIN \(token)")
            guard reply.code == 235 else { throw failure(reply, "AUTH PLAIN") }
        } else {
            var reply = try command("AUTH LOGIN")
            guard reply.code == 334 else { throw failure(reply, "AUTH LOGIN") }
            reply = try command(Data(username.utf8).base64EncodedString())
            guard reply.code == 334 else { throw failure(reply, "AUTH LOGIN") }
            reply = try command(Data(password.utf8).base64EncodedString())
            guard reply.code == 235 else { throw failure(reply, "AUTH LOGIN") }
        }
    }

    private func failure(_ reply: SMTPReply, _ step: String) -> SMTPError {
        let message = "\(step): \(reply.text)"
        return reply.code >= 500 ? .permanent(message, code: reply.code) : .transient(message, code: reply.code)
    }

    private func command(_ line: String) throws(SMTPError) -> SMTPReply {
        try write(Array((line + "\r\n").utf8))
        return try readReply()
    }

    private func readReply() throws(SMTPError) -> SMTPReply {
        var lines: [String] = []
        while true {
            let line = try readLine()
            guard line.count >= 3, let code = Int(line.prefix(3)) else {
                throw .transient("unreadable reply \"\(line.prefix(80))\"")
            }
            lines.append(String(line.dropFirst(4)))
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " {
                return SMTPReply(code: code, lines: lines)
            }
        }
    }

    /// Lines starting with "." get another; the message ends with CRLF "." CRLF.
    static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + 64)
        var atLineStart = true
        for byte in message {
            if atLineStart && byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            out.append(byte)
            atLineStart = byte == 0x0A
        }
        if !out.isEmpty && !(out.count >= 2 && out[out.count - 2] == 0x0D && out[out.count - 1] == 0x0A) {
            out += [0x0D, 0x0A]
        }
        out += Array(".\r\n".utf8)
        return out
    }

    // MARK: Transport

    private func connect() throws(SMTPError) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(configuration.host, String(configuration.port), &hints, &result)
        guard status == 0, let first = result else {
            throw .transient("cannot resolve \(configuration.host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(result) }
        var lastError = "no address"
        var address: UnsafeMutablePointer<addrinfo>? = first
        while let candidate = address {
            address = candidate.pointee.ai_next
            let fd = Glibc.socket(
                candidate.pointee.ai_family, candidate.pointee.ai_socktype, candidate.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            var connected = Glibc.connect(fd, candidate.pointee.ai_addr, candidate.pointee.ai_addrlen) == 0
            if !connected && errno == EINPROGRESS {
                var pollfd = Glibc.pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                if poll(&pollfd, 1, Int32(Self.milliseconds(configuration.connectTimeout))) == 1 {
                    var error: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                    connected = error == 0
                    if !connected { lastError = String(cString: strerror(error)) }
                } else {
                    lastError = "timed out after \(configuration.connectTimeout)"
                }
            } else if !connected {
                lastError = String(cString: strerror(errno))
            }
            guard connected else {
                Glibc.close(fd)
                continue
            }
            _ = fcntl(fd, F_SETFL, flags)
            var timeout = timeval(
                tv_sec: Int(Self.milliseconds(configuration.commandTimeout) / 1000),
                tv_usec: Int(Self.milliseconds(configuration.commandTimeout) % 1000) * 1000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var on: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            socket = fd
            return
        }
        throw .transient("cannot connect to \(configuration.host):\(configuration.port): \(lastError)")
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    private func startTLS() throws(SMTPError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw .transient("TLS: no context") }
        self.context = context
        _ = relance_ssl_ctx_set_min_tls12(context)
        if configuration.verifyCertificate {
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
            SSL_CTX_set_default_verify_paths(context)
            if let caFile = configuration.caFile, SSL_CTX_load_verify_locations(context, caFile, nil) != 1 {
                throw .permanent("TLS: cannot read the CA file \(caFile)", code: 0)
            }
        }
        guard let tls = SSL_new(context) else { throw .transient("TLS: no session") }
        self.tls = tls
        _ = relance_ssl_set_sni(tls, configuration.host)
        if configuration.verifyCertificate { SSL_set1_host(tls, configuration.host) }
        SSL_set_fd(tls, socket)
        guard SSL_connect(tls) == 1 else {
            let verify = SSL_get_verify_result(tls)
            let reason =
                verify != X509_V_OK
                ? String(cString: X509_verify_cert_error_string(verify)) : Self.openSSLError()
            // A certificate the server will present again is no passing trouble.
            throw verify != X509_V_OK ? .permanent("TLS: \(reason)", code: 0) : .transient("TLS handshake: \(reason)")
        }
    }

    static func openSSLError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "connection closed" }
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func write(_ bytes: [UInt8]) throws(SMTPError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { raw -> Int in
                if let tls { return Int(SSL_write(tls, raw.baseAddress, Int32(raw.count))) }
                return Glibc.send(socket, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else {
                closeSocket()
                throw .transient("connection lost while writing (\(String(cString: strerror(errno))))")
            }
            offset += written
        }
    }

    private func readLine() throws(SMTPError) -> String {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                var line = buffer[..<newline]
                if line.last == 0x0D { line = line.dropLast() }
                let text = String(decoding: line, as: UTF8.self)
                buffer.removeSubrange(...newline)
                return text
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { raw -> Int in
                if let tls { return Int(SSL_read(tls, raw.baseAddress, Int32(raw.count))) }
                return recv(socket, raw.baseAddress, raw.count, 0)
            }
            guard count > 0 else {
                let timedOut = errno == EAGAIN || errno == EWOULDBLOCK
                closeSocket()
                throw .transient(
                    timedOut
                        ? "no reply within \(configuration.commandTimeout)"
                        : "connection closed by \(configuration.host)")
            }
            buffer.append(contentsOf: chunk[..<count])
        }
    }

    private func closeSocket() {
        if let tls {
            SSL_shutdown(tls)
            SSL_free(tls)
        }
        if let context { SSL_CTX_free(context) }
        tls = nil
        context = nil
        if socket >= 0 { Glibc.close(socket) }
        socket = -1
        buffer = []
        isOpen = false
    }
}
