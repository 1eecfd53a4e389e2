import Foundation
import RelanceDomain
import RelanceEvents
import RelanceTestSupport
import Testing

private let dayMs: Int64 = 86_400_000

private func zone(_ identifier: String) -> TimeZone {
    guard let zone = TimeZone(identifier: identifier) else {
        Issue.record("no time zone \(identifier)")
        return TimeZone(secondsFromGMT: 0) ?? .current
    }
    return zone
}

/// "2026-12-01T02:00" read in `zone` (a local time that exists once), in ms since 1970.
private func local(_ text: String, _ identifier: String) -> Int64 {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone(identifier)
    let numbers = text.split(whereSeparator: { "-T:".contains($0) }).compactMap { Int($0) }
    guard numbers.count == 5,
        let date = calendar.date(
            from: DateComponents(
                year: numbers[0], month: numbers[1], day: numbers[2], hour: numbers[3], minute: numbers[4]))
    else {
        Issue.record("not a local time: \(text)")
        return 0
    }
    return Timestamp.milliseconds(date)
}

/// "2026-12-01T01:00" UTC, in ms since 1970.
private func utc(_ text: String) -> Int64 { local(text, "UTC") }

/// "2026-12-01T01:00Z" for an instant.
private func iso(_ milliseconds: Int64) -> String {
    String(Timestamp.format(milliseconds: milliseconds).dropLast(8)) + "Z"
}

private func window(_ text: String) throws -> TimeWindow { try TimeWindow(text) }

private func paydays(
    _ days: [Int], windowDays: Int = 2, maxDelayDays: Int = 10, codes: [String] = ["insufficient_funds", "51", "AM04"]
) throws -> Paydays {
    try Paydays(days: days, windowDays: windowDays, maxDelayDays: maxDelayDays, codes: codes)
}

@Suite("Retry timing: TARGET2 days, time windows across DST, paydays")
struct RetryTimingTests {
    @Test("Easter Sunday, Western, for known years")
    func easter() {
        let known: [(Int, Int, Int)] = [
            (1961, 4, 2), (2000, 4, 23), (2008, 3, 23), (2011, 4, 24), (2019, 4, 21), (2024, 3, 31), (2025, 4, 20),
            (2026, 4, 5), (2027, 3, 28), (2028, 4, 16), (2029, 4, 1), (2030, 4, 21), (2038, 4, 25), (2285, 3, 22),
            (2943, 4, 14), (1818, 3, 22), (2160, 3, 23), (2049, 4, 18),
        ]
        for (year, month, day) in known {
            let easter = Target2Calendar.easterSunday(year: year)
            #expect(easter.month == month && easter.day == day, "\(year)")
        }
    }

    func closingDays(of year: Int) -> (count: Int, holidays: [String]) {
        var count = 0
        var holidays: [String] = []
        var day = Timestamp.daysFromCivil(year: year, month: 1, day: 1)
        while Timestamp.civil(fromDays: day).year == year {
            let date = Timestamp.civil(fromDays: day)
            if let reason = Target2Calendar.closing(year: date.year, month: date.month, day: date.day) {
                count += 1
                #expect(!Target2Calendar.isBusinessDay(year: date.year, month: date.month, day: date.day))
                if reason != "Saturday" && reason != "Sunday" {
                    holidays.append("\(date.month)-\(date.day) \(reason)")
                }
            }
            day += 1
        }
        return (count, holidays)
    }

    @Test("every TARGET2 closing day of 2026 and 2027")
    func target2Days() {
        // 2026: 104 weekend days; holidays on weekdays: 1 Jan (Thu), Good Friday 3 Apr, Easter Monday 6 Apr,
        // 1 May (Fri), 25 Dec (Fri); 26 Dec is a Saturday.
        let days2026 = closingDays(of: 2026)
        #expect(
            days2026.holidays == [
                "1-1 New Year's Day", "4-3 Good Friday", "4-6 Easter Monday", "5-1 Labour Day", "12-25 Christmas Day",
                "12-26 26 December",
            ])
        #expect(days2026.count == 104 + 5)
        // 2027: 104 weekend days; on weekdays only 1 Jan (Fri), Good Friday 26 Mar, Easter Monday 29 Mar;
        // 1 May is a Saturday, 25 Dec a Saturday, 26 Dec a Sunday.
        let days2027 = closingDays(of: 2027)
        #expect(
            days2027.holidays == [
                "1-1 New Year's Day", "3-26 Good Friday", "3-29 Easter Monday", "5-1 Labour Day", "12-25 Christmas Day",
                "12-26 26 December",
            ])
        #expect(days2027.count == 104 + 3)
        #expect(Target2Calendar.closing(year: 2026, month: 12, day: 24) == nil)
        #expect(Target2Calendar.closing(year: 2026, month: 12, day: 5) == "Saturday")
        #expect(Target2Calendar.closing(year: 2026, month: 12, day: 6) == "Sunday")
        #expect(Target2Calendar.isBusinessDay(year: 2027, month: 3, day: 30))
    }

    @Test("a SEPA retry due on Good Friday 2027 waits for Tuesday: Easter Monday is closed too")
    func goodFriday() {
        let plan = RetryTiming().plan(
            due: local("2027-03-26T10:00", "Europe/Paris"), method: .sepaDebit, declineCode: "AM04",
            zone: zone("Europe/Paris"))
        #expect(iso(plan.at) == "2027-03-29T22:00Z", "Tuesday 30 March, 00:00 in Paris (summer time)")
        #expect(
            plan.adjustments == [
                .closedDay(date: "2027-03-26", reason: "Good Friday"),
                .closedDay(date: "2027-03-27", reason: "Saturday"), .closedDay(date: "2027-03-28", reason: "Sunday"),
                .closedDay(date: "2027-03-29", reason: "Easter Monday"),
            ])
        #expect(
            plan.explanation
                == "2027-03-26 is a TARGET2 closing day (Good Friday); 2027-03-27 is a Saturday, not a business day; "
                + "2027-03-28 is a Sunday, not a business day; 2027-03-29 is a TARGET2 closing day (Easter Monday); "
                + "at 2027-03-30 00:00 Europe/Paris")
        // eChecks skip weekends only: Good Friday and Easter Monday are not US closing days here.
        let eCheck = RetryTiming().plan(
            due: local("2027-03-26T10:00", "America/New_York"), method: .eCheck, declineCode: "R01",
            zone: zone("America/New_York"))
        #expect(
            eCheck.adjustments.isEmpty && eCheck.explanation == "as scheduled; at 2027-03-26 10:00 America/New_York")
    }

    @Test("a card retry on a Sunday stays on Sunday; a window moves it to 02:00 local")
    func cardOnSunday() throws {
        let due = local("2026-12-06T01:00", "Europe/Paris")
        let asScheduled = RetryTiming().plan(
            due: due, method: .card, declineCode: "insufficient_funds", zone: zone("Europe/Paris"))
        #expect(
            asScheduled
                == PlannedAttempt(
                    at: due, adjustments: [], explanation: "as scheduled; at 2026-12-06 01:00 Europe/Paris"))
        let timing = RetryTiming(window: try window("02:00-05:00"))
        let plan = timing.plan(due: due, method: .card, declineCode: "insufficient_funds", zone: zone("Europe/Paris"))
        #expect(iso(plan.at) == "2026-12-06T01:00Z")
        #expect(plan.adjustments == [.timeWindow(window: "02:00-05:00")])
        #expect(plan.explanation == "moved into the 02:00-05:00 window; at 2026-12-06 02:00 Europe/Paris")
        // Past the window: the next day's start.
        let later = timing.plan(
            due: local("2026-12-06T05:00", "Europe/Paris"), method: .card, declineCode: "x", zone: zone("Europe/Paris"))
        #expect(iso(later.at) == "2026-12-07T01:00Z")
        // Inside: unchanged.
        let inside = local("2026-12-06T04:59", "Europe/Paris")
        #expect(timing.plan(due: inside, method: .card, declineCode: "x", zone: zone("Europe/Paris")).at == inside)
        // Business days asked for a card: weekends only, to Monday.
        let weekdays = RetryTiming(businessDaysOnly: true).plan(
            due: due, method: .card, declineCode: "x", zone: zone("Europe/Paris"))
        #expect(weekdays.adjustments == [.closedDay(date: "2026-12-06", reason: "Sunday")])
        #expect(iso(weekdays.at) == "2026-12-06T23:00Z")
        // And turned off for a SEPA debit: no move.
        let anyDay = RetryTiming(businessDaysOnly: false).plan(
            due: due, method: .sepaDebit, declineCode: "AM04", zone: zone("Europe/Paris"))
        #expect(anyDay.at == due)
    }

    @Test("Europe/Paris DST: 02:30 skipped on 2027-03-28 (03:00 local), repeated on 2026-10-25 (first one)")
    func parisDST() throws {
        let paris = zone("Europe/Paris")
        for text in ["02:30", "02:30-05:00"] {
            let timing = RetryTiming(window: try window(text))
            let spring = timing.plan(
                due: local("2027-03-27T12:00", "Europe/Paris"), method: .card, declineCode: "x", zone: paris)
            #expect(iso(spring.at) == "2027-03-28T01:00Z", "\(text): the first instant after the gap")
            #expect(spring.explanation == "moved into the \(text) window; at 2027-03-28 03:00 Europe/Paris")
            let autumn = timing.plan(
                due: local("2026-10-24T12:00", "Europe/Paris"), method: .card, declineCode: "x", zone: paris)
            #expect(iso(autumn.at) == "2026-10-25T00:30Z", "\(text): 02:30 CEST, the first occurrence")
            #expect(autumn.explanation.hasSuffix("at 2026-10-25 02:30 Europe/Paris"))
        }
        // Due at 02:10 CET, after the first 02:30 (CEST) has passed: the second 02:30, never before due.
        let timing = RetryTiming(window: try window("02:30-05:00"))
        let due = utc("2026-10-25T01:10")
        let second = timing.plan(due: due, method: .card, declineCode: "x", zone: paris)
        #expect(iso(second.at) == "2026-10-25T01:30Z")
        // Due in the first 02:40 (CEST): inside the window.
        let first = utc("2026-10-25T00:40")
        #expect(timing.plan(due: first, method: .card, declineCode: "x", zone: paris).at == first)
        // The next day: a 02:30 that exists once again.
        let after = timing.plan(due: utc("2026-10-25T04:00"), method: .card, declineCode: "x", zone: paris)
        #expect(iso(after.at) == "2026-10-26T01:30Z")
    }

    @Test("America/New_York DST on 2027-03-14: 02:15 does not exist, 03:00 EDT")
    func newYorkDST() throws {
        let newYork = zone("America/New_York")
        let timing = RetryTiming(window: try window("02:15-02:45"))
        let plan = timing.plan(
            due: local("2027-03-13T12:00", "America/New_York"), method: .card, declineCode: "x", zone: newYork)
        #expect(iso(plan.at) == "2027-03-14T07:00Z")
        #expect(plan.explanation == "moved into the 02:15-02:45 window; at 2027-03-14 03:00 America/New_York")
        // The day after, the window is there again: 02:15 EDT.
        let next = timing.plan(due: plan.at + 1, method: .card, declineCode: "x", zone: newYork)
        #expect(iso(next.at) == "2027-03-15T06:15Z")
        // An eCheck due that Sunday goes to Monday, then into the window.
        let eCheck = timing.plan(
            due: local("2027-03-14T12:00", "America/New_York"), method: .eCheck, declineCode: "R01", zone: newYork)
        #expect(iso(eCheck.at) == "2027-03-15T06:15Z")
        #expect(
            eCheck.adjustments == [
                .closedDay(date: "2027-03-14", reason: "Sunday"), .timeWindow(window: "02:15-02:45"),
            ])
    }

    @Test("Pacific/Auckland: summer time starts 2026-09-27, ends 2027-04-04")
    func aucklandDST() throws {
        let auckland = zone("Pacific/Auckland")
        let timing = RetryTiming(window: try window("02:30"))
        let spring = timing.plan(
            due: local("2026-09-26T12:00", "Pacific/Auckland"), method: .card, declineCode: "x", zone: auckland)
        #expect(iso(spring.at) == "2026-09-26T14:00Z", "03:00 NZDT, after the gap 02:00-03:00")
        let autumn = timing.plan(
            due: local("2027-04-03T12:00", "Pacific/Auckland"), method: .card, declineCode: "x", zone: auckland)
        #expect(iso(autumn.at) == "2027-04-03T13:30Z", "the first 02:30, NZDT")
        let repeated = timing.plan(due: utc("2027-04-03T13:45"), method: .card, declineCode: "x", zone: auckland)
        #expect(iso(repeated.at) == "2027-04-03T14:30Z", "the second 02:30, NZST: the first is past")
    }

    @Test("a window over midnight")
    func wrappingWindow() throws {
        let paris = zone("Europe/Paris")
        let timing = RetryTiming(window: try window("23:30-01:30"))
        #expect(timing.window?.wrapsMidnight == true)
        let evening = timing.plan(
            due: local("2026-12-09T22:00", "Europe/Paris"), method: .card, declineCode: "x", zone: paris)
        #expect(evening.explanation == "moved into the 23:30-01:30 window; at 2026-12-09 23:30 Europe/Paris")
        let night = local("2026-12-10T00:45", "Europe/Paris")
        #expect(timing.plan(due: night, method: .card, declineCode: "x", zone: paris).at == night)
        let morning = timing.plan(
            due: local("2026-12-10T01:30", "Europe/Paris"), method: .card, declineCode: "x", zone: paris)
        #expect(morning.explanation.hasSuffix("at 2026-12-10 23:30 Europe/Paris"))
        // A SEPA debit on Friday night at 23:45: in the window, but past midnight would be Saturday.
        let friday = local("2026-12-11T23:45", "Europe/Paris")
        #expect(timing.plan(due: friday, method: .sepaDebit, declineCode: "AM04", zone: paris).at == friday)
        // Friday 02:00: the next 23:30 is Friday's.
        let fridayMorning = timing.plan(
            due: local("2026-12-11T02:00", "Europe/Paris"), method: .sepaDebit, declineCode: "AM04", zone: paris)
        #expect(fridayMorning.explanation.hasSuffix("at 2026-12-11 23:30 Europe/Paris"))
        // Saturday 02:00: Monday 00:00 is in the window.
        let saturday = timing.plan(
            due: local("2026-12-12T02:00", "Europe/Paris"), method: .sepaDebit, declineCode: "AM04", zone: paris)
        #expect(
            saturday.explanation
                == "2026-12-12 is a Saturday, not a business day; 2026-12-13 is a Sunday, not a business day; "
                + "at 2026-12-14 00:00 Europe/Paris")
    }

    @Test("paydays: a lack of funds waits for the next payday window when it comes soon enough")
    func paydayWindows() throws {
        let paris = zone("Europe/Paris")
        let due = local("2026-11-27T10:00", "Europe/Paris")
        let timing = RetryTiming(paydays: try paydays([1, 15]))
        let plan = timing.plan(due: due, method: .card, declineCode: "insufficient_funds", zone: paris)
        #expect(iso(plan.at) == "2026-11-30T23:00Z")
        #expect(plan.adjustments == [.payday(date: "2026-12-01")])
        #expect(plan.explanation == "moved to the payday window of 2026-12-01; at 2026-12-01 00:00 Europe/Paris")
        // Then the window.
        var windowed = timing
        windowed.window = try window("02:00-05:00")
        let then = windowed.plan(due: due, method: .card, declineCode: "insufficient_funds", zone: paris)
        #expect(iso(then.at) == "2026-12-01T01:00Z")
        #expect(
            then.explanation
                == "moved to the payday window of 2026-12-01; moved into the 02:00-05:00 window; "
                + "at 2026-12-01 02:00 Europe/Paris")
        // Not moved: a code not listed, a window too far, past notAfter, already in a window.
        #expect(timing.plan(due: due, method: .card, declineCode: "do_not_honor", zone: paris).at == due)
        let near = RetryTiming(paydays: try paydays([1, 15], maxDelayDays: 3))
        #expect(near.plan(due: due, method: .card, declineCode: "insufficient_funds", zone: paris).at == due)
        #expect(
            timing.plan(
                due: due, method: .card, declineCode: "insufficient_funds", zone: paris,
                notAfter: utc("2026-11-30T22:59")
            ).at == due)
        #expect(
            timing.plan(
                due: due, method: .card, declineCode: "insufficient_funds", zone: paris,
                notAfter: utc("2026-11-30T23:00")
            ).adjustments == [.payday(date: "2026-12-01")])
        let inWindow = local("2026-12-02T18:00", "Europe/Paris")
        #expect(
            timing.plan(due: inWindow, method: .card, declineCode: "insufficient_funds", zone: paris).at == inWindow)
        // The day after the window: the 15th, 11¼ days later (more than the default 10).
        let afterWindow = RetryTiming(paydays: try paydays([1, 15], maxDelayDays: 12)).plan(
            due: local("2026-12-03T18:00", "Europe/Paris"), method: .card, declineCode: "insufficient_funds",
            zone: paris)
        #expect(afterWindow.adjustments == [.payday(date: "2026-12-15")])
        // A SEPA debit whose payday is a Saturday: the payday, then the next business day.
        let sepa = RetryTiming(paydays: try paydays([1, 15])).plan(
            due: local("2027-04-28T10:00", "Europe/Paris"), method: .sepaDebit, declineCode: "AM04", zone: paris)
        #expect(
            sepa.adjustments == [
                .payday(date: "2027-05-01"), .closedDay(date: "2027-05-01", reason: "Labour Day"),
                .closedDay(date: "2027-05-02", reason: "Sunday"),
            ])
        #expect(sepa.explanation.hasSuffix("at 2027-05-03 00:00 Europe/Paris"))
    }

    @Test("payday 31 is the month's last day: 2027-02-28, 2028-02-29, 2026-04-30")
    func monthEnds() throws {
        let paris = zone("Europe/Paris")
        let timing = RetryTiming(paydays: try paydays([31]))
        for (due, payday) in [
            ("2027-02-20T10:00", "2027-02-28"), ("2028-02-20T10:00", "2028-02-29"), ("2026-04-25T10:00", "2026-04-30"),
            ("2026-12-25T10:00", "2026-12-31"),
        ] {
            let plan = timing.plan(due: local(due, "Europe/Paris"), method: .card, declineCode: "51", zone: paris)
            #expect(plan.adjustments == [.payday(date: payday)], "\(due)")
        }
        // In the window of 28 February 2027 (the 28th and 1 March): not moved.
        let march = local("2027-03-01T10:00", "Europe/Paris")
        #expect(timing.plan(due: march, method: .card, declineCode: "51", zone: paris).at == march)
    }

    @Test("the year end: a SEPA retry pushed past 2026-12-31 waits for Monday 2027-01-04")
    func yearEnd() throws {
        let paris = zone("Europe/Paris")
        let timing = RetryTiming(window: try window("02:00-05:00"))
        let plan = timing.plan(
            due: local("2026-12-31T10:00", "Europe/Paris"), method: .sepaDebit, declineCode: "AM04", zone: paris)
        #expect(iso(plan.at) == "2027-01-04T01:00Z")
        #expect(
            plan.adjustments == [
                .timeWindow(window: "02:00-05:00"), .closedDay(date: "2027-01-01", reason: "New Year's Day"),
                .closedDay(date: "2027-01-02", reason: "Saturday"), .closedDay(date: "2027-01-03", reason: "Sunday"),
                .timeWindow(window: "02:00-05:00"),
            ])
        #expect(plan.explanation.hasSuffix("; at 2027-01-04 02:00 Europe/Paris"))
        // Christmas 2026: Friday 25 and Saturday 26 (26 December), Sunday 27.
        let christmas = RetryTiming().plan(
            due: local("2026-12-25T09:00", "Europe/Paris"), method: .sepaDebit, declineCode: "AM04", zone: paris)
        #expect(
            christmas.adjustments == [
                .closedDay(date: "2026-12-25", reason: "Christmas Day"),
                .closedDay(date: "2026-12-26", reason: "26 December"), .closedDay(date: "2026-12-27", reason: "Sunday"),
            ])
        #expect(christmas.adjustments[0].description == "2026-12-25 is a TARGET2 closing day (Christmas Day)")
    }

    @Test("the configuration: strings for times, unknown members refused, clear errors")
    func coding() throws {
        let json = #"""
            {"window": "23:30-01:30", "businessDaysOnly": true,
             "paydays": {"days": [1, 15, 31], "codes": ["insufficient_funds", "AM04"]}}
            """#
        let timing = try JSONDecoder().decode(RetryTiming.self, from: Data(json.utf8))
        #expect(timing.window == (try window("23:30-01:30")))
        #expect(timing.businessDaysOnly == true)
        #expect(timing.paydays == (try paydays([1, 15, 31], codes: ["insufficient_funds", "AM04"])))
        #expect(timing.paydays?.windowDays == 2 && timing.paydays?.maxDelayDays == 10)
        let again = try JSONDecoder().decode(RetryTiming.self, from: JSONEncoder().encode(timing))
        #expect(again == timing)
        #expect(try JSONDecoder().decode(RetryTiming.self, from: Data("{}".utf8)) == RetryTiming())
        for bad in [
            #"{"windows": "02:00-05:00"}"#, #"{"window": "2:00-05:00"}"#, #"{"window": "02:00-24:00"}"#,
            #"{"window": "02:00-02:00"}"#, #"{"paydays": {"days": [1], "codes": ["51"], "window": 2}}"#,
            #"{"paydays": {"days": [0], "codes": ["51"]}}"#, #"{"paydays": {"days": [1], "codes": []}}"#,
            #"{"paydays": {"days": [1], "codes": ["51"], "maxDelayDays": 40}}"#,
        ] {
            #expect(throws: DecodingError.self, "\(bad)") {
                try JSONDecoder().decode(RetryTiming.self, from: Data(bad.utf8))
            }
        }
        #expect(throws: PolicyError("local time \"24:00\" is not a time of day HH:MM between 00:00 and 23:59")) {
            try LocalTime("24:00")
        }
        #expect(try LocalTime("09:05").description == "09:05" && (try LocalTime("09:05")) < (try LocalTime("10:00")))
        #expect(try window("02:30").description == "02:30")
        #expect(RetryTiming().requiresBusinessDays(for: .sepaDebit) && RetryTiming().requiresBusinessDays(for: .eCheck))
        #expect(!RetryTiming().requiresBusinessDays(for: .card))
    }

    @Test("2,000 random plans: never before due, on business days, in the window, within 40 days")
    func property() throws {
        var rng = SplitMix64(seed: 0x7E7A_2026)
        let zones = [
            "Europe/Paris", "America/New_York", "Pacific/Auckland", "Asia/Kolkata", "Australia/Lord_Howe", "UTC",
            "America/Santiago", "Europe/London", "Asia/Tokyo",
        ].map(zone)
        let start = utc("2026-01-01T00:00")
        let end = utc("2029-01-01T00:00")
        var moved = 0
        for index in 0..<2_000 {
            let due = Int64.random(in: start..<end, using: &rng)
            let zone = zones[Int.random(in: 0..<zones.count, using: &rng)]
            let method = [PaymentMethod.card, .sepaDebit, .eCheck][Int.random(in: 0..<3, using: &rng)]
            var timing = RetryTiming()
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: break
            case 1:
                timing.window = try TimeWindow(
                    start: LocalTime(
                        hour: Int.random(in: 0..<24, using: &rng), minute: Int.random(in: 0..<60, using: &rng)),
                    end: nil)
            default:
                let from = Int.random(in: 0..<1440, using: &rng)
                var to = Int.random(in: 0..<1440, using: &rng)
                if to == from { to = (from + 1) % 1440 }
                timing.window = try TimeWindow(
                    start: LocalTime(hour: from / 60, minute: from % 60), end: LocalTime(hour: to / 60, minute: to % 60)
                )
            }
            timing.businessDaysOnly = [nil, true, false][Int.random(in: 0..<3, using: &rng)]
            if Bool.random(using: &rng) {
                timing.paydays = try Paydays(
                    days: (0..<Int.random(in: 1...3, using: &rng)).map { _ in Int.random(in: 1...31, using: &rng) },
                    windowDays: Int.random(in: 1...5, using: &rng), maxDelayDays: Int.random(in: 0...31, using: &rng),
                    codes: ["insufficient_funds", "AM04"])
            }
            let code = ["insufficient_funds", "AM04", "do_not_honor"][Int.random(in: 0..<3, using: &rng)]
            let notAfter = Bool.random(using: &rng) ? due + Int64.random(in: 0..<(20 * dayMs), using: &rng) : nil
            let plan = timing.plan(due: due, method: method, declineCode: code, zone: zone, notAfter: notAfter)

            let context = "#\(index) \(iso(due)) \(zone.identifier) \(method) \(String(describing: timing))"
            #expect(plan.at >= due, "\(context)")
            #expect(plan.at - due <= 40 * dayMs, "\(context)")
            #expect(plan.explanation.hasSuffix(zone.identifier), "\(context)")
            if plan.at != due { moved += 1 }
            if plan.adjustments.isEmpty { #expect(plan.at == due, "\(context)") }

            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let parts = calendar.dateComponents(
                [.year, .month, .day, .hour, .minute, .weekday], from: Timestamp.date(milliseconds: plan.at))
            guard let year = parts.year, let month = parts.month, let day = parts.day, let hour = parts.hour,
                let minute = parts.minute, let weekday = parts.weekday
            else {
                Issue.record("no local date: \(context)")
                continue
            }
            if timing.requiresBusinessDays(for: method) {
                if method == .sepaDebit {
                    #expect(Target2Calendar.isBusinessDay(year: year, month: month, day: day), "\(context)")
                } else {
                    #expect(weekday != 1 && weekday != 7, "\(context)")
                }
            }
            if let window = timing.window {
                let second = (hour * 60 + minute) * 60
                let seconds = plan.at / 1000
                // Or the window's start fell in a gap: the first instant after it (a change of offset).
                let gap =
                    zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds - 1)))
                    != zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds)))
                #expect(window.contains(secondOfDay: second) || gap, "\(context) → \(iso(plan.at))")
            }
        }
        #expect(moved > 500, "most random plans move")
    }

    @Test("no trap at the edges: extreme instants, out-of-range members set after reading")
    func edges() throws {
        var timing = RetryTiming(
            window: try window("23:59"), businessDaysOnly: true, paydays: try paydays([31], windowDays: 31))
        timing.paydays?.maxDelayDays = -5
        timing.paydays?.windowDays = -1
        timing.paydays?.days = [0, 99]
        for zone in ["Pacific/Kiritimati", "Pacific/Niue", "Europe/Paris"].map(zone) {
            for due in [Int64.min, -62_135_596_800_001, -62_135_596_800_000, 0, 253_402_300_799_999, Int64.max] {
                for method in [PaymentMethod.card, .sepaDebit, .eCheck] {
                    let plan = timing.plan(
                        due: due, method: method, declineCode: "insufficient_funds", zone: zone, notAfter: Int64.min)
                    #expect(plan.at >= due)
                }
            }
        }
        // Pacific/Apia skipped 30 December 2011 (UTC-10 to UTC+14): a SEPA retry due Thursday 29 at 11:00
        // local, for a 10:00 window, lands after the gap on Saturday 31, then waits for Monday 2 January.
        let apia = zone("Pacific/Apia")
        let plan = RetryTiming(window: try window("10:00")).plan(
            due: utc("2011-12-29T21:00"), method: .sepaDebit, declineCode: "AM04", zone: apia)
        #expect(plan.at >= utc("2011-12-29T21:00"))
        #expect(plan.explanation.hasSuffix("at 2012-01-02 10:00 Pacific/Apia"), "\(plan.explanation)")
    }
}
