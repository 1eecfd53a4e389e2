import Foundation
import RelanceMail
import RelanceTestSupport
import Testing

/// The SMTP client against a real SMTP server process (aiosmtpd).
@Suite("SMTP delivery to a real server", .serialized)
struct SMTPClientTests {
    static func email(to: [String], subject: String = "Premier avis – Paiement en retard", id: String = "m1@test")
        -> SMTPEnvelope
    {
        let message = EmailMessage(
            from: MailAddress("billing@merchant.test", name: "Société Démo"), to: to.map { MailAddress($0) },
            subject: subject, date: Date(timeIntervalSince1970: 1_794_268_800), messageID: id,
            text: "Montant dû : 1 234,56 €\n.ligne qui commence par un point\n", html: "<p>1 234,56 €</p>")
        return SMTPEnvelope(from: "billing@merchant.test", recipients: to, message: message.rfc5322())
    }

    @Test func plainDeliveryArrivesWithHeadersAndTextIntact() throws {
        let server = try SMTPTestServer()
        let connection = SMTPConnection(
            configuration: SMTPConfiguration(host: "127.0.0.1", port: server.port, security: .none))
        let reply = try connection.send(Self.email(to: ["zoe@client.test"]))
        #expect(reply.hasPrefix("250"))
        connection.close()
        let received = server.messages()
        #expect(received.count == 1)
        let mail = ReceivedMail(received[0])
        #expect(mail.headers["subject"] == "Premier avis – Paiement en retard")
        #expect(mail.headers["message-id"] == "<m1@test>")
        #expect(mail.headers["x-envelope-to"] == "zoe@client.test")
        #expect(mail.text.contains("Montant dû : 1 234,56 €"))
        #expect(mail.text.contains("\n.ligne qui commence par un point"), "a leading dot survives SMTP")
    }

    @Test func startTLSAndAuthenticationWithAVerifiedCertificate() throws {
        let server = try SMTPTestServer(.init(tls: true, auth: "relance:s3cret"))
        var configuration = SMTPConfiguration(
            host: "localhost", port: server.port, security: .starttls, username: "relance", password: "s3cret")
        configuration.caFile = SMTPTestServer.certificate.cert
        let connection = SMTPConnection(configuration: configuration)
        for n in 1...3 { try connection.send(Self.email(to: ["zoe@client.test"], id: "tls-\(n)@test")) }
        connection.close()
        #expect(server.messages().count == 3, "three emails over one connection")

        configuration.password = "wrong"
        let refused = #expect(throws: SMTPError.self) { try SMTPConnection(configuration: configuration).open() }
        #expect(refused?.permanent == true && refused?.code == 535)

        // Without the CA, the self-signed certificate is not trusted: no mail in clear instead.
        configuration.password = "s3cret"
        configuration.caFile = nil
        let untrusted = #expect(throws: SMTPError.self) { try SMTPConnection(configuration: configuration).open() }
        #expect(untrusted?.permanent == true && untrusted?.message.hasPrefix("TLS") == true)
    }

    @Test func startTLSRequiredButNotOfferedIsRefusedNotDowngraded() throws {
        let server = try SMTPTestServer()
        let connection = SMTPConnection(
            configuration: SMTPConfiguration(host: "127.0.0.1", port: server.port, security: .starttls))
        let error = #expect(throws: SMTPError.self) { try connection.open() }
        #expect(error?.permanent == true && error?.message.contains("STARTTLS") == true)
        #expect(server.messages().isEmpty)
    }

    @Test func temporaryFailuresAreTransientAndPermanentOnesAreNot() throws {
        let server = try SMTPTestServer(.init(failFirst: 1, refuse: "nobody"))
        let connection = SMTPConnection(
            configuration: SMTPConfiguration(host: "127.0.0.1", port: server.port, security: .none))
        let temporary = #expect(throws: SMTPError.self) { try connection.send(Self.email(to: ["zoe@client.test"])) }
        #expect(temporary?.permanent == false && temporary?.code == 451)
        try connection.send(Self.email(to: ["zoe@client.test"]))
        #expect(server.messages().count == 1, "the retry went through")

        let refused = #expect(throws: SMTPError.self) { try connection.send(Self.email(to: ["nobody@client.test"])) }
        #expect(refused?.permanent == true && refused?.code == 550)
        // One refused recipient among others: the others get it.
        try connection.send(Self.email(to: ["nobody@client.test", "jan@client.test"]))
        let last = ReceivedMail(server.messages().last!)
        #expect(last.headers["x-envelope-to"] == "jan@client.test")
        connection.close()
    }

    @Test func aServerThatIsDownIsATransientFailure() throws {
        let server = try SMTPTestServer()
        let port = server.port
        server.stop()
        let connection = SMTPConnection(
            configuration: SMTPConfiguration(
                host: "127.0.0.1", port: port, security: .none, connectTimeout: .seconds(2)))
        let error = #expect(throws: SMTPError.self) { try connection.open() }
        #expect(error?.permanent == false && error?.message.contains("cannot connect") == true)
    }

    @Test func smtpURLsAreParsed() throws {
        let configuration = try SMTPConfiguration.parse(
            "smtp://relance%40demo:p%3Ass@mail.example.com?security=starttls&timeout=20")
        #expect(configuration.host == "mail.example.com" && configuration.port == 587)
        #expect(configuration.username == "relance@demo" && configuration.password == "p:ss")
        #expect(configuration.commandTimeout == .seconds(20))
        #expect(try SMTPConfiguration.parse("smtps://mail.example.com").security == .tls)
        #expect(try SMTPConfiguration.parse("smtps://mail.example.com").port == 465)
        #expect(throws: MailConfigurationError.self) { try SMTPConfiguration.parse("http://mail.example.com") }
        #expect(throws: MailConfigurationError.self) { try SMTPConfiguration.parse("smtp://h?security=maybe") }
    }
}
