import Foundation
import RelanceDomain
import RelanceEvents
import Testing

@Suite struct CardExpiryTests {
    static func card(_ id: String, _ year: Int, _ month: Int, wallet: Bool = true) -> SavedCard {
        SavedCard(id: id, brand: "Visa", last4: "4242", expires: YearMonth(year: year, month: month), inWallet: wallet)
    }

    func listings(_ effects: [CardExpiryEffect]) -> [String: Bool] {
        var result: [String: Bool] = [:]
        for case .listing(let card, _, let listed) in effects { result[card.id] = listed }
        return result
    }

    func reminders(_ effects: [CardExpiryEffect]) -> [String] {
        effects.compactMap { if case .remind(let card) = $0 { card.id } else { nil } }
    }

    @Test func listedTheMonthBeforeAcrossTheYearEndAndRemindedOnce() {
        var watch = CardWatch()
        _ = watch.save(Self.card("c1", 2027, 1), replacing: nil, now: YearMonth(year: 2026, month: 11))
        #expect(watch.schedule("sub-1", cardID: "c1", now: YearMonth(year: 2026, month: 11)).isEmpty)
        let december = watch.evaluate(now: YearMonth(year: 2026, month: 12))
        #expect(listings(december) == ["c1": true] && reminders(december) == ["c1"])
        #expect(watch.evaluate(now: YearMonth(year: 2026, month: 12)).isEmpty, "no change, nothing published")
        // January: it expires this month, no longer "next month".
        #expect(listings(watch.evaluate(now: YearMonth(year: 2027, month: 1))) == ["c1": false])
        #expect(reminders(watch.evaluate(now: YearMonth(year: 2027, month: 1))).isEmpty)
    }

    @Test func aCardOutOfTheWalletOrPayingNothingIsNeverListed() {
        var watch = CardWatch()
        let now = YearMonth(year: 2027, month: 4)
        _ = watch.save(Self.card("outside", 2027, 5, wallet: false), replacing: nil, now: now)
        _ = watch.save(Self.card("idle", 2027, 5), replacing: nil, now: now)
        #expect(watch.schedule("plan-1", cardID: "outside", now: now).isEmpty)
        let effects = watch.evaluate(now: now)
        #expect(effects.isEmpty, "not in the wallet, and no scheduled payment: neither is listed")
        // A schedule moves to the wallet card: listed at once.
        #expect(listings(watch.schedule("plan-1", cardID: "idle", now: now)) == ["idle": true])
        // The schedule ends: it goes away.
        #expect(listings(watch.schedule("plan-1", cardID: nil, now: now)) == ["idle": false])
    }

    @Test func replacedBeforeTheReminderNothingIsSentAndPaymentRetryIsTold() {
        var watch = CardWatch()
        let march = YearMonth(year: 2027, month: 3)
        _ = watch.save(Self.card("old", 2027, 5), replacing: nil, now: march)
        _ = watch.schedule("inst-1", cardID: "old", now: march)
        let effects = watch.save(Self.card("new", 2030, 5), replacing: "old", now: march)
        #expect(
            effects.contains {
                if case .replaced(let old, let new) = $0 { old?.id == "old" && new.id == "new" } else { false }
            })
        #expect(watch.schedules(of: "new") == ["inst-1"], "the schedule follows the new card")
        #expect(reminders(watch.evaluate(now: YearMonth(year: 2027, month: 4))).isEmpty)
    }

    @Test func replacedAfterTheReminderTheItemGoesAway() {
        var watch = CardWatch()
        let april = YearMonth(year: 2027, month: 4)
        _ = watch.save(Self.card("old", 2027, 5), replacing: nil, now: april)
        #expect(reminders(watch.schedule("inst-1", cardID: "old", now: april)) == ["old"])
        let effects = watch.save(Self.card("new", 2030, 5), replacing: "old", now: april)
        #expect(listings(effects) == ["old": false])
        #expect(reminders(effects).isEmpty)
    }

    @Test func twoCardsOnOneAccountAreJudgedEachOnItsOwn() {
        var watch = CardWatch()
        let now = YearMonth(year: 2028, month: 1)
        _ = watch.save(Self.card("a", 2028, 2), replacing: nil, now: now)
        _ = watch.save(Self.card("b", 2028, 3), replacing: nil, now: now)
        _ = watch.schedule("s-a", cardID: "a", now: now)
        _ = watch.schedule("s-b", cardID: "b", now: now)
        #expect(Set(watch.listed.keys) == ["a"])
        let february = watch.evaluate(now: YearMonth(year: 2028, month: 2))
        #expect(listings(february) == ["a": false, "b": true] && reminders(february) == ["b"])
    }

    @Test func theMonthIsTheMerchantsAndLeapDaysCount() throws {
        // 2026-11-30T23:30Z is already December in Paris, still November in New York.
        let instant = Date(timeIntervalSince1970: 1_796_081_400)
        #expect(YearMonth.of(instant, in: TimeZone(identifier: "Europe/Paris")!) == YearMonth(year: 2026, month: 12))
        #expect(
            YearMonth.of(instant, in: TimeZone(identifier: "America/New_York")!) == YearMonth(year: 2026, month: 11))
        // A card "through 02/28" is valid until the end of 29 February 2028.
        let paris = TimeZone(identifier: "Europe/Paris")!
        let leapDayEvening = YearMonth(year: 2028, month: 2).start(in: paris).addingTimeInterval(
            28 * 86_400 + 22 * 3600)
        #expect(YearMonth.of(leapDayEvening, in: paris) == YearMonth(year: 2028, month: 2))
        #expect(
            YearMonth(year: 2028, month: 3).start(in: paris) == Date(timeIntervalSince1970: 1_835_478_000),
            "1 March 2028 00:00 in Paris: February had 29 days")
    }

    @Test func theNextChangeIsTheMonthBeforeExpiryThenTheExpiryMonth() {
        var watch = CardWatch()
        let january = YearMonth(year: 2027, month: 1)
        _ = watch.save(Self.card("c1", 2027, 5), replacing: nil, now: january)
        #expect(watch.nextChange(after: january) == nil, "paying nothing: nothing can change without an event")
        _ = watch.schedule("sub-1", cardID: "c1", now: january)
        #expect(watch.nextChange(after: january) == YearMonth(year: 2027, month: 4))
        _ = watch.evaluate(now: YearMonth(year: 2027, month: 4))
        #expect(watch.nextChange(after: YearMonth(year: 2027, month: 4)) == YearMonth(year: 2027, month: 5))
        _ = watch.evaluate(now: YearMonth(year: 2027, month: 5))
        #expect(watch.nextChange(after: YearMonth(year: 2027, month: 5)) == nil)
        // Across the year end, and outside the wallet.
        _ = watch.save(Self.card("c2", 2028, 1), replacing: nil, now: january)
        _ = watch.schedule("sub-2", cardID: "c2", now: january)
        _ = watch.save(Self.card("c3", 2027, 3, wallet: false), replacing: nil, now: january)
        _ = watch.schedule("sub-3", cardID: "c3", now: january)
        #expect(watch.nextChange(after: YearMonth(year: 2027, month: 6)) == YearMonth(year: 2027, month: 12))
    }

    /// The worker looks again only at `nextChange`: over random accounts and three years, that
    /// gives exactly the effects of looking every month.
    @Test func lookingOnlyAtTheNextChangeMissesNothing() {
        var seed: UInt64 = 0x5EED
        func random(_ n: Int) -> Int {
            seed &+= 0x9E37_79B9_7F4A_7C15
            var z = seed
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(n))
        }
        let start = YearMonth(year: 2026, month: 11)
        for _ in 0..<500 {
            var watch = CardWatch()
            for c in 0..<(1 + random(3)) {
                let expires = YearMonth(year: 2026 + random(3), month: 1 + random(12))
                _ = watch.save(
                    Self.card("c\(c)", expires.year, expires.month, wallet: random(4) != 0), replacing: nil, now: start)
                if random(3) != 0 { _ = watch.schedule("s\(c)", cardID: "c\(c)", now: start) }
            }
            var everyMonth = watch
            var onlyDue = watch
            var due = onlyDue.nextChange(after: start)
            var month = start
            for _ in 0..<40 {
                month = month.next
                let expected = everyMonth.evaluate(now: month)
                if month == due {
                    #expect(onlyDue.evaluate(now: month) == expected)
                    due = onlyDue.nextChange(after: month)
                } else {
                    #expect(
                        expected.isEmpty, "a change in \(month), no look planned (next: \(String(describing: due)))")
                }
                #expect(due.map { $0 > month } ?? true)
            }
        }
    }

    /// `YearMonth` does its own calendar arithmetic: it must agree with Foundation's calendar
    /// in zones with summer time, half-hour and 45-minute offsets, and midnight changes.
    @Test func monthsAndTheirStartsAgreeWithTheCalendar() {
        let zones = [
            "UTC", "Europe/Paris", "America/Los_Angeles", "Pacific/Auckland", "Asia/Kolkata", "Pacific/Chatham",
            "America/Sao_Paulo", "America/Havana", "Asia/Beirut", "Australia/Lord_Howe", "America/St_Johns",
        ]
        for name in zones {
            let zone = TimeZone(identifier: name)!
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            // Every 7 hours 13 minutes from 2015 to 2030, and each month's start.
            var instant = Date(timeIntervalSince1970: 1_420_070_400)
            while instant.timeIntervalSince1970 < 1_893_456_000 {
                let parts = calendar.dateComponents([.year, .month], from: instant)
                #expect(
                    YearMonth.of(instant, in: zone) == YearMonth(year: parts.year!, month: parts.month!),
                    "\(name) \(instant)")
                instant.addTimeInterval(7 * 3600 + 13 * 60)
            }
            for year in 2015...2030 {
                for month in 1...12 {
                    let expected = calendar.date(from: DateComponents(year: year, month: month, day: 1))!
                    #expect(YearMonth(year: year, month: month).start(in: zone) == expected, "\(name) \(year)-\(month)")
                }
            }
        }
    }
}
