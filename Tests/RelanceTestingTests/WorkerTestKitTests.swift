import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime
import RelanceTesting
import Testing

@Suite("WorkerTestKit: the runtime's semantics without Kafka")
struct WorkerTestKitTests {
    let owner = TestActor(id: "u-owner", roles: ["owner"], merchants: ["m-1"])

    @Test("a duplicate is applied once")
    func duplicateAppliedOnce() throws {
        let kit = WorkerTestKit(TabWorker(), startingAt: start)
        #expect(try kit.publish(deposit("e1", amount: 100), to: "t.tab") == .applied(eventID: "e1"))
        #expect(try kit.publish(deposit("e1", amount: 100), to: "t.tab") == .duplicate(eventID: "e1"))
        #expect(try kit.state(of: "acct-1")?.total == 100)
        #expect(kit.events(on: "t.tab-out").map(\.type) == ["test.balance"])
        #expect(kit.deadLetters.isEmpty)
    }

    @Test("a rejection discards the call's state change, outputs and timers, and dead-letters with its code")
    func rejectionDiscards() throws {
        let kit = WorkerTestKit(TabWorker(), startingAt: start)
        let refused = deposit("e1", amount: 100, refuse: true)
        let outcome = try kit.publish(refused, to: "t.tab")
        guard case .deadLettered(let id, let code, _) = outcome else {
            Issue.record("expected a dead letter, got \(outcome)")
            return
        }
        #expect(id == "e1")
        #expect(code == "refused_by_worker")
        #expect(try kit.state(of: "acct-1") == nil)
        #expect(kit.timers(of: "acct-1").isEmpty)
        #expect(kit.records(on: "t.tab-out").isEmpty)
        #expect(kit.deadLetters.map(\.reason.code) == ["refused_by_worker"])
        #expect(kit.deadLetters.first?.value == Data(refused.jsonBytes))
        // Refused, not seen: the same id is handled when it comes right.
        #expect(try kit.publish(deposit("e1", amount: 100), to: "t.tab") == .applied(eventID: "e1"))
        #expect(try kit.state(of: "acct-1")?.total == 100)
    }

    @Test("timers fire in due order when the clock moves, and not before")
    func timersInDueOrder() throws {
        let kit = WorkerTestKit(TabWorker(), startingAt: start)
        try kit.publish(deposit("a1", account: "acct-a", amount: 1), to: "t.tab")
        try kit.advance(by: .seconds(3600))
        try kit.publish(deposit("b1", account: "acct-b", amount: 1), to: "t.tab")
        try kit.advance(to: start.addingTimeInterval(1800))  // earlier than the clock: nothing
        #expect(kit.now == start.addingTimeInterval(3600))
        try kit.advance(by: .seconds(600))
        try kit.publish(deposit("c1", account: "acct-c", amount: 1), to: "t.tab")
        // Published last, due first: a day after.
        try kit.publish(
            event("p1", "test.payment", account: "acct-d", data: .object(["invoiceId": .string("i")])), to: "t.tab")
        #expect(kit.timers(of: "acct-b").map(\.dueAt) == [Timestamp.milliseconds(start) + (7 * 86_400 + 3600) * 1000])

        // The earliest, acct-d's give-up, is due at a day, an hour and ten minutes.
        try kit.advance(to: start.addingTimeInterval(TabWorker.day + 4200 - 1))
        #expect(kit.events(on: "t.tab-out").filter { $0.type == "test.timer" }.isEmpty)
        #expect(kit.timers(of: "acct-a").count == 1 && kit.timers(of: "acct-d").count == 1)

        try kit.advance(to: start.addingTimeInterval(8 * TabWorker.day))
        let fired = kit.events(on: "t.tab-out").filter { $0.type == "test.timer" }
        #expect(fired.map(\.accountID) == ["acct-d", "acct-a", "acct-b", "acct-c"])
        #expect(
            fired.map { $0.data["timer"] } == [.string("give-up")] + Array(repeating: .string("reminder"), count: 3))
        // Each fires at the tick's time, once.
        #expect(fired.allSatisfy { $0.occurredAt == start.addingTimeInterval(8 * TabWorker.day) })
        #expect(kit.timers(of: "acct-a").isEmpty && kit.timers(of: "acct-b").isEmpty)
        try kit.advance(by: .seconds(86_400 * 30))
        #expect(kit.events(on: "t.tab-out").filter { $0.type == "test.timer" }.count == 4)
    }

    @Test("a held input given up goes to the dead letters with its original bytes and source")
    func heldInputDeadLettered() throws {
        let kit = WorkerTestKit(TabWorker(), startingAt: start)
        try kit.publish(deposit("d1", amount: 5), to: "t.tab")
        let payment = event("p1", "test.payment", data: .object(["invoiceId": .string("inv-9")]))
        #expect(try kit.publish(payment, to: "t.tab", headers: [("trace", Array("x".utf8))]) == .applied(eventID: "p1"))
        #expect(try kit.state(of: "acct-1")?.held.count == 1)
        try kit.advance(by: .seconds(86_399))
        #expect(kit.deadLetters.isEmpty)
        try kit.advance(by: .seconds(1))
        #expect(kit.deadLetters.count == 1)
        let letter = try #require(kit.deadLetters.first)
        #expect(letter.reason == DeadLetter.Reason(code: "unknown_invoice", message: "no invoice came within a day"))
        #expect(letter.value == Data(payment.jsonBytes))
        #expect(letter.key == Data("acct-1".utf8))
        #expect(letter.headers == [DeadLetter.Header(key: "trace", value: Data("x".utf8))])
        #expect(letter.source == DeadLetter.Source(topic: "t.tab", partition: 0, offset: 1))
        #expect(letter.worker == "tab")
        #expect(try kit.state(of: "acct-1")?.held.isEmpty == true)

        // Replayed once the invoice is there: handled as new input, once.
        try kit.publish(event("i1", "test.invoice", data: .object(["invoiceId": .string("inv-9")])), to: "t.tab")
        #expect(try kit.replay(deadLetterAt: 0) == .applied(eventID: "p1"))
        #expect(kit.events(on: "t.tab-out").filter { $0.type == "test.paid" }.count == 1)
        #expect(try kit.replay(deadLetterAt: 0) == .duplicate(eventID: "p1"))
        #expect(kit.events(on: "t.tab-out").filter { $0.type == "test.paid" }.count == 1)
    }

    @Test("a command needs a token from an actor of its merchant with one of its roles")
    func commandRoles() throws {
        let kit = WorkerTestKit(TabWorker(), startingAt: start)
        let close = event("c1", "test.close", data: .object(["note": .string("done")]))
        let support = TestActor(id: "u-support", roles: ["support"], merchants: ["m-1"])
        let outcome = try kit.publish(command: close, to: "t.tab", as: support)
        guard case .deadLettered(_, let code, let reason) = outcome else {
            Issue.record("expected a refusal, got \(outcome)")
            return
        }
        #expect(code == "forbidden")
        #expect(reason.contains("owner"))
        let otherMerchant = TestActor(id: "u-m2", roles: ["owner"], merchants: ["m-2"])
        #expect(codeOf(try kit.publish(command: close, to: "t.tab", as: otherMerchant)) == "forbidden")
        // Unsigned: refused as unauthenticated, as on Kafka.
        #expect(codeOf(try kit.publish(close, to: "t.tab")) == "unauthenticated")
        #expect(try kit.state(of: "acct-1") == nil)

        #expect(try kit.publish(command: close, to: "t.tab", as: owner) == .applied(eventID: "c1"))
        #expect(try kit.state(of: "acct-1")?.closedBy == "u-owner")
        #expect(kit.events(on: "t.tab-out").map { $0.data["by"] } == [.string("u-owner")])
    }

    @Test("a command naming another merchant than the account's is refused, whatever the actor may do for it")
    func commandForAnotherMerchantsAccount() throws {
        let kit = WorkerTestKit(TabWorker(), startingAt: start)
        try kit.publish(deposit("e1", amount: 100), to: "t.tab")  // acct-1 is m-1's
        let close = event("c1", "test.close", merchant: "m-2", data: .object(["note": .string("done")]))
        let ownerOfM2 = TestActor(id: "u-m2", roles: ["owner"], merchants: ["m-2"])
        #expect(codeOf(try kit.publish(command: close, to: "t.tab", as: ownerOfM2)) == "forbidden")
        #expect(try kit.state(of: "acct-1")?.closedBy == nil)
        // The same command for m-2's own account is applied.
        let ownAccount = event(
            "c2", "test.close", account: "acct-2", merchant: "m-2", data: .object(["note": .string("done")]))
        #expect(try kit.publish(command: ownAccount, to: "t.tab", as: ownerOfM2) == .applied(eventID: "c2"))
        // And m-1's owner may still close acct-1.
        let ownClose = event("c3", "test.close", data: .object(["note": .string("done")]))
        #expect(try kit.publish(command: ownClose, to: "t.tab", as: owner) == .applied(eventID: "c3"))
        #expect(try kit.state(of: "acct-1")?.closedBy == "u-owner")
    }

    @Test("invalid records are dead-lettered with the runtime's codes and their bytes")
    func invalidRecords() throws {
        let kit = WorkerTestKit(TabWorker(), startingAt: start)
        let good = deposit("e1", amount: 100)
        // A schema violation: refuse must be a boolean.
        let wrong = Array(
            String(decoding: good.jsonBytes, as: UTF8.self).replacingOccurrences(
                of: #""amount":100"#, with: #""amount":100,"refuse":"yes""#
            ).utf8)
        #expect(codeOf(try kit.publish(key: Array("acct-1".utf8), value: wrong, to: "t.tab")) == "schema_violation")
        #expect(
            codeOf(try kit.publish(key: Array("4111 1111 1111 1111".utf8), value: good.jsonBytes, to: "t.tab"))
                == "card_number")
        #expect(
            codeOf(try kit.publish(key: Array("acct-2".utf8), value: good.jsonBytes, to: "t.tab")) == "key_not_account")
        #expect(codeOf(try kit.publish(key: Array("acct-1".utf8), value: nil, to: "t.tab")) == "empty_record")
        #expect(
            codeOf(try kit.publish(event("x1", "test.unknown", data: .object([("a", .string("b"))])), to: "t.tab"))
                == "unknown_type")
        #expect(
            kit.deadLetters.map(\.reason.code) == [
                "schema_violation", "card_number", "key_not_account", "empty_record", "unknown_type",
            ])
        #expect(kit.deadLetters[0].value == Data(wrong))
        // The card number is masked in the dead letter, as the runtime keeps it.
        #expect(kit.deadLetters[1].redacted)
        #expect(kit.deadLetters[1].key != Data("4111 1111 1111 1111".utf8))
        #expect(kit.deadLetters.map(\.source.offset) == [0, 1, 2, 3, 4])
        #expect(try kit.state(of: "acct-1") == nil)
        #expect(kit.records(on: "t.tab-out").isEmpty)
    }

    func codeOf(_ outcome: WorkerTestKit<TabWorker>.Outcome) -> String? {
        if case .deadLettered(_, let code, _) = outcome { return code }
        return nil
    }
}
