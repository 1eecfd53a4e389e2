import ConsoleService
import Foundation
import GatewaySandboxService
import Logging
import PaymentRetryService
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import RelanceTestSupport
import Testing

/// Users of the plans, recovery and dead-letter pages.
enum PlansUsers {
    static let directory: UserDirectory = {
        let hash = TestUsers.hash
        let users = [
            ConsoleUser(user: "olivia", passwordHash: hash, roles: ["owner"], merchants: ["m-1"], name: "Olivia"),
            ConsoleUser(user: "bruno", passwordHash: hash, roles: ["billing"], merchants: ["m-1"], language: .fr),
            ConsoleUser(user: "ada", passwordHash: hash, roles: ["admin", "dead-letter-replay"], merchants: ["*"]),
            ConsoleUser(user: "adam", passwordHash: hash, roles: ["admin"], merchants: ["m-2"]),
            ConsoleUser(user: "fleur", passwordHash: hash, roles: ["owner"], merchants: ["m-1"], language: .fr),
        ]
        return TestUsers.directory(users)
    }()

    static func console(
        data: ConsoleData, signer: CommandSigner? = nil, producer: KafkaProducer? = nil
    ) -> Console {
        testConsole(data: data, directory: directory, signer: signer, producer: producer)
    }
}

/// An installment's `action-item.updated` with the outcome members.
func installmentRecord(
    merchant: String = "m-1", account: String, payment: String, state: String = "open", attempts: Int64,
    lossReason: String? = nil, handedToCollections: Bool = false, nextAttemptAt: String? = nil,
    customer: String = "Camille Martin", amount: Int64 = 4900
) -> [UInt8] {
    var data: [(key: String, value: JSONValue)] = [
        ("paymentId", .string(payment)), ("invoiceId", .string("inv-\(payment)")), ("customerName", .string(customer)),
        ("transactionType", .string("installment")), ("paymentMethod", .string("card")),
        ("failureReason", .string("insufficient funds")), ("failureCategory", .string("soft_decline")),
        ("declineCode", .string("insufficient_funds")), ("amount", .number("\(amount)")), ("currency", .string("EUR")),
        ("state", .string(state)), ("attempts", .number("\(attempts)")),
        ("handedToCollections", .bool(handedToCollections)), ("firstFailedAt", .string("2026-10-01T08:30:00.000Z")),
    ]
    if let nextAttemptAt { data.append(("nextAttemptAt", .string(nextAttemptAt))) }
    if let lossReason {
        data.append(("lossReason", .string(lossReason)))
        data.append(("outcomeAt", .string("2026-10-15T08:30:00.000Z")))
    }
    return JSONValue.object([
        ("eventId", .string(UUID().uuidString)), ("type", .string("action-item.updated")),
        ("schemaVersion", .number("1")), ("occurredAt", .string("2026-10-15T08:30:00.000Z")),
        ("accountId", .string(account)), ("merchantId", .string(merchant)), ("data", .object(data)),
    ]).jsonBytes
}

func priceUpdateRecord(
    merchant: String = "m-1", account: String, plan: String, status: String, newAmount: Int64,
    expiresAt: String? = nil, effectiveFrom: String? = nil
) -> [UInt8] {
    var data: [(key: String, value: JSONValue)] = [
        ("planId", .string(plan)), ("status", .string(status)), ("newAmount", .number("\(newAmount)")),
        ("currency", .string("EUR")),
    ]
    if let expiresAt { data.append(("expiresAt", .string(expiresAt))) }
    if let effectiveFrom { data.append(("effectiveFrom", .string(effectiveFrom))) }
    return JSONValue.object([
        ("eventId", .string(UUID().uuidString)), ("type", .string("plan.price-update")),
        ("schemaVersion", .number("1")), ("occurredAt", .string("2026-10-20T09:00:00.000Z")),
        ("accountId", .string(account)), ("merchantId", .string(merchant)), ("data", .object(data)),
    ]).jsonBytes
}

/// The bars of an SVG chart: (series, value, height).
func bars(_ svg: String) -> [(series: String, value: Int64, height: Double)] {
    svg.matches(
        of:
            /<rect class="bar" data-series="([^"]*)" data-category="[^"]*" data-value="(-?[0-9]+)"[^>]* height="([0-9.]+)"/
    )
    .compactMap { match in
        guard let value = Int64(match.output.2), let height = Double(match.output.3) else { return nil }
        return (String(match.output.1), value, height)
    }
}

/// The inline SVG with `id` in a page.
func svg(_ id: String, in page: String) -> String? {
    guard let start = page.range(of: "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(id)\"") else { return nil }
    guard let end = page[start.lowerBound...].range(of: "</svg>") else { return nil }
    return String(page[start.lowerBound..<end.upperBound])
}

@Suite("relance-console: installment plans, recovery figures, dead letters")
struct ConsolePlansTests {
    static let consoleKey = CommandSigner(
        generating: .eddsa, keyID: "console-test", subject: "relance-console", roles: [], merchants: ["*"])

    static func planData() -> ConsoleData {
        let data = ConsoleData()
        let view = data.actionCentre
        // Retries exhausted (3 attempts): Renew and Hand over allowed for an owner.
        view.applyItem(
            key: "p-done",
            value: installmentRecord(account: "acct-1", payment: "p-done", attempts: 3, lossReason: "retries_exhausted")
        )
        // Still retrying: Renew not yet.
        view.applyItem(
            key: "p-retrying",
            value: installmentRecord(
                account: "acct-1", payment: "p-retrying", attempts: 2, nextAttemptAt: "2026-10-22T08:00:00.000Z"))
        // Handed over: neither.
        view.applyItem(
            key: "p-handed",
            value: installmentRecord(
                account: "acct-2", payment: "p-handed", attempts: 3, lossReason: "handed_to_collections",
                handedToCollections: true, customer: "Jean Dupont"))
        // Another merchant's.
        view.applyItem(
            key: "q-other",
            value: installmentRecord(
                merchant: "m-2", account: "acct-9", payment: "q-other", attempts: 3, customer: "Someone Else"))
        data.planUpdates.apply(
            topic: PaymentEvents.planUpdatesTopic, key: "acct-1",
            value: priceUpdateRecord(
                account: "acct-1", plan: "plan-7", status: "pending", newAmount: 4000,
                expiresAt: "2026-10-30T23:30:00.000Z"))
        data.planUpdates.apply(topic: PaymentEvents.planUpdatesTopic, key: "acct-1", value: Array("not json".utf8))
        return data
    }

    @Test("plans: installments by account with their attempts, buttons allowed or disabled with the reason")
    func plansPage() async throws {
        let console = PlansUsers.console(data: Self.planData(), signer: Self.consoleKey)
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("olivia")
            let page = try await browser.get("/plans")
            #expect(page.status == 200)
            let body = page.body
            #expect(body.contains(#"href="/plans""#) && body.contains(#"href="/recovery""#))
            // The owner of m-1 may see dead letters (of m-1): the link shows.
            #expect(body.contains(#"href="/dead-letters""#))
            #expect(body.contains(#"data-account="acct-1""#) && body.contains(#"data-account="acct-2""#))
            #expect(!body.contains("q-other") && !body.contains("Someone Else"))
            // Accounts in order, items with their attempts.
            let acct1 = try #require(body.range(of: #"data-account="acct-1""#))
            let acct2 = try #require(body.range(of: #"data-account="acct-2""#))
            #expect(acct1.lowerBound < acct2.lowerBound)
            func row(_ payment: String) -> String {
                guard let start = body.range(of: #"<tr data-payment="\#(payment)""#),
                    let end = body[start.upperBound...].range(of: "</tr>")
                else { return "" }
                return String(body[start.lowerBound..<end.upperBound])
            }
            let done = row("p-done")
            #expect(done.contains(#"<td class="num attempts">3</td>"#))
            #expect(done.contains("automatic attempts exhausted"))
            #expect(done.contains(#"<button class="renew" >"#) && done.contains(#"<button class="hand-over" >"#))
            let retrying = row("p-retrying")
            #expect(retrying.contains(#"<td class="num attempts">2</td>"#))
            // Next attempt in Paris time (UTC+2 in October).
            #expect(retrying.contains("2026-10-22 10:00"))
            #expect(retrying.contains(#"<button class="renew" disabled>"#))
            #expect(retrying.contains("The automatic attempts are not over yet."))
            #expect(retrying.contains(#"<button class="hand-over" >"#))
            let handed = row("p-handed")
            #expect(
                handed.contains(#"<button class="renew" disabled>"#)
                    && handed.contains(#"<button class="hand-over" disabled>"#))
            #expect(handed.contains("The payment was handed over to collections."))
            #expect(body.contains("Whether a plan was already renewed is not in the item record"))
            // The price update: its deadline in the merchant's zone (23:30 UTC = 00:30 in Paris, the 31st).
            #expect(body.contains(#"data-plan="plan-7" data-status="pending""#))
            #expect(body.contains("2026-10-31 00:30") && body.contains("€40.00"))
            #expect(
                body.contains("waiting for the customer&#39;s confirmation")
                    || body.contains("waiting for the customer"))
        }
        // A billing user: neither action (the role), in French, the deadline in French format.
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("bruno")
            let page = try await browser.get("/plans")
            #expect(page.body.contains("Vos rôles ne le permettent pas."))
            #expect(
                !page.body.contains(#"<button class="renew" >"#) && !page.body.contains(#"<button class="hand-over" >"#)
            )
            #expect(page.body.contains("31/10/2026 00:30") && page.body.contains("40,00\u{00A0}€"))
            // Billing sees no dead letters: no link, and the page is not found.
            #expect(!page.body.contains(#"href="/dead-letters""#))
            #expect(try await browser.get("/dead-letters").status == 404)
            // Posting anyway is refused.
            let post = try await browser.post("/plans/m-1/p-done/renew-payment-plan")
            #expect(post.status == 403)
            // Another merchant's item: not found.
            #expect(try await browser.post("/plans/m-2/q-other/hand-over-to-collections").status == 404)
            #expect(try await browser.post("/plans/m-1/p-done/unknown").status == 404)
        }
    }

    @Test("Renew payment plan: a signed payment.command with the user's claims; the item pending")
    func renewSendsCommand() async throws {
        let cluster = try MockCluster(brokers: 1)
        try await cluster.createTopic(PaymentEvents.commandsTopic, partitions: 1)
        try await cluster.createTopic(ConsoleEvents.auditTopic, partitions: 1)
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        var producerConfiguration = ProducerConfiguration(kafka: kafka)
        producerConfiguration.lingerMilliseconds = 1
        let producer = try KafkaProducer(configuration: producerConfiguration)
        let data = Self.planData()
        let console = PlansUsers.console(data: data, signer: Self.consoleKey, producer: producer)
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("olivia")
            _ = try await browser.get("/plans")
            var page = try await browser.post("/plans/m-1/p-done/renew-payment-plan")
            #expect(page.status == 303 && page.location == "/plans?sent=renew_payment_plan")
            page = try await browser.get(page.location ?? "")
            #expect(page.body.contains("Renew payment plan sent"))
            #expect(page.body.contains(#"http-equiv="refresh" content="2""#))
            #expect(page.body.contains(#"data-state="pending""#))
            // While it waits, neither button.
            #expect(page.body.contains("A command on this item is waiting for its outcome."))
        }
        var records: [KafkaMessage] = []
        try await TopicReading.readToEnd(PaymentEvents.commandsTopic, partitions: [0], kafka: kafka, log: nil) {
            records += $0
        }
        #expect(records.count == 1)
        let record = try #require(records.first)
        let value = try #require(record.value.map(Array.init))
        let envelope = try JSONReader.read(value)
        #expect(envelope["type"]?.stringValue == "payment.command")
        #expect(envelope["merchantId"]?.stringValue == "m-1" && envelope["accountId"]?.stringValue == "acct-1")
        #expect(envelope["data"]?["command"]?.stringValue == "renew_payment_plan")
        #expect(envelope["data"]?["paymentId"]?.stringValue == "p-done")
        let token = try #require(
            record.header(CommandHeaders.authorization).map { String(decoding: $0, as: UTF8.self) })
        let verifier = CommandVerifier(
            keys: try CommandKeySet(jwks: TestSigners.jwks([Self.consoleKey])), audience: "relance")
        guard case .success(let (claims, keyID)) = verifier.verify(token, value: value, now: Date()) else {
            Issue.record("the command's token does not verify")
            return
        }
        #expect(keyID == "console-test")
        #expect(claims.subject == "olivia" && claims.roles == ["owner"] && claims.merchants == ["m-1"])
        var audit: [JSONValue] = []
        try await TopicReading.readToEnd(ConsoleEvents.auditTopic, partitions: [0], kafka: kafka, log: nil) { batch in
            audit += batch.compactMap { $0.value.flatMap { try? JSONReader.read(Array($0)) } }
        }
        #expect(audit.first?["data"]?["action"]?.stringValue == "renew_payment_plan")
        #expect(audit.first?["data"]?["outcome"]?.stringValue == "sent")
        // The refusal ends the wait.
        data.actionCentre.applyCommandResult(
            value: JSONValue.object([
                ("eventId", .string("r1")), ("type", .string("command.refused")), ("schemaVersion", .number("1")),
                ("occurredAt", .string("2026-10-16T08:00:00.000Z")), ("accountId", .string("acct-1")),
                ("merchantId", .string("m-1")),
                (
                    "data",
                    .object([
                        ("command", .string("renew_payment_plan")), ("paymentId", .string("p-done")),
                        ("reason", .string("the payment plan of p-done was already renewed once")),
                    ])
                ),
            ]).jsonBytes)
        #expect(data.actionCentre.item(merchant: "m-1", payment: "p-done")?.awaiting == nil)
    }

    static func figures(
        merchant: String = "m-1", week: String, start: String, opened: (Int64, Int64), recovered: (Int64, Int64),
        lost: (Int64, Int64),
        open: (Int64, Int64)
    ) -> [UInt8] {
        func tally(_ value: (Int64, Int64)) -> JSONValue {
            .object([("count", .number("\(value.0)")), ("amount", .number("\(value.1)"))])
        }
        func rate(_ failed: Int64, _ recovered: Int64) -> JSONValue {
            .object([("failed", .number("\(failed)")), ("recovered", .number("\(recovered)"))])
        }
        let data: JSONValue = .object([
            ("period", .string("week")), ("start", .string(start)), ("week", .string(week)),
            ("currency", .string("EUR")),
            ("opened", tally(opened)), ("recovered", tally(recovered)), ("lost", tally(lost)), ("open", tally(open)),
            ("recoveredByChannel", .object([("automatic_retry", tally(recovered))])),
            ("lostByReason", .object([("retries_exhausted", tally(lost))])),
            ("byDeclineCode", .object([("insufficient_funds", rate(opened.0, recovered.0))])),
            ("byPaymentMethod", .object([("card", rate(opened.0, recovered.0))])),
            ("byTransactionType", .object([("installment", rate(opened.0, recovered.0))])),
            ("recoveredByAttempt", .object([("2", tally(recovered))])),
            (
                "daysToRecover",
                .object([
                    ("median", .number("7")), ("p90", .number("7")),
                    ("histogram", .array([.number("0"), .number("\(recovered.0)")])),
                ])
            ),
            (
                "recoveredWithin",
                .object([
                    ("days7", .number("\(recovered.1)")), ("days14", .number("\(recovered.1)")),
                    ("days30", .number("\(recovered.1)")),
                ])
            ),
            ("churn", .object([("accounts", .number("1")), ("amount", .number("2500"))])),
        ])
        return JSONValue.object([
            ("eventId", .string(UUID().uuidString)), ("type", .string("recovery-stats.updated")),
            ("schemaVersion", .number("1")), ("occurredAt", .string("2026-11-01T00:00:00.000Z")),
            ("accountId", .string(merchant)), ("merchantId", .string(merchant)), ("data", data),
        ]).jsonBytes
    }

    @Test("recovery: tables and an SVG whose bars are proportional to the figures, in English and French")
    func recoveryPage() async throws {
        let data = ConsoleData()
        let feed = data.recoveryStats
        feed.apply(
            topic: RecoveryEvents.statsTopic, key: "m-1/EUR/2026-W40",
            value: Self.figures(
                week: "2026-W40", start: "2026-09-28", opened: (4, 400_000), recovered: (2, 200_000), lost: (1, 50_000),
                open: (1, 150_000)))
        feed.apply(
            topic: RecoveryEvents.statsTopic, key: "m-1/EUR/2026-W41",
            value: Self.figures(
                week: "2026-W41", start: "2026-10-05", opened: (2, 123_456), recovered: (1, 100_000), lost: (0, 0),
                open: (1, 23_456)))
        // Another merchant's, and a tombstone removes a third.
        feed.apply(
            topic: RecoveryEvents.statsTopic, key: "m-2/EUR/2026-W40",
            value: Self.figures(
                merchant: "m-2", week: "2026-W40", start: "2026-09-28", opened: (9, 9), recovered: (9, 9), lost: (0, 0),
                open: (0, 0)))
        feed.apply(
            topic: RecoveryEvents.statsTopic, key: "m-1/EUR/2026-W42",
            value: Self.figures(
                week: "2026-W42", start: "2026-10-12", opened: (1, 1), recovered: (0, 0), lost: (0, 0), open: (1, 1)))
        feed.apply(topic: RecoveryEvents.statsTopic, key: "m-1/EUR/2026-W42", value: nil)
        let console = PlansUsers.console(data: data)
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("olivia")
            let page = try await browser.get("/recovery?merchant=m-1&currency=EUR&period=week")
            #expect(page.status == 200)
            let body = page.body
            #expect(!body.contains("2026-W42"))
            let chart = try #require(svg("chart-amounts", in: body))
            let found = bars(chart)
            #expect(found.count == 6)
            #expect(found.map(\.value) == [200_000, 50_000, 150_000, 100_000, 0, 23_456])
            #expect(found.map(\.series) == ["recovered", "lost", "open", "recovered", "lost", "open"])
            // Heights proportional to the figures: the largest is the plot's height.
            let largest = try #require(found.map(\.value).max())
            for bar in found {
                #expect(abs(bar.height - Double(bar.value) / Double(largest) * SVGChart.plotHeight) < 0.01)
            }
            // Axis, legend and rate line, in English.
            #expect(chart.contains(">€2,000.00</text>") && chart.contains(">Recovered</text>"))
            #expect(chart.contains(">Recovery rate</text>") && chart.contains("class=\"rate\""))
            #expect(chart.contains(#"data-value="50.0%""#))
            #expect(svg("chart-attempts", in: body) != nil && svg("chart-reasons", in: body) != nil)
            // The tables.
            #expect(body.contains("<td>2026-W41</td>") && body.contains("€1,234.56"))
            #expect(body.contains(#"<td class="num rate">50.0%</td>"#))
            #expect(body.contains("insufficient_funds") && body.contains("automatic attempts exhausted"))
            // Sums over the weeks: 6 failed, 3 recovered by card.
            #expect(body.contains(#"<tr><td>card</td><td class="num">6</td><td class="num">3</td>"#))
            // Another merchant's figures: not found.
            #expect(try await browser.get("/recovery?merchant=m-2").status == 404)
        }
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("fleur")
            let page = try await browser.get("/recovery")
            let chart = try #require(svg("chart-amounts", in: page.body))
            #expect(chart.contains(">2\u{202F}000,00\u{00A0}€</text>") && chart.contains(">Recouvré</text>"))
            #expect(chart.contains(#"data-value="50,0\#u{00A0}%""#))
            #expect(page.body.contains("1\u{202F}234,56\u{00A0}€"))
            #expect(page.body.contains("Taux de recouvrement"))
        }
    }

    @Test("SVG texts are escaped")
    func svgEscapes() {
        let svg = SVGChart.bars(
            id: "x", title: "<script>&\"'", categories: ["<b>"],
            series: [SVGChart.Series(key: "k", label: "a<b", color: "#000", values: [3])],
            format: { "\($0)<" }, percent: { "\($0)" })
        #expect(!svg.contains("<script>") && svg.contains("&lt;script&gt;&amp;&quot;&#39;"))
        #expect(!svg.contains("<b>") && svg.contains("&lt;b&gt;"))
        #expect(bars(svg).first?.height == SVGChart.plotHeight)
        #expect(ConsoleFormat.percent(0.4567, language: .fr) == "45,7\u{00A0}%")
        #expect(ConsoleFormat.percent(0.4567, language: .en) == "45.7%")
    }

    static func deadLetter(merchant: String?, code: String, offset: Int64) throws -> [UInt8] {
        let value =
            merchant.map {
                #"{"eventId":"e\#(offset)","type":"payment.failed","schemaVersion":1,"occurredAt":"2026-10-01T00:00:00Z","accountId":"acct-1","merchantId":"\#($0)","data":{"note":"<b>hi</b>"}}"#
            } ?? "not json at all <x>"
        let letter = DeadLetter(
            reason: DeadLetter.Reason(code: code, message: "missing field \"paymentId\""),
            source: DeadLetter.Source(topic: PaymentEvents.paymentsTopic, partition: 0, offset: offset),
            key: Array("acct-1".utf8), value: Array(value.utf8), headers: [], worker: "payment-retry",
            failedAt: Date(timeIntervalSince1970: 1_790_812_800))
        return Array(try letter.encoded())
    }

    @Test("dead letters: admins of their merchants, of every merchant for one that names none; billing not at all")
    func deadLetterVisibility() async throws {
        let data = ConsoleData()
        let feed = data.deadLetters
        feed.apply(
            topic: DeadLetterFeed.topic, partition: 0, offset: 0, key: "acct-1",
            value: try Self.deadLetter(merchant: "m-1", code: "missing_field", offset: 10))
        feed.apply(
            topic: DeadLetterFeed.topic, partition: 0, offset: 1, key: "acct-1",
            value: try Self.deadLetter(merchant: nil, code: "malformed_json", offset: 11))
        feed.apply(
            topic: DeadLetterFeed.topic, partition: 0, offset: 2, key: "acct-1",
            value: try Self.deadLetter(merchant: "m-2", code: "missing_field", offset: 12))
        // The same source record again (a retried batch): one entry.
        feed.apply(
            topic: DeadLetterFeed.topic, partition: 0, offset: 3, key: "acct-1",
            value: try Self.deadLetter(merchant: "m-2", code: "missing_field", offset: 12))
        feed.apply(topic: DeadLetterFeed.topic, partition: 0, offset: 4, key: nil, value: Array("garbage".utf8))
        #expect(feed.entries.count == 3 && feed.skipped == 1)
        let console = PlansUsers.console(data: data, signer: Self.consoleKey)
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("ada")  // admin of every merchant, may replay
            let page = try await browser.get("/dead-letters")
            #expect(page.status == 200)
            #expect(page.body.contains(#"data-position="relance.dead-letters/0@0""#))
            #expect(page.body.contains(#"data-position="relance.dead-letters/0@1""#))
            #expect(page.body.contains(#"data-position="relance.dead-letters/0@2""#))
            #expect(!page.body.contains(#"data-position="relance.dead-letters/0@3""#))
            // The original bytes, escaped.
            #expect(page.body.contains("&lt;b&gt;hi&lt;/b&gt;") && !page.body.contains("<b>hi</b>"))
            #expect(page.body.contains("missing field &quot;paymentId&quot;"))
            #expect(page.body.contains("relance.payments[0]@10"))
            // Without a producer the console cannot send: the button says so.
            #expect(page.body.contains("The console has no signing key"))
            // Filters.
            let filtered = try await browser.get("/dead-letters?reason=malformed_json")
            #expect(
                filtered.body.contains("0@1") && !filtered.body.contains(#"data-position="relance.dead-letters/0@0""#))
        }
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("adam")  // admin of m-2 only
            let page = try await browser.get("/dead-letters")
            #expect(page.body.contains(#"data-position="relance.dead-letters/0@2""#))
            #expect(!page.body.contains(#"data-position="relance.dead-letters/0@0""#))
            #expect(!page.body.contains(#"data-position="relance.dead-letters/0@1""#))
            #expect(page.body.contains("Replaying needs the dead-letter-replay role."))
            // Another merchant's dead letter cannot be replayed, even by URL.
            #expect(try await browser.post("/dead-letters/0/0/replay").status == 404)
            #expect(try await browser.post("/dead-letters/0/2/replay").status == 403)
        }
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("olivia")  // owner of m-1: sees m-1's only
            let page = try await browser.get("/dead-letters")
            #expect(page.body.contains(#"data-position="relance.dead-letters/0@0""#))
            #expect(!page.body.contains(#"data-position="relance.dead-letters/0@1""#))
            #expect(!page.body.contains(#"data-position="relance.dead-letters/0@2""#))
        }
        try await withBrowser(console) { browser in
            _ = try await browser.signIn("bruno")
            #expect(try await browser.get("/dead-letters").status == 404)
            #expect(try await browser.post("/dead-letters/0/0/replay").status == 404)
        }
    }
}

@Suite("relance-console: replaying a dead letter on the mock cluster with payment-retry", .serialized)
struct ConsoleReplayClusterTests {
    @Test("Replay: the record back on its source topic with the replay token, and the outcome shown")
    func replay() async throws {
        let consoleKey = ConsolePlansTests.consoleKey
        let keys = try CommandKeySet(jwks: TestSigners.jwks(TestSigners.all + [consoleKey]))
        // payment-retry starts after the replay-outcome topic exists (it reports outcomes only then).
        let harness = try await WorkerHarness(GatewaySandbox()) { $0.commandKeys = keys }
        try await harness.cluster.createTopic("relance.replay-outcomes", partitions: 1)
        try await harness.cluster.createTopic(ConsoleEvents.auditTopic, partitions: 1)
        // Every topic the console follows exists before it starts (it waits for them).
        try await harness.cluster.createTopic(RecoveryEvents.statsTopic, partitions: 1)
        let retry = try await harness.start(PaymentRetryWorker())
        let kafka = KafkaConfiguration(bootstrapServers: harness.cluster.bootstrapServers)
        var producerConfiguration = ProducerConfiguration(kafka: kafka)
        producerConfiguration.lingerMilliseconds = 1
        let producer = try KafkaProducer(configuration: producerConfiguration)
        let data = ConsoleData()
        var logger = Logger(label: "console-test")
        logger.logLevel = .warning
        let follower = Task { try await TopicFollower(kafka: kafka, feeds: data.feeds, logger: logger).run() }
        let console = PlansUsers.console(data: data, signer: consoleKey, producer: producer)

        try await harness.tick(Date(timeIntervalSince1970: 1_790_812_800))
        // A payment.failed without its paymentId: payment-retry dead-letters it.
        let bad =
            #"{"eventId":"bad-1","type":"payment.failed","schemaVersion":1,"occurredAt":"2026-10-01T00:00:00.000Z","#
            + #""accountId":"acct-1","merchantId":"m-1","data":{"invoiceId":"inv-1","#
            + #""invoiceDate":"2026-09-30","transactionType":"installment","paymentMethod":"card","amount":4900,"#
            + #""currency":"EUR","declineCode":"insufficient_funds","declineScheme":"stripe"}}"#
        try await harness.publish(raw: Array(bad.utf8), to: PaymentEvents.paymentsTopic, key: "acct-1")
        try await waitUntil("the console sees the dead letter") { !data.deadLetters.entries.isEmpty }
        let entry = try #require(data.deadLetters.entries.first)
        #expect(entry.merchantID == "m-1" && entry.letter.worker == "payment-retry")

        try await withBrowser(console) { browser in
            _ = try await browser.signIn("ada")
            var page = try await browser.get("/dead-letters")
            #expect(page.body.contains(entry.letter.reason.code))
            #expect(page.body.contains(#"<button class="replay" >"#))
            page = try await browser.post("/dead-letters/\(entry.partition)/\(entry.offset)/replay")
            #expect(page.status == 303 && page.location == "/dead-letters?sent=1")
            page = try await browser.get(page.location ?? "")
            #expect(page.body.contains("Replay sent"))
            try await waitUntil("the outcome is shown") {
                try await browser.get("/dead-letters").body.contains("Refused again")
            }
        }
        // On the source topic: the original record with the replay headers, signed for the user.
        var replayed: [KafkaMessage] = []
        let partitions = try #require(try await TopicReading.partitions(of: PaymentEvents.paymentsTopic, kafka: kafka))
        try await TopicReading.readToEnd(PaymentEvents.paymentsTopic, partitions: partitions, kafka: kafka, log: nil) {
            replayed += $0.filter { $0.header(DeadLetters.replayedFromHeader) != nil }
        }
        #expect(replayed.count == 1)
        let record = try #require(replayed.first)
        #expect(record.value.map(Array.init) == Array(bad.utf8))
        #expect(
            record.header(DeadLetters.replayedFromHeader).map { String(decoding: $0, as: UTF8.self) } == entry.position)
        #expect(
            record.header(DeadLetters.replayForHeader).map { String(decoding: $0, as: UTF8.self) } == "payment-retry")
        let token = try #require(
            record.header(CommandHeaders.replayAuthorization).map { String(decoding: $0, as: UTF8.self) })
        let verifier = CommandVerifier(keys: keys, audience: "relance")
        if case .success(let (claims, _)) = verifier.verify(token, value: Array(bad.utf8), now: Date()) {
            #expect(claims.subject == "ada" && claims.replayOf == entry.position)
            #expect(claims.roles.contains("dead-letter-replay"))
        } else {
            Issue.record("the replay token does not verify")
        }
        #expect(data.deadLetters.outcome(entry.position)?.result == .deadLettered)
        // Audited with the dead letter's position.
        var audit: [JSONValue] = []
        try await TopicReading.readToEnd(ConsoleEvents.auditTopic, partitions: [0], kafka: kafka, log: nil) { batch in
            audit += batch.compactMap { $0.value.flatMap { try? JSONReader.read(Array($0)) } }
        }
        #expect(audit.first?["data"]?["action"]?.stringValue == "replay_dead_letter")
        #expect(audit.first?["data"]?["target"]?.stringValue == entry.position)
        if let first = audit.first?["data"] { try ConsoleEvents.action.data.validate(first, path: "data") }

        follower.cancel()
        _ = try? await follower.value
        try await retry.stop()
        try await harness.stop()
    }
}
