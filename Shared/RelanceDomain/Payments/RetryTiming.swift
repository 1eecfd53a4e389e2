import Foundation
import RelanceEvents

/// A local time of day, "HH:MM" (00:00–23:59), in the customer's time zone.
public struct LocalTime: Sendable, Equatable, Comparable, PolicyText {
    public let hour: Int
    public let minute: Int

    public init(hour: Int, minute: Int) throws(PolicyError) {
        guard (0...23).contains(hour), (0...59).contains(minute) else {
            throw PolicyError("local time \(hour):\(minute) is not between 00:00 and 23:59")
        }
        self.hour = hour
        self.minute = minute
    }

    /// "HH:MM", two digits each: "02:00", "23:30".
    public init(_ text: String) throws(PolicyError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let hour = Int(parts[0]), let minute = Int(parts[1]), (0...23).contains(hour), (0...59).contains(minute)
        else {
            throw PolicyError("local time \"\(text)\" is not a time of day HH:MM between 00:00 and 23:59")
        }
        self.hour = hour
        self.minute = minute
    }

    /// Minutes since midnight.
    public var minutes: Int { hour * 60 + minute }

    public var description: String {
        (hour < 10 ? "0\(hour)" : "\(hour)") + ":" + (minute < 10 ? "0\(minute)" : "\(minute)")
    }

    public static func < (a: LocalTime, b: LocalTime) -> Bool { a.minutes < b.minutes }

}

/// A local time window, "HH:MM-HH:MM": from the start (included) to the end (excluded); it
/// wraps midnight when the end comes first ("23:30-01:30"). A single "HH:MM" is a point: that
/// minute.
public struct TimeWindow: Sendable, Equatable, PolicyText {
    public let start: LocalTime
    /// nil: a point, the minute `start`.
    public let end: LocalTime?

    public init(start: LocalTime, end: LocalTime?) throws(PolicyError) {
        if let end, end == start {
            throw PolicyError(
                "time window \(start)-\(end) is empty: write a single \(start) for that minute")
        }
        self.start = start
        self.end = end
    }

    public init(_ text: String) throws(PolicyError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "-", omittingEmptySubsequences: false)
        let start: LocalTime
        let end: LocalTime?
        do throws(PolicyError) {
            switch parts.count {
            case 1:
                start = try LocalTime(String(parts[0]))
                end = nil
            case 2:
                start = try LocalTime(String(parts[0]).trimmingCharacters(in: .whitespaces))
                end = try LocalTime(String(parts[1]).trimmingCharacters(in: .whitespaces))
            default:
                throw PolicyError("")
            }
        } catch {
            throw PolicyError(
                "time window \"\(text)\" is not HH:MM-HH:MM (such as 02:00-05:00 or 23:30-01:30) or a single HH:MM"
                    + (error.description.isEmpty ? "" : ": " + error.description))
        }
        try self.init(start: start, end: end)
    }

    /// True when the end comes before the start: the window runs over midnight.
    public var wrapsMidnight: Bool { end.map { $0 < start } ?? false }

    /// Whether a local time, in seconds since local midnight, is in the window.
    public func contains(secondOfDay second: Int) -> Bool {
        let from = start.minutes * 60
        guard let end else { return second >= from && second < from + 60 }
        let to = end.minutes * 60
        return from < to ? second >= from && second < to : second >= from || second < to
    }

    /// "02:00-05:00", or "02:30" for a point.
    public var description: String { end.map { "\(start)-\($0)" } ?? start.description }

}

/// Paydays: for some decline reasons (lack of funds), a retry moves into the next payday window
/// when that comes before too long.
public struct Paydays: Sendable, Equatable, Codable {
    /// Days of the month, 1...31; a day past the month's length means its last day (31: the
    /// last day of every month; 30 in February: the 28th or 29th).
    public var days: [Int]
    /// Days a payday window lasts, the payday included: 2 = the payday and the next day.
    public var windowDays: Int
    /// Move only when the window starts within this many days after the due time (0...31).
    public var maxDelayDays: Int
    /// The decline codes this applies to: "insufficient_funds", "51", "AM04", "MS03"…
    public var codes: [String]

    public init(days: [Int], windowDays: Int = 2, maxDelayDays: Int = 10, codes: [String]) throws(PolicyError) {
        guard !days.isEmpty, days.allSatisfy({ (1...31).contains($0) }) else {
            throw PolicyError("paydays: days \(days) must be days of the month, 1 to 31 (31: the month's last day)")
        }
        guard (1...31).contains(windowDays) else {
            throw PolicyError("paydays: windowDays \(windowDays) must be 1 to 31")
        }
        guard (0...31).contains(maxDelayDays) else {
            throw PolicyError("paydays: maxDelayDays \(maxDelayDays) must be 0 to 31")
        }
        guard !codes.isEmpty, !codes.contains(where: \.isEmpty) else {
            throw PolicyError("paydays: codes must name the decline codes it applies to, such as insufficient_funds")
        }
        self.days = days
        self.windowDays = windowDays
        self.maxDelayDays = maxDelayDays
        self.codes = codes
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case days, windowDays, maxDelayDays, codes
    }

    public init(from decoder: any Decoder) throws {
        try RetryTiming.refuseUnknownMembers(decoder, known: CodingKeys.allCases.map(\.rawValue), in: "paydays")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let days = try c.decode([Int].self, forKey: .days)
        let windowDays = try c.decodeIfPresent(Int.self, forKey: .windowDays) ?? 2
        let maxDelayDays = try c.decodeIfPresent(Int.self, forKey: .maxDelayDays) ?? 10
        let codes = try c.decode([String].self, forKey: .codes)
        do {
            try self.init(days: days, windowDays: windowDays, maxDelayDays: maxDelayDays, codes: codes)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    /// Whether the local day (days since 1970-01-01) is a payday.
    func isPayday(_ day: Int) -> Bool {
        let date = Timestamp.civil(fromDays: day)
        let length = RetryTiming.monthLength(year: date.year, month: date.month)
        return days.contains { min($0, length) == date.day }
    }
}

/// When a retry may run, on top of its schedule's delay: a local time window, business days
/// only, paydays. Every member is optional; `{}` changes nothing for cards and keeps debits on
/// business days.
public struct RetryTiming: Sendable, Equatable, Codable {
    /// The local time of day retries run at, in the customer's time zone (else the merchant's).
    public var window: TimeWindow?
    /// nil: the method's default (`requiresBusinessDays(for:)`): SEPA debits and eChecks on
    /// business days, cards on any day.
    public var businessDaysOnly: Bool?
    public var paydays: Paydays?

    public init(window: TimeWindow? = nil, businessDaysOnly: Bool? = nil, paydays: Paydays? = nil) {
        self.window = window
        self.businessDaysOnly = businessDaysOnly
        self.paydays = paydays
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case window, businessDaysOnly, paydays
    }

    public init(from decoder: any Decoder) throws {
        try Self.refuseUnknownMembers(decoder, known: CodingKeys.allCases.map(\.rawValue), in: "retry timing")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        window = try c.decodeIfPresent(TimeWindow.self, forKey: .window)
        businessDaysOnly = try c.decodeIfPresent(Bool.self, forKey: .businessDaysOnly)
        paydays = try c.decodeIfPresent(Paydays.self, forKey: .paydays)
    }

    struct Member: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// A member the type does not know (a typo: "windows") stops the reading with its path.
    static func refuseUnknownMembers(_ decoder: any Decoder, known: [String], in name: String) throws {
        let container = try decoder.container(keyedBy: Member.self)
        for key in container.allKeys where !known.contains(key.stringValue) {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath + [key],
                    debugDescription:
                        "\"\(key.stringValue)\" is not a member of \(name) (\(known.joined(separator: ", ")))"
                ))
        }
    }

    /// Debits settle on bank business days (SEPA: TARGET2's; eCheck: weekdays); cards any day.
    public static func businessDaysByDefault(for method: PaymentMethod) -> Bool {
        switch method {
        case .card: false
        case .sepaDebit, .eCheck: true
        }
    }

    public func requiresBusinessDays(for method: PaymentMethod) -> Bool {
        businessDaysOnly ?? Self.businessDaysByDefault(for: method)
    }

    /// Why a local day (days since 1970-01-01) is not a business day for `method`, or nil:
    /// TARGET2's closing days for SEPA debits, Saturdays and Sundays otherwise (US bank
    /// holidays of eChecks are not modelled).
    public static func closing(day: Int, method: PaymentMethod) -> String? {
        switch method {
        case .sepaDebit:
            let date = Timestamp.civil(fromDays: day)
            return Target2Calendar.closing(year: date.year, month: date.month, day: date.day)
        case .card, .eCheck:
            return Target2Calendar.weekend(days: day)
        }
    }

    static func monthLength(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// Why a retry's time moved.
public enum TimingAdjustment: Sendable, Equatable, CustomStringConvertible {
    /// Moved into the payday window starting on this local day, YYYY-MM-DD.
    case payday(date: String)
    /// Moved past a local day that is not a business day (YYYY-MM-DD): a weekend or a TARGET2
    /// holiday; `reason` as `Target2Calendar.closing` names it.
    case closedDay(date: String, reason: String)
    /// Moved into the local time window, "02:00-05:00".
    case timeWindow(window: String)

    public var description: String {
        switch self {
        case .payday(let date):
            return "moved to the payday window of \(date)"
        case .closedDay(let date, let reason) where reason == "Saturday" || reason == "Sunday":
            return "\(date) is a \(reason), not a business day"
        case .closedDay(let date, let reason):
            return "\(date) is a TARGET2 closing day (\(reason))"
        case .timeWindow(let window):
            return "moved into the \(window) window"
        }
    }
}

/// A retry's planned time and why it was chosen, for the action-centre item.
public struct PlannedAttempt: Sendable, Equatable {
    /// Milliseconds since 1970, UTC.
    public var at: Int64
    public var adjustments: [TimingAdjustment]
    /// "as scheduled; at 2026-12-01 14:00 Europe/Paris", or the adjustments joined with "; ",
    /// ending with the local time.
    public var explanation: String

    public init(at: Int64, adjustments: [TimingAdjustment], explanation: String) {
        self.at = at
        self.adjustments = adjustments
        self.explanation = explanation
    }
}

extension RetryTiming {
    /// The time of a retry due at `due` (ms since 1970): (1) into the next payday window when
    /// the decline code is listed, the due time is not in a payday window already, and the
    /// window starts within `maxDelayDays` and not after `notAfter`; then (2) past closing days
    /// when the method needs business days and (3) into the time window, again until both
    /// hold. Never before `due`. Local days and times are in `zone`; a local time that does not
    /// exist (the clocks go forward) is the first instant after the gap; one that occurs twice
    /// is its first occurrence, unless that is before the retry's time.
    public func plan(
        due: Int64, method: PaymentMethod, declineCode: String, zone: TimeZone, notAfter: Int64? = nil
    ) -> PlannedAttempt {
        // Years 1 to 9999 only: far outside, the arithmetic below could overflow.
        guard (Self.earliest...Self.latest).contains(due) else {
            return PlannedAttempt(at: due, adjustments: [], explanation: "as scheduled")
        }
        let clock = LocalClock(zone: zone)
        var at = due
        var adjustments: [TimingAdjustment] = []

        // (1) Paydays. The members are public and mutable: out-of-range values are clamped here.
        if let paydays, paydays.codes.contains(declineCode) {
            let today = clock.local(at).day
            let windowDays = min(max(paydays.windowDays, 1), 31)
            let maxDelayDays = min(max(paydays.maxDelayDays, 0), 31)
            let inside = (0..<windowDays).contains { paydays.isPayday(today - $0) }
            if !inside, let next = (1...(maxDelayDays + 1)).first(where: { paydays.isPayday(today + $0) }),
                let start = clock.instant(day: today + next, second: 0, notBefore: due),
                start - due <= Int64(maxDelayDays) * 86_400_000, notAfter.map({ start <= $0 }) ?? true
            {
                at = start
                adjustments.append(.payday(date: Self.date(today + next)))
            }
        }

        // (2) and (3), until both hold.
        let businessDays = requiresBusinessDays(for: method)
        for _ in 0..<370 {
            var moved = false
            if businessDays {
                var day = clock.local(at).day
                var skipped: [TimingAdjustment] = []
                while skipped.count < 31, let reason = Self.closing(day: day, method: method) {
                    skipped.append(.closedDay(date: Self.date(day), reason: reason))
                    day += 1
                }
                if !skipped.isEmpty, let start = clock.instant(day: day, second: 0, notBefore: at) {
                    adjustments += skipped
                    at = start
                    moved = true
                }
            }
            if let window {
                let local = clock.local(at)
                let start = window.start.minutes * 60
                // The window's start on a day the clocks skipped it: the first instant after the gap.
                let atStart = clock.instant(day: local.day, second: start, notBefore: nil) == at
                if !window.contains(secondOfDay: local.second) && !atStart,
                    let next = (0...2).lazy.compactMap({
                        clock.instant(day: local.day + $0, second: start, notBefore: at)
                    })
                    .first
                {
                    adjustments.append(.timeWindow(window: window.description))
                    at = next
                    moved = true
                }
            }
            if !moved { break }
        }
        at = max(at, due)

        let local = clock.local(at)
        let hour = local.second / 3600
        let minute = local.second % 3600 / 60
        let time =
            "at \(Self.date(local.day)) \(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute) \(zone.identifier)"
        let explanation =
            adjustments.isEmpty
            ? "as scheduled; \(time)" : (adjustments.map(\.description) + [time]).joined(separator: "; ")
        return PlannedAttempt(at: at, adjustments: adjustments, explanation: explanation)
    }

    /// 0001-01-01 and 9999-12-31, in ms since 1970: the range `plan` adjusts.
    static let earliest: Int64 = -62_135_596_800_000
    static let latest: Int64 = 253_402_300_799_999

    /// YYYY-MM-DD of a day counted from 1970-01-01.
    static func date(_ day: Int) -> String {
        let date = Timestamp.civil(fromDays: day)
        let year = String(date.year)
        return String(repeating: "0", count: max(0, 4 - year.count)) + year + (date.month < 10 ? "-0" : "-")
            + "\(date.month)" + (date.day < 10 ? "-0" : "-") + "\(date.day)"
    }
}

/// Local days and times of instants in one time zone, and back, from the zone's offsets (the
/// same tz data as `Calendar`), with the rules for skipped and repeated local times.
struct LocalClock {
    let zone: TimeZone

    func offset(_ second: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(second))))
    }

    /// The local day (since 1970-01-01) and second of that day of an instant in milliseconds.
    func local(_ milliseconds: Int64) -> (day: Int, second: Int) {
        let second = Self.floorDiv(milliseconds, 1000)
        let local = second + offset(second)
        let day = Self.floorDiv(local, 86_400)
        return (Int(day), Int(local - day * 86_400))
    }

    /// The instant (ms) the local clock reads `second` on `day`: in a gap, the first instant
    /// after it; when it reads that twice, the first time at or after `notBefore`. nil when
    /// every such instant is before `notBefore`.
    func instant(day: Int, second: Int, notBefore: Int64?) -> Int64? {
        let local = Int64(day) * 86_400 + Int64(second)
        // Offsets are within ±18 h: every offset the zone may have around that local time.
        let offsets = Set([-66_000, 0, 66_000].map { offset(local + $0) })
        let valid = offsets.compactMap { candidate in offset(local - candidate) == candidate ? local - candidate : nil }
        let floor = notBefore ?? Int64.min
        if !valid.isEmpty {
            return valid.sorted().lazy.map { $0 * 1000 }.first { $0 >= floor }
        }
        // A gap: the clock jumps from before `local` to after it. Find the change of offset.
        guard let largest = offsets.max(), let smallest = offsets.min() else { return nil }
        var before = local - largest  // still on the smaller offset: reads earlier than `local`
        var after = local - smallest  // already on the larger one: reads later than `local`
        guard before < after else { return nil }
        let first = offset(before)
        while after - before > 1 {
            let middle = before + (after - before) / 2
            if offset(middle) == first { before = middle } else { after = middle }
        }
        return after * 1000 >= floor ? after * 1000 : nil
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}
