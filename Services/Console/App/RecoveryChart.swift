import Foundation

/// Charts drawn by the server as inline SVG (no script, no external file): grouped bars on a
/// value axis from 0 to the largest value, and optionally a line of ratios (0–100 %) on a second
/// axis. Every text is escaped; a bar's height is its value over the largest, times the plot's
/// height (a test checks it), and each bar carries its figure in `data-value` and a `<title>`.
public enum SVGChart {
    public struct Series: Sendable {
        public var key: String
        public var label: String
        public var color: String
        public var values: [Int64]
        public init(key: String, label: String, color: String, values: [Int64]) {
            self.key = key
            self.label = label
            self.color = color
            self.values = values
        }
    }

    public struct Line: Sendable {
        public var label: String
        public var color: String
        /// Ratios between 0 and 1, nil where there is none.
        public var values: [Double?]
        public init(label: String, color: String, values: [Double?]) {
            self.label = label
            self.color = color
            self.values = values
        }
    }

    /// `&`, `<`, `>`, `"` and `'` as entities: for text and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static func number(_ value: Double) -> String { String(format: "%.2f", value) }

    public static let width = 760.0
    public static let height = 320.0
    static let left = 100.0
    static let right = 70.0
    static let top = 34.0
    static let bottom = 80.0
    public static var plotHeight: Double { height - top - bottom }

    /// Grouped bars: one group per category, one bar per series; `format` writes a value (the
    /// axis's ticks and the bars' titles), `percent` a ratio (the line's axis and points).
    public static func bars(
        id: String, title: String, categories: [String], series: [Series], line: Line? = nil,
        format: (Int64) -> String, percent: (Double) -> String
    ) -> String {
        let plotWidth = width - left - right
        let plotHeight = self.plotHeight
        let largest = max(1, series.flatMap(\.values).max() ?? 1)
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(escape(id))\" class=\"chart\" role=\"img\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "aria-label=\"\(escape(title))\" data-max=\"\(largest)\">"
        svg += "<title>\(escape(title))</title>"
        svg += "<text x=\"\(number(left))\" y=\"18\" font-size=\"14\" font-weight=\"bold\">\(escape(title))</text>"
        // The value axis: five ticks from 0 to the largest value.
        for tick in 0...4 {
            let y = top + plotHeight * (1 - Double(tick) / 4)
            // A value near Int64.max does not convert back: the tick stays within the type.
            let scaled = (Double(largest) * Double(tick) / 4).rounded()
            let value = scaled >= 9.2e18 ? Int64.max : Int64(scaled)
            svg +=
                "<line x1=\"\(number(left))\" x2=\"\(number(left + plotWidth))\" y1=\"\(number(y))\" "
                + "y2=\"\(number(y))\" stroke=\"#dde1e6\"/>"
            svg +=
                "<text class=\"tick\" x=\"\(number(left - 6))\" y=\"\(number(y + 4))\" font-size=\"11\" "
                + "text-anchor=\"end\">\(escape(format(value)))</text>"
        }
        svg +=
            "<line x1=\"\(number(left))\" x2=\"\(number(left))\" y1=\"\(number(top))\" "
            + "y2=\"\(number(top + plotHeight))\" stroke=\"#495057\"/>"
        let groups = max(1, categories.count)
        let groupWidth = plotWidth / Double(groups)
        let barWidth = max(2, groupWidth * 0.8 / Double(max(1, series.count)))
        for (index, category) in categories.enumerated() {
            let groupX = left + groupWidth * Double(index) + groupWidth * 0.1
            for (position, serie) in series.enumerated() {
                let value = index < serie.values.count ? serie.values[index] : 0
                let barHeight = Double(max(0, value)) / Double(largest) * plotHeight
                let x = groupX + barWidth * Double(position)
                svg +=
                    "<rect class=\"bar\" data-series=\"\(escape(serie.key))\" data-category=\"\(escape(category))\" "
                    + "data-value=\"\(value)\" x=\"\(number(x))\" y=\"\(number(top + plotHeight - barHeight))\" "
                    + "width=\"\(number(barWidth))\" height=\"\(number(barHeight))\" fill=\"\(escape(serie.color))\">"
                    + "<title>\(escape(category)): \(escape(serie.label)) \(escape(format(value)))</title></rect>"
            }
            svg +=
                "<text class=\"category\" x=\"\(number(left + groupWidth * (Double(index) + 0.5)))\" "
                + "y=\"\(number(top + plotHeight + 16))\" font-size=\"11\" text-anchor=\"middle\">"
                + "\(escape(category))</text>"
        }
        if let line {
            // The ratio axis, on the right: 0, 50 and 100 %.
            for tick in 0...2 {
                let ratio = Double(tick) / 2
                let y = top + plotHeight * (1 - ratio)
                svg +=
                    "<text class=\"tick-percent\" x=\"\(number(left + plotWidth + 6))\" y=\"\(number(y + 4))\" "
                    + "font-size=\"11\">\(escape(percent(ratio)))</text>"
            }
            var points: [String] = []
            for (index, value) in line.values.enumerated() {
                guard let value else { continue }
                let ratio = min(1, max(0, value))
                let x = left + groupWidth * (Double(index) + 0.5)
                let y = top + plotHeight * (1 - ratio)
                points.append("\(number(x)),\(number(y))")
                svg +=
                    "<circle class=\"point\" data-value=\"\(escape(percent(ratio)))\" cx=\"\(number(x))\" "
                    + "cy=\"\(number(y))\" r=\"3.5\" fill=\"\(escape(line.color))\"><title>"
                    + "\(escape(index < categories.count ? categories[index] : "")): \(escape(line.label)) "
                    + "\(escape(percent(ratio)))</title></circle>"
            }
            if points.count > 1 {
                svg +=
                    "<polyline class=\"rate\" fill=\"none\" stroke=\"\(escape(line.color))\" stroke-width=\"2\" "
                    + "points=\"\(points.joined(separator: " "))\"/>"
            }
        }
        // The legend, under the categories.
        var x = left
        let legendY = top + plotHeight + 40
        for serie in series {
            svg +=
                "<rect class=\"legend\" x=\"\(number(x))\" y=\"\(number(legendY - 10))\" width=\"12\" height=\"12\" "
                + "fill=\"\(escape(serie.color))\"/>"
            svg +=
                "<text x=\"\(number(x + 16))\" y=\"\(number(legendY))\" font-size=\"12\">\(escape(serie.label))</text>"
            x += 24 + Double(serie.label.count) * 7
        }
        if let line {
            svg +=
                "<line x1=\"\(number(x))\" x2=\"\(number(x + 14))\" y1=\"\(number(legendY - 4))\" "
                + "y2=\"\(number(legendY - 4))\" stroke=\"\(escape(line.color))\" stroke-width=\"2\"/>"
            svg +=
                "<text x=\"\(number(x + 18))\" y=\"\(number(legendY))\" font-size=\"12\">\(escape(line.label))</text>"
        }
        return svg + "</svg>"
    }
}

extension ConsoleFormat {
    /// A ratio as a percentage with one decimal: "45.5%" (en), "45,5 %" (fr, a no-break space).
    public static func percent(_ ratio: Double, language: ConsoleLanguage) -> String {
        guard ratio.isFinite else { return "" }
        // Figures from records: a ratio beyond ±10^12 % is shown as that bound, not a trap.
        let tenths = Int((min(max(ratio, -1e12), 1e12) * 1000).rounded())
        let sign = tenths < 0 ? "-" : ""
        let magnitude = abs(tenths)
        switch language {
        case .fr: return "\(sign)\(magnitude / 10),\(magnitude % 10)\u{00A0}%"
        case .en: return "\(sign)\(magnitude / 10).\(magnitude % 10)%"
        }
    }

    /// A `YYYY-MM-DD` date as the page's language writes it: "01/06/2026" (fr), "2026-06-01" (en).
    public static func day(_ text: String, language: ConsoleLanguage) -> String {
        let parts = text.split(separator: "-")
        guard language == .fr, parts.count == 3 else { return text }
        return "\(parts[2])/\(parts[1])/\(parts[0])"
    }
}
