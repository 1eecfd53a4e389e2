import Foundation
import Logging
import RelanceEvents
import RelanceRuntime

/// Installment plans (`/plans`), recovery figures (`/recovery`) and dead letters (`/dead-letters`).
extension Console {
    // MARK: Installment plans

    /// The installment items of the user's merchants grouped by merchant and account, with
    /// their attempts, next attempt and outcome, the actions Renew payment plan and Hand over
    /// to collections, and the plans' price updates.
    func plansPage(user: ConsoleUser, _ visit: Visit) -> ConsoleResponse {
        let language = visit.language
        var query = ItemQuery()
        query.merchants = user.merchants.contains("*") ? nil : Set(user.merchants)
        query.transactionTypes = [TransactionType.installment.rawValue]
        query.states = ["open", "pending", "resolved", "dismissed"]
        query.sort = .firstFailed
        query.descending = false
        query.pageSize = Int.max
        let items = view.query(query).items
        let updates = data.planUpdates.updates(merchants: query.merchants)
        struct Group {
            var merchant: String
            var account: String
            var items: [ActionItem] = []
            var updates: [PriceUpdate] = []
        }
        var groups: [String: Group] = [:]
        func key(_ merchant: String, _ account: String) -> String { "\(merchant)\u{0}\(account)" }
        for item in items {
            groups[
                key(item.merchantID, item.accountID), default: Group(merchant: item.merchantID, account: item.accountID)
            ]
            .items.append(item)
        }
        for update in updates {
            groups[
                key(update.merchantID, update.accountID),
                default: Group(merchant: update.merchantID, account: update.accountID)
            ].updates.append(update)
        }
        func verdict(_ action: ConsoleAction.Action, _ item: ActionItem) -> [String: Any] {
            let verdict = ItemActions.verdict(action, item: item, roles: user.roles, canSign: signer != nil)
            var result: [String: Any] = ["allowed": verdict.allowed]
            if let refusal = verdict.refusal { result["why"] = text("why.\(refusal.rawValue)", visit) }
            return result
        }
        var pending = false
        let shown = groups.values.sorted { ($0.merchant, $0.account) < ($1.merchant, $1.account) }
        var context: [String: Any] = [
            "loaded": data.isLoaded,
            "groups": shown.map { group -> [String: Any] in
                let zone = directory.merchant(group.merchant).zone
                func time(_ date: Date?) -> String {
                    date.map { ConsoleFormat.dateTime($0, in: zone, language: language) } ?? ""
                }
                return [
                    "merchant": directory.merchant(group.merchant).name ?? group.merchant,
                    "account": group.account, "customer": group.items.first?.customerName ?? "",
                    "zone": zone.identifier, "hasItems": !group.items.isEmpty, "hasUpdates": !group.updates.isEmpty,
                    "items": group.items.map { item -> [String: Any] in
                        if item.awaiting != nil { pending = true }
                        let base = "/plans/\(FormData.encode(item.merchantID))/\(FormData.encode(item.paymentID))"
                        var outcome = [
                            item.resolution.map { label("resolution", $0, visit) },
                            item.recoveredOnAttempt.map { ConsoleText.format("onAttempt", language, ["\($0)"]) },
                            item.lossReason.map { label("loss", $0, visit) }, item.closedBecause,
                            item.dunningEnded.map { label("dunningEnded", $0, visit) },
                        ].compactMap { $0 }
                        if let at = item.outcomeAt { outcome.append(time(at)) }
                        var row: [String: Any] = [
                            "paymentID": item.paymentID, "href": itemPath(item), "invoice": item.invoiceID,
                            "amount": ConsoleFormat.money(item.amount, currency: item.currency, language: language),
                            "method": label("method", item.paymentMethod, visit), "reason": item.failureReason,
                            "state": item.shownState, "stateLabel": label("state", item.shownState, visit),
                            "attempts": "\(item.attempts)", "firstFailed": time(item.firstFailedAt),
                            "nextAttempt": time(item.nextAttemptAt), "outcome": outcome.joined(separator: " · "),
                            "exhausted": item.attemptsExhausted, "base": base,
                            "renew": verdict(.renewPaymentPlan, item),
                            "handOver": verdict(.handOverToCollections, item),
                        ]
                        if let reason = item.nextAttemptReason { row["nextAttemptReason"] = reason }
                        if let awaiting = item.awaiting {
                            row["awaiting"] = ConsoleText.format(
                                "awaiting", language, [label("command", awaiting.command, visit), awaiting.actor])
                        }
                        return row
                    },
                    "updates": group.updates.sorted { $0.planID < $1.planID }.map { update -> [String: Any] in
                        [
                            "plan": update.planID, "status": update.status,
                            "statusLabel": label("priceStatus", update.status, visit),
                            "newAmount": ConsoleFormat.money(
                                update.newAmount, currency: update.currency, language: language),
                            "deadline": time(update.expiresAt),
                            "effectiveFrom": update.effectiveFrom.map { ConsoleFormat.day($0, language: language) }
                                ?? "",
                            "updated": time(update.updatedAt),
                        ]
                    },
                ]
            },
        ]
        if let sent = visit.request.queryItems.first(where: { $0.0 == "sent" })?.1,
            let action = ConsoleAction.Action(rawValue: sent)
        {
            context["notice"] = text("sent.\(action.rawValue)", visit)
        }
        return page(
            "plans", title: text("plans_title", visit), refresh: pending ? 2 : nil, context, visit)
    }

    func planAction(
        _ slug: String, merchant: String, payment: String, user: ConsoleUser, _ visit: Visit, now: Date
    ) async -> ConsoleResponse {
        let actions: [String: ConsoleAction.Action] = [
            "renew-payment-plan": .renewPaymentPlan, "hand-over-to-collections": .handOverToCollections,
        ]
        guard let action = actions[slug] else { return notFound(visit) }
        return await act(action, merchant: merchant, payment: payment, user: user, visit, now: now, returnTo: "/plans")
    }

    // MARK: Recovery

    /// The recovery figures of one merchant, currency and kind of period, as charts and tables.
    func recoveryPage(user: ConsoleUser, _ visit: Visit) -> ConsoleResponse {
        let language = visit.language
        let query = visit.request.queryItems
        func parameter(_ name: String) -> String? { query.first { $0.0 == name && !$0.1.isEmpty }?.1 }
        let feed = data.recoveryStats
        let merchants = feed.merchants.filter { user.actsFor($0) }.sorted()
        let merchant = parameter("merchant") ?? merchants.first ?? user.merchants.first { $0 != "*" } ?? ""
        guard merchant.isEmpty || user.actsFor(merchant) else { return notFound(visit) }
        let period = parameter("period") == "day" ? RecoveryStatsUpdated.Period.day : .week
        let all = feed.records(merchant: merchant).map(\.figures).filter {
            $0.opened.count > 0 || $0.churn.accounts > 0
        }
        let currencies = Set(all.map(\.currency)).sorted()
        let currency = parameter("currency").flatMap { currencies.contains($0) ? $0 : nil } ?? currencies.first ?? ""
        let limit = period == .week ? 12 : 31
        let records = Array(
            all.filter { $0.currency == currency && $0.period == period }.sorted { $0.start < $1.start }.suffix(limit))
        func money(_ amount: Int64) -> String { ConsoleFormat.money(amount, currency: currency, language: language) }
        func percent(_ ratio: Double) -> String { ConsoleFormat.percent(ratio, language: language) }
        func rate(_ recovered: Int64, _ failed: Int64) -> String {
            failed > 0 ? percent(Double(recovered) / Double(failed)) : ""
        }
        func periodLabel(_ figures: RecoveryStatsUpdated) -> String {
            figures.period == .week
                ? (figures.week ?? figures.start) : ConsoleFormat.day(figures.start, language: language)
        }
        var context: [String: Any] = [
            "merchants": merchants.map { id in
                ["value": id, "label": directory.merchant(id).name ?? id, "selected": id == merchant] as [String: Any]
            },
            "currencies": currencies.map { ["value": $0, "label": $0, "selected": $0 == currency] as [String: Any] },
            "weekly": period == .week, "loaded": data.isLoaded, "hasFigures": !records.isEmpty,
        ]
        guard !records.isEmpty else { return page("recovery", title: text("recovery_title", visit), context, visit) }
        let categories = records.map(periodLabel)
        context["amountsChart"] = SVGChart.bars(
            id: "chart-amounts", title: text("recovery_chartAmounts", visit), categories: categories,
            series: [
                SVGChart.Series(
                    key: "recovered", label: text("recovery_recovered", visit), color: "#2b8a3e",
                    values: records.map(\.recovered.amount)),
                SVGChart.Series(
                    key: "lost", label: text("recovery_lost", visit), color: "#c92a2a",
                    values: records.map(\.lost.amount)),
                SVGChart.Series(
                    key: "open", label: text("recovery_open", visit), color: "#f08c00",
                    values: records.map(\.open.amount)),
            ],
            line: SVGChart.Line(
                label: text("recovery_rate", visit), color: "#1d3557",
                values: records.map { $0.opened.count > 0 ? Double($0.recovered.count) / Double($0.opened.count) : nil }
            ),
            format: money, percent: percent)
        // The sums over the periods shown.
        func sum(_ maps: [EventMap<RecoveryStatsUpdated.Tally>]) -> [(String, RecoveryStatsUpdated.Tally)] {
            var total: [String: RecoveryStatsUpdated.Tally] = [:]
            for map in maps {
                for (key, value) in zip(map.keys, map.values) {
                    var tally = total[key, default: .init()]
                    tally.count = tally.count.saturatingAdd(value.count)
                    tally.amount = tally.amount.saturatingAdd(value.amount)
                    total[key] = tally
                }
            }
            return total.sorted { (Int($0.key) ?? 0, $0.key) < (Int($1.key) ?? 0, $1.key) }
        }
        func sumRates(_ maps: [EventMap<RecoveryStatsUpdated.Rate>]) -> [(String, RecoveryStatsUpdated.Rate)] {
            var total: [String: RecoveryStatsUpdated.Rate] = [:]
            for map in maps {
                for (key, value) in zip(map.keys, map.values) {
                    var rate = total[key, default: .init()]
                    rate.failed = rate.failed.saturatingAdd(value.failed)
                    rate.recovered = rate.recovered.saturatingAdd(value.recovered)
                    total[key] = rate
                }
            }
            return total.sorted { ($1.value.failed, $0.key) < ($0.value.failed, $1.key) }
        }
        let byAttempt = sum(records.map(\.recoveredByAttempt))
        let byReason = sum(records.map(\.lostByReason))
        let byChannel = sum(records.map(\.recoveredByChannel))
        if !byAttempt.isEmpty {
            context["attemptChart"] = SVGChart.bars(
                id: "chart-attempts", title: text("recovery_chartAttempts", visit),
                categories: byAttempt.map { ConsoleText.format("attemptN", language, [$0.0]) },
                series: [
                    SVGChart.Series(
                        key: "recovered", label: text("recovery_recovered", visit), color: "#2b8a3e",
                        values: byAttempt.map(\.1.amount))
                ], format: money, percent: percent)
        }
        if !byReason.isEmpty {
            context["reasonChart"] = SVGChart.bars(
                id: "chart-reasons", title: text("recovery_chartReasons", visit),
                categories: byReason.map { label("loss", $0.0, visit) },
                series: [
                    SVGChart.Series(
                        key: "lost", label: text("recovery_lost", visit), color: "#c92a2a",
                        values: byReason.map(\.1.amount))
                ], format: money, percent: percent)
        }
        func tallyRows(_ rows: [(String, RecoveryStatsUpdated.Tally)], prefix: String?) -> [[String: Any]] {
            rows.map { key, tally in
                [
                    "label": prefix.map { label($0, key, visit) } ?? key, "count": "\(tally.count)",
                    "amount": money(tally.amount),
                ]
            }
        }
        func rateRows(_ rows: [(String, RecoveryStatsUpdated.Rate)], prefix: String?) -> [[String: Any]] {
            rows.map { key, value in
                [
                    "label": prefix.map { label($0, key, visit) } ?? key, "failed": "\(value.failed)",
                    "recovered": "\(value.recovered)", "rate": rate(value.recovered, value.failed),
                ]
            }
        }
        context["periods"] = records.reversed().map { figures -> [String: Any] in
            [
                "period": periodLabel(figures), "opened": "\(figures.opened.count)",
                "openedAmount": money(figures.opened.amount), "recovered": "\(figures.recovered.count)",
                "recoveredAmount": money(figures.recovered.amount),
                "rate": rate(figures.recovered.count, figures.opened.count), "lost": "\(figures.lost.count)",
                "lostAmount": money(figures.lost.amount), "open": "\(figures.open.count)",
                "openAmount": money(figures.open.amount),
                "median": figures.daysToRecover.median.map { "\($0)" } ?? "",
                "p90": figures.daysToRecover.p90.map { "\($0)" } ?? "",
                "within7": money(figures.recoveredWithin.days7), "within14": money(figures.recoveredWithin.days14),
                "within30": money(figures.recoveredWithin.days30), "churnAccounts": "\(figures.churn.accounts)",
                "churnAmount": money(figures.churn.amount),
            ]
        }
        context["declineCodes"] = rateRows(sumRates(records.map(\.byDeclineCode)), prefix: nil)
        context["methods"] = rateRows(sumRates(records.map(\.byPaymentMethod)), prefix: "method")
        context["types"] = rateRows(sumRates(records.map(\.byTransactionType)), prefix: "type")
        context["channels"] = tallyRows(byChannel, prefix: "resolution")
        context["attempts"] = tallyRows(byAttempt, prefix: nil)
        context["reasons"] = tallyRows(byReason, prefix: "loss")
        var histogram: [Int64] = []
        for figures in records {
            for (day, count) in figures.daysToRecover.histogram.enumerated() {
                if histogram.count <= day { histogram += Array(repeating: 0, count: day + 1 - histogram.count) }
                histogram[day] = histogram[day].saturatingAdd(count)
            }
        }
        context["days"] = histogram.enumerated().filter { $0.element > 0 }.map { entry -> [String: Any] in
            ["days": entry.offset == 60 ? "≥ 60" : "\(entry.offset)", "count": "\(entry.element)"]
        }
        return page("recovery", title: text("recovery_title", visit), context, visit)
    }

    // MARK: Dead letters

    /// Admins and owners see dead letters (of their merchants; one that names no merchant only
    /// users of every merchant).
    static func seesDeadLetters(_ user: ConsoleUser) -> Bool {
        user.holds(ConsoleRoles.admin) || user.holds(ConsoleRoles.owner)
    }

    func visible(_ entry: DeadLetterEntry, to user: ConsoleUser) -> Bool {
        guard Self.seesDeadLetters(user) else { return false }
        if let merchant = entry.merchantID { return user.actsFor(merchant) }
        return user.merchants.contains("*")
    }

    enum ReplayRefusal: String {
        case role, noKey, redacted, handled, awaiting
    }

    func replayRefusal(_ entry: DeadLetterEntry, user: ConsoleUser) -> ReplayRefusal? {
        guard ItemActions.roleMay(user.roles, .replayDeadLetter) else { return .role }
        guard signer != nil, producer != nil else { return .noKey }
        guard !entry.letter.redacted else { return .redacted }
        guard data.deadLetters.sent(entry.position, now: clock()) == nil else { return .awaiting }
        guard !data.deadLetters.alreadyHandled(entry) else { return .handled }
        return nil
    }

    func deadLettersPage(user: ConsoleUser, _ visit: Visit) -> ConsoleResponse {
        guard Self.seesDeadLetters(user) else { return notFound(visit) }
        let language = visit.language
        let feed = data.deadLetters
        let visible = feed.entries.filter { self.visible($0, to: user) }
        let query = visit.request.queryItems
        func chosen(_ name: String) -> String? { query.first { $0.0 == name && !$0.1.isEmpty }?.1 }
        let reason = chosen("reason")
        let worker = chosen("worker")
        let topic = chosen("topic")
        let shown = visible.filter { entry in
            (reason == nil || entry.letter.reason.code == reason) && (worker == nil || entry.letter.worker == worker)
                && (topic == nil || entry.letter.source.topic == topic)
        }
        func choices(_ values: [String], _ selected: String?) -> [[String: Any]] {
            Set(values).sorted().map { ["value": $0, "label": $0, "selected": $0 == selected] }
        }
        var pending = false
        let rows = shown.prefix(500).map { entry -> [String: Any] in
            let letter = entry.letter
            let zone = entry.merchantID.map { directory.merchant($0).zone } ?? TimeZone(secondsFromGMT: 0) ?? .current
            var row: [String: Any] = [
                "position": entry.position, "partition": "\(entry.partition)", "offset": "\(entry.offset)",
                "when": ConsoleFormat.dateTime(letter.failedAt, in: zone, language: language),
                "zone": zone.identifier, "worker": letter.worker, "code": letter.reason.code,
                "message": letter.reason.message,
                "source": "\(letter.source.topic)[\(letter.source.partition)]@\(letter.source.offset)",
                "merchant": entry.merchantID.map { directory.merchant($0).name ?? $0 } ?? text("dl_noMerchant", visit),
                // The first 2 KB: a page of 500 letters of a megabyte each would not do.
                "value": letter.value.map { bytes in
                    String(decoding: bytes.prefix(2048), as: UTF8.self) + (bytes.count > 2048 ? " …" : "")
                } ?? "",
                "redacted": letter.redacted,
                "action": "/dead-letters/\(entry.partition)/\(entry.offset)/replay",
            ]
            if let key = letter.key, !key.isEmpty { row["key"] = String(decoding: key, as: UTF8.self) }
            if let refusal = replayRefusal(entry, user: user) {
                row["why"] = text("dl_why.\(refusal.rawValue)", visit)
            } else {
                row["allowed"] = true
            }
            if let sent = feed.sent(entry.position, now: clock()) {
                pending = true
                row["pending"] = ConsoleText.format("dl_pending", language, [sent.actor])
            }
            if let outcome = feed.outcome(entry.position) {
                var outcomeText = text("dl_outcome.\(outcome.result.rawValue)", visit)
                if let reason = outcome.reason { outcomeText += " — \(reason.code): \(reason.message)" }
                row["outcome"] = outcomeText
                row["outcomeResult"] = outcome.result.rawValue
            }
            return row
        }
        var context: [String: Any] = [
            "reasons": choices(visible.map(\.letter.reason.code), reason),
            "workers": choices(visible.map(\.letter.worker), worker),
            "topics": choices(visible.map(\.letter.source.topic), topic),
            "rows": rows, "loaded": data.isLoaded,
            "countText": ConsoleText.format("dl_count", language, ["\(shown.count)"]),
        ]
        if query.contains(where: { $0.0 == "sent" }) { context["notice"] = text("dl_sent", visit) }
        return page(
            "deadLetters", title: text("deadLetters_title", visit), refresh: pending ? 2 : nil, context, visit)
    }

    /// Sends one dead letter's original record back to its source topic, for the worker that
    /// refused it, as `relance dead-letters replay --at` does: signed with the console's key and
    /// the user's claims (the token names the dead letter's position), audited.
    func replayDeadLetter(partition: String, offset: String, user: ConsoleUser, _ visit: Visit, now: Date) async
        -> ConsoleResponse
    {
        guard Self.seesDeadLetters(user), let partition = Int32(partition), let offset = Int64(offset),
            let entry = data.deadLetters.entry(partition: partition, offset: offset), visible(entry, to: user)
        else { return notFound(visit) }
        let account = entry.accountID ?? ""
        let merchant = entry.merchantID ?? "*"
        var audit = ConsoleAction(
            actor: user.user, roles: user.roles, action: .replayDeadLetter, target: entry.position, outcome: .sent,
            remoteAddress: visit.request.remoteAddress)
        if let refusal = replayRefusal(entry, user: user) {
            audit.outcome = refusal == .role ? .forbidden : .notAllowed
            audit.reason = refusal.rawValue
            await record(audit, account: account, merchant: merchant, now: now)
            return page(
                "message", status: 403, title: text("notAllowed", visit),
                ["heading": text("notAllowed", visit), "text": text("dl_why.\(refusal.rawValue)", visit)], visit)
        }
        do {
            guard var signer, let producer else { throw SignedCommandError("no signing key") }
            signer.subject = user.user
            signer.roles = user.roles
            signer.merchants = user.merchants
            try await DeadLetters.replay(
                [entry.entry], deadLetterTopic: DeadLetterFeed.topic, producer: producer, signer: signer,
                audience: configuration.audience, lifetime: configuration.commandTTL)
            data.deadLetters.markSent(entry.position, actor: user.user, at: now)
            await record(audit, account: account, merchant: merchant, now: now)
            logger.info(
                "dead letter replayed",
                metadata: [
                    "user": "\(user.user)", "deadLetter": "\(entry.position)",
                    "to": "\(entry.letter.source.topic)", "worker": "\(entry.letter.worker)",
                ])
            return redirect("/dead-letters?sent=1")
        } catch {
            audit.outcome = .failed
            audit.reason = "\(error)"
            await record(audit, account: account, merchant: merchant, now: now)
            logger.error(
                "dead letter not replayed", metadata: ["deadLetter": "\(entry.position)", "error": "\(error)"])
            return notSent(error, visit)
        }
    }
}
