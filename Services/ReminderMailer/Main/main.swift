import Foundation
import RelanceDomain
import RelanceEvents
import RelanceMail
import RelanceRuntime
import ReminderMailerService

// reminder-mailer: runtime configuration from RELANCE_* variables (docs/runtime.md), and its
// own, listed below (`reminder-mailer --help`; docs/reminder-mailer.md). The daily digest runs
// in the same process as a second runtime ("reminder-mailer-digest").
let setup = WorkerSetup.start(
    worker: "reminder-mailer",
    summary: "the overdue ladder, account status, and every email to customers and merchants",
    settings: WorkerSettings.reminderMailer, docs: "docs/reminder-mailer.md")
var worker = ReminderMailerWorker()
if let days = setup.text("RELANCE_LADDER_DAYS") {
    do {
        worker.policy = try LadderPolicy.parse(days)
    } catch {
        setup.fail("RELANCE_LADDER_DAYS=\(days): \(error)")
    }
}
if let days = setup.integer("RELANCE_PENDING_PAYMENT_DAYS", in: 1...365, "a number of days") {
    worker.policy.pendingPaymentDays = days
}
if let hours = setup.number("RELANCE_RECIPIENTS_WAIT_HOURS", in: 0.001...8760, "a number of hours") {
    worker.recipientsWait = hours * 3600
}
if let merchants = setup.jsonFile(ConfigurationFiles.merchants, as: [String: MerchantProfile].self) {
    worker.merchants = merchants
}
if let dunning = setup.jsonFile(ConfigurationFiles.dunningPolicies, read: DunningPolicies.read) {
    worker.dunning = dunning
}
var retry = MailRetryPolicy()
if let seconds = setup.integer("RELANCE_MAIL_RETRY_CAP_SECONDS", in: 1...86_400, "seconds") {
    retry.cap = .seconds(seconds)
}
if let hours = setup.integer("RELANCE_MAIL_GIVE_UP_HOURS", in: 1...8760, "hours") {
    retry.giveUpAfter = .seconds(hours * 3600)
}
let transport: any MailTransport
if let url = setup.text("RELANCE_SMTP_URL") {
    do {
        transport = SMTPTransport(configuration: try SMTPConfiguration.parse(url))
    } catch {
        setup.fail("RELANCE_SMTP_URL=\(SMTPConfiguration.redacted(url)): \(error)")
    }
} else if let folder = setup.text("RELANCE_MAIL_DIR") {
    do {
        transport = try DirectoryTransport(folder: URL(fileURLWithPath: folder))
    } catch {
        setup.fail("RELANCE_MAIL_DIR=\(folder): \(error)")
    }
} else {
    setup.fail("set RELANCE_SMTP_URL (smtp://…) or RELANCE_MAIL_DIR (a folder for .eml files)")
}
let mailTransport = UncheckedTransport(transport)
await setup.run(worker) { configuration, log in
    var delivery = MailDelivery.Configuration(
        kafka: configuration.kafka, groupID: "\(configuration.groupID ?? "relance-\(worker.name)")-delivery")
    delivery.retry = retry
    delivery.kafka.logger = log
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
}

/// The transport crosses into the closure once, before any concurrency starts.
struct UncheckedTransport: @unchecked Sendable {
    let transport: any MailTransport
    init(_ transport: any MailTransport) { self.transport = transport }
}
