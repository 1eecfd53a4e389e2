import Dispatch
import Foundation
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal HTTP/1.1 server for `/metrics`, `/health/live` and `/health/ready`: one thread
/// accepts, each connection is served on its own (a slow or idle client never delays a probe).
/// One request per connection; bodies are built by the caller. As a `Service` it stops on the
/// group's graceful shutdown. Written here rather than on SwiftNIO: three GET routes do not
/// justify a NIO build (docs/benchmarks.md, "Build cost").
public final class HTTPEndpoint: Service, Sendable {
    public typealias Route = @Sendable (_ path: String) -> (status: Int, contentType: String, body: String)

    public let port: Int
    private let socket: Int32
    private let stopped = Atomic(false)

    /// Listens on `port` (0: any free port, see `port`) on all interfaces.
    public init(port: Int, route: @escaping Route) throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: INADDR_ANY)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(.init(rawValue: code) ?? .EADDRINUSE)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        self.socket = fd
        let thread = Thread { [self] in
            while !stopped.load(ordering: .acquiring) {
                let client = accept(fd, nil, nil)
                if client < 0 { continue }
                HTTPEndpoint.connections.async { HTTPEndpoint.serve(client, route: route) }
            }
        }
        thread.name = "relance-http"
        thread.start()
    }

    /// Connections are served concurrently, each until its request is read (2 s at most).
    private static let connections = DispatchQueue(label: "relance-http", attributes: .concurrent)

    /// Serves until the service group shuts down gracefully (or the task is cancelled).
    public func run() async throws {
        try? await gracefulShutdown()
        stop()
    }

    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }

    private static func serve(_ client: Int32, route: Route) {
        defer { close(client) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // A client that never reads cannot hold the connection's thread for long either.
        var sendTimeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while request.count < 16_384 {
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { break }
            request += buffer[0..<n]
            if request.count >= 4, request.suffix(4) == [13, 10, 13, 10] { break }
        }
        let line = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = line.split(separator: " ")
        let response: (status: Int, contentType: String, body: String)
        if parts.count >= 2, parts[0] == "GET" {
            response = route(String(parts[1].split(separator: "?").first ?? ""))
        } else {
            response = (405, "text/plain", "method not allowed\n")
        }
        let reason = [200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"]
        let body = Array(response.body.utf8)
        let head =
            "HTTP/1.1 \(response.status) \(reason[response.status] ?? "Status")\r\n"
            + "Content-Type: \(response.contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array(head.utf8) + body
        var sent = 0
        while sent < bytes.count {
            // MSG_NOSIGNAL: a scraper that gave up and closed must not end the process (SIGPIPE).
            let n = bytes[sent...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
    }
}
