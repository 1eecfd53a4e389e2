import Foundation
import RelanceEvents
import RelanceMail
import Testing

@testable import RelanceDomain

@Suite struct TemplateTests {
    static let merchant = MerchantProfile(
        name: "Aérocall", fromAddress: "facturation@aerocall.test", contactEmail: "support@aerocall.test",
        logoURL: "https://aerocall.test/logo.png", paymentURL: "https://aerocall.test/pay/{account}", locale: .fr)

    @Test func amountsAreWrittenForTheCurrencyAndTheLocale() {
        #expect(MoneyFormat.format(123_456, currency: "EUR", locale: .fr) == "1\u{202F}234,56\u{00A0}€")
        #expect(MoneyFormat.format(123_456, currency: "EUR", locale: .en) == "€1,234.56")
        #expect(MoneyFormat.format(4_900, currency: "USD", locale: .fr) == "49,00\u{00A0}$US")
        #expect(MoneyFormat.format(1_234_567, currency: "JPY", locale: .en) == "¥1,234,567")
        #expect(MoneyFormat.format(1_500, currency: "KWD", locale: .en) == "KWD 1.500")
        #expect(MoneyFormat.format(5, currency: "GBP", locale: .en) == "£0.05")
        #expect(DateFormat.long("2026-11-01", locale: .fr) == "1er novembre 2026")
        #expect(DateFormat.long("2026-11-21", locale: .en) == "21 November 2026")
    }

    @Test func theThirdNoticeSaysWhenTheAccountIsTerminatedInBothLanguages() {
        let invoices = [MailInvoice(number: "INV-7", dueOn: "2026-10-01", amount: 4_900, currency: "EUR")]
        let fr = MailTemplates.render(
            .overdue(step: 3, invoices: invoices, daysToTermination: 10), locale: .fr, merchant: Self.merchant,
            customerName: "Zoé", accountID: "acct-1")
        #expect(fr.subject == "Troisième avis – Votre compte sera résilié dans 10 jours")
        #expect(fr.text.contains("Bonjour Zoé,"))
        #expect(fr.text.contains("INV-7  échéance 1er octobre 2026  49,00\u{00A0}€"))
        #expect(fr.text.contains("https://aerocall.test/pay/acct-1"))
        #expect(fr.html.contains("<img src=\"https://aerocall.test/logo.png\""))
        #expect(fr.html.contains("support@aerocall.test"))
        let en = MailTemplates.render(
            .overdue(step: 4, invoices: invoices, daysToTermination: 5), locale: .en, merchant: Self.merchant,
            customerName: nil, accountID: "acct-1")
        #expect(en.subject == "Final notice – Your account will be terminated in 5 days")
        #expect(en.text.hasPrefix("Hello,") && en.text.contains("€49.00"))
    }

    @Test func namesAndTextAreEscapedInHTML() {
        let rendered = MailTemplates.render(
            .paymentFailed(invoice: "INV-<1>", amount: 100, currency: "EUR", reason: "card \"declined\""),
            locale: .en, merchant: Self.merchant, customerName: "Tom & Jerry", accountID: "a")
        #expect(rendered.html.contains("Tom &amp; Jerry") && rendered.html.contains("INV-&lt;1&gt;"))
        #expect(!rendered.html.contains("Tom & Jerry"))
    }

    @Test func messagesAre7BitWithShortLinesAndTheSameBytesEveryTime() {
        let rendered = MailTemplates.render(
            .overdue(
                step: 1, invoices: [MailInvoice(number: "INV-7", dueOn: "2026-10-01", amount: 4_900, currency: "EUR")],
                daysToTermination: nil), locale: .fr, merchant: Self.merchant, customerName: "Zoé Lefèvre-Øster",
            accountID: "acct-1")
        let message = EmailMessage(
            from: MailAddress("facturation@aerocall.test", name: "Aérocall"),
            to: [MailAddress("zoe@client.test", name: "Zoé")],
            subject: rendered.subject, date: Date(timeIntervalSince1970: 1_794_268_800), messageID: "x@relance.test",
            text: rendered.text, html: rendered.html)
        let bytes = message.rfc5322()
        #expect(bytes.allSatisfy { $0 < 128 }, "7-bit clean")
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 78 }, "RFC 5322 line length")
        #expect(message.rfc5322() == bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("Date: Tue, 10 Nov 2026 00:00:00 +0000"))
        #expect(text.contains("Subject: =?UTF-8?B?"))
        let received = ReceivedMail(text)
        #expect(received.headers["subject"] == "Premier avis – Paiement en retard")
        #expect(received.text.contains("Bonjour Zoé Lefèvre-Øster,"))
    }
}

@Suite struct DirectoryTransportTests {
    @Test func theDemoFolderGetsOneWholeFilePerMessageID() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("relance-eml-\(UUID().uuidString)")
        let transport = try DirectoryTransport(folder: folder)
        let envelope = SMTPEnvelope(
            from: "a@b.test", recipients: ["c@d.test"], message: Array("Subject: x\r\n\r\nbody\r\n".utf8))
        let reply = try transport.deliver(envelope, messageID: "3f2a.overdue-step-1@relance.localhost")
        _ = try transport.deliver(envelope, messageID: "3f2a.overdue-step-1@relance.localhost")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files == ["3f2a.overdue-step-1@relance.localhost.eml"], "the same email twice is one file")
        #expect(reply.hasPrefix("written to"))
        let written = try Data(contentsOf: folder.appendingPathComponent(files[0]))
        #expect(Array(written) == envelope.message)
    }
}

@Suite struct CauseWordsTests {
    @Test("every decline code Relance knows reads in French without its English description")
    func everyCodeInFrench() {
        let tables: [(DeclineCodeScheme, [String: (FailureCategory, String)])] = [
            (.stripe, DeclineCodes.stripe), (.iso8583, DeclineCodes.iso8583), (.sepa, DeclineCodes.sepa),
        ]
        for (scheme, table) in tables {
            for (code, (_, description)) in table {
                let failure = PaymentFailure(declineCode: code, declineScheme: scheme.rawValue)
                let french = MailWords.cause(failure, locale: .fr)
                #expect(!french.contains(description) && !french.contains(code), "\(scheme):\(code) → \(french)")
                #expect(!MailWords.cause(failure, locale: .en).isEmpty)
            }
        }
        #expect(MailWords.transactionType("installment", locale: .fr) == "versement")
        #expect(MailWords.transactionType("refund", locale: .en) == "refund")
    }
}
