import Foundation
import Metrics
import RelanceEvents
import RelanceKafka
import RelanceMail
import RelanceRuntime

/// The bounds of a proof upload.
public enum ProofUpload {
    /// The largest file a proof may attach: beyond it the upload is refused with a 413 page.
    /// 700 kB: a file travels in the `proof.submitted` record, which may not exceed
    /// `maximumEventBytes` (base64 makes a binary file a third larger).
    public static let maximumFileBytes = 700 * 1024
    /// The largest request body the proof form may send (the file, the fields, multipart's framing).
    public static let maximumRequestBytes = maximumFileBytes + 64 * 1024
    /// The largest `proof.submitted` record: proof-validator's `RELANCE_MAX_EVENT_BYTES` default
    /// (larger events are dead letters) and librdkafka's `message.max.bytes` default.
    public static let maximumEventBytes = 1_000_000
    public static let kinds = ["bank_statement", "card_statement", "remittance_advice"]
    public static let formats = ["camt.053", "camt.054", "camt.052", "mt940", "csv"]
    public static let csvMappings = ["generic", "fr-debit-credit"]

    /// The format of a bank file by its content: camt by its namespace, MT940 by its tags, else CSV.
    public static func detectFormat(_ bytes: [UInt8]) -> String {
        let head = String(decoding: bytes.prefix(4096), as: UTF8.self)
        for format in ["camt.053", "camt.054", "camt.052"] where head.contains(format) { return format }
        if head.contains("<BkToCstmrStmt") { return "camt.053" }
        if head.contains("<BkToCstmrDbtCdtNtfctn") { return "camt.054" }
        if head.contains("<BkToCstmrAcctRpt") { return "camt.052" }
        if head.contains(":20:") || head.hasPrefix("{1:") || head.contains(":61:") { return "mt940" }
        return "csv"
    }

    /// "49.00", "49,00", "1 234,56" → minor units of `currency`; nil when it does not read or has
    /// more decimals than the currency.
    public static func minorUnits(_ text: String, currency: String) -> Int64? {
        let digits = Currency(code: currency)?.minorUnitDigits ?? 2
        let cleaned = text.filter { !$0.isWhitespace && $0 != "\u{202F}" && $0 != "\u{A0}" && $0 != "'" }
            .replacingOccurrences(of: ",", with: ".")
        let parts = cleaned.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].allSatisfy(\.isASCII),
            parts[0].count <= 15, let whole = Int64(parts[0]), whole >= 0
        else { return nil }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= digits, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        fraction += String(repeating: "0", count: digits - fraction.count)
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let (product, overflow) = whole.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        return product + (Int64(fraction) ?? 0)
    }
}

extension Console {
    var reconciliation: ReconciliationFeed { data.reconciliation }
    var proofs: ProofFeed { data.proofs }

    func locale(_ visit: Visit) -> MailLocale { visit.language == .fr ? .fr : .en }

    func merchantsOf(_ user: ConsoleUser) -> [String] {
        user.merchants.contains("*") ? directory.merchants.keys.sorted() : user.merchants.sorted()
    }

    func merchantScope(_ user: ConsoleUser) -> Set<String>? {
        user.merchants.contains("*") ? nil : Set(user.merchants)
    }

    func reconciliationPath(_ merchant: String, _ account: String) -> String {
        "/reconciliation/\(FormData.encode(merchant))/\(FormData.encode(account))"
    }

    /// The pages under /reconciliation and /proofs.
    func answerReconciliation(segments s: [String], user: ConsoleUser, _ visit: Visit, now: Date) async
        -> ConsoleResponse
    {
        switch (visit.request.method, s) {
        case ("GET", ["reconciliation"]):
            return reconcilablePage(user: user, visit)
        case ("GET", let s) where s.count == 3:
            if s[0] == "reconciliation" {
                return accountPage(merchant: s[1], account: s[2], user: user, visit, now: now)
            }
            return notFound(visit)
        case ("POST", let s) where s.count == 4 && s[0] == "reconciliation" && s[3] == "reconcile":
            return await reconcile(merchant: s[1], account: s[2], user: user, visit, now: now)
        case ("GET", ["proofs"]):
            return proofsPage(user: user, visit)
        case ("GET", let s) where s.count == 2 && s[0] == "proofs":
            return proofPage(s[1], user: user, visit)
        case ("POST", ["proofs"]):
            return await submitProof(user: user, visit, now: now)
        default:
            return notFound(visit)
        }
    }

    // MARK: Reconcilable accounts

    func totalsText(_ totals: [ReconcilableAccount.Total], _ visit: Visit) -> String {
        totals.map { ConsoleFormat.money($0.amount, currency: $0.currency, language: visit.language) }
            .joined(separator: " · ")
    }

    func reconcilablePage(user: ConsoleUser, _ visit: Visit) -> ConsoleResponse {
        let accounts = reconciliation.listed(merchants: merchantScope(user))
        let rows: [[String: Any]] = accounts.map { entry in
            let pending = reconciliation.account(merchant: entry.merchantID, account: entry.accountID)?.pending
            return [
                "merchant": directory.merchant(entry.merchantID).name ?? entry.merchantID,
                "account": entry.accountID, "href": reconciliationPath(entry.merchantID, entry.accountID),
                // The customer's name where the accounts feed has it (reconciliation's records have none).
                "customer": self.accounts.account(merchant: entry.merchantID, account: entry.accountID)?.customerName
                    ?? "",
                "items": "\(entry.unreconciledItems)", "debit": totalsText(entry.debit, visit),
                "credit": totalsText(entry.credit, visit), "zeroBalance": entry.zeroBalance,
                "pending": pending != nil,
                "openItems": entry.openItems.map { itemRow($0, visit) },
            ]
        }
        var debits: [String: Int64] = [:]
        var credits: [String: Int64] = [:]
        for entry in accounts {
            for total in entry.debit {
                debits[total.currency, default: 0] = debits[total.currency, default: 0].saturatingAdd(total.amount)
            }
            for total in entry.credit {
                credits[total.currency, default: 0] = credits[total.currency, default: 0].saturatingAdd(total.amount)
            }
        }
        func sums(_ values: [String: Int64]) -> String {
            values.keys.sorted().map {
                ConsoleFormat.money(values[$0] ?? 0, currency: $0, language: visit.language)
            }.joined(separator: " · ")
        }
        let context: [String: Any] = [
            "rows": rows, "loaded": reconciliation.isLoaded,
            "countText": ConsoleText.format("reconCount", visit.language, ["\(accounts.count)"]),
            "totalDebit": sums(debits), "totalCredit": sums(credits), "showMerchant": merchantsOf(user).count > 1,
        ]
        return page("reconciliation", title: text("reconTitle", visit), context, visit)
    }

    func itemRow(_ item: ReconcilableAccount.OpenItem, _ visit: Visit) -> [String: Any] {
        [
            "id": item.id, "kind": label("recon.kind", item.kind, visit), "side": label("recon.side", item.side, visit),
            "amount": ConsoleFormat.money(item.amount, currency: item.currency, language: visit.language),
            "open": ConsoleFormat.money(item.open, currency: item.currency, language: visit.language),
            "date": item.date, "reference": item.reference ?? "",
        ]
    }

    /// Whether the user may Reconcile the account now, and if not why (a text key).
    func reconcileRefusal(user: ConsoleUser, view: ReconciliationFeed.AccountView?) -> (String, ConsoleAction.Outcome)?
    {
        guard ItemActions.roleMay(user.roles, .reconcile) else { return ("reconWhyRole", .forbidden) }
        guard signer != nil else { return ("why.noKey", .notAllowed) }
        guard let view, view.entry?.listed == true else { return ("reconWhyNotListed", .notAllowed) }
        guard view.pending == nil else { return ("reconWhyPending", .notAllowed) }
        return nil
    }

    /// How long a Reconcile shows pending without an answer (reconciliation refuses an
    /// unauthorised one to the dead-letter topic, and does nothing visible when nothing matches).
    static let reconcileWait: TimeInterval = 60

    func accountPage(merchant: String, account: String, user: ConsoleUser, _ visit: Visit, now: Date)
        -> ConsoleResponse
    {
        guard user.actsFor(merchant), let view = reconciliation.account(merchant: merchant, account: account) else {
            return notFound(visit)
        }
        let language = visit.language
        let zone = directory.merchant(merchant).zone
        var context: [String: Any] = [
            "merchant": directory.merchant(merchant).name ?? merchant, "merchantID": merchant, "account": account,
            "base": reconciliationPath(merchant, account), "listed": view.entry?.listed == true,
            "allocations": view.allocations.reversed().map { allocation -> [String: Any] in
                [
                    "at": ConsoleFormat.dateTime(allocation.at, in: zone, language: language),
                    "credit": allocation.creditID, "creditKind": label("recon.kind", allocation.creditKind, visit),
                    "debit": allocation.debitID, "debitKind": label("recon.kind", allocation.debitKind, visit),
                    "amount": ConsoleFormat.money(allocation.amount, currency: allocation.currency, language: language),
                    "trigger": label("recon.trigger", allocation.trigger, visit),
                    "debitOpen": allocation.debitOpen.map {
                        ConsoleFormat.money($0, currency: allocation.currency, language: language)
                    } ?? "",
                ]
            },
            "invoices": view.invoices.map { invoice -> [String: Any] in
                [
                    "id": invoice.invoiceID, "status": invoice.status,
                    "statusLabel": label("recon.status", invoice.status, visit),
                    "amount": ConsoleFormat.money(invoice.amount, currency: invoice.currency, language: language),
                    "open": ConsoleFormat.money(invoice.open, currency: invoice.currency, language: language),
                ]
            },
            "proofs": proofRows(proofs.recent(merchants: [merchant], account: account, limit: 20), visit),
        ]
        if let entry = view.entry {
            context["items"] = "\(entry.unreconciledItems)"
            if !entry.debit.isEmpty { context["debit"] = totalsText(entry.debit, visit) }
            if !entry.credit.isEmpty { context["credit"] = totalsText(entry.credit, visit) }
            context["zeroBalance"] = entry.listed && entry.zeroBalance
            context["openItems"] = entry.openItems.map { itemRow($0, visit) }
        }
        var refresh: Int?
        if let pending = view.pending {
            if now.timeIntervalSince(pending.sentAt) < Self.reconcileWait {
                context["pending"] = ConsoleText.format("reconPending", language, [pending.actor])
                refresh = 2
            } else {
                context["pendingLate"] = text("reconPendingLate", visit)
            }
        }
        if let refusal = view.refusal { context["refusal"] = ConsoleText.format("reconRefused", language, [refusal]) }
        if let why = reconcileRefusal(user: user, view: view) {
            // A Reconcile long without an answer may be sent again.
            if why.0 == "reconWhyPending", refresh == nil {
                context["reconcile"] = ["allowed": true]
            } else {
                context["reconcile"] = ["allowed": false, "why": text(why.0, visit)] as [String: Any]
            }
        } else {
            context["reconcile"] = ["allowed": true]
        }
        if visit.request.queryItems.contains(where: { $0 == ("sent", "reconcile") }) {
            context["notice"] = text("reconSent", visit)
        }
        context["proofForm"] = proofForm(user: user, merchant: merchant, account: account, visit)
        return page(
            "reconAccount", title: "\(text("reconAccount", visit)) \(account)", refresh: refresh, context, visit)
    }

    func reconcile(merchant: String, account: String, user: ConsoleUser, _ visit: Visit, now: Date) async
        -> ConsoleResponse
    {
        guard user.actsFor(merchant) else { return notFound(visit) }
        let view = reconciliation.account(merchant: merchant, account: account)
        guard view != nil else { return notFound(visit) }
        var audit = ConsoleAction(
            actor: user.user, roles: user.roles, action: .reconcile, target: account, outcome: .sent,
            remoteAddress: visit.request.remoteAddress)
        var refusal = reconcileRefusal(user: user, view: view)
        if refusal?.0 == "reconWhyPending", let sent = view?.pending?.sentAt,
            now.timeIntervalSince(sent) >= Self.reconcileWait
        {
            refusal = nil
        }
        if let refusal {
            let (key, outcome) = refusal
            audit.outcome = outcome
            audit.reason = outcome == .forbidden ? "role" : key
            await record(audit, account: account, merchant: merchant, now: now)
            logger.notice(
                "reconcile refused", metadata: ["user": "\(user.user)", "account": "\(account)", "why": "\(key)"])
            return message(403, outcome == .forbidden ? "forbidden" : "notAllowed", text(key, visit), visit)
        }
        do {
            let command = try await sendCommand(
                type: ReconciliationEvents.reconcileRequested.name,
                data: .object([("requestId", .string(UUID().uuidString.lowercased()))]), account: account,
                merchant: merchant, user: user)
            reconciliation.markPending(
                merchant: merchant, account: account,
                request: ReconcileRequest(eventID: command.event.eventID, actor: user.user, sentAt: now))
            audit.commandEventId = command.event.eventID
            await record(audit, account: account, merchant: merchant, now: now)
            logger.info(
                "command sent",
                metadata: [
                    "user": "\(user.user)", "action": "reconcile", "account": "\(account)",
                    "event": "\(command.event.eventID)",
                ])
            return redirect(reconciliationPath(merchant, account) + "?sent=reconcile")
        } catch {
            audit.outcome = .failed
            audit.reason = "\(error)"
            await record(audit, account: account, merchant: merchant, now: now)
            return notSent(error, visit)
        }
    }

    // MARK: Proofs

    func proofRows(_ records: [ProofRecord], _ visit: Visit) -> [[String: Any]] {
        records.map { record in
            let zone = directory.merchant(record.merchantID).zone
            let verdict = record.verdict?.verdict ?? "pending"
            return [
                "id": record.proofID, "href": "/proofs/\(FormData.encode(record.proofID))",
                "merchant": directory.merchant(record.merchantID).name ?? record.merchantID,
                "account": record.accountID, "accountHref": reconciliationPath(record.merchantID, record.accountID),
                "kind": label("proof.kind", record.kind, visit), "format": record.format ?? "",
                "submitted": ConsoleFormat.dateTime(record.submittedAt, in: zone, language: visit.language),
                "verdict": verdict,
                "verdictLabel": record.verdict.map { ProofWords.verdict($0.verdict, locale: locale(visit)) }
                    ?? text("proofPending", visit),
            ]
        }
    }

    func proofForm(user: ConsoleUser, merchant: String?, account: String?, _ visit: Visit) -> [String: Any] {
        let merchants = merchantsOf(user)
        var form: [String: Any] = [
            "merchants": merchants.map { id in
                ["value": id, "label": directory.merchant(id).name ?? id, "selected": id == merchant] as [String: Any]
            },
            "fixedMerchant": merchant ?? (merchants.count == 1 ? merchants.first : nil) ?? "",
            "chooseMerchant": merchant == nil && merchants.count > 1,
            "account": account ?? "", "fixedAccount": account != nil,
            "kinds": options(ProofUpload.kinds, selected: ["bank_statement"], prefix: "proof.kind", visit),
            "formats": options(ProofUpload.formats, selected: [], prefix: nil, visit),
            "mappings": options(ProofUpload.csvMappings, selected: ["generic"], prefix: nil, visit),
            "confirmations": options(["booked", "pending", "none"], selected: [], prefix: "proof.confirmation", visit),
            "allowed": ItemActions.roleMay(user.roles, .submitProof),
            "maxText": ConsoleText.format("proofMaxSize", visit.language, ["\(ProofUpload.maximumFileBytes >> 10)"]),
        ]
        if !ItemActions.roleMay(user.roles, .submitProof) { form["why"] = text("proofWhyRole", visit) }
        return form
    }

    func proofsPage(user: ConsoleUser, _ visit: Visit) -> ConsoleResponse {
        let records = proofs.recent(merchants: merchantScope(user), limit: 100)
        let context: [String: Any] = [
            "rows": proofRows(records, visit), "loaded": proofs.isLoaded,
            "proofForm": proofForm(user: user, merchant: nil, account: nil, visit),
            "showMerchant": merchantsOf(user).count > 1,
        ]
        return page("proofs", title: text("proofTitle", visit), context, visit)
    }

    func proofPage(_ id: String, user: ConsoleUser, _ visit: Visit) -> ConsoleResponse {
        guard let record = proofs.proof(id), user.actsFor(record.merchantID) else { return notFound(visit) }
        let language = visit.language
        let mailLocale = self.locale(visit)
        let zone = directory.merchant(record.merchantID).zone
        var context: [String: Any] = [
            "id": record.proofID, "merchant": directory.merchant(record.merchantID).name ?? record.merchantID,
            "account": record.accountID, "accountHref": reconciliationPath(record.merchantID, record.accountID),
            "kind": label("proof.kind", record.kind, visit), "format": record.format ?? "",
            "typed": record.typedFields, "invoices": record.invoiceIDs.joined(separator: ", "),
            "submitted": ConsoleFormat.dateTime(record.submittedAt, in: zone, language: language),
        ]
        if visit.request.queryItems.contains(where: { $0 == ("sent", "submit_proof") }) {
            context["notice"] = text("proofSent", visit)
        }
        guard let verdict = record.verdict else {
            context["verdict"] = "pending"
            context["verdictLabel"] = text("proofPending", visit)
            context["pendingText"] = text("proofPendingText", visit)
            // No verdict a minute on: proof-validator may have put the record among its dead
            // letters (a card number in the text, too large); the page stops looking by itself.
            let waiting = clock().timeIntervalSince(record.submittedAt) < Self.proofVerdictWait
            if !waiting { context["pendingText"] = text("proofNoVerdict", visit) }
            return page(
                "proof", title: "\(text("proofOne", visit)) \(record.proofID)", refresh: waiting ? 2 : nil, context,
                visit)
        }
        func money(_ amount: Int64?) -> String? {
            guard let amount else { return nil }
            // A verdict without its own amount has its invoices' currency.
            let currency = verdict.currency ?? verdict.matches.first?.currency ?? ""
            return ConsoleFormat.money(amount, currency: currency, language: language)
        }
        context["verdict"] = verdict.verdict
        context["verdictLabel"] = ProofWords.verdict(verdict.verdict, locale: mailLocale)
        context["verdictText"] = text("proof.verdictText.\(verdict.verdict)", visit)
        context["hasReasons"] = !verdict.reasons.isEmpty
        context["hasCases"] = !verdict.cases.isEmpty
        context["hasMatches"] = !verdict.matches.isEmpty
        context["reasons"] = verdict.reasons.map { reason -> [String: Any] in
            [
                "element": ProofWords.element(reason.element, locale: mailLocale),
                "text": ProofWords.reason(element: reason.element, code: reason.code, locale: mailLocale),
                "code": reason.code, "message": reason.message,
            ]
        }
        context["matches"] = verdict.matches.map { match -> [String: Any] in
            [
                "invoice": match.invoiceID,
                "amount": ConsoleFormat.money(match.amount, currency: match.currency, language: language),
            ]
        }
        context["cases"] = verdict.cases.map { ["text": ProofWords.proofCase($0, locale: mailLocale), "case": $0] }
        var details: [[String: String]] = []
        func detail(_ key: String, _ value: String?) {
            if let value, !value.isEmpty { details.append(["label": text(key, visit), "value": value]) }
        }
        detail("proofTransactionId", verdict.transactionID)
        detail("proofTransactionDate", verdict.transactionDate)
        detail("amount", money(verdict.amount))
        detail("proofPayerName", verdict.payerName)
        detail("proofPayeeName", verdict.payeeName)
        detail("proofRefundAmount", money(verdict.refundAmount))
        if let shortfall = verdict.shortfall, shortfall != 0 {
            detail(shortfall > 0 ? "proofShortfall" : "proofExcess", money(shortfall == .min ? nil : abs(shortfall)))
        }
        context["details"] = details
        context["decided"] = ConsoleFormat.dateTime(verdict.at, in: zone, language: language)
        return page("proof", title: "\(text("proofOne", visit)) \(record.proofID)", context, visit)
    }

    /// How long a proof's page refreshes itself waiting for the verdict.
    static let proofVerdictWait: TimeInterval = 60

    /// The proof form's post: a `proof.submitted` to `relance.proofs` (a fact, not a signed
    /// command: proof-validator judges it on its own), audited with the new proof id.
    func submitProof(user: ConsoleUser, _ visit: Visit, now: Date) async -> ConsoleResponse {
        let request = visit.request
        let parts = request.multipartParts ?? []
        var fields: [String: String] = [:]
        for (name, value) in request.form { fields[name] = value.trimmingCharacters(in: .whitespacesAndNewlines) }
        let file = parts.first { $0.name == "document" && $0.fileName != nil && !$0.body.isEmpty }
        let merchant = fields["merchant"] ?? ""
        let account = fields["account"] ?? ""
        guard user.actsFor(merchant) else { return notFound(visit) }
        let proofID = "pr-" + UUID().uuidString.lowercased()
        var audit = ConsoleAction(
            actor: user.user, roles: user.roles, action: .submitProof, target: proofID, outcome: .sent,
            remoteAddress: request.remoteAddress)
        func bad(_ key: String, _ values: [String] = []) -> ConsoleResponse {
            message(400, "badRequest", ConsoleText.format(key, visit.language, values), visit)
        }
        guard !account.isEmpty, account.count <= 200 else { return bad("proofBadAccount") }
        // The account must be one the console knows as this merchant's (its invoices, its
        // reconciliation): proof-validator keys its ledger by account alone, so a proof filed
        // "for m-1" on m-2's account would be judged against m-2's invoices.
        guard
            data.accounts.account(merchant: merchant, account: account) != nil
                || data.reconciliation.account(merchant: merchant, account: account) != nil
        else { return notFound(visit) }
        guard ItemActions.roleMay(user.roles, .submitProof) else {
            audit.outcome = .forbidden
            audit.reason = "role"
            await record(audit, account: account, merchant: merchant, now: now)
            return message(403, "forbidden", text("proofWhyRole", visit), visit)
        }
        let kind = fields["kind"] ?? ""
        guard ProofUpload.kinds.contains(kind) else { return bad("proofBadKind") }
        var data: [(key: String, value: JSONValue)] = [("proofId", .string(proofID)), ("kind", .string(kind))]
        let invoices = (fields["invoiceIds"] ?? "").split(whereSeparator: { $0 == "," || $0.isWhitespace })
            .map(String.init)
        guard invoices.count <= 50 else { return bad("proofBadInvoices") }
        if !invoices.isEmpty { data.append(("invoiceIds", .array(invoices.map { .string($0) }))) }

        var format: String?
        if let file {
            guard file.body.count <= ProofUpload.maximumFileBytes else { return tooLarge(visit) }
            let chosen = fields["format"] ?? ""
            guard chosen.isEmpty || ProofUpload.formats.contains(chosen) else { return bad("proofBadFormat") }
            let detected = chosen.isEmpty ? ProofUpload.detectFormat(file.body) : chosen
            format = detected
            // Text when the file is UTF-8 (XML, MT940, CSV usually are), else base64.
            let text = String(validating: file.body, as: UTF8.self)
            var document: [(key: String, value: JSONValue)] = [("format", .string(detected))]
            if let text, !text.contains("\0") {
                document += [("encoding", .string("text")), ("content", .string(text))]
            } else {
                document += [
                    ("encoding", .string("base64")), ("content", .string(Data(file.body).base64EncodedString())),
                ]
            }
            if detected == "csv" {
                let mapping = fields["csvMapping"].flatMap { $0.isEmpty ? nil : $0 } ?? "generic"
                document.append(("csvMapping", .string(mapping)))
            }
            data.append(("document", .object(document)))
        }
        // The typed fields (a remittance advice read by hand, or what a document lacks).
        var typed: [(key: String, value: JSONValue)] = []
        for name in [
            "payerName", "payeeName", "transactionDate", "transactionId", "description", "payerAccount", "payeeAccount",
        ] {
            if let value = fields[name], !value.isEmpty { typed.append((name, .string(value))) }
        }
        let currency = (fields["currency"] ?? "").uppercased()
        if let amountText = fields["amount"], !amountText.isEmpty {
            guard !currency.isEmpty, let amount = ProofUpload.minorUnits(amountText, currency: currency) else {
                return bad("proofBadAmount", [amountText])
            }
            typed.append(("amount", .number("\(amount)")))
        }
        if !currency.isEmpty { typed.append(("currency", .string(currency))) }
        if let confirmation = fields["bankConfirmation"], !confirmation.isEmpty {
            typed.append(("bankConfirmation", .string(confirmation)))
        }
        if !typed.isEmpty { data.append(("fields", .object(typed))) }
        guard file != nil || !typed.isEmpty else { return bad("proofBadEmpty") }
        let value = JSONValue.object(data)
        do {
            try ProofEvents.proofSubmitted.data.validate(value, path: "data")
        } catch {
            return bad("proofBadSchema", ["\(error)"])
        }
        let event = EventEnvelope(
            eventID: UUID().uuidString.lowercased(), type: ProofEvents.proofSubmitted.name,
            schemaVersion: ProofEvents.proofSubmitted.version, occurredAt: now, accountID: account,
            merchantID: merchant, data: value)
        let bytes = event.jsonBytes
        guard bytes.count <= ProofUpload.maximumEventBytes else {
            return message(
                413, "proofTooLarge",
                ConsoleText.format("proofTooLargeEvent", visit.language, ["\(ProofUpload.maximumEventBytes / 1000)"]),
                visit)
        }
        do {
            guard let producer else { throw SignedCommandError("no Kafka producer") }
            _ = try await producer.send(
                ProducerMessage(topic: ProofEvents.proofsTopic, key: Array(account.utf8), value: bytes))
        } catch {
            audit.outcome = .failed
            audit.reason = "\(error)"
            await record(audit, account: account, merchant: merchant, now: now)
            return message(502, "failed", ConsoleText.format("proofFailedText", visit.language, ["\(error)"]), visit)
        }
        proofs.add(
            ProofRecord(
                proofID: proofID, merchantID: merchant, accountID: account, kind: kind, invoiceIDs: invoices,
                format: format, typedFields: !typed.isEmpty, submittedAt: now))
        audit.commandEventId = event.eventID
        await record(audit, account: account, merchant: merchant, now: now)
        logger.info(
            "proof submitted",
            metadata: [
                "user": "\(user.user)", "proof": "\(proofID)", "account": "\(account)", "bytes": "\(bytes.count)",
            ])
        return redirect("/proofs/\(proofID)?sent=submit_proof")
    }

    func tooLarge(_ visit: Visit) -> ConsoleResponse {
        message(
            413, "proofTooLarge",
            ConsoleText.format("proofTooLargeText", visit.language, ["\(ProofUpload.maximumFileBytes >> 10)"]), visit)
    }

    /// The 413 page of a body beyond the HTTP layer's limit (the session read from the cookie,
    /// for the language).
    public func tooLargeResponse(_ request: ConsoleRequest) -> ConsoleResponse {
        let visit = start(request, now: clock())
        return secured(tooLarge(visit))
    }
}
