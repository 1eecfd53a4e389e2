import Foundation
import RelanceDomain
import RelanceKafka
import RelanceMail
import RelanceRuntime
import RelanceTestSupport
import ReminderMailerService
import Testing

/// What happens where topics meet: facts about one account come on different topics, read in no
/// set order ("Nothing lost at the seams").
@Suite("reminder-mailer at the seams between topics", .serialized)
struct SeamTests {
    @Test("card.replaced: no overdue notice about an invoice whose charge is in flight; one status, reactivated")
    func chargeInFlightPausesTheLadder() async throws {
        var s = try await MailerScenario(server: try SMTPTestServer())
        try await s.day(0)
        try await s.customer("acct-card", locale: "fr", name: "Ana")
        try await s.send(
            "invoice.issued", to: ProofEvents.invoicesTopic, account: "acct-card", id: "inv-2",
            .object([
                "invoiceId": .string("i-2"), "number": .string("INV-2026-0050"), "amount": .integer(5_000),
                "currency": .string("EUR"), "issuedOn": .string("2026-10-01"), "dueOn": .string("2026-10-11"),
            ]))
        try await s.harness.stateWritten("acct-card", count: 4)
        // The first invoice's ladder up to the final notice (suspended); the second is overdue
        // since day 11.
        _ = try await s.walk([1, 8, 15, 20], expecting: [1, 1, 1, 1])
        // The new card: payment-retry charges both, oldest first, and says each is in flight on
        // relance.payments before the gateway's answers come there.
        func payment(_ type: String, _ payment: String, _ invoice: String, _ amount: Int64, id: String) async throws {
            var data: [(key: String, value: JSONValue)] = [
                ("paymentId", .string(payment)), ("invoiceId", .string(invoice)), ("amount", .integer(amount)),
                ("currency", .string("EUR")), ("chargeRequestId", .string("chg-\(payment)")),
            ]
            if type == "payment.pending" { data.append(("paymentMethod", .string("card"))) }
            try await s.send(type, to: PaymentEvents.paymentsTopic, account: "acct-card", id: id, .object(data))
        }
        try await payment("payment.pending", "p-1", "i-acct-card", 123_456, id: "pending-1")
        try await payment("payment.pending", "p-2", "i-2", 5_000, id: "pending-2")
        try await payment("payment.succeeded", "p-1", "i-acct-card", 123_456, id: "paid-1")
        let runtime = s.harness.runtime
        try await waitUntil("the first invoice paid") {
            try await runtime.state(of: "acct-card")?.ladder.invoices.first?.remaining == 0
        }
        try await Task.sleep(for: .seconds(1))
        #expect(s.server.messages().count == 4, "no first or second notice about INV-2026-0050 while it is charged")
        try await payment("payment.succeeded", "p-2", "i-2", 5_000, id: "paid-2")
        let mails = try await s.server.waitFor(5).map(ReceivedMail.init)
        #expect(mails.map { $0.headers["subject"] ?? "" }.last == "Votre compte est réactivé")
        try await Task.sleep(for: .milliseconds(800))
        #expect(s.server.messages().count == 5)
        let statuses = try await s.harness.settle(ProofEvents.accountStatusTopic).map { $0["status"]?.stringValue }
        #expect(statuses == ["past_due", "suspended", "reactivated"])
        try await s.stop()
    }
}
