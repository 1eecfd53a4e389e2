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

    func shape<T: EventData>(of type: T.Type) -> EventDataShape { EventDataShape.of(T.self) }

    func roundTrip<T: EventData>(_ type: T.Type, _ data: JSONValue) throws -> (JSONValue, [UInt8]) {
        let value = try JSONValueDecoding.decode(T.self, from: data, path: "data")
        return (EventDataEncoder.encode(value), try StateCoding.eventJSON(value))
    }
}
