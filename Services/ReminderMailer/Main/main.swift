import Foundation
import RelanceDomain
import RelanceMail
import RelanceRuntime
import ReminderMailerService

// reminder-mailer: runtime configuration from RELANCE_* variables (docs/runtime.md), and its
// own, listed below (`reminder-mailer --help`; docs/reminder-mailer.md). The daily digest runs
// in the same process as a second runtime ("reminder-mailer-digest").
if let code = WorkerHelp.answer(
    worker: "reminder-mailer",
    summary: "the overdue ladder, account status, and every email to customers and merchants",
    settings: [
        Setting("RELANCE_SMTP_URL", "(none)", "smtp://user:password@host:587?security=starttls: deliver over SMTP"),
        Setting("RELANCE_MAIL_DIR", "(none)", "a folder to write .eml files to instead; one of the two"),
        Setting(
            "RELANCE_MERCHANTS", "(none)",
            "JSON file {\"merchant id\": {name, fromAddress, contactEmail, logoURL, paymentURL, locale, digestRecipients}}"
        ),
        Setting("RELANCE_LADDER_DAYS", "1,8,15,20,25", "days after the due date of the five steps"),
        Setting("RELANCE_PENDING_PAYMENT_DAYS", "14", "how long a payment or charge in flight holds the ladder"),
        Setting("RELANCE_MAIL_RETRY_CAP_SECONDS", "60", "longest wait between delivery attempts"),
        Setting("RELANCE_MAIL_GIVE_UP_HOURS", "24", "give an email up after this long undeliverable"),
        Setting("RELANCE_RECIPIENTS_WAIT_HOURS", "24", "how long an email waits for the account's invoice recipients"),
    ], docs: "docs/reminder-mailer.md")
{
    exit(code)
}
let environment = ProcessInfo.processInfo.environment
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("reminder-mailer: \(message)\n".utf8))
    exit(2)
}
var worker = ReminderMailerWorker()
do {
    if let days = environment["RELANCE_LADDER_DAYS"] { worker.policy = try LadderPolicy.parse(days) }
    if let text = environment["RELANCE_PENDING_PAYMENT_DAYS"] {
        guard let days = Int(text), days > 0 else { fail("RELANCE_PENDING_PAYMENT_DAYS=\(text): a number of days") }
        worker.policy.pendingPaymentDays = days
    }
    if let text = environment["RELANCE_RECIPIENTS_WAIT_HOURS"] {
        guard let hours = Double(text), hours > 0, hours.isFinite else {
            fail("RELANCE_RECIPIENTS_WAIT_HOURS=\(text): a number of hours")
        }
        worker.recipientsWait = hours * 3600
    }
    if let path = environment["RELANCE_MERCHANTS"] {
        worker.merchants = try JSONDecoder().decode(
            [String: MerchantProfile].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
} catch {
    fail("\(error)")
}
var retry = MailRetryPolicy()
if let text = environment["RELANCE_MAIL_RETRY_CAP_SECONDS"] {
    guard let seconds = Int(text), seconds > 0 else { fail("RELANCE_MAIL_RETRY_CAP_SECONDS=\(text): seconds") }
    retry.cap = .seconds(seconds)
}
if let text = environment["RELANCE_MAIL_GIVE_UP_HOURS"] {
    guard let hours = Int(text), hours > 0 else { fail("RELANCE_MAIL_GIVE_UP_HOURS=\(text): hours") }
    retry.giveUpAfter = .seconds(hours * 3600)
}
let transport: any MailTransport
do {
    if let url = environment["RELANCE_SMTP_URL"] {
        transport = SMTPTransport(configuration: try SMTPConfiguration.parse(url))
    } else if let folder = environment["RELANCE_MAIL_DIR"] {
        transport = try DirectoryTransport(folder: URL(fileURLWithPath: folder))
    } else {
        fail("set RELANCE_SMTP_URL (smtp://…) or RELANCE_MAIL_DIR (a folder for .eml files)")
    }
} catch {
    fail("\(error)")
}
let mailTransport = UncheckedTransport(transport)
exit(
    await WorkerMain.run(worker) { configuration, log in
        var delivery = MailDelivery.Configuration(
            kafka: configuration.kafka, groupID: "\(configuration.groupID ?? "relance-\(worker.name)")-delivery")
        delivery.retry = retry
        delivery.sessionTimeoutMilliseconds = configuration.sessionTimeoutMilliseconds
        // The daily digest: a second runtime, over merchants instead of accounts.
        let digest = DigestWorker(
            merchants: worker.merchants, fallbackMerchant: worker.fallbackMerchant,
            messageIDDomain: worker.messageIDDomain, recipientsWait: worker.recipientsWait)
        var digestConfiguration = configuration
        digestConfiguration.changelogTopic = nil
        digestConfiguration.groupID = configuration.groupID.map { "\($0)-digest" }
        return [
            MailDelivery(configuration: delivery, transport: mailTransport.transport, log: log),
            RuntimeService(digest, configuration: digestConfiguration),
        ]
    })

/// The transport crosses into the closure once, before any concurrency starts.
struct UncheckedTransport: @unchecked Sendable {
    let transport: any MailTransport
    init(_ transport: any MailTransport) { self.transport = transport }
}
