import CoreMetrics
import Prometheus
import RelanceKafka
import Synchronization

/// The metrics backend the Relance executables choose: swift-metrics into a Prometheus
/// registry, served on `/metrics`. Libraries only emit through swift-metrics; a program that
/// embeds them may bootstrap another backend instead (then `/metrics` is empty).
///
/// Unlike swift-prometheus's own `PrometheusMetricsFactory`, this one gives every metric the
/// help text its library described (`MetricDescriptions`), so that the page has the `# HELP`
/// lines `promtool check metrics` asks for.
public struct PrometheusBackend: MetricsFactory {
    public let registry: PrometheusCollectorRegistry
    /// The help text a name was first made with: a Prometheus registry refuses a second, different one.
    private let helps = HelpTexts()
    static let durationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]
    static let valueBuckets: [Double] = [1, 5, 10, 50, 100, 500, 1000, 5000, 10000]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    private static let installed = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Bootstraps swift-metrics with a Prometheus registry once per process and returns that
    /// registry (the same one on later calls).
    public static func bootstrap() -> PrometheusCollectorRegistry {
        installed.withLock { registry in
            if let registry { return registry }
            let backend = PrometheusBackend()
            MetricsSystem.bootstrap(backend)
            registry = backend.registry
            return backend.registry
        }
    }

    /// The registry `bootstrap()` installed, if it ran.
    public static var current: PrometheusCollectorRegistry? { installed.withLock { $0 } }

    private func descriptor(_ label: String) -> MetricNameDescriptor {
        let help = helps.texts.withLock { helps in
            if let known = helps[label] { return known }
            let help = MetricDescriptions.help(for: label) ?? ""
            helps[label] = help
            return help
        }
        return MetricNameDescriptor(metricName: label, unitName: "", helpText: help)
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)])
        -> any FloatingPointCounterHandler
    {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        aggregate
            ? registry.makeValueHistogram(descriptor: descriptor(label), labels: dimensions, buckets: Self.valueBuckets)
            : registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions, buckets: Self.durationBuckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    public func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    public func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}

private final class HelpTexts: Sendable {
    let texts = Mutex<[String: String]>([:])
}
