import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime
import Testing

/// What a worker executable does with its configuration at start: one reading for every worker
/// (the environment over `RELANCE_CONFIG_FILE`), files checked against their schemas, errors
/// that name the variable and the place, logged as JSON, secrets left out.
@Suite("Worker configuration at start", .serialized)
struct StartConfigurationTests {
    static func file(_ name: String, _ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("relance-conf-\(getpid())-\(name)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Runs a worker that must stop at start: its exit status and its one log line, parsed.
    static func refused(_ worker: String, _ environment: [String: String]) throws -> (
        status: Int32, line: JSONValue?, output: String
    ) {
        var environment = environment
        environment["RELANCE_KAFKA_BOOTSTRAP"] = environment["RELANCE_KAFKA_BOOTSTRAP"] ?? "127.0.0.1:1"
        environment["RELANCE_HTTP_PORT"] = "0"
        // A worker that (wrongly) starts would wait for a broker forever: ended after 20 s.
        let process = Process()
        process.executableURL = CommandLineTests.binary.deletingLastPathComponent().appendingPathComponent(worker)
        process.environment = environment
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(
            "relance-conf-\(getpid())-\(worker).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first.flatMap { try? JSONReader.read(Array($0.utf8)) }
        return (process.terminationStatus, line, text)
    }

    @Test("RELANCE_CONFIG_FILE: NAME=value lines beneath the environment; a name the worker does not read is refused")
    func configurationFile() throws {
        let path = try Self.file(
            "env",
            """
            # shared settings
            RELANCE_BATCH_MAX_MS=250
            export RELANCE_GROUP_ID="relance-blue"
            RELANCE_KAFKA_PROP_SECURITY_PROTOCOL='ssl'

            RELANCE_LOG_LEVEL=debug
            """)
        let known = ConfigurationFile.known()
        let merged = try ConfigurationFile.merged(
            ["RELANCE_CONFIG_FILE": path, "RELANCE_LOG_LEVEL": "warning"], known: known)
        let configuration = try RuntimeConfiguration.fromEnvironment(merged)
        #expect(configuration.batchMaxMilliseconds == 250)
        #expect(configuration.groupID == "relance-blue")
        #expect(configuration.kafkaProperties == ["security.protocol": "ssl"])
        #expect(configuration.logLevel == .warning, "the environment wins over the file")
        // Saved on Windows: every line is read all the same.
        let crlf = try Self.file("crlf", "# shared\r\nRELANCE_BATCH_MAX_MS=300\r\nRELANCE_GROUP_ID=relance-green\r\n")
        let fromCRLF = try RuntimeConfiguration.fromEnvironment(
            try ConfigurationFile.merged(["RELANCE_CONFIG_FILE": crlf], known: known))
        #expect(fromCRLF.batchMaxMilliseconds == 300 && fromCRLF.groupID == "relance-green")
        // One file may serve several workers: another worker's setting is no error.
        let shared = try Self.file("shared", "RELANCE_BATCH_MAX_MS=250\nRELANCE_SMTP_URL=smtp://relay:25\n")
        #expect(try ConfigurationFile.merged(["RELANCE_CONFIG_FILE": shared], known: known)["RELANCE_SMTP_URL"] != nil)
        let typo = try Self.file("typo", "RELANCE_BATCH_MAX_MS=250\nRELANCE_BATCH_MAX_MSS=300\n")
        #expect {
            _ = try ConfigurationFile.merged(["RELANCE_CONFIG_FILE": typo], known: known)
        } throws: { error in
            "\(error)".contains("line 2: RELANCE_BATCH_MAX_MSS is not a Relance setting")
        }
    }

    @Test(
        "a worker's JSON file with an unknown member or a wrong type stops the start, naming the variable and the path")
    func filesAgainstTheirSchemas() throws {
        // A typo in a member name was ignored before: the worker ran with the defaults.
        let policies = try Self.file("policies.json", #"{"default": {"cardSoftDeclines": "3d,3d"}}"#)
        let typo = try Self.refused("payment-retry", ["RELANCE_RETRY_POLICIES": policies])
        #expect(typo.status == 2, "\(typo.output)")
        #expect(typo.line?["msg"]?.stringValue == "bad configuration")
        #expect(typo.line?["level"]?.stringValue == "error")
        let error = typo.line?["error"]?.stringValue ?? ""
        #expect(error.contains("RELANCE_RETRY_POLICIES=\(policies)"), "\(error)")
        #expect(error.contains("$.default.cardSoftDeclines is not a setting of this file"), "\(error)")

        let zones = try Self.file("zones.json", #"{"m-1": 1}"#)
        let wrongType = try Self.refused("card-expiry", ["RELANCE_MERCHANT_TIME_ZONES": zones])
        #expect(wrongType.status == 2)
        #expect(
            wrongType.line?["error"]?.stringValue?.contains("$.m-1 must be a string") == true, "\(wrongType.output)")

        let unknownZone = try Self.file("zones2.json", #"{"m-1": "Europe/Pariss"}"#)
        let badZone = try Self.refused("card-expiry", ["RELANCE_MERCHANT_TIME_ZONES": unknownZone])
        #expect(badZone.status == 2)
        #expect(badZone.line?["error"]?.stringValue?.contains("Europe/Pariss") == true)

        let brands = try Self.file("brands.json", #"{"default": ["visa"], "merchant": {"m-1": ["visa"]}}"#)
        let prepaid = try Self.refused("prepaid", ["RELANCE_CARD_BRANDS": brands])
        #expect(prepaid.status == 2)
        #expect(prepaid.line?["error"]?.stringValue?.contains("$.merchant is not a setting of this file") == true)

        let merchants = try Self.file(
            "merchants.json",
            #"{"m-1": {"name": "Camping", "fromAddress": "a@b.test", "contactEmail": "c@b.test", "paymentURL": "https://p", "lang": "fr"}}"#
        )
        let mailer = try Self.refused("reminder-mailer", ["RELANCE_MERCHANTS": merchants, "RELANCE_MAIL_DIR": "/tmp"])
        #expect(mailer.status == 2)
        #expect(mailer.line?["error"]?.stringValue?.contains("$.m-1.lang is not a setting of this file") == true)
    }

    @Test("a bad value of a worker's own variable is named; a bad SMTP URL's password is not shown")
    func ownVariablesAndSecrets() throws {
        let hours = try Self.refused("reconciliation", ["RELANCE_INVOICE_WAIT_HOURS": "soon"])
        #expect(hours.status == 2)
        #expect(hours.line?["error"]?.stringValue?.hasPrefix("RELANCE_INVOICE_WAIT_HOURS=soon: expected") == true)
        let smtp = try Self.refused(
            "reminder-mailer", ["RELANCE_SMTP_URL": "smtp://billing:hunter2@mail.test:587?tls=yes"])
        #expect(smtp.status == 2)
        #expect(smtp.line?["error"]?.stringValue?.contains("RELANCE_SMTP_URL") == true, "\(smtp.output)")
        #expect(!smtp.output.contains("hunter2"), "the password appears: \(smtp.output)")
        let unparsable = try Self.refused("reminder-mailer", ["RELANCE_SMTP_URL": "http://billing:hunter2@"])
        #expect(unparsable.status == 2)
        #expect(!unparsable.output.contains("hunter2"), "the password appears: \(unparsable.output)")
    }
}
