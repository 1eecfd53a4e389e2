import Foundation
import RelanceEvents
import RelanceRuntime
import RelanceTestSupport
import Testing

@Suite("typed event data: one Swift type per event type, in step with its schema")
struct EventDataTests {
    @Test("every event type in the catalog has exactly one Swift type of its data")
    func everyTypeHasItsData() {
        let typed = Catalog.dataTypes.map { "\($0.eventType.name) v\($0.eventType.version)" }
        let catalog = Catalog.eventTypes.map { "\($0.name) v\($0.version)" }
        #expect(typed.sorted() == catalog.sorted())
        #expect(Set(typed).count == typed.count)
    }

    @Test("each type requires what its schema requires, reads nothing else, and its enums are the schema's")
    func typesFollowTheirSchemas() {
        for type in Catalog.dataTypes {
            let differences = shape(of: type).differences(from: type.eventType.data)
            #expect(differences.isEmpty, "\(type.eventType.name): \(differences)")
        }
    }

    @Test("a type that drifted from its schema is caught, member by member")
    func driftIsCaught() {
        struct Drifted: EventData {
            static var eventType: EventType { PaymentEvents.paymentSucceeded }
            enum Kind: String, SchemaEnum { case one, two }
            var paymentId: String
            var invoiceId: String?  // required by the schema
            var amount: Int64
            var currency: String
            var chargeRequestId: String  // optional in the schema
            var extra: Kind  // not in the schema
        }
        let differences = EventDataShape.of(Drifted.self).differences(from: Drifted.eventType.data)
        #expect(
            differences == [
                "data.chargeRequestId: required by the type, optional in the schema",
                "data.extra: read by the type, not in the schema",
                "data.invoiceId: required by the schema, optional in the type",
            ])
        struct WrongEnum: EventData {
            static var eventType: EventType { CardEvents.scheduleUpdated }
            enum Kind: String, SchemaEnum { case installment, subscription, trial }
            enum Status: String, SchemaEnum { case active, ended }
            var scheduleId: String
            var kind: Kind
            var cardId: String
            var status: String  // the schema has an enum
        }
        #expect(
            EventDataShape.of(WrongEnum.self).differences(from: WrongEnum.eventType.data) == [
                "data.kind: the type's values [\"installment\", \"subscription\", \"trial\"] are not the schema's "
                    + "[\"installment\", \"subscription\"]",
                "data.status: the schema allows only [\"active\", \"ended\"]; the type takes any string",
            ])
    }

    @Test("random schema-valid data of every type decodes, and encodes back to the same JSON")
    func roundTrip() throws {
        var samples = SchemaSamples(random: SplitMix64(seed: 22))
        for type in Catalog.dataTypes {
            for _ in 0..<50 {
                let data = samples.sample(type.eventType.data)
                try type.eventType.data.validate(data, path: "data")
                let (encoded, written) = try roundTrip(type, data)
                #expect(encoded == data, "\(type.eventType.name)")
                // What `WorkerContext.emit` publishes: the same JSON, written straight to bytes.
                #expect(try JSONReader.read(written) == data, "\(type.eventType.name)")
            }
        }
    }

    @Test("a value that does not decode names its path")
    func decodingErrorsNameThePath() throws {
        let data = JSONValue.object([
            ("paymentId", .string("p")), ("invoiceId", .string("i")), ("amount", .string("12")),
            ("currency", .string("EUR")),
        ])
        #expect(throws: EventDataError(path: "data.amount", problem: "is not a whole number")) {
            try JSONValueDecoding.decode(PaymentSucceeded.self, from: data, path: "data")
        }
        let missing = JSONValue.object([("paymentId", .string("p"))])
        #expect(throws: EventDataError(path: "data.invoiceId", problem: "is required")) {
            try JSONValueDecoding.decode(PaymentSucceeded.self, from: missing, path: "data")
        }
        let command = JSONValue.object([("command", .string("explode")), ("paymentId", .string("p"))])
        #expect(throws: EventDataError.self) {
            try JSONValueDecoding.decode(PaymentCommand.self, from: command, path: "data")
        }
    }

    @Test("the hand-written decodings give what Decodable gives, values and errors, on random and broken data")
    func fastDecodingIsDecodable() throws {
        var samples = SchemaSamples(random: SplitMix64(seed: 23))
        var fast = 0
        for type in Catalog.dataTypes {
            for round in 0..<50 {
                let data = samples.sample(type.eventType.data)
                guard try fastDecodes(type, data) else { break }
                if round == 0 { fast += 1 }
                // Each member missing, null, of another type, or (a string) another value.
                guard case .object(let members) = data else { continue }
                for (index, member) in members.enumerated() {
                    var broken: [JSONValue] = [.object(Array(members.prefix(index) + members.dropFirst(index + 1)))]
                    for replacement: JSONValue in [.null, .bool(true), .string("x"), .integer(7), .array([])] {
                        var changed = members
                        changed[index].value = replacement
                        broken.append(.object(changed))
                    }
                    if case .string = member.value {
                        var changed = members
                        changed[index].value = .string("not-a-listed-value")
                        broken.append(.object(changed))
                    }
                    // Members in another order than the schema's.
                    broken.append(.object(members.reversed()))
                    for data in broken { _ = try fastDecodes(type, data) }
                }
                _ = try fastDecodes(type, .array([]))
            }
        }
        // The worker benchmarks' inputs have one.
        #expect(fast == 10)
    }

    /// Whether `T` decodes `data` by hand; if so, that it gives what `Decodable` gives.
    func fastDecodes<T: EventData>(_ type: T.Type, _ data: JSONValue) throws -> Bool {
        func outcome(_ decode: () throws(EventDataError) -> T?) -> Result<T?, EventDataError> {
            do throws(EventDataError) { return .success(try decode()) } catch { return .failure(error) }
        }
        let byHand = outcome { () throws(EventDataError) in try T.decodeFast(data, path: "data") }
        if case .success(nil) = byHand { return false }
        let decodable = outcome { () throws(EventDataError) in
            try JSONValueDecoding.decode(T.self, from: data, path: "data")
        }
        switch (byHand, decodable) {
        case (.success(let a), .success(let b)):
            #expect(
                EventDataEncoder.encode(a) == EventDataEncoder.encode(b), "\(T.eventType.name): \(data.jsonText)")
        case (.failure(let a), .failure(let b)):
            #expect(a == b, "\(T.eventType.name): \(data.jsonText)")
        default:
            Issue.record("\(T.eventType.name): by hand \(byHand), Decodable \(decodable), for \(data.jsonText)")
        }
        return true
    }

    @Test("the hand-written writers write what the Encodable path writes, byte for byte")
    func fastWritingIsEncodable() throws {
        var samples = SchemaSamples(random: SplitMix64(seed: 24))
        var writers = 0
        for type in Catalog.dataTypes where type.writesFast {
            writers += 1
            for _ in 0..<200 {
                try compareWriters(type, samples.sample(type.eventType.data))
            }
        }
        #expect(writers == 5)
    }

    func compareWriters<T: EventData>(_ type: T.Type, _ data: JSONValue) throws {
        let value = try JSONValueDecoding.decode(T.self, from: data, path: "data")
        var out = JSONOutput()
        value.writeFast(into: &out)
        #expect(out.bytes == (try StateCoding.eventJSON(value)), "\(T.eventType.name): \(data.jsonText)")
    }

    func shape<T: EventData>(of type: T.Type) -> EventDataShape { EventDataShape.of(T.self) }

    func roundTrip<T: EventData>(_ type: T.Type, _ data: JSONValue) throws -> (JSONValue, [UInt8]) {
        let value = try JSONValueDecoding.decode(T.self, from: data, path: "data")
        return (EventDataEncoder.encode(value), try StateCoding.eventJSON(value))
    }
}
