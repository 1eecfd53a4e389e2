import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime

/// Keys that sign the tests' commands, one per actor, all in `keySet` (what the harness gives
/// its workers as RELANCE_COMMAND_KEYS). Made once per test process.
public enum TestSigners {
    /// An actor of merchant m-1 with this one role (owner, admin, billing, support,
    /// manage_reconciliations, billing-platform, dead-letter-replay).
    public static func role(_ role: String) -> CommandSigner {
        if let signer = byRole[role] { return signer }
        return CommandSigner(
            generating: .eddsa, keyID: "unlisted-\(role)", subject: "u-\(role)", roles: [role], merchants: ["m-1"])
    }

    static let roles = [
        "owner", "admin", "billing", "support", "manage_reconciliations", "billing-platform", "dead-letter-replay",
    ]
    static let byRole: [String: CommandSigner] = Dictionary(
        uniqueKeysWithValues: roles.enumerated().map { index, role in
            // Each algorithm in turn: the workers verify all three.
            let algorithm = [CommandAlgorithm.eddsa, .es256, .hs256][index % 3]
            return (
                role,
                CommandSigner(
                    generating: algorithm, keyID: "test-\(role)", subject: "u-\(role)", roles: [role],
                    merchants: ["m-1"])
            )
        })

    /// An owner of merchant m-2 only.
    public static let otherMerchantOwner = CommandSigner(
        generating: .eddsa, keyID: "test-m2-owner", subject: "u-m2-owner", roles: ["owner", "admin"],
        merchants: ["m-2"])
    /// A platform-wide replay key (`*`).
    public static let replayEverywhere = CommandSigner(
        generating: .eddsa, keyID: "test-replay-all", subject: "u-replayer", roles: ["dead-letter-replay"],
        merchants: ["*"])

    /// The JSON Web Key Set of every signer above.
    public static func jwks(_ signers: [CommandSigner]) -> [UInt8] {
        JSONValueWriter.object(keys: signers.map(\.publicJWK))
    }

    public static let all: [CommandSigner] = roles.compactMap { byRole[$0] } + [otherMerchantOwner, replayEverywhere]

    public static let keySet: CommandKeySet = {
        do {
            return try CommandKeySet(jwks: jwks(all))
        } catch {
            preconditionFailure("the test key set does not read: \(error)")
        }
    }()

    /// The `relance-authorization` header for a command whose record value is `value`.
    public static func header(
        _ signer: CommandSigner, value: [UInt8], eventID: String?, audience: String = "relance",
        now: Date = Date(), lifetime: TimeInterval = 300
    ) -> KafkaHeader {
        KafkaHeader(
            CommandHeaders.authorization,
            signer.token(for: value, eventID: eventID, audience: audience, now: now, lifetime: lifetime))
    }
}

enum JSONValueWriter {
    static func object(keys: [RelanceEvents.JSONValue]) -> [UInt8] {
        RelanceEvents.JSONValue.object([("keys", .array(keys))]).jsonBytes
    }
}
