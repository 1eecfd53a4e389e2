// Email rendering and delivery speed.
//
//   swift run -c release mail-bench [--render N] [--deliver N] [--rounds R]
//
// 1. Emails rendered per second on one core (template + MIME: subject, text and HTML parts,
//    quoted-printable), against JSON-encoding the same subject, text and HTML (no templating,
//    no MIME), same run. Target ≥ 20,000/s.
// 2. Emails delivered per second to a local SMTP server (aiosmtpd, a real server process) over
//    one reused connection with PIPELINING, against a new connection per email.
// 3. End to end: emails taken from the outbox topic on the mock cluster, delivered over SMTP,
//    logged and committed by MailDelivery, one by one.
import BenchSupport
import Foundation
import Logging
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceMail
import RelanceRuntime
import RelanceTestSupport
import ReminderMailerService

let renderCount = option("--render", 20_000)
let deliverCount = option("--deliver", 2_000)
let rounds = option("--rounds", 5)
func rate(_ count: Int, _ seconds: Double) -> String { String(format: "%.0f", Double(count) / seconds) }

let merchant = MerchantProfile(
    name: "Aérocall", fromAddress: "facturation@aerocall.test", contactEmail: "support@aerocall.test",
    logoURL: "https://aerocall.test/logo.png", paymentURL: "https://aerocall.test/pay/{account}", locale: .fr)
let invoices = (1...3).map {
    MailInvoice(number: "INV-2026-00\($0)", dueOn: "2026-10-0\($0)", amount: Int64($0) * 12_345, currency: "EUR")
}

func render(_ n: Int) -> EmailMessage {
    let locale: MailLocale = n % 2 == 0 ? .fr : .en
    let mail = MailTemplates.render(
        .overdue(step: n % 5 + 1, invoices: invoices, daysToTermination: n % 5 == 2 ? 10 : nil), locale: locale,
        merchant: merchant, customerName: "Client n°\(n)", accountID: "acct-\(n)")
    return EmailMessage(
        from: MailAddress(merchant.fromAddress, name: merchant.name),
        to: [MailAddress("client\(n)@client.test", name: "Client n°\(n)")], subject: mail.subject,
        date: Date(timeIntervalSince1970: 1_794_268_800), messageID: "\(n).overdue@relance.localhost",
        text: mail.text, html: mail.html)
}

// MARK: Rendering
let rendered = (0..<100).map { render($0) }
var renderRounds: [Double] = []
var jsonRounds: [Double] = []
var bytes = 0
for _ in 0..<rounds {
    renderRounds.append(
        measure {
            for n in 0..<renderCount { bytes &+= render(n).rfc5322().count }
        })
    jsonRounds.append(
        measure {
            for n in 0..<renderCount {
                let mail = rendered[n % rendered.count]
                bytes &+=
                    JSONValue.object([
                        "subject": .string(mail.subject), "text": .string(mail.text), "html": .string(mail.html),
                    ]).jsonBytes.count
            }
        })
}
let renderSeconds = median(renderRounds)
let jsonSeconds = median(jsonRounds)
say(
    "render: \(rate(renderCount, renderSeconds)) emails/s on one core (target ≥ 20000), "
        + "\(rendered[0].rfc5322().count) bytes each; JSON-encoding the same parts \(rate(renderCount, jsonSeconds))/s; "
        + "ratio \(String(format: "%.2f", jsonSeconds / renderSeconds))")

// MARK: SMTP delivery
let server: SMTPTestServer
do { server = try SMTPTestServer() } catch { fail("\(error)") }
defer { server.stop() }
let smtp = SMTPConfiguration(host: "127.0.0.1", port: server.port, security: .none)
let envelopes = (0..<deliverCount).map { n in
    SMTPEnvelope(
        from: merchant.fromAddress, recipients: ["client\(n)@client.test"],
        message: rendered[n % rendered.count].rfc5322())
}
var reuseRounds: [Double] = []
var freshRounds: [Double] = []
for _ in 0..<max(1, rounds / 2) {
    reuseRounds.append(
        try measure {
            let connection = SMTPConnection(configuration: smtp)
            for envelope in envelopes { try connection.send(envelope) }
            connection.close()
        })
    freshRounds.append(
        try measure {
            for envelope in envelopes.prefix(deliverCount / 4) {
                let connection = SMTPConnection(configuration: smtp)
                try connection.send(envelope)
                connection.close()
            }
        })
}
let reuseRate = Double(deliverCount) / median(reuseRounds)
let freshRate = Double(deliverCount / 4) / median(freshRounds)
say(
    "smtp: \(String(format: "%.0f", reuseRate)) emails/s over one connection with pipelining; "
        + "a connection per email \(String(format: "%.0f", freshRate))/s; ratio \(String(format: "%.2f", reuseRate / freshRate))"
)

// MARK: End to end from the outbox
let cluster = try MockCluster(brokers: 1)
try await cluster.createTopic(MailEvents.emailsTopic, partitions: 4)
try await cluster.createTopic(MailEvents.emailLogTopic, partitions: 4)
var producerConfiguration = ProducerConfiguration(bootstrapServers: cluster.bootstrapServers)
producerConfiguration.lingerMilliseconds = 5
let producer = try KafkaProducer(configuration: producerConfiguration)
for n in 0..<deliverCount {
    let message = rendered[n % rendered.count]
    let event = JSONValue.object([
        "eventId": .string("e\(n)"), "type": .string("email.requested"), "schemaVersion": .integer(1),
        "occurredAt": .string("2026-11-10T00:00:00Z"), "accountId": .string("acct-\(n)"), "merchantId": .string("m"),
        "data": .object([
            "messageId": .string("\(n).e2e@relance.localhost"), "reason": .string("bench/\(n)"),
            "kind": .string("bench"),
            "from": .string(merchant.fromAddress), "to": .array([.string("client\(n)@client.test")]),
            "subject": .string(message.subject), "locale": .string("fr"),
            "message": .string(String(decoding: message.rfc5322(), as: UTF8.self)),
        ]),
    ])
    try await producer.enqueue(ProducerMessage(topic: MailEvents.emailsTopic, key: "acct-\(n)", value: event.jsonBytes))
}
try await producer.flush(timeout: .seconds(60))
try await producer.close()
let delivery = MailDelivery(
    configuration: MailDelivery.Configuration(
        kafka: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers), groupID: "bench"),
    transport: SMTPTransport(configuration: smtp), log: Logger(label: "mail-bench", level: .error))
let task = Task { try await delivery.run() }
var start: ContinuousClock.Instant?
while delivery.delivered.sent < deliverCount {
    if start == nil && delivery.delivered.sent > 0 { start = .now }
    try await Task.sleep(for: .milliseconds(2))
}
let endToEnd = (ContinuousClock.now - start!) / .seconds(1)
await delivery.stop()
try await task.value
say(
    "end to end: \(rate(deliverCount - 1, endToEnd)) emails/s from the outbox topic, delivered over SMTP, logged and "
        + "committed one by one (\(deliverCount) emails)")
