import Foundation
import RelanceEvents
import RelanceMail

/// Amounts and times as the console shows and exports them.
public enum ConsoleFormat {
    /// "1 234,56 €" / "€1,234.56": the mailer's formats (`MoneyFormat`), in the page's language.
    public static func money(_ minorUnits: Int64, currency: String, language: ConsoleLanguage) -> String {
        MoneyFormat.format(minorUnits, currency: currency, locale: language == .fr ? .fr : .en)
    }

    /// Major units with a point, as a spreadsheet reads them: 123456 EUR → "1234.56", 500 JPY → "500",
    /// 1234 BHD → "1.234".
    public static func majorUnits(_ minorUnits: Int64, currency: String) -> String {
        let exponent = Currency(code: currency)?.minorUnitDigits ?? 2
        guard exponent > 0 else { return String(minorUnits) }
        var scale: UInt64 = 1
        for _ in 0..<exponent { scale *= 10 }
        let magnitude = minorUnits.magnitude
        let fraction = String(magnitude % scale)
        return (minorUnits < 0 ? "-" : "") + String(magnitude / scale) + "."
            + String(repeating: "0", count: exponent - fraction.count) + fraction
    }

    /// The local calendar date and time of `date` in `zone` (whole seconds; the proleptic
    /// Gregorian calendar, by arithmetic: no `Calendar` per call, the CSV formats thousands).
    static func components(_ date: Date, in zone: TimeZone) -> DateComponents {
        let local = Int64((date.timeIntervalSince1970).rounded(.down)) + Int64(zone.secondsFromGMT(for: date))
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let seconds = Int(local - days * 86_400)
        let (year, month, day) = Timestamp.civil(fromDays: Int(days))
        return DateComponents(
            year: year, month: month, day: day, hour: seconds / 3600, minute: seconds % 3600 / 60, second: seconds % 60)
    }

    static func two(_ value: Int?) -> String {
        let value = value ?? 0
        return value < 10 ? "0\(value)" : "\(value)"
    }

    /// "07/12/2026 14:05" (fr) / "2026-12-07 14:05" (en), in `zone`.
    public static func dateTime(_ date: Date, in zone: TimeZone, language: ConsoleLanguage) -> String {
        let c = components(date, in: zone)
        let time = "\(two(c.hour)):\(two(c.minute))"
        switch language {
        case .fr: return "\(two(c.day))/\(two(c.month))/\(c.year ?? 0) \(time)"
        case .en: return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(time)"
        }
    }

    /// ISO 8601 with the zone's offset: "2026-12-07T14:05:00+01:00".
    public static func iso(_ date: Date, in zone: TimeZone) -> String {
        let c = components(date, in: zone)
        let offset = zone.secondsFromGMT(for: date)
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day))T\(two(c.hour)):\(two(c.minute)):\(two(c.second))"
            + "\(sign)\(two(minutes / 60)):\(two(minutes % 60))"
    }
}

/// RFC 4180 CSV: fields with a comma, a quote or a line break are quoted, quotes doubled;
/// lines end with CRLF. A text field a spreadsheet would run as a formula (=, +, -, @, tab,
/// CR first) gets a leading apostrophe (OWASP, "CSV injection").
public enum CSV {
    public static func field(_ text: String, formulaSafe: Bool = true) -> String {
        var text = text
        if formulaSafe, let first = text.first, "=+-@\t\r".contains(first) { text = "'" + text }
        guard text.contains(where: { ",\"\n\r".contains($0) }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public static func line(_ fields: [String]) -> String { fields.map { field($0) }.joined(separator: ",") + "\r\n" }
}

extension FixedWidthInteger {
    /// `self + other`, held at the type's bounds instead of trapping: the console sums figures
    /// straight from records, which nothing bounds.
    package func saturatingAdd(_ other: Self) -> Self {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
