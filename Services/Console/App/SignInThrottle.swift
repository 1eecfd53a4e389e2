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
            var until: Date?
            var keys = [(Self.userKey(user), perUser)]
            if let address { keys.append((Self.addressKey(address), perAddress)) }
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
    }

    public func failed(user: String, address: String?, now: Date) {
        failures.withLock { failures in
            if failures.count >= capacity {
                // Drop the keys whose last failure is oldest.
                let stalest = failures.sorted { ($0.value.last ?? now) < ($1.value.last ?? now) }
                    .prefix(max(1, capacity / 10)).map(\.key)
                for key in stalest { failures[key] = nil }
            }
            var keys = [Self.userKey(user)]
            if let address { keys.append(Self.addressKey(address)) }
            for key in keys { failures[key, default: []].append(now) }
        }
    }

    public func succeeded(user: String) {
        failures.withLock { $0[Self.userKey(user)] = nil }
    }
}
