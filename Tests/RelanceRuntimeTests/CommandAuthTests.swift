import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import Testing

// MARK: The token (no Kafka)

@Suite("Command tokens: compact JWS with JWT claims")
struct CommandTokenTests {
    static let value = Array(#"{"eventId":"c-1","type":"test.approve"}"#.utf8)
    static let now = Date(timeIntervalSince1970: 1_790_000_000)

    static func signer(_ algorithm: CommandAlgorithm, kid: String = "k1", merchants: [String] = ["m-1"])
        -> CommandSigner
    {
        CommandSigner(
            generating: algorithm, keyID: kid, subject: "alice", roles: ["approver"], merchants: merchants)
    }

    static func verifier(_ signers: [CommandSigner], audience: String = "relance") throws -> CommandVerifier {
        let jwks = JSONValue.object([("keys", .array(signers.map(\.publicJWK)))]).jsonBytes
        return CommandVerifier(keys: try CommandKeySet(jwks: jwks), audience: audience)
    }

    func failure(_ result: Result<(CommandClaims, keyID: String), CommandAuthFailure>) -> CommandAuthFailure? {
        if case .failure(let failure) = result { return failure }
        return nil
    }

    @Test("EdDSA, ES256 and HS256 tokens verify and give back their claims", arguments: CommandAlgorithm.allCases)
    func roundTrip(_ algorithm: CommandAlgorithm) throws {
        let signer = Self.signer(algorithm)
        let token = signer.token(for: Self.value, eventID: "c-1", audience: "relance", now: Self.now)
        let header = try JSONReader.read(try #require(Base64URL.decode(token.split(separator: ".")[0])))
        #expect(header["alg"]?.stringValue == algorithm.rawValue)
        #expect(header["kid"]?.stringValue == "k1")
        #expect(header["typ"]?.stringValue == "JWT")
        let (claims, kid) = try Self.verifier([signer]).verify(token, value: Self.value, now: Self.now).get()
        #expect(kid == "k1")
        #expect(claims.subject == "alice" && claims.roles == ["approver"] && claims.merchants == ["m-1"])
        #expect(claims.tokenID == "c-1")
        #expect(claims.expiresAt - claims.issuedAt == 300)
        #expect(claims.commandHash == CommandClaims.hash(of: Self.value))
        // A key file written and read back signs tokens the same public key verifies.
        let reread = try CommandSigner(keyFile: signer.keyFile.jsonBytes)
        let again = reread.token(for: Self.value, eventID: nil, audience: "relance", now: Self.now)
        #expect(try Self.verifier([signer]).verify(again, value: Self.value, now: Self.now).get().0.subject == "alice")
    }

    @Test("alg none, and any algorithm but the three, are refused")
    func algNone() throws {
        let signer = Self.signer(.eddsa)
        let genuine = signer.token(for: Self.value, eventID: nil, audience: "relance", now: Self.now)
        let parts = genuine.split(separator: ".")
        for alg in ["none", "HS512", "RS256"] {
            let header = Base64URL.encode(#"{"alg":"\#(alg)","kid":"k1","typ":"JWT"}"#.utf8)
            for token in ["\(header).\(parts[1]).", "\(header).\(parts[1]).\(parts[2])"] {
                let refused = failure(try Self.verifier([signer]).verify(token, value: Self.value, now: Self.now))
                #expect(refused?.code == "unauthenticated")
                #expect(refused?.message.contains("algorithm \(alg) is not accepted") == true, "\(alg)")
            }
        }
    }

    @Test("a tampered payload, a forged signature and a key of another type are refused")
    func tampered() throws {
        let signer = Self.signer(.es256)
        let verifier = try Self.verifier([signer])
        let token = signer.token(for: Self.value, eventID: nil, audience: "relance", now: Self.now)
        let parts = token.split(separator: ".").map(String.init)
        // The same claims with a role added, signature kept.
        var claims = try JSONReader.read(try #require(Base64URL.decode(parts[1])))
        if case .object(var members) = claims {
            members = members.map {
                $0.key == "roles" ? ($0.key, .array([.string("approver"), .string("owner")])) : $0
            }
            claims = .object(members)
        }
        let tampered = [parts[0], Base64URL.encode(claims.jsonBytes), parts[2]].joined(separator: ".")
        #expect(
            failure(verifier.verify(tampered, value: Self.value, now: Self.now))?.message.contains("signature") == true)
        // Signed by another key that claims the configured kid.
        let forger = Self.signer(.es256)
        let forged = forger.token(for: Self.value, eventID: nil, audience: "relance", now: Self.now)
        #expect(
            failure(verifier.verify(forged, value: Self.value, now: Self.now))?.message.contains("signature") == true)
        // An HS256 token whose secret is the configured P-256 key's public JWK text: alg confusion.
        let confused = Self.signer(.hs256)
        let mixed = confused.token(for: Self.value, eventID: nil, audience: "relance", now: Self.now)
        #expect(
            failure(verifier.verify(mixed, value: Self.value, now: Self.now))?.message.contains("ES256 key") == true)
        #expect(failure(verifier.verify("not-a-token", value: Self.value, now: Self.now))?.code == "unauthenticated")
    }

    @Test("expired, issued in the future, another audience, another record's bytes, an unknown key id: refused")
    func claims() throws {
        let signer = Self.signer(.eddsa)
        let verifier = try Self.verifier([signer])
        func refusal(_ token: String, value: [UInt8] = Self.value) -> String {
            failure(verifier.verify(token, value: value, now: Self.now))?.message ?? "accepted"
        }
        let expired = signer.token(
            for: Self.value, eventID: nil, audience: "relance", now: Self.now.addingTimeInterval(-600), lifetime: 300)
        #expect(refusal(expired).contains("expired"))
        // Within the minute of clock difference tolerated: still good.
        let justNow = signer.token(
            for: Self.value, eventID: nil, audience: "relance", now: Self.now.addingTimeInterval(-330), lifetime: 300)
        #expect(refusal(justNow) == "accepted")
        let future = signer.token(
            for: Self.value, eventID: nil, audience: "relance", now: Self.now.addingTimeInterval(3600))
        #expect(refusal(future).contains("future"))
        let elsewhere = signer.token(for: Self.value, eventID: nil, audience: "staging", now: Self.now)
        #expect(refusal(elsewhere).contains("not this audience"))
        let token = signer.token(for: Self.value, eventID: nil, audience: "relance", now: Self.now)
        #expect(
            refusal(token, value: Array(#"{"eventId":"c-2","type":"test.approve"}"#.utf8)).contains("another record"))
        let stranger = Self.signer(.eddsa, kid: "k9")
        #expect(
            refusal(stranger.token(for: Self.value, eventID: nil, audience: "relance", now: Self.now))
                .contains("unknown key id k9"))
    }

    @Test("key sets: a private key, a short secret, a duplicate kid or a bad point are refused, without the key bytes")
    func keySets() throws {
        let signer = Self.signer(.eddsa)
        let privateJWKS = JSONValue.object([("keys", .array([signer.keyFile]))]).jsonBytes
        let secret = try #require(signer.keyFile["d"]?.stringValue)
        do {
            _ = try CommandKeySet(jwks: privateJWKS)
            Issue.record("a key set with a private key was accepted")
        } catch {
            #expect(error.description.contains("private part"))
            #expect(!error.description.contains(secret))
        }
        let short = #"{"keys":[{"kty":"oct","kid":"s","k":"c2hvcnQ"}]}"#
        #expect(throws: CommandKeyError.self) { try CommandKeySet(jwks: Array(short.utf8)) }
        let twice = JSONValue.object([("keys", .array([signer.publicJWK, signer.publicJWK]))]).jsonBytes
        #expect(throws: CommandKeyError("two keys have the kid k1")) { try CommandKeySet(jwks: twice) }
        let point = #"{"keys":[{"kty":"EC","crv":"P-256","kid":"e","x":"AAAA","y":"AAAA"}]}"#
        #expect(throws: CommandKeyError.self) { try CommandKeySet(jwks: Array(point.utf8)) }
        #expect(throws: CommandKeyError.self) { try CommandKeySet(jwks: Array(#"{"keys":[]}"#.utf8)) }
    }

    @Test("base64url: no padding, URL alphabet, strict")
    func base64url() {
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        #expect(Base64URL.decode("-_8") == [0xfb, 0xff])
        #expect(Base64URL.decode("-_8=") == nil)
        #expect(Base64URL.decode("+/8") == nil)
        #expect(Base64URL.decode("A") == nil)
    }
}

// MARK: The runtime

/// Approves things: `test.approve` is a command for the `approver` role; `test.note` is a fact.
struct Approver: Worker {
    struct State: Codable, Sendable { var approved = 0 }
    var name = "approver"
    var inputTopics = ["t.commands"]
    var outputTopics = ["t.approved"]
    var eventTypes = [
        EventType(
            "test.approve", summary: "a command",
            data: .object(
                ["what": .string(), "actor": .object(["id": .string(), "role": .string()])], optional: ["actor"])),
        EventType("test.note", summary: "a fact", data: .object(["what": .string()])),
    ]
    var commandRoles: [String: Set<String>] { ["test.approve": ["approver"]] }

    func handle(_ event: Event<EventEnvelope>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        let event = event.envelope
        var current = state ?? State()
        current.approved += 1
        state = current
        let actor = context.actor
        context.emit(
            "test.approved", to: "t.approved",
            data: .object([
                "event": .string(event.eventID), "actor": actor.map { .string($0.id) } ?? .null,
                "key": actor?.keyID.map(JSONValue.string) ?? .null, "verified": .bool(actor?.verified ?? false),
            ]))
    }

    func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {}
}

/// A mock cluster with the approver's topics.
struct CommandCluster {
    let cluster: MockCluster
    let producer: KafkaProducer
    static let partitions: Int32 = 2

    init() async throws {
        cluster = try MockCluster(brokers: 1)
        for topic in ["t.commands", "t.approved", "relance.clock", "relance.approver.changelog"] {
            try await cluster.createTopic(topic, partitions: Self.partitions)
        }
        try await cluster.createTopic("relance.dead-letters", partitions: 1)
        try await cluster.createTopic("relance.replay-outcomes", partitions: 1)
        var configuration = ProducerConfiguration(bootstrapServers: cluster.bootstrapServers)
        configuration.lingerMilliseconds = 1
        producer = try KafkaProducer(configuration: configuration)
    }

    func configuration(keys: [CommandSigner]?, unsigned: UnsignedCommands = .refuse) throws -> RuntimeConfiguration {
        var c = RuntimeConfiguration(bootstrapServers: cluster.bootstrapServers)
        c.instanceID = "a"
        c.abortedRecordsVisible = true
        c.batchMaxMilliseconds = 20
        c.sessionTimeoutMilliseconds = 6000
        c.logLevel = .error
        c.unsignedCommands = unsigned
        if let keys {
            c.commandKeys = try CommandKeySet(
                jwks: JSONValue.object([("keys", .array(keys.map(\.publicJWK)))]).jsonBytes)
        }
        return c
    }

    static func event(_ type: String, id: String, merchant: String = "m-1", actor: String = "") -> [UInt8] {
        Array(
            (#"{"eventId":"\#(id)","type":"\#(type)","schemaVersion":1,"occurredAt":"2026-11-21T10:00:00Z","#
                + #""accountId":"acct-\#(id)","merchantId":"\#(merchant)","data":{"what":"x"\#(actor)}}"#).utf8)
    }

    /// Publishes `value` with these headers, keyed by its account.
    func send(_ value: [UInt8], id: String, headers: [KafkaHeader] = []) async throws {
        try await producer.send(
            ProducerMessage(topic: "t.commands", key: Array("acct-\(id)".utf8), value: value, headers: headers))
    }

    /// A command signed by `signer` (token built by `token`, default: a good one for its bytes).
    func command(
        _ id: String, merchant: String = "m-1", signer: CommandSigner?,
        token: ((CommandSigner, [UInt8]) -> String)? = nil
    ) async throws {
        let value = Self.event("test.approve", id: id, merchant: merchant)
        let headers = signer.map { signer in
            [
                KafkaHeader(
                    CommandHeaders.authorization,
                    token?(signer, value) ?? signer.token(for: value, eventID: id, audience: "relance"))
            ]
        }
        try await send(value, id: id, headers: headers ?? [])
    }

    func tick() async throws {
        for partition in 0..<Self.partitions {
            try await producer.send(
                ProducerMessage(
                    topic: "relance.clock", partition: partition, key: nil, value: ClockTick.record(Harness.start)))
        }
    }

    func read(_ topic: String, count: Int) async throws -> [KafkaMessage] {
        try await readRecords(
            topic, partitions: topic == "t.approved" ? Self.partitions : 1, count: count,
            bootstrap: cluster.bootstrapServers, readCommitted: true)
    }

    /// Dead letters by the id of the event they carry: code and message.
    func deadLetters(count: Int) async throws -> [String: DeadLetter.Reason] {
        var byEvent: [String: DeadLetter.Reason] = [:]
        for record in try await read("relance.dead-letters", count: count) {
            let letter = try DeadLetter.decode(Data(try #require(record.value)))
            let event = try JSONReader.read(letter.value.map { Array($0) } ?? [])
            byEvent[event["eventId"]?.stringValue ?? "?"] = letter.reason
        }
        return byEvent
    }
}

@Suite("The runtime acts on signed commands only", .serialized)
struct SignedCommandRuntimeTests {
    static let approver = CommandSigner(
        generating: .eddsa, keyID: "ops-1", subject: "alice", roles: ["approver"], merchants: ["m-1"])
    static let viewer = CommandSigner(
        generating: .es256, keyID: "ops-2", subject: "bob", roles: ["viewer"], merchants: ["m-1"])
    static let otherMerchant = CommandSigner(
        generating: .hs256, keyID: "ops-3", subject: "carol", roles: ["approver"], merchants: ["m-2"])
    static let everywhere = CommandSigner(
        generating: .eddsa, keyID: "ops-4", subject: "root", roles: ["approver"], merchants: ["*"])

    @Test("valid commands are applied with the actor from the claims; every bad one is a dead letter with why")
    func verdicts() async throws {
        let h = try await CommandCluster()
        try await h.tick()
        let keys = [Self.approver, Self.viewer, Self.otherMerchant, Self.everywhere]
        let backend = PrometheusBackend()
        let worker = RunningWorker(Approver(), try h.configuration(keys: keys), metrics: backend)
        try await h.command("ok", signer: Self.approver)
        try await h.command("ok-star", merchant: "m-7", signer: Self.everywhere)
        // A fact needs no token.
        try await h.send(CommandCluster.event("test.note", id: "note"), id: "note")
        try await h.command("unsigned", signer: nil)
        // Signed by a key that is not the configured ops-1 but says it is.
        let forger = CommandSigner(
            generating: .eddsa, keyID: "ops-1", subject: "mallory", roles: ["approver"], merchants: ["*"])
        try await h.command("forged", signer: forger)
        // alice's genuine token for another command, lifted onto this one.
        let lifted = Self.approver.token(
            for: CommandCluster.event("test.approve", id: "ok"), eventID: "ok", audience: "relance")
        try await h.command("lifted", signer: Self.approver) { _, _ in lifted }
        try await h.command("expired", signer: Self.approver) { signer, value in
            signer.token(for: value, eventID: "expired", audience: "relance", now: Date().addingTimeInterval(-3600))
        }
        try await h.command("audience", signer: Self.approver) { signer, value in
            signer.token(for: value, eventID: "audience", audience: "staging")
        }
        try await h.command("merchant", signer: Self.otherMerchant)
        try await h.command("role", signer: Self.viewer)
        let unknown = CommandSigner(
            generating: .eddsa, keyID: "ops-9", subject: "dave", roles: ["approver"], merchants: ["m-1"])
        try await h.command("unknown-kid", signer: unknown)
        // A replay token over the same bytes (it names a dead letter, no event) is not a command's.
        try await h.command("replay-token", signer: Self.everywhere) { signer, value in
            signer.token(for: value, eventID: nil, audience: "relance", replayOf: "relance.dead-letters/0@3")
        }
        // Nor is a token that names no event.
        try await h.command("no-jti", signer: Self.approver) { signer, value in
            signer.token(for: value, eventID: nil, audience: "relance")
        }

        let approved = try await h.read("t.approved", count: 3)
        let letters = try await h.deadLetters(count: 10)
        try await worker.stop()

        let byEvent = Dictionary(
            uniqueKeysWithValues: approved.map { ($0.data["event"]?.stringValue ?? "?", $0.data) })
        #expect(byEvent.keys.sorted() == ["note", "ok", "ok-star"])
        #expect(byEvent["ok"]?["actor"]?.stringValue == "alice")
        #expect(byEvent["ok"]?["key"]?.stringValue == "ops-1")
        #expect(byEvent["ok"]?["verified"] == .bool(true))
        #expect(byEvent["ok-star"]?["actor"]?.stringValue == "root")
        #expect(byEvent["note"]?["actor"] == .null)

        func expect(_ id: String, _ code: String, _ words: String) {
            #expect(letters[id]?.code == code, "\(id): \(String(describing: letters[id]))")
            #expect(letters[id]?.message.contains(words) == true, "\(id): \(letters[id]?.message ?? "none")")
        }
        expect("unsigned", "unauthenticated", "needs a signed token in the relance-authorization header")
        expect("forged", "unauthenticated", "signature does not verify with key ops-1")
        expect("lifted", "unauthenticated", "signed for another record")
        expect("expired", "unauthenticated", "expired")
        expect("audience", "unauthenticated", "not this audience")
        expect("merchant", "forbidden", "carol does not act for merchant m-1")
        expect("role", "forbidden", "needs one of the roles approver; bob has viewer")
        expect("unknown-kid", "unauthenticated", "unknown key id ops-9")
        expect("replay-token", "unauthenticated", "a dead-letter replay token cannot authorize a command")
        expect("no-jti", "unauthenticated", "signed for event (no jti), not no-jti")
        let metrics = worker.runtime.metrics
        #expect(metrics.commandAuth("verified") == 2)
        #expect(metrics.commandAuth("unauthenticated") == 8)
        #expect(metrics.commandAuth("forbidden") == 2)
        #expect(metrics.deadLetters("unauthenticated") == 8)
        #expect(
            backend.registry.emitToString().contains(
                #"relance_command_auth_total{worker="approver",result="forbidden"} 2"#))
    }

    @Test("a rotated key: old and new both accepted while both are listed; the old refused once removed")
    func rotation() async throws {
        let h = try await CommandCluster()
        try await h.tick()
        let old = Self.approver
        let new = CommandSigner(
            generating: .es256, keyID: "ops-1-2027", subject: "alice", roles: ["approver"], merchants: ["m-1"])
        let both = RunningWorker(Approver(), try h.configuration(keys: [old, new]))
        try await h.command("by-old", signer: old)
        try await h.command("by-new", signer: new)
        _ = try await h.read("t.approved", count: 2)
        try await both.stop()
        // The old key is removed from the set, the worker restarted.
        let newOnly = RunningWorker(Approver(), try h.configuration(keys: [new]))
        try await h.command("by-old-again", signer: old)
        try await h.command("by-new-again", signer: new)
        let approved = try await h.read("t.approved", count: 3)
        let letters = try await h.deadLetters(count: 1)
        try await newOnly.stop()
        #expect(approved.compactMap { $0.data["event"]?.stringValue }.sorted() == ["by-new", "by-new-again", "by-old"])
        #expect(letters["by-old-again"]?.code == "unauthenticated")
        #expect(letters["by-old-again"]?.message.contains("unknown key id ops-1") == true)
    }

    @Test("no key configured: the worker does not start, and says to set RELANCE_COMMAND_KEYS")
    func noKeys() async throws {
        let h = try await CommandCluster()
        let worker = RunningWorker(Approver(), try h.configuration(keys: nil))
        do {
            try await worker.task.value
            Issue.record("the worker started without keys")
        } catch {
            #expect("\(error)".contains("RELANCE_COMMAND_KEYS"))
            #expect("\(error)".contains("approver reads commands (test.approve)"))
        }
        // The executable's main: exit code 2, before touching Kafka.
        let code = await WorkerMain.run(
            Approver(), environment: ["RELANCE_KAFKA_BOOTSTRAP": h.cluster.bootstrapServers, "RELANCE_HTTP_PORT": "0"])
        #expect(code == 2)
        // A worker that reads no command starts without keys.
        #expect(try h.configuration(keys: nil).commandProblem(LedgerWorker()) == nil)
        // A key set that cannot be read is a configuration error naming the variable.
        #expect(throws: RuntimeConfiguration.Invalid.self) {
            try RuntimeConfiguration.fromEnvironment(["RELANCE_COMMAND_KEYS": "/nonexistent/keys.json"])
        }
        #expect(throws: RuntimeConfiguration.Invalid.self) {
            try RuntimeConfiguration.fromEnvironment(["RELANCE_UNSIGNED_COMMANDS": "allow"])
        }
    }

    @Test("warn mode: an unsigned command is accepted, actor from the event, counted; a forged one still refused")
    func warnMode() async throws {
        let h = try await CommandCluster()
        try await h.tick()
        let worker = RunningWorker(Approver(), try h.configuration(keys: [Self.approver], unsigned: .warn))
        let legacy = #","actor":{"id":"old-client","role":"approver"}"#
        try await h.send(CommandCluster.event("test.approve", id: "legacy", actor: legacy), id: "legacy")
        try await h.send(
            CommandCluster.event("test.approve", id: "legacy-viewer", actor: #","actor":{"id":"v","role":"viewer"}"#),
            id: "legacy-viewer")
        let forger = CommandSigner(
            generating: .eddsa, keyID: "ops-1", subject: "mallory", roles: ["approver"], merchants: ["*"])
        try await h.command("forged", signer: forger)
        let approved = try await h.read("t.approved", count: 1)
        let letters = try await h.deadLetters(count: 2)
        try await worker.stop()
        #expect(approved.count == 1)
        #expect(approved.first?.data["actor"]?.stringValue == "old-client")
        #expect(approved.first?.data["verified"] == .bool(false))
        #expect(letters["legacy-viewer"]?.code == "forbidden")
        #expect(letters["forged"]?.code == "unauthenticated")
        #expect(worker.runtime.metrics.commandAuth("unsigned_accepted") == 1)
    }
}
