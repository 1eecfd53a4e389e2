import Foundation
import RelanceDomain
import RelanceEvents
import Testing

@Suite("Event schemas")
struct SchemaTests {
    let deposit = EventType(
        "test.deposit", summary: "money paid in",
        data: .object(
            [
                "amount": .amount(), "currency": .currency(), "method": .oneOf(["card", "sepa_debit"]),
                "dueOn": .date(), "lines": .array(of: .object(["sku": .string()]), minItems: 1),
            ], optional: ["dueOn", "lines"]))

    func violation(_ data: String) -> String? {
        let validator = EventValidator(types: [deposit])
        let json =
            #"{"eventId":"e1","type":"test.deposit","schemaVersion":1,"occurredAt":"2026-11-21T10:00:00Z","#
            + #""accountId":"a","merchantId":"m","data":\#(data)}"#
        switch validator.read(Array(json.utf8)) {
        case .success: return nil
        case .failure(let rejection): return rejection.description
        }
    }

    @Test("valid data passes")
    func valid() {
        #expect(violation(#"{"amount":100,"currency":"EUR","method":"card"}"#) == nil)
        #expect(
            violation(
                #"{"amount":0,"currency":"JPY","method":"sepa_debit","dueOn":"2026-12-01","lines":[{"sku":"x"}]}"#)
                == nil)
    }

    @Test("each violation names the field and the rule")
    func violations() {
        #expect(violation(#"{"currency":"EUR","method":"card"}"#) == "schema violation: data.amount is required")
        #expect(
            violation(#"{"amount":1,"currency":"EUR","method":"cash"}"#)
                == "schema violation: data.method must be one of card, sepa_debit (got \"cash\")")
        #expect(
            violation(#"{"amount":1,"currency":"EUR","method":"card","extra":1}"#)
                == "schema violation: data.extra is not a field of this event")
        #expect(
            violation(#"{"amount":1,"currency":"EUR","method":"card","dueOn":"1/12/2026"}"#)
                == "schema violation: data.dueOn \"1/12/2026\" does not match ^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
        #expect(
            violation(#"{"amount":1,"currency":"EUR","method":"card","lines":[]}"#)
                == "schema violation: data.lines must have at least 1 element(s)")
        #expect(
            violation(#"{"amount":1,"currency":"EUR","method":"card","lines":[{"sku":5}]}"#)
                == "schema violation: data.lines[0].sku must be a string")
        #expect(
            violation(#"{"amount":1,"currency":"EUR","method":true}"#)
                == "schema violation: data.method must be a string")
        // The amount and currency rules of every event come first, with their own reasons.
        #expect(violation(#"{"amount":-1,"currency":"EUR","method":"card"}"#)?.contains("negative") == true)
    }

    @Test("a type's document is the envelope with its data schema")
    func document() throws {
        let document = deposit.schemaDocument
        #expect(document["$id"]?.stringValue == "https://relance.dev/schemas/events/test.deposit.v1.schema.json")
        #expect(document["properties"]?["type"]?["enum"] == .array([.string("test.deposit")]))
        #expect(document["properties"]?["data"]?["properties"]?["amount"]?["minimum"] == .number("0"))
        #expect(
            document["properties"]?["data"]?["required"]
                == .array(["amount", "currency", "method"].map(JSONValue.string)))
        #expect(document["additionalProperties"] == .bool(false))
        // What is written can be read back.
        #expect(try JSONReader.read(Array(document.prettyText.utf8)) == document)
    }
}

/// The JSON Schemas in `schemas/` and `docs/asyncapi.json` are generated from `Catalog`; this
/// test fails when they drift. `RELANCE_WRITE_SCHEMAS=1 swift test --filter SchemaFiles`
/// rewrites them.
@Suite("Schema files in step with the code")
struct SchemaFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("schemas/ and docs/asyncapi.json match Catalog")
    func inStep() throws {
        let write = ProcessInfo.processInfo.environment["RELANCE_WRITE_SCHEMAS"] == "1"
        let schemas = Self.root.appendingPathComponent("schemas")
        var expected: [String: String] = [:]
        for file in Catalog.schemaFiles { expected[file.path] = file.document.prettyText }
        for file in ConfigurationFiles.all { expected[file.path] = file.document.prettyText }
        expected["../docs/asyncapi.json"] = Catalog.asyncAPI.prettyText
        expected["../docs/kafka-acls.md"] = KafkaACLs.markdown
        if write {
            try? FileManager.default.removeItem(at: schemas)
            for (path, text) in expected {
                let url = schemas.appendingPathComponent(path)
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: url, atomically: true, encoding: .utf8)
            }
        }
        for (path, text) in expected.sorted(by: { $0.key < $1.key }) {
            let url = schemas.appendingPathComponent(path)
            let onDisk = try? String(contentsOf: url, encoding: .utf8)
            #expect(
                onDisk == text,
                "\(path) is out of step with Catalog: RELANCE_WRITE_SCHEMAS=1 swift test --filter SchemaFiles")
        }
        // No schema file without a type behind it.
        let files =
            FileManager.default.enumerator(at: schemas, includingPropertiesForKeys: nil)?
            .compactMap { ($0 as? URL)?.path }.filter { $0.hasSuffix(".json") } ?? []
        let known = Set(expected.keys.map { schemas.appendingPathComponent($0).standardizedFileURL.path })
        for file in files {
            #expect(known.contains(URL(fileURLWithPath: file).standardizedFileURL.path), "\(file) is not in Catalog")
        }
        // Every message of the AsyncAPI document points at a schema file that exists.
        for topic in Catalog.topics {
            for message in topic.messages {
                let file = Catalog.schemaFile(for: message)
                #expect(expected[file] != nil, "\(topic.name) carries \(message) without a schema")
            }
        }
    }

    @Test(
        "required members are found however the schema is built: with 70 properties, and with a required name set by hand"
    )
    func requiredBeyondTheQuickCheck() {
        func problem(_ schema: JSONSchema, _ members: [String]) -> String? {
            do {
                try schema.validate(.object(members.map { ($0, .string("x")) }), path: "data")
                return nil
            } catch {
                return error.description
            }
        }
        var wide = JSONSchema(kind: .object)
        wide.properties = (0..<70).map { (name: "f\($0)", schema: JSONSchema.string()) }
        wide.required = ["f0", "f69"]
        #expect(problem(wide, ["f0", "f69"]) == nil)
        #expect(problem(wide, ["f0", "f5"]) == "data.f69 is required")
        var odd = JSONSchema(kind: .object)
        odd.properties = [(name: "a", schema: .string())]
        odd.required = ["a", "notAProperty"]
        #expect(problem(odd, ["a"]) == "data.notAProperty is required")
        odd.required = ["a"]
        #expect(problem(odd, ["a"]) == nil)
        #expect(problem(odd, ["b"]) == "data.a is required")
    }
}
