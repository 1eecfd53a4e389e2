import ArgumentParser
import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime

// MARK: signing

/// The key that signs what a command sends: `--key`, else `RELANCE_SIGNING_KEY`.
struct SigningOptions: ParsableArguments {
    @Option(
        name: .customLong("key"),
        help: "Key file that signs commands (relance keys generate; default: $RELANCE_SIGNING_KEY).")
    var keyFile: String?
    @Option(help: "Seconds a signed command stays valid.") var ttl = 300
    @Option(help: "The workers' audience (default: $RELANCE_COMMAND_AUDIENCE or relance).") var audience: String?

    var resolvedAudience: String {
        audience ?? ProcessInfo.processInfo.environment["RELANCE_COMMAND_AUDIENCE"] ?? "relance"
    }

    func validate() throws {
        if ttl < 1 || ttl > 86_400 { throw ValidationError("--ttl must be between 1 and 86400 seconds") }
    }

    /// The signer, or nil when no key is named.
    func signer() throws -> CommandSigner? {
        let path = keyFile ?? ProcessInfo.processInfo.environment["RELANCE_SIGNING_KEY"]
        guard let path, !path.isEmpty else { return nil }
        do {
            return try CommandSigner.load(path: path)
        } catch {
            throw CommandFailure(error.description)
        }
    }

    /// The signer, required: a command without it would be refused by every worker.
    func requiredSigner() throws -> CommandSigner {
        guard let signer = try signer() else {
            throw CommandFailure(
                "commands are signed: give a key file with --key or RELANCE_SIGNING_KEY (relance keys generate)")
        }
        return signer
    }

    /// The `relance-authorization` header for an event written as `value`.
    func header(_ signer: CommandSigner, value: [UInt8], eventID: String) -> KafkaHeader {
        KafkaHeader(
            CommandHeaders.authorization,
            signer.token(for: value, eventID: eventID, audience: resolvedAudience, lifetime: TimeInterval(ttl)))
    }
}

// MARK: keys

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Keys that sign commands.", subcommands: [Generate.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a key pair: the private key with the claims it signs (a file), and the public JWK.",
            discussion: """
                The key file (readable by its owner only) holds the private key and the claims every command \
                signed with it carries: the actor (--subject), its roles and its merchants (* for all). The \
                public JWK printed goes into the workers' key set (RELANCE_COMMAND_KEYS), or is added to the \
                key set file given with --jwks. With HS256 the "public" key is the shared secret: keep that key \
                set secret too.
                """)
        @Option(help: "Key id: tokens name it, workers choose the key by it (e.g. alice-2026-11).") var kid: String
        @Option(help: "The actor: who signs (a user id).") var subject: String
        @Option(help: "Roles, comma-separated: owner, admin, billing, support, manage_reconciliations, …")
        var roles: String
        @Option(help: "Merchant ids the actor acts for, comma-separated; * for every merchant.") var merchants: String
        @Option(help: "EdDSA (Ed25519, default), ES256 (P-256) or HS256 (shared secret).") var alg = "EdDSA"
        @Option(help: "Issuer (iss) written in the tokens.") var issuer = "relance"
        @Option(help: "Where to write the key file (it must not exist).") var out: String
        @Option(help: "Also add the public key to this JSON Web Key Set file (created if missing).") var jwks: String?

        static func list(_ text: String) -> [String] {
            text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        func run() async throws {
            guard let algorithm = CommandAlgorithm(rawValue: alg) else {
                throw ValidationError("--alg \(alg): EdDSA, ES256 or HS256")
            }
            let roles = Self.list(roles)
            let merchants = Self.list(merchants)
            guard !roles.isEmpty, !merchants.isEmpty else { throw ValidationError("give --roles and --merchants") }
            guard !FileManager.default.fileExists(atPath: out) else {
                throw CommandFailure("\(out) exists: a key file is never overwritten")
            }
            let signer = CommandSigner(
                generating: algorithm, keyID: kid, subject: subject, roles: roles, merchants: merchants,
                issuer: issuer)
            // The key set first: a kid already there stops before a key file is written.
            if let jwks { try Self.add(signer.publicJWK, to: jwks) }
            guard
                FileManager.default.createFile(
                    atPath: out, contents: Data(signer.keyFile.jsonBytes), attributes: [.posixPermissions: 0o600])
            else { throw CommandFailure("cannot write \(out)") }
            FileHandle.standardError.write(
                Data(
                    ("wrote \(out) (\(algorithm.rawValue), kid \(kid), \(subject): \(roles.joined(separator: ",")) "
                        + "for \(merchants.joined(separator: ",")))\(jwks.map { "; added to \($0)" } ?? "")\n"
                        + "the public key, for the workers' RELANCE_COMMAND_KEYS:\n").utf8))
            print(String(decoding: signer.publicJWK.jsonBytes, as: UTF8.self))
        }

        /// Adds `key` to the key set at `path` (a new set when there is no file).
        static func add(_ key: JSONValue, to path: String) throws {
            var keys: [JSONValue] = []
            if let data = FileManager.default.contents(atPath: path) {
                guard let existing = try? JSONReader.read(Array(data)), let list = existing["keys"]?.arrayValue else {
                    throw CommandFailure("\(path) is not a JSON Web Key Set")
                }
                keys = list
            }
            if keys.contains(where: { $0["kid"] == key["kid"] }) {
                throw CommandFailure("\(path) has a key with kid \(key["kid"]?.stringValue ?? ""): choose another kid")
            }
            keys.append(key)
            let set = JSONValue.object([("keys", .array(keys))]).jsonBytes
            guard
                FileManager.default.createFile(
                    atPath: path, contents: Data(set), attributes: [.posixPermissions: 0o600])
            else { throw CommandFailure("cannot write \(path)") }
            // Checked as a worker will read it.
            do {
                _ = try CommandKeySet(jwks: set)
            } catch {
                throw CommandFailure("\(path): \(error.description)")
            }
        }
    }
}

// MARK: commands

/// Where a command goes: the account, its merchant.
struct CommandTarget: ParsableArguments {
    @Option(help: "The account (the event's accountId and record key).") var account: String
    @Option(help: "The account's merchant.") var merchant: String
}

/// Sends one command event, signed (`SignedCommand`, which the console uses too).
func sendCommand(
    _ type: String, data: JSONValue, target: CommandTarget, signing: SigningOptions, cluster: ClusterOptions
) async throws {
    let signer = try signing.requiredSigner()
    let command: SignedCommand
    do {
        command = try SignedCommand(
            type: type, data: data, account: target.account, merchant: target.merchant, signer: signer,
            audience: signing.resolvedAudience, lifetime: TimeInterval(signing.ttl))
    } catch {
        throw CommandFailure(error.description)
    }
    let producer = try cluster.producer()
    try await producer.send(command.message)
    print(
        "sent \(type) \(command.event.eventID) to \(command.topic), signed by \(signer.subject) (kid \(signer.keyID))")
}

struct PaymentCommandCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "command", abstract: "Send a signed command on a failed payment to payment-retry.",
        subcommands: [RetryNow.self, Dismiss.self, ChangePaymentMethod.self, RenewPlan.self, HandToCollections.self])

    struct Common: ParsableArguments {
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var target: CommandTarget
        @OptionGroup var signing: SigningOptions
        @Option(help: "The failed payment.") var payment: String

        func send(_ command: String, extra: [(key: String, value: JSONValue)] = []) async throws {
            let data = JSONValue.object([("command", .string(command)), ("paymentId", .string(payment))] + extra)
            try await sendCommand("payment.command", data: data, target: target, signing: signing, cluster: cluster)
        }
    }

    struct RetryNow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "retry-now", abstract: "Charge the payment now.")
        @OptionGroup var common: Common
        func run() async throws { try await common.send("retry_now") }
    }

    struct Dismiss: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close the item (paid by other means).")
        @OptionGroup var common: Common
        @Option(help: "Why.") var note: String?
        func run() async throws { try await common.send("dismiss", extra: note.map { [("note", .string($0))] } ?? []) }
    }

    struct ChangePaymentMethod: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "change-payment-method", abstract: "Installments and subscriptions only.")
        @OptionGroup var common: Common
        @Option(help: "The new method: \(PaymentMethod.allCases.map(\.rawValue).joined(separator: ", ")).")
        var method: String
        func run() async throws {
            guard PaymentMethod(rawValue: method) != nil else { throw ValidationError("--method \(method): unknown") }
            try await common.send("change_payment_method", extra: [("paymentMethod", .string(method))])
        }
    }

    struct RenewPlan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "renew-plan", abstract: "One fourth and final attempt after the automatic ones.")
        @OptionGroup var common: Common
        func run() async throws { try await common.send("renew_payment_plan") }
    }

    struct HandToCollections: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hand-to-collections", abstract: "Hand the order over to collections.")
        @OptionGroup var common: Common
        func run() async throws { try await common.send("hand_over_to_collections") }
    }
}

struct DunningCommandCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dunning",
        abstract: "Pause, exclude or resume an account's dunning (reminder-mailer and payment-retry), signed.",
        subcommands: [Pause.self, Exclude.self, Resume.self])

    struct Common: ParsableArguments {
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var target: CommandTarget
        @OptionGroup var signing: SigningOptions
        @Option(help: "Why, for the operators.") var note: String?

        func send(_ command: String, extra: [(key: String, value: JSONValue)] = []) async throws {
            let data = JSONValue.object(
                [("command", .string(command))] + extra + (note.map { [("note", .string($0))] } ?? []))
            try await sendCommand("dunning.command", data: data, target: target, signing: signing, cluster: cluster)
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "No overdue notice, status escalation or automatic retry until --until or a resume "
                + "(owner, admin or billing).")
        @OptionGroup var common: Common
        @Option(help: "When the pause ends by itself, UTC: 2026-12-01T00:00:00Z (default: until resumed).")
        var until: String?
        func run() async throws {
            if let until, EventValidator.parseUTCTimestamp(until) == nil {
                throw ValidationError("--until \(until): not a UTC time like 2026-12-01T00:00:00Z")
            }
            try await common.send("pause", extra: until.map { [("until", .string($0))] } ?? [])
        }
    }

    struct Exclude: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Exclude the account from dunning until resumed (owner or admin).")
        @OptionGroup var common: Common
        func run() async throws { try await common.send("exclude") }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resume dunning where it stood (a pause: owner, admin or billing; an exclusion: owner or admin).")
        @OptionGroup var common: Common
        func run() async throws { try await common.send("resume") }
    }
}

struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Ask reconciliation to reconcile an account now (needs manage_reconciliations), signed.")
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var target: CommandTarget
    @OptionGroup var signing: SigningOptions

    func run() async throws {
        try await sendCommand(
            "reconciliation.requested", data: .object([("requestId", .string(UUID().uuidString.lowercased()))]),
            target: target, signing: signing, cluster: cluster)
    }
}
