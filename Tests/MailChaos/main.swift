// reminder-mailer under SIGKILL, mid-ladder, delivering to a real SMTP server.
//
//   relance-mail-chaos [--accounts N] [--kills K]      (scripts/chaos.sh mail builds and runs it)
//
// This process holds a mock cluster and runs aiosmtpd (Tests/ReminderMailerTests/smtp_server.py);
// it starts the reminder-mailer executable as a child, walks simulated time from day 0 to day 26
// for N accounts with an unpaid invoice due on day 0, and kills the mailer with SIGKILL at random
// moments K times on the way. Then it counts: every ladder email must arrive (5 per account), and
// duplicates are counted by Message-ID, both in the outbox (the worker's exactly-once decisions)
// and at the SMTP server (delivery). Prints
//   kills: K, accounts: N, emails expected: E, received: R, missing: M, duplicated at the server: D (outbox: 0)
import BenchSupport
import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import RelanceTestSupport

let accounts = option("--accounts", 200)
let kills = option("--kills", 10)
let partitions: Int32 = 4
let day0 = Date(timeIntervalSince1970: 1_790_812_800)  // 2026-10-01

// The SMTP server.
let server: SMTPTestServer
do { server = try SMTPTestServer() } catch { fail("\(error)") }
let smtpPort = server.port

// The broker and the topics.
let cluster = try MockCluster(brokers: 1)
for topic in [
    ProofEvents.invoicesTopic, PaymentEvents.paymentsTopic, PaymentEvents.notificationsTopic, ProofEvents.verdictsTopic,
    MailEvents.accountsTopic, MailEvents.emailsTopic, MailEvents.emailLogTopic, ProofEvents.accountStatusTopic,
    PaymentEvents.commandResultsTopic, "relance.clock", "relance.reminder-mailer.changelog",
    MailEvents.digestItemsTopic, "relance.reminder-mailer-digest.changelog", PaymentEvents.dunningCommandsTopic,
    ReconciliationEvents.allocationsTopic, PaymentEvents.collectionsTopic,
] {
    try await cluster.createTopic(topic, partitions: partitions)
}
try await cluster.createTopic("relance.dead-letters", partitions: 1)
let driver = try ChaosDriver(bootstrap: cluster.bootstrapServers, clockPartitions: partitions)
func publish(_ type: String, to topic: String, account: String, id: String, _ data: JSONValue) async throws {
    try await driver.publish(type, to: topic, account: account, id: id, data)
}
func tick(_ day: Int) async throws { try await driver.tick(day0.addingTimeInterval(Double(day) * 86_400)) }

/// Message-ID → how many times the server received it, and the reasons seen.
func received(by server: SMTPTestServer) -> (counts: [String: Int], reasons: Set<String>) {
    var counts: [String: Int] = [:]
    var reasons: Set<String> = []
    for text in server.messages() {
        for line in text.split(separator: "\r\n").prefix(40) {
            if line.hasPrefix("Message-ID: ") { counts[String(line.dropFirst(12)), default: 0] += 1 }
            if line.hasPrefix("X-Relance-Reason: ") { reasons.insert(String(line.dropFirst(18))) }
        }
    }
    return (counts, reasons)
}

try await tick(0)
for n in 0..<accounts {
    let account = "acct-\(n)"
    try await publish(
        "account.profile-updated", to: MailEvents.accountsTopic, account: account, id: "\(account)-p",
        .object(["customerName": .string("Client \(n)"), "locale": .string(n % 2 == 0 ? "fr" : "en")]))
    try await publish(
        "account.recipients-change-requested", to: MailEvents.accountsTopic, account: account, id: "\(account)-r",
        .object([
            "recipients": .array([.object(["email": .string("\(account)@client.test")])]),
            "actor": .object(["id": .string("owner"), "role": .string("owner")]),
        ]))
    try await publish(
        "invoice.issued", to: ProofEvents.invoicesTopic, account: account, id: "\(account)-i",
        .object([
            "invoiceId": .string("i-\(account)"), "number": .string("INV-\(n)"), "amount": .integer(4_900),
            "currency": .string("EUR"), "issuedOn": .string("2026-09-15"), "dueOn": .string("2026-10-01"),
        ]))
}
try await driver.producer.flush(timeout: .seconds(30))

// The mailer, as a child process.
let mailer = try WorkerProcess(
    "reminder-mailer", bootstrap: cluster.bootstrapServers,
    environment: [
        "RELANCE_SMTP_URL": "smtp://127.0.0.1:\(smtpPort)?security=none", "RELANCE_MAIL_RETRY_CAP_SECONDS": "1",
    ])
guard
    try await driver.waitForChangelog(
        "relance.reminder-mailer.changelog", accounts: accounts, partitions: partitions,
        bootstrap: cluster.bootstrapServers)
else {
    fail("the mailer did not take in the accounts\n\(mailer.logTail())")
}
var killed = 0
var generator = SystemRandomNumberGenerator()
let stepDays = LadderPolicy.default.stepDays
// Kill days: spread over the walk, each kill at a random moment while the day's emails go out.
var killDays: [Int] = (0..<kills).map { _ in Int.random(in: 1...26, using: &generator) }.sorted()
let started = ContinuousClock.now
for day in 1...26 {
    try await tick(day)
    let expected = accounts * stepDays.filter { $0 <= day }.count
    while killDays.first == day {
        killDays.removeFirst()
        try await Task.sleep(for: .milliseconds(Int.random(in: 0...800, using: &generator)))
        try mailer.killAndRestart()
        killed += 1
        say("kill \(killed)/\(kills) on day \(day): \(received(by: server).counts.count) of \(expected) emails so far")
    }
    let deadline = ContinuousClock.now + .seconds(Double(option("--day-timeout", 60)))
    while received(by: server).counts.count < expected {
        guard ContinuousClock.now < deadline else { break }
        try await Task.sleep(for: .milliseconds(100))
    }
}
let expectedTotal = accounts * stepDays.count
let finalDeadline = ContinuousClock.now + .seconds(120)
while received(by: server).counts.count < expectedTotal, ContinuousClock.now < finalDeadline {
    try await Task.sleep(for: .milliseconds(200))
}
mailer.stop()

// The outbox as a downstream reader counts it: the worker's decisions (on the mock, records of
// transactions a kill cut short are left out by their checkpoint, as the runtime's restore does).
var outbox: [String: Int] = [:]
let (outboxRecords, cutRecords) = try await ChaosDriver.committedRecords(
    MailEvents.emailsTopic, changelog: "relance.reminder-mailer.changelog", partitions: partitions,
    bootstrap: cluster.bootstrapServers)
for record in outboxRecords {
    guard let json = try? JSONReader.read(Array(record.value ?? [])), let id = json["data"]?["messageId"]?.stringValue
    else { continue }
    outbox[id, default: 0] += 1
}
let (counts, reasons) = received(by: server)
let expectedReasons = Set((0..<accounts).flatMap { n in (1...5).map { "overdue/acct-\(n)/i-acct-\(n)/step-\($0)" } })
let missing = expectedReasons.subtracting(reasons).count
let duplicated = counts.values.reduce(0) { $0 + $1 - 1 }
let outboxDuplicated = outbox.values.reduce(0) { $0 + $1 - 1 }
say(
    "kills: \(killed), accounts: \(accounts), emails expected: \(expectedTotal), received: \(counts.values.reduce(0, +)), "
        + "missing: \(missing), duplicated at the server: \(duplicated) (outbox: \(outboxDuplicated) duplicated, "
        + "\(outbox.count) distinct), \(Int((ContinuousClock.now - started) / .seconds(1))) s; outbox records of "
        + "transactions cut by a kill, left out: \(cutRecords)")
if duplicated > 0 {
    say(
        "duplicates come from kills between the server's 250 and the email's log record: "
            + "the restarted delivery sends it again, with the same Message-ID")
}
server.stop()
exit(missing == 0 && outboxDuplicated == 0 && outbox.count == expectedTotal ? 0 : 1)
