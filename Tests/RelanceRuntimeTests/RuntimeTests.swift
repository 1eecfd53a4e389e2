import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import Testing

@Suite("Worker runtime on the mock cluster", .serialized)
struct RuntimeTests {
    @Test("each event produces its output once; state survives a restart")
    func outputsAndRestore() async throws {
        let h = try await Harness()
        try await h.tick(Harness.start)
        let first = RunningWorker(LedgerWorker(), h.configuration())
        for n in 0..<30 { try await h.deposit("e\(n)", account: "acct-\(n % 5)", amount: "\(n)") }
        _ = try await h.read("t.balances", count: 30)
        try await first.stop()

        let second = RunningWorker(LedgerWorker(), h.configuration())
        for n in 30..<40 { try await h.deposit("e\(n)", account: "acct-\(n % 5)", amount: "\(n)") }
        let outputs = try await h.read("t.balances", count: 40)
        try await second.stop()

        #expect(outputs.count == 40)
        // The last balance of each account counts all its deposits: the count went on from
        // the restored state, not from zero.
        var last: [String: JSONValue] = [:]
        for record in outputs { last[record.keyString!] = record.data }
        for account in 0..<5 {
            let amounts = stride(from: account, to: 40, by: 5)
            #expect(last["acct-\(account)"]?["count"]?.integerValue == 8)
            #expect(last["acct-\(account)"]?["total"]?.integerValue == Int64(amounts.reduce(0, +)))
        }
        // Output ids are derived from their cause: unique here, stable on reprocessing.
        #expect(Set(outputs.map { $0.json["eventId"]!.stringValue! }).count == 40)
    }

    @Test("an event id seen before is dropped")
    func duplicates() async throws {
        let h = try await Harness()
        try await h.tick(Harness.start)
        let worker = RunningWorker(LedgerWorker(), h.configuration())
        try await h.deposit("same", account: "acct-1")
        try await h.deposit("same", account: "acct-1")
        try await h.deposit("other", account: "acct-1")
        let outputs = try await h.read("t.balances", count: 2)
        try await worker.stop()
        #expect(outputs.map { $0.data["cause"]?.stringValue } == ["same", "other"])
        #expect(worker.runtime.metrics.duplicates == 1)
    }

    @Test("a timer survives a restart and fires once")
    func timerSurvivesRestart() async throws {
        let h = try await Harness()
        try await h.tick(Harness.start)
        let first = RunningWorker(LedgerWorker(), h.configuration())
        try await h.deposit("d1", account: "acct-t")
        _ = try await h.read("t.balances", count: 1)
        let pending = await first.runtime.timers(of: "acct-t")
        #expect(pending.map(\.id) == ["reminder"])
        #expect(pending.first?.dueDate == Harness.start.addingTimeInterval(7 * 86_400))
        try await first.stop()

        let second = RunningWorker(LedgerWorker(), h.configuration())
        try await second.waitForPartitions(Int(partitions))
        #expect(await second.runtime.timers(of: "acct-t").map(\.id) == ["reminder"])
        // Six days: not yet. Eight days: fires. Nine days: nothing more.
        try await h.tick(Harness.start.addingTimeInterval(6 * 86_400))
        try await h.tick(Harness.start.addingTimeInterval(8 * 86_400))
        _ = try await h.read("t.balances", count: 2)
        try await h.tick(Harness.start.addingTimeInterval(9 * 86_400))
        try await h.deposit("d2", account: "acct-t")
        let outputs = try await h.read("t.balances", count: 3)
        try await second.stop()
        let types = outputs.map { $0.json["type"]?.stringValue }
        #expect(types == ["test.balance", "test.reminder", "test.balance"])
        #expect(outputs[1].data["due"]?.stringValue == Timestamp.format(Harness.start.addingTimeInterval(7 * 86_400)))
        // The reminder was the clock's doing: its time is the tick that fired it.
        #expect(
            outputs[1].json["occurredAt"]?.stringValue == Timestamp.format(Harness.start.addingTimeInterval(8 * 86_400))
        )
        #expect(await second.runtime.timers(of: "acct-t").isEmpty)

        // And after another restart it does not fire again.
        let third = RunningWorker(LedgerWorker(), h.configuration())
        try await third.waitForPartitions(Int(partitions))
        try await h.tick(Harness.start.addingTimeInterval(30 * 86_400))
        try await h.deposit("d3", account: "acct-t")
        let after = try await h.read("t.balances", count: 4)
        try await third.stop()
        #expect(after.map { $0.json["type"]?.stringValue }.filter { $0 == "test.reminder" }.count == 1)
    }
}

@Suite("A transaction the broker fails", .serialized)
struct FailedTransactionTests {
    @Test("is aborted and handled again with the batch after it: every output once, balances right")
    func failedTransaction() async throws {
        let h = try await Harness()
        try await h.tick(Harness.start)
        let accounts = 6
        let events = 600
        for n in 0..<events { try await h.deposit("e\(n)", account: "acct-\(n % accounts)", amount: "\(n)") }
        // A produce request part-way through the run fails as a permanent error: the
        // transaction it belongs to can only be aborted. Small batches, so that the commit of
        // one is still running while the next is handled.
        try await h.cluster.pushRequestErrors(
            apiKey: 0, Array(repeating: .noError, count: 6) + [.topicAuthorizationFailed])
        var configuration = h.configuration()
        configuration.batchMaxEvents = 25
        let worker = RunningWorker(LedgerWorker(), configuration)
        let deadline = ContinuousClock.now + .seconds(60)
        var outputs: [KafkaMessage] = []
        while outputs.count < events {
            guard ContinuousClock.now < deadline else { throw Failure("\(outputs.count) of \(events) outputs") }
            try await Task.sleep(for: .milliseconds(200))
            outputs = try await committedOutputs(h)
        }
        try await worker.stop()
        #expect(worker.runtime.metrics.abortedTransactions >= 1)
        #expect(outputs.count == events)
        #expect(Set(outputs.compactMap { $0.data["cause"]?.stringValue }).count == events)
        var last: [String: JSONValue] = [:]
        for record in outputs { last[record.keyString!] = record.data }
        for account in 0..<accounts {
            let amounts = stride(from: account, to: events, by: accounts)
            #expect(last["acct-\(account)"]?["count"]?.integerValue == Int64(events / accounts))
            #expect(last["acct-\(account)"]?["total"]?.integerValue == Int64(amounts.reduce(0, +)))
        }
    }

    /// The balances a downstream reader counts: this mock shows read_committed readers the
    /// records of aborted transactions too, so a record counts only when the changelog holds
    /// its transaction's checkpoint (the runtime's own restore rule).
    func committedOutputs(_ h: Harness) async throws -> [KafkaMessage] {
        let kafka = KafkaConfiguration(bootstrapServers: h.cluster.bootstrapServers)
        var whole: Set<[UInt8]> = []
        _ = try await TopicReading.readToEnd(
            "relance.ledger.changelog", partitions: Array(0..<partitions), kafka: kafka, log: nil
        ) { messages in
            for message in messages where message.keyString == "c:" {
                if let transaction = message.header("relance-txn") { whole.insert(transaction) }
            }
        }
        var outputs: [KafkaMessage] = []
        _ = try await TopicReading.readToEnd("t.balances", partitions: Array(0..<partitions), kafka: kafka, log: nil) {
            messages in
            outputs += messages.filter { $0.header("relance-txn").map(whole.contains) ?? false }
        }
        return outputs
    }
}

@Suite("Partitions moving between instances", .serialized)
struct PartitionMoveTests {
    @Test("partitions moved mid-stream continue from restored state")
    func moveMidStream() async throws {
        let h = try await Harness()
        try await h.tick(Harness.start)
        let accounts = 12
        var sent = 0
        func send(_ count: Int) async throws {
            for _ in 0..<count {
                try await h.deposit("e\(sent)", account: "acct-\(sent % accounts)", amount: "\(sent)")
                sent += 1
            }
        }
        let a = RunningWorker(LedgerWorker(), h.configuration(instance: "a"))
        try await send(60)
        _ = try await h.read("t.balances", count: 60)
        #expect(await a.runtime.ownedPartitions == [0, 1, 2, 3])

        // A second instance joins: the partitions are shared, B restores its share.
        let b = RunningWorker(LedgerWorker(), h.configuration(instance: "b"))
        try await b.waitForPartitions(2)
        try await a.waitForPartitions(2)
        try await send(60)
        _ = try await h.read("t.balances", count: 120)
        #expect(Set(await a.runtime.ownedPartitions).isDisjoint(with: await b.runtime.ownedPartitions))

        // A leaves: B takes everything over.
        try await a.stop()
        try await b.waitForPartitions(4)
        try await send(60)
        let outputs = try await h.read("t.balances", count: 180)
        try await b.stop()

        #expect(outputs.count == 180)
        var counts: [String: [Int64]] = [:]
        var totals: [String: Int64] = [:]
        for record in outputs {
            counts[record.keyString!, default: []].append(record.data["count"]!.integerValue!)
            totals[record.keyString!] = record.data["total"]!.integerValue!
        }
        for account in 0..<accounts {
            // Each account's balances count 1, 2, … 15 with no gap or repeat across both moves.
            #expect(counts["acct-\(account)"] == Array(1...15), "acct-\(account)")
            #expect(totals["acct-\(account)"] == Int64(stride(from: account, to: 180, by: accounts).reduce(0, +)))
        }
    }
}

@Suite("Reading a topic to its end", .serialized)
struct TopicReadingTests {
    @Test(
        "a slow broker: every record up to the end is read, even with empty polls between fetches, and a partition ending in a commit marker ends"
    )
    func slowFetchesReadEverything() async throws {
        let cluster = try MockCluster(brokers: 1)
        let topic = "reading-\(UInt32.random(in: 0...UInt32.max))"
        try await cluster.createTopic(topic, partitions: 2)
        // About 3 MiB per partition: librdkafka fetches at most 1 MiB of a partition at a time,
        // so reading takes several fetches.
        let producer = try KafkaTransactionalProducer(
            configuration: TransactionalProducerConfiguration(
                producer: ProducerConfiguration(bootstrapServers: cluster.bootstrapServers), transactionalID: topic))
        try await producer.initTransactions()
        let value = [UInt8](repeating: UInt8(ascii: "x"), count: 1_000)
        for batch in 0..<6 {
            try producer.beginTransaction()
            for n in 0..<1_000 {
                try await producer.enqueue(
                    ProducerMessage(
                        topic: topic, partition: Int32(n % 2), key: Array("k\(batch)-\(n)".utf8), value: value))
            }
            try await producer.commitTransaction()
        }
        await producer.close()
        // Every answer now takes 400 ms: polls of 100 ms come back empty between fetches.
        try await cluster.setRoundTripTime(broker: 1, .milliseconds(400))
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        var perPartition: [Int32: Int] = [:]
        let read = try await TopicReading.readToEnd(topic, partitions: [0, 1], kafka: kafka, log: nil) { batch in
            for record in batch { perPartition[record.partition, default: 0] += 1 }
        }
        #expect(read == 6_000)
        #expect(perPartition == [0: 3_000, 1: 3_000])
    }
}
