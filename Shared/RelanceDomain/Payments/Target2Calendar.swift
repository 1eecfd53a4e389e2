import RelanceEvents

/// The closing days of TARGET2 (T2), the Eurosystem's settlement system, on which SEPA direct
/// debits do not settle: Saturdays, Sundays, 1 January, Good Friday, Easter Monday (Western
/// Easter), 1 May, 25 and 26 December. The list has been the same since 2002; the extra closing
/// days of 1999–2001 (31 December) are not modelled.
public enum Target2Calendar {
    /// Western (Gregorian) Easter Sunday of `year`: the anonymous Gregorian algorithm
    /// (Meeus/Jones/Butcher).
    public static func easterSunday(year: Int) -> (month: Int, day: Int) {
        let a = year % 19
        let b = year / 100
        let c = year % 100
        let d = b / 4
        let e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4
        let k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return (month, day)
    }

    /// nil on a TARGET2 business day, else why it is closed: "Saturday", "Sunday",
    /// "New Year's Day", "Good Friday", "Easter Monday", "Labour Day", "Christmas Day" or
    /// "26 December". A holiday that falls on a weekend is named as the holiday.
    public static func closing(year: Int, month: Int, day: Int) -> String? {
        switch (month, day) {
        case (1, 1): return "New Year's Day"
        case (5, 1): return "Labour Day"
        case (12, 25): return "Christmas Day"
        case (12, 26): return "26 December"
        default: break
        }
        let days = Timestamp.daysFromCivil(year: year, month: month, day: day)
        let easter = easterSunday(year: year)
        let easterDays = Timestamp.daysFromCivil(year: year, month: easter.month, day: easter.day)
        if days == easterDays - 2 { return "Good Friday" }
        if days == easterDays + 1 { return "Easter Monday" }
        return weekend(days: days)
    }

    public static func isBusinessDay(year: Int, month: Int, day: Int) -> Bool {
        closing(year: year, month: month, day: day) == nil
    }

    /// "Saturday" or "Sunday" for a day counted from 1970-01-01 (a Thursday), else nil.
    static func weekend(days: Int) -> String? {
        switch ((days % 7) + 7 + 4) % 7 {
        case 6: return "Saturday"
        case 0: return "Sunday"
        default: return nil
        }
    }
}
