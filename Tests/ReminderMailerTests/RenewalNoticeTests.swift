import Foundation
import RelanceDomain
import RelanceEvents
import RelanceMail
import RelanceRuntime
import RelanceTesting
import ReminderMailerService
import Testing

/// Issue 26's renewal notice: a subscription billed every six months or less often gets, a
/// few days before its renewal, the notice Mastercard requires (3 to 7 days before, with the
/// terms and how to cancel). The test kit with simulated days (day 0 is 2026-10-01).
@Suite("reminder-mailer's renewal notices")
struct RenewalNoticeTests {
    typealias Mailer = DunningPolicyTests.Mailer

    static func announce(
        _ mailer: Mailer, _ account: String = "acct-1", subscription: String = "sub-1", renewsOn: String,
        months: Int64 = 12, amount: Int64 = 11_900, manage: String? = "https://shop.test/{account}/abonnement",
        merchant: String = "m-1"
    ) throws {
        var data: [(key: String, value: JSONValue)] = [
            ("subscriptionId", .string(subscription)), ("plan", .string("Premium")), ("renewsOn", .string(renewsOn)),
            ("amount", .integer(amount)), ("currency", .string("EUR")), ("intervalMonths", .integer(months)),
        ]
        if let manage { data.append(("manageUrl", .string(manage))) }
        let outcome = try mailer.kit.publish(
            mailer.envelope("subscription.renewal-upcoming", account, merchant: merchant, .object(data)),
            to: MailEvents.accountsTopic)
        #expect(outcome == .applied(eventID: "e-\(mailer.sequence)"))
    }

    static func notices(_ mailer: Mailer, _ account: String = "acct-1") -> [String] {
        mailer.emailDays(account).filter { $0.hasSuffix(":renewal_notice") }
    }

    @Test("a yearly renewal: one notice 7 days before, in French, with the terms and the link to cancel")
    func yearly() throws {
        let mailer = Mailer()
        try mailer.account("acct-1", locale: "fr")
        try Self.announce(mailer, renewsOn: "2026-10-20")
        try mailer.days(through: 11)
        #expect(Self.notices(mailer).isEmpty, "not before 13 October")
        try mailer.days(through: 25)
        #expect(Self.notices(mailer) == ["12:renewal_notice"])
        let email = try #require(try mailer.emails("acct-1").first { $0.kind == "renewal_notice" })
        #expect(email.reason == "renewal/acct-1/sub-1/2026-10-20")
        let text = ReceivedMail(email.message).text
        #expect(
            text.contains(
                "Votre abonnement Premium chez Relance sera renouvelé le 20 octobre 2026, dans 7 jours : nous débiterons "
                    + "119,00\u{A0}€ sur votre moyen de paiement enregistré, puis chaque année jusqu’à résiliation."),
            "\(text)")
        #expect(
            text.contains("Pour le résilier ou le modifier, rendez-vous sur votre espace client avant le 20 octobre"))
        #expect(text.contains("https://shop.test/acct-1/abonnement"))
        // The same announcement again (the platform repeats itself), after the notice: none more.
        try Self.announce(mailer, renewsOn: "2026-10-20")
        try mailer.days(through: 26)
        #expect(Self.notices(mailer).count == 1)
    }

    @Test("billed every six months or less often only; 0 days turns it off; a merchant's own days")
    func whichSubscriptions() throws {
        let mailer = Mailer(
            DunningPolicies(
                default: DunningPolicy(renewalNoticeDays: 3),
                merchants: ["m-2": DunningPolicy(renewalNoticeDays: 0)]))
        for (account, merchant) in [("monthly", "m-1"), ("five", "m-1"), ("six", "m-1"), ("off", "m-2")] {
            try mailer.account(account, merchant: merchant)
        }
        try Self.announce(mailer, "monthly", renewsOn: "2026-10-20", months: 1)
        try Self.announce(mailer, "five", renewsOn: "2026-10-20", months: 5)
        try Self.announce(mailer, "six", renewsOn: "2026-10-20", months: 6)
        try Self.announce(mailer, "off", renewsOn: "2026-10-20", months: 12, merchant: "m-2")
        try mailer.days(through: 25)
        #expect(Self.notices(mailer, "six") == ["16:renewal_notice"], "3 days before: 17 October")
        #expect(Self.notices(mailer, "monthly").isEmpty && Self.notices(mailer, "five").isEmpty)
        #expect(Self.notices(mailer, "off").isEmpty)
        let text = try mailer.emails("six").first.map { ReceivedMail($0.message).text } ?? ""
        #expect(text.contains("then every 6 months until you cancel") && text.contains("in 3 days"), "\(text)")
    }

    @Test("announced late: at once with the days really left; a renewal moved: noticed for its new date; past: none")
    func lateAndMoved() throws {
        let mailer = Mailer()
        try mailer.account("late", locale: "en")
        try mailer.account("moved")
        try mailer.account("past")
        try mailer.day(10)
        try Self.announce(mailer, "late", renewsOn: "2026-10-13", months: 12, manage: nil)
        try Self.announce(mailer, "moved", renewsOn: "2026-10-14")
        try Self.announce(mailer, "past", renewsOn: "2026-10-11")
        try mailer.day(10.5)
        #expect(Self.notices(mailer, "late") == ["10:renewal_notice"])
        let text = try mailer.emails("late").first.map { ReceivedMail($0.message).text } ?? ""
        #expect(text.contains("renews on 13 October 2026, in 2 days"), "\(text)")
        #expect(
            text.contains(
                "To cancel it, write to us at support@relance.localhost before 13 October 2026. If you do nothing, "),
            "no manage link: the merchant's contact address")
        // "moved" was noticed at once (in the 7 days); its renewal moves to November: noticed again then.
        #expect(Self.notices(mailer, "moved") == ["10:renewal_notice"])
        try Self.announce(mailer, "moved", renewsOn: "2026-11-20")
        try mailer.days(through: 60)
        #expect(Self.notices(mailer, "moved") == ["10:renewal_notice", "43:renewal_notice"])
        #expect(Self.notices(mailer, "past").isEmpty)
    }

    @Test("a dunning pause does not hold a renewal notice: it is about a charge to come, not a debt")
    func notHeldByPause() throws {
        let mailer = Mailer()
        try mailer.account("acct-1")
        #expect(try mailer.dunning("acct-1", "pause", as: DunningPolicyTests.billing) == .applied(eventID: "e-3"))
        try Self.announce(mailer, renewsOn: "2026-10-20")
        try mailer.days(through: 13)
        #expect(Self.notices(mailer) == ["12:renewal_notice"])
    }
}
