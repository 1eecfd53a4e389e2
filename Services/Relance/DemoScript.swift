import Foundation
import RelanceDomain
import RelanceEvents

/// The seed stories as events, day by day, and the outcomes each must produce.
struct DemoScript {
    let demo: Demo

    static let accounts = [
        ("acct-smooth", "Marie Dupont"), ("acct-ladder", "Luc Martin"), ("acct-sepa", "Sophie Bernard"),
        ("acct-sepa-md01", "Hugo Petit"), ("acct-refund", "Chloé Durand"), ("acct-expiring", "Léa Moreau"),
        ("acct-reconcile", "Paul Girard"), ("acct-proof-ok", "Zoé Lefèvre"), ("acct-proof-bad", "Tom Roux"),
        ("acct-prepaid", "Inès Fournier"), ("acct-payday", "Garage Faure"), ("acct-latefee", "Librairie Vidal"),
    ]
    /// The accounts of the business supplier (DemoPolicies): paydays and late fees.
    static let proAccounts: Set<String> = ["acct-payday", "acct-latefee"]
    static let merchantIBAN = "FR7630006000011234567890189"

    func publish(_ type: String, _ topic: String, _ account: String, _ id: String, day: Int, _ data: JSONValue)
        async throws
    {
        let merchant = Self.proAccounts.contains(account) ? DemoPolicies.proMerchant : "m-demo"
        try await demo.publish(type, to: topic, account: account, id: id, day: day, merchant: merchant, data)
    }

    func invoice(_ account: String, _ id: String, _ number: String, _ amount: Int64, due: String, day: Int)
        async throws
    {
        try await publish(
            "invoice.issued", ProofEvents.invoicesTopic, account, "ev-\(id)", day: day,
            .object([
                "invoiceId": .string(id), "number": .string(number), "amount": .integer(amount),
                "currency": .string("EUR"), "issuedOn": .string("2026-09-15"), "dueOn": .string(due),
                "payeeName": .string("Camping des Pins"), "payeeAccount": .string(Self.merchantIBAN),
            ]))
    }

    func failed(
        _ account: String, payment: String, invoice: String, type: String, method: String, code: String,
        scheme: String, amount: Int64, day: Int
    ) async throws {
        try await publish(
            "payment.failed", PaymentEvents.paymentsTopic, account, "ev-\(payment)-failed", day: day,
            .object([
                "paymentId": .string(payment), "invoiceId": .string(invoice), "invoiceDate": .string("2026-09-15"),
                "transactionType": .string(type), "paymentMethod": .string(method), "amount": .integer(amount),
                "currency": .string("EUR"), "declineCode": .string(code), "declineScheme": .string(scheme),
                "customerName": .string(Self.accounts.first { $0.0 == account }?.1 ?? account),
            ]))
    }

    func card(_ account: String, _ id: String, month: Int, year: Int, replaces: String? = nil, day: Int) async throws {
        var data: [(key: String, value: JSONValue)] = [
            ("cardId", .string(id)), ("brand", .string("Visa")), ("last4", .string("4242")),
            ("expMonth", .integer(Int64(month))), ("expYear", .integer(Int64(year))), ("inWallet", .bool(true)),
        ]
        if let replaces { data.append(("replaces", .string(replaces))) }
        try await publish("card.saved", CardEvents.cardsTopic, account, "ev-\(id)", day: day, .object(data))
    }

    /// The customers: names, language, invoice recipients (before anything happens to them).
    func setup() async throws {
        for (account, name) in Self.accounts {
            try await publish(
                "account.profile-updated", MailEvents.accountsTopic, account, "ev-\(account)-profile", day: 0,
                .object(["customerName": .string(name), "locale": .string("fr")]))
            try await publish(
                "account.recipients-change-requested", MailEvents.accountsTopic, account,
                "ev-\(account)-recipients", day: 0,
                .object([
                    "recipients": .array([.object(["email": .string("\(account)@client.test")])])
                ]))
        }
    }

    func events(_ day: Int) async throws {
        switch day {
        case 0:
            // 003: a subscription's card payment fails for lack of funds; smooth retries on days 7 and 14.
            try await invoice("acct-smooth", "inv-smooth", "F-2026-0101", 4_900, due: "2026-12-31", day: 0)
            try await failed(
                "acct-smooth", payment: "sub-smooth-after-3", invoice: "inv-smooth", type: "subscription",
                method: "card", code: "insufficient_funds", scheme: "stripe", amount: 4_900, day: 0)
            // 000/001: an expired card; the invoice stays unpaid: the five-email ladder to termination.
            try await card("acct-ladder", "card-old", month: 9, year: 2026, day: 0)
            try await invoice("acct-ladder", "inv-ladder", "F-2026-0102", 8_900, due: "2026-10-01", day: 0)
            try await failed(
                "acct-ladder", payment: "p-ladder", invoice: "inv-ladder", type: "payment", method: "card",
                code: "expired_card", scheme: "stripe", amount: 8_900, day: 0)
            // 000: SEPA returns: AM04 (insufficient funds) is retried, MD01 (no mandate) never.
            try await invoice("acct-sepa", "inv-sepa", "F-2026-0103", 3_000, due: "2026-12-31", day: 0)
            try await failed(
                "acct-sepa", payment: "dd-after-2", invoice: "inv-sepa", type: "payment", method: "sepa_debit",
                code: "AM04", scheme: "sepa", amount: 3_000, day: 0)
            try await invoice("acct-sepa-md01", "inv-md01", "F-2026-0104", 3_000, due: "2026-12-31", day: 0)
            try await failed(
                "acct-sepa-md01", payment: "dd-md01", invoice: "inv-md01", type: "payment", method: "sepa_debit",
                code: "MD01", scheme: "sepa", amount: 3_000, day: 0)
            // 000/004: a card refund fails: never retried automatically, left to an operator.
            try await failed(
                "acct-refund", payment: "rf-1", invoice: "inv-refund", type: "refund", method: "card",
                code: "do_not_honor", scheme: "stripe", amount: 1_500, day: 0)
            // 001/004: a wallet card paying a subscription expires next month.
            try await card("acct-expiring", "card-exp", month: 11, year: 2026, day: 0)
            try await publish(
                "schedule.updated", CardEvents.cardsTopic, "acct-expiring", "ev-sched-exp", day: 0,
                .object([
                    "scheduleId": .string("sub-exp"), "kind": .string("subscription"), "cardId": .string("card-exp"),
                    "status": .string("active"),
                ]))
            // 004: a cancelled service: a credit note nobody applied.
            try await invoice("acct-reconcile", "inv-rec", "F-2026-0105", 4_900, due: "2026-12-31", day: 0)
            try await publish(
                "credit-note.issued", ReconciliationEvents.ledgerTopic, "acct-reconcile", "ev-cn-rec", day: 0,
                .object([
                    "creditNoteId": .string("cn-rec"), "amount": .integer(4_900), "currency": .string("EUR"),
                    "issuedOn": .string("2026-09-20"), "invoiceId": .string("inv-rec"),
                ]))
            // 000: two customers will send proofs of payment.
            try await invoice("acct-proof-ok", "inv-proof", "INV-2026-0701", 12_000, due: "2026-12-31", day: 0)
            try await invoice("acct-proof-bad", "inv-proof-bad", "INV-2026-0702", 6_000, due: "2026-12-31", day: 0)
            // A business customer's card declined for lack of funds on 1 October: the day-7 retry
            // (8 October) moves to the payday window of 15 October (its merchant's retry policy).
            try await invoice("acct-payday", "inv-payday", "F-PRO-0201", 36_000, due: "2026-12-31", day: 0)
            try await failed(
                "acct-payday", payment: "pro-payday-after-2", invoice: "inv-payday", type: "subscription",
                method: "card", code: "insufficient_funds", scheme: "stripe", amount: 36_000, day: 0)
            // A business customer's invoice left unpaid: from the third reminder the 40 € indemnity
            // and late interest are added; dunning ends with the debt handed to collections.
            try await invoice("acct-latefee", "inv-latefee", "F-PRO-0202", 120_000, due: "2026-10-01", day: 0)
            // 002: a prepaid account with automatic recharge.
            try await publish(
                "prepaid.settings-updated", PrepaidEvents.prepaidTopic, "acct-prepaid", "ev-prepaid-settings", day: 0,
                .object([
                    "currency": .string("AUD"), "automaticRecharge": .bool(true), "threshold": .integer(1_000),
                    "rechargeAmount": .integer(5_000),
                ]))
        case 3, 10:
            try await publish(
                "usage.recorded", PrepaidEvents.prepaidTopic, "acct-prepaid", "ev-usage-\(day)", day: day,
                .object([
                    "usageId": .string("u-\(day)"), "amount": .integer(day == 3 ? 4_500 : 6_000),
                    "currency": .string("AUD"), "product": .string("sms"),
                ]))
        case 5:
            let complete = JSONValue.object([
                "payerName": .string("Zoé Lefèvre"), "payeeName": .string("Camping des Pins"),
                "transactionDate": .string("2026-10-05"), "amount": .integer(12_000), "currency": .string("EUR"),
                "transactionId": .string("E2E-0701"), "description": .string("Facture INV-2026-0701"),
                "payerAccount": .string("DE89370400440532013000"), "payeeAccount": .string(Self.merchantIBAN),
                "bankConfirmation": .string("booked"),
            ])
            try await publish(
                "proof.submitted", ProofEvents.proofsTopic, "acct-proof-ok", "ev-proof-ok", day: 5,
                .object(["proofId": .string("pr-ok"), "kind": .string("bank_statement"), "fields": complete]))
            try await publish(
                "proof.submitted", ProofEvents.proofsTopic, "acct-proof-bad", "ev-proof-bad", day: 5,
                .object([
                    "proofId": .string("pr-bad"), "kind": .string("bank_statement"),
                    "fields": .object(["payerName": .string("Tom Roux"), "amount": .integer(6_000)]),
                ]))
        case 27:
            // The terminated customer saves a new card: retried at once, paid, reactivated.
            try await card("acct-ladder", "card-new", month: 4, year: 2030, replaces: "card-old", day: 27)
        default:
            break
        }
    }

    /// The output topics this scenario must see written, one or more per worker.
    static let outputs = [
        PaymentEvents.chargeRequestsTopic, PaymentEvents.actionCentreTopic, PaymentEvents.notificationsTopic,
        PaymentEvents.paymentsTopic, MailEvents.emailsTopic, MailEvents.emailLogTopic, MailEvents.digestItemsTopic,
        ProofEvents.accountStatusTopic, CardEvents.expiringCardsTopic, ProofEvents.verdictsTopic,
        ReconciliationEvents.allocationsTopic, ReconciliationEvents.invoiceStatusTopic,
        ReconciliationEvents.reconcilableAccountsTopic, PrepaidEvents.balancesTopic, ProofEvents.invoicesTopic,
        RecoveryEvents.outcomesTopic, RecoveryEvents.factsTopic, RecoveryEvents.partialsTopic,
        RecoveryEvents.daysTopic, RecoveryEvents.statsTopic,
    ]

    static func silentOutputs(_ records: [(topic: String, event: JSONValue)]) -> [String] {
        let written = Set(records.map(\.topic))
        return outputs.filter { !written.contains($0) }
    }

    /// recovery-stats counted every failed payment of the stories once, each where it ended.
    static func recoveryCheck(_ records: [(topic: String, event: JSONValue)]) -> (Bool, String) {
        var failures: [String: JSONValue] = [:]
        for record in records where record.topic == RecoveryEvents.outcomesTopic {
            guard let data = record.event["data"], data["firstFailedAt"] != nil,
                let payment = data["paymentId"]?.stringValue
            else { continue }
            failures[payment] = data
        }
        let days = recoveryFigures(records)
        let opened = days.reduce(0) { $0 + $1.opened.count }
        let recovered = days.reduce(0) { $0 + $1.recovered.count }
        let consistent = days.allSatisfy {
            $0.recovered.count + $0.lost.count + $0.open.count == $0.opened.count
        }
        let resolved = failures.values.filter { $0["resolution"] != nil }.count
        return (
            !failures.isEmpty && opened == failures.count && recovered == resolved && consistent,
            "recovery report: each of the \(failures.count) failed payments counted once (\(opened) opened, "
                + "\(recovered) recovered of \(resolved))"
        )
    }

    /// The day-7 retry of an insufficient-funds decline on 1 October planned in the payday window
    /// of 15 October (Paris), run then, and paid.
    static func paydayCheck(_ records: [(topic: String, event: JSONValue)]) -> (Bool, String) {
        let data = records.filter { $0.event["accountId"]?.stringValue == "acct-payday" }
        func of(_ type: String) -> [JSONValue] {
            data.filter { $0.event["type"]?.stringValue == type }.compactMap { $0.event["data"] }
        }
        let planned = of("action-item.updated").compactMap { item -> String? in
            guard (item["nextAttemptReason"]?.stringValue ?? "").contains("payday") else { return nil }
            return item["nextAttemptAt"]?.stringValue
        }
        let charges = data.filter { $0.event["type"]?.stringValue == "charge.requested" }.compactMap {
            $0.event["occurredAt"]?.stringValue
        }
        return (
            planned.first?.hasPrefix("2026-10-14T22:00:00") == true && charges.count == 1
                && charges.first.map { $0 >= "2026-10-14T22:00:00" && $0 < "2026-10-16" } == true
                && of("payment.succeeded").count == 1,
            "a retry moved from 8 October to the payday window of 15 October (Paris), run then and paid"
        )
    }

    /// The 40 € indemnity and the late interest added once each at the third reminder (16 October),
    /// then the debt handed to collections.
    static func lateFeeCheck(_ records: [(topic: String, event: JSONValue)]) -> (Bool, String) {
        let data = records.filter { $0.event["accountId"]?.stringValue == "acct-latefee" }
        func of(_ type: String) -> [JSONValue] {
            data.filter { $0.event["type"]?.stringValue == type }.compactMap { $0.event["data"] }
        }
        let fees = of("invoice.fee-added").map {
            "\($0["kind"]?.stringValue ?? ""):\($0["amount"]?.integerValue ?? 0)"
        }
        // 1 200,00 € at 12.15 % a year for 15 days (2 to 16 October): 599.18… cents → 5,99 €.
        let status = of("invoice.status").last
        return (
            fees == ["flat_indemnity:4000", "late_interest:599"] && status?["amount"]?.integerValue == 124_599
                && of("account.status").last?["status"]?.stringValue == "in_collections"
                && of("collections.handed-over").count == 1,
            "late fees: 40 € and 5,99 € of interest added once at the third reminder, the debt handed to collections"
        )
    }

    /// Records per topic, for the summary.
    static func topicCounts(_ records: [(topic: String, event: JSONValue)]) -> String {
        Dictionary(grouping: records, by: \.topic).map { "\($0.key) \($0.value.count)" }.sorted()
            .joined(separator: ", ")
    }

    /// The day figures recovery-stats published last per merchant, currency and day, in order.
    static func recoveryFigures(
        _ records: [(topic: String, event: JSONValue)], week: Bool = false, merchant only: String? = nil
    ) -> [RecoveryStatsUpdated] {
        var latest: [String: RecoveryStatsUpdated] = [:]
        for record in records where record.topic == RecoveryEvents.statsTopic {
            guard let data = record.event["data"], let merchant = record.event["accountId"]?.stringValue,
                only == nil || only == merchant
            else {
                continue
            }
            let envelope = EventEnvelope(
                eventID: "x", type: RecoveryStatsUpdated.eventType.name, schemaVersion: 1, occurredAt: Date(),
                accountID: merchant, merchantID: merchant, data: data)
            guard let figures = try? envelope.decode(RecoveryStatsUpdated.self), (figures.period == .week) == week
            else { continue }
            latest["\(merchant)/\(figures.currency)/\(figures.start)"] = figures
        }
        return latest.sorted { $0.key < $1.key }.map(\.value)
    }

    /// Each expected outcome, and whether it happened.
    static func checks(_ records: [(topic: String, event: JSONValue)]) -> [(Bool, String)] {
        func events(_ type: String, _ account: String) -> [JSONValue] {
            records.filter { $0.event["type"]?.stringValue == type && $0.event["accountId"]?.stringValue == account }
                .compactMap { $0.event["data"] }
        }
        func text(_ value: JSONValue?) -> String { value?.stringValue ?? "" }
        let smoothCharges = events("charge.requested", "acct-smooth")
        let ladderEmails = Set(
            records.filter { $0.event["type"]?.stringValue == "email.sent" }.compactMap { $0.event["data"] }
                .filter { text($0["reason"]).hasPrefix("overdue/acct-ladder/") }.map { text($0["kind"]) })
        let ladderStatus = events("account.status", "acct-ladder").map { text($0["status"]) }
        let rechargeCount = events("charge.requested", "acct-prepaid").count
        let lastBalance = events("balance.updated", "acct-prepaid").last?["balance"]?.integerValue ?? 0
        func lastState(_ account: String) -> String { text(events("action-item.updated", account).last?["state"]) }
        return [
            (
                smoothCharges.map { $0["attempt"]?.integerValue ?? 0 } == [2, 3]
                    && events("payment.succeeded", "acct-smooth").count == 1 && lastState("acct-smooth") == "resolved",
                "003 smooth retries: the card retried on days 7 and 14, paid on the third attempt, item resolved"
            ),
            (
                ladderEmails == Set((1...5).map { "overdue_step_\($0)" }) && ladderStatus.contains("terminated"),
                "000 the five-email overdue ladder, ending in termination"
            ),
            (
                ladderStatus.last == "reactivated" && events("card.replaced", "acct-ladder").count == 1
                    && events("payment.succeeded", "acct-ladder").count == 1,
                "000 a new card: retried at once, paid, account reactivated"
            ),
            (
                events("charge.requested", "acct-sepa").count == 1
                    && events("payment.succeeded", "acct-sepa").count == 1,
                "000 SEPA return AM04 retried and paid"
            ),
            (
                events("charge.requested", "acct-sepa-md01").isEmpty && lastState("acct-sepa-md01") != "resolved",
                "000 SEPA return MD01 never retried"
            ),
            (
                events("charge.requested", "acct-refund").isEmpty && lastState("acct-refund") == "open",
                "004 a failed card refund left open for an operator, never retried"
            ),
            (
                events("expiring-card.updated", "acct-expiring").contains { $0["listed"] == .bool(true) }
                    && records.contains {
                        $0.event["type"]?.stringValue == "email.sent"
                            && text($0.event["data"]?["reason"]).hasPrefix("card_expiring/acct-expiring/")
                    },
                "001 an expiring wallet card listed, and the customer emailed once"
            ),
            (
                events("reconcilable-account.updated", "acct-reconcile").last?["zeroBalance"] == .bool(true),
                "004 an account with an unapplied credit note listed as reconcilable, zero balance first"
            ),
            (
                text(events("proof.verdict", "acct-proof-ok").last?["verdict"]) == "accepted"
                    && events("allocation.made", "acct-proof-ok").contains { text($0["trigger"]) == "proof" },
                "000 a valid proof of payment accepted and reconciled with its invoice"
            ),
            (
                text(events("proof.verdict", "acct-proof-bad").last?["verdict"]) == "rejected",
                "000 an incomplete proof of payment rejected, with each missing element named"
            ),
            (
                rechargeCount >= 3 && lastBalance >= 1_000,
                "002 automatic recharges: on start, below the threshold, and a negative balance corrected"
            ),
            paydayCheck(records),
            lateFeeCheck(records),
            recoveryCheck(records),
            (
                !records.contains { $0.topic == "relance.dead-letters" },
                "every event understood: nothing in the dead-letter topic"
            ),
            (
                silentOutputs(records).isEmpty,
                "every worker wrote its output topics"
                    + (silentOutputs(records).isEmpty
                        ? "" : " (nothing on \(silentOutputs(records).joined(separator: ", ")))")
            ),
        ]
    }
}
