import Foundation
import Synchronization

/// Failed sign-ins counted per user name and per client address over a sliding window: past the
/// limit, the form answers 429 without checking the password (no scrypt run, so guessing costs
/// the console nothing) until the oldest failure leaves the window. A success clears the name's
/// count. Bounded: at most `capacity` keys, the stalest dropped first.
public final class SignInThrottle: Sendable {
    public let window: TimeInterval
    public let perUser: Int
    public let perAddress: Int
    public let capacity: Int
    private let failures = Mutex<[String: [Date]]>([:])

    public init(window: TimeInterval = 15 * 60, perUser: Int = 5, perAddress: Int = 100, capacity: Int = 10_000) {
        self.window = window
        self.perUser = perUser
        self.perAddress = perAddress
        self.capacity = capacity
    }

    static func userKey(_ user: String) -> String { "u:" + user.lowercased() }
    static func addressKey(_ address: String) -> String { "a:" + address }

    /// When the next attempt may be made, if one may not be now.
    public func blockedUntil(user: String, address: String?, now: Date) -> Date? {
        failures.withLock { failures in
            Self.blocked(
                &failures, user: user, address: address, now: now, window: window, perUser: perUser,
                perAddress: perAddress)
        }
    }

    static func blocked(
        _ failures: inout [String: [Date]], user: String, address: String?, now: Date, window: TimeInterval,
        perUser: Int, perAddress: Int
    ) -> Date? {
        var until: Date?
        var keys = [(userKey(user), perUser)]
        if let address { keys.append((addressKey(address), perAddress)) }
        for (key, limit) in keys {
            let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
            failures[key] = recent.isEmpty ? nil : recent
            if recent.count >= limit, let oldest = recent.first {
                let free = oldest.addingTimeInterval(window)
                until = max(until ?? free, free)
            }
        }
        return until
    }

    static func count(
        _ failures: inout [String: [Date]], user: String, address: String?, now: Date, capacity: Int
    ) {
        if failures.count >= capacity {
            // Drop the keys whose last failure is oldest.
            let stalest = failures.sorted { ($0.value.last ?? now) < ($1.value.last ?? now) }
                .prefix(max(1, capacity / 10)).map(\.key)
            for key in stalest { failures[key] = nil }
        }
        var keys = [userKey(user)]
        if let address { keys.append(addressKey(address)) }
        for key in keys { failures[key, default: []].append(now) }
    }

    /// Checks and counts an attempt in one step (so that parallel requests cannot all pass the
    /// check while the first is still hashing): nil when it may go on, counted as a failure
    /// until `succeeded` says otherwise; else when the next attempt may be made.
    public func attempt(user: String, address: String?, now: Date) -> Date? {
        failures.withLock { failures in
            if let until = Self.blocked(
                &failures, user: user, address: address, now: now, window: window,
                perUser: perUser, perAddress: perAddress)
            {
                return until
            }
            Self.count(&failures, user: user, address: address, now: now, capacity: capacity)
            return nil
        }
    }

    public func failed(user: String, address: String?, now: Date) {
        failures.withLock { Self.count(&$0, user: user, address: address, now: now, capacity: capacity) }
    }

    /// A right password: the name's count is cleared, and the attempt counted for the address
    /// taken back.
    public func succeeded(user: String, address: String? = nil, at attempt: Date? = nil) {
        failures.withLock { failures in
            failures[Self.userKey(user)] = nil
            if let address, let attempt, var times = failures[Self.addressKey(address)],
                let index = times.lastIndex(of: attempt)
            {
                times.remove(at: index)
                failures[Self.addressKey(address)] = times.isEmpty ? nil : times
            }
        }
    }
}
