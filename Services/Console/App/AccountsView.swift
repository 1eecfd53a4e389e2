import Foundation
import RelanceEvents
import Synchronization

/// One email reminder-mailer sent or gave up (`relance.email-log`). Its record names neither
/// account nor merchant (`-`): the reason does, `<kind>/<account>/…`.
public struct EmailEntry: Sendable, Equatable {
    public var messageID: String
    public var reason: String
    public var kind: String
    public var to: [String]
    public var subject: String
    public var at: Date
    /// email.failed: the error.
    public var error: String?
    public var sent: Bool { error == nil }

    /// The account the reason names (its second part).
    public var accountID: String? {
        let parts = reason.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count >= 3 ? String(parts[1]) : nil
    }

    /// An overdue notice: `overdue/<account>/<episode>/step-<n>` → (the invoice, n). The
    /// episode is the invoice id, with `@<day>` when the ladder started later.
    public var overdueStep: (invoice: String, step: Int, start: String?)? {
        let parts = reason.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "overdue", parts[3].hasPrefix("step-"),
            let step = Int(parts[3].dropFirst(5))
        else { return nil }
        let episode = parts[2].split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        return (
            episode.first.map(String.init) ?? String(parts[2]), step, episode.count > 1 ? String(episode[1]) : nil
        )
    }

    /// A notification's email: `<kind>/<account>/<notification event id>` (payment_failed,
    /// retries_exhausted…): the event id.
    public var notificationEventID: String? {
        let parts = reason.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] != "digest", parts[0] != "reactivated" else { return nil }
        return String(parts[2])
    }
}

/// An invoice of an account: `invoice.issued`, its `invoice.fee-added` and its `invoice.status`.
public struct AccountInvoice: Sendable, Equatable {
    public var id: String
    public var number: String
    public var amount: Int64
    public var currency: String
    /// yyyy-MM-dd.
    public var dueOn: String
    public var fees: [String: Int64] = [:]
    /// open, partially_paid, paid (nil: no status read yet: open for its whole amount).
    public var status: String?
    public var open: Int64?
    public var feesTotal: Int64 { fees.values.reduce(0) { $0.saturatingAdd($1) } }
    /// What is open: the status's figure, else the amount and fees.
    public var openAmount: Int64 { open ?? amount.saturatingAdd(feesTotal) }
    public var isOpen: Bool { status != "paid" && openAmount > 0 }
}

/// A change of invoice recipients asked for (`account.recipients-change-requested`).
public struct RecipientsChange: Sendable, Equatable {
    public var eventID: String
    public var recipients: [String]
    public var at: Date
    /// The console's user who sent it (nil: sent by someone else).
    public var actor: String?
    /// reminder-mailer refused it (its dead letter): why.
    public var refusal: String?
}

/// An account as the console holds it.
public struct ConsoleAccount: Sendable, Equatable {
    public var merchantID: String
    public var accountID: String
    public var customerName: String?
    /// active, past_due, … (nil: no status record: active).
    public var status: String?
    public var statusReason: String?
    public var statusAt: Date?
    public var statusHistory: [(at: Date, status: String, reason: String)] = []
    public var invoices: [String: AccountInvoice] = [:]
    public var changes: [RecipientsChange] = []

    public var shownStatus: String { status ?? "active" }
    public var openInvoices: [AccountInvoice] {
        invoices.values.filter(\.isOpen).sorted { ($0.dueOn, $0.id) < ($1.dueOn, $1.id) }
    }
    /// The last change not refused.
    public var accepted: RecipientsChange? { changes.last { $0.refusal == nil } }

    public static func == (a: ConsoleAccount, b: ConsoleAccount) -> Bool {
        a.merchantID == b.merchantID && a.accountID == b.accountID && a.status == b.status
            && a.invoices == b.invoices && a.changes == b.changes && a.customerName == b.customerName
    }
}

/// Accounts: status, name, invoices, invoice recipients (and their refusals), and the emails
/// of the email log, followed live from their topics.
public final class AccountsView: ConsoleFeed {
    struct Store {
        var accounts: [String: [String: ConsoleAccount]] = [:]
        /// account id → merchant (the email log names no merchant).
        var merchantOf: [String: String] = [:]
        /// account id → its emails, oldest first.
        var emails: [String: [EmailEntry]] = [:]
        /// notification event id → (merchant, payment).
        var notifications: [String: (merchant: String, payment: String)] = [:]
        /// Refusals of recipient changes read before the change: event id → reason.
        var refusals: [String: String] = [:]
        var loaded = false
        var records = 0
        var skipped = 0
    }

    private let store = Mutex(Store())
    public static let historyLimit = 50
    public static let emailLimit = 200

    public init() {}

    public var topics: [String] {
        [
            ProofEvents.accountStatusTopic, MailEvents.accountsTopic, ProofEvents.invoicesTopic,
            ReconciliationEvents.invoiceStatusTopic, MailEvents.emailLogTopic, PaymentEvents.notificationsTopic,
            AccountsView.deadLettersTopic,
        ]
    }

    public static let deadLettersTopic = "relance.dead-letters"

    public var isLoaded: Bool { store.withLock { $0.loaded } }
    public func markLoaded() { store.withLock { $0.loaded = true } }
    /// Records skipped because they did not read.
    public var skippedCount: Int { store.withLock { $0.skipped } }

    public func apply(topic: String, key: String?, value: [UInt8]?) {
        if topic == ReconciliationEvents.invoiceStatusTopic, value == nil {
            // A tombstone of key account/invoice: the status goes.
            guard let key else { return }
            let parts = key.split(separator: "/", maxSplits: 1)
            guard parts.count == 2 else { return }
            store.withLock { store in
                let account = String(parts[0])
                guard let merchant = store.merchantOf[account] else { return }
                store.accounts[merchant]?[account]?.invoices[String(parts[1])]?.status = nil
                store.accounts[merchant]?[account]?.invoices[String(parts[1])]?.open = nil
            }
            return
        }
        guard let value else { return }
        if topic == Self.deadLettersTopic {
            applyDeadLetter(value)
            return
        }
        guard let envelope = try? JSONReader.read(value), let type = envelope["type"]?.stringValue,
            let data = envelope["data"]
        else {
            store.withLock { $0.skipped += 1 }
            return
        }
        let at = envelope["occurredAt"]?.stringValue.flatMap(EventValidator.parseUTCTimestamp) ?? Date()
        let merchant = envelope["merchantId"]?.stringValue ?? ""
        let account = envelope["accountId"]?.stringValue ?? ""
        func text(_ name: String) -> String? { data[name]?.stringValue }
        store.withLock { store in
            store.records += 1
            func update(_ change: (inout ConsoleAccount) -> Void) {
                guard !merchant.isEmpty, merchant != "-", !account.isEmpty, account != "-" else {
                    store.skipped += 1
                    return
                }
                if let previous = store.merchantOf[account], previous != merchant,
                    let moved = store.accounts[previous]?.removeValue(forKey: account)
                {
                    store.accounts[merchant, default: [:]][account] = moved
                }
                store.merchantOf[account] = merchant
                var entry =
                    store.accounts[merchant]?[account] ?? ConsoleAccount(merchantID: merchant, accountID: account)
                change(&entry)
                entry.merchantID = merchant
                store.accounts[merchant, default: [:]][account] = entry
            }
            switch type {
            case "account.status":
                guard let status = text("status") else { return }
                let reason = text("reason") ?? ""
                update { entry in
                    if entry.status == status && entry.statusReason == reason && entry.statusAt == at { return }
                    entry.status = status
                    entry.statusReason = reason
                    entry.statusAt = at
                    entry.statusHistory.append((at, status, reason))
                    if entry.statusHistory.count > Self.historyLimit {
                        entry.statusHistory.removeFirst(entry.statusHistory.count - Self.historyLimit)
                    }
                }
            case "account.profile-updated":
                guard let name = text("customerName") else { return }
                update { $0.customerName = name }
            case "account.recipients-change-requested":
                guard let eventID = envelope["eventId"]?.stringValue, case .array(let list)? = data["recipients"]
                else { return }
                let recipients = list.compactMap { $0["email"]?.stringValue }
                let refusal = store.refusals.removeValue(forKey: eventID)
                update { entry in
                    if let index = entry.changes.firstIndex(where: { $0.eventID == eventID }) {
                        entry.changes[index].recipients = recipients
                        entry.changes[index].at = at
                    } else {
                        entry.changes.append(
                            RecipientsChange(
                                eventID: eventID, recipients: recipients, at: at, actor: nil, refusal: refusal))
                    }
                    if entry.changes.count > 20 { entry.changes.removeFirst(entry.changes.count - 20) }
                }
            case "invoice.issued":
                guard let id = text("invoiceId") else { return }
                let invoice = AccountInvoice(
                    id: id, number: text("number") ?? id, amount: data["amount"]?.integerValue ?? 0,
                    currency: text("currency") ?? "", dueOn: text("dueOn") ?? text("issuedOn") ?? "")
                update { entry in
                    var kept = entry.invoices[id] ?? invoice
                    kept.number = invoice.number
                    kept.amount = invoice.amount
                    kept.currency = invoice.currency
                    kept.dueOn = invoice.dueOn
                    entry.invoices[id] = kept
                }
            case "invoice.fee-added":
                guard let id = text("invoiceId"), let fee = text("feeId") else { return }
                let amount = data["amount"]?.integerValue ?? 0
                let currency = text("currency") ?? ""
                update { entry in
                    var invoice =
                        entry.invoices[id]
                        ?? AccountInvoice(id: id, number: id, amount: 0, currency: currency, dueOn: "")
                    invoice.fees[fee] = amount
                    entry.invoices[id] = invoice
                }
            case "invoice.status":
                guard let id = text("invoiceId") else { return }
                let status = text("status")
                let open = data["open"]?.integerValue
                let amount = data["amount"]?.integerValue ?? 0
                let currency = text("currency") ?? ""
                update { entry in
                    var invoice =
                        entry.invoices[id]
                        ?? AccountInvoice(id: id, number: id, amount: amount, currency: currency, dueOn: "")
                    invoice.status = status
                    invoice.open = open
                    entry.invoices[id] = invoice
                }
            case "email.sent", "email.failed":
                let email = EmailEntry(
                    messageID: text("messageId") ?? key ?? "", reason: text("reason") ?? "", kind: text("kind") ?? "",
                    to: data["to"]?.arrayValue?.compactMap(\.stringValue) ?? [], subject: text("subject") ?? "",
                    at: at, error: type == "email.failed" ? (text("error") ?? "") : nil)
                guard let account = email.accountID else {
                    store.skipped += 1
                    return
                }
                var list = store.emails[account] ?? []
                // The same Message-ID again (a restart's re-read): replaced, not doubled.
                list.removeAll { $0.messageID == email.messageID && !email.messageID.isEmpty }
                list.append(email)
                if list.count > Self.emailLimit { list.removeFirst(list.count - Self.emailLimit) }
                store.emails[account] = list
            case "notification.requested":
                guard let eventID = envelope["eventId"]?.stringValue, let payment = text("paymentId") else { return }
                store.notifications[eventID] = (merchant, payment)
            default:
                break
            }
        }
    }

    /// A dead letter: reminder-mailer's refusal of a recipients change (its role check, a bad
    /// address) names the change's event id in the original record.
    func applyDeadLetter(_ value: [UInt8]) {
        guard let letter = try? DeadLetter.decode(Data(value)), letter.source.topic == MailEvents.accountsTopic,
            let original = letter.value, let envelope = try? JSONReader.read(Array(original)),
            envelope["type"]?.stringValue == MailEvents.recipientsChangeRequested.name,
            let eventID = envelope["eventId"]?.stringValue
        else { return }
        let reason = "\(letter.reason.code): \(letter.reason.message)"
        store.withLock { store in
            store.records += 1
            let account = envelope["accountId"]?.stringValue ?? ""
            if let merchant = store.merchantOf[account],
                let index = store.accounts[merchant]?[account]?.changes.firstIndex(where: { $0.eventID == eventID })
            {
                store.accounts[merchant]?[account]?.changes[index].refusal = reason
            } else {
                store.refusals[eventID] = reason
            }
        }
    }

    /// The console sent a recipients change: shown pending at once.
    public func markSent(
        merchant: String, account: String, eventID: String, recipients: [String], actor: String, at: Date
    ) {
        store.withLock { store in
            store.merchantOf[account] = store.merchantOf[account] ?? merchant
            var entry = store.accounts[merchant]?[account] ?? ConsoleAccount(merchantID: merchant, accountID: account)
            if let index = entry.changes.firstIndex(where: { $0.eventID == eventID }) {
                entry.changes[index].actor = actor
            } else {
                entry.changes.append(
                    RecipientsChange(eventID: eventID, recipients: recipients, at: at, actor: actor, refusal: nil))
            }
            store.accounts[merchant, default: [:]][account] = entry
        }
    }

    public func account(merchant: String, account: String) -> ConsoleAccount? {
        store.withLock { $0.accounts[merchant]?[account] }
    }

    /// The accounts of these merchants (nil: all).
    public func accounts(merchants: Set<String>?) -> [ConsoleAccount] {
        store.withLock { store in
            store.accounts.filter { merchants?.contains($0.key) ?? true }.flatMap { $0.value.values }
        }
    }

    /// The emails whose reason names `account`, oldest first.
    public func emails(account: String) -> [EmailEntry] { store.withLock { $0.emails[account] ?? [] } }

    /// The emails about a payment: those of the notifications that named it, of its merchant.
    public func emails(merchant: String, account: String, payment: String) -> [EmailEntry] {
        store.withLock { store in
            (store.emails[account] ?? []).filter { email in
                guard let id = email.notificationEventID, let named = store.notifications[id] else { return false }
                return named.merchant == merchant && named.payment == payment
            }
        }
    }
}

/// A card of the expiring-cards list (`relance.expiring-cards`, compacted, key account/card).
public struct ExpiringCard: Sendable, Equatable {
    public var merchantID: String
    public var accountID: String
    public var cardID: String
    public var brand: String
    public var last4: String
    public var expMonth: Int
    public var expYear: Int
    public var schedules: [String]
    public var expiryKey: Int { expYear * 100 + expMonth }
}

/// The expiring-cards list in memory: a card with `listed: false` or a tombstone leaves it.
public final class ExpiringCardsView: ConsoleFeed {
    struct Store {
        var cards: [String: ExpiringCard] = [:]
        var loaded = false
        var skipped = 0
    }

    private let store = Mutex(Store())

    public init() {}

    public var topics: [String] { [CardEvents.expiringCardsTopic] }
    public var isLoaded: Bool { store.withLock { $0.loaded } }
    public func markLoaded() { store.withLock { $0.loaded = true } }

    public func apply(topic: String, key: String?, value: [UInt8]?) {
        guard let value else {
            if let key { store.withLock { _ = $0.cards.removeValue(forKey: key) } }
            return
        }
        guard let envelope = try? JSONReader.read(value),
            envelope["type"]?.stringValue == CardEvents.expiringCard.name, let data = envelope["data"],
            let merchant = envelope["merchantId"]?.stringValue, let account = envelope["accountId"]?.stringValue,
            let card = data["cardId"]?.stringValue
        else {
            store.withLock { $0.skipped += 1 }
            return
        }
        let id = key ?? "\(account)/\(card)"
        guard data["listed"] == .bool(true) else {
            store.withLock { _ = $0.cards.removeValue(forKey: id) }
            return
        }
        let entry = ExpiringCard(
            merchantID: merchant, accountID: account, cardID: card, brand: data["brand"]?.stringValue ?? "",
            last4: data["last4"]?.stringValue ?? "", expMonth: Int(data["expMonth"]?.integerValue ?? 0),
            expYear: Int(data["expYear"]?.integerValue ?? 0),
            schedules: data["schedules"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        store.withLock { $0.cards[id] = entry }
    }

    /// The cards of these merchants (nil: all), soonest expiry first.
    public func cards(merchants: Set<String>?) -> [ExpiringCard] {
        store.withLock { store in store.cards.values.filter { merchants?.contains($0.merchantID) ?? true } }
            .sorted { a, b in
                (a.expiryKey, a.merchantID, a.accountID, a.cardID) < (b.expiryKey, b.merchantID, b.accountID, b.cardID)
            }
    }
}
