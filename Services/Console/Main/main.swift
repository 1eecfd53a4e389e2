import ConsoleService
import Foundation
import Prometheus
import RelanceRuntime

// relance-console: see ConsoleMain and docs/console.md.
let arguments = Array(CommandLine.arguments.dropFirst())
var metricsText: (@Sendable () -> String)?
if arguments.isEmpty {
    let registry = PrometheusBackend.bootstrap()
    metricsText = { registry.emitToString() }
}
let code = await ConsoleMain.run(
    arguments: arguments, environment: ProcessInfo.processInfo.environment, metricsText: metricsText)
exit(code)
