// relance-console's server time with a large action centre.
//
//   swift run -c release console-bench [--items 10000] [--requests 50]
//
// Fills the console's view with N open items of one merchant (as the topic follower would:
// `action-item.updated` records), signs a user in, and times `Console.handle` — everything the
// server does for a request: the session, the query over the view, sorting, paging, rendering
// the Mustache templates, the headers — for the list (default order, sorted by amount, filtered,
// the last page), an item's page and the CSV of every item. Milliseconds: median, 95th
// percentile and maximum of R requests each (wall time), and the process's CPU time per request
// (what a loaded machine does not inflate). The budget: a page of 10,000 open items in
// under 200 ms of server time.
import BenchSupport
import ConsoleService
import Foundation
import Logging
import RelanceEvents
import RelanceKafka

let count = option("--items", 10_000)
let requests = option("--requests", 50)
let methods = ["card", "sepa_debit", "echeck"]
let types = ["payment", "installment", "subscription", "refund"]
let reasons = ["insufficient_funds", "do_not_honor", "expired_card", "AM04", "R01"]

let view = ActionCentreView()
let start = Date(timeIntervalSince1970: 1_790_812_800)
for n in 0..<count {
    let data: [(key: String, value: JSONValue)] = [
        ("paymentId", .string("p-\(n)")), ("invoiceId", .string("inv-\(n)")),
        ("customerName", .string("Customer \(n % 997)")), ("transactionType", .string(types[n % types.count])),
        ("paymentMethod", .string(methods[n % methods.count])), ("failureReason", .string(reasons[n % reasons.count])),
        ("failureCategory", .string("soft_decline")), ("declineCode", .string(reasons[n % reasons.count])),
        ("amount", .number("\(100 + (n * 7919) % 100_000)")), ("currency", .string(n % 10 == 0 ? "USD" : "EUR")),
        ("state", .string(n % 20 == 0 ? "pending" : "open")), ("attempts", .number("\(1 + n % 3)")),
        ("handedToCollections", .bool(false)),
        ("firstFailedAt", .string(Timestamp.format(start.addingTimeInterval(Double(n) * 60)))),
        ("nextAttemptAt", .string(Timestamp.format(start.addingTimeInterval(Double(n) * 60 + 7 * 86_400)))),
    ]
    let record = JSONValue.object([
        ("eventId", .string("e-\(n)")), ("type", .string("action-item.updated")), ("schemaVersion", .number("1")),
        ("occurredAt", .string(Timestamp.format(start))), ("accountId", .string("acct-\(n % 3000)")),
        ("merchantId", .string("m-1")), ("data", .object(data)),
    ])
    view.applyItem(key: "p-\(n)", value: record.jsonBytes)
}
view.markLoaded()

let directory: UserDirectory
do {
    directory = try UserDirectory(
        users: [ConsoleUser(user: "bench", passwordHash: nil, roles: ["owner"], merchants: ["m-1"])],
        merchants: ["m-1": MerchantSettings(name: "Bench", timeZone: "Europe/Paris")])
} catch {
    fail("\(error)")
}
var configuration = ConsoleConfiguration(kafka: KafkaConfiguration(bootstrapServers: "localhost:1"))
configuration.secureCookies = false
var logger = Logger(label: "console-bench")
logger.logLevel = .error
let console = Console(
    configuration: configuration, directory: directory, data: ConsoleData(actionCentre: view), signer: nil,
    producer: nil, logger: logger)
let session = console.sessions.create(user: "bench", now: Date())
let cookie = ["Cookie": "\(console.cookieName)=\(session.id)", "Host": "localhost"]

func time(_ what: String, _ path: String, query: String = "", budget: Double? = nil) async {
    var samples: [Double] = []
    var bytes = 0
    let cpuStart = cpuSeconds()
    for _ in 0..<requests {
        let started = ContinuousClock.now
        let response = await console.handle(ConsoleRequest(method: "GET", path: path, query: query, headers: cookie))
        let elapsed = ContinuousClock.now - started
        guard response.status == 200 else { fail("\(path)?\(query): status \(response.status)") }
        bytes = response.body.count
        samples.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3)
    }
    let cpu = (cpuSeconds() - cpuStart) / Double(requests) * 1000
    samples.sort()
    let p95 = samples[min(samples.count - 1, Int(Double(samples.count) * 0.95))]
    let verdict = budget.map { p95 < $0 ? "  within \(format($0)) ms" : "  OVER \(format($0)) ms" } ?? ""
    say(
        "\(what): median \(format2(median(samples))) ms, p95 \(format2(p95)) ms, max \(format2(samples.last ?? 0)) ms, "
            + "CPU \(format2(cpu)) ms a request, \(bytes / 1024) KiB\(verdict)")
}

say("\(count) open items of one merchant, \(requests) requests each, server time (Console.handle)")
await time("list, first page (by first failure)", "/items", budget: 200)
await time("list, sorted by amount ascending", "/items", query: "sort=amount&dir=asc", budget: 200)
await time("list, card installments", "/items", query: "method=card&type=installment", budget: 200)
await time("list, last page", "/items", query: "page=\(max(1, count / 50))", budget: 200)
await time("an item's page", "/merchants/m-1/items/p-\(count / 2)", budget: 200)
await time("CSV of every item", "/items.csv")
