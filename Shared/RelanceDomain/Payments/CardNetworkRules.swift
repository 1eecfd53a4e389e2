import Foundation
import RelanceEvents

/// The card network whose reattempt rules apply to a card (docs/card-network-rules.md).
public enum CardNetwork: String, Sendable, Codable, CaseIterable {
    case visa
    case mastercard
    /// Every other brand: no limit unless the table gives one.
    case other

    /// Maestro cards are Mastercard's and follow its rules.
    public init(brand: CardBrand) {
        switch brand.name {
        case "visa": self = .visa
        case "mastercard", "maestro": self = .mastercard
        default: self = .other
        }
    }

    var displayName: String {
        switch self {
        case .visa: "Visa"
        case .mastercard: "Mastercard"
        case .other: "Other networks"
        }
    }
}

/// At most `maxAttempts` reattempts on one card in any window of `windowSeconds`.
public struct NetworkLimit: Sendable, Equatable, Codable {
    /// Reattempts allowed in any window; 0 allows none.
    public var maxAttempts: Int
    /// The sliding window's length, in seconds (at most `NetworkLimit.longestWindowSeconds`).
    public var windowSeconds: Int64
    /// What the action centre shows when the limit moves or stops a retry.
    public var name: String
    /// True: an approval on the card restarts the count (reattempts before it no longer
    /// count). False: every reattempt counts until it leaves the window.
    public var restartsOnApproval: Bool

    /// Ten years: longer windows are refused when read.
    public static let longestWindowSeconds: Int64 = 315_360_000

    public init(maxAttempts: Int, windowSeconds: Int64, name: String, restartsOnApproval: Bool = false) {
        self.maxAttempts = maxAttempts
        self.windowSeconds = windowSeconds
        self.name = name
        self.restartsOnApproval = restartsOnApproval
    }

    public init(from decoder: any Decoder) throws {
        let path = NetworkRulesCoding.path(decoder.codingPath)
        let c = try NetworkRulesCoding.object(
            decoder, path: path, allowed: ["maxAttempts", "windowSeconds", "name", "restartsOnApproval"])
        let maxAttempts = try NetworkRulesCoding.value(
            Int.self, c, "maxAttempts", path: path, expected: "a whole number")
        guard maxAttempts >= 0 else { throw PolicyError("\(path).maxAttempts: expected a whole number from 0") }
        let window = try NetworkRulesCoding.value(
            Int64.self, c, "windowSeconds", path: path, expected: "a number of seconds")
        guard window >= 1, window <= Self.longestWindowSeconds else {
            throw PolicyError(
                "\(path).windowSeconds: expected seconds from 1 to \(Self.longestWindowSeconds) (ten years)")
        }
        let name = try NetworkRulesCoding.value(
            String.self, c, "name", path: path, expected: "the rule's name (a string)")
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw PolicyError("\(path).name: expected the rule's name, not an empty string")
        }
        let restarts =
            try NetworkRulesCoding.optional(Bool.self, c, "restartsOnApproval", path: path, expected: "true or false")
            ?? false
        self.init(maxAttempts: maxAttempts, windowSeconds: window, name: name, restartsOnApproval: restarts)
    }
}

/// The networks' reattempt rules, as a configurable table: limits per network, the decline
/// codes after which a card is never retried, and the codes that ask for a wait.
///
/// Codes are keyed `"<network>:<scheme>"`: network `visa`, `mastercard` or `other`; scheme
/// `stripe`, `iso8583`, `sepa` (the `DeclineCodeScheme`s) or `merchant_advice` (Mastercard's
/// Merchant Advice Code, sent beside the response code).
public struct CardNetworkRules: Sendable, Equatable, Codable {
    public var limits: [CardNetwork: [NetworkLimit]]
    /// Codes after which no reattempt is ever made on the card, by `"network:scheme"`.
    public var neverRetry: [String: [String]]
    /// Codes that ask to wait a number of seconds before the next reattempt, by `"network:scheme"`.
    public var retryAfter: [String: [String: Int64]]

    public init(
        limits: [CardNetwork: [NetworkLimit]], neverRetry: [String: [String]] = [:],
        retryAfter: [String: [String: Int64]] = [:]
    ) {
        self.limits = limits
        self.neverRetry = neverRetry
        self.retryAfter = retryAfter
    }

    static let day: Int64 = 86_400

    /// Visa's category 1 ("issuer will never approve") response codes.
    static let visaCategory1 = ["04", "07", "12", "14", "15", "41", "43", "46", "57", "R0", "R1", "R3"]

    /// The defaults (sources in docs/card-network-rules.md).
    public static let defaults = CardNetworkRules(
        limits: [
            .visa: [
                NetworkLimit(
                    maxAttempts: 15, windowSeconds: 30 * day, name: "Visa excessive reattempts: 15 in 30 days",
                    restartsOnApproval: true)
            ],
            .mastercard: [
                NetworkLimit(
                    maxAttempts: 9, windowSeconds: day,
                    name: "Mastercard excessive attempts: 10 declines in 24 hours (the first and 9 reattempts)"),
                NetworkLimit(
                    maxAttempts: 34, windowSeconds: 30 * day,
                    name: "Mastercard excessive attempts: 35 declines in 30 days (the first and 34 reattempts)"),
            ],
        ],
        neverRetry: [
            "visa:iso8583": visaCategory1,
            "visa:stripe": [
                "pickup_card", "lost_card", "stolen_card", "invalid_number", "incorrect_number", "invalid_account",
                "transaction_not_allowed", "stop_payment_order", "revocation_of_authorization",
                "revocation_of_all_authorizations", "do_not_try_again",
            ],
            "mastercard:merchant_advice": ["03", "21"],
        ],
        retryAfter: [
            "mastercard:merchant_advice": [
                "24": 3600, "25": day, "26": 2 * day, "27": 4 * day, "28": 6 * day, "29": 8 * day, "30": 10 * day,
            ]
        ])

    static let schemes = DeclineCodeScheme.allCases.map(\.rawValue) + [merchantAdvice]
    static let merchantAdvice = "merchant_advice"

    /// `code` as the tables keep it: Stripe codes lowercased, others uppercased, a one-digit
    /// merchant advice code with its leading zero.
    static func normalised(_ code: String, scheme: String) -> String {
        let trimmed = code.trimmingCharacters(in: .whitespaces)
        switch scheme {
        case DeclineCodeScheme.stripe.rawValue: return trimmed.lowercased()
        case merchantAdvice where trimmed.count == 1: return "0" + trimmed
        default: return trimmed.uppercased()
        }
    }

    /// The limits of `network`, none if the table has none.
    public func limits(for network: CardNetwork) -> [NetworkLimit] { limits[network] ?? [] }

    /// The never-retry rule `code` falls under, if any.
    func neverRetryRule(network: CardNetwork, scheme: String, code: String) -> String? {
        let code = Self.normalised(code, scheme: scheme)
        guard !code.isEmpty,
            let codes = neverRetry["\(network.rawValue):\(scheme)"],
            codes.contains(where: { Self.normalised($0, scheme: scheme) == code })
        else { return nil }
        switch (network, scheme) {
        case (.visa, _) where scheme != Self.merchantAdvice:
            let category1 =
                scheme == DeclineCodeScheme.iso8583.rawValue ? Self.visaCategory1.contains(code) : true
            let kind = category1 ? "category 1 code" : "never-retry code"
            return "Visa \(kind) \(code) (issuer will never approve): no reattempt"
        case (.mastercard, Self.merchantAdvice):
            let meaning = ["03": "do not try again", "21": "payment cancelled"][code] ?? "never retry"
            return "Mastercard merchant advice code \(code) (\(meaning)): no reattempt"
        default:
            return "\(network.displayName) \(scheme) code \(code) (never retried): no reattempt"
        }
    }

    /// The wait `code` asks for, in seconds, and its rule's name.
    func wait(network: CardNetwork, scheme: String, code: String) -> (seconds: Int64, rule: String)? {
        let code = Self.normalised(code, scheme: scheme)
        guard let table = retryAfter["\(network.rawValue):\(scheme)"] else { return nil }
        for (key, seconds) in table where Self.normalised(key, scheme: scheme) == code {
            let label = scheme == Self.merchantAdvice ? "merchant advice code" : "\(scheme) code"
            return (
                seconds, "\(network.displayName) \(label) \(code): retry after \(NetworkRulesCoding.duration(seconds))"
            )
        }
        return nil
    }

    /// The longest window of any limit: attempts older than that no longer count.
    var longestWindowSeconds: Int64 { limits.values.joined().map(\.windowSeconds).max() ?? 0 }
    /// The largest `maxAttempts`: more recent attempts than that are never needed.
    var deepestLimit: Int { limits.values.joined().map(\.maxAttempts).max() ?? 0 }

    // MARK: Reading

    enum Member: String, CaseIterable {
        case limits, neverRetry, retryAfter
    }

    /// Reads a JSON table: members given replace the defaults' (a network's limits, a key's
    /// codes), members left out keep them; `"visa": []` removes Visa's limits.
    public static func read(_ data: Data) throws(PolicyError) -> CardNetworkRules {
        do {
            return try JSONDecoder().decode(CardNetworkRules.self, from: data)
        } catch let error as PolicyError {
            throw error
        } catch {
            throw PolicyError("not a card network rules table (JSON): \(error)")
        }
    }

    public init(from decoder: any Decoder) throws {
        self = .defaults
        let c = try NetworkRulesCoding.object(decoder, path: "", allowed: Member.allCases.map(\.rawValue))
        if let key = NetworkRulesCoding.key(Member.limits.rawValue, in: c) {
            let networks = try NetworkRulesCoding.nested(
                c, key, path: "limits", expected: "an object {\"visa\": [limits]}")
            for key in networks.allKeys {
                guard let network = CardNetwork(rawValue: key.stringValue) else {
                    throw PolicyError(
                        "limits.\(key.stringValue): unknown card network (expected visa, mastercard, other)")
                }
                limits[network] = try NetworkRulesCoding.value(
                    [NetworkLimit].self, networks, key.stringValue, path: "limits.\(key.stringValue)",
                    expected: "a list of limits [{\"maxAttempts\": 15, \"windowSeconds\": 2592000, \"name\": \"…\"}]")
            }
        }
        if let key = NetworkRulesCoding.key(Member.neverRetry.rawValue, in: c) {
            let table = try NetworkRulesCoding.nested(
                c, key, path: "neverRetry", expected: "an object {\"visa:iso8583\": [codes]}")
            for key in table.allKeys {
                let path = "neverRetry.\(key.stringValue)"
                try Self.checkKey(key.stringValue, path: path)
                let codes = try NetworkRulesCoding.value(
                    [String].self, table, key.stringValue, path: path, expected: "a list of codes [\"14\", \"41\"]")
                for (index, code) in codes.enumerated()
                where code.trimmingCharacters(in: .whitespaces).isEmpty {
                    throw PolicyError("\(path)[\(index)]: expected a code, not an empty string")
                }
                neverRetry[key.stringValue] = codes
            }
        }
        if let key = NetworkRulesCoding.key(Member.retryAfter.rawValue, in: c) {
            let table = try NetworkRulesCoding.nested(
                c, key, path: "retryAfter", expected: "an object {\"mastercard:merchant_advice\": {\"25\": 86400}}")
            for key in table.allKeys {
                let path = "retryAfter.\(key.stringValue)"
                try Self.checkKey(key.stringValue, path: path)
                let waits = try NetworkRulesCoding.value(
                    [String: Int64].self, table, key.stringValue, path: path,
                    expected: "an object of seconds by code {\"25\": 86400}")
                for (code, seconds) in waits where seconds < 1 || seconds > NetworkLimit.longestWindowSeconds {
                    throw PolicyError(
                        "\(path).\(code): expected seconds from 1 to \(NetworkLimit.longestWindowSeconds)")
                }
                retryAfter[key.stringValue] = waits
            }
        }
    }

    static func checkKey(_ key: String, path: String) throws(PolicyError) {
        let parts = key.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, CardNetwork(rawValue: parts[0]) != nil, schemes.contains(parts[1]) else {
            throw PolicyError(
                "\(path): expected \"network:scheme\", network visa, mastercard or other, scheme "
                    + schemes.joined(separator: ", "))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: NetworkRulesCoding.Key.self)
        var networks = c.nestedContainer(
            keyedBy: NetworkRulesCoding.Key.self, forKey: NetworkRulesCoding.Key(Member.limits.rawValue))
        for (network, list) in limits { try networks.encode(list, forKey: NetworkRulesCoding.Key(network.rawValue)) }
        try c.encode(neverRetry, forKey: NetworkRulesCoding.Key(Member.neverRetry.rawValue))
        try c.encode(retryAfter, forKey: NetworkRulesCoding.Key(Member.retryAfter.rawValue))
    }
}

/// What the networks' rules say of a planned reattempt.
public enum NetworkVerdict: Sendable, Equatable {
    case allowed
    /// Not before `to` (milliseconds since 1970), the first instant every rule allows;
    /// `rule` is the one that moved it.
    case deferred(to: Int64, rule: String)
    /// No reattempt: after a never-retry code, or none allowed in time.
    case forbidden(rule: String)
}

/// One card's reattempt history, as payment-retry keeps it: the charge requests Relance made
/// after a decline, the last approval, and the never-retry code or wait the issuer gave.
/// Times are milliseconds since 1970. Pass the same `CardNetworkRules` to every call.
public struct CardAttempts: Sendable, Equatable, Codable {
    /// Reattempt times, oldest first, pruned to the longest window.
    public private(set) var reattempts: [Int64] = []
    /// The last approval: limits with `restartsOnApproval` count only reattempts after it.
    public private(set) var lastApprovalAt: Int64?
    /// The never-retry rule a decline fell under: no reattempt on this card any more.
    public private(set) var neverRetryRule: String?
    /// No reattempt before this instant (a merchant advice code's wait), and why.
    public private(set) var waitUntil: Int64?
    public private(set) var waitRule: String?
    /// How far back and how many reattempts are kept, from the rules last seen.
    var keptMilliseconds: Int64 = NetworkRulesCoding.milliseconds(CardNetworkRules.defaults.longestWindowSeconds)
    var keptCount: Int = CardNetworkRules.defaults.deepestLimit

    public init() {}

    /// A decline on the card: `code` in `scheme` (`stripe`, `iso8583`, `sepa`), with
    /// Mastercard's merchant advice code if the response had one.
    public mutating func recordDecline(
        network: CardNetwork, scheme: String, code: String, merchantAdviceCode: String?, at: Int64,
        rules: CardNetworkRules
    ) {
        keptMilliseconds = max(keptMilliseconds, NetworkRulesCoding.milliseconds(rules.longestWindowSeconds))
        keptCount = max(keptCount, rules.deepestLimit)
        let scheme = scheme.lowercased()
        var signals = [(scheme, code)]
        if let advice = merchantAdviceCode { signals.append((CardNetworkRules.merchantAdvice, advice)) }
        for (scheme, code) in signals {
            if neverRetryRule == nil, let rule = rules.neverRetryRule(network: network, scheme: scheme, code: code) {
                neverRetryRule = rule
            }
            if let wait = rules.wait(network: network, scheme: scheme, code: code) {
                let until = NetworkRulesCoding.adding(at, NetworkRulesCoding.milliseconds(wait.seconds))
                if until > (waitUntil ?? .min) {
                    waitUntil = until
                    waitRule = wait.rule
                }
            }
        }
        prune()
    }

    /// A charge request Relance made on the card after a decline.
    public mutating func recordReattempt(at: Int64) {
        let index = reattempts.lastIndex(where: { $0 <= at }).map { $0 + 1 } ?? 0
        reattempts.insert(at, at: index)
        prune()
    }

    /// An approval on the card. Visa counts reattempts of a declined transaction until it is
    /// approved, so limits with `restartsOnApproval` count afresh; Mastercard counts declined
    /// attempts in its windows whatever came between, so its limits keep counting. A wait
    /// asked by the issuer ends; a never-retry code stays (a new card starts a new history).
    public mutating func recordApproval(at: Int64) {
        lastApprovalAt = max(lastApprovalAt ?? .min, at)
        waitUntil = nil
        waitRule = nil
    }

    /// Whether a reattempt planned at `plannedAt` keeps every rule of `network`; if not, the
    /// first instant at which it does, or `.forbidden` if there is none at or before `notAfter`.
    public func check(plannedAt: Int64, network: CardNetwork, rules: CardNetworkRules, notAfter: Int64? = nil)
        -> NetworkVerdict
    {
        if let rule = neverRetryRule { return .forbidden(rule: rule) }
        let times = reattempts.sorted()
        var earliest = plannedAt
        var rule: String?
        for limit in rules.limits(for: network) {
            guard limit.maxAttempts > 0 else { return .forbidden(rule: limit.name) }
            let counted = limit.restartsOnApproval ? times.filter { $0 > (lastApprovalAt ?? .min) } : times
            guard counted.count >= limit.maxAttempts else { continue }
            // The window must have let go of the maxAttempts-th most recent reattempt.
            let oldest = counted[counted.count - limit.maxAttempts]
            let free = NetworkRulesCoding.adding(oldest, NetworkRulesCoding.milliseconds(limit.windowSeconds))
            if free == .max { return .forbidden(rule: limit.name) }
            if free > earliest {
                earliest = free
                rule = limit.name
            }
        }
        if let until = waitUntil, let waitRule, until > earliest {
            earliest = until
            rule = waitRule
        }
        if let last = times.last, last > earliest {
            earliest = last
            rule = "not before the card's last reattempt"
        }
        guard let rule, earliest > plannedAt else { return .allowed }
        if let notAfter, earliest > notAfter { return .forbidden(rule: rule) }
        return .deferred(to: earliest, rule: rule)
    }

    /// Drops reattempts that no window can count any more, and keeps at most as many as the
    /// deepest limit needs.
    mutating func prune() {
        guard let latest = reattempts.last else { return }
        // A horizon before the first representable instant drops nothing.
        let (horizon, overflow) = latest.subtractingReportingOverflow(keptMilliseconds)
        if !overflow, keptMilliseconds > 0 { reattempts.removeAll { $0 <= horizon } }
        let excess = reattempts.count - max(keptCount, 1)
        if excess > 0 { reattempts.removeFirst(excess) }
    }
}

/// Strict reading and clamped arithmetic for the types above.
enum NetworkRulesCoding {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) {
            stringValue = String(intValue)
            self.intValue = intValue
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        var result = ""
        for key in codingPath {
            if let index = key.intValue {
                result += "[\(index)]"
            } else {
                result += result.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return result
    }

    static func member(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The object at `decoder`, refusing members not in `allowed`.
    static func object(_ decoder: any Decoder, path: String, allowed: [String]) throws -> KeyedDecodingContainer<Key> {
        let c: KeyedDecodingContainer<Key>
        do {
            c = try decoder.container(keyedBy: Key.self)
        } catch {
            throw PolicyError("\(path.isEmpty ? "the table" : path): expected an object")
        }
        for key in c.allKeys where !allowed.contains(key.stringValue) {
            throw PolicyError(
                "\(member(path, key.stringValue)): unknown member (expected \(allowed.joined(separator: ", ")))")
        }
        return c
    }

    static func key(_ name: String, in c: KeyedDecodingContainer<Key>) -> Key? {
        c.contains(Key(name)) ? Key(name) : nil
    }

    static func nested(_ c: KeyedDecodingContainer<Key>, _ key: Key, path: String, expected: String) throws
        -> KeyedDecodingContainer<Key>
    {
        do {
            return try c.nestedContainer(keyedBy: Key.self, forKey: key)
        } catch {
            throw PolicyError("\(path): expected \(expected)")
        }
    }

    static func value<T: Decodable>(
        _ type: T.Type, _ c: KeyedDecodingContainer<Key>, _ name: String, path: String, expected: String
    ) throws -> T {
        guard c.contains(Key(name)) else { throw PolicyError("\(member(path, name)): missing (expected \(expected))") }
        do {
            return try c.decode(T.self, forKey: Key(name))
        } catch let error as PolicyError {
            throw error
        } catch {
            throw PolicyError("\(member(path, name)): expected \(expected)")
        }
    }

    static func optional<T: Decodable>(
        _ type: T.Type, _ c: KeyedDecodingContainer<Key>, _ name: String, path: String, expected: String
    ) throws -> T? {
        guard c.contains(Key(name)) else { return nil }
        return try value(type, c, name, path: path, expected: expected)
    }

    /// `a + b`, held at the bounds instead of overflowing.
    static func adding(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard overflow else { return sum }
        return b > 0 ? .max : .min
    }

    /// `seconds` in milliseconds, held at the bounds.
    static func milliseconds(_ seconds: Int64) -> Int64 {
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard overflow else { return product }
        return seconds > 0 ? .max : .min
    }

    static func duration(_ seconds: Int64) -> String {
        if seconds % 86_400 == 0 { return seconds == 86_400 ? "24 hours" : "\(seconds / 86_400) days" }
        if seconds % 3600 == 0 { return seconds == 3600 ? "1 hour" : "\(seconds / 3600) hours" }
        return "\(seconds) seconds"
    }
}
