// The cost of typed events on the hot paths.
//
//   swift run -c release codec-bench [--iterations N] [--rounds R]
//
// For the input events the worker benchmarks feed (payment.failed, usage.recorded, card.saved)
// and the outputs they write (balance.updated, card.replaced, notification.requested,
// expiring-card.updated): nanoseconds per event to decode the typed data from the JSON tree the
// runtime already parsed, as the runtime does (`EventEnvelope.decode`: the hand-written path
// where a type has one) and through `Decodable` alone, against reading the same members by
// name from that tree (what handlers did before typed events); and to write the typed data as
// JSON bytes as `WorkerContext.emit` does (a type's own writer, else its `Encodable`
// conformance), against building a `JSONValue` object and writing it. Medians of R rounds of
// N events each, in the same run; the ratio is typed / by name.
import BenchSupport
import Foundation
import RelanceEvents
import RelanceRuntime

let iterations = option("--iterations", 200_000)
let rounds = option("--rounds", 5)

func nanoseconds(_ body: () throws -> Void) rethrows -> Double {
    var samples: [Double] = []
    for _ in 0..<rounds {
        samples.append(try measure { for _ in 0..<iterations { try body() } } / Double(iterations) * 1e9)
    }
    return median(samples)
}

func line(_ what: String, typed: Double, byName: Double, decodable: Double? = nil) {
    say(
        "\(what): typed \(format(typed)) ns, by name \(format(byName)) ns, ratio \(format2(typed / byName))"
            + (decodable.map { "; through Codable alone \(format($0)) ns" } ?? ""))
}

/// An envelope around `data`, decoded as the runtime decodes it.
func envelope(_ data: JSONValue) -> EventEnvelope {
    EventEnvelope(
        eventID: "e-1", type: "x", schemaVersion: 1, occurredAt: Date(timeIntervalSince1970: 0), accountID: "acct-1",
        merchantID: "m-1", data: data)
}

/// The bytes `WorkerContext.emit` writes for `value`.
func emitted<T: EventData>(_ value: T) throws -> [UInt8] {
    if T.writesFast {
        var out = JSONOutput()
        value.writeFast(into: &out)
        return out.bytes
    }
    return try StateCoding.eventJSON(value)
}

/// Keeps results alive so the optimiser cannot drop the work.
nonisolated(unsafe) var sink = 0

// MARK: Decoding

let failed: JSONValue = .object([
    ("paymentId", .string("pay-123-0")), ("invoiceId", .string("inv-pay-123-0")),
    ("invoiceDate", .string("2026-10-05")),
    ("transactionType", .string("subscription")), ("paymentMethod", .string("card")), ("amount", .integer(4_900)),
    ("currency", .string("EUR")), ("declineCode", .string("insufficient_funds")), ("declineScheme", .string("stripe")),
    ("customerName", .string("Customer acct-123")),
])
let failedEnvelope = envelope(failed)
line(
    "decode payment.failed",
    typed: try nanoseconds {
        let value = try failedEnvelope.decode(PaymentFailed.self)
        sink &+= Int(value.amount)
    },
    byName: nanoseconds {
        guard let id = failed["paymentId"]?.stringValue, let invoice = failed["invoiceId"]?.stringValue,
            let type = failed["transactionType"]?.stringValue.flatMap(TransactionType.init(rawValue:)),
            let method = failed["paymentMethod"]?.stringValue.flatMap(PaymentMethod.init(rawValue:)),
            let amount = failed["amount"]?.integerValue, let currency = failed["currency"]?.stringValue,
            let code = failed["declineCode"]?.stringValue,
            let scheme = failed["declineScheme"]?.stringValue.flatMap(DeclineCodeScheme.init(rawValue:)),
            let date = failed["invoiceDate"]?.stringValue
        else { return }
        sink &+=
            id.utf8.count &+ invoice.utf8.count &+ Int(amount) &+ currency.utf8.count &+ code.utf8.count
            &+ date.utf8.count &+ (type == .refund ? 1 : 0) &+ (method == .card ? 1 : 0) &+ (scheme == .sepa ? 1 : 0)
            &+ (failed["customerName"]?.stringValue?.utf8.count ?? 0)
    },
    decodable: try nanoseconds {
        sink &+= Int(try JSONValueDecoding.decode(PaymentFailed.self, from: failed, path: "data").amount)
    })

let usage: JSONValue = .object([
    ("usageId", .string("u-3")), ("amount", .integer(120)), ("currency", .string("AUD")), ("product", .string("sms")),
])
let usageEnvelope = envelope(usage)
line(
    "decode usage.recorded",
    typed: try nanoseconds {
        let value = try usageEnvelope.decode(UsageRecorded.self)
        sink &+= Int(value.amount)
    },
    byName: nanoseconds {
        guard let amount = usage["amount"]?.integerValue, let currency = usage["currency"]?.stringValue,
            let id = usage["usageId"]?.stringValue
        else { return }
        sink &+= Int(amount) &+ currency.utf8.count &+ id.utf8.count &+ (usage["product"]?.stringValue?.utf8.count ?? 0)
    },
    decodable: try nanoseconds {
        sink &+= Int(try JSONValueDecoding.decode(UsageRecorded.self, from: usage, path: "data").amount)
    })

let saved: JSONValue = .object([
    ("cardId", .string("card-a")), ("brand", .string("visa")), ("last4", .string("4242")), ("expMonth", .integer(12)),
    ("expYear", .integer(2026)), ("inWallet", .bool(true)),
])
let savedEnvelope = envelope(saved)
line(
    "decode card.saved",
    typed: try nanoseconds {
        let value = try savedEnvelope.decode(CardSaved.self)
        sink &+= Int(value.expYear)
    },
    byName: nanoseconds {
        guard let id = saved["cardId"]?.stringValue, let brand = saved["brand"]?.stringValue,
            let last4 = saved["last4"]?.stringValue, let month = saved["expMonth"]?.integerValue,
            let year = saved["expYear"]?.integerValue
        else { return }
        sink &+=
            id.utf8.count &+ brand.utf8.count &+ last4.utf8.count &+ Int(month) &+ Int(year)
            &+ (saved["inWallet"] == .bool(true) ? 1 : 0) &+ (saved["replaces"]?.stringValue?.utf8.count ?? 0)
    },
    decodable: try nanoseconds {
        sink &+= Int(try JSONValueDecoding.decode(CardSaved.self, from: saved, path: "data").expYear)
    })

// MARK: Encoding

line(
    "write balance.updated",
    typed: try nanoseconds {
        let bytes = try emitted(
            BalanceUpdated(
                balance: 12_345, currency: "AUD", automaticRecharge: true, recharging: false, waitingForCard: false))
        sink &+= bytes.count
    },
    byName: nanoseconds {
        let value = JSONValue.object([
            "balance": .integer(12_345), "currency": .string("AUD"), "automaticRecharge": .bool(true),
            "recharging": .bool(false), "waitingForCard": .bool(false),
        ])
        sink &+= value.jsonBytes.count
    })

line(
    "write card.replaced",
    typed: try nanoseconds {
        let bytes = try emitted(CardReplaced(brand: "visa", last4: "4242", expMonth: 12, expYear: 2029))
        sink &+= bytes.count
    },
    byName: nanoseconds {
        let value = JSONValue.object([
            "brand": .string("visa"), "last4": .string("4242"), "expMonth": .integer(12), "expYear": .integer(2029),
        ])
        sink &+= value.jsonBytes.count
    })

line(
    "write notification.requested (recharge failed)",
    typed: try nanoseconds {
        let bytes = try emitted(
            NotificationRequested(
                kind: .rechargeFailed, audience: .customer, paymentId: "acct-1-topup-3", invoiceId: "acct-1-topup-3",
                amount: 10_000, currency: "AUD", declineCode: "insufficient_funds", declineScheme: .stripe,
                paymentMethod: .card))
        sink &+= bytes.count
    },
    byName: nanoseconds {
        let value = JSONValue.object([
            ("kind", .string("recharge_failed")), ("audience", .string("customer")),
            ("paymentId", .string("acct-1-topup-3")), ("invoiceId", .string("acct-1-topup-3")),
            ("amount", .integer(10_000)), ("currency", .string("AUD")), ("paymentMethod", .string("card")),
            ("declineCode", .string("insufficient_funds")), ("declineScheme", .string("stripe")),
        ])
        sink &+= value.jsonBytes.count
    })

line(
    "write expiring-card.updated",
    typed: try nanoseconds {
        let bytes = try emitted(
            ExpiringCardUpdated(
                cardId: "card-a", brand: "visa", last4: "4242", expMonth: 12, expYear: 2026, listed: true,
                schedules: ["sched-a"]))
        sink &+= bytes.count
    },
    byName: nanoseconds {
        let value = JSONValue.object([
            "cardId": .string("card-a"), "brand": .string("visa"), "last4": .string("4242"), "expMonth": .integer(12),
            "expYear": .integer(2026), "listed": .bool(true), "schedules": .array([.string("sched-a")]),
        ])
        sink &+= value.jsonBytes.count
    })
say("(checksum \(sink % 10))")
