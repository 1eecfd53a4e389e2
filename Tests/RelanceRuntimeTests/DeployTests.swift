import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import Testing

/// `deploy/` cannot run here (no container engine): these checks keep it in step with the code —
/// every executable built, shipped and started, every variable one the code reads, the health
/// and metrics endpoints and port the runtime serves.
@Suite("deploy/ in step with the code")
struct DeployTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Executables of `Services/` in Package.swift: `relance` and the workers.
    static func executables() throws -> [String] {
        let manifest = try text("Package.swift")
        var names: [String] = []
        for block in manifest.components(separatedBy: ".executableTarget(").dropFirst() {
            // The target's own arguments end at its closing line, "        ),".
            let target = block.components(separatedBy: "\n        ),")[0]
            guard let name = target.firstMatch(of: /name: "([^"]+)"/)?.1, target.contains("path: \"Services/")
            else { continue }
            names.append(String(name))
        }
        return names
    }

    /// Every `"RELANCE_…"` string the code reads.
    static func variablesInCode() throws -> Set<String> {
        var names: Set<String> = []
        for folder in ["Shared", "Services"] {
            let base = root.appendingPathComponent(folder)
            let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)!
            for case let file as URL in files where file.pathExtension == "swift" {
                let source = try String(contentsOf: file, encoding: .utf8)
                for match in source.matches(of: /"(RELANCE_[A-Z_]+)"/) { names.insert(String(match.1)) }
            }
        }
        return names
    }

    @Test("the image builds, ships and can start every executable")
    func image() throws {
        let executables = try Self.executables()
        #expect(executables.contains("relance") && executables.count >= 8, "\(executables)")
        let dockerfile = try Self.text("deploy/Dockerfile")
        let entrypoint = try Self.text("deploy/entrypoint.sh")
        for name in executables {
            #expect(dockerfile.contains("--product \(name) "), "the image does not build \(name)")
            #expect(
                dockerfile.contains(" \(name) ") || dockerfile.contains(" \(name);"), "the image does not copy \(name)")
            #expect(
                entrypoint.contains("|\(name)|") || entrypoint.contains("|\(name))") || entrypoint.contains("\(name)|"))
        }
        // The runtime image's librdkafka must be ≥ 2.1, and ≥ 2.4 to be past the timer spin
        // (docs/brokers.md): Debian 13 has 2.8. scripts/image-test.sh runs the executables in it.
        #expect(dockerfile.contains("FROM debian:trixie-slim"))
        #expect(dockerfile.contains("EXPOSE \(RuntimeConfiguration().httpPort)"))
    }

    @Test("compose and Kubernetes run every worker, the topics job and the clock, with variables the code reads")
    func manifests() throws {
        let workers = try Self.executables().filter { $0 != "relance" }
        let compose = try Self.text("deploy/compose.yaml")
        let kubernetes = try ["namespace", "config", "topics-job", "workers", "autoscaling"].map {
            try Self.text("deploy/k8s/\($0).yaml")
        }
        .joined(separator: "\n---\n")
        for worker in workers {
            #expect(compose.contains("command: [\"\(worker)\"]"), "compose does not run \(worker)")
            #expect(kubernetes.contains("args: [\"\(worker)\"]"), "Kubernetes does not run \(worker)")
        }
        for manifest in [compose, kubernetes] {
            #expect(manifest.contains("\"relance\", \"topics\""), "topics are created")
            #expect(manifest.contains("\"relance\", \"clock\", \"tick\""), "a ticker gives the time")
        }
        // Probes and scraping on what the runtime serves.
        let routes = try Self.text("Shared/RelanceRuntime/WorkerMain.swift")
        for path in ["/health/live", "/health/ready", "/metrics"] {
            #expect(routes.contains("\"\(path)\""), "the runtime serves no \(path)")
            #expect(kubernetes.contains(path), "Kubernetes does not use \(path)")
        }
        #expect(kubernetes.contains("containerPort: \(RuntimeConfiguration().httpPort)"))
        // Every RELANCE_ variable set anywhere in deploy/ is one the code reads.
        let known = try Self.variablesInCode()
        for manifest in [compose, kubernetes, try Self.text("deploy/Dockerfile")] {
            for match in manifest.matches(of: /(RELANCE_[A-Z_]+)/) {
                let name = String(match.1)
                #expect(known.contains(name) || name.hasPrefix("RELANCE_KAFKA_PROP_"), "\(name) is read by no code")
            }
        }
        // The relance subcommands the manifests call exist.
        let commands = try Self.text("Services/Relance/Events.swift") + Self.text("Services/Relance/Relance.swift")
        #expect(commands.contains("commandName: \"topics\"") && commands.contains("struct Tick"))
    }

    @Test("Kubernetes reaches a secured Kafka: TLS with the CA Secret, each workload its own SASL principal")
    func securedKafka() throws {
        let config = try Self.text("deploy/k8s/config.yaml")
        let workloads =
            try Self.text("deploy/k8s/workers.yaml").components(separatedBy: "\n---\n")
            .filter { $0.contains("kind: Deployment") } + [try Self.text("deploy/k8s/topics-job.yaml")]
        // The ConfigMap's properties are ones librdkafka takes (the CA file exists only in the pod).
        var properties: [String: String] = [:]
        for match in config.matches(of: /\n  (RELANCE_KAFKA_PROP_[A-Z_]+): ([^\n]+)/) {
            properties[String(match.1)] = String(match.2)
        }
        #expect(properties["RELANCE_KAFKA_PROP_SECURITY_PROTOCOL"] == "sasl_ssl")
        let ca = properties.removeValue(forKey: "RELANCE_KAFKA_PROP_SSL_CA_LOCATION") ?? ""
        _ = try KafkaConfiguration.fromEnvironment(properties)
        // Every password has its key in the credentials Secret, and every workload mounts the CA where
        // the ConfigMap says it is.
        let credentials = try #require(
            config.components(separatedBy: "\n---\n").first {
                $0.contains("name: relance-kafka-credentials")
            })
        var principals: Set<String> = []
        for workload in workloads {
            let name = workload.firstMatch(of: /\n  name: ([a-z-]+)\n/)?.1 ?? "?"
            let user = workload.firstMatch(
                of: /RELANCE_KAFKA_PROP_SASL_USERNAME\n\s+value: ([a-z-]+)/)?.1
            let key = workload.firstMatch(
                of:
                    /RELANCE_KAFKA_PROP_SASL_PASSWORD\n\s+valueFrom:\n\s+secretKeyRef:\n\s+name: relance-kafka-credentials\n\s+key: ([a-z-]+)/
            )?.1
            #expect(user != nil && user == key, "\(name): its SASL user and password")
            if let key { #expect(credentials.contains("\n  \(key): "), "\(name): \(key) not in the Secret") }
            principals.insert(String(user ?? ""))
            #expect(workload.contains("secretName: relance-kafka-ca"), "\(name) does not mount the CA")
            #expect(ca.hasPrefix("/etc/relance/kafka/") && workload.contains("mountPath: /etc/relance/kafka"))
        }
        #expect(principals.count == workloads.count, "one principal per workload")
    }
}
