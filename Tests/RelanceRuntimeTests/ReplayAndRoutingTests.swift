import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import Testing

/// Matches payments to invoices, as reconciliation does: a payment read before its invoice
/// is held for a day, then given up as a dead letter (`unknown_invoice`).
struct InvoiceMatcher: Worker {
    struct State: Codable, Sendable, Equatable {
        var invoices: [String] = []
        var held: [HeldInput] = []
    }

    var name = "matcher"
    var inputTopics = ["t.ledger"]
    var outputTopics = ["t.matches"]
    var eventTypes = [
        EventType("test.invoice", summary: "an invoice", data: .object(["invoiceId": .string()])),
        EventType(
            "test.payment", summary: "a payment of an invoice",
            data: .object(["invoiceId": .string(), "amount": .amount()])),
    ]

    func handle(_ event: Event<EventEnvelope>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        let event = event.envelope
        var current = state ?? State()
        guard let invoice = event.data["invoiceId"]?.stringValue else {
            throw WorkerRejection("missing_invoice", "data.invoiceId is required")
        }
        switch event.type {
        case "test.invoice":
            current.invoices.append(invoice)
            var still: [HeldInput] = []
            for held in current.held {
                if let payment = held.event(types: eventTypes), payment.data["invoiceId"]?.stringValue == invoice {
                    match(payment, &context)
                } else {
                    still.append(held)
                }
            }
            current.held = still
        default:
            if current.invoices.contains(invoice) {
                match(event, &context)
            } else if let held = context.holdInput() {
                current.held.append(held)
                context.schedule("give-up", at: context.now.addingTimeInterval(86_400))
            }
        }
        state = current
    }

    func match(_ payment: EventEnvelope, _ context: inout WorkerContext) {
        context.emit(
            "test.match", to: "t.matches",
            data: .object([
                "payment": .string(payment.eventID), "invoiceId": payment.data["invoiceId"] ?? .null,
            ]))
    }

    func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {
        guard var current = state else { return }
        for held in current.held {
            context.deadLetter(held, code: "unknown_invoice", message: "no invoice read within a day")
        }
        current.held = []
        state = current
    }
}

/// Another worker reading the same topic in its own group: counts what it reads per account.
struct LedgerCounter: Worker {
    struct State: Codable, Sendable, Equatable { var seen: Int }
    var name = "counter"
    var inputTopics = ["t.ledger"]
    var outputTopics = ["t.counts"]
    var eventTypes = InvoiceMatcher().eventTypes

    func handle(_ event: Event<EventEnvelope>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        let event = event.envelope
        let seen = (state?.seen ?? 0) + 1
        state = State(seen: seen)
        context.emit("test.count", to: "t.counts", data: .object(["event": .string(event.eventID)]))
    }

    func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {}
}

/// A mock cluster with the matcher's and the counter's topics.
struct LedgerCluster {
    let cluster: MockCluster
    let producer: KafkaProducer
    var kafka: KafkaConfiguration { KafkaConfiguration(bootstrapServers: cluster.bootstrapServers) }

    init(replayOutcomes: Bool = true) async throws {
        cluster = try MockCluster(brokers: 1)
        for topic in [
            "t.ledger", "t.matches", "t.counts", "relance.clock", "relance.matcher.changelog",
            "relance.counter.changelog",
        ] {
            try await cluster.createTopic(topic, partitions: partitions)
        }
        try await cluster.createTopic("relance.dead-letters", partitions: 1)
        if replayOutcomes { try await cluster.createTopic("relance.replay-outcomes", partitions: 2) }
        var configuration = ProducerConfiguration(bootstrapServers: cluster.bootstrapServers)
        configuration.lingerMilliseconds = 1
        producer = try KafkaProducer(configuration: configuration)
    }

    func configuration() -> RuntimeConfiguration {
        var c = RuntimeConfiguration(bootstrapServers: cluster.bootstrapServers)
        c.instanceID = "a"
        c.abortedRecordsVisible = true
        c.batchMaxMilliseconds = 20
        c.sessionTimeoutMilliseconds = 6000
        c.commandKeys = Harness.replayKeys
        return c
    }

    static func event(_ type: String, id: String, account: String, invoice: String) -> [UInt8] {
        let amount = type == "test.payment" ? #","amount":4900"# : ""
        return Array(
            (#"{"eventId":"\#(id)","type":"\#(type)","schemaVersion":1,"occurredAt":"2026-11-21T10:00:00Z","#
                + #""accountId":"\#(account)","merchantId":"m-1","data":{"invoiceId":"\#(invoice)"\#(amount)}}"#).utf8)
    }

    /// Published as Relance's producers place records (the Java client's partitioner), or at
    /// `partition`.
    func publish(
        _ type: String, id: String, account: String, invoice: String, partition: Int32? = nil,
        headers: [KafkaHeader] = []
    ) async throws {
        try await producer.send(
            ProducerMessage(
                topic: "t.ledger", partition: partition, key: Array(account.utf8),
                value: Self.event(type, id: id, account: account, invoice: invoice), headers: headers))
    }

    func tick(_ date: Date) async throws {
        for partition in 0..<partitions {
            try await producer.send(
                ProducerMessage(topic: "relance.clock", partition: partition, key: nil, value: ClockTick.record(date)))
        }
    }

    /// Every committed record of `topic` so far, once `count` are there.
    func read(_ topic: String, count: Int, partitions n: Int32 = partitions) async throws -> [KafkaMessage] {
        try await readRecords(
            topic, partitions: n, count: count, bootstrap: cluster.bootstrapServers, readCommitted: true)
    }
}

/// Waits (up to 30 s) until `condition` holds.
func eventually(_ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw Failure("condition not met within 30 s") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

@Suite("Replayed dead letters are new input, once, for the worker that refused them", .serialized)
struct ReplayOnceTests {
    @Test("a payment held then dead-lettered is applied when replayed after its invoice; a second replay is not")
    func replayOfAHandledEvent() async throws {
        let h = try await LedgerCluster()
        try await h.tick(Harness.start)
        let matcher = RunningWorker(InvoiceMatcher(), h.configuration())
        let counter = RunningWorker(LedgerCounter(), h.configuration())
        try await h.publish("test.payment", id: "pay-1", account: "acct-1", invoice: "inv-1")
        try await eventually { matcher.runtime.metrics.eventsIn == 1 }
        try await h.tick(Harness.start.addingTimeInterval(2 * 86_400))
        _ = try await h.read("relance.dead-letters", count: 1, partitions: 1)
        // The invoice comes after the wait: the dead letter is what is left of the payment.
        try await h.publish("test.invoice", id: "inv-ev-1", account: "acct-1", invoice: "inv-1")
        _ = try await h.read("t.counts", count: 2)

        var unknown = DeadLetters.Selection()
        unknown.reasons = ["unknown_invoice"]
        let entries = try await DeadLetters.list(topic: "relance.dead-letters", selection: unknown, kafka: h.kafka)
        #expect(entries.count == 1)
        #expect(entries.first?.letter.worker == "matcher")

        for expected in [ReplayOutcome.Result.handled, .alreadyReplayed] {
            let start = try #require(
                try await DeadLetters.outcomeStart(topic: "relance.replay-outcomes", kafka: h.kafka))
            try await DeadLetters.replay(
                entries, deadLetterTopic: "relance.dead-letters", producer: h.producer, signer: Harness.replayer)
            let position = DeadLetters.position(try #require(entries.first), topic: "relance.dead-letters")
            let outcomes = try await DeadLetters.awaitOutcomes(
                [position], topic: "relance.replay-outcomes", start: start, kafka: h.kafka, timeout: .seconds(30))
            #expect(outcomes[position]?.result == expected)
            #expect(outcomes[position]?.eventID == "pay-1")
            #expect(outcomes[position]?.worker == "matcher")
        }
        let matches = try await h.read("t.matches", count: 1)
        // The counter, in its own group, had read the payment: the replays are not for it.
        let counts = try await h.read("t.counts", count: 2)
        try await matcher.stop()
        try await counter.stop()

        #expect(matches.map { $0.data["payment"]?.stringValue } == ["pay-1"])
        #expect(counts.map { $0.data["event"]?.stringValue ?? "" }.sorted() == ["inv-ev-1", "pay-1"])
        #expect(matcher.runtime.metrics.replays("handled") == 1)
        #expect(matcher.runtime.metrics.replays("already_replayed") == 1)
        #expect(matcher.runtime.metrics.duplicates == 1)
        #expect(counter.runtime.metrics.duplicates == 0)
        #expect(counter.runtime.metrics.eventsIn == 2)
    }

    @Test("an unsigned replay is refused as unauthenticated and applies nothing; the signed one is handled")
    func unsignedReplay() async throws {
        let h = try await LedgerCluster()
        try await h.tick(Harness.start)
        let matcher = RunningWorker(InvoiceMatcher(), h.configuration())
        try await h.publish("test.payment", id: "pay-5", account: "acct-5", invoice: "inv-5")
        try await eventually { matcher.runtime.metrics.eventsIn == 1 }
        try await h.tick(Harness.start.addingTimeInterval(2 * 86_400))
        _ = try await h.read("relance.dead-letters", count: 1, partitions: 1)
        try await h.publish("test.invoice", id: "inv-ev-5", account: "acct-5", invoice: "inv-5")
        try await eventually { matcher.runtime.metrics.eventsIn == 2 }
        let entry = try #require(try await DeadLetters.list(topic: "relance.dead-letters", kafka: h.kafka).first)
        let position = DeadLetters.position(entry, topic: "relance.dead-letters")
        // Anyone who can write the topic can add the replay headers: without a token, refused.
        let notReplayer = CommandSigner(
            generating: .eddsa, keyID: "test-replay", subject: "mallory", roles: ["dead-letter-replay"],
            merchants: ["*"])
        var results: [ReplayOutcome] = []
        for signer in [nil, notReplayer, Harness.replayer] {
            let start = try #require(
                try await DeadLetters.outcomeStart(topic: "relance.replay-outcomes", kafka: h.kafka))
            try await DeadLetters.replay(
                [entry], deadLetterTopic: "relance.dead-letters", producer: h.producer, signer: signer)
            let outcomes = try await DeadLetters.awaitOutcomes(
                [position], topic: "relance.replay-outcomes", start: start, kafka: h.kafka, timeout: .seconds(30))
            results.append(try #require(outcomes[position]))
        }
        let matches = try await h.read("t.matches", count: 1)
        try await matcher.stop()
        #expect(results.map(\.result) == [.deadLettered, .deadLettered, .handled])
        #expect(results[0].reason?.code == "unauthenticated")
        #expect(results[0].reason?.message.contains("relance-replay-authorization") == true)
        #expect(results[1].reason?.code == "unauthenticated")
        #expect(results[1].reason?.message.contains("signature does not verify") == true)
        #expect(matches.map { $0.data["payment"]?.stringValue } == ["pay-5"])
        #expect(matcher.runtime.metrics.commandAuth("unauthenticated") == 2)
        #expect(matcher.runtime.metrics.commandAuth("verified") == 1)
    }

    @Test("a replay refused again is reported with its reason")
    func refusedAgain() async throws {
        let h = try await LedgerCluster()
        try await h.tick(Harness.start)
        let matcher = RunningWorker(InvoiceMatcher(), h.configuration())
        try await h.publish("test.payment", id: "pay-2", account: "acct-2", invoice: "inv-9")
        try await eventually { matcher.runtime.metrics.eventsIn == 1 }
        try await h.tick(Harness.start.addingTimeInterval(2 * 86_400))
        _ = try await h.read("relance.dead-letters", count: 1, partitions: 1)
        let entries = try await DeadLetters.list(topic: "relance.dead-letters", kafka: h.kafka)
        let entry = try #require(entries.first)
        // Replayed while the invoice is still unknown: held again, handled.
        let start = try #require(try await DeadLetters.outcomeStart(topic: "relance.replay-outcomes", kafka: h.kafka))
        try await DeadLetters.replay(
            [entry], deadLetterTopic: "relance.dead-letters", producer: h.producer, signer: Harness.replayer)
        let position = DeadLetters.position(entry, topic: "relance.dead-letters")
        let first = try await DeadLetters.awaitOutcomes(
            [position], topic: "relance.replay-outcomes", start: start, kafka: h.kafka, timeout: .seconds(30))
        #expect(first[position]?.result == .handled)
        // A dead letter of a record the worker cannot read at all is refused again, with why.
        try await h.producer.send(
            ProducerMessage(topic: "t.ledger", key: Array("acct-3".utf8), value: Array("{not json".utf8)))
        _ = try await h.read("relance.dead-letters", count: 2, partitions: 1)
        var malformed = DeadLetters.Selection()
        malformed.reasons = ["malformed_json"]
        let bad = try #require(
            try await DeadLetters.list(topic: "relance.dead-letters", selection: malformed, kafka: h.kafka).first)
        let again = try #require(
            try await DeadLetters.outcomeStart(topic: "relance.replay-outcomes", kafka: h.kafka))
        try await DeadLetters.replay(
            [bad], deadLetterTopic: "relance.dead-letters", producer: h.producer, signer: Harness.replayer)
        let badPosition = DeadLetters.position(bad, topic: "relance.dead-letters")
        let second = try await DeadLetters.awaitOutcomes(
            [badPosition], topic: "relance.replay-outcomes", start: again, kafka: h.kafka, timeout: .seconds(30))
        try await matcher.stop()
        #expect(second[badPosition]?.result == .deadLettered)
        #expect(second[badPosition]?.reason?.code == "malformed_json")
        #expect(second[badPosition]?.eventID == nil)
    }
}

@Suite("A replay refused before handling shares its content's origin", .serialized)
struct ReplayOriginTests {
    @Test("replayed unsigned (refused), then the first dead letter and the refusal's replayed signed: applied once")
    func refusedReplayThenBoth() async throws {
        let h = try await LedgerCluster()
        try await h.tick(Harness.start)
        let matcher = RunningWorker(InvoiceMatcher(), h.configuration())
        try await h.publish("test.payment", id: "pay-o", account: "acct-o", invoice: "inv-o")
        try await eventually { matcher.runtime.metrics.eventsIn == 1 }
        try await h.tick(Harness.start.addingTimeInterval(2 * 86_400))
        _ = try await h.read("relance.dead-letters", count: 1, partitions: 1)
        try await h.publish("test.invoice", id: "inv-ev-o", account: "acct-o", invoice: "inv-o")
        try await eventually { matcher.runtime.metrics.eventsIn == 2 }
        let first = try await DeadLetters.list(topic: "relance.dead-letters", kafka: h.kafka)
        // Unsigned: refused at the gate, a second dead letter of the same content.
        try await DeadLetters.replay(
            first, deadLetterTopic: "relance.dead-letters", producer: h.producer, signer: nil)
        _ = try await h.read("relance.dead-letters", count: 2, partitions: 1)
        let both = try await DeadLetters.list(topic: "relance.dead-letters", kafka: h.kafka)
        #expect(both.count == 2)
        #expect(Set(both.map { DeadLetters.origin($0, topic: "relance.dead-letters") }).count == 1)
        try await DeadLetters.replay(
            both, deadLetterTopic: "relance.dead-letters", producer: h.producer, signer: Harness.replayer)
        let metrics = matcher.runtime.metrics
        try await eventually { metrics.replays("handled") + metrics.replays("already_replayed") == 2 }
        let matches = try await h.read("t.matches", count: 1)
        try await matcher.stop()
        #expect(matches.count == 1)
        #expect(metrics.replays("handled") == 1)
        #expect(metrics.replays("already_replayed") == 1)
    }
}

@Suite("Listing dead letters", .serialized)
struct DeadLetterListingTests {
    @Test("two workers refusing the same record: both dead letters are listed, and each under --worker")
    func twoWorkersOneRecord() async throws {
        let h = try await LedgerCluster()
        try await h.tick(Harness.start)
        let matcher = RunningWorker(InvoiceMatcher(), h.configuration())
        let counter = RunningWorker(LedgerCounter(), h.configuration())
        for n in 0..<5 {
            try await h.producer.send(
                ProducerMessage(topic: "t.ledger", key: Array("acct-\(n)".utf8), value: Array("[\(n)]".utf8)))
        }
        _ = try await h.read("relance.dead-letters", count: 10, partitions: 1)
        try await matcher.stop()
        try await counter.stop()
        let all = try await DeadLetters.list(topic: "relance.dead-letters", kafka: h.kafka)
        #expect(all.count == 10)
        for worker in ["matcher", "counter"] {
            var only = DeadLetters.Selection()
            only.workers = [worker]
            let listed = try await DeadLetters.list(topic: "relance.dead-letters", selection: only, kafka: h.kafka)
            #expect(listed.count == 5, "\(worker)")
            #expect(Set(listed.map { "\($0.letter.source.partition)@\($0.letter.source.offset)" }).count == 5)
        }
    }
}

@Suite("Records placed by another client's partitioner", .serialized)
struct PartitionerTests {
    @Test("KeyPartitioner.murmur2 is where Relance's producer puts each key")
    func murmur2MatchesTheProducer() async throws {
        let h = try await LedgerCluster()
        let keys = (0..<64).map { "acct-\($0)" }
        for key in keys {
            try await h.producer.send(ProducerMessage(topic: "t.counts", key: Array(key.utf8), value: [1]))
        }
        let records = try await h.read("t.counts", count: keys.count)
        for record in records {
            let key = try #require(record.key)
            #expect(record.partition == KeyPartitioner.murmur2(key, partitions: partitions))
        }
        // librdkafka's default puts a good share elsewhere: what the runtime must correct.
        let elsewhere = keys.filter {
            KeyPartitioner.crc32(Array($0.utf8), partitions: partitions)
                != KeyPartitioner.murmur2(Array($0.utf8), partitions: partitions)
        }
        #expect(elsewhere.count > keys.count / 2)
    }

    @Test("invoices placed by CRC32 meet payments placed by murmur2: every payment matched, once per group")
    func crc32Publisher() async throws {
        let h = try await LedgerCluster()
        try await h.tick(Harness.start)
        let matcher = RunningWorker(InvoiceMatcher(), h.configuration())
        let counter = RunningWorker(LedgerCounter(), h.configuration())
        let accounts = (0..<12).map { "cust-\($0)" }
        var moved = 0
        for account in accounts {
            let crc = KeyPartitioner.crc32(Array(account.utf8), partitions: partitions)
            if crc != KeyPartitioner.murmur2(Array(account.utf8), partitions: partitions) { moved += 1 }
            // As a Python, Go or kcat client would place it by default.
            try await h.publish("test.invoice", id: "i-\(account)", account: account, invoice: "inv", partition: crc)
        }
        #expect(moved >= 6)
        for account in accounts {
            try await h.publish("test.payment", id: "p-\(account)", account: account, invoice: "inv")
        }
        let matches = try await h.read("t.matches", count: accounts.count)
        let counts = try await h.read("t.counts", count: 2 * accounts.count)
        // The counter's state: each account saw its invoice and its payment in one place.
        try await matcher.stop()
        try await counter.stop()
        #expect(Set(matches.map { $0.data["payment"]?.stringValue ?? "" }) == Set(accounts.map { "p-\($0)" }))
        #expect(matches.count == accounts.count)
        #expect(counts.count == 2 * accounts.count)
        for record in matches + counts {
            let key = try #require(record.key)
            #expect(record.partition == KeyPartitioner.murmur2(key, partitions: partitions))
        }
        #expect(matcher.runtime.metrics.rerouted == moved)
        #expect(counter.runtime.metrics.rerouted == moved)
        #expect(matcher.runtime.metrics.deadLetterCount == 0)
        // Each group handled its own copy, and skipped the other group's.
        #expect(matcher.runtime.metrics.duplicates == 0)
        #expect(counter.runtime.metrics.duplicates == 0)
    }

    @Test("a copy already sent to its key's partition and still on another is a dead letter, not a loop")
    func noLoop() async throws {
        let h = try await LedgerCluster()
        try await h.tick(Harness.start)
        let matcher = RunningWorker(InvoiceMatcher(), h.configuration())
        let account = "cust-1"
        let home = KeyPartitioner.murmur2(Array(account.utf8), partitions: partitions)
        try await h.publish(
            "test.invoice", id: "i-1", account: account, invoice: "inv", partition: (home + 1) % partitions,
            headers: [
                KafkaHeader("relance-rerouted-from", "t.ledger/0@0"),
                KafkaHeader("relance-rerouted-for", "relance-matcher"),
            ])
        let letters = try await h.read("relance.dead-letters", count: 1, partitions: 1)
        try await matcher.stop()
        let letter = try DeadLetter.decode(Data(try #require(letters.first?.value)))
        #expect(letter.reason.code == "wrong_partition")
        #expect(matcher.runtime.metrics.rerouted == 0)
    }
}

@Suite("Replay outcomes follow their schema")
struct ReplayOutcomeSchemaTests {
    @Test("an outcome as written validates against Catalog.replayOutcome; one with an unknown result does not")
    func written() throws {
        let outcome = ReplayOutcome(
            deadLetter: "relance.dead-letters/0@7", worker: "reconciliation", eventID: "ev-1", result: .deadLettered,
            reason: .init(code: "unknown_invoice", message: "no invoice"), at: Harness.start)
        let json = try JSONReader.read(Array(try outcome.encoded()))
        try Catalog.replayOutcome.validate(json, path: "outcome")
        #expect(try ReplayOutcome.decode(try outcome.encoded()) == outcome)
        guard case .object(var members) = json else { throw Failure("not an object") }
        members = members.map { $0.key == "result" ? ($0.key, .string("applied twice")) : $0 }
        #expect(throws: JSONSchema.Violation.self) {
            try Catalog.replayOutcome.validate(.object(members), path: "outcome")
        }
    }
}

@Suite("relance dead-letters replay, as a user runs it", .serialized)
struct ReplayCommandTests {
    @Test("replay prints what the worker did with each dead letter: handled, then already replayed")
    func replayCommand() async throws {
        let h = try await LedgerCluster()
        try await h.tick(Harness.start)
        let matcher = RunningWorker(InvoiceMatcher(), h.configuration())
        try await h.publish("test.payment", id: "pay-7", account: "acct-7", invoice: "inv-7")
        try await eventually { matcher.runtime.metrics.eventsIn == 1 }
        try await h.tick(Harness.start.addingTimeInterval(2 * 86_400))
        _ = try await h.read("relance.dead-letters", count: 1, partitions: 1)
        try await h.publish("test.invoice", id: "inv-ev-7", account: "acct-7", invoice: "inv-7")
        try await eventually { matcher.runtime.metrics.eventsIn == 2 }

        // Signed with the replayer's key file, as an operator runs it.
        let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID()).key.json").path
        #expect(FileManager.default.createFile(atPath: keyFile, contents: Data(Harness.replayer.keyFile.jsonBytes)))
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        let replay = [
            "dead-letters", "replay", "--bootstrap", h.cluster.bootstrapServers, "--reason", "unknown_invoice",
            "--key", keyFile, "--wait", "30",
        ]
        let first = try CommandLineTests.run(replay)
        // Run again: skipped by the command (its outcome says it was handled); with --again, sent
        // and not applied again by the worker.
        let second = try CommandLineTests.run(replay)
        let third = try CommandLineTests.run(replay + ["--again"])
        let matches = try await h.read("t.matches", count: 1)
        try await matcher.stop()
        // Without a worker, the command says no outcome came and exits non-zero.
        let unanswered = try CommandLineTests.run(replay.dropLast(2) + ["--wait", "2", "--again"])

        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("replayed 1 dead letter(s)"))
        #expect(first.output.contains("0:0  matcher  unknown_invoice  handled as new input (event pay-7)"))
        #expect(second.status == 0, "\(second.output)")
        #expect(second.output.contains("already handled from an earlier replay: skipped"))
        #expect(second.output.contains("replayed 0 dead letter(s)"))
        #expect(third.status == 0, "\(third.output)")
        #expect(third.output.contains("already replayed and handled before: not applied again"))
        #expect(matches.count == 1)
        #expect(unanswered.status == 3, "\(unanswered.output)")
        #expect(unanswered.output.contains("no outcome within 2 s: is matcher running?"))
    }
}
