import Foundation
import GatewaySandboxService
import PaymentRetryService
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import RelanceTestSupport
import Testing

/// payment-retry's scenarios on the test kit (`Scenario`), or through the real runtime on the
/// mock cluster (`ClusterScenario`), on simulated time.
typealias Scenario = ScenarioOn<KitHarness<PaymentRetryWorker>>
typealias ClusterScenario = ScenarioOn<WorkerHarness<PaymentRetryWorker>>

/// payment-retry (and the gateway sandbox, when asked) on a harness.
struct ScenarioOn<H: ScenarioHarness> {
    var harness: H
    let stopSandbox: (() async throws -> Void)?
    static var day0: Date { Date(timeIntervalSince1970: 1_790_812_800) }  // 2026-10-01T00:00:00Z

    func stop() async throws {
        try await stopSandbox?()
        try await harness.stop()
    }

    func tick(day: Double) async throws {
        try await harness.tick(Self.day0.addingTimeInterval(day * 86_400))
    }

    /// Publishes an event; a command signed by `signer` (a token over its bytes), when given.
    func publish(
        _ type: String, account: String = "acct-1", topic: String = PaymentEvents.paymentsTopic, id: String,
        data: String, day: Double = 0, signer: CommandSigner? = nil
    )
        async throws
    {
        // occurredAt: `day` days after day 0 (what payment-retry schedules from).
        let occurredAt = Timestamp.format(Self.day0.addingTimeInterval(day * 86_400))
        let json =
            #"{"eventId":"\#(id)","type":"\#(type)","schemaVersion":1,"occurredAt":"\#(occurredAt)","#
            + #""accountId":"\#(account)","merchantId":"m-1","data":\#(data)}"#
        try await harness.publishCommand(raw: Array(json.utf8), to: topic, key: account, id: id, signedBy: signer)
    }

    func failed(
        _ paymentID: String, id: String, code: String = "insufficient_funds", scheme: String = "stripe",
        type: String = "installment", method: String = "card", invoiceDate: String = "2026-09-30",
        charge: String? = nil,
        day: Double = 0
    )
        async throws
    {
        let chargeField = charge.map { #","chargeRequestId":"\#($0)""# } ?? ""
        try await publish(
            "payment.failed", id: id,
            data: #"{"paymentId":"\#(paymentID)","invoiceId":"inv-\#(paymentID)","invoiceDate":"\#(invoiceDate)","#
                + #""transactionType":"\#(type)","paymentMethod":"\#(method)","amount":4900,"currency":"EUR","#
                + #""declineCode":"\#(code)","declineScheme":"\#(scheme)","customerName":"Camille Martin"\#(chargeField)}"#,
            day: day)
    }

    /// A payment command signed by the test key of `role` (`signer` instead, when given; nil
    /// `role` and `signer`: unsigned).
    func command(
        _ command: String, payment: String, role: String?, id: String, signer: CommandSigner? = nil,
        extra: String = ""
    ) async throws {
        try await publish(
            "payment.command", topic: PaymentEvents.commandsTopic, id: id,
            data: #"{"command":"\#(command)","paymentId":"\#(payment)"\#(extra)}"#,
            signer: signer ?? role.map(TestSigners.role))
    }

    /// Reads until `topic` has `count` records in all (since the start), returns their data.
    mutating func records(_ topic: String, count: Int, within limit: Duration = .seconds(30)) async throws
        -> [JSONValue]
    {
        try await harness.records(topic, count: count, within: limit)
    }

    /// Everything on `topic` so far, after a short read: for "nothing more came" checks.
    mutating func settle(_ topic: String) async throws -> [JSONValue] {
        try await harness.settle(topic)
    }
}

extension ScenarioOn where H == KitHarness<PaymentRetryWorker> {
    init(policies: RetryPolicies = RetryPolicies(), withSandbox: Bool = false) async throws {
        harness = try await KitHarness(PaymentRetryWorker(policies: policies))
        if withSandbox {
            let sandbox = try await harness.start(GatewaySandbox())
            stopSandbox = { try await sandbox.stop() }
        } else {
            stopSandbox = nil
        }
    }
}

extension ScenarioOn where H == WorkerHarness<PaymentRetryWorker> {
    static var partitions: Int32 { 4 }

    init(policies: RetryPolicies = RetryPolicies()) async throws {
        // relance.payments, an input, is read too: payment-retry writes there (payment.pending).
        harness = try await WorkerHarness(PaymentRetryWorker(policies: policies), partitions: Self.partitions)
        stopSandbox = nil
    }
}

/// payment-retry's integration test: through the real runtime on the mock cluster, which counts
/// the tokens it verified.
@Suite("payment-retry on the mock cluster", .serialized)
struct PaymentRetryClusterTests {
    @Test("signed payment commands: applied by a role that may; wrong role, merchant or no token: dead letters")
    func signedCommands() async throws {
        var s = try await ClusterScenario()
        try await s.tick(day: 0)
        try await s.failed("p1", id: "f1", type: "subscription")
        _ = try await s.records(PaymentEvents.actionCentreTopic, count: 1)
        // billing may retry now: a charge by the operator.
        try await s.command("retry_now", payment: "p1", role: "billing", id: "c1")
        let charges = try await s.records(PaymentEvents.chargeRequestsTopic, count: 1)
        #expect(charges[0]["cause"]?.stringValue == "operator")
        // support may not dismiss; an owner of another merchant may not hand over; unsigned is nobody.
        try await s.command("dismiss", payment: "p1", role: "support", id: "c2")
        try await s.command(
            "hand_over_to_collections", payment: "p1", role: nil, id: "c3", signer: TestSigners.otherMerchantOwner)
        try await s.command("renew_payment_plan", payment: "p1", role: nil, id: "c4")
        // admin changes the method; a refund's method cannot change: refused by the rule, not the token.
        try await s.command(
            "change_payment_method", payment: "p1", role: "admin", id: "c5", extra: #","paymentMethod":"sepa_debit""#)
        try await s.failed("r1", id: "f2", type: "refund")
        try await s.command(
            "change_payment_method", payment: "r1", role: "owner", id: "c6", extra: #","paymentMethod":"card""#)
        let refused = try await s.records(PaymentEvents.commandResultsTopic, count: 1)
        #expect(refused[0]["reason"]?.stringValue?.contains("refund") == true)
        #expect(refused[0]["actor"]?.stringValue == "u-owner")
        let letters = try await s.records("relance.dead-letters", count: 3)
        #expect(
            letters.map { $0["reason"]?["code"]?.stringValue } == ["forbidden", "forbidden", "unauthenticated"])
        #expect(letters[0]["reason"]?["message"]?.stringValue?.contains("u-support has support") == true)
        #expect(letters[1]["reason"]?["message"]?.stringValue?.contains("does not act for merchant m-1") == true)
        let items = try await s.settle(PaymentEvents.actionCentreTopic)
        #expect(
            items.contains {
                $0["paymentId"]?.stringValue == "p1" && $0["paymentMethod"]?.stringValue == "sepa_debit"
            })
        #expect(s.harness.runtime.metrics.commandAuth("verified") == 3)
        try await s.stop()
    }
}

@Suite("payment-retry scenarios on simulated time")
struct PaymentRetryScenarioTests {
    @Test("003: retried on day 7 and 14, vendor told after the third failure, renewed once, refused after hand-over")
    func installmentStory() async throws {
        var s = try await Scenario()
        try await s.tick(day: 0)
        try await s.failed("p1", id: "f1")
        let notices = try await s.records(PaymentEvents.notificationsTopic, count: 1)
        #expect(
            notices[0]["kind"]?.stringValue == "payment_failed" && notices[0]["audience"]?.stringValue == "customer")
        let item = try await s.records(PaymentEvents.actionCentreTopic, count: 1)[0]
        #expect(
            item["state"]?.stringValue == "open" && item["nextAttemptAt"]?.stringValue == "2026-10-08T00:00:00.000Z")

        // Day 6: nothing. Day 7: the second attempt.
        try await s.tick(day: 6)
        #expect(try await s.settle(PaymentEvents.chargeRequestsTopic).isEmpty)
        try await s.tick(day: 7)
        var charges = try await s.records(PaymentEvents.chargeRequestsTopic, count: 1)
        #expect(charges[0]["attempt"]?.integerValue == 2 && charges[0]["cause"]?.stringValue == "schedule")
        try await s.failed("p1", id: "f2", charge: charges[0]["chargeRequestId"]!.stringValue!, day: 7)
        // Events and ticks travel on different topics: wait for the failure's effect (pending at
        // day 7, then open again with the next attempt on day 14) before moving the clock.
        let items = try await s.records(PaymentEvents.actionCentreTopic, count: 3)
        #expect(items.map { $0["state"]?.stringValue } == ["open", "pending", "open"])
        #expect(items[2]["nextAttemptAt"]?.stringValue == "2026-10-15T00:00:00.000Z")

        try await s.tick(day: 14)
        charges = try await s.records(PaymentEvents.chargeRequestsTopic, count: 2)
        #expect(charges[1]["attempt"]?.integerValue == 3)
        try await s.failed("p1", id: "f3", charge: charges[1]["chargeRequestId"]!.stringValue!, day: 14)
        let vendor = try await s.records(PaymentEvents.notificationsTopic, count: 4)
        #expect(
            vendor.map { $0["kind"]?.stringValue } == [
                "payment_failed", "payment_failed", "payment_failed", "retries_exhausted",
            ])
        #expect(vendor[3]["audience"]?.stringValue == "vendor")

        // Nothing more is automatic.
        try await s.tick(day: 30)
        #expect(try await s.settle(PaymentEvents.chargeRequestsTopic).count == 2)

        // The vendor renews once: a fourth and final attempt.
        try await s.command("renew_payment_plan", payment: "p1", role: "owner", id: "c1")
        charges = try await s.records(PaymentEvents.chargeRequestsTopic, count: 3)
        #expect(charges[2]["attempt"]?.integerValue == 4 && charges[2]["cause"]?.stringValue == "renewal")
        try await s.failed("p1", id: "f4", charge: charges[2]["chargeRequestId"]!.stringValue!, day: 30)

        // Handed over to collections, the plan can no longer be renewed.
        try await s.command("hand_over_to_collections", payment: "p1", role: "admin", id: "c2")
        let handed = try await s.records(PaymentEvents.collectionsTopic, count: 1)
        #expect(handed[0]["paymentId"]?.stringValue == "p1")
        try await s.command("renew_payment_plan", payment: "p1", role: "owner", id: "c3")
        let refused = try await s.records(PaymentEvents.commandResultsTopic, count: 1)
        #expect(refused[0]["command"]?.stringValue == "renew_payment_plan")
        #expect(refused[0]["reason"]?.stringValue?.contains("collections") == true)
        #expect(refused[0]["paymentId"]?.stringValue == "p1" && refused[0]["actor"]?.stringValue == "u-owner")
        try await s.stop()
    }

    @Test("000: expired card, no retry; the new card charges every open invoice, oldest first, in one tick")
    func expiredCardStory() async throws {
        var s = try await Scenario()
        try await s.tick(day: 0)
        try await s.failed("new", id: "f1", code: "expired_card", type: "payment", invoiceDate: "2026-09-20")
        try await s.failed(
            "old", id: "f2", code: "54", scheme: "iso8583", type: "subscription", invoiceDate: "2026-08-20")
        _ = try await s.records(PaymentEvents.actionCentreTopic, count: 2)
        try await s.tick(day: 30)
        #expect(try await s.settle(PaymentEvents.chargeRequestsTopic).isEmpty)
        try await s.publish(
            "card.replaced", id: "card-1", data: #"{"brand":"visa","last4":"4242","expMonth":5,"expYear":2030}"#)
        let charges = try await s.records(PaymentEvents.chargeRequestsTopic, count: 2)
        #expect(charges.map { $0["paymentId"]?.stringValue } == ["old", "new"])
        #expect(charges.allSatisfy { $0["cause"]?.stringValue == "card_replaced" })
        // Each charge in flight on relance.payments (reminder-mailer pauses those invoices' ladder).
        let payments = try await s.records(PaymentEvents.paymentsTopic, count: 5)
        let pending = payments.suffix(2)
        #expect(pending.map { $0["invoiceId"]?.stringValue } == ["inv-old", "inv-new"])
        #expect(pending.map { $0["chargeRequestId"] } == charges.map { $0["chargeRequestId"] })
        try await s.stop()
    }

    @Test("failures read late are retried from when they failed (occurredAt), never in the past")
    func retriesCountFromTheFailure() async throws {
        var s = try await Scenario()
        // Both failures occurred on day 0 (the events' occurredAt); the worker reads the first on
        // day 3 and the second on day 9, after the clock has moved a week.
        try await s.tick(day: 3)
        try await s.failed("p-late", id: "f1")
        var items = try await s.records(PaymentEvents.actionCentreTopic, count: 1)
        #expect(items[0]["nextAttemptAt"]?.stringValue == "2026-10-08T00:00:00.000Z", "day 0 + 7, not day 3 + 7")
        try await s.tick(day: 9)
        // Day 7 has passed: p-late's retry fires at the tick of day 9.
        let charges = try await s.records(PaymentEvents.chargeRequestsTopic, count: 1)
        #expect(charges[0]["paymentId"]?.stringValue == "p-late")
        try await s.failed("p-later", id: "f2")
        items = try await s.records(PaymentEvents.actionCentreTopic, count: 3)
        let later = try #require(items.last { $0["paymentId"]?.stringValue == "p-later" })
        #expect(later["nextAttemptAt"]?.stringValue == "2026-10-10T00:00:00.000Z", "day 7 is past: now, not day 16")
        try await s.tick(day: 9.5)
        let both = try await s.records(PaymentEvents.chargeRequestsTopic, count: 2)
        #expect(both[1]["paymentId"]?.stringValue == "p-later" && both[1]["attempt"]?.integerValue == 2)
        try await s.stop()
    }

    @Test("SEPA AM04 is retried, MD01 is not; a failed refund is an item and never retried")
    func sepaAndRefund() async throws {
        var s = try await Scenario()
        try await s.tick(day: 0)
        try await s.failed("s-am04", id: "f1", code: "AM04", scheme: "sepa", type: "payment", method: "sepa_debit")
        try await s.failed("s-md01", id: "f2", code: "MD01", scheme: "sepa", type: "payment", method: "sepa_debit")
        try await s.failed("r1", id: "f3", code: "insufficient_funds", type: "refund")
        let items = try await s.records(PaymentEvents.actionCentreTopic, count: 3)
        #expect(items.first { $0["paymentId"]?.stringValue == "r1" }?["transactionType"]?.stringValue == "refund")
        try await s.tick(day: 10)
        let charges = try await s.records(PaymentEvents.chargeRequestsTopic, count: 1)
        #expect(charges.map { $0["paymentId"]?.stringValue } == ["s-am04"])
        #expect(try await s.settle(PaymentEvents.chargeRequestsTopic).count == 1)
        // The refund asked for no customer email.
        #expect(
            try await s.settle(PaymentEvents.notificationsTopic).allSatisfy { $0["paymentId"]?.stringValue != "r1" })
        try await s.stop()
    }
}

@Suite("payment-retry with the gateway sandbox")
struct SandboxLoopTests {
    @Test("retries go to the sandbox and its answers come back: declined on day 7, paid on day 14, resolved")
    func loop() async throws {
        var s = try await Scenario(withSandbox: true)
        try await s.tick(day: 0)
        try await s.failed("p-after-3", id: "f1")
        _ = try await s.records(PaymentEvents.actionCentreTopic, count: 1)
        try await s.tick(day: 7)
        // Day 7: attempt 2, declined by the sandbox; the item is open again for day 14.
        var items = try await s.records(PaymentEvents.actionCentreTopic, count: 3)
        #expect(items[2]["state"]?.stringValue == "open" && items[2]["attempts"]?.integerValue == 2)
        #expect(items[2]["nextAttemptAt"]?.stringValue == "2026-10-15T00:00:00.000Z")
        try await s.tick(day: 14)
        items = try await s.records(PaymentEvents.actionCentreTopic, count: 5)
        #expect(
            items[4]["state"]?.stringValue == "resolved" && items[4]["closedBecause"]?.stringValue == "retry succeeded")
        // Each charge is said to be in flight (payment.pending, written with the request) before
        // the sandbox's answer comes on the same topic.
        let payments = try await s.records(PaymentEvents.paymentsTopic, count: 5)
        func kind(_ data: JSONValue) -> String {
            data["declineCode"] != nil ? "failed" : data["paymentMethod"] != nil ? "pending" : "succeeded"
        }
        #expect(payments.map(kind) == ["failed", "pending", "failed", "pending", "succeeded"])
        #expect(payments.map { $0["chargeRequestId"] == nil } == [true, false, false, false, false])
        #expect(payments[1]["chargeRequestId"] == payments[2]["chargeRequestId"])
        try await s.stop()
    }

    @Test("the sandbox charges an idempotency key once: a repeated request gets the first answer again")
    func idempotency() async throws {
        let s = try await Scenario(withSandbox: true)
        try await s.tick(day: 0)
        let request =
            #"{"chargeRequestId":"chg-1","paymentId":"p-after-2","invoiceId":"inv-1","amount":100,"currency":"EUR","#
            + #""paymentMethod":"card","attempt":1,"cause":"operator"}"#
        try await s.publish("charge.requested", topic: PaymentEvents.chargeRequestsTopic, id: "r1", data: request)
        // Same key, now with attempt 2 (which the rules would pay): the first answer stands.
        try await s.publish(
            "charge.requested", topic: PaymentEvents.chargeRequestsTopic, id: "r2",
            data: request.replacingOccurrences(of: #""attempt":1"#, with: #""attempt":2"#))
        var reader = s
        let answers = try await reader.records(PaymentEvents.paymentsTopic, count: 2)
        #expect(answers.map { $0["declineCode"]?.stringValue } == ["insufficient_funds", "insufficient_funds"])
        #expect(SandboxRules.outcome("p-after-2", attempt: 2) == nil)
        try await s.stop()
    }
}

enum SandboxRules {
    static func outcome(_ paymentID: String, attempt: Int) -> String? {
        GatewaySandbox.outcomeForTests(paymentID: paymentID, attempt: attempt)
    }
}

@Suite("Plan price updates on simulated time")
struct PriceUpdateScenarioTests {
    static func request(_ plan: String) -> String {
        #"{"planId":"\#(plan)","currency":"EUR","currentAmount":3000,"newAmount":4000,"currentInstallments":10,"#
            + #""newInstallments":10,"currentInterval":"monthly","newInterval":"monthly","nextBillingDate":"2026-11-01"}"#
    }
    static let owner = TestSigners.role("owner")
    /// The billing platform signs the customer's confirmation.
    static let platform = TestSigners.role("billing-platform")

    @Test(
        "confirmed within 10 days it applies from the next billing date; unconfirmed it lapses on day 10; support may not ask"
    )
    func priceUpdates() async throws {
        var s = try await Scenario()
        try await s.tick(day: 0)
        try await s.publish(
            "plan.price-update-requested", topic: PaymentEvents.commandsTopic, id: "u1", data: Self.request("plan-a"),
            signer: Self.owner)
        try await s.publish(
            "plan.price-update-requested", topic: PaymentEvents.commandsTopic, id: "u2", data: Self.request("plan-b"),
            signer: Self.owner)
        var updates = try await s.records(PaymentEvents.planUpdatesTopic, count: 2)
        #expect(updates.map { $0["status"]?.stringValue } == ["pending", "pending"])
        #expect(updates[0]["expiresAt"]?.stringValue == "2026-10-11T00:00:00.000Z")
        try await s.tick(day: 9)
        try await s.publish(
            "plan.price-update-confirmed", topic: PaymentEvents.commandsTopic, id: "c1", data: #"{"planId":"plan-a"}"#,
            signer: Self.platform)
        updates = try await s.records(PaymentEvents.planUpdatesTopic, count: 3)
        #expect(
            updates[2]["status"]?.stringValue == "applied" && updates[2]["effectiveFrom"]?.stringValue == "2026-11-01")
        // Day 10: plan-b was never confirmed.
        try await s.tick(day: 10)
        updates = try await s.records(PaymentEvents.planUpdatesTopic, count: 4)
        #expect(updates[3]["planId"]?.stringValue == "plan-b" && updates[3]["status"]?.stringValue == "lapsed")
        #expect(try await s.settle(PaymentEvents.planUpdatesTopic).count == 4)
        // A confirmation after the lapse is refused by the rules; a request signed by a support
        // agent, and a confirmation signed by the vendor rather than the platform, never reach them.
        try await s.publish(
            "plan.price-update-confirmed", topic: PaymentEvents.commandsTopic, id: "c2", data: #"{"planId":"plan-b"}"#,
            signer: Self.platform)
        try await s.publish(
            "plan.price-update-requested", topic: PaymentEvents.commandsTopic, id: "u3", data: Self.request("plan-c"),
            signer: TestSigners.role("support"))
        try await s.publish(
            "plan.price-update-confirmed", topic: PaymentEvents.commandsTopic, id: "c3", data: #"{"planId":"plan-a"}"#,
            signer: Self.owner)
        let refused = try await s.records(PaymentEvents.commandResultsTopic, count: 1)
        #expect(refused[0]["planId"]?.stringValue == "plan-b")
        #expect(refused[0]["reason"]?.stringValue?.contains("awaits confirmation") == true)
        #expect(refused[0]["actor"]?.stringValue == "u-billing-platform")
        let letters = try await s.records("relance.dead-letters", count: 2)
        #expect(letters.map { $0["reason"]?["code"]?.stringValue } == ["forbidden", "forbidden"])
        #expect(letters[0]["reason"]?["message"]?.stringValue?.contains("u-support has support") == true)
        #expect(letters[1]["reason"]?["message"]?.stringValue?.contains("billing-platform") == true)
        try await s.stop()
    }
}
