import Crypto
import Foundation
import RelanceRuntime
import Synchronization

/// Server-side sessions: a random 256-bit id in the cookie, the rest here. A session expires
/// after `idleTimeout` without a request and `absoluteTimeout` after it began, whatever
/// happens. A session before sign-in (anonymous) carries the sign-in form's CSRF token; signing
/// in replaces it with a new one (a new id: no session fixation).
public final class SessionStore: Sendable {
    public struct Session: Sendable, Equatable {
        /// The cookie's value (never stored: the table is keyed by its SHA-256).
        public var id: String
        /// nil before sign-in.
        public var user: String?
        /// The token every form of this session carries.
        public var csrfToken: String
        public var createdAt: Date
        public var lastSeen: Date
        /// Set after sign-in from the user's choice (nil: Accept-Language).
        public var language: ConsoleLanguage?
    }

    public let idleTimeout: TimeInterval
    public let absoluteTimeout: TimeInterval
    /// The largest number of sessions kept; past it the least recently seen go first.
    public let capacity: Int
    private let sessions = Mutex<[String: Session]>([:])

    public init(idleTimeout: TimeInterval, absoluteTimeout: TimeInterval, capacity: Int = 100_000) {
        self.idleTimeout = idleTimeout
        self.absoluteTimeout = absoluteTimeout
        self.capacity = capacity
    }

    /// 32 random bytes, base64url.
    static func randomToken() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Base64URL.encode($0) }
    }

    static func storageKey(_ id: String) -> String { Base64URL.encode(SHA256.hash(data: Array(id.utf8))) }

    /// A new session (anonymous, or for `user`).
    public func create(user: String?, now: Date) -> Session {
        let session = Session(
            id: Self.randomToken(), user: user, csrfToken: Self.randomToken(), createdAt: now, lastSeen: now,
            language: nil)
        sessions.withLock { table in
            if table.count >= capacity { evict(&table, now: now) }
            table[Self.storageKey(session.id)] = session
        }
        return session
    }

    /// The live session with this id, its last-seen time moved to `now`; nil when unknown or
    /// expired (an expired one is removed).
    public func touch(_ id: String, now: Date) -> Session? {
        let key = Self.storageKey(id)
        return sessions.withLock { table -> Session? in
            guard var session = table[key] else { return nil }
            guard !expired(session, now: now) else {
                table[key] = nil
                return nil
            }
            session.lastSeen = now
            table[key] = session
            return session
        }
    }

    public func remove(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: Self.storageKey(id)) }
    }

    public func setLanguage(_ id: String, _ language: ConsoleLanguage?) {
        sessions.withLock { $0[Self.storageKey(id)]?.language = language }
    }

    public var count: Int { sessions.withLock { $0.count } }

    func expired(_ session: Session, now: Date) -> Bool {
        now.timeIntervalSince(session.lastSeen) > idleTimeout
            || now.timeIntervalSince(session.createdAt) > absoluteTimeout
    }

    private func evict(_ table: inout [String: Session], now: Date) {
        table = table.filter { !expired($0.value, now: now) }
        guard table.count >= capacity else { return }
        let oldest = table.sorted { $0.value.lastSeen < $1.value.lastSeen }.prefix(table.count - capacity + 1)
        for (key, _) in oldest { table[key] = nil }
    }
}
