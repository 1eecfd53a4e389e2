import Crypto
import Foundation
import RelanceDomain
import RelanceEvents

// Signed commands: a compact JWS (RFC 7515) with JWT claims (RFC 7519) over one Kafka record,
// carried in its `relance-authorization` header. See docs/runtime.md, "Signed commands".

/// base64url without padding (RFC 4648 §5), as JWS uses it.
public enum Base64URL {
    public static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return String(
            text.map { character -> Character in
                switch character {
                case "+": "-"
                case "/": "_"
                default: character
                }
            })
    }

    /// Nil unless `text` is base64url with no padding and nothing else.
    public static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        var standard = ""
        standard.reserveCapacity(text.utf8.count + 3)
        for character in text.unicodeScalars {
            switch character {
            case "A"..."Z", "a"..."z", "0"..."9": standard.unicodeScalars.append(character)
            case "-": standard.append("+")
            case "_": standard.append("/")
            default: return nil
            }
        }
        switch standard.utf8.count % 4 {
        case 1: return nil
        case 2: standard += "=="
        case 3: standard += "="
        default: break
        }
        return Data(base64Encoded: standard).map(Array.init)
    }
}

/// The signature algorithms accepted (JWS `alg`); `none` and every other name are refused.
public enum CommandAlgorithm: String, Sendable, CaseIterable {
    /// Ed25519 (RFC 8037).
    case eddsa = "EdDSA"
    /// ECDSA on P-256 with SHA-256, the signature as r ‖ s (RFC 7518 §3.4).
    case es256 = "ES256"
    /// HMAC-SHA-256 with a shared secret: whoever verifies can also sign.
    case hs256 = "HS256"
}

/// A key problem found while reading a key file or a key set: never the key's bytes.
public struct CommandKeyError: Error, Sendable, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Why a command was not accepted: `unauthenticated` (no token, a bad or expired one, one
/// for another audience or another record, an unknown key) or `forbidden` (a good token
/// whose claims do not give the role or the merchant). The code is the dead letter's.
public struct CommandAuthFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var message: String
    public static let unauthenticated = "unauthenticated"
    public static let forbidden = "forbidden"

    public static func unauthenticated(_ message: String) -> CommandAuthFailure {
        CommandAuthFailure(code: Self.unauthenticated, message: message)
    }
    public static func forbidden(_ message: String) -> CommandAuthFailure {
        CommandAuthFailure(code: Self.forbidden, message: message)
    }
    public var description: String { "\(code): \(message)" }
}

/// Who asks, as the token's claims say (or, for an unsigned command accepted in migration
/// mode, as the event's own `data.actor` says: then `verified` is false).
public struct CommandActor: Sendable, Equatable {
    /// `sub`.
    public var id: String
    public var roles: Set<String>
    /// Merchant ids the actor acts for; `*` for every merchant (a platform-wide key).
    public var merchants: Set<String>
    /// The key that signed (nil when unsigned).
    public var keyID: String?
    public var issuer: String?
    /// Signed by a configured key and checked.
    public var verified: Bool

    public init(
        id: String, roles: Set<String>, merchants: Set<String>, keyID: String?, issuer: String?, verified: Bool
    ) {
        self.id = id
        self.roles = roles
        self.merchants = merchants
        self.keyID = keyID
        self.issuer = issuer
        self.verified = verified
    }

    public func actsFor(merchant: String) -> Bool { merchants.contains("*") || merchants.contains(merchant) }
    public func holdsAny(of required: Set<String>) -> Bool { !roles.isDisjoint(with: required) }
}

/// The claims of a command token.
public struct CommandClaims: Sendable, Equatable {
    public var issuer: String
    public var subject: String
    public var audience: [String]
    /// Seconds since 1970.
    public var issuedAt: Int64
    public var expiresAt: Int64
    public var roles: [String]
    public var merchants: [String]
    /// `cmd`: base64url(SHA-256 of the record's value): the token is good for these bytes only.
    public var commandHash: String
    /// `jti`: when present, the event id of the command.
    public var tokenID: String?
    /// `rpl`: on a replay token, the dead letter replayed (`<topic>/<partition>@<offset>`).
    public var replayOf: String?

    public init(
        issuer: String, subject: String, audience: [String], issuedAt: Int64, expiresAt: Int64, roles: [String],
        merchants: [String], commandHash: String, tokenID: String? = nil, replayOf: String? = nil
    ) {
        self.issuer = issuer
        self.subject = subject
        self.audience = audience
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.roles = roles
        self.merchants = merchants
        self.commandHash = commandHash
        self.tokenID = tokenID
        self.replayOf = replayOf
    }

    /// base64url(SHA-256(value)): the `cmd` claim of a token for these bytes.
    public static func hash<S: Sequence>(of value: S) -> String where S.Element == UInt8 {
        Base64URL.encode(SHA256.hash(data: Array(value)))
    }

    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("iss", .string(issuer)), ("sub", .string(subject)),
            ("aud", audience.count == 1 ? .string(audience[0]) : .array(audience.map(JSONValue.string))),
            ("iat", .number(String(issuedAt))), ("exp", .number(String(expiresAt))),
            ("roles", .array(roles.map(JSONValue.string))), ("merchants", .array(merchants.map(JSONValue.string))),
            ("cmd", .string(commandHash)),
        ]
        if let tokenID { members.append(("jti", .string(tokenID))) }
        if let replayOf { members.append(("rpl", .string(replayOf))) }
        return .object(members)
    }

    init(json: JSONValue) throws(CommandAuthFailure) {
        func string(_ name: String) throws(CommandAuthFailure) -> String {
            guard let value = json[name]?.stringValue, !value.isEmpty else {
                throw .unauthenticated("the token has no \(name) claim")
            }
            return value
        }
        func strings(_ name: String) throws(CommandAuthFailure) -> [String] {
            guard let items = json[name]?.arrayValue else { throw .unauthenticated("the token has no \(name) claim") }
            let values = items.compactMap(\.stringValue)
            guard values.count == items.count else { throw .unauthenticated("the \(name) claim must list strings") }
            return values
        }
        func seconds(_ name: String) throws(CommandAuthFailure) -> Int64 {
            guard let value = json[name]?.integerValue else {
                throw .unauthenticated("the token has no \(name) claim (whole seconds since 1970)")
            }
            return value
        }
        issuer = json["iss"]?.stringValue ?? ""
        subject = try string("sub")
        switch json["aud"] {
        case .string(let one)?: audience = [one]
        case .array?: audience = try strings("aud")
        default: throw .unauthenticated("the token has no aud claim")
        }
        issuedAt = try seconds("iat")
        expiresAt = try seconds("exp")
        roles = try strings("roles")
        merchants = try strings("merchants")
        commandHash = try string("cmd")
        tokenID = json["jti"]?.stringValue
        replayOf = json["rpl"]?.stringValue
    }
}

// MARK: Keys

/// A public key (or HMAC secret) that verifies command tokens, chosen by its key id.
public struct CommandVerificationKey: Sendable {
    enum Material: @unchecked Sendable {
        case ed25519(Curve25519.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)
        case hmac(SymmetricKey)
    }
    public let keyID: String
    let material: Material

    public var algorithm: CommandAlgorithm {
        switch material {
        case .ed25519: .eddsa
        case .p256: .es256
        case .hmac: .hs256
        }
    }

    func isValid(signature: [UInt8], for signingInput: [UInt8]) -> Bool {
        switch material {
        case .ed25519(let key):
            return key.isValidSignature(signature, for: signingInput)
        case .p256(let key):
            guard let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: signingInput)
        case .hmac(let key):
            return HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signingInput, using: key)
        }
    }

    /// A key of a JWK Set (RFC 7517): OKP/Ed25519, EC/P-256 or oct (≥ 32 bytes).
    init(jwk: JSONValue) throws(CommandKeyError) {
        guard let kid = jwk["kid"]?.stringValue, !kid.isEmpty else {
            throw CommandKeyError("a key has no kid: every key needs an id, tokens name the key that signed them")
        }
        keyID = kid
        func bytes(_ name: String) throws(CommandKeyError) -> [UInt8] {
            guard let text = jwk[name]?.stringValue, let bytes = Base64URL.decode(text) else {
                throw CommandKeyError("key \(kid): member \(name) is missing or not base64url")
            }
            return bytes
        }
        if let use = jwk["use"]?.stringValue, use != "sig" {
            throw CommandKeyError("key \(kid): use is \(use), expected sig")
        }
        let kty = jwk["kty"]?.stringValue ?? ""
        switch kty {
        case "OKP":
            guard jwk["crv"]?.stringValue == "Ed25519" else {
                throw CommandKeyError("key \(kid): OKP keys must be Ed25519")
            }
            if jwk["d"] != nil {
                throw CommandKeyError("key \(kid) has its private part (d): give the workers the public key only")
            }
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: try bytes("x")) else {
                throw CommandKeyError("key \(kid): x is not an Ed25519 public key")
            }
            material = .ed25519(key)
        case "EC":
            guard jwk["crv"]?.stringValue == "P-256" else { throw CommandKeyError("key \(kid): EC keys must be P-256") }
            if jwk["d"] != nil {
                throw CommandKeyError("key \(kid) has its private part (d): give the workers the public key only")
            }
            let x = try bytes("x")
            let y = try bytes("y")
            guard x.count == 32, y.count == 32, let key = try? P256.Signing.PublicKey(rawRepresentation: x + y) else {
                throw CommandKeyError("key \(kid): x and y are not a P-256 point")
            }
            material = .p256(key)
        case "oct":
            let secret = try bytes("k")
            guard secret.count >= 32 else {
                throw CommandKeyError("key \(kid): an HS256 secret must have at least 32 bytes")
            }
            material = .hmac(SymmetricKey(data: secret))
        default:
            throw CommandKeyError("key \(kid): kty \(kty.isEmpty ? "(none)" : kty) is not OKP, EC or oct")
        }
        if let alg = jwk["alg"]?.stringValue, alg != algorithm.rawValue {
            throw CommandKeyError("key \(kid): alg \(alg) does not match its key type (\(algorithm.rawValue))")
        }
    }
}

/// The keys workers trust, by key id: a JWK Set (`RELANCE_COMMAND_KEYS`). Several keys may
/// be listed while one replaces another; a key removed from the set verifies nothing more.
public struct CommandKeySet: Sendable {
    public let keys: [String: CommandVerificationKey]

    public init(jwks bytes: [UInt8]) throws(CommandKeyError) {
        let json: JSONValue
        do {
            json = try JSONReader.read(bytes)
        } catch {
            throw CommandKeyError("not a JSON Web Key Set: \(error.description)")
        }
        guard let list = json["keys"]?.arrayValue else {
            throw CommandKeyError("a JSON Web Key Set is an object with a keys array")
        }
        guard !list.isEmpty else { throw CommandKeyError("the key set has no key") }
        var keys: [String: CommandVerificationKey] = [:]
        for item in list {
            let key = try CommandVerificationKey(jwk: item)
            guard keys[key.keyID] == nil else { throw CommandKeyError("two keys have the kid \(key.keyID)") }
            keys[key.keyID] = key
        }
        self.keys = keys
    }

    /// Reads the JWK Set at `path`.
    public static func load(path: String) throws(CommandKeyError) -> CommandKeySet {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandKeyError("cannot read the key set \(path)")
        }
        do {
            return try CommandKeySet(jwks: Array(data))
        } catch {
            throw CommandKeyError("\(path): \(error.description)")
        }
    }

    public var keyIDs: [String] { keys.keys.sorted() }
}

/// A private key and the claims it signs with: the file `relance keys generate` writes and
/// `relance --key` reads. A JWK with its private part, plus a `relance` member:
/// `{"iss", "sub", "roles", "merchants"}`.
public struct CommandSigner: Sendable {
    enum Material: @unchecked Sendable {
        case ed25519(Curve25519.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
        case hmac(SymmetricKey)
    }
    public let keyID: String
    let material: Material
    public var issuer: String
    public var subject: String
    public var roles: [String]
    public var merchants: [String]

    public var algorithm: CommandAlgorithm {
        switch material {
        case .ed25519: .eddsa
        case .p256: .es256
        case .hmac: .hs256
        }
    }

    /// A new key.
    public init(
        generating algorithm: CommandAlgorithm, keyID: String, subject: String, roles: [String], merchants: [String],
        issuer: String = "relance"
    ) {
        switch algorithm {
        case .eddsa: material = .ed25519(Curve25519.Signing.PrivateKey())
        case .es256: material = .p256(P256.Signing.PrivateKey())
        case .hs256: material = .hmac(SymmetricKey(size: .bits256))
        }
        self.keyID = keyID
        self.issuer = issuer
        self.subject = subject
        self.roles = roles
        self.merchants = merchants
    }

    /// Reads a key file.
    public init(keyFile contents: [UInt8]) throws(CommandKeyError) {
        let json: JSONValue
        do {
            json = try JSONReader.read(contents)
        } catch {
            throw CommandKeyError("not a key file (JSON): \(error.description)")
        }
        guard let kid = json["kid"]?.stringValue, !kid.isEmpty else { throw CommandKeyError("the key has no kid") }
        func bytes(_ name: String) throws(CommandKeyError) -> [UInt8] {
            guard let text = json[name]?.stringValue, let bytes = Base64URL.decode(text) else {
                throw CommandKeyError("key \(kid): member \(name) is missing or not base64url")
            }
            return bytes
        }
        switch json["kty"]?.stringValue {
        case "OKP":
            guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: try bytes("d")) else {
                throw CommandKeyError("key \(kid): d is not an Ed25519 private key")
            }
            material = .ed25519(key)
        case "EC":
            guard let key = try? P256.Signing.PrivateKey(rawRepresentation: try bytes("d")) else {
                throw CommandKeyError("key \(kid): d is not a P-256 private key")
            }
            material = .p256(key)
        case "oct":
            let secret = try bytes("k")
            guard secret.count >= 32 else { throw CommandKeyError("key \(kid): the secret has fewer than 32 bytes") }
            material = .hmac(SymmetricKey(data: secret))
        default:
            throw CommandKeyError("key \(kid): kty must be OKP, EC or oct")
        }
        keyID = kid
        guard let claims = json["relance"] else {
            throw CommandKeyError("key \(kid): no relance member (the claims to sign with: sub, roles, merchants)")
        }
        guard let sub = claims["sub"]?.stringValue, !sub.isEmpty else {
            throw CommandKeyError("key \(kid): relance.sub (the actor) is missing")
        }
        subject = sub
        issuer = claims["iss"]?.stringValue ?? "relance"
        roles = (claims["roles"]?.arrayValue ?? []).compactMap(\.stringValue)
        merchants = (claims["merchants"]?.arrayValue ?? []).compactMap(\.stringValue)
        if let alg = json["alg"]?.stringValue, alg != algorithm.rawValue {
            throw CommandKeyError("key \(kid): alg \(alg) does not match its key type (\(algorithm.rawValue))")
        }
    }

    public static func load(path: String) throws(CommandKeyError) -> CommandSigner {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandKeyError("cannot read the key file \(path)")
        }
        do {
            return try CommandSigner(keyFile: Array(data))
        } catch {
            throw CommandKeyError("\(path): \(error.description)")
        }
    }

    private var claimsJSON: JSONValue {
        .object([
            "iss": .string(issuer), "sub": .string(subject), "roles": .array(roles.map(JSONValue.string)),
            "merchants": .array(merchants.map(JSONValue.string)),
        ])
    }

    /// The public JWK, for the workers' key set. For HS256 it is the shared secret itself:
    /// keep that key set as secret as the key file.
    public var publicJWK: JSONValue {
        switch material {
        case .ed25519(let key):
            return .object([
                "kty": .string("OKP"), "crv": .string("Ed25519"), "kid": .string(keyID), "alg": .string("EdDSA"),
                "use": .string("sig"), "x": .string(Base64URL.encode(key.publicKey.rawRepresentation)),
            ])
        case .p256(let key):
            let point = Array(key.publicKey.rawRepresentation)
            return .object([
                "kty": .string("EC"), "crv": .string("P-256"), "kid": .string(keyID), "alg": .string("ES256"),
                "use": .string("sig"), "x": .string(Base64URL.encode(point.prefix(32))),
                "y": .string(Base64URL.encode(point.suffix(32))),
            ])
        case .hmac(let key):
            return .object([
                "kty": .string("oct"), "kid": .string(keyID), "alg": .string("HS256"), "use": .string("sig"),
                "k": .string(key.withUnsafeBytes { Base64URL.encode($0) }),
            ])
        }
    }

    /// The key file: the private key and the claims. Write it readable by its owner only.
    public var keyFile: JSONValue {
        guard case .object(var members) = publicJWK else { return publicJWK }
        switch material {
        case .ed25519(let key): members.append(("d", .string(Base64URL.encode(key.rawRepresentation))))
        case .p256(let key): members.append(("d", .string(Base64URL.encode(key.rawRepresentation))))
        case .hmac: break  // k is the secret
        }
        members.append(("relance", claimsJSON))
        return .object(members)
    }

    /// A token for the record whose value is `value`: good for `lifetime` seconds from `now`,
    /// for `audience`, bound to those bytes (and to `eventID` as `jti` when given).
    public func token(
        for value: [UInt8], eventID: String?, audience: String, now: Date = Date(), lifetime: TimeInterval = 300,
        replayOf: String? = nil
    ) -> String {
        let issued = Int64(now.timeIntervalSince1970.rounded(.down))
        let claims = CommandClaims(
            issuer: issuer, subject: subject, audience: [audience], issuedAt: issued,
            expiresAt: issued + Int64(lifetime.rounded(.up)), roles: roles, merchants: merchants,
            commandHash: CommandClaims.hash(of: value), tokenID: eventID, replayOf: replayOf)
        return sign(claims: claims)
    }

    /// Signs any claims (tests use it to make bad tokens).
    public func sign(claims: CommandClaims) -> String {
        sign(payload: claims.json.jsonBytes)
    }

    /// Signs a payload as it is.
    public func sign(payload: [UInt8]) -> String {
        let header = JSONValue.object([
            "alg": .string(algorithm.rawValue), "kid": .string(keyID), "typ": .string("JWT"),
        ])
        let signingInput = Base64URL.encode(header.jsonBytes) + "." + Base64URL.encode(payload)
        let bytes = Array(signingInput.utf8)
        let signature: [UInt8]
        switch material {
        case .ed25519(let key):
            signature = (try? key.signature(for: bytes)).map(Array.init) ?? []
        case .p256(let key):
            signature = (try? key.signature(for: bytes)).map { Array($0.rawRepresentation) } ?? []
        case .hmac(let key):
            signature = Array(HMAC<SHA256>.authenticationCode(for: bytes, using: key))
        }
        return signingInput + "." + Base64URL.encode(signature)
    }
}

// MARK: Verification

/// Checks command tokens against the configured keys.
public struct CommandVerifier: Sendable {
    public var keys: CommandKeySet
    public var audience: String
    /// Clock difference tolerated between the signer and the worker (seconds).
    public var leeway: TimeInterval = 60
    /// Longer tokens are refused before any parsing.
    public static let maximumTokenBytes = 8192

    public init(keys: CommandKeySet, audience: String) {
        self.keys = keys
        self.audience = audience
    }

    /// The claims of `token`, if it is a well-formed JWS signed by a configured key with an
    /// accepted algorithm, unexpired at `now`, for this audience, and bound to `value`.
    public func verify(_ token: String, value: [UInt8], now: Date) -> Result<
        (CommandClaims, keyID: String), CommandAuthFailure
    > {
        do throws(CommandAuthFailure) {
            return .success(try check(token, value: value, now: now))
        } catch {
            return .failure(error)
        }
    }

    private func check(_ token: String, value: [UInt8], now: Date) throws(CommandAuthFailure) -> (
        CommandClaims, keyID: String
    ) {
        guard token.utf8.count <= Self.maximumTokenBytes else {
            throw .unauthenticated("the token is longer than \(Self.maximumTokenBytes) bytes")
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw .unauthenticated("the token is not a compact JWS (header.payload.signature)")
        }
        guard let headerBytes = Base64URL.decode(parts[0]), let header = try? JSONReader.read(headerBytes) else {
            throw .unauthenticated("the token's header is not base64url JSON")
        }
        let alg = header["alg"]?.stringValue ?? "(none)"
        guard let algorithm = CommandAlgorithm(rawValue: alg) else {
            throw .unauthenticated(
                "the token's algorithm \(alg) is not accepted (EdDSA, ES256 or HS256)")
        }
        if let typ = header["typ"]?.stringValue, typ != "JWT" {
            throw .unauthenticated("the token's typ is \(typ), expected JWT")
        }
        if header["crit"] != nil { throw .unauthenticated("the token has critical header parameters (crit)") }
        guard let kid = header["kid"]?.stringValue, !kid.isEmpty else {
            throw .unauthenticated("the token names no key (kid)")
        }
        guard let key = keys.keys[kid] else {
            throw .unauthenticated("unknown key id \(kid): not in the configured key set (removed, or never added)")
        }
        guard key.algorithm == algorithm else {
            throw .unauthenticated("the token says \(alg) but key \(kid) is a \(key.algorithm.rawValue) key")
        }
        guard let signature = Base64URL.decode(parts[2]),
            key.isValid(
                signature: signature, for: Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count)))
        else {
            throw .unauthenticated("the signature does not verify with key \(kid)")
        }
        guard let payload = Base64URL.decode(parts[1]), let json = try? JSONReader.read(payload) else {
            throw .unauthenticated("the token's payload is not base64url JSON")
        }
        let claims = try CommandClaims(json: json)
        let seconds = now.timeIntervalSince1970
        guard Double(claims.expiresAt) + leeway > seconds else {
            throw .unauthenticated(
                "the token expired at \(Timestamp.format(Date(timeIntervalSince1970: Double(claims.expiresAt))))")
        }
        guard Double(claims.issuedAt) - leeway <= seconds else {
            throw .unauthenticated("the token is issued in the future (iat): check the signer's clock")
        }
        if let notBefore = json["nbf"]?.integerValue, Double(notBefore) - leeway > seconds {
            throw .unauthenticated("the token is not valid yet (nbf)")
        }
        guard claims.audience.contains(audience) else {
            throw .unauthenticated(
                "the token is for \(claims.audience.joined(separator: ", ")), not this audience (\(audience))")
        }
        guard claims.commandHash == CommandClaims.hash(of: value) else {
            throw .unauthenticated("the token was signed for another record (its cmd hash is not this record's)")
        }
        return (claims, kid)
    }
}
