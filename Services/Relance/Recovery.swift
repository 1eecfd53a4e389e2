import ArgumentParser
import Foundation
import RelanceEvents
import RelanceKafka
import RelanceRuntime

// MARK: recovery

struct RecoveryReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recovery",
        abstract: "A merchant's recovery figures: failed, recovered, lost and open, per currency and day or week.",
        discussion: """
            Read from relance.recovery-stats (recovery-stats' compacted topic, latest record per \
            key). Each row counts the payments that first failed that day (or ISO week, --week), \
            as they stand now (docs/recovery-stats.md). Amounts in the currency's units; --csv \
            and --json give minor units.
            """)

    @OptionGroup var cluster: ClusterOptions
    @Option(help: "The merchant.") var merchant: String
    @Option(help: "First day of first failures, YYYY-MM-DD (inclusive).") var from: String
    @Option(help: "Last day of first failures, YYYY-MM-DD (inclusive).") var to: String
    @Option(help: "Only this currency.") var currency: String?
    @Flag(help: "Weekly cohorts instead of days (rows whose week starts in the range).") var week = false
    @Flag(help: "CSV on standard output.") var csv = false
    @Flag(help: "The records as JSON Lines on standard output.") var json = false

    func validate() throws {
        for day in [from, to] where day.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}/) == nil {
            throw ValidationError("\(day) is not a date YYYY-MM-DD")
        }
        guard !(csv && json) else { throw ValidationError("--csv or --json, not both") }
    }

    static let header = [
        "currency", "period", "opened", "openedAmount", "recovered", "recoveredAmount", "recoveryRate", "lost",
        "lostAmount", "open", "openAmount", "medianDays", "p90Days", "within7", "within14", "within30",
        "churnedAccounts", "churnedAmount", "channels", "lossReasons",
    ]

    /// A row of the report; `amount` formats an amount of the row's currency.
    static func row(_ figures: RecoveryStatsUpdated, amount: (Int64) -> String) -> [String] {
        let rate =
            figures.opened.count == 0
            ? "" : String(format: "%.1f%%", Double(figures.recovered.count) * 100 / Double(figures.opened.count))
        func tallies(_ map: EventMap<RecoveryStatsUpdated.Tally>) -> String {
            zip(map.keys, map.values).map { "\($0)=\($1.count)" }.joined(separator: " ")
        }
        return [
            figures.currency, figures.week ?? figures.start, "\(figures.opened.count)", amount(figures.opened.amount),
            "\(figures.recovered.count)", amount(figures.recovered.amount), rate, "\(figures.lost.count)",
            amount(figures.lost.amount), "\(figures.open.count)", amount(figures.open.amount),
            figures.daysToRecover.median.map(String.init) ?? "", figures.daysToRecover.p90.map(String.init) ?? "",
            amount(figures.recoveredWithin.days7), amount(figures.recoveredWithin.days14),
            amount(figures.recoveredWithin.days30), "\(figures.churn.accounts)", amount(figures.churn.amount),
            tallies(figures.recoveredByChannel), tallies(figures.lostByReason),
        ]
    }

    func run() async throws {
        let records = try await ActionCentreCommand.latest(RecoveryEvents.statsTopic, kafka: cluster.kafka)
        var chosen: [(key: String, figures: RecoveryStatsUpdated, data: JSONValue)] = []
        for (key, data) in records where key.hasPrefix("\(merchant)/") {
            let envelope = EventEnvelope(
                eventID: key, type: RecoveryStatsUpdated.eventType.name, schemaVersion: 1, occurredAt: Date(),
                accountID: merchant, merchantID: merchant, data: data)
            guard let figures = try? envelope.decode(RecoveryStatsUpdated.self) else { continue }
            guard (figures.period == .week) == week, figures.start >= from, figures.start <= to,
                currency.map({ $0 == figures.currency }) ?? true, !Self.isEmpty(figures)
            else { continue }
            chosen.append((key, figures, data))
        }
        chosen.sort { ($0.figures.currency, $0.figures.start) < ($1.figures.currency, $1.figures.start) }
        if json {
            for entry in chosen {
                print(
                    String(
                        decoding: JSONValue.object([("key", .string(entry.key)), ("data", entry.data)]).jsonBytes,
                        as: UTF8.self))
            }
            return
        }
        if csv {
            let lines = [Self.header] + chosen.map { Self.row($0.figures, amount: { String($0) }) }
            print(lines.map(ActionCentreCommand.csvLine).joined(separator: "\r\n"), terminator: "\r\n")
            return
        }
        print("Recovery of \(merchant), failures first failed \(from) … \(to)\(week ? " (ISO weeks)" : "")")
        guard !chosen.isEmpty else {
            print("  none")
            return
        }
        for line in Self.table(chosen.map(\.figures)) { print(line) }
    }

    /// A record that counts nothing (its payments moved to another day, its termination undone):
    /// left out of the report.
    static func isEmpty(_ figures: RecoveryStatsUpdated) -> Bool {
        figures.opened.count == 0 && figures.churn.accounts == 0
    }

    /// The report's table: a header and a row per record, amounts in the currency's units.
    static func table(_ figures: [RecoveryStatsUpdated]) -> [String] {
        let rows = figures.map { figures in
            Self.row(figures) { minor in
                Currency(code: figures.currency).map { Money(minorUnits: minor, currency: $0).decimalString }
                    ?? String(minor)
            }
        }
        var widths = Self.header.map(\.count)
        for row in rows {
            for (index, field) in row.enumerated() { widths[index] = max(widths[index], field.count) }
        }
        func line(_ fields: [String]) -> String {
            "  "
                + fields.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        return [line(Self.header)] + rows.map(line)
    }
}
