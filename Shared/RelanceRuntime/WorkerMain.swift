import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The `main` of a worker executable: configuration from the environment, the HTTP
/// endpoint, SIGTERM/SIGINT for a graceful stop, and the runtime loop.
public enum WorkerMain {
    /// Returns the process exit code: 0 after a graceful stop, 1 on a fatal error, 2 on bad
    /// configuration.
    public static func run<W: Worker>(_ worker: W, environment: [String: String] = ProcessInfo.processInfo.environment)
        async -> Int32
    {
        let configuration: RuntimeConfiguration
        do {
            configuration = try RuntimeConfiguration.fromEnvironment(environment)
        } catch {
            Logger(worker: worker.name, level: .info).error("bad configuration", ["error": error.description])
            return 2
        }
        let runtime = WorkerRuntime(worker: worker, configuration: configuration)
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
                runtime.log.info("signal received: stopping", ["signal": "\(number)"])
                Task { await runtime.stop() }
            }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        do {
            try await runtime.run()
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
