import ArgumentParser
import CardExpiryService
import Foundation
import GatewaySandboxService
import Logging
import PaymentRetryService
import PrepaidService
import ProofValidatorService
import ReconciliationService
import RecoveryStatsService
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceMail
import RelanceRuntime
import ReminderMailerService
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `relance demo`: every worker in this process on an embedded mock cluster, the seed stories
/// published as events, 60 simulated days, a timeline of what each worker did, and a check of
/// every expected outcome (exit 0 only if all happened). Emails go to a folder as `.eml` files.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Every worker on an embedded Kafka, the seed stories over 60 simulated days, checked.")

    @Option(name: .customLong("mail-dir"), help: "Folder for the emails (.eml); a new temporary folder by default.")
    var mailDirectory: String?
    @Option(help: "Simulated days to walk.") var days = 60
    @Flag(help: "Print every record, inputs included, instead of the workers' decisions only.") var verbose = false
    @Option(
        help: """
            Run against workers already running as their own processes on this cluster (end-to-end tests), \
            instead of an embedded cluster and workers in this process.
            """)
    var bootstrap: String?
    @Option(
        name: .customLong("metrics"),
        help: "With --bootstrap: each worker's metrics address, as name=host:port (repeatable).")
    var metrics: [String] = []
    @Option(
        name: .customLong("key"),
        help: """
            With --bootstrap: the key file that signs the demo's commands (its public key in the workers' \
            RELANCE_COMMAND_KEYS). Without --bootstrap the demo makes its own key.
            """)
    var keyFile: String?
    @Option(
        name: .customLong("kafka-property"),
        help: ArgumentHelp(
            """
            With --bootstrap: a librdkafka property for the demo's clients, e.g. security.protocol=ssl \
            (repeatable; replaces the same property's $RELANCE_KAFKA_PROP_<NAME>, which the demo reads \
            with --bootstrap only).
            """, valueName: "name=value"))
    var kafkaProperties: [String] = []
    @Option(
        name: .customLong("write-policies"),
        help: ArgumentHelp(
            """
            Write the demo's retry and dunning policy files (retry_policies.json, dunning_policies.json) into \
            this folder and stop: for workers run in their own processes (RELANCE_RETRY_POLICIES, \
            RELANCE_DUNNING_POLICIES).
            """, valueName: "folder"))
    var writePolicies: String?
    @Flag(
        help: """
            Run relance-console too: print its address and a user's password, and keep it and the workers up \
            after the walk, to look and act in a browser (Ctrl-C ends).
            """)
    var console = false
    @Option(name: .customLong("console-port"), help: "With --console: the console's port on 127.0.0.1.")
    var consolePort = 8080

    func validate() throws {
        if bootstrap == nil && !kafkaProperties.isEmpty {
            throw ValidationError("--kafka-property is for a cluster named by --bootstrap, not the embedded one")
        }
        if bootstrap != nil { _ = try ClusterOptions.kafka(bootstrap: bootstrap, properties: kafkaProperties) }
    }

    func run() async throws {
        if let writePolicies {
            try DemoPolicies.write(to: writePolicies)
            return
        }
        let started = ContinuousClock.now
        let folder = URL(
            fileURLWithPath: mailDirectory
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("relance-demo-\(getpid())").path)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)

        let plan = TopicsCommand.plan(partitions: Demo.partitions, replication: 1)
        let kafka: KafkaConfiguration
        var cluster: MockCluster?
        if let bootstrap {
            say("Relance demo — on \(bootstrap), workers in their own processes, \(days) simulated days")
            kafka = try ClusterOptions.kafka(bootstrap: bootstrap, properties: kafkaProperties)
        } else {
            say("Relance demo — an embedded Kafka (librdkafka's mock cluster), every worker, \(days) simulated days")
            let embedded = try MockCluster(brokers: 3)
            for topic in plan { try await embedded.createTopic(topic.name, partitions: topic.partitions) }
            say("  cluster \(embedded.bootstrapServers), \(plan.count) topics")
            kafka = KafkaConfiguration(bootstrapServers: embedded.bootstrapServers)
            cluster = embedded
        }

        // Commands are signed: a key made now (its public half given to the workers below), or
        // the one the workers already trust (end-to-end, --key).
        let signer: CommandSigner
        if let keyFile {
            do {
                signer = try CommandSigner.load(path: keyFile)
            } catch {
                throw CommandFailure(error.description)
            }
        } else {
            signer = Demo.makeSigner()
        }
        let demo = try Demo(kafka: kafka, verbose: verbose, signer: signer)
        say("  commands signed by \(signer.subject) (\(signer.algorithm.rawValue) key \(signer.keyID))")
        let timeline = Task { try await demo.follow(plan.map(\.name)) }
        let services = bootstrap == nil ? try demo.services(mailFolder: folder) : []
        for entry in metrics {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let inputs = Demo.inputs[parts[0]] else {
                throw ValidationError("--metrics \(entry): name=host:port, name one of \(Demo.inputs.keys.sorted())")
            }
            demo.watchRemote(worker: parts[0], inputs: inputs, metrics: parts[1])
            for companion in Demo.companions[parts[0]] ?? [] {
                demo.watchRemote(worker: companion.name, inputs: companion.inputs, metrics: parts[1])
            }
        }
        let running = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for service in services { group.addTask { try await service.run() } }
                try await group.waitForAll()
            }
        }
        try await demo.waitUntilReady(services)
        try await demo.waitUntilRemoteReady(metrics.compactMap { $0.split(separator: "=").last.map(String.init) })
        if bootstrap == nil {
            say(
                "  workers ready: payment-retry, gateway-sandbox, reminder-mailer (+ digest, + delivery), card-expiry, "
                    + "proof-validator, reconciliation, prepaid, recovery-stats (+ figures, days, weeks) "
                    + "(\(Demo.seconds(since: started)) s)\n")
        }

        var web: (console: DemoConsole, run: Task<Void, Error>)?
        if console {
            let started = try DemoConsole.start(kafka: kafka, signer: signer, host: "127.0.0.1", port: consolePort)
            web = (started, Task { try await started.group.run() })
            guard await started.waitUntilUp() else {
                throw CommandFailure("the console did not start on \(started.url): is the port taken? (--console-port)")
            }
            say("  console \(started.url) — user \(started.user), password \(started.password)\n")
        }

        let script = DemoScript(demo: demo)
        for day in 0...days {
            try await demo.tick(day)
            if day == 0 {
                try await script.setup()
                try await demo.settle()
            }
            try await script.events(day)
            try await demo.settle()
            Demo.progress(day: day, of: days)
        }
        try await demo.settle()
        if web == nil {
            for service in services { await service.stop() }
            try await running.value
            timeline.cancel()
        }
        withExtendedLifetime(cluster) {}

        let emails =
            (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.filter {
                $0.hasSuffix(".eml")
            }.count ?? 0
        say("\nEmails: \(emails) .eml files in \(folder.path)")
        say("Records per topic: \(DemoScript.topicCounts(demo.records()))")
        let deadLetters = demo.records().filter { $0.topic == "relance.dead-letters" }.map(\.event)
        say("Dead letters: \(deadLetters.count)")
        for letter in deadLetters {
            say(
                "  \(letter["worker"]?.stringValue ?? "?"): \(letter["reason"]?["code"]?.stringValue ?? "?") — "
                    + (letter["reason"]?["message"]?.stringValue ?? ""))
        }
        say("\nRecovery report (relance recovery): failures by day of first failure, as they stand at the end")
        for merchant in ["m-demo", DemoPolicies.proMerchant] {
            let report = DemoScript.recoveryFigures(demo.records(), merchant: merchant).filter {
                !RecoveryReportCommand.isEmpty($0)
            }
            say("  \(merchant)\(report.isEmpty ? ": none" : "")")
            for line in report.isEmpty ? [] : RecoveryReportCommand.table(report) { say(line) }
        }
        let results = DemoScript.checks(demo.records())
        say("\nExpected outcomes:")
        for (passed, text) in results { say("  \(passed ? "✔" : "✘") \(text)") }
        let failed = results.filter { !$0.0 }.count
        say(
            "\n\(results.count - failed) of \(results.count) outcomes as expected, in \(Demo.seconds(since: started)) s"
        )
        if let web {
            say(
                "\nThe console stays up at \(web.console.url) (user \(web.console.user), password "
                    + "\(web.console.password)), with the workers and the cluster; Ctrl-C ends.")
            try await web.run.value
            for service in services { await service.stop() }
            try await running.value
            timeline.cancel()
        }
        if failed > 0 { throw ExitCode(1) }
    }
}

func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

/// The running demo: the workers, the clock, and everything they write.
final class Demo: Sendable {
    static let partitions: Int32 = 4
    static let day0 = Date(timeIntervalSince1970: 1_790_812_800)  // 2026-10-01T00:00:00Z
    /// The cluster: the embedded one, or the one named by --bootstrap with its properties.
    let kafka: KafkaConfiguration
    let verbose: Bool
    let producer: KafkaProducer
    /// Signs the demo's commands; the workers in this process trust its public key.
    let signer: CommandSigner
    let commandKeys: CommandKeySet
    /// Records seen (topic, event), and when the last one arrived.
    let seen = Mutex<(records: [(topic: String, event: JSONValue)], last: ContinuousClock.Instant, day: Int)>(
        ([], .now, 0))

    init(kafka: KafkaConfiguration, verbose: Bool, signer: CommandSigner) throws {
        self.kafka = kafka
        self.verbose = verbose
        self.signer = signer
        do {
            commandKeys = try CommandKeySet(jwks: JSONValue.object([("keys", .array([signer.publicJWK]))]).jsonBytes)
        } catch {
            throw CommandFailure("the demo's key: \(error.description)")
        }
        var configuration = ProducerConfiguration(kafka: kafka)
        configuration.lingerMilliseconds = 1
        producer = try KafkaProducer(configuration: configuration)
    }

    /// "day 12/60 ▕████░░░░░░▏" on standard error when it is a terminal, rewritten in place.
    static func progress(day: Int, of days: Int) {
        guard isatty(2) != 0 else { return }
        let filled = days == 0 ? 20 : day * 20 / days
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: 20 - filled)
        FileHandle.standardError.write(Data("\r  day \(day)/\(days) ▕\(bar)▏\(day == days ? "\n" : "")".utf8))
    }

    /// 09:00 UTC on day `day`: when the day's tick and events happen.
    static func time(_ day: Int) -> Date { day0.addingTimeInterval(Double(day) * 86_400 + 9 * 3600) }

    static func seconds(since start: ContinuousClock.Instant) -> String {
        String(format: "%.1f", (ContinuousClock.now - start) / .seconds(1))
    }

    func records() -> [(topic: String, event: JSONValue)] { seen.withLock { $0.records } }

    /// The demo's own key: the merchant's owner, with every role its stories use.
    static func makeSigner() -> CommandSigner {
        CommandSigner(
            generating: .eddsa, keyID: "demo-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))",
            subject: "demo-owner",
            roles: ["owner", "admin", "billing", "manage_reconciliations", "billing-platform", "dead-letter-replay"],
            merchants: ["m-demo", DemoPolicies.proMerchant])
    }

    func configuration(_ name: String) -> RuntimeConfiguration {
        var configuration = RuntimeConfiguration(bootstrapServers: kafka.bootstrapServers)
        configuration.kafkaProperties = kafka.properties
        configuration.instanceID = "demo"
        configuration.abortedRecordsVisible = true
        configuration.batchMaxMilliseconds = 10
        configuration.sessionTimeoutMilliseconds = 6000
        configuration.httpPort = 0
        configuration.logLevel = .error
        configuration.commandKeys = commandKeys
        // A fetch returns as soon as there is data: hops between workers take milliseconds.
        configuration.kafkaProperties["fetch.wait.max.ms"] = "10"
        return configuration
    }

    /// What `settle` watches of a running worker: the inputs it reads, the events it has
    /// taken in, how far its clock has come.
    struct Watched: Sendable {
        var inputs: [String]
        /// Events taken in (committed) and the earliest clock; nil before the first tick.
        var progress: @Sendable () async -> (eventsIn: Int, clock: Int64)?
    }

    let watched = Mutex<[Watched]>([])
    /// The latest tick written.
    let clock = Mutex<Int64>(0)
    /// Records this demo published, per topic: `settle` waits until the reader has seen them.
    let published = Mutex<[String: Int]>([:])

    func watch<W: Worker>(_ service: RuntimeService<W>) -> RuntimeService<W> {
        let runtime = service.runtime
        let inputs = runtime.worker.inputTopics
        watched.withLock {
            $0.append(
                Watched(
                    inputs: inputs,
                    progress: {
                        guard let clock = await runtime.minimumClock else { return nil }
                        return (runtime.metrics.eventsIn, clock)
                    }))
        }
        return service
    }

    /// The input topics of each worker, by executable name (for --metrics).
    static let inputs: [String: [String]] = [
        "payment-retry": PaymentRetryWorker().inputTopics, "gateway-sandbox": GatewaySandbox().inputTopics,
        "reminder-mailer": ReminderMailerWorker().inputTopics, "card-expiry": CardExpiryWorker().inputTopics,
        "proof-validator": ProofValidatorWorker().inputTopics, "reconciliation": ReconciliationWorker().inputTopics,
        "prepaid": PrepaidWorker().inputTopics, "recovery-stats": RecoveryStatsWorker().inputTopics,
    ]

    /// The further runtimes an executable holds, watched on its /metrics page too: their names
    /// (the `worker` label) and inputs.
    static let companions: [String: [(name: String, inputs: [String])]] = [
        "recovery-stats": [
            (RecoveryFiguresWorker().name, RecoveryFiguresWorker().inputTopics),
            (RecoveryDaysWorker().name, RecoveryDaysWorker().inputTopics),
            (RecoveryWeeksWorker().name, RecoveryWeeksWorker().inputTopics),
        ]
    ]

    /// A worker in another process, watched through its /metrics page.
    func watchRemote(worker: String, inputs: [String], metrics address: String) {
        watched.withLock {
            $0.append(
                Watched(
                    inputs: inputs,
                    progress: {
                        guard let metrics = await Self.metrics(at: address, worker: worker),
                            let eventsIn = metrics["relance_events_in_total"],
                            let clock = metrics["relance_clock_seconds"], clock > 0
                        else { return nil }
                        return (Int(eventsIn), Int64((clock * 1000).rounded()))
                    }))
        }
    }

    /// A worker's /metrics page, read once: metric name → value of its first sample; with
    /// `worker`, of its first sample labelled with that worker or with none. reminder-mailer's page
    /// holds two runtimes (`reminder-mailer`, `reminder-mailer-digest`) in an order that changes
    /// from process to process: the first sample alone was the digest's half the time, whose
    /// events-in never reached the mailer's inputs, and the demo then never settled.
    static func metrics(at address: String, worker: String? = nil) async -> [String: Double]? {
        guard let url = URL(string: "http://\(address)/metrics"),
            let (data, _) = try? await URLSession.shared.data(from: url)
        else { return nil }
        var values: [String: Double] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            if let worker, line.contains("worker=\""), !line.contains("worker=\"\(worker)\"") { continue }
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            if values[name] == nil, let value = line.split(separator: " ").last.flatMap({ Double($0) }) {
                values[name] = value
            }
        }
        return values
    }

    func services(mailFolder: URL) throws -> [any BackgroundService] {
        var mailer = ReminderMailerWorker(
            merchants: [
                DemoPolicies.proMerchant: MerchantProfile(
                    name: "Imprimerie Lenoir", fromAddress: "compta@imprimerie-lenoir.test",
                    contactEmail: "recouvrement@imprimerie-lenoir.test",
                    paymentURL: "https://imprimerie-lenoir.test/clients/{account}/paiement",
                    locale: MailLocale(tag: "fr"),
                    digestRecipients: ["compta@imprimerie-lenoir.test"])
            ],
            fallbackMerchant: MerchantProfile(
                name: "Camping des Pins", fromAddress: "facturation@camping-des-pins.test",
                contactEmail: "aide@camping-des-pins.test",
                paymentURL: "https://camping-des-pins.test/comptes/{account}/paiement", locale: MailLocale(tag: "fr"),
                digestRecipients: ["facturation@camping-des-pins.test"],
                actionCentreURL: "https://camping-des-pins.test/finance/centre-action"))
        mailer.dunning = try DemoPolicies.dunningPolicies()
        var digest = configuration("reminder-mailer-digest")
        digest.groupID = "relance-reminder-mailer-digest"
        var figures = configuration("recovery-stats-figures")
        figures.groupID = "relance-recovery-stats-figures"
        var days = configuration("recovery-stats-days")
        days.groupID = "relance-recovery-stats-days"
        var weeks = configuration("recovery-stats-weeks")
        weeks.groupID = "relance-recovery-stats-weeks"
        var deliveryKafka = kafka
        deliveryKafka.properties["fetch.wait.max.ms"] = "10"
        var delivery = MailDelivery.Configuration(kafka: deliveryKafka, groupID: "relance-reminder-mailer-delivery")
        delivery.sessionTimeoutMilliseconds = 6000
        return [
            watch(
                RuntimeService(
                    PaymentRetryWorker(policies: try DemoPolicies.retryPolicies()),
                    configuration: configuration("payment-retry"))),
            watch(RuntimeService(GatewaySandbox(), configuration: configuration("gateway-sandbox"))),
            watch(RuntimeService(mailer, configuration: configuration("reminder-mailer"))),
            watch(
                RuntimeService(
                    DigestWorker(
                        merchants: mailer.merchants, fallbackMerchant: mailer.fallbackMerchant,
                        messageIDDomain: mailer.messageIDDomain), configuration: digest)),
            MailDelivery(
                configuration: delivery, transport: try DirectoryTransport(folder: mailFolder),
                log: Logger(label: "relance.reminder-mailer-delivery", level: .error)),
            watch(RuntimeService(CardExpiryWorker(), configuration: configuration("card-expiry"))),
            watch(RuntimeService(ProofValidatorWorker(), configuration: configuration("proof-validator"))),
            watch(RuntimeService(ReconciliationWorker(), configuration: configuration("reconciliation"))),
            watch(RuntimeService(PrepaidWorker(), configuration: configuration("prepaid"))),
            watch(RuntimeService(RecoveryStatsWorker(), configuration: configuration("recovery-stats"))),
            watch(RuntimeService(RecoveryFiguresWorker(), configuration: figures)),
            watch(RuntimeService(RecoveryDaysWorker(), configuration: days)),
            watch(RuntimeService(RecoveryWeeksWorker(), configuration: weeks)),
        ]
    }

    /// Workers in other processes: ready once each owns every partition (its /metrics says so).
    func waitUntilRemoteReady(_ addresses: [String]) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        for address in addresses {
            while true {
                if await Self.metrics(at: address)?["relance_assigned_partitions"] == Double(Self.partitions) { break }
                guard ContinuousClock.now < deadline else {
                    throw CommandFailure("the worker at \(address) is not ready")
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    func waitUntilReady(_ services: [any BackgroundService]) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        for service in services {
            guard let ready = service as? any ReadinessReporting else { continue }
            while !(await ready.isReadyWithAllPartitions(Self.partitions)) {
                guard ContinuousClock.now < deadline else { throw CommandFailure("the workers did not start") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// "Now" is day `day` for every worker.
    func tick(_ day: Int) async throws {
        seen.withLock { $0.day = day }
        let now = Self.time(day)
        clock.withLock { $0 = Timestamp.milliseconds(now) }
        for partition in 0..<Self.partitions {
            try await producer.enqueue(
                ProducerMessage(topic: "relance.clock", partition: partition, key: nil, value: ClockTick.record(now)))
        }
        try await producer.flush()
    }

    /// An event in the envelope, keyed by its account.
    func publish(
        _ type: String, to topic: String, account: String, id: String, day: Int, merchant: String = "m-demo",
        _ data: JSONValue
    ) async throws {
        let event = EventEnvelope(
            eventID: id, type: type, schemaVersion: 1, occurredAt: Self.time(day), accountID: account,
            merchantID: merchant, data: data)
        let value = event.jsonBytes
        // Commands carry a token over their bytes (wall-clock lifetime: the demo's days are simulated).
        let headers =
            Catalog.commandTypes.contains(type)
            ? [KafkaHeader(CommandHeaders.authorization, signer.token(for: value, eventID: id, audience: "relance"))]
            : []
        try await producer.enqueue(
            ProducerMessage(topic: topic, key: Array(account.utf8), value: value, headers: headers))
        try await producer.flush()
        published.withLock { $0[topic, default: 0] += 1 }
    }

    /// Waits until every worker has done what the day asked of it: each has reached the
    /// latest tick, taken in every event on its inputs, every email asked for was sent or given
    /// up, and nothing was written anywhere for a moment.
    func settle() async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        let now = clock.withLock { $0 }
        var calm: (ContinuousClock.Instant, ContinuousClock.Instant)?
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(25))
            let (counts, last) = seen.withLock { state in
                (Dictionary(grouping: state.records, by: \.topic).mapValues(\.count), state.last)
            }
            guard ContinuousClock.now - last > .milliseconds(120),
                published.withLock({ $0 }).allSatisfy({ counts[$0.key, default: 0] >= $0.value })
            else { continue }
            let emails = seen.withLock { state in
                state.records.reduce(into: (asked: 0, done: 0)) { result, record in
                    switch record.event["type"]?.stringValue {
                    case "email.requested": result.asked += 1
                    case "email.sent", "email.failed": result.done += 1
                    default: break
                    }
                }
            }
            guard emails.done >= emails.asked else { continue }
            var caughtUp = true
            for worker in watched.withLock({ $0 }) {
                let expected = worker.inputs.reduce(0) { $0 + counts[$1, default: 0] }
                guard let progress = await worker.progress(), progress.eventsIn >= expected, progress.clock >= now
                else {
                    caughtUp = false
                    break
                }
            }
            // Caught up twice in a row, 150 ms apart, with nothing read in between: what was
            // committed last has reached the reader too.
            guard caughtUp else {
                calm = nil
                continue
            }
            if let (since, seenThen) = calm, seenThen == last, ContinuousClock.now - since >= .milliseconds(150) {
                return
            }
            if calm?.1 != last { calm = (ContinuousClock.now, last) }
        }
        throw CommandFailure("the workers did not settle within a minute")
    }

    /// Reads every topic (read committed) and prints the workers' decisions as they come.
    func follow(_ topics: [String]) async throws {
        var kafka = self.kafka
        kafka.properties["fetch.wait.max.ms"] = "10"
        var configuration = ConsumerConfiguration(kafka: kafka, groupID: nil)
        configuration.isolationLevel = .readCommitted
        let consumer = try KafkaConsumer(configuration: configuration)
        var start: [TopicPartitionOffset] = []
        for topic in topics {
            for partition in 0..<Self.partitions {
                start.append(TopicPartitionOffset(topic, partition, offset: TopicPartitionOffset.beginning))
            }
        }
        try await consumer.assign(start)
        var lastDay = -1
        while !Task.isCancelled {
            let batch = try await consumer.poll(maxMessages: 500, timeout: .milliseconds(20))
            guard !batch.isEmpty else { continue }
            var lines: [String] = []
            let day = seen.withLock { state in
                state.last = .now
                for record in batch where !record.topic.hasSuffix(".changelog") && record.topic != "relance.clock" {
                    guard let value = record.value, let event = try? JSONReader.read(Array(value)) else { continue }
                    state.records.append((record.topic, event))
                    if let line = Self.line(record.topic, event, verbose: verbose) { lines.append(line) }
                }
                return state.day
            }
            guard !lines.isEmpty else { continue }
            if day != lastDay {
                let date = Timestamp.format(Self.time(day)).prefix(10)
                say("── day \(day) (\(date)) " + String(repeating: "─", count: 40))
                lastDay = day
            }
            for line in lines { say(line) }
        }
        try await consumer.close()
    }

    /// Who writes what: the timeline shows the workers' outputs, not the script's inputs.
    static let writers: [String: String] = [
        "charge.requested": "payment-retry", "action-item.updated": "payment-retry",
        "notification.requested": "payment-retry", "collections.handed-over": "payment-retry",
        "command.refused": "worker", "email.requested": "reminder-mailer", "email.sent": "mail delivery",
        "email.failed": "mail delivery", "account.status": "reminder-mailer",
        "expiring-card.updated": "card-expiry", "card.replaced": "card-expiry", "proof.verdict": "proof-validator",
        "allocation.made": "reconciliation", "invoice.status": "reconciliation",
        "reconcilable-account.updated": "reconciliation", "balance.updated": "prepaid",
        "invoice.fee-added": "reminder-mailer",
    ]

    static func line(_ topic: String, _ event: JSONValue, verbose: Bool) -> String? {
        guard let type = event["type"]?.stringValue, let data = event["data"] else { return nil }
        var account = event["accountId"]?.stringValue ?? "-"
        if type == "email.sent" || type == "email.failed" {
            let parts = (data["reason"]?.stringValue ?? "").split(separator: "/")
            if parts.count > 1 { account = String(parts[1]) }
        }
        var who = writers[type]
        if type == "payment.succeeded" || type == "payment.failed" {
            who = data["chargeRequestId"] != nil ? "gateway-sandbox" : nil
        }
        if type == "charge.requested" && data["cause"]?.stringValue == "recharge" { who = "prepaid" }
        // Dunning's final action hands an invoice over without a payment id (reminder-mailer).
        if type == "collections.handed-over" && data["paymentId"] == nil { who = "reminder-mailer" }
        if type == "notification.requested" && data["kind"]?.stringValue == "card_expiring" { who = "card-expiry" }
        if type == "invoice.issued" && (data["number"]?.stringValue ?? "").hasPrefix("CREDIT-") { who = "prepaid" }
        if type == "email.requested" || type == "digest.item" { return nil }  // the email.sent line says it
        guard let who = who ?? (verbose ? "input" : nil) else { return nil }
        let fields = [
            "status", "state", "kind", "verdict", "subject", "attempt", "cause", "paymentId", "invoiceId", "cardId",
            "declineCode", "amount", "currency", "listed", "zeroBalance", "unreconciledItems", "balance", "trigger",
            "creditId", "debitId", "brand", "last4", "error", "reason", "nextAttemptAt", "nextAttemptReason",
        ]
        var parts: [String] = []
        for field in fields {
            guard let value = data[field] else { continue }
            var text = value.stringValue ?? String(decoding: value.jsonBytes, as: UTF8.self)
            if (field == "reason" || field == "nextAttemptReason") && text.count > 60 {
                text = String(text.prefix(57)) + "…"
            }
            if field == "subject" { text = "“\(text)”" }
            parts.append("\(field)=\(text)")
        }
        if type == "proof.verdict", let reasons = data["reasons"]?.arrayValue, !reasons.isEmpty {
            parts.append("reasons=" + reasons.compactMap { $0["element"]?.stringValue }.joined(separator: ","))
        }
        let pad = { (text: String, width: Int) in
            text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0)
        }
        return "  " + pad(who, 16) + pad(account, 18) + pad(type, 30) + parts.joined(separator: " ")
    }
}

/// Started workers that can say when they own every partition and have restored their state.
protocol ReadinessReporting {
    func isReadyWithAllPartitions(_ count: Int32) async -> Bool
}

extension RuntimeService: ReadinessReporting {
    func isReadyWithAllPartitions(_ count: Int32) async -> Bool {
        let owned = await runtime.ownedPartitions.count
        return runtime.status.isReady && owned == count
    }
}
