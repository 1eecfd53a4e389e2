import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka

extension Worker {
    /// No command types: every event is a fact, read unsigned.
    public var commandRoles: [String: Set<String>] { [:] }

    /// The roles for `event.type` in `commandRoles`.
    public func requiredRoles(for event: EventEnvelope) -> Set<String>? { commandRoles[event.type] }
}

/// What the runtime does with commands that carry no token (`RELANCE_UNSIGNED_COMMANDS`).
public enum UnsignedCommands: String, Sendable {
    /// Dead letter `unauthenticated` (the default).
    case refuse
    /// Accepted with a logged warning and a metric, the actor read from the event's own
    /// `data.actor` (id, role, permissions) for the event's merchant: for a deployment
    /// moving over. Signed commands are still verified.
    case warn
}

/// The header that carries a command's token (a compact JWS, no `Bearer`).
public enum CommandHeaders {
    public static let authorization = "relance-authorization"
    /// On a replayed dead letter: the token of whoever replayed it, over the record's value and
    /// the dead letter's position.
    public static let replayAuthorization = "relance-replay-authorization"
    /// The role a replay token must give.
    public static let replayRole = "dead-letter-replay"
}

/// The runtime's check of commands and replays: who signed, for which merchant, with which role.
package struct CommandGate: Sendable {
    let verifier: CommandVerifier?
    let unsigned: UnsignedCommands

    package enum Outcome: Equatable {
        case verified(CommandActor)
        /// No token, accepted in `warn` mode.
        case unsignedAccepted(CommandActor)
        case refused(CommandAuthFailure)
    }

    /// A command event: the token in its header, bound to its value and event id, signed by a
    /// configured key; then the merchant and one of `roles`.
    func check(command event: EventEnvelope, message: KafkaMessage, roles: Set<String>, now: Date) -> Outcome {
        let value = message.value.map(Array.init) ?? []
        guard let token = message.header(CommandHeaders.authorization).map({ String(decoding: $0, as: UTF8.self) })
        else {
            guard unsigned == .warn else {
                return .refused(
                    .unauthenticated(
                        "\(event.type) is a command: it needs a signed token in the \(CommandHeaders.authorization) "
                            + "header (relance --key signs; RELANCE_UNSIGNED_COMMANDS=warn accepts unsigned ones "
                            + "while moving over)"))
            }
            let legacy = event.data["actor"]
            var claimed = Set((legacy?["permissions"]?.arrayValue ?? []).compactMap(\.stringValue))
            if let role = legacy?["role"]?.stringValue { claimed.insert(role) }
            let actor = CommandActor(
                id: legacy?["id"]?.stringValue ?? "", roles: claimed, merchants: [event.merchantID], keyID: nil,
                issuer: nil, verified: false)
            if let refusal = authorize(actor, event: event, roles: roles) { return .refused(refusal) }
            return .unsignedAccepted(actor)
        }
        switch verify(token, value: value, now: now) {
        case .failure(let failure):
            return .refused(failure)
        case .success(let (claims, keyID)):
            // A replay token (over the same bytes) is not a command's: it names no event.
            guard claims.replayOf == nil else {
                return .refused(.unauthenticated("a dead-letter replay token cannot authorize a command"))
            }
            guard claims.tokenID == event.eventID else {
                return .refused(
                    .unauthenticated(
                        "the token was signed for event \(claims.tokenID ?? "(no jti)"), not \(event.eventID)"))
            }
            let actor = CommandActor(
                id: claims.subject, roles: Set(claims.roles), merchants: Set(claims.merchants), keyID: keyID,
                issuer: claims.issuer, verified: true)
            if let refusal = authorize(actor, event: event, roles: roles) { return .refused(refusal) }
            return .verified(actor)
        }
    }

    /// The token checked with the configured keys; without keys nothing verifies.
    private func verify(_ token: String, value: [UInt8], now: Date) -> Result<
        (CommandClaims, keyID: String), CommandAuthFailure
    > {
        guard let verifier else {
            return .failure(.unauthenticated("no command keys are configured (RELANCE_COMMAND_KEYS): cannot verify"))
        }
        return verifier.verify(token, value: value, now: now)
    }

    private func authorize(_ actor: CommandActor, event: EventEnvelope, roles: Set<String>) -> CommandAuthFailure? {
        guard actor.actsFor(merchant: event.merchantID) else {
            return .forbidden("\(actor.id) does not act for merchant \(event.merchantID)")
        }
        guard actor.holdsAny(of: roles) else {
            let held = actor.roles.isEmpty ? "none" : actor.roles.sorted().joined(separator: ", ")
            return .forbidden(
                "\(event.type) needs one of the roles \(roles.sorted().joined(separator: ", ")); \(actor.id) has \(held)"
            )
        }
        return nil
    }

    /// A replayed dead letter: the replay token, bound to the record's value and to the dead
    /// letter's position, with the replay role. The merchant is checked once the event is read
    /// (`checkReplayMerchant`).
    func check(replayOf position: String, message: KafkaMessage, now: Date) -> Outcome {
        let value = message.value.map(Array.init) ?? []
        guard
            let token = message.header(CommandHeaders.replayAuthorization).map({
                String(decoding: $0, as: UTF8.self)
            })
        else {
            guard unsigned == .warn else {
                return .refused(
                    .unauthenticated(
                        "a replayed dead letter needs a signed token in the \(CommandHeaders.replayAuthorization) "
                            + "header (relance dead-letters replay --key)"))
            }
            return .unsignedAccepted(
                CommandActor(id: "", roles: [], merchants: ["*"], keyID: nil, issuer: nil, verified: false))
        }
        switch verify(token, value: value, now: now) {
        case .failure(let failure):
            return .refused(failure)
        case .success(let (claims, keyID)):
            guard claims.replayOf == position else {
                return .refused(
                    .unauthenticated(
                        "the replay token was signed for dead letter \(claims.replayOf ?? "(none)"), not \(position)"))
            }
            let actor = CommandActor(
                id: claims.subject, roles: Set(claims.roles), merchants: Set(claims.merchants), keyID: keyID,
                issuer: claims.issuer, verified: true)
            guard actor.roles.contains(CommandHeaders.replayRole) else {
                return .refused(.forbidden("replaying dead letters needs the \(CommandHeaders.replayRole) role"))
            }
            return .verified(actor)
        }
    }
}
