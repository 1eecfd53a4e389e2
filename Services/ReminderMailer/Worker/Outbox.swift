import Foundation
import RelanceDomain
import RelanceEvents
import RelanceMail
import RelanceRuntime

/// An email decided while it had nobody to go to: the account's invoice recipients were not
/// known yet. Records on different topics come in no set order, so a customer's first
/// `payment.failed` notification can be read before the recipients list published with it.
/// Kept in the worker's state (the changelog) until recipients come, then sent to them; given up
/// at `until` (`email.failed`, and the record that asked for it to the dead-letter topic as
/// `no_recipients`, replayable once the account has recipients).
public struct HeldEmail: Codable, Sendable, Equatable {
    public var subject: MailSubject
    public var kind: String
    /// Why the email is sent: its Message-ID derives from it, held or not.
    public var reason: String
    /// The merchant the email is from.
    public var merchantID: String
    /// Clock time when it was decided, and when it is given up.
    public var heldAt: Date
    public var until: Date
    /// The record that asked for the email (a `notification.requested`); nil when the ladder
    /// or the digest decided it (no record to replay).
    public var input: HeldInput?

    var timerID: String { Outbox.holdTimerPrefix + reason }
}

/// Writing an email to the outbox topic, for reminder-mailer and its digest alike.
enum Outbox {
    /// Who writes, in which language, to whom by name.
    struct Sender {
        var merchant: MerchantProfile
        var locale: MailLocale
        var customerName: String?
        /// The domain part of Message-IDs.
        var domain: String
    }

    /// Timers of held emails: this prefix and the email's reason.
    static let holdTimerPrefix = "recipients:"
    /// Emails held per account at most: past that, the oldest is given up at once.
    static let maxHeld = 50
    static let noRecipients = "no_recipients"

    /// The Message-ID of the email sent for `reason`: the same reason, the same id.
    static func messageID(reason: String, kind: String, domain: String) -> String {
        "\(String(EventIDs.hash(reason), radix: 16)).\(kind.replacingOccurrences(of: "_", with: "-"))@\(domain)"
    }

    /// Every email goes through here. With recipients it is rendered and put in the outbox; with
    /// none it is held in `held` (once per reason) with a timer at now + `wait`, until `release`
    /// or `expire`. `input` is the record that asked for the email, if one did.
    static func deliver(
        _ subject: MailSubject, kind: String, reason: String, to recipients: [MailAddress], sender: Sender,
        merchantID: String, held: inout [HeldEmail]?, wait: TimeInterval, input: HeldInput?,
        context: inout WorkerContext, senderOf: (HeldEmail) -> Sender
    ) {
        guard recipients.isEmpty else {
            send(subject, kind: kind, reason: reason, to: recipients, sender: sender, context: &context)
            return
        }
        var emails = held ?? []
        guard !emails.contains(where: { $0.reason == reason }) else { return }  // the same email, held once
        let email = HeldEmail(
            subject: subject, kind: kind, reason: reason, merchantID: merchantID, heldAt: context.now,
            until: context.now.addingTimeInterval(wait), input: input)
        emails.append(email)
        context.schedule(email.timerID, at: email.until)
        while emails.count > maxHeld {
            let oldest = emails.removeFirst()
            context.cancelTimer(oldest.timerID)
            giveUp(oldest, because: "more than \(maxHeld) emails waited for them", sender: senderOf(oldest), &context)
        }
        held = emails
    }

    /// Recipients came: every held email that still applies goes to them now, in the order
    /// decided; one that no longer does (`applies` false: an overdue notice about an invoice
    /// paid or being charged since) is dropped, its timer with it.
    static func release(
        _ held: inout [HeldEmail]?, to recipients: [MailAddress], context: inout WorkerContext,
        applies: (HeldEmail) -> Bool = { _ in true }, senderOf: (HeldEmail) -> Sender
    ) {
        guard let emails = held, !recipients.isEmpty else { return }
        held = nil
        for email in emails {
            context.cancelTimer(email.timerID)
            guard applies(email) else { continue }
            send(
                email.subject, kind: email.kind, reason: email.reason, to: recipients, sender: senderOf(email),
                context: &context)
        }
    }

    /// A held email's timer: no recipients came in time. False when `timer` is not one.
    static func expire(
        _ timer: DueTimer, _ held: inout [HeldEmail]?, context: inout WorkerContext, senderOf: (HeldEmail) -> Sender
    ) -> Bool {
        guard timer.id.hasPrefix(holdTimerPrefix) else { return false }
        guard var emails = held, let index = emails.firstIndex(where: { $0.timerID == timer.id }) else { return true }
        let email = emails.remove(at: index)
        held = emails.isEmpty ? nil : emails
        giveUp(email, because: "none came by " + Timestamp.format(email.until), sender: senderOf(email), &context)
        return true
    }

    /// A visible failure on the email log, and the record that asked for the email (if any) to
    /// the dead-letter topic: replayed once recipients exist, it asks again.
    static func giveUp(_ email: HeldEmail, because why: String, sender: Sender, _ context: inout WorkerContext) {
        let error =
            "no recipients: the email waited for the account's recipients from \(Timestamp.format(email.heldAt)); "
            + why
        failed(
            email.subject, kind: email.kind, reason: email.reason, error: error, sender: sender, context: &context)
        if let input = email.input {
            context.deadLetter(
                input, code: noRecipients,
                message: "\(email.kind) email for account \(context.accountID) not sent: \(error); "
                    + "replay this record once the account has invoice recipients")
        }
    }

    /// Records on the email log why an email did not go (`email.failed`, to "(none)").
    static func failed(
        _ subject: MailSubject, kind: String, reason: String, error: String, sender: Sender,
        context: inout WorkerContext
    ) {
        let messageID = messageID(reason: reason, kind: kind, domain: sender.domain)
        let rendered = MailTemplates.render(
            subject, locale: sender.locale, merchant: sender.merchant, customerName: sender.customerName,
            accountID: context.accountID)
        context.emit(
            EmailFailed(
                messageId: messageID, reason: reason, kind: kind, to: ["(none)"], subject: rendered.subject,
                error: error, code: 0, attempts: 1),
            to: MailEvents.emailLogTopic, key: messageID)
    }

    /// Renders the email and puts it in the outbox (`recipients` not empty).
    static func send(
        _ subject: MailSubject, kind: String, reason: String, to recipients: [MailAddress], sender: Sender,
        context: inout WorkerContext
    ) {
        let merchant = sender.merchant
        let messageID = messageID(reason: reason, kind: kind, domain: sender.domain)
        let rendered = MailTemplates.render(
            subject, locale: sender.locale, merchant: merchant, customerName: sender.customerName,
            accountID: context.accountID)
        let message = EmailMessage(
            from: MailAddress(merchant.fromAddress, name: merchant.name), to: recipients,
            replyTo: MailAddress(merchant.contactEmail, name: merchant.name), subject: rendered.subject,
            date: context.now, messageID: messageID,
            headers: [("X-Relance-Reason", reason), ("X-Relance-Account", context.accountID)],
            text: rendered.text, html: rendered.html)
        context.emit(
            EmailRequested(
                messageId: messageID, reason: reason, kind: kind, from: merchant.fromAddress,
                to: recipients.map(\.address), subject: rendered.subject, locale: EmailRequested.Locale(sender.locale),
                message: String(decoding: message.rfc5322(), as: UTF8.self)),
            to: MailEvents.emailsTopic)
    }
}

extension EmailRequested.Locale {
    init(_ locale: MailLocale) {
        switch locale {
        case .fr: self = .fr
        case .en: self = .en
        }
    }
}
