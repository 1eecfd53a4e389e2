import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A request's context: the client's address, for the audit records.
public struct ConsoleRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// The console behind Hummingbird: every request to `Console.handle`.
public struct ConsoleResponder: HTTPResponder {
    public typealias Context = ConsoleRequestContext
    public let console: Console
    /// Form posts larger than this are refused (a note is at most 500 characters).
    public static let maximumBody = 64 * 1024

    public init(console: Console) { self.console = console }

    public func respond(to request: Request, context: Context) async throws -> Response {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + (name == "cookie" ? "; " : ", ") + field.value } ?? field.value
        }
        // HTTPTypes moves Host to the request's authority.
        if let authority = request.head.authority { headers["host"] = authority }
        var consoleRequest = ConsoleRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
            headers: headers, remoteAddress: context.remoteAddress?.ipAddress)
        // The proof form uploads a bank file; every other form is small.
        let limit =
            request.method == .post && request.uri.path == "/proofs"
            ? ProofUpload.maximumRequestBytes : Self.maximumBody
        let answer: ConsoleResponse
        do {
            var request = request
            consoleRequest.body = Array(buffer: try await request.collectBody(upTo: limit))
            answer = await console.handle(consoleRequest)
        } catch {
            answer = console.tooLargeResponse(consoleRequest)
        }
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: answer.status), headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}

extension Console {
    /// The HTTP application, listening where the configuration says.
    public func application(logger: Logger) -> some ApplicationProtocol {
        Application(
            responder: ConsoleResponder(console: self),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "relance-console"),
            logger: logger)
    }
}
