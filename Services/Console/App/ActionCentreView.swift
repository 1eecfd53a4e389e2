import Foundation
import RelanceEvents
import Synchronization

/// A failed transaction as the console holds it: the latest `action-item.updated` of its
/// payment, what changed between the records the console saw, the refusals of commands on it,
/// and a command the console sent whose outcome has not come back yet.
public struct ActionItem: Sendable, Equatable {
    public var merchantID: String
    public var accountID: String
    public var paymentID: String
    public var invoiceID: String
    public var customerName: String
    /// The name as the list sorts it.
    public var customerKey: String
    public var transactionType: String
    public var paymentMethod: String
    public var failureReason: String
    public var failureCategory: String
    public var declineCode: String
    public var amount: Int64
    public var currency: String
    /// open, pending, resolved, dismissed.
    public var state: String
    public var attempts: Int64
    public var nextAttemptAt: Date?
    public var nextAttemptReason: String?
    public var handedToCollections: Bool
    public var closedBecause: String?
    public var firstFailedAt: Date?
    public var resolution: String?
    public var lossReason: String?
    public var retryBlockedBy: String?
    /// The attempt that recovered it (the original payment is 1), for a Relance charge.
    public var recoveredOnAttempt: Int64?
    /// When the resolution or the loss reason was set.
    public var outcomeAt: Date?
    /// How the account's dunning ended (`written_off`, `in_collections`): no automatic retry.
    public var dunningEnded: String?
    /// "excluded", "paused", "paused until …", or empty.
    public var dunning: String
    /// The record's occurredAt.
    public var updatedAt: Date
    public var history: [HistoryEntry] = []
    /// A command the console sent, until the item's next record or a refusal.
    public var awaiting: Awaiting?

    public struct HistoryEntry: Sendable, Equatable {
        public enum Kind: String, Sendable { case update, sent, refused }
        public var at: Date
        public var kind: Kind
        public var state: String
        public var attempts: Int64
        public var nextAttemptAt: Date?
        /// Why the next attempt is then, how it ended, what a refusal said, or who sent what.
        public var detail: String
    }

    public struct Awaiting: Sendable, Equatable {
        public var command: String
        public var eventID: String
        public var actor: String
        public var sentAt: Date
    }

    /// The automatic attempts are over with the item still open: payment-retry sets the loss
    /// reason `retries_exhausted` exactly then (and keeps it through a renewal's charge).
    public var attemptsExhausted: Bool { lossReason == "retries_exhausted" }

    /// What the page shows as the state: a command in flight shows as pending.
    public var shownState: String { awaiting == nil ? state : "pending" }
    public var isActive: Bool { state == "open" || state == "pending" }

    /// Reads an `action-item.updated` envelope; nil for anything else.
    public init?(envelope: JSONValue) {
        guard envelope["type"]?.stringValue == PaymentEvents.actionItem.name, let data = envelope["data"],
            let merchant = envelope["merchantId"]?.stringValue, let payment = data["paymentId"]?.stringValue
        else { return nil }
        func text(_ name: String) -> String { data[name]?.stringValue ?? "" }
        func time(_ value: JSONValue?) -> Date? { value?.stringValue.flatMap(EventValidator.parseUTCTimestamp) }
        merchantID = merchant
        accountID = envelope["accountId"]?.stringValue ?? ""
        paymentID = payment
        invoiceID = text("invoiceId")
        customerName = text("customerName")
        customerKey = customerName.lowercased()
        transactionType = text("transactionType")
        paymentMethod = text("paymentMethod")
        failureReason = text("failureReason")
        failureCategory = text("failureCategory")
        declineCode = text("declineCode")
        amount = data["amount"]?.integerValue ?? 0
        currency = text("currency")
        state = text("state")
        attempts = data["attempts"]?.integerValue ?? 1
        nextAttemptAt = time(data["nextAttemptAt"])
        nextAttemptReason = data["nextAttemptReason"]?.stringValue
        handedToCollections = data["handedToCollections"] == .bool(true)
        closedBecause = data["closedBecause"]?.stringValue
        firstFailedAt = time(data["firstFailedAt"])
        resolution = data["resolution"]?.stringValue
        lossReason = data["lossReason"]?.stringValue
        retryBlockedBy = data["retryBlockedBy"]?.stringValue
        recoveredOnAttempt = data["recoveredOnAttempt"]?.integerValue
        outcomeAt = time(data["outcomeAt"])
        dunningEnded = data["dunningEnded"]?.stringValue
        if data["dunningExcluded"] == .bool(true) {
            dunning = "excluded"
        } else if data["dunningPaused"] == .bool(true) {
            dunning = data["dunningPausedUntil"]?.stringValue.map { "paused until \($0)" } ?? "paused"
        } else {
            dunning = ""
        }
        updatedAt = time(envelope["occurredAt"]) ?? Date(timeIntervalSince1970: 0)
    }

    var historyEntry: HistoryEntry {
        let detail =
            [
                nextAttemptReason, resolution, lossReason, closedBecause, retryBlockedBy,
                handedToCollections ? "handed_to_collections" : nil,
            ]
            .compactMap { $0 }.joined(separator: "; ")
        return HistoryEntry(
            at: updatedAt, kind: .update, state: state, attempts: attempts, nextAttemptAt: nextAttemptAt,
            detail: detail)
    }
}

/// What a list asks for.
public struct ItemQuery: Sendable, Equatable {
    public enum Sort: String, Sendable, CaseIterable {
        case firstFailed = "first_failed"
        case amount, customer, attempts
        case nextAttempt = "next_attempt"
        case updated
    }

    public var merchants: Set<String>? = nil
    public var merchant: String? = nil
    public var paymentMethods: Set<String> = []
    public var transactionTypes: Set<String> = []
    /// Failure reasons or decline codes.
    public var failureReasons: Set<String> = []
    /// Empty: open and pending.
    public var states: Set<String> = []
    public var sort: Sort = .firstFailed
    public var descending = true
    public var page = 1
    public var pageSize = 50

    public init() {}

    func matches(_ item: ActionItem) -> Bool {
        (merchant == nil || item.merchantID == merchant)
            && (paymentMethods.isEmpty || paymentMethods.contains(item.paymentMethod))
            && (transactionTypes.isEmpty || transactionTypes.contains(item.transactionType))
            && (failureReasons.isEmpty || failureReasons.contains(item.failureReason)
                || failureReasons.contains(item.declineCode))
            && (states.isEmpty ? item.isActive : states.contains(item.shownState))
    }

    /// What the list sorts by, as a text then a number (the text first: the customer's name, or
    /// the currency of amounts), ties broken by merchant and payment id. Items without a next
    /// attempt come last either way.
    func sortKey(_ item: ActionItem) -> (text: String, number: Double) {
        switch sort {
        case .firstFailed: ("", (item.firstFailedAt ?? item.updatedAt).timeIntervalSince1970)
        case .amount: (item.currency, Double(item.amount))
        case .customer: (item.customerKey, 0)
        case .attempts: ("", Double(item.attempts))
        case .nextAttempt:
            ("", item.nextAttemptAt?.timeIntervalSince1970 ?? (descending ? -Double.infinity : Double.infinity))
        case .updated: ("", item.updatedAt.timeIntervalSince1970)
        }
    }
}

/// One page of a list.
public struct ItemPage: Sendable {
    public var items: [ActionItem]
    /// Matching items in all.
    public var total: Int
    public var page: Int
    public var pages: Int
    /// The decline codes of the items the user may see (for the filter), each with its
    /// failure category (to put it in words).
    public var failureReasons: [String]
    public var reasonCategories: [String: String] = [:]
}

/// The action centre in memory: every item of `relance.action-centre` by merchant and payment,
/// followed live. Read by every request, written by the topic follower.
public final class ActionCentreView: ConsoleFeed {
    struct Store {
        var byMerchant: [String: [String: ActionItem]] = [:]
        /// payment id → merchant, for a payment whose record names another merchant later.
        var merchantOfPayment: [String: String] = [:]
        var loaded = false
        var records = 0
        /// The decline codes seen per merchant, with their category (the list's filter offers them).
        var reasonsByMerchant: [String: [String: String]] = [:]
        /// The items a command from this console waits on: merchant and payment → when it was sent.
        var awaiting: [String: Date] = [:]
    }

    private let store = Mutex(Store())
    /// Observed changes kept per item.
    public static let historyLimit = 50

    public init() {}

    public var topics: [String] { [PaymentEvents.actionCentreTopic, PaymentEvents.commandResultsTopic] }

    public func apply(topic: String, key: String?, value: [UInt8]?) {
        switch topic {
        case PaymentEvents.actionCentreTopic: applyItem(key: key, value: value)
        case PaymentEvents.commandResultsTopic: applyCommandResult(value: value)
        default: break
        }
    }

    /// The start's read reached the end of every partition.
    public var isLoaded: Bool { store.withLock { $0.loaded } }
    public func markLoaded() { store.withLock { $0.loaded = true } }
    public var recordCount: Int { store.withLock { $0.records } }
    public var itemCount: Int { store.withLock { $0.byMerchant.values.reduce(0) { $0 + $1.count } } }

    /// Applies one record of the action-centre topic (the envelope's JSON). A null value (a
    /// tombstone) removes the item of that key.
    public func applyItem(key: String?, value: [UInt8]?) {
        guard let value else {
            guard let key else { return }
            store.withLock { store in
                if let merchant = store.merchantOfPayment.removeValue(forKey: key) {
                    store.byMerchant[merchant]?[key] = nil
                }
            }
            return
        }
        guard let envelope = try? JSONReader.read(value), var item = ActionItem(envelope: envelope) else { return }
        store.withLock { store in
            store.records += 1
            if let previousMerchant = store.merchantOfPayment[item.paymentID], previousMerchant != item.merchantID {
                store.byMerchant[previousMerchant]?[item.paymentID] = nil
            }
            store.merchantOfPayment[item.paymentID] = item.merchantID
            if !item.declineCode.isEmpty {
                store.reasonsByMerchant[item.merchantID, default: [:]][item.declineCode] = item.failureCategory
            }
            var history = store.byMerchant[item.merchantID]?[item.paymentID]?.history ?? []
            let entry = item.historyEntry
            if let last = history.last(where: { $0.kind == .update }),
                last.state == entry.state && last.attempts == entry.attempts
                    && last.nextAttemptAt == entry.nextAttemptAt && last.detail == entry.detail
            {
                // The same again (a restart's records): no new line.
            } else {
                history.append(entry)
            }
            item.history = Array(history.suffix(Self.historyLimit))
            // Whatever the console sent is answered, or overtaken, by the item's next record.
            item.awaiting = nil
            store.byMerchant[item.merchantID, default: [:]][item.paymentID] = item
        }
    }

    /// Applies one record of `relance.command-results`: a refusal of a command on a payment
    /// ends its wait and goes into its history.
    public func applyCommandResult(value: [UInt8]?) {
        guard let value, let envelope = try? JSONReader.read(value),
            envelope["type"]?.stringValue == PaymentEvents.commandRefused.name,
            let merchant = envelope["merchantId"]?.stringValue, let data = envelope["data"],
            let payment = data["paymentId"]?.stringValue
        else { return }
        let at = envelope["occurredAt"]?.stringValue.flatMap(EventValidator.parseUTCTimestamp) ?? Date()
        store.withLock { store in
            store.records += 1
            guard var item = store.byMerchant[merchant]?[payment] else { return }
            item.history.append(
                ActionItem.HistoryEntry(
                    at: at, kind: .refused, state: item.state, attempts: item.attempts,
                    nextAttemptAt: item.nextAttemptAt,
                    detail: "\(data["command"]?.stringValue ?? ""): \(data["reason"]?.stringValue ?? "")"))
            item.history = Array(item.history.suffix(Self.historyLimit))
            item.awaiting = nil
            store.byMerchant[merchant]?[payment] = item
        }
    }

    /// A command that got no answer within `limit` (its worker is down, or it dead-lettered the
    /// command instead of refusing it on relance.command-results): the item stops showing
    /// pending, and its history says so.
    public func expireAwaiting(olderThan limit: TimeInterval, now: Date) {
        store.withLock { store in
            for (key, sentAt) in store.awaiting where now.timeIntervalSince(sentAt) >= limit {
                store.awaiting[key] = nil
                let parts = key.split(separator: "\u{1F}", maxSplits: 1).map(String.init)
                guard parts.count == 2, var item = store.byMerchant[parts[0]]?[parts[1]],
                    let awaiting = item.awaiting, awaiting.sentAt == sentAt
                else { continue }
                item.awaiting = nil
                item.history.append(
                    ActionItem.HistoryEntry(
                        at: now, kind: .refused, state: item.state, attempts: item.attempts,
                        nextAttemptAt: item.nextAttemptAt,
                        detail: "\(awaiting.command): no answer after \(Int(limit)) s (see relance.dead-letters)"))
                item.history = Array(item.history.suffix(Self.historyLimit))
                store.byMerchant[parts[0]]?[parts[1]] = item
            }
        }
    }

    /// The console sent `command` on the item: it shows as pending until the answer.
    public func markAwaiting(
        merchant: String, payment: String, command: String, eventID: String, actor: String, at: Date
    ) {
        store.withLock { store in
            guard var item = store.byMerchant[merchant]?[payment] else { return }
            item.awaiting = ActionItem.Awaiting(command: command, eventID: eventID, actor: actor, sentAt: at)
            store.awaiting["\(merchant)\u{1F}\(payment)"] = at
            item.history.append(
                ActionItem.HistoryEntry(
                    at: at, kind: .sent, state: item.state, attempts: item.attempts, nextAttemptAt: item.nextAttemptAt,
                    detail: "\(command) (\(actor))"))
            item.history = Array(item.history.suffix(Self.historyLimit))
            store.byMerchant[merchant]?[payment] = item
        }
    }

    public func item(merchant: String, payment: String) -> ActionItem? {
        store.withLock { $0.byMerchant[merchant]?[payment] }
    }

    /// The matching items of the merchants the query allows (nil: all), sorted, one page.
    public func query(_ query: ItemQuery) -> ItemPage {
        var matching: [ActionItem] = []
        var reasons: [String: String] = [:]
        store.withLock { store in
            for (merchant, items) in store.byMerchant where query.merchants.map({ $0.contains(merchant) }) ?? true {
                reasons.merge(store.reasonsByMerchant[merchant] ?? [:]) { first, _ in first }
                for item in items.values where query.matches(item) { matching.append(item) }
            }
        }
        // Sorted by precomputed keys (a text, a number, the position), not by comparing items:
        // 10,000 items sort in a few milliseconds (docs/console.md, "Performance").
        let descending = query.descending
        var keys = matching.indices.map { index -> (text: String, number: Double, index: Int) in
            let key = query.sortKey(matching[index])
            return (key.text, key.number, index)
        }
        keys.sort { a, b in
            if a.text != b.text { return descending ? a.text > b.text : a.text < b.text }
            if a.number != b.number { return descending ? a.number > b.number : a.number < b.number }
            let x = matching[a.index]
            let y = matching[b.index]
            return x.merchantID != y.merchantID ? x.merchantID < y.merchantID : x.paymentID < y.paymentID
        }
        let total = matching.count
        let pageSize = max(1, query.pageSize)
        let pages = total == 0 ? 1 : (total - 1) / pageSize + 1
        let page = min(max(1, query.page), pages)
        let start = min(total, (page - 1) * pageSize)
        let end = pageSize >= total - start ? total : start + pageSize
        let items = keys[start..<end].map { matching[$0.index] }
        return ItemPage(
            items: items, total: total, page: page, pages: pages, failureReasons: reasons.keys.sorted(),
            reasonCategories: reasons)
    }
}
