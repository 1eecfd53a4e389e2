import Foundation
import RelanceDomain
import RelanceEvents
import RelanceMail
import RelanceRuntime
import RelanceTesting
import ReminderMailerService
import Testing

/// Issue 26's late fees on reminder-mailer, with the test kit and simulated days (day 0 is
/// 2026-10-01, the invoices' due date; the ladder's steps on days 1, 8, 15, 20, 25).
@Suite("reminder-mailer's late fees")
struct LateFeeTests {
    typealias Mailer = DunningPolicyTests.Mailer

    /// The flat 40 € and 12.15 % a year (the ECB rate + 10 points) from step 3.
    static let fees = LateFeePolicy(atStep: 3, flatIndemnity: ["EUR": 4_000], annualInterestRatePercent: "12.15")

    static func mailer(_ fees: LateFeePolicy? = Self.fees, minimum: [String: Int64]? = nil) -> Mailer {
        Mailer(DunningPolicies(default: DunningPolicy(minimumOverdue: minimum, lateFees: fees)))
    }

    static func feeEvents(_ mailer: Mailer, _ account: String = "acct-1") throws -> [InvoiceFeeAdded] {
        try mailer.kit.events(on: ProofEvents.invoicesTopic).filter { $0.accountID == account }.map {
            try $0.decode(InvoiceFeeAdded.self)
        }
    }

    static func texts(_ mailer: Mailer, _ account: String = "acct-1") throws -> [String: String] {
        var texts: [String: String] = [:]
        for email in try mailer.emails(account) { texts[email.kind] = ReceivedMail(email.message).text }
        return texts
    }

    @Test("the fees are added once at the chosen step, the step's email and the later ones show them, in French")
    func addedOnceAtStep() throws {
        let mailer = Self.mailer()
        try mailer.account("acct-1", locale: "fr")
        try mailer.invoice("acct-1", "F-1", amount: 100_000)
        try mailer.days(through: 14)
        #expect(try Self.feeEvents(mailer).isEmpty, "nothing before step 3")
        try mailer.days(through: 30)
        // Interest: 1 000,00 € × 12.15 % × 15 days / 365 (2 to 16 October 2026, step 3's day)
        // = 100 000 × 121 500 × 15 / 365 000 000 = 499.315… → 499 (half up): 4,99 €.
        #expect(
            try Self.feeEvents(mailer) == [
                InvoiceFeeAdded(
                    invoiceId: "F-1", feeId: "F-1/flat_indemnity", kind: .flatIndemnity, amount: 4_000,
                    currency: "EUR"),
                InvoiceFeeAdded(
                    invoiceId: "F-1", feeId: "F-1/late_interest", kind: .lateInterest, amount: 499, currency: "EUR",
                    from: "2026-10-02", to: "2026-10-16", annualRatePercent: "12.15"),
            ])
        #expect(
            mailer.kit.events(on: ProofEvents.invoicesTopic).map {
                Int($0.occurredAt.timeIntervalSince(DunningPolicyTests.day0) / 86_400)
            } == [15, 15])
        let texts = try Self.texts(mailer)
        #expect(texts["overdue_step_2"]?.contains("indemnité") == false)
        for step in 3...5 {
            let text = texts["overdue_step_\(step)"] ?? ""
            #expect(text.contains("Les frais de retard suivants ont été ajoutés à votre dette :"), "step \(step)")
            #expect(
                text.contains("– facture F-1 : indemnité forfaitaire pour frais de recouvrement de 40,00\u{A0}€"))
            #expect(
                text.contains(
                    "– facture F-1 : intérêts de retard au taux de 12,15\u{202F}% l’an du 2 octobre 2026 au 16 "
                        + "octobre 2026 : 4,99\u{A0}€"))
            #expect(text.contains("Nouveau total dû : 1\u{202F}044,99\u{A0}€."), "step \(step)")
            #expect(!text.contains("flat_indemnity") && !text.contains("late_interest"), "no internal code")
        }
        #expect(try mailer.kit.state(of: "acct-1")?.ladder.invoices.first?.remaining == 104_499)
    }

    /// Reconciliation's allocation of a credit to an invoice of acct-1: the invoice's amount in
    /// the ledger after it (`debitAmount`) and what it leaves open (nil: a record from before).
    static func allocation(
        _ mailer: Mailer, invoice: String, amount: Int64, debitAmount: Int64?, open: Int64?,
        credit: String = "transfer-1", kind: String = "payment", debitKind: String = "invoice"
    ) throws {
        var data: [(key: String, value: JSONValue)] = [
            ("creditId", .string(credit)), ("creditKind", .string(kind)), ("debitId", .string(invoice)),
            ("debitKind", .string(debitKind)), ("amount", .integer(amount)), ("currency", .string("EUR")),
            ("trigger", .string("command")),
        ]
        if let debitAmount { data.append(("debitAmount", .integer(debitAmount))) }
        if let open { data.append(("debitOpen", .integer(open))) }
        let outcome = try mailer.kit.publish(
            mailer.envelope("allocation.made", "acct-1", .object(data)), to: ReconciliationEvents.allocationsTopic)
        #expect(outcome == .applied(eventID: "e-\(mailer.sequence)"))
    }

    @Test(
        "an invoice reconciliation settled (a transfer or a credit note) gets no fee and no more notices; a part left open still does"
    )
    func settledByReconciliation() throws {
        let mailer = Self.mailer()
        try mailer.account("acct-1")
        try mailer.invoice("acct-1", "F-1", amount: 100_000)
        try mailer.invoice("acct-1", "F-2", amount: 50_000)
        try mailer.days(through: 9)
        // Day 10: a credit note settles F-1 in full, a transfer pays 20 000 of F-2; a debit (a
        // refund) and an older record without debitAmount and debitOpen change nothing.
        try mailer.day(10)
        try Self.allocation(
            mailer, invoice: "F-1", amount: 100_000, debitAmount: 100_000, open: 0, kind: "credit_note")
        try Self.allocation(mailer, invoice: "F-2", amount: 20_000, debitAmount: 50_000, open: 30_000)
        try Self.allocation(mailer, invoice: "F-2", amount: 20_000, debitAmount: nil, open: nil)
        try Self.allocation(mailer, invoice: "F-2", amount: 5_000, debitAmount: 5_000, open: 0, debitKind: "refund")
        // The same allocation again: counted once.
        try Self.allocation(mailer, invoice: "F-2", amount: 20_000, debitAmount: 50_000, open: 30_000)
        try mailer.days(through: 30)
        let fees = try Self.feeEvents(mailer)
        #expect(fees.map(\.invoiceId) == ["F-2", "F-2"], "F-1 was settled before step 3")
        // Interest on what is left of F-2 (30 000 for 15 days at 12.15 %): 149.79… → 150.
        #expect(fees.last?.amount == 150)
        let invoices = try mailer.kit.state(of: "acct-1")?.ladder.invoices ?? []
        let remaining = Dictionary(uniqueKeysWithValues: invoices.map { ($0.id, $0.remaining) })
        #expect(remaining == ["F-1": 0, "F-2": 34_150], "F-2: 300,00 € left, 40,00 € and 1,50 € of fees")
        let step3 = try Self.texts(mailer)["overdue_step_3"] ?? ""
        #expect(step3.contains("F-2") && !step3.contains("F-1"), "F-1 is no longer dunned")
        // Then the rest of F-2 by transfer (reconciliation has added the fees): back in good standing.
        try Self.allocation(
            mailer, invoice: "F-2", amount: 34_150, debitAmount: 54_150, open: 0, credit: "transfer-2")
        try mailer.days(through: 31)
        #expect(mailer.statuses("acct-1").last == "reactivated")
    }

    @Test(
        "a payment read both as payment.succeeded and as reconciliation's allocation counts once, in either order; an allocation before its invoice waits for it"
    )
    func paymentAndAllocationInAnyOrder() throws {
        let mailer = Self.mailer()
        try mailer.account("acct-1")
        try mailer.invoice("acct-1", "F-1", amount: 100_000)
        try mailer.invoice("acct-1", "F-2", amount: 100_000)
        try mailer.day(5)
        // F-1: the allocation of a 40 000 card payment first, then the payment itself.
        try Self.allocation(mailer, invoice: "F-1", amount: 40_000, debitAmount: 100_000, open: 60_000, credit: "p-1")
        try mailer.pay("acct-1", "F-1", amount: 40_000)
        // F-2: the payment first, then its allocation.
        try mailer.pay("acct-1", "F-2", amount: 40_000)
        try Self.allocation(mailer, invoice: "F-2", amount: 40_000, debitAmount: 100_000, open: 60_000, credit: "p-2")
        // F-3: settled by a credit note reconciliation allocated before this worker read F-3.
        try Self.allocation(mailer, invoice: "F-3", amount: 70_000, debitAmount: 70_000, open: 0, kind: "credit_note")
        try mailer.invoice("acct-1", "F-3", amount: 70_000)
        let invoices = try mailer.kit.state(of: "acct-1")?.ladder.invoices ?? []
        let remaining = Dictionary(uniqueKeysWithValues: invoices.map { ($0.id, $0.remaining) })
        #expect(remaining == ["F-1": 60_000, "F-2": 60_000, "F-3": 0])
        try mailer.days(through: 16)
        #expect(try Self.feeEvents(mailer).map(\.invoiceId) == ["F-1", "F-1", "F-2", "F-2"], "none on F-3")
    }

    @Test("a direct debit on its way: no fee at the step; the payment does not come: the fee at the next step")
    func noFeeWhileADebitIsOnItsWay() throws {
        let mailer = Self.mailer()
        try mailer.account("acct-1")
        try mailer.invoice("acct-1", "F-1", amount: 100_000)
        try mailer.day(14)
        try mailer.kit.publish(
            mailer.envelope(
                "payment.pending", "acct-1",
                .object([
                    "paymentId": .string("dd-1"), "invoiceId": .string("F-1"), "amount": .integer(100_000),
                    "currency": .string("EUR"), "paymentMethod": .string("sepa_debit"),
                ])), to: PaymentEvents.paymentsTopic)
        try mailer.days(through: 16)
        #expect(try Self.feeEvents(mailer).isEmpty, "step 3 on day 15 adds nothing while the debit is on its way")
        try mailer.kit.publish(
            mailer.envelope(
                "payment.failed", "acct-1",
                .object([
                    "paymentId": .string("dd-1"), "invoiceId": .string("F-1"), "invoiceDate": .string("2026-09-15"),
                    "transactionType": .string("payment"), "paymentMethod": .string("sepa_debit"),
                    "amount": .integer(100_000), "currency": .string("EUR"), "declineCode": .string("AM04"),
                    "declineScheme": .string("sepa"),
                ])), to: PaymentEvents.paymentsTopic)
        try mailer.days(through: 20)
        #expect(
            try Self.feeEvents(mailer).map(\.kind) == [.flatIndemnity, .lateInterest],
            "the debit was returned: the fees at step 4 (day 20)")
    }

    @Test("another writer's fee on an invoice already settled here is remembered, not added")
    func feeReadOnSettledInvoice() throws {
        let mailer = Self.mailer()
        try mailer.account("acct-1")
        try mailer.invoice("acct-1", "F-1", amount: 100_000)
        try mailer.pay("acct-1", "F-1", amount: 100_000)
        try mailer.kit.publish(
            mailer.envelope(
                "invoice.fee-added", "acct-1",
                .object([
                    "invoiceId": .string("F-1"), "feeId": .string("F-1/flat_indemnity"),
                    "kind": .string("flat_indemnity"), "amount": .integer(4_000), "currency": .string("EUR"),
                ])), to: ProofEvents.invoicesTopic)
        let invoice = try mailer.kit.state(of: "acct-1")?.ladder.invoices.first
        #expect(invoice?.fees == nil && invoice?.remaining == 0)
        try mailer.days(through: 30)
        #expect(mailer.emailDays("acct-1").isEmpty, "nothing is dunned")
    }

    @Test("read back after a restart, or written again by another writer: never twice")
    func notTwiceOnReplay() throws {
        let mailer = Self.mailer()
        try mailer.account("acct-1")
        try mailer.invoice("acct-1", "F-1", amount: 100_000)
        try mailer.days(through: 16)
        let written = mailer.kit.events(on: ProofEvents.invoicesTopic)
        #expect(written.count == 2)
        // The worker reads its own fees back (as on Kafka), then the same again (a restart's
        // replay is deduplicated by event id), then copies under new event ids.
        for event in written { try mailer.kit.publish(event, to: ProofEvents.invoicesTopic) }
        for event in written {
            #expect(try mailer.kit.publish(event, to: ProofEvents.invoicesTopic) == .duplicate(eventID: event.eventID))
        }
        for event in written {
            var copy = event
            copy.eventID = "copy-\(event.eventID)"
            try mailer.kit.publish(copy, to: ProofEvents.invoicesTopic)
        }
        try mailer.days(through: 30)
        let invoice = try mailer.kit.state(of: "acct-1")?.ladder.invoices.first
        #expect(invoice?.fees?.count == 2 && invoice?.remaining == 104_499)
        #expect(mailer.kit.events(on: ProofEvents.invoicesTopic).count == 2, "the worker wrote two fees, once")
    }

    @Test("more than 200 overdue invoices: each gets its fees once, at the step and when read back")
    func manyInvoices() throws {
        // 201 invoices: 402 fee ids, more than the 400 `lateFeeIDs` keeps; the oldest invoice's
        // ids leave that list, its own fees still say it has them.
        let mailer = Self.mailer()
        try mailer.account("acct-1")
        let ids = (1...201).map { "F-\(String(1_000 + $0).dropFirst())" }
        for id in ids { try mailer.invoice("acct-1", id, amount: 10_000) }
        try mailer.days(through: 16)
        let written = mailer.kit.events(on: ProofEvents.invoicesTopic)
        #expect(written.count == 402)
        // Read back (as on Kafka), then steps 4 and 5.
        for event in written { try mailer.kit.publish(event, to: ProofEvents.invoicesTopic) }
        try mailer.days(through: 30)
        #expect(mailer.kit.events(on: ProofEvents.invoicesTopic).count == 402, "no fee written twice")
        let invoices = try mailer.kit.state(of: "acct-1")?.ladder.invoices ?? []
        #expect(invoices.count == 201)
        for invoice in invoices {
            #expect(invoice.fees?.map(\.id) == ["\(invoice.id)/flat_indemnity", "\(invoice.id)/late_interest"])
        }
    }

    @Test("interest from another writer: the rate printed normalised, the period left out when not given")
    func interestLine() throws {
        let mailer = Self.mailer(nil)
        for (account, locale) in [("acct-fr", "fr"), ("acct-en", "en")] {
            try mailer.account(account, locale: locale)
            try mailer.invoice(account, "F-1", amount: 100_000)
            try mailer.invoice(account, "F-2", amount: 100_000)
            let interest = { (invoice: String, rate: String, period: Bool) in
                var data: [(key: String, value: JSONValue)] = [
                    ("invoiceId", .string(invoice)), ("feeId", .string("\(invoice)/late_interest")),
                    ("kind", .string("late_interest")), ("amount", .integer(499)), ("currency", .string("EUR")),
                    ("annualRatePercent", .string(rate)),
                ]
                if period { data += [("from", .string("2026-10-02")), ("to", .string("2026-10-16"))] }
                return mailer.envelope("invoice.fee-added", account, .object(data))
            }
            try mailer.kit.publish(interest("F-1", "012.15", false), to: ProofEvents.invoicesTopic)
            try mailer.kit.publish(interest("F-2", "12.1500", true), to: ProofEvents.invoicesTopic)
        }
        try mailer.days(through: 8)
        let fr = try Self.texts(mailer, "acct-fr")["overdue_step_2"] ?? ""
        #expect(fr.contains("– facture F-1 : intérêts de retard au taux de 12,15\u{202F}% l’an : 4,99\u{A0}€"), "\(fr)")
        #expect(
            fr.contains(
                "– facture F-2 : intérêts de retard au taux de 12,15\u{202F}% l’an du 2 octobre 2026 au 16 octobre "
                    + "2026 : 4,99\u{A0}€"), "\(fr)")
        let en = try Self.texts(mailer, "acct-en")["overdue_step_2"] ?? ""
        #expect(en.contains("– invoice F-1: late-payment interest at 12.15% a year: €4.99"), "\(en)")
        #expect(
            en.contains(
                "– invoice F-2: late-payment interest at 12.15% a year from 2 October 2026 to 16 October 2026: €4.99"),
            "\(en)")
    }

    @Test("actual/360: the interest over a year of 360 days, as docs/reminder-mailer.md gives it")
    func actual360() throws {
        var fees = Self.fees
        fees.interestDayCount = "actual/360"
        let mailer = Self.mailer(fees)
        try mailer.account("acct-1")
        try mailer.invoice("acct-1", "F-1", amount: 100_000)
        try mailer.days(through: 16)
        // 100 000 × 121 500 × 15 / 360 000 000 = 506.25 → 506 (5,06 €).
        #expect(try Self.feeEvents(mailer).map(\.amount) == [4_000, 506])
    }

    @Test("no fee when the policy has none")
    func notConfigured() throws {
        let mailer = Self.mailer(nil)
        try mailer.account("acct-1", locale: "fr")
        try mailer.invoice("acct-1", "F-1", amount: 100_000)
        try mailer.days(through: 30)
        #expect(mailer.kit.records(on: ProofEvents.invoicesTopic).isEmpty)
        let texts = try Self.texts(mailer)
        #expect(texts.count == 5 && !texts.values.contains { $0.contains("frais de retard") })
    }

    @Test("a partial payment before the step reduces the interest base; the payment covers fees too")
    func partialPayment() throws {
        let mailer = Self.mailer()
        try mailer.account("acct-1", locale: "en")
        try mailer.invoice("acct-1", "F-1", amount: 100_000)
        try mailer.day(5)
        try mailer.pay("acct-1", "F-1", amount: 40_000)
        try mailer.days(through: 16)
        // 600.00 left: 60 000 × 121 500 × 15 / 365 000 000 = 299.589… → 300 (€3.00).
        #expect(try Self.feeEvents(mailer).map(\.amount) == [4_000, 300])
        let text = try Self.texts(mailer)["overdue_step_3"] ?? ""
        #expect(text.contains("– invoice F-1: fixed compensation for recovery costs of €40.00"))
        #expect(
            text.contains(
                "– invoice F-1: late-payment interest at 12.15% a year from 2 October 2026 to 16 October 2026: €3.00"))
        #expect(text.contains("New total due: €643.00."))
        // Paying the invoice's amount leaves the fees owed: the ladder goes on for 43.00.
        try mailer.pay("acct-1", "F-1", amount: 60_000)
        try mailer.days(through: 20)
        #expect(try mailer.kit.state(of: "acct-1")?.ladder.invoices.first?.remaining == 4_300)
        #expect(mailer.statuses("acct-1").last == "suspended")
        try mailer.pay("acct-1", "F-1", amount: 4_300)
        #expect(mailer.statuses("acct-1").last == "reactivated")
    }

    @Test("a second ladder adds no fee again to an invoice that has them, and adds them to a new one")
    func secondLadder() throws {
        let mailer = Self.mailer(minimum: ["EUR": 500])
        try mailer.account("acct-1")
        try mailer.invoice("acct-1", "F-1", amount: 100_000)
        try mailer.days(through: 16)
        // Under the minimum: the ladder stops; 1.00 € stays owed.
        try mailer.pay("acct-1", "F-1", amount: 104_399)
        #expect(mailer.statuses("acct-1").last == "active")
        // A new invoice brings the balance over the minimum on day 32: a new ladder from that day,
        // its step 3 on day 46.
        try mailer.invoice("acct-1", "F-2", amount: 50_000, dueOn: "2026-11-01")
        try mailer.days(through: 80)
        #expect(
            mailer.emailDays("acct-1").filter { $0.hasSuffix("step_3") } == ["15:overdue_step_3", "46:overdue_step_3"])
        #expect(
            try Self.feeEvents(mailer).map(\.feeId) == [
                "F-1/flat_indemnity", "F-1/late_interest", "F-2/flat_indemnity", "F-2/late_interest",
            ])
        // F-2: 500.00 € × 12.15 % × 15 days (2 to 16 November, the second ladder's step 3) / 365
        // = 50 000 × 121 500 × 15 / 365 000 000 = 249.657… → 250 (2,50 €).
        #expect(try Self.feeEvents(mailer).last?.amount == 250)
        #expect(try Self.feeEvents(mailer).last?.to == "2026-11-16")
    }

    @Test("an invoice in a currency without a flat indemnity gets the interest only")
    func otherCurrency() throws {
        let mailer = Self.mailer()
        try mailer.account("acct-1")
        try mailer.invoice("acct-1", "F-1", amount: 100_000, currency: "USD")
        try mailer.days(through: 16)
        #expect(try Self.feeEvents(mailer).map(\.kind) == [.lateInterest])
    }

    @Test("a fee read that would not fit, or in another currency, is refused with a code")
    func refusals() throws {
        let mailer = Self.mailer()
        try mailer.account("acct-1")
        try mailer.invoice("acct-1", "F-1", amount: Money.maximumMinorUnits)
        let fee = { (id: String, amount: Int64, currency: String) in
            mailer.envelope(
                "invoice.fee-added", "acct-1",
                .object([
                    "invoiceId": .string("F-1"), "feeId": .string(id), "kind": .string("flat_indemnity"),
                    "amount": .integer(amount), "currency": .string(currency),
                ]))
        }
        let big = try mailer.kit.publish(fee("F-1/x", 1, "EUR"), to: ProofEvents.invoicesTopic)
        guard case .deadLettered(_, let code, _) = big else {
            Issue.record("\(big)")
            return
        }
        #expect(code == MoneyOverflow.code)
        let other = try mailer.kit.publish(fee("F-1/y", 1, "USD"), to: ProofEvents.invoicesTopic)
        guard case .deadLettered(_, let code2, _) = other else {
            Issue.record("\(other)")
            return
        }
        #expect(code2 == "currency_mismatch")
        // The ladder's own fees on that invoice do not fit either: kept as refused, no trap.
        try mailer.days(through: 16)
        #expect(try Self.feeEvents(mailer).isEmpty)
        #expect(try mailer.kit.state(of: "acct-1")?.ladder.lateFeeRefusals?.count == 2)
    }
}
