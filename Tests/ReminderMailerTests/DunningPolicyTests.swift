import Foundation
import RelanceDomain
import RelanceEvents
import RelanceMail
import RelanceRuntime
import RelanceTesting
import ReminderMailerService
import Testing

/// Issue 26 on reminder-mailer, with the test kit and simulated time: how dunning ends per
/// merchant, the minimum overdue balance, an operator's pause, exclusion and resumption, and
/// the reminders before an invoice is due.
@Suite("reminder-mailer's dunning policy")
struct DunningPolicyTests {
    static let day0 = Date(timeIntervalSince1970: 1_790_812_800)  // 2026-10-01T00:00:00Z
    static let owner = TestActor(id: "owner@m-1", roles: ["owner"], merchants: ["m-1", "m-2"])
    static let admin = TestActor(id: "admin@m-1", roles: ["admin"], merchants: ["m-1", "m-2"])
    static let billing = TestActor(id: "billing@m-1", roles: ["billing"], merchants: ["m-1", "m-2"])
    static let support = TestActor(id: "support@m-1", roles: ["support"], merchants: ["m-1", "m-2"])

    /// reminder-mailer on the kit, with helpers for one merchant's accounts.
    final class Mailer {
        let kit: WorkerTestKit<ReminderMailerWorker>
        var sequence = 0

        init(_ dunning: DunningPolicies = DunningPolicies()) {
            var worker = ReminderMailerWorker()
            worker.dunning = dunning
            kit = WorkerTestKit(worker, startingAt: DunningPolicyTests.day0)
        }

        func envelope(_ type: String, _ account: String, merchant: String = "m-1", _ data: JSONValue) -> EventEnvelope {
            sequence += 1
            return EventEnvelope(
                eventID: "e-\(sequence)", type: type, schemaVersion: 1, occurredAt: kit.now, accountID: account,
                merchantID: merchant, data: data)
        }

        /// An account with invoice recipients (and a language), set by its owner.
        func account(_ account: String, merchant: String = "m-1", locale: String = "en") throws {
            try kit.publish(
                envelope("account.profile-updated", account, merchant: merchant, .object(["locale": .string(locale)])),
                to: MailEvents.accountsTopic)
            let recipients = JSONValue.object([
                "recipients": .array([.object(["email": .string("\(account)@client.test"), "name": .string("Ana")])])
            ])
            let outcome = try kit.publish(
                command: envelope("account.recipients-change-requested", account, merchant: merchant, recipients),
                to: MailEvents.accountsTopic, as: DunningPolicyTests.owner)
            #expect(outcome == .applied(eventID: "e-\(sequence)"))
        }

        func invoice(
            _ account: String, _ id: String, amount: Int64, currency: String = "EUR", dueOn: String = "2026-10-01",
            merchant: String = "m-1"
        ) throws {
            try kit.publish(
                envelope(
                    "invoice.issued", account, merchant: merchant,
                    .object([
                        "invoiceId": .string(id), "number": .string(id), "amount": .integer(amount),
                        "currency": .string(currency), "issuedOn": .string("2026-09-15"), "dueOn": .string(dueOn),
                    ])), to: ProofEvents.invoicesTopic)
        }

        func pay(_ account: String, _ invoice: String, amount: Int64, currency: String = "EUR") throws {
            try kit.publish(
                envelope(
                    "payment.succeeded", account,
                    .object([
                        "paymentId": .string("pay-\(sequence)"), "invoiceId": .string(invoice),
                        "amount": .integer(amount), "currency": .string(currency),
                    ])), to: PaymentEvents.paymentsTopic)
        }

        /// A dunning command given by `actor`; `until`: a day after day 0.
        @discardableResult
        func dunning(_ account: String, _ command: String, until: Double? = nil, as actor: TestActor) throws
            -> WorkerTestKit<ReminderMailerWorker>.Outcome
        {
            var data: [(key: String, value: JSONValue)] = [("command", .string(command))]
            if let until {
                data.append(
                    ("until", .string(Timestamp.format(DunningPolicyTests.day0.addingTimeInterval(until * 86_400)))))
            }
            return try kit.publish(
                command: envelope("dunning.command", account, .object(data)), to: PaymentEvents.dunningCommandsTopic,
                as: actor)
        }

        /// Moves the clock to day `day` (one tick).
        func day(_ day: Double) throws { try kit.advance(to: DunningPolicyTests.day0.addingTimeInterval(day * 86_400)) }

        /// Day by day from the clock's day to `last`.
        func days(through last: Int) throws {
            let first = Int(kit.now.timeIntervalSince(DunningPolicyTests.day0) / 86_400) + 1
            guard first <= last else { return }
            for day in first...last { try self.day(Double(day)) }
        }

        func statuses(_ account: String) -> [String] {
            kit.events(on: ProofEvents.accountStatusTopic).filter { $0.accountID == account }.compactMap {
                $0.data["status"]?.stringValue
            }
        }

        func emails(_ account: String) throws -> [EmailRequested] {
            try kit.events(on: MailEvents.emailsTopic).filter { $0.accountID == account }.map {
                try $0.decode(EmailRequested.self)
            }
        }

        /// The day (from day 0) each email of `account` was decided, with its kind.
        func emailDays(_ account: String) -> [String] {
            kit.events(on: MailEvents.emailsTopic).filter { $0.accountID == account }.map {
                "\(Int($0.occurredAt.timeIntervalSince(DunningPolicyTests.day0) / 86_400)):"
                    + ($0.data["kind"]?.stringValue ?? "")
            }
        }
    }

    static func policies(_ policy: DunningPolicy, merchants: [String: DunningPolicy]? = nil) -> DunningPolicies {
        DunningPolicies(default: policy, merchants: merchants)
    }

    // MARK: How dunning ends

    static let endings: [(FinalAction, [String], String, Bool)] = [
        (.terminate, ["past_due", "suspended", "terminated"], "Legal notice – Account terminated", true),
        (.suspend, ["past_due", "suspended"], "Legal notice – Account suspended", true),
        (.cancelSubscription, ["past_due", "suspended", "cancelled"], "Legal notice – Subscription cancelled", true),
        (
            .handToCollections, ["past_due", "suspended", "in_collections"],
            "Legal notice – Debt handed over to collections", true
        ),
        (.writeOff, ["past_due", "suspended", "written_off"], "Legal notice – Account closed", false),
    ]

    @Test(
        "each final action: the five steps on their days, the status it leads to, and what paying everything does",
        arguments: endings.indices)
    func finalAction(index: Int) throws {
        let (action, statuses, legalNotice, reactivates) = Self.endings[index]
        let mailer = Mailer(Self.policies(DunningPolicy(finalAction: action)))
        try mailer.account("acct-1")
        try mailer.invoice("acct-1", "INV-1", amount: 4_900)
        try mailer.days(through: 30)
        #expect(mailer.statuses("acct-1") == statuses)
        #expect(
            mailer.emailDays("acct-1") == [
                "1:overdue_step_1", "8:overdue_step_2", "15:overdue_step_3", "20:overdue_step_4", "25:overdue_step_5",
            ])
        let subjects = try mailer.emails("acct-1").map(\.subject)
        #expect(subjects.last == legalNotice)
        // Steps 3 and 4 announce what really happens, never "terminated" unless it is.
        let announced = subjects[2] + " " + subjects[3]
        #expect(announced.contains("terminated") == (action == .terminate), "\(announced)")
        try mailer.pay("acct-1", "INV-1", amount: 4_900)
        if reactivates {
            #expect(mailer.statuses("acct-1") == statuses + ["reactivated"])
            #expect(try mailer.emails("acct-1").last?.kind == "reactivated")
        } else {
            // Written off stays written off: the payment is applied, nothing is said or changed.
            #expect(mailer.statuses("acct-1") == statuses)
            #expect(try mailer.emails("acct-1").count == 5)
            let state = try #require(try mailer.kit.state(of: "acct-1"))
            #expect(state.ladder.invoices.first?.remaining == 0 && state.ladder.standing == .writtenOff)
            // A later invoice overdue on the written-off account starts no ladder.
            try mailer.invoice("acct-1", "INV-2", amount: 4_900, dueOn: "2026-11-01")
            try mailer.days(through: 70)
            #expect(try mailer.emails("acct-1").count == 5 && mailer.statuses("acct-1") == statuses)
        }
    }

    @Test("a merchant's own final action and minimum override the default's, member by member")
    func perMerchant() throws {
        let mailer = Mailer(
            Self.policies(
                DunningPolicy(finalAction: .cancelSubscription, minimumOverdue: ["EUR": 1_000]),
                merchants: ["m-2": DunningPolicy(finalAction: .handToCollections)]))
        try mailer.account("acct-1")
        try mailer.account("acct-2", merchant: "m-2")
        try mailer.invoice("acct-1", "INV-1", amount: 4_900)
        try mailer.invoice("acct-2", "INV-2", amount: 900, merchant: "m-2")
        try mailer.days(through: 30)
        #expect(mailer.statuses("acct-1").last == "cancelled")
        // m-2 keeps the default's EUR 10,00 minimum: 9,00 € overdue is not dunned.
        #expect(try mailer.emails("acct-2").isEmpty && mailer.statuses("acct-2").isEmpty)
        try mailer.invoice("acct-2", "INV-3", amount: 100, dueOn: "2026-10-05", merchant: "m-2")
        try mailer.days(through: 40)
        #expect(mailer.statuses("acct-2") == ["past_due", "suspended", "in_collections"])
    }

    // MARK: When dunning starts

    @Test("the minimum overdue balance, per currency: below it no ladder, at or above it the ladder runs")
    func minimumOverdue() throws {
        let mailer = Mailer(Self.policies(DunningPolicy(minimumOverdue: ["EUR": 500, "USD": 1_000])))
        for account in ["below", "at", "above", "usd-below", "usd-at", "mixed", "other-currency"] {
            try mailer.account(account)
        }
        try mailer.invoice("below", "I-1", amount: 499)
        try mailer.invoice("at", "I-2", amount: 500)
        try mailer.invoice("above", "I-3", amount: 300)
        try mailer.invoice("above", "I-4", amount: 300)  // two invoices: 6,00 € overdue in all
        try mailer.invoice("usd-below", "I-5", amount: 999, currency: "USD")
        try mailer.invoice("usd-at", "I-6", amount: 1_000, currency: "USD")
        // Each currency on its own: 4,99 € and $9.99 do not add up to a minimum.
        try mailer.invoice("mixed", "I-7", amount: 499)
        try mailer.invoice("mixed", "I-8", amount: 999, currency: "USD")
        try mailer.invoice("other-currency", "I-9", amount: 1, currency: "GBP")  // no minimum for GBP
        try mailer.days(through: 30)
        for account in ["below", "usd-below", "mixed"] {
            #expect(mailer.statuses(account).isEmpty, "\(account)")
            #expect(try mailer.emails(account).isEmpty, "\(account)")
        }
        for account in ["at", "above", "usd-at", "other-currency"] {
            #expect(mailer.statuses(account) == ["past_due", "suspended", "terminated"], "\(account)")
            #expect(try mailer.emails(account).count == 5, "\(account)")
        }
    }

    @Test("an account on the ladder whose overdue balance falls under the minimum stops as a paid one")
    func fallsUnderTheMinimum() throws {
        let mailer = Mailer(Self.policies(DunningPolicy(minimumOverdue: ["EUR": 500])))
        try mailer.account("acct-1")
        try mailer.invoice("acct-1", "INV-1", amount: 4_900)
        try mailer.days(through: 21)
        #expect(mailer.statuses("acct-1") == ["past_due", "suspended"])
        try mailer.pay("acct-1", "INV-1", amount: 4_500)  // 4,00 € left
        #expect(mailer.statuses("acct-1") == ["past_due", "suspended", "reactivated"])
        try mailer.days(through: 40)
        #expect(mailer.statuses("acct-1").count == 3, "no legal notice for what is under the minimum")
        #expect(try mailer.emails("acct-1").map(\.kind).last == "reactivated")
    }

    @Test("a ladder started by the balance reaching the minimum counts its days from that day, with its own reasons")
    func minimumReachedLater() throws {
        let mailer = Mailer(Self.policies(DunningPolicy(minimumOverdue: ["EUR": 500])))
        try mailer.account("acct-1")
        try mailer.invoice("acct-1", "INV-A", amount: 300)  // due day 0: under the minimum alone
        try mailer.invoice("acct-1", "INV-B", amount: 300, dueOn: "2026-10-31")  // day 31: 6,00 € overdue
        try mailer.days(through: 60)
        #expect(
            mailer.emailDays("acct-1") == [
                "31:overdue_step_1", "38:overdue_step_2", "45:overdue_step_3", "50:overdue_step_4",
                "55:overdue_step_5",
            ])
        #expect(mailer.statuses("acct-1") == ["past_due", "suspended", "terminated"])
        #expect(try mailer.emails("acct-1").first?.reason == "overdue/acct-1/INV-A@2026-11-01/step-1")
    }

    @Test("back over the minimum after falling under it: a new ladder from step 1, from that day, with new reasons")
    func backOverTheMinimum() throws {
        let mailer = Mailer(Self.policies(DunningPolicy(minimumOverdue: ["EUR": 500])))
        try mailer.account("acct-1")
        try mailer.invoice("acct-1", "INV-1", amount: 4_900)
        try mailer.days(through: 21)
        try mailer.pay("acct-1", "INV-1", amount: 4_500)  // 4,00 € left: under the minimum
        try mailer.invoice("acct-1", "INV-2", amount: 300, dueOn: "2026-10-31")  // day 31: 7,00 € overdue
        try mailer.days(through: 60)
        #expect(
            mailer.statuses("acct-1") == [
                "past_due", "suspended", "reactivated", "past_due", "suspended", "terminated",
            ])
        #expect(
            mailer.emailDays("acct-1") == [
                "1:overdue_step_1", "8:overdue_step_2", "15:overdue_step_3", "20:overdue_step_4", "21:reactivated",
                "31:overdue_step_1", "38:overdue_step_2", "45:overdue_step_3", "50:overdue_step_4",
                "55:overdue_step_5",
            ])
        let reasons = try mailer.emails("acct-1").map(\.reason)
        #expect(Set(reasons).count == reasons.count, "\(reasons)")
        #expect(reasons.contains("overdue/acct-1/INV-1@2026-11-01/step-1"))
    }

    // MARK: Pause, exclusion, resumption

    @Test("paused indefinitely: nothing is sent or escalated; resumed, the ladder goes on where it stood")
    func pauseAndResume() throws {
        let mailer = Mailer()
        try mailer.account("acct-1")
        try mailer.invoice("acct-1", "INV-1", amount: 4_900)
        try mailer.days(through: 3)
        #expect(try mailer.dunning("acct-1", "pause", as: Self.billing) == .applied(eventID: "e-\(mailer.sequence)"))
        try mailer.days(through: 30)
        #expect(mailer.emailDays("acct-1") == ["1:overdue_step_1"])
        #expect(mailer.statuses("acct-1") == ["past_due"])
        try mailer.dunning("acct-1", "resume", as: Self.billing)
        try mailer.days(through: 60)
        // Step 2 at the resumption (day 30), the others as far apart as on the ladder.
        #expect(
            mailer.emailDays("acct-1") == [
                "1:overdue_step_1", "30:overdue_step_2", "37:overdue_step_3", "42:overdue_step_4",
                "47:overdue_step_5",
            ])
        #expect(mailer.statuses("acct-1") == ["past_due", "suspended", "terminated"])
    }

    @Test("a pause until a date ends by itself on that date; a payment during a pause still stops the ladder")
    func pauseUntil() throws {
        let mailer = Mailer()
        try mailer.account("acct-1")
        try mailer.account("acct-2")
        try mailer.invoice("acct-1", "INV-1", amount: 4_900)
        try mailer.invoice("acct-2", "INV-2", amount: 4_900)
        try mailer.days(through: 9)
        try mailer.dunning("acct-1", "pause", until: 20, as: Self.billing)
        try mailer.dunning("acct-2", "pause", until: 20, as: Self.owner)
        try mailer.days(through: 19)
        #expect(mailer.emailDays("acct-1") == ["1:overdue_step_1", "8:overdue_step_2"])
        try mailer.pay("acct-2", "INV-2", amount: 4_900)
        #expect(mailer.statuses("acct-2") == ["past_due", "active"])
        try mailer.days(through: 40)
        #expect(
            mailer.emailDays("acct-1") == [
                "1:overdue_step_1", "8:overdue_step_2", "20:overdue_step_3", "25:overdue_step_4", "30:overdue_step_5",
            ])
        #expect(try mailer.emails("acct-2").count == 2, "nothing after the payment")
        let timers = mailer.kit.timers(of: "acct-2")
        #expect(timers.allSatisfy { $0.id != "ladder" }, "\(timers)")
    }

    @Test("a pause before the first step: it starts at the resumption; pre-due reminders wait too")
    func pauseBeforeAnythingIsOverdue() throws {
        let mailer = Mailer(Self.policies(DunningPolicy(preDueReminderDays: [3])))
        try mailer.account("acct-1")
        try mailer.invoice("acct-1", "INV-1", amount: 4_900, dueOn: "2026-10-05")
        try mailer.dunning("acct-1", "pause", as: Self.admin)
        try mailer.days(through: 20)
        #expect(try mailer.emails("acct-1").isEmpty && mailer.statuses("acct-1").isEmpty)
        try mailer.dunning("acct-1", "resume", as: Self.admin)
        try mailer.days(through: 30)
        #expect(mailer.emailDays("acct-1") == ["20:overdue_step_1", "27:overdue_step_2"])
        #expect(mailer.statuses("acct-1") == ["past_due"])
    }

    @Test("excluded: no notice until an owner or admin resumes; billing may pause and resume a pause, not more")
    func exclusionAndRoles() throws {
        let mailer = Mailer()
        try mailer.account("acct-1")
        try mailer.invoice("acct-1", "INV-1", amount: 4_900)
        // Who may give what: the runtime checks the signed roles before the handler.
        for (command, actor) in [("exclude", Self.billing), ("pause", Self.support), ("resume", Self.support)] {
            let outcome = try mailer.dunning("acct-1", command, as: actor)
            guard case .deadLettered(_, let code, _) = outcome else {
                Issue.record("\(command) by \(actor.roles) was not refused: \(outcome)")
                continue
            }
            #expect(code == "forbidden", "\(command) by \(actor.roles)")
        }
        try mailer.dunning("acct-1", "exclude", as: Self.admin)
        try mailer.days(through: 30)
        #expect(try mailer.emails("acct-1").isEmpty && mailer.statuses("acct-1").isEmpty)
        // A pause does not lift an exclusion, and billing may not resume an excluded account.
        try mailer.dunning("acct-1", "pause", until: 31, as: Self.billing)
        try mailer.days(through: 33)
        #expect(try mailer.emails("acct-1").isEmpty)
        let refused = try mailer.dunning("acct-1", "resume", as: Self.billing)
        guard case .deadLettered(_, let code, _) = refused else {
            Issue.record("billing resumed an excluded account: \(refused)")
            return
        }
        #expect(code == "forbidden")
        try mailer.dunning("acct-1", "resume", as: Self.owner)
        #expect(mailer.emailDays("acct-1") == ["33:overdue_step_1"])
        #expect(mailer.statuses("acct-1") == ["past_due"])
    }

    @Test("a pause must end after the command; exclude and resume take no end")
    func badCommands() throws {
        let mailer = Mailer()
        try mailer.day(5)
        let cases: [(String, Double, String)] = [
            ("pause", 4, "until_not_after_command"), ("exclude", 9, "until_with_exclude"),
            ("resume", 9, "until_with_resume"),
        ]
        for (command, until, expected) in cases {
            let outcome = try mailer.dunning("acct-1", command, until: until, as: Self.owner)
            guard case .deadLettered(_, let code, _) = outcome else {
                Issue.record("\(command) until day \(until) was applied")
                continue
            }
            #expect(code == expected)
        }
    }

    // MARK: Before the due date

    @Test("pre-due reminders: each once, the closest after a jump in time, none once paid")
    func preDueReminders() throws {
        let mailer = Mailer(Self.policies(DunningPolicy(preDueReminderDays: [7, 1])))
        try mailer.account("acct-1", locale: "fr")
        try mailer.invoice("acct-1", "INV-1", amount: 4_900, dueOn: "2026-10-10")
        try mailer.invoice("acct-1", "INV-2", amount: 1_500, dueOn: "2026-10-20")
        try mailer.invoice("acct-1", "INV-3", amount: 2_000, dueOn: "2026-10-30")
        // INV-1 (due day 9): 7 days before is day 2, the day before is day 8.
        try mailer.days(through: 9)
        try mailer.pay("acct-1", "INV-1", amount: 4_900)
        try mailer.pay("acct-1", "INV-2", amount: 1_500)  // paid before its first reminder (day 12)
        try mailer.day(28)  // a jump past INV-3's two reminders (days 21 and 27): only the closest, once
        try mailer.day(28.5)
        try mailer.pay("acct-1", "INV-3", amount: 2_000)
        try mailer.days(through: 35)
        let reminders = try mailer.emails("acct-1").filter { $0.kind == "due_soon" }
        #expect(
            reminders.map(\.reason) == [
                "due_soon/acct-1/INV-1/7d", "due_soon/acct-1/INV-1/1d", "due_soon/acct-1/INV-3/1d",
            ])
        #expect(mailer.emailDays("acct-1") == ["2:due_soon", "8:due_soon", "28:due_soon"])
        #expect(reminders.first?.subject == "Rappel – Facture INV-1 à régler le 10 octobre 2026")
        #expect(reminders.first?.locale == .fr)
    }

    @Test("a pre-due reminder says the days really left: issued two days before, after a pause, on the due day")
    func preDueDaysLeft() throws {
        let mailer = Mailer(Self.policies(DunningPolicy(preDueReminderDays: [7, 1])))
        for account in ["late-issue", "paused", "paused-past-due"] { try mailer.account(account, locale: "fr") }
        // Issued two days before its due date (day 2): the 7-day reminder says two days.
        try mailer.invoice("late-issue", "INV-1", amount: 4_900, dueOn: "2026-10-03")
        // Paused through both reminders, resumed on the due day (day 10): "aujourd’hui".
        try mailer.invoice("paused", "INV-2", amount: 4_900, dueOn: "2026-10-11")
        try mailer.dunning("paused", "pause", until: 10, as: Self.billing)
        // Resumed after the due date: no reminder.
        try mailer.invoice("paused-past-due", "INV-3", amount: 4_900, dueOn: "2026-10-11")
        try mailer.dunning("paused-past-due", "pause", until: 12, as: Self.billing)
        try mailer.days(through: 12)
        let late = try mailer.emails("late-issue").filter { $0.kind == "due_soon" }
        #expect(late.map(\.reason) == ["due_soon/late-issue/INV-1/7d", "due_soon/late-issue/INV-1/1d"])
        let lateText = late.first.map { ReceivedMail($0.message).text } ?? ""
        #expect(lateText.contains("arrive à échéance le 3 octobre 2026, dans 2 jours."), "\(lateText)")
        let paused = try mailer.emails("paused").filter { $0.kind == "due_soon" }
        #expect(paused.count == 1 && mailer.emailDays("paused").first == "10:due_soon")
        let pausedText = paused.first.map { ReceivedMail($0.message).text } ?? ""
        #expect(pausedText.contains("arrive à échéance aujourd’hui, le 11 octobre 2026."), "\(pausedText)")
        #expect(try mailer.emails("paused-past-due").filter { $0.kind == "due_soon" }.isEmpty)
    }

    @Test("a pre-due reminder waiting for recipients is dropped if dunning is paused or the due date passed")
    func heldReminderReleased() throws {
        let mailer = Mailer(Self.policies(DunningPolicy(preDueReminderDays: [7])))
        // No recipients yet: the reminders (day 3) wait for them.
        try mailer.invoice("paused", "INV-1", amount: 4_900, dueOn: "2026-10-11")
        try mailer.invoice("kept", "INV-2", amount: 4_900, dueOn: "2026-10-11")
        try mailer.day(3)
        try mailer.dunning("paused", "pause", as: Self.billing)
        try mailer.day(3.5)
        try mailer.account("paused")
        try mailer.account("kept")
        #expect(try mailer.emails("paused").isEmpty)
        #expect(try mailer.emails("kept").map(\.kind) == ["due_soon"])
        // Decided on the due day, the recipients come the next day: too late.
        try mailer.day(10.6)
        try mailer.invoice("late", "INV-3", amount: 4_900, dueOn: "2026-10-11")
        try mailer.day(11.2)
        try mailer.account("late")
        #expect(try mailer.emails("late").filter { $0.kind == "due_soon" }.isEmpty)
    }

    // MARK: Collections and writing off

    @Test("hand_to_collections hands each overdue invoice over to the collections partner, once")
    func handedOverToCollections() throws {
        let mailer = Mailer(Self.policies(DunningPolicy(finalAction: .handToCollections)))
        try mailer.account("acct-1")
        try mailer.invoice("acct-1", "INV-1", amount: 4_900)
        try mailer.invoice("acct-1", "INV-2", amount: 1_000, dueOn: "2026-10-05")
        try mailer.pay("acct-1", "INV-1", amount: 900)
        try mailer.days(through: 30)
        var handed = try mailer.kit.events(on: PaymentEvents.collectionsTopic).map {
            try $0.decode(CollectionsHandedOver.self)
        }
        #expect(
            handed == [
                CollectionsHandedOver(
                    paymentId: nil, invoiceId: "INV-1", amount: 4_000, currency: "EUR", dueOn: "2026-10-01"),
                CollectionsHandedOver(
                    paymentId: nil, invoiceId: "INV-2", amount: 1_000, currency: "EUR", dueOn: "2026-10-05"),
            ])
        #expect(mailer.emailDays("acct-1").filter { $0.hasPrefix("25:") } == ["25:overdue_step_5"])
        // Paid: reactivated; a later invoice's ladder hands over only what was not handed over yet.
        try mailer.pay("acct-1", "INV-1", amount: 4_000)
        try mailer.pay("acct-1", "INV-2", amount: 1_000)
        try mailer.invoice("acct-1", "INV-3", amount: 2_000, dueOn: "2026-11-10")
        try mailer.days(through: 80)
        handed = try mailer.kit.events(on: PaymentEvents.collectionsTopic).map {
            try $0.decode(CollectionsHandedOver.self)
        }
        #expect(handed.map(\.invoiceId) == ["INV-1", "INV-2", "INV-3"])
        #expect(mailer.statuses("acct-1").last == "in_collections")
    }

    @Test("a written-off account gets no more payment-failed emails")
    func writtenOffNoPaymentFailed() throws {
        let mailer = Mailer(Self.policies(DunningPolicy(finalAction: .writeOff)))
        try mailer.account("acct-1")
        try mailer.invoice("acct-1", "INV-1", amount: 4_900)
        let notification = JSONValue.object([
            "kind": .string("payment_failed"), "audience": .string("customer"), "paymentId": .string("p-1"),
            "invoiceId": .string("INV-1"), "amount": .integer(4_900), "currency": .string("EUR"),
            "reason": .string("insufficient funds"),
        ])
        try mailer.kit.publish(
            mailer.envelope("notification.requested", "acct-1", notification), to: PaymentEvents.notificationsTopic)
        try mailer.days(through: 30)
        #expect(mailer.statuses("acct-1").last == "written_off")
        try mailer.kit.publish(
            mailer.envelope("notification.requested", "acct-1", notification), to: PaymentEvents.notificationsTopic)
        #expect(try mailer.emails("acct-1").filter { $0.kind == "payment_failed" }.count == 1)
    }

    // MARK: The emails' words

    static let words: [(FinalAction, fr: [String], en: [String])] = [
        (
            .terminate,
            [
                "Troisième avis – Votre compte sera résilié dans 10 jours",
                "Dernier avis – Votre compte sera résilié dans 5 jours", "Avis légal – Compte résilié",
                "est résilié à compter de ce jour", "le régler rétablira votre service",
            ],
            [
                "Third notice – Your account will be terminated in 10 days",
                "Final notice – Your account will be terminated in 5 days", "Legal notice – Account terminated",
                "is terminated as of today", "paying it will restore your service",
            ]
        ),
        (
            .suspend,
            [
                "Troisième avis – Votre compte sera suspendu dans 5 jours", "Dernier avis – Votre compte est suspendu",
                "Avis légal – Compte suspendu", "reste suspendu jusqu’au règlement",
                "le régler rétablira votre service",
            ],
            [
                "Third notice – Your account will be suspended in 5 days", "Final notice – Your account is suspended",
                "Legal notice – Account suspended", "remains suspended until it is paid",
                "paying it will restore your service",
            ]
        ),
        (
            .cancelSubscription,
            [
                "Troisième avis – Votre abonnement sera annulé dans 10 jours",
                "Dernier avis – Votre abonnement sera annulé dans 5 jours", "Avis légal – Abonnement annulé",
                "votre abonnement Aérocall est annulé à compter de ce jour", "vous pourrez vous abonner à nouveau",
            ],
            [
                "Third notice – Your subscription will be cancelled in 10 days",
                "Final notice – Your subscription will be cancelled in 5 days", "Legal notice – Subscription cancelled",
                "your Aérocall subscription is cancelled as of today", "you may subscribe again",
            ]
        ),
        (
            .handToCollections,
            [
                "Troisième avis – Votre dette sera transmise à notre service de recouvrement dans 10 jours",
                "Dernier avis – Votre dette sera transmise à notre service de recouvrement dans 5 jours",
                "Avis légal – Dette transmise au recouvrement", "notre service de recouvrement, qui vous contactera",
                "le régler rétablira votre service",
            ],
            [
                "Third notice – Your debt will be handed over to our collections service in 10 days",
                "Final notice – Your debt will be handed over to our collections service in 5 days",
                "Legal notice – Debt handed over to collections",
                "our collections service as of today, who will contact you",
                "paying it will restore your service",
            ]
        ),
        (
            .writeOff,
            [
                "Troisième avis – Votre compte sera clôturé dans 10 jours",
                "Dernier avis – Votre compte sera clôturé dans 5 jours", "Avis légal – Compte clôturé",
                "est clôturé à compter de ce jour", "Nous cessons de vous relancer pour ce montant, qui reste dû",
                "Un paiement automatique déjà prévu peut toutefois encore être présenté",
            ],
            [
                "Third notice – Your account will be closed in 10 days",
                "Final notice – Your account will be closed in 5 days", "Legal notice – Account closed",
                "is closed as of today", "We will send no further reminders about this amount, which is still due",
                "An automatic payment already scheduled may still be attempted",
            ]
        ),
    ]

    @Test("steps 3, 4 and 5 say what the final action really does, in French and English", arguments: words.indices)
    func emailWords(index: Int) {
        let (action, fr, en) = Self.words[index]
        let merchant = MerchantProfile(
            name: "Aérocall", fromAddress: "facturation@aerocall.test", contactEmail: "support@aerocall.test",
            paymentURL: "https://aerocall.test/pay/{account}", locale: .fr)
        let policy = LadderPolicy(stepDays: LadderPolicy.default.stepDays, finalAction: action)
        let invoices = [MailInvoice(number: "INV-7", dueOn: "2026-10-01", amount: 4_900, currency: "EUR")]
        for (locale, expected) in [(MailLocale.fr, fr), (.en, en)] {
            let rendered = (3...5).map { step in
                MailTemplates.render(
                    .overdue(
                        step: step, invoices: invoices, daysToTermination: policy.daysToTermination(step: step),
                        finalAction: action), locale: locale, merchant: merchant, customerName: "Zoé",
                    accountID: "acct-1")
            }
            #expect(rendered.map(\.subject) == Array(expected.prefix(3)), "\(action) \(locale)")
            let legal = rendered[2].text
            for phrase in expected.dropFirst(3) { #expect(legal.contains(phrase), "\(action) \(locale): \(phrase)") }
            let all = rendered.map { $0.subject + $0.text + $0.html }.joined()
            for code in ["cancel_subscription", "hand_to_collections", "write_off", "in_collections", "written_off"] {
                #expect(!all.contains(code), "\(action) \(locale): internal code \(code) in the email")
            }
            if action != .terminate {
                #expect(!all.contains("résilié") && !all.contains("terminated"), "\(action) \(locale)")
            }
        }
    }

    @Test("the pre-due reminder in French and English")
    func preDueWords() {
        let merchant = MerchantProfile(
            name: "Aérocall", fromAddress: "facturation@aerocall.test", contactEmail: "support@aerocall.test",
            paymentURL: "https://aerocall.test/pay/{account}")
        let invoice = MailInvoice(number: "INV-9", dueOn: "2026-11-01", amount: 12_000, currency: "EUR")
        let fr = MailTemplates.render(
            .dueSoon(invoice: invoice, days: 7), locale: .fr, merchant: merchant, customerName: nil, accountID: "a")
        #expect(fr.subject == "Rappel – Facture INV-9 à régler le 1er novembre 2026")
        #expect(
            fr.text.contains(
                "La facture INV-9 de 120,00\u{00A0}€ arrive à échéance le 1er novembre 2026, dans 7 jours."))
        let en = MailTemplates.render(
            .dueSoon(invoice: invoice, days: 1), locale: .en, merchant: merchant, customerName: nil, accountID: "a")
        #expect(en.subject == "Reminder – Invoice INV-9 due on 1 November 2026")
        #expect(en.text.contains("Invoice INV-9 for €120.00 is due on 1 November 2026, tomorrow."))
        #expect(en.text.contains("https://aerocall.test/pay/a"))
        let today = MailTemplates.render(
            .dueSoon(invoice: invoice, days: 0), locale: .fr, merchant: merchant, customerName: nil, accountID: "a")
        #expect(today.text.contains("arrive à échéance aujourd’hui, le 1er novembre 2026."))
    }
}
