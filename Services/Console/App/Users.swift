import Crypto
import Foundation
import RelanceEvents
import RelanceRuntime
import _CryptoExtras

/// Password hashes with scrypt (memory-hard): `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>`, salt and
/// hash in base64url. The parameters are in the hash, so they can be raised for new hashes
/// while old ones still verify.
public enum PasswordHash {
    /// N = 2^15, r = 8, p = 1: 32 MiB and some 100 ms per check on one core (OWASP's minimum
    /// is N = 2^17 with r = 8 for scrypt as the only defence; sign-in is also rate-limited by
    /// the cost itself). `relance-console hash-password --log-n` raises it.
    public static let defaultLogN = 15
    public static let r = 8
    public static let p = 1
    static let hashBytes = 32

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// A new hash of `password` with a random 16-byte salt.
    public static func make(_ password: String, logN: Int = defaultLogN) throws -> String {
        guard (10...20).contains(logN) else { throw Invalid(description: "log2 N must be between 10 and 20") }
        let salt = SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) }
        let hash = try derive(password, salt: salt, logN: logN, r: r, p: p)
        return "scrypt$\(logN)$\(r)$\(p)$\(Base64URL.encode(salt))$\(Base64URL.encode(hash))"
    }

    /// Whether `password` gives `encoded`; false for a hash that does not read.
    public static func verify(_ password: String, against encoded: String) -> Bool {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt", let logN = Int(parts[1]), (10...20).contains(logN),
            let r = Int(parts[2]), (1...32).contains(r), let p = Int(parts[3]), (1...16).contains(p),
            let salt = Base64URL.decode(parts[4]), let expected = Base64URL.decode(parts[5]),
            expected.count == hashBytes,
            let actual = try? derive(password, salt: salt, logN: logN, r: r, p: p)
        else { return false }
        return constantTimeEqual(actual, expected)
    }

    /// Whether `encoded` reads as a hash (for checking the users file at start).
    public static func isWellFormed(_ encoded: String) -> Bool {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        return parts.count == 6 && parts[0] == "scrypt" && Int(parts[1]).map { (10...20).contains($0) } == true
            && Int(parts[2]) != nil && Int(parts[3]) != nil && Base64URL.decode(parts[4]) != nil
            && Base64URL.decode(parts[5])?.count == hashBytes
    }

    static func derive(_ password: String, salt: [UInt8], logN: Int, r: Int, p: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: hashBytes, rounds: 1 << logN, blockSize: r,
            parallelism: p)
        return key.withUnsafeBytes { Array($0) }
    }
}

/// Equal bytes, in a time that does not depend on where they differ.
func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices { difference |= a[index] ^ b[index] }
    return difference == 0
}

func constantTimeEqual(_ a: String, _ b: String) -> Bool { constantTimeEqual(Array(a.utf8), Array(b.utf8)) }

/// The console's language.
public enum ConsoleLanguage: String, Sendable, Codable, CaseIterable {
    case fr, en

    /// The first French or English tag of an Accept-Language header, else English.
    public static func negotiate(_ acceptLanguage: String?) -> ConsoleLanguage {
        guard let acceptLanguage else { return .en }
        let tags =
            acceptLanguage.split(separator: ",").map { part -> (String, Double) in
                let pieces = part.split(separator: ";")
                let tag = pieces.first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
                let quality =
                    pieces.dropFirst().first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("q=") }
                    .flatMap { Double($0.trimmingCharacters(in: .whitespaces).dropFirst(2)) } ?? 1
                return (tag, quality)
            }
            .filter { $0.1 > 0 }
            .sorted { $0.1 > $1.1 }
        for (tag, _) in tags {
            if tag.hasPrefix("fr") { return .fr }
            if tag.hasPrefix("en") { return .en }
        }
        return .en
    }
}

/// A console user as the users file describes them.
public struct ConsoleUser: Sendable, Codable, Equatable {
    /// The sign-in name, and the actor (`sub`) of the commands they send.
    public var user: String
    /// `PasswordHash` text; absent for a user who signs in only through the single-sign-on proxy.
    public var passwordHash: String?
    /// owner, admin, billing, support, manage_reconciliations.
    public var roles: [String]
    /// Merchant ids, or `*` for all.
    public var merchants: [String]
    /// The display name.
    public var name: String?
    /// fr or en; absent: the browser's Accept-Language.
    public var language: ConsoleLanguage?

    public init(
        user: String, passwordHash: String?, roles: [String], merchants: [String], name: String? = nil,
        language: ConsoleLanguage? = nil
    ) {
        self.user = user
        self.passwordHash = passwordHash
        self.roles = roles
        self.merchants = merchants
        self.name = name
        self.language = language
    }

    public func actsFor(_ merchant: String) -> Bool { merchants.contains("*") || merchants.contains(merchant) }
    public func holds(_ role: String) -> Bool { roles.contains(role) }
}

/// A merchant as the console shows it: name and time zone.
public struct MerchantSettings: Sendable, Codable, Equatable {
    public var name: String?
    /// IANA time zone (Europe/Paris): dates on pages and in CSV exports; UTC when absent.
    public var timeZone: String?

    public init(name: String? = nil, timeZone: String? = nil) {
        self.name = name
        self.timeZone = timeZone
    }

    public var zone: TimeZone {
        timeZone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(secondsFromGMT: 0) ?? TimeZone.current
    }
}

/// The users file (`RELANCE_CONSOLE_USERS`): `{"merchants": {id: {name, timeZone}}, "users": [...]}`.
public struct UserDirectory: Sendable {
    public var users: [String: ConsoleUser]
    public var merchants: [String: MerchantSettings]

    struct File: Codable {
        var merchants: [String: MerchantSettings]?
        var users: [ConsoleUser]
    }

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(users: [ConsoleUser], merchants: [String: MerchantSettings] = [:]) throws(Invalid) {
        var byName: [String: ConsoleUser] = [:]
        for user in users {
            guard !user.user.isEmpty else { throw Invalid(description: "a user has an empty user name") }
            guard byName[user.user] == nil else { throw Invalid(description: "user \(user.user) is listed twice") }
            if let hash = user.passwordHash, !PasswordHash.isWellFormed(hash) {
                throw Invalid(
                    description: "user \(user.user): passwordHash is not a scrypt hash "
                        + "(relance-console hash-password makes one)")
            }
            guard !user.merchants.isEmpty else {
                throw Invalid(description: "user \(user.user) has no merchants (a list of ids, or [\"*\"])")
            }
            let unknown = user.roles.filter { !ConsoleRoles.known.contains($0) }
            guard unknown.isEmpty else {
                throw Invalid(
                    description: "user \(user.user): unknown role(s) \(unknown.joined(separator: ", ")); known: "
                        + ConsoleRoles.known.sorted().joined(separator: ", "))
            }
            byName[user.user] = user
        }
        for (id, merchant) in merchants {
            if let zone = merchant.timeZone, TimeZone(identifier: zone) == nil {
                throw Invalid(description: "merchant \(id): \(zone) is not an IANA time zone (Europe/Paris)")
            }
        }
        self.users = byName
        self.merchants = merchants
    }

    public init(json: Data) throws(Invalid) {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: json)
        } catch {
            throw Invalid(description: "not a users file: \(error)")
        }
        try self.init(users: file.users, merchants: file.merchants ?? [:])
    }

    public static func load(path: String) throws(Invalid) -> UserDirectory {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Invalid(description: "cannot read the users file \(path)")
        }
        do {
            return try UserDirectory(json: data)
        } catch {
            throw Invalid(description: "\(path): \(error.description)")
        }
    }

    public func merchant(_ id: String) -> MerchantSettings { merchants[id] ?? MerchantSettings() }

    /// The user whose password this is, or nil. A check against a dummy hash when the user is
    /// unknown, so that the answer takes as long either way.
    public func authenticate(user name: String, password: String) -> ConsoleUser? {
        guard let user = users[name], let hash = user.passwordHash else {
            _ = PasswordHash.verify(password, against: Self.dummyHash)
            return nil
        }
        return PasswordHash.verify(password, against: hash) ? user : nil
    }

    /// A hash of nothing anyone types, at the default cost.
    static let dummyHash =
        "scrypt$15$8$1$" + String(repeating: "A", count: 22) + "$" + String(repeating: "A", count: 43)
}

/// The roles of the signed commands (docs/runtime.md), as the console names them.
public enum ConsoleRoles {
    public static let owner = ActorRole.owner.rawValue
    public static let admin = ActorRole.admin.rawValue
    public static let billing = ActorRole.billing.rawValue
    public static let support = ActorRole.support.rawValue
    public static let manageReconciliations = ReconciliationEvents.permission
    /// Replays dead letters (`relance dead-letters replay`'s role).
    public static let deadLetterReplay = CommandHeaders.replayRole
    public static let known: Set<String> = [owner, admin, billing, support, manageReconciliations, deadLetterReplay]
}
