import Foundation
import Logging
import Prometheus
import ServiceLifecycle

/// Something a worker process runs beside its runtime (reminder-mailer's email delivery), as a
/// swift-service-lifecycle `Service`; `stop()` ends it the way a graceful shutdown does, for a
/// caller that runs it without a `ServiceGroup` (the demo).
public protocol BackgroundService: Service {
    func stop() async
}

/// A second worker runtime in the same process, run as a service (reminder-mailer's digest).
public struct RuntimeService<W: Worker>: BackgroundService {
    public let runtime: WorkerRuntime<W>

    public init(_ worker: W, configuration: RuntimeConfiguration, logger: Logger? = nil) {
        runtime = WorkerRuntime(worker: worker, configuration: configuration, logger: logger)
    }

    public func run() async throws { try await runtime.run() }
    public func stop() async { await runtime.stop() }
}

/// The `main` of a worker executable: configuration from the environment, swift-log and
/// swift-metrics bootstrapped (JSON lines on stdout, Prometheus on `/metrics`), and the
/// runtime, the services beside it and the HTTP endpoint in one `ServiceGroup` that SIGTERM
/// and SIGINT shut down gracefully within `RELANCE_SHUTDOWN_SECONDS`, then cancel.
public enum WorkerMain {
    /// Returns the process exit code: 0 after a graceful stop, 1 on a fatal error, 2 on bad
    /// configuration. `alongside` makes services to run beside the runtime, from the same
    /// configuration (a library user adds its own, e.g. a tracing exporter); when any of them
    /// ends or fails, all are shut down.
    public static func run<W: Worker>(
        _ worker: W, environment: [String: String] = ProcessInfo.processInfo.environment,
        alongside: ((RuntimeConfiguration, Logger) throws -> [any Service])? = nil
    )
        async -> Int32
    {
        let configuration: RuntimeConfiguration
        do {
            configuration = try RuntimeConfiguration.fromEnvironment(environment)
        } catch {
            bootstrap(environment)
            Logger.runtime(worker: worker.name, group: "relance-\(worker.name)")
                .error("bad configuration", metadata: ["error": "\(error.description)"])
            return 2
        }
        RelanceLogging.bootstrap(format: configuration.logFormat, level: configuration.logLevel)
        let registry = PrometheusBackend.bootstrap()
        let log = Logger.runtime(worker: worker.name, group: configuration.group(for: worker.name))
        if let problem = configuration.commandProblem(worker) {
            log.error("bad configuration", metadata: ["error": "\(problem)"])
            return 2
        }
        let runtime = WorkerRuntime(worker: worker, configuration: configuration, logger: log)
        let services: [any Service]
        do {
            services = try alongside?(configuration, log) ?? []
        } catch {
            log.error("bad configuration", metadata: ["error": "\(error)"])
            return 2
        }
        var all: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if configuration.httpPort != 0 {
            do {
                // First in the group, so shut down last: probes and scrapes answer while the
                // runtimes finish.
                let endpoint = try HTTPEndpoint(port: configuration.httpPort) { path in
                    route(path, runtime: runtime, registry: registry)
                }
                all.append(.init(service: endpoint, serviceName: "http"))
            } catch {
                log.error(
                    "cannot listen for HTTP", metadata: ["port": "\(configuration.httpPort)", "error": "\(error)"])
                return 2
            }
        }
        for service in [runtime as any Service] + services {
            all.append(
                .init(
                    service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        var group = ServiceGroupConfiguration(
            services: all, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: log)
        group.maximumGracefulShutdownDuration = .seconds(configuration.shutdownSeconds)
        do {
            try await ServiceGroup(configuration: group).run()
            return 0
        } catch {
            log.error("fatal", metadata: ["error": "\(error)"])
            return 1
        }
    }

    /// Logging before the configuration could be read: the format and level asked for if
    /// they are readable, else the defaults.
    static func bootstrap(_ environment: [String: String]) {
        RelanceLogging.bootstrap(
            format: environment["RELANCE_LOG_FORMAT"].flatMap(LogFormat.init(rawValue:)) ?? .json,
            level: environment["RELANCE_LOG_LEVEL"].flatMap(RelanceLogging.level) ?? .info)
    }

    /// The answer of the HTTP endpoint to a GET of `path`.
    public static func route<W: Worker>(
        _ path: String, runtime: WorkerRuntime<W>, registry: PrometheusCollectorRegistry?
    ) -> (
        status: Int, contentType: String, body: String
    ) {
        switch path {
        case "/metrics": (200, "text/plain; version=0.0.4", registry?.emitToString() ?? "")
        case "/health/live": runtime.status.isLive ? (200, "text/plain", "live\n") : (503, "text/plain", "stalled\n")
        case "/health/ready":
            runtime.status.isReady ? (200, "text/plain", "ready\n") : (503, "text/plain", "not ready\n")
        default: (404, "text/plain", "not found\n")
        }
    }
}
