import Foundation
import RelanceDomain
import RelanceMail
import RelanceRuntime

/// Writing an email to the outbox topic, for reminder-mailer and its digest alike.
enum Outbox {
    /// The Message-ID of the email sent for `reason`: the same reason, the same id.
    static func messageID(reason: String, kind: String, domain: String) -> String {
        "\(String(EventIDs.hash(reason), radix: 16)).\(kind.replacingOccurrences(of: "_", with: "-"))@\(domain)"
    }

    /// Renders the email and puts it in the outbox; with no recipient, records why nothing went.
    static func send(
        _ subject: MailSubject, kind: String, reason: String, to recipients: [MailAddress], merchant: MerchantProfile,
        locale: MailLocale, customerName: String?, domain: String, context: inout WorkerContext
    ) {
        let messageID = messageID(reason: reason, kind: kind, domain: domain)
        let rendered = MailTemplates.render(
            subject, locale: locale, merchant: merchant, customerName: customerName, accountID: context.accountID)
        guard !recipients.isEmpty else {
            context.emit(
                "email.failed", to: MailEvents.emailLogTopic,
                data: .object([
                    "messageId": .string(messageID), "reason": .string(reason), "kind": .string(kind),
                    "to": .array([.string("(none)")]), "subject": .string(rendered.subject),
                    "error": .string("no recipients"), "code": .integer(0), "attempts": .integer(1),
                ]), key: messageID)
            return
        }
        let message = EmailMessage(
            from: MailAddress(merchant.fromAddress, name: merchant.name), to: recipients,
            replyTo: MailAddress(merchant.contactEmail, name: merchant.name), subject: rendered.subject,
            date: context.now, messageID: messageID,
            headers: [("X-Relance-Reason", reason), ("X-Relance-Account", context.accountID)],
            text: rendered.text, html: rendered.html)
        context.emit(
            "email.requested", to: MailEvents.emailsTopic,
            data: .object([
                "messageId": .string(messageID), "reason": .string(reason), "kind": .string(kind),
                "from": .string(merchant.fromAddress), "to": .array(recipients.map { .string($0.address) }),
                "subject": .string(rendered.subject), "locale": .string(locale.rawValue),
                "message": .string(String(decoding: message.rfc5322(), as: UTF8.self)),
            ]))
    }
}
