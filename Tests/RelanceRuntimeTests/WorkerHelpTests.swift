import Foundation
import RelanceRuntime
import Testing

/// Every worker executable answers `--help` and `--version` without reading its configuration
/// or reaching for Kafka, and refuses arguments it does not take.
@Suite("Worker executables: --help, --version", .serialized)
struct WorkerHelpTests {
    static let workers: [(name: String, own: [String])] = [
        ("payment-retry", ["RELANCE_RETRY_POLICIES"]),
        ("gateway-sandbox", []),
        (
            "reminder-mailer",
            [
                "RELANCE_SMTP_URL", "RELANCE_MAIL_DIR", "RELANCE_MERCHANTS", "RELANCE_LADDER_DAYS",
                "RELANCE_PENDING_PAYMENT_DAYS", "RELANCE_MAIL_RETRY_CAP_SECONDS", "RELANCE_MAIL_GIVE_UP_HOURS",
                "RELANCE_RECIPIENTS_WAIT_HOURS",
            ]
        ),
        ("card-expiry", ["RELANCE_MERCHANT_TIME_ZONES"]),
        ("proof-validator", ["RELANCE_CSV_MAPPINGS", "RELANCE_PROOF_FEE_TOLERANCE_BP"]),
        ("reconciliation", ["RELANCE_AUTO_RECONCILE", "RELANCE_INVOICE_WAIT_HOURS"]),
        ("prepaid", ["RELANCE_TOPUP_POLICY", "RELANCE_CARD_BRANDS"]),
        ("recovery-stats", []),
    ]

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        // Settings that would fail at start: --help must not read them.
        try CommandLineTests.run(
            arguments, executable: executable,
            environment: ["RELANCE_KAFKA_BOOTSTRAP": "127.0.0.1:1", "RELANCE_BATCH_MAX_EVENTS": "not a number"])
    }

    @Test(
        "--help lists the worker's own variables and the runtime's, with defaults; --version; a stray argument is refused"
    )
    func help() throws {
        for (worker, own) in Self.workers {
            let started = ContinuousClock.now
            let help = try Self.run(worker, ["--help"])
            #expect(help.status == 0, "\(worker): \(help.output)")
            #expect(ContinuousClock.now - started < .seconds(10), "\(worker) --help answers at once")
            #expect(help.output.hasPrefix("\(worker) \(RelanceVersion.current): "))
            for name in own + RuntimeConfiguration.settings.map(\.name) {
                #expect(help.output.contains("  \(name) "), "\(worker) --help lists \(name)")
            }
            #expect(help.output.contains("RELANCE_KAFKA_BOOTSTRAP          localhost:9092"))
            let version = try Self.run(worker, ["--version"])
            #expect(version.status == 0 && version.output == "\(worker) \(RelanceVersion.current)")
            let stray = try Self.run(worker, ["--bootstrap", "x"])
            #expect(stray.status == 2)
            #expect(stray.output.contains("unexpected argument --bootstrap"))
        }
    }

    @Test("SIGTERM while the worker is still starting (no broker answers) ends it within a second or two")
    func stopDuringStartUp() async throws {
        let process = Process()
        process.executableURL = CommandLineTests.binary.deletingLastPathComponent().appendingPathComponent(
            "card-expiry")
        process.environment = ["RELANCE_KAFKA_BOOTSTRAP": "127.0.0.1:1", "RELANCE_HTTP_PORT": "0"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await Task.sleep(for: .milliseconds(1500))
        #expect(process.isRunning, "still starting: no broker answers")
        let signalled = ContinuousClock.now
        process.terminate()
        while process.isRunning && ContinuousClock.now - signalled < .seconds(20) {
            try await Task.sleep(for: .milliseconds(20))
        }
        let took = ContinuousClock.now - signalled
        #expect(!process.isRunning)
        #expect(took < .seconds(3), "ended \(took) after SIGTERM")
        if !process.isRunning { #expect(process.terminationStatus == 0) }
        if process.isRunning { process.interrupt() }
    }

    @Test("docs/runtime.md's table lists exactly the runtime's variables")
    func documented() throws {
        let root = CommandLineTests.binary.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let page = try String(contentsOf: root.appendingPathComponent("docs/runtime.md"), encoding: .utf8)
        let documented = page.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `RELANCE_") else { return nil }
            return line.dropFirst(3).split(separator: "`").first.map(String.init)
        }
        #expect(documented == RuntimeConfiguration.settings.map(\.name))
    }
}
