import ArgumentParser
import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime

#if canImport(Glibc)
    import Glibc
#endif

// MARK: action-centre

struct ActionCentreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "action-centre",
        abstract: "The action centre now: open failed transactions, expiring cards, reconcilable accounts.",
        discussion: """
            Read from the workers' compacted topics (latest record per key). Failed transactions \
            can be filtered by payment method, transaction type and failure reason; --csv writes \
            one section as CSV for a spreadsheet.
            """)

    enum Section: String, ExpressibleByArgument, CaseIterable {
        case failed, cards, reconcilable
    }

    @OptionGroup var cluster: ClusterOptions
    @Option(help: "Only this section: failed, cards or reconcilable (all by default).") var section: Section?
    @Option(name: .customLong("payment-method"), help: "Failed transactions paid by this method (repeatable).")
    var paymentMethod: [String] = []
    @Option(name: .customLong("transaction-type"), help: "Failed transactions of this type (repeatable).")
    var transactionType: [String] = []
    @Option(name: .customLong("failure-reason"), help: "Failed transactions with this reason or decline code.")
    var failureReason: [String] = []
    @Flag(help: "Also resolved and dismissed transactions.") var all = false
    @Option(help: "Write the section (--section) as CSV to this file, - for standard output.") var csv: String?

    /// The latest `data` per key of a compacted topic, in key order.
    static func latest(_ topic: String, kafka: KafkaConfiguration) async throws -> [(key: String, data: JSONValue)] {
        let partitions = try await ClockCommand.partitions(topic, kafka: kafka)
        var latest: [String: JSONValue] = [:]
        _ = try await TopicReading.readToEnd(topic, partitions: partitions, kafka: kafka, log: nil) { batch in
            for record in batch {
                guard let key = record.keyString, let value = record.value,
                    let data = (try? JSONReader.read(Array(value)))?["data"]
                else { continue }
                latest[key] = data
            }
        }
        return latest.keys.sorted().map { ($0, latest[$0]!) }
    }

    func rows(_ section: Section) async throws -> (header: [String], rows: [[String]]) {
        func text(_ value: JSONValue?) -> String {
            guard let value else { return "" }
            if let string = value.stringValue { return string }
            return String(decoding: value.jsonBytes, as: UTF8.self)
        }
        switch section {
        case .failed:
            let items = try await Self.latest(PaymentEvents.actionCentreTopic, kafka: cluster.kafka).map(\.data)
                .filter { item in
                    (all || ["open", "pending"].contains(text(item["state"])))
                        && (paymentMethod.isEmpty || paymentMethod.contains(text(item["paymentMethod"])))
                        && (transactionType.isEmpty || transactionType.contains(text(item["transactionType"])))
                        && (failureReason.isEmpty || failureReason.contains(text(item["failureReason"]))
                            || failureReason.contains(text(item["declineCode"])))
                }
            let fields = [
                "customerName", "paymentId", "invoiceId", "transactionType", "paymentMethod", "failureReason",
                "declineCode", "amount", "currency", "state", "attempts", "nextAttemptAt",
            ]
            return (fields + ["dunning"], items.map { item in fields.map { text(item[$0]) } + [Self.dunning(item)] })
        case .cards:
            let items = try await Self.latest(CardEvents.expiringCardsTopic, kafka: cluster.kafka)
                .filter { $0.data["listed"] == .bool(true) }
            return (
                ["account", "cardId", "brand", "last4", "expires", "schedules"],
                items.map { key, card in
                    let month = card["expMonth"]?.integerValue ?? 0
                    return [
                        String(key.prefix { $0 != "/" }), text(card["cardId"]), text(card["brand"]),
                        text(card["last4"]),
                        "\(month < 10 ? "0" : "")\(month)/\(text(card["expYear"]))",
                        (card["schedules"]?.arrayValue ?? []).map { text($0) }.joined(separator: " "),
                    ]
                }
            )
        case .reconcilable:
            let items = try await Self.latest(ReconciliationEvents.reconcilableAccountsTopic, kafka: cluster.kafka)
                .filter { $0.data["listed"] == .bool(true) }
                .sorted { (text($0.data["sortKey"]), $0.key) < (text($1.data["sortKey"]), $1.key) }
            func totals(_ value: JSONValue?) -> String {
                (value?.arrayValue ?? []).map { "\(text($0["amount"])) \(text($0["currency"]))" }.joined(separator: " ")
            }
            return (
                [
                    "account", "unreconciledItems", "unreconciledDebit", "unreconciledCredit", "zeroBalance",
                    "openItems",
                ],
                items.map { key, entry in
                    [
                        key, text(entry["unreconciledItems"]), totals(entry["unreconciledDebit"]),
                        totals(entry["unreconciledCredit"]), text(entry["zeroBalance"]),
                        (entry["openItems"]?.arrayValue ?? []).map { text($0["id"]) }.joined(separator: " "),
                    ]
                }
            )
        }
    }

    /// The account's dunning hold an item carries: "excluded", "paused until <time>", "paused",
    /// or empty (payment-retry's `dunningExcluded`, `dunningPaused`, `dunningPausedUntil`).
    static func dunning(_ item: JSONValue) -> String {
        if item["dunningExcluded"] == .bool(true) { return "excluded" }
        guard item["dunningPaused"] == .bool(true) else { return "" }
        return item["dunningPausedUntil"]?.stringValue.map { "paused until \($0)" } ?? "paused"
    }

    static func csvLine(_ fields: [String]) -> String {
        fields.map { field in
            field.contains(where: { ",\"\n\r".contains($0) })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: ",")
    }

    func run() async throws {
        if let csv {
            guard let section else { throw ValidationError("--csv needs --section failed|cards|reconcilable") }
            let (header, rows) = try await rows(section)
            let text = ([header] + rows).map(Self.csvLine).joined(separator: "\r\n") + "\r\n"
            if csv == "-" {
                print(text, terminator: "")
            } else {
                try text.write(toFile: csv, atomically: true, encoding: .utf8)
                print("\(rows.count) row(s) written to \(csv)")
            }
            return
        }
        for section in section.map({ [$0] }) ?? Section.allCases {
            let (header, rows) = try await rows(section)
            let title = [
                "failed": "Failed transactions", "cards": "Expiring cards", "reconcilable": "Reconcilable accounts",
            ]
            print("\(title[section.rawValue]!) (\(rows.count))")
            guard !rows.isEmpty else {
                print("  none\n")
                continue
            }
            var widths = header.map(\.count)
            for row in rows {
                for (index, field) in row.enumerated() { widths[index] = max(widths[index], field.count) }
            }
            func line(_ fields: [String]) -> String {
                "  "
                    + fields.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                    .joined(separator: "  ")
            }
            print(line(header))
            for row in rows { print(line(row)) }
            print("")
        }
    }
}

// MARK: dev-cluster

struct DevClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-cluster",
        abstract: "A local Kafka for development: librdkafka's mock cluster with every Relance topic, until Ctrl-C.",
        discussion: """
            Memory only, for development and demos, never production. Workers and the relance \
            commands reach it at the printed bootstrap address (RELANCE_KAFKA_BOOTSTRAP). Its \
            transactions show aborted records to read_committed readers: start the workers with \
            RELANCE_ABORTED_RECORDS_VISIBLE=true (docs/brokers.md).
            """)

    @Option(help: "Brokers in the cluster.") var brokers = 3
    @Option(help: "Partitions of every topic.") var partitions: Int32 = 4
    @Option(name: .customLong("bootstrap-file"), help: "Also write the bootstrap address to this file.")
    var bootstrapFile: String?

    func run() async throws {
        let cluster = try MockCluster(brokers: brokers)
        for topic in TopicsCommand.plan(partitions: partitions, replication: 1) {
            try await cluster.createTopic(topic.name, partitions: topic.partitions)
        }
        // Straight to the file descriptor: seen at once even when standard output is a pipe.
        FileHandle.standardOutput.write(
            Data(
                ("bootstrap: \(cluster.bootstrapServers)\n"
                    + "export RELANCE_KAFKA_BOOTSTRAP=\(cluster.bootstrapServers) RELANCE_ABORTED_RECORDS_VISIBLE=true\n")
                    .utf8))
        if let bootstrapFile {
            try cluster.bootstrapServers.write(toFile: bootstrapFile, atomically: true, encoding: .utf8)
        }
        // Until SIGINT or SIGTERM.
        let (signals, continuation) = AsyncStream<Int32>.makeStream()
        let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        defer { for source in sources { source.cancel() } }
        for await _ in signals { break }
        FileHandle.standardOutput.write(Data("stopped\n".utf8))
        withExtendedLifetime(cluster) {}
    }
}
