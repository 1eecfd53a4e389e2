import Foundation
import RelanceEvents

/// When the next attempts come, as offsets from the previous failure. Written as data:
/// `7d,7d` (the seeds' "smooth retries"), `8,8,8` (Kill Bill's days), `12h,1d`, or
/// `8 tries within 14 days` (spread evenly, as Stripe's smart retries are described).
public struct RetrySchedule: Sendable, Equatable, PolicyText {
    /// Delay before each retry, in seconds, after the failure before it.
    public var delays: [Int64]
    public let source: String

    public init(_ text: String) throws(PolicyError) {
        source = text
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed == "none" {
            delays = []
            return
        }
        let words = trimmed.split(separator: " ")
        if words.count == 5, words[1] == "tries", words[2] == "within", let tries = Int(words[0]), tries > 0,
            let span = Int(words[3]), span > 0, words[4] == "days" || words[4] == "day"
        {
            // n tries in all within the span: the first is the failed one, the rest evenly spread.
            guard tries > 1 else {
                delays = []
                return
            }
            let step = Int64(span) * 86_400 / Int64(tries - 1)
            delays = Array(repeating: step, count: tries - 1)
            return
        }
        var result: [Int64] = []
        for part in trimmed.split(separator: ",") {
            let item = part.trimmingCharacters(in: .whitespaces)
            guard let seconds = RetrySchedule.seconds(item), seconds > 0 else {
                throw PolicyError("retry schedule \"\(text)\": \"\(item)\" is not a delay such as 7d, 12h, 30m or 8")
            }
            result.append(seconds)
        }
        delays = result
    }

    /// `7d`, `12h`, `30m`, `45s`, or a bare number of days.
    static func seconds(_ text: String) -> Int64? {
        if let days = Int64(text) { return days * 86_400 }
        guard let unit = text.last, let value = Int64(text.dropLast()) else { return nil }
        switch unit {
        case "d": return value * 86_400
        case "h": return value * 3600
        case "m": return value * 60
        case "s": return value
        default: return nil
        }
    }

    /// Attempts in all, the first (failed) payment included.
    public var attempts: Int { delays.count + 1 }
    public var description: String { source }

}

public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A policy value written as one string in the configuration files (`7d,7d`, `02:00`,
/// `02:00-05:00`): read by its throwing `init(_:)`, a refusal naming where it is; written as its
/// `description`.
public protocol PolicyText: Codable, CustomStringConvertible {
    init(_ text: String) throws(PolicyError)
}

extension PolicyText {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Exponential backoff for technical failures: not attempts, capped, bounded.
public struct TechnicalBackoff: Sendable, Equatable, Codable {
    public var firstSeconds: Int64 = 60
    public var factor: Int64 = 2
    public var capSeconds: Int64 = 3600
    public var maxTries: Int = 6

    public init() {}

    /// The wait before technical try `n` (1-based), or nil past `maxTries`.
    public func delay(try n: Int) -> Int64? {
        guard n >= 1, n <= maxTries else { return nil }
        var delay = firstSeconds
        for _ in 1..<n {
            delay = min(capSeconds, delay * factor)
        }
        return min(delay, capSeconds)
    }
}

/// A merchant's retry rules. Missing fields take the defaults, which follow the seeds.
public struct RetryPolicy: Sendable, Equatable, Codable {
    /// Card soft declines. Default `7d,7d`: three attempts in all, seven days apart (003).
    public var cardSoftDecline: RetrySchedule
    /// Direct debits returned for lack of funds (AM04, MS03). Default `3d,5d`.
    public var debitInsufficientFunds: RetrySchedule
    /// False: a direct debit is never retried; the order goes to collections (003 for SEPA).
    public var directDebitRetries: Bool
    /// eCheck (ACH) returns for lack of funds; NACHA allows two re-presentments.
    public var eCheckInsufficientFunds: RetrySchedule
    public var technical: TechnicalBackoff
    /// When scheduled retries may happen: a local time window, business days, paydays
    /// (`RetryTiming`, docs/retry-timing.md). Nil: as `{}`, the schedule's offsets with the
    /// methods' own rules (SEPA debits on TARGET2 business days, eChecks on weekdays).
    public var timing: RetryTiming?
    /// The merchant's IANA time zone, for `timing` when the customer's is not known (UTC else).
    public var timeZone: String?

    public init() {
        cardSoftDecline = try! RetrySchedule("7d,7d")
        debitInsufficientFunds = try! RetrySchedule("3d,5d")
        directDebitRetries = true
        eCheckInsufficientFunds = try! RetrySchedule("3d,3d")
        technical = TechnicalBackoff()
    }

    enum CodingKeys: String, CodingKey {
        case cardSoftDecline, debitInsufficientFunds, directDebitRetries, eCheckInsufficientFunds, technical, timing,
            timeZone
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cardSoftDecline = try c.decodeIfPresent(RetrySchedule.self, forKey: .cardSoftDecline) ?? cardSoftDecline
        debitInsufficientFunds =
            try c.decodeIfPresent(RetrySchedule.self, forKey: .debitInsufficientFunds) ?? debitInsufficientFunds
        directDebitRetries = try c.decodeIfPresent(Bool.self, forKey: .directDebitRetries) ?? directDebitRetries
        eCheckInsufficientFunds =
            try c.decodeIfPresent(RetrySchedule.self, forKey: .eCheckInsufficientFunds) ?? eCheckInsufficientFunds
        technical = try c.decodeIfPresent(TechnicalBackoff.self, forKey: .technical) ?? technical
        timing = try c.decodeIfPresent(RetryTiming.self, forKey: .timing)
        timeZone = try c.decodeIfPresent(String.self, forKey: .timeZone)
        if let timeZone, TimeZone(identifier: timeZone) == nil {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath + [CodingKeys.timeZone],
                    debugDescription: "\"\(timeZone)\" is not an IANA time zone (Europe/Paris)"))
        }
    }

    /// The zone local retry times are in: the customer's, else the merchant's, else UTC.
    public func zone(customer: String?) -> TimeZone {
        customer.flatMap(TimeZone.init(identifier:)) ?? timeZone.flatMap(TimeZone.init(identifier:))
            ?? TimeZone(secondsFromGMT: 0) ?? .current
    }

    /// What happens after a failed attempt.
    public enum Decision: Sendable, Equatable {
        /// Try again after `afterSeconds`; `attempt` is the number the retry will have.
        case retry(afterSeconds: Int64, attempt: Int)
        /// A gateway or network failure: try again soon; attempts do not change.
        case technicalRetry(afterSeconds: Int64)
        /// No automatic retry until the customer gives a new payment method.
        case waitForNewPaymentMethod
        /// Automatic attempts are over: notify the vendor (who may renew once or hand over).
        case attemptsExhausted
        /// Direct-debit retries are off for this merchant: hand the order to collections.
        case handToCollections
        /// Never retried automatically (refunds, mandate problems); `reason` says why.
        case noRetry(reason: String)
    }

    /// The decision after attempt number `attempt` (1 = the original payment) failed for
    /// `category`; `technicalTries` counts technical failures of this attempt so far.
    public func decide(
        method: PaymentMethod, type: TransactionType, category: FailureCategory, attempt: Int, technicalTries: Int = 0
    ) -> Decision {
        if type == .refund {
            return .noRetry(reason: "refunds are never retried automatically: the merchant account lacked funds")
        }
        if category == .technical {
            if let delay = technical.delay(try: technicalTries + 1) { return .technicalRetry(afterSeconds: delay) }
            // Past the technical tries, the failure counts like a soft decline.
            return decide(method: method, type: type, category: .softDecline, attempt: attempt)
        }
        let schedule: RetrySchedule
        switch (method, category) {
        case (.card, .hardDecline), (.card, .expiredCard):
            return .waitForNewPaymentMethod
        case (.card, _):
            schedule = cardSoftDecline
        case (.sepaDebit, .debitMandateOrAccount), (.eCheck, .debitMandateOrAccount), (_, .hardDecline):
            return .noRetry(reason: "a mandate or account problem: the payer must give a new payment method")
        case (.sepaDebit, _):
            guard directDebitRetries else { return .handToCollections }
            schedule = debitInsufficientFunds
        case (.eCheck, _):
            guard directDebitRetries else { return .handToCollections }
            schedule = eCheckInsufficientFunds
        }
        guard attempt >= 1, attempt <= schedule.delays.count else { return .attemptsExhausted }
        return .retry(afterSeconds: schedule.delays[attempt - 1], attempt: attempt + 1)
    }
}

/// Every merchant's policy: `default` and per-merchant overrides, read from a JSON file
/// (`{"default": {...}, "merchants": {"m-1": {"directDebitRetries": false}}}`).
public struct RetryPolicies: Sendable, Equatable, Codable {
    public var `default`: RetryPolicy
    public var merchants: [String: RetryPolicy]

    public init(default: RetryPolicy = RetryPolicy(), merchants: [String: RetryPolicy] = [:]) {
        self.default = `default`
        self.merchants = merchants
    }

    public func policy(for merchantID: String) -> RetryPolicy { merchants[merchantID] ?? self.default }

    public static func read(_ data: Data) throws -> RetryPolicies {
        let decoder = JSONDecoder()
        let file = try decoder.decode(File.self, from: data)
        return RetryPolicies(default: file.default ?? RetryPolicy(), merchants: file.merchants ?? [:])
    }

    struct File: Decodable {
        var `default`: RetryPolicy?
        var merchants: [String: RetryPolicy]?
    }
}
