import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Something a worker process runs beside its runtime (reminder-mailer's email delivery):
/// started with it, stopped with it on SIGTERM.
public protocol BackgroundService: Sendable {
    func run() async throws
    func stop() async
}

/// A second worker runtime in the same process, run as a service (reminder-mailer's digest).
public struct RuntimeService<W: Worker>: BackgroundService {
    public let runtime: WorkerRuntime<W>

    public init(_ worker: W, configuration: RuntimeConfiguration) {
        runtime = WorkerRuntime(worker: worker, configuration: configuration)
    }

    public func run() async throws { try await runtime.run() }
    public func stop() async { await runtime.stop() }
}

/// The `main` of a worker executable: configuration from the environment, the HTTP
/// endpoint, SIGTERM/SIGINT for a graceful stop, and the runtime loop.
public enum WorkerMain {
    /// Returns the process exit code: 0 after a graceful stop, 1 on a fatal error, 2 on bad
    /// configuration. `alongside` makes a service to run beside the runtime, from the same
    /// configuration; if either fails, both stop.
    public static func run<W: Worker>(
        _ worker: W, environment: [String: String] = ProcessInfo.processInfo.environment,
        alongside: ((RuntimeConfiguration, Logger) throws -> [any BackgroundService])? = nil
    )
        async -> Int32
    {
        let configuration: RuntimeConfiguration
        do {
            configuration = try RuntimeConfiguration.fromEnvironment(environment)
        } catch {
            Logger(worker: worker.name, level: .info).error("bad configuration", ["error": error.description])
            return 2
        }
        if let problem = configuration.commandProblem(worker) {
            Logger(worker: worker.name, level: .info).error("bad configuration", ["error": problem])
            return 2
        }
        let runtime = WorkerRuntime(worker: worker, configuration: configuration)
        let services: [any BackgroundService]
        do {
            services = try alongside?(configuration, runtime.log) ?? []
        } catch {
            runtime.log.error("bad configuration", ["error": "\(error)"])
            return 2
        }
        var endpoint: HTTPEndpoint?
        if configuration.httpPort != 0 {
            do {
                endpoint = try HTTPEndpoint(port: configuration.httpPort) { path in
                    route(path, runtime: runtime)
                }
            } catch {
                runtime.log.error("cannot listen for HTTP", ["port": "\(configuration.httpPort)", "error": "\(error)"])
                return 2
            }
        }
        defer { endpoint?.stop() }
        let signals = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                // Still starting (connecting, initialising transactions, subscribing): nothing is
                // begun that a stop must finish, and the start-up calls may wait for a broker for
                // tens of seconds. End now.
                guard runtime.status.started.load(ordering: .relaxed) else {
                    runtime.log.info("signal received during start-up: stopping now", ["signal": "\(number)"])
                    exit(0)
                }
                runtime.log.info("signal received: stopping", ["signal": "\(number)"])
                Task {
                    for service in services { await service.stop() }
                    await runtime.stop()
                }
            }
            source.resume()
            return source
        }
        defer { for source in signals { source.cancel() } }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await runtime.run() }
                for service in services { group.addTask { try await service.run() } }
                do {
                    // The first to end (a graceful stop or a failure) stops the others.
                    try await group.next()
                    for service in services { await service.stop() }
                    await runtime.stop()
                    try await group.waitForAll()
                } catch {
                    for service in services { await service.stop() }
                    await runtime.stop()
                    throw error
                }
            }
            return 0
        } catch {
            runtime.log.error("fatal", ["error": "\(error)"])
            return 1
        }
    }

    /// The answer of the HTTP endpoint to a GET of `path`.
    public static func route<W: Worker>(_ path: String, runtime: WorkerRuntime<W>) -> (
        status: Int, contentType: String, body: String
    ) {
        switch path {
        case "/metrics": (200, "text/plain; version=0.0.4", runtime.metrics.render())
        case "/health/live": runtime.status.isLive ? (200, "text/plain", "live\n") : (503, "text/plain", "stalled\n")
        case "/health/ready":
            runtime.status.isReady ? (200, "text/plain", "ready\n") : (503, "text/plain", "not ready\n")
        default: (404, "text/plain", "not found\n")
        }
    }
}
