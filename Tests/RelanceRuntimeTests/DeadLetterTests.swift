import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import Testing

@Suite("Bad input goes to the dead-letter topic", .serialized)
struct RuntimeDeadLetterTests {
    static func event(
        id: String = "bad", type: String = "test.deposit", version: String = "1",
        occurredAt: String = "\"2026-11-21T10:00:00Z\"", account: String = "\"acct-1\"", merchant: String = "\"m-1\"",
        data: String = #"{"amount":100}"#
    ) -> String {
        #"{"eventId":"\#(id)","type":"\#(type)","schemaVersion":\#(version),"occurredAt":\#(occurredAt),"#
            + #""accountId":\#(account),"merchantId":\#(merchant),"data":\#(data)}"#
    }

    /// (what is sent, key, headers, expected reason code, words the reason must contain)
    static let cases: [(value: String?, key: String?, headers: [KafkaHeader], code: String, names: String)] = [
        ("{\"eventId\": \"x\",", "acct-1", [], "malformed_json", "malformed JSON"),
        ("[1, 2, 3]", "acct-1", [], "not_an_object", "not a JSON object"),
        (#"{"eventId":"a","eventId":"b"}"#, "acct-1", [], "malformed_json", "duplicate"),
        (event(type: "payment.teleported"), "acct-1", [], "unknown_type", "payment.teleported"),
        (event(version: "7"), "acct-1", [], "unsupported_version", "version 7"),
        (event(version: "\"one\""), "acct-1", [], "wrong_type", "schemaVersion"),
        (event(occurredAt: "\"yesterday\""), "acct-1", [], "invalid_timestamp", "yesterday"),
        (event(occurredAt: "\"2026-11-21T10:00:00+02:00\""), "acct-1", [], "invalid_timestamp", "+02:00"),
        (event(account: "\"\""), "", [], "empty_field", "accountId"),
        (event(merchant: "42"), "acct-1", [], "wrong_type", "merchantId"),
        (event(data: "\"none\""), "acct-1", [], "wrong_type", "data"),
        (event(data: #"{"amount":-5}"#), "acct-1", [], "negative_amount", "data.amount"),
        (event(data: #"{"amount":12.5}"#), "acct-1", [], "fractional_amount", "data.amount"),
        (
            event(data: #"{"amount":123456789012345678901234567890}"#), "acct-1", [], "amount_out_of_range",
            "at most 999999999999999"
        ),
        (event(data: #"{"amount":9223372036854775808}"#), "acct-1", [], "amount_out_of_range", "data.amount"),
        (event(data: #"{"amount":"12"}"#), "acct-1", [], "amount_not_a_number", "data.amount"),
        (event(data: #"{"amount":1,"currency":"EUX"}"#), "acct-1", [], "unknown_currency", "EUX"),
        (event(data: #"{"amount":1,"note":"card 4111 1111 1111 1111"}"#), "acct-1", [], "card_number", "card numbers"),
        (event(), "4111111111111111", [], "card_number", "record key"),
        (event(), "acct-1", [KafkaHeader("customer-card", "5500005555555559")], "card_number", "customer-card"),
        (nil, "acct-1", [], "empty_record", "no value"),
        (event(), "acct-2", [], "key_not_account", "acct-2"),
        (event(data: #"{"currency":"EUR"}"#), "acct-1", [], "schema_violation", "data.amount is required"),
        (event(data: #"{"amount":1,"colour":"red"}"#), "acct-1", [], "schema_violation", "data.colour is not a field"),
        (
            event(data: #"{"amount":1,"refuse":"yes"}"#), "acct-1", [], "schema_violation",
            "data.refuse must be a boolean"
        ),
        (event(data: #"{"amount":1,"note":""}"#), "acct-1", [], "schema_violation", "data.note must not be empty"),
        (event(data: #"{"amount":1,"refuse":true}"#), "acct-1", [], "refused_by_worker", "refuse"),
        (String(repeating: " ", count: 2048) + event(), "acct-1", [], "too_large", "limit"),
        ("{\"eventId\":\"\u{1}\"}", "acct-1", [], "malformed_json", "malformed JSON"),
    ]

    @Test("29 kinds of bad input each land with a reason; good events around them go on")
    func deadLetters() async throws {
        let h = try await Harness()
        try await h.tick(Harness.start)
        var configuration = h.configuration()
        configuration.maximumEventBytes = 1024
        let worker = RunningWorker(LedgerWorker(), configuration)
        try await h.deposit("good-before", account: "acct-1")
        for item in Self.cases {
            try await h.producer.send(
                // One partition, so that the dead letters' source offsets give the order sent:
                // acct-1's, where the valid events among them belong.
                ProducerMessage(
                    topic: "t.deposits",
                    partition: KeyPartitioner.murmur2(Array("acct-1".utf8), partitions: partitions),
                    key: item.key.map { Array($0.utf8) },
                    value: item.value.map { Array($0.utf8) },
                    headers: item.headers))
        }
        try await h.send("{\"now\": \"not a time\"}", key: nil, topic: "relance.clock")
        try await h.deposit("good-after", account: "acct-1")

        let letters = try await h.read("relance.dead-letters", count: Self.cases.count + 1)
        let outputs = try await h.read("t.balances", count: 2)
        try await worker.stop()

        #expect(letters.count == Self.cases.count + 1)
        let decoded = try letters.map { try DeadLetter.decode(Data($0.value!)) }
        let deposits = decoded.filter { $0.source.topic == "t.deposits" }.sorted { $0.source.offset < $1.source.offset }
        #expect(deposits.count == Self.cases.count)
        for (letter, item) in zip(deposits, Self.cases) {
            #expect(letter.reason.code == item.code, "\(item.value ?? "nil")")
            #expect(letter.reason.message.contains(item.names), "\(letter.reason.message) should name \(item.names)")
            #expect(letter.worker == "ledger")
            if !letter.redacted {
                #expect(letter.value.map { String(decoding: $0, as: UTF8.self) } == item.value)
            }
        }
        // Card numbers are masked in what is kept, wherever they were.
        for letter in deposits where letter.reason.code == "card_number" {
            #expect(letter.redacted)
            let kept = [letter.key, letter.value].compactMap { $0 } + letter.headers.compactMap(\.value)
            for bytes in kept { #expect(CardNumberDetector.firstCardNumber(in: Array(bytes)) == nil) }
        }
        // Nor in the dead-letter records' own keys.
        for record in letters {
            #expect(record.key.map { CardNumberDetector.firstCardNumber(in: Array($0)) == nil } ?? true)
        }
        #expect(decoded.contains { $0.source.topic == "relance.clock" && $0.reason.code == "invalid_tick" })
        // Processing went on: the good event after the bad ones has its output, and the
        // refused ones changed nothing.
        #expect(outputs.map { $0.data["cause"]?.stringValue } == ["good-before", "good-after"])
        #expect(outputs.last?.data["count"]?.integerValue == 2)
        #expect(worker.runtime.metrics.deadLetterCount == Self.cases.count + 1)
    }
}

@Suite("Dead-letter replay", .serialized)
struct DeadLetterReplayTests {
    @Test("a dead letter replayed after the fix is processed; a redacted one is refused")
    func replayAfterFix() async throws {
        let h = try await Harness()
        try await h.tick(Harness.start)
        // Version 1 of the worker does not know test.bonus.
        let before = RunningWorker(LedgerWorker(), h.configuration())
        let bonus =
            #"{"eventId":"b1","type":"test.bonus","schemaVersion":1,"occurredAt":"2026-11-21T10:00:00Z","#
            + #""accountId":"acct-9","merchantId":"m-1","data":{"amount":50}}"#
        try await h.send(bonus, key: "acct-9")
        try await h.deposit("card", account: "acct-9", extra: #","note":"4111111111111111""#)
        try await h.deposit("d1", account: "acct-9")
        _ = try await h.read("relance.dead-letters", count: 2)
        _ = try await h.read("t.balances", count: 1)
        try await before.stop()

        let kafka = KafkaConfiguration(bootstrapServers: h.cluster.bootstrapServers)
        var unknown = DeadLetters.Selection()
        unknown.reasons = ["unknown_type"]
        let entries = try await DeadLetters.list(topic: "relance.dead-letters", selection: unknown, kafka: kafka)
        #expect(entries.map(\.letter.source.topic) == ["t.deposits"])
        #expect(entries.first?.letter.value.map { String(decoding: $0, as: UTF8.self) } == bonus)

        // Version 2 knows it; the replayed event is processed like any other.
        var fixed = LedgerWorker()
        fixed.eventTypes.append(EventType("test.bonus", summary: "a bonus credited"))
        let after = RunningWorker(fixed, h.configuration())
        try await DeadLetters.replay(
            entries, deadLetterTopic: "relance.dead-letters", producer: h.producer, signer: Harness.replayer)
        let outputs = try await h.read("t.balances", count: 2)
        try await after.stop()
        #expect(outputs.map { $0.data["cause"]?.stringValue } == ["d1", "b1"])
        #expect(outputs.last?.data["total"]?.integerValue == 150)

        var cards = DeadLetters.Selection()
        cards.reasons = ["card_number"]
        let masked = try await DeadLetters.list(topic: "relance.dead-letters", selection: cards, kafka: kafka)
        #expect(masked.count == 1)
        await #expect(throws: DeadLetters.NotReplayable.self) {
            try await DeadLetters.replay(
                masked, deadLetterTopic: "relance.dead-letters", producer: h.producer, signer: Harness.replayer)
        }
    }
}

@Suite("Records outside the envelope follow their schemas")
struct RecordSchemaTests {
    @Test("a dead letter and a clock tick as written validate against Catalog's schemas")
    func written() throws {
        let letter = DeadLetter(
            rejection: .unknownType("x"), source: .init(topic: "t", partition: 2, offset: 7), key: Array("k".utf8),
            value: Array("card 4111111111111111".utf8), headers: [("h", Array("v".utf8)), ("empty", nil)],
            worker: "ledger", failedAt: Date(timeIntervalSince1970: 1_790_000_000))
        let json = try JSONReader.read(Array(try letter.encoded()))
        try Catalog.deadLetter.validate(json, path: "deadLetter")
        let tick = try JSONReader.read(ClockTick.record(Date(timeIntervalSince1970: 1_790_000_000)))
        try Catalog.clockTick.validate(tick, path: "tick")
        // And a record missing a required member does not.
        guard case .object(let members) = json else { throw Failure("not an object") }
        #expect(throws: JSONSchema.Violation.self) {
            try Catalog.deadLetter.validate(.object(members.filter { $0.key != "reason" }), path: "deadLetter")
        }
    }
}
