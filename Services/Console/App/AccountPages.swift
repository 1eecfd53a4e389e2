import Foundation
import RelanceDomain
import RelanceEvents
import RelanceMail

/// Where an overdue invoice stands on the merchant's overdue ladder.
struct LadderPosition: Sendable, Equatable {
    var invoiceID: String
    /// The last step sent (0: none yet).
    var reached: Int
    /// The next step and its day (yyyy-MM-dd, the policy's: due date + its days), nil after the last.
    var next: (step: Int, day: String)?

    static func == (a: LadderPosition, b: LadderPosition) -> Bool {
        a.invoiceID == b.invoiceID && a.reached == b.reached && a.next?.step == b.next?.step
            && a.next?.day == b.next?.day
    }
}

extension Console {
    /// How long a recipients change shows as pending when no refusal comes: reminder-mailer
    /// writes nothing when it applies one, and refuses (a dead letter) within seconds.
    static let recipientsPendingSeconds: TimeInterval = 20
    /// The most invoice recipients a form may give.
    static let maxRecipients = 20

    var accounts: AccountsView { data.accounts }

    /// The ladder policy of a merchant: the console's copy of reminder-mailer's configuration.
    func ladderPolicy(merchant: String) -> LadderPolicy {
        configuration.dunningPolicies.policy(for: merchant, base: configuration.ladder)
    }

    /// The overdue open invoices of the account and the step each reached (the overdue notices
    /// of the email log name their invoice); the next step is that of the invoice the ladder
    /// follows (the oldest overdue one), on the policy's day.
    func ladder(_ account: ConsoleAccount, now: Date) -> [LadderPosition] {
        let policy = ladderPolicy(merchant: account.merchantID)
        // Each invoice's newest ladder only: reminder-mailer starts a new one at step 1 when a
        // stopped ladder starts again (`<invoice>@<day>`, counted from that day).
        var reached: [String: Int] = [:]
        var started: [String: String] = [:]
        for email in accounts.emails(account: account.accountID) {
            guard let step = email.overdueStep else { continue }
            let episode = step.start ?? ""
            if let current = started[step.invoice], current > episode { continue }
            if started[step.invoice] != episode { reached[step.invoice] = 0 }
            started[step.invoice] = episode
            reached[step.invoice] = max(reached[step.invoice] ?? 0, step.step)
        }
        let today = String(Timestamp.format(now).prefix(10))
        let overdue = account.openInvoices.filter { !$0.dueOn.isEmpty && $0.dueOn < today }
        let followed = overdue.first { reached[$0.id] != nil }?.id ?? overdue.first?.id
        let ended = ["terminated", "cancelled", "in_collections", "written_off"].contains(account.shownStatus)
        return overdue.map { invoice in
            let step = reached[invoice.id] ?? 0
            var position = LadderPosition(invoiceID: invoice.id, reached: step, next: nil)
            // A ladder started late counts its days from its start (its day 1) rather than from
            // the due date.
            let base = started[invoice.id].flatMap { $0.isEmpty ? nil : Self.day($0, plus: -1) } ?? invoice.dueOn
            if invoice.id == followed, !ended, step < policy.stepDays.count,
                let at = Self.day(base, plus: policy.stepDays[step])
            {
                position.next = (step + 1, at)
            }
            return position
        }
    }

    /// yyyy-MM-dd plus days.
    static func day(_ text: String, plus days: Int) -> String? {
        guard let date = EventValidator.parseUTCTimestamp(text + "T00:00:00.000Z") else { return nil }
        return String(Timestamp.format(date.addingTimeInterval(TimeInterval(days) * 86_400)).prefix(10))
    }

    func accountPath(_ merchant: String, _ account: String) -> String {
        "/merchants/\(FormData.encode(merchant))/accounts/\(FormData.encode(account))"
    }

    /// "1 234,56 € · 12,00 $": the open amounts per currency.
    func totals(_ invoices: [AccountInvoice], _ visit: Visit) -> String {
        var sums: [String: Int64] = [:]
        for invoice in invoices {
            sums[invoice.currency, default: 0] = sums[invoice.currency, default: 0].saturatingAdd(invoice.openAmount)
        }
        return sums.keys.sorted().map { ConsoleFormat.money(sums[$0] ?? 0, currency: $0, language: visit.language) }
            .joined(separator: " · ")
    }

    /// A yyyy-MM-dd day in the page's language.
    func dayText(_ day: String, _ visit: Visit) -> String {
        let parts = day.split(separator: "-")
        guard visit.language == .fr, parts.count == 3 else { return day }
        return "\(parts[2])/\(parts[1])/\(parts[0])"
    }

    func statusLabel(_ status: String, _ visit: Visit) -> String { label("accountStatus", status, visit) }

    // MARK: Accounts list

    func accountsPage(user: ConsoleUser, _ visit: Visit, now: Date) -> ConsoleResponse {
        let merchants: Set<String>? = user.merchants.contains("*") ? nil : Set(user.merchants)
        var merchant: String?
        var status: String?
        var pageNumber = 1
        for (name, value) in visit.request.queryItems where !value.isEmpty {
            switch name {
            case "merchant": merchant = value
            case "status": status = value
            case "page": pageNumber = Int(value) ?? 1
            default: break
            }
        }
        let all = accounts.accounts(merchants: merchants).filter { account in
            (merchant == nil || account.merchantID == merchant) && (status == nil || account.shownStatus == status)
        }.sorted { a, b in
            let x = (a.customerName ?? a.accountID).lowercased()
            let y = (b.customerName ?? b.accountID).lowercased()
            return x != y ? x < y : (a.merchantID, a.accountID) < (b.merchantID, b.accountID)
        }
        let pageSize = max(1, configuration.pageSize)
        let pages = all.isEmpty ? 1 : (all.count - 1) / pageSize + 1
        let current = min(max(1, pageNumber), pages)
        let shown = all.dropFirst((current - 1) * pageSize).prefix(pageSize)
        let rows: [[String: Any]] = shown.map { account in
            let ladder = ladder(account, now: now)
            let next = ladder.compactMap(\.next).first
            return [
                "href": accountPath(account.merchantID, account.accountID), "account": account.accountID,
                "customer": account.customerName ?? account.accountID, "status": account.shownStatus,
                "statusLabel": statusLabel(account.shownStatus, visit),
                "openCount": "\(account.openInvoices.count)", "openTotal": totals(account.openInvoices, visit),
                "reached": ladder.map(\.reached).max().map { $0 == 0 ? "—" : stepName($0, visit) } ?? "",
                "nextStep": next.map { "\(stepName($0.step, visit)) · \(dayText($0.day, visit))" } ?? "",
            ]
        }
        let kept = visit.request.queryItems.filter { $0.0 != "page" && !$0.1.isEmpty }
        func pageLink(_ page: Int) -> String { "/accounts?" + FormData.encode(kept + [("page", "\(page)")]) }
        let merchantIDs = user.merchants.contains("*") ? directory.merchants.keys.sorted() : user.merchants.sorted()
        var context: [String: Any] = [
            "showMerchants": merchantIDs.count > 1,
            "merchants": merchantIDs.map { id in
                ["value": id, "label": directory.merchant(id).name ?? id, "selected": merchant == id] as [String: Any]
            },
            "statuses": options(
                [
                    "active", "past_due", "suspended", "terminated", "reactivated", "cancelled", "in_collections",
                    "written_off",
                ], selected: status.map { [$0] } ?? [], prefix: "accountStatus", visit),
            "rows": rows, "loaded": accounts.isLoaded,
            "countText": ConsoleText.format("accountCount", visit.language, ["\(all.count)"]),
            "pageText": ConsoleText.format("page", visit.language, ["\(current)", "\(pages)"]),
        ]
        if current > 1 { context["previous"] = pageLink(current - 1) }
        if current < pages { context["next"] = pageLink(current + 1) }
        return page("accounts", title: text("accounts", visit), context, visit)
    }

    func stepName(_ step: Int, _ visit: Visit) -> String { text("step.\(step)", visit) }

    // MARK: Account page

    func visibleAccount(merchant: String, account: String, user: ConsoleUser) -> ConsoleAccount? {
        guard user.actsFor(merchant) else { return nil }
        return accounts.account(merchant: merchant, account: account)
    }

    /// Whether the user may change the recipients, and if not why.
    func recipientsVerdict(_ user: ConsoleUser) -> ItemActions.Refusal? {
        guard signer != nil else { return .noKey }
        guard ItemActions.roleMay(user.roles, .changeRecipients) else { return .role }
        return nil
    }

    func accountPage(
        merchant: String, accountID: String, user: ConsoleUser, _ visit: Visit, now: Date, status: Int = 200,
        formText: String? = nil, errorText: String? = nil
    ) -> ConsoleResponse {
        guard let account = visibleAccount(merchant: merchant, account: accountID, user: user) else {
            return notFound(visit)
        }
        let language = visit.language
        let zone = directory.merchant(merchant).zone
        func time(_ date: Date) -> String { ConsoleFormat.dateTime(date, in: zone, language: language) }
        let ladder = ladder(account, now: now)
        let positions = Dictionary(ladder.map { ($0.invoiceID, $0) }, uniquingKeysWith: { a, _ in a })
        let invoices: [[String: Any]] = account.openInvoices.map { invoice in
            let position = positions[invoice.id]
            return [
                "id": invoice.id, "number": invoice.number,
                "amount": ConsoleFormat.money(invoice.amount, currency: invoice.currency, language: language),
                "fees": invoice.feesTotal == 0
                    ? "" : ConsoleFormat.money(invoice.feesTotal, currency: invoice.currency, language: language),
                "dueOn": dayText(invoice.dueOn, visit),
                "status": label("invoiceStatus", invoice.status ?? "open", visit),
                "open": ConsoleFormat.money(invoice.openAmount, currency: invoice.currency, language: language),
                "overdue": position != nil,
                "reached": position.map { $0.reached == 0 ? text("noStepYet", visit) : stepName($0.reached, visit) }
                    ?? "",
                "next": position?.next.map { "\(stepName($0.step, visit)) · \(dayText($0.day, visit))" } ?? "",
            ]
        }
        // Recipients: the last change applied, one in flight, one refused.
        let changes = account.changes
        let emails = accounts.emails(account: account.accountID)
        let pending = changes.last.flatMap { change -> RecipientsChange? in
            guard change.refusal == nil, now.timeIntervalSince(change.at) < Self.recipientsPendingSeconds else {
                return nil
            }
            // An email the mailer sent to the new list since: applied.
            let wanted = Set(change.recipients.map { $0.lowercased() })
            if emails.contains(where: {
                $0.at >= change.at.addingTimeInterval(-1) && Set($0.to.map { $0.lowercased() }) == wanted
            }) {
                return nil
            }
            return change
        }
        let applied = changes.last {
            $0.refusal == nil && $0.eventID != pending?.eventID
        }
        let refused = changes.last.flatMap { $0.refusal == nil ? nil : $0 }
        let refusal = recipientsVerdict(user)
        var context: [String: Any] = [
            "customer": account.customerName ?? account.accountID, "account": account.accountID,
            "merchant": directory.merchant(merchant).name ?? merchant, "status": account.shownStatus,
            "statusLabel": statusLabel(account.shownStatus, visit), "statusReason": account.statusReason ?? "",
            "statusHistory": account.statusHistory.reversed().map { entry -> [String: Any] in
                ["at": time(entry.at), "status": statusLabel(entry.status, visit), "reason": entry.reason]
            },
            "invoices": invoices, "openTotal": totals(account.openInvoices, visit),
            "policyText": policyText(merchant, visit),
            "recipients": applied?.recipients ?? [], "hasRecipients": !(applied?.recipients ?? []).isEmpty,
            "base": accountPath(merchant, account.accountID), "zone": zone.identifier,
            "mayChange": refusal == nil,
            "formText": formText ?? (pending ?? applied)?.recipients.joined(separator: "\n") ?? "",
            "emails": emailRows(emails.reversed(), visit, zone: zone),
        ]
        if let refusal { context["why"] = text("why.recipients.\(refusal.rawValue)", visit) }
        if let pending {
            context["pending"] = ConsoleText.format(
                "recipientsPending", language, [pending.recipients.joined(separator: ", "), pending.actor ?? "-"])
        }
        if let refused {
            context["refused"] = ConsoleText.format(
                "recipientsRefused", language, [refused.recipients.joined(separator: ", "), refused.refusal ?? ""])
        }
        if let errorText { context["errorText"] = errorText }
        if visit.request.queryItems.contains(where: { $0 == ("sent", "change_recipients") }) {
            context["notice"] = text("sent.change_recipients", visit)
        }
        let dunning = Set(
            view.query(accountItemsQuery(merchant)).items.filter { $0.accountID == account.accountID && $0.isActive }
                .map(\.dunning)
        ).subtracting([""])
        if let hold = dunning.sorted().first {
            context["dunning"] =
                hold == "excluded"
                ? text("dunningExcluded", visit)
                : hold.hasPrefix("paused until ")
                    ? ConsoleText.format("dunningPausedUntil", language, [String(hold.dropFirst(13))])
                    : text("dunningPaused", visit)
        }
        return page(
            "account", status: status, title: "\(account.customerName ?? account.accountID) · \(account.accountID)",
            refresh: pending == nil ? nil : 2, context, visit)
    }

    func accountItemsQuery(_ merchant: String) -> ItemQuery {
        var query = ItemQuery()
        query.merchants = [merchant]
        query.pageSize = Int.max
        return query
    }

    /// "Steps on days 1, 8, 15, 20, 25 after the due date; last step: terminate."
    func policyText(_ merchant: String, _ visit: Visit) -> String {
        let policy = ladderPolicy(merchant: merchant)
        return ConsoleText.format(
            "policyText", visit.language,
            [
                policy.stepDays.map(String.init).joined(separator: ", "),
                label("finalAction", policy.finalAction.rawValue, visit),
            ])
    }

    func emailRows(_ emails: some Sequence<EmailEntry>, _ visit: Visit, zone: TimeZone) -> [[String: Any]] {
        emails.map { email in
            [
                "at": ConsoleFormat.dateTime(email.at, in: zone, language: visit.language),
                "kind": label("emailKind", email.kind, visit), "to": email.to.joined(separator: ", "),
                "subject": email.subject,
                "outcome": email.error.map { ConsoleText.format("emailFailed", visit.language, [$0]) }
                    ?? text("emailSent", visit),
                "failed": !email.sent,
            ]
        }
    }

    // MARK: Recipients

    /// The form's addresses, or what is wrong with them.
    static func parseRecipients(_ text: String) -> Result<[String], RecipientsProblem> {
        let lines = text.split(whereSeparator: \.isNewline).map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        guard !lines.isEmpty else { return .failure(.empty) }
        guard lines.count <= maxRecipients else { return .failure(.tooMany) }
        var seen: Set<String> = []
        for line in lines {
            guard line.count <= 254, MailAddress(line).isValid, !line.contains(where: { $0 == " " || $0 == "," })
            else { return .failure(.invalid(line)) }
            guard seen.insert(line.lowercased()).inserted else { return .failure(.duplicate(line)) }
        }
        return .success(lines)
    }

    enum RecipientsProblem: Error, Equatable {
        case empty, tooMany
        case invalid(String)
        case duplicate(String)
    }

    func changeRecipients(merchant: String, accountID: String, user: ConsoleUser, _ visit: Visit, now: Date) async
        -> ConsoleResponse
    {
        guard let account = visibleAccount(merchant: merchant, account: accountID, user: user) else {
            return notFound(visit)
        }
        var audit = ConsoleAction(
            actor: user.user, roles: user.roles, action: .changeRecipients, target: account.accountID, outcome: .sent,
            remoteAddress: visit.request.remoteAddress)
        if let refusal = recipientsVerdict(user) {
            audit.outcome = refusal == .role ? .forbidden : .notAllowed
            audit.reason = refusal.rawValue
            await record(audit, account: account.accountID, merchant: merchant, now: now)
            return page(
                "message", status: 403, title: text("notAllowed", visit),
                ["heading": text("notAllowed", visit), "text": text("why.recipients.\(refusal.rawValue)", visit)],
                visit)
        }
        let given = visit.request.form.first { $0.0 == "recipients" }?.1 ?? ""
        let recipients: [String]
        switch Self.parseRecipients(given) {
        case .success(let list): recipients = list
        case .failure(let problem):
            let why: String
            switch problem {
            case .empty: why = text("recipients.empty", visit)
            case .tooMany: why = ConsoleText.format("recipients.tooMany", visit.language, ["\(Self.maxRecipients)"])
            case .invalid(let line): why = ConsoleText.format("recipients.invalid", visit.language, [line])
            case .duplicate(let line): why = ConsoleText.format("recipients.duplicate", visit.language, [line])
            }
            return accountPage(
                merchant: merchant, accountID: accountID, user: user, visit, now: now, status: 400,
                formText: String(given.prefix(20_000)), errorText: why)
        }
        do {
            let command = try await sendCommand(
                type: MailEvents.recipientsChangeRequested.name,
                data: .object([("recipients", .array(recipients.map { .object([("email", .string($0))]) }))]),
                account: account.accountID, merchant: merchant, user: user)
            accounts.markSent(
                merchant: merchant, account: account.accountID, eventID: command.event.eventID,
                recipients: recipients, actor: user.user, at: now)
            audit.commandEventId = command.event.eventID
            await record(audit, account: account.accountID, merchant: merchant, now: now)
            logger.info(
                "command sent",
                metadata: [
                    "user": "\(user.user)", "action": "change_recipients", "account": "\(account.accountID)",
                    "event": "\(command.event.eventID)",
                ])
            return redirect(accountPath(merchant, account.accountID) + "?sent=change_recipients")
        } catch {
            audit.outcome = .failed
            audit.reason = "\(error)"
            await record(audit, account: account.accountID, merchant: merchant, now: now)
            logger.error("command not sent", metadata: ["account": "\(account.accountID)", "error": "\(error)"])
            return notSent(error, visit)
        }
    }

    // MARK: Expiring cards

    func expiringCards(user: ConsoleUser, _ visit: Visit) -> [ExpiringCard] {
        let merchant = visit.request.queryItems.first { $0.0 == "merchant" && !$0.1.isEmpty }?.1
        return data.expiringCards.cards(merchants: user.merchants.contains("*") ? nil : Set(user.merchants))
            .filter { merchant == nil || $0.merchantID == merchant }
    }

    func customerName(_ merchant: String, _ account: String) -> String? {
        accounts.account(merchant: merchant, account: account)?.customerName
            ?? view.query(accountItemsQuery(merchant)).items.first { $0.accountID == account }?.customerName
    }

    /// "merchant/account" → the customer's name: one look-up per account, not per card, and
    /// the action centre's items read once per merchant (not once per account) for the accounts
    /// the accounts feed does not name.
    func customerNames(_ cards: [ExpiringCard]) -> [String: String] {
        var names: [String: String] = [:]
        var fromItems: [String: [String: String]] = [:]
        for card in cards where names["\(card.merchantID)/\(card.accountID)"] == nil {
            var name = accounts.account(merchant: card.merchantID, account: card.accountID)?.customerName
            if name == nil {
                if fromItems[card.merchantID] == nil {
                    var byAccount: [String: String] = [:]
                    for item in view.query(accountItemsQuery(card.merchantID)).items
                    where byAccount[item.accountID] == nil {
                        byAccount[item.accountID] = item.customerName
                    }
                    fromItems[card.merchantID] = byAccount
                }
                name = fromItems[card.merchantID]?[card.accountID]
            }
            names["\(card.merchantID)/\(card.accountID)"] = name ?? ""
        }
        return names
    }

    func expiryText(_ card: ExpiringCard) -> String {
        "\(card.expMonth < 10 ? "0" : "")\(card.expMonth)/\(card.expYear)"
    }

    func expiringCardsPage(user: ConsoleUser, _ visit: Visit) -> ConsoleResponse {
        let cards = expiringCards(user: user, visit)
        let names = customerNames(cards)
        let rows: [[String: Any]] = cards.map { card in
            [
                "customer": names["\(card.merchantID)/\(card.accountID)"] ?? "", "account": card.accountID,
                "href": accounts.account(merchant: card.merchantID, account: card.accountID) == nil
                    ? "" : accountPath(card.merchantID, card.accountID), "brand": card.brand, "last4": card.last4,
                "expiry": expiryText(card), "schedules": card.schedules.joined(separator: ", "),
                "merchant": directory.merchant(card.merchantID).name ?? card.merchantID,
            ]
        }
        let kept = visit.request.queryItems.filter { !$0.1.isEmpty }
        return page(
            "expiringCards", title: text("expiringCards", visit),
            [
                "rows": rows, "loaded": data.expiringCards.isLoaded, "query": FormData.encode(kept),
                "countText": ConsoleText.format("cardCount", visit.language, ["\(cards.count)"]),
            ], visit)
    }

    func expiringCardsCSV(user: ConsoleUser, _ visit: Visit) -> ConsoleResponse {
        var out = CSV.line([
            "merchant", "account", "customerName", "cardId", "brand", "last4", "expMonth", "expYear", "schedules",
        ])
        let cards = expiringCards(user: user, visit)
        let names = customerNames(cards)
        for card in cards {
            out += CSV.line([
                card.merchantID, card.accountID, names["\(card.merchantID)/\(card.accountID)"] ?? "", card.cardID,
                card.brand, card.last4, "\(card.expMonth)", "\(card.expYear)", card.schedules.joined(separator: " "),
            ])
        }
        return ConsoleResponse(
            status: 200,
            headers: [
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Content-Disposition", "attachment; filename=\"expiring-cards.csv\""),
            ], body: Array(out.utf8))
    }

    /// The emails about an item's payment, newest first (the item page's history).
    func itemEmails(_ item: ActionItem, _ visit: Visit) -> [[String: Any]] {
        emailRows(
            accounts.emails(merchant: item.merchantID, account: item.accountID, payment: item.paymentID).reversed(),
            visit, zone: directory.merchant(item.merchantID).zone)
    }
}
