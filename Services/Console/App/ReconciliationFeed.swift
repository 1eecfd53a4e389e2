import Foundation
import RelanceEvents
import Synchronization

/// An account of the reconcilable-accounts list, as reconciliation published it last.
public struct ReconcilableAccount: Sendable, Equatable {
    public struct Total: Sendable, Equatable {
        public var currency: String
        public var amount: Int64
    }

    public struct OpenItem: Sendable, Equatable {
        public var id: String
        public var kind: String
        public var side: String
        public var amount: Int64
        public var open: Int64
        public var currency: String
        public var date: String
        public var reference: String?
    }

    public var merchantID: String
    public var accountID: String
    public var listed: Bool
    public var unreconciledItems: Int64
    public var debit: [Total]
    public var credit: [Total]
    public var zeroBalance: Bool
    public var sortKey: String
    public var openItems: [OpenItem]
    public var updatedAt: Date

    /// Reads a `reconcilable-account.updated` envelope; nil for anything else.
    init?(envelope: JSONValue) {
        guard envelope["type"]?.stringValue == ReconciliationEvents.reconcilableAccount.name,
            let data = envelope["data"], let merchant = envelope["merchantId"]?.stringValue,
            let account = envelope["accountId"]?.stringValue
        else { return nil }
        func totals(_ value: JSONValue?) -> [Total] {
            (value?.arrayValue ?? []).compactMap { entry in
                guard let currency = entry["currency"]?.stringValue, let amount = entry["amount"]?.integerValue
                else { return nil }
                return Total(currency: currency, amount: amount)
            }
        }
        merchantID = merchant
        accountID = account
        listed = data["listed"] == .bool(true)
        unreconciledItems = data["unreconciledItems"]?.integerValue ?? 0
        debit = totals(data["unreconciledDebit"])
        credit = totals(data["unreconciledCredit"])
        zeroBalance = data["zeroBalance"] == .bool(true)
        sortKey = data["sortKey"]?.stringValue ?? "9"
        openItems = (data["openItems"]?.arrayValue ?? []).compactMap { item in
            guard let id = item["id"]?.stringValue, let amount = item["amount"]?.integerValue,
                let currency = item["currency"]?.stringValue
            else { return nil }
            return OpenItem(
                id: id, kind: item["kind"]?.stringValue ?? "", side: item["side"]?.stringValue ?? "", amount: amount,
                open: item["open"]?.integerValue ?? amount, currency: currency, date: item["date"]?.stringValue ?? "",
                reference: item["reference"]?.stringValue)
        }
        updatedAt = envelope["occurredAt"]?.stringValue.flatMap(EventValidator.parseUTCTimestamp) ?? Date()
    }
}

/// One `allocation.made`: a credit allocated to a debit.
public struct Allocation: Sendable, Equatable {
    public var creditID: String
    public var creditKind: String
    public var debitID: String
    public var debitKind: String
    public var amount: Int64
    public var currency: String
    public var trigger: String
    public var debitOpen: Int64?
    public var at: Date
}

/// One invoice's `invoice.status`.
public struct InvoiceStatus: Sendable, Equatable {
    public var invoiceID: String
    public var status: String
    public var amount: Int64
    public var open: Int64
    public var currency: String
}

/// A Reconcile the console sent, until its outcome is seen.
public struct ReconcileRequest: Sendable, Equatable {
    public var eventID: String
    public var actor: String
    public var sentAt: Date
}

/// Reconciliation as the console shows it: the reconcilable accounts (`relance.reconcilable-accounts`,
/// compacted), the allocations (`relance.allocations`), the invoices' statuses
/// (`relance.invoice-status`, compacted) and the Reconciles sent from this console until their
/// outcome (an allocation or a new entry of the account, or a refusal on `relance.command-results`).
public final class ReconciliationFeed: ConsoleFeed {
    struct Account {
        var entry: ReconcilableAccount?
        var allocations: [Allocation] = []
        var invoices: [String: InvoiceStatus] = [:]
        var pending: ReconcileRequest?
        var refusal: String?
    }

    struct Store {
        /// merchant → account → what is known of it.
        var accounts: [String: [String: Account]] = [:]
        /// account id → merchant, for a tombstone (its key is the account id only).
        var merchantOfAccount: [String: String] = [:]
        /// invoice-status key → (merchant, account, invoice), for a tombstone.
        var invoiceKeys: [String: (String, String, String)] = [:]
        var loaded = false
        var skipped = 0
    }

    private let store = Mutex(Store())
    /// Allocations kept per account (the newest).
    public static let allocationLimit = 200

    public init() {}

    public var topics: [String] {
        [
            ReconciliationEvents.reconcilableAccountsTopic, ReconciliationEvents.allocationsTopic,
            ReconciliationEvents.invoiceStatusTopic, PaymentEvents.commandResultsTopic,
        ]
    }

    public var isLoaded: Bool { store.withLock { $0.loaded } }
    public func markLoaded() { store.withLock { $0.loaded = true } }
    /// Records that did not read (skipped).
    public var skipped: Int { store.withLock { $0.skipped } }

    public func apply(topic: String, key: String?, value: [UInt8]?) {
        guard let value else {
            if let key { remove(topic: topic, key: key) }
            return
        }
        guard let envelope = try? JSONReader.read(value) else {
            if topic != PaymentEvents.commandResultsTopic { store.withLock { $0.skipped += 1 } }
            return
        }
        switch topic {
        case ReconciliationEvents.reconcilableAccountsTopic:
            guard let entry = ReconcilableAccount(envelope: envelope) else { return skip() }
            store.withLock { store in
                if let previous = store.merchantOfAccount[entry.accountID], previous != entry.merchantID {
                    store.accounts[previous]?[entry.accountID] = nil
                }
                store.merchantOfAccount[entry.accountID] = entry.merchantID
                var account = store.accounts[entry.merchantID]?[entry.accountID] ?? Account()
                // An entry read after a Reconcile was sent is its outcome (reconciliation
                // republishes the account once it allocated). By arrival, not by time: the
                // workers' clock may be simulated.
                account.pending = nil
                account.entry = entry
                store.accounts[entry.merchantID, default: [:]][entry.accountID] = account
            }
        case ReconciliationEvents.allocationsTopic:
            guard envelope["type"]?.stringValue == ReconciliationEvents.allocationMade.name,
                let merchant = envelope["merchantId"]?.stringValue, let accountID = envelope["accountId"]?.stringValue,
                let data = envelope["data"], let credit = data["creditId"]?.stringValue,
                let debit = data["debitId"]?.stringValue, let amount = data["amount"]?.integerValue
            else { return skip() }
            let allocation = Allocation(
                creditID: credit, creditKind: data["creditKind"]?.stringValue ?? "", debitID: debit,
                debitKind: data["debitKind"]?.stringValue ?? "", amount: amount,
                currency: data["currency"]?.stringValue ?? "", trigger: data["trigger"]?.stringValue ?? "",
                debitOpen: data["debitOpen"]?.integerValue,
                at: envelope["occurredAt"]?.stringValue.flatMap(EventValidator.parseUTCTimestamp) ?? Date())
            store.withLock { store in
                var account = store.accounts[merchant]?[accountID] ?? Account()
                account.allocations.append(allocation)
                if account.allocations.count > Self.allocationLimit {
                    account.allocations.removeFirst(account.allocations.count - Self.allocationLimit)
                }
                account.pending = nil
                store.accounts[merchant, default: [:]][accountID] = account
            }
        case ReconciliationEvents.invoiceStatusTopic:
            guard envelope["type"]?.stringValue == ReconciliationEvents.invoiceStatus.name,
                let merchant = envelope["merchantId"]?.stringValue, let accountID = envelope["accountId"]?.stringValue,
                let data = envelope["data"], let invoice = data["invoiceId"]?.stringValue,
                let status = data["status"]?.stringValue
            else { return skip() }
            let value = InvoiceStatus(
                invoiceID: invoice, status: status, amount: data["amount"]?.integerValue ?? 0,
                open: data["open"]?.integerValue ?? 0, currency: data["currency"]?.stringValue ?? "")
            store.withLock { store in
                store.accounts[merchant, default: [:]][accountID, default: Account()].invoices[invoice] = value
                store.invoiceKeys[key ?? "\(accountID)/\(invoice)"] = (merchant, accountID, invoice)
            }
        case PaymentEvents.commandResultsTopic:
            // A refusal of a Reconcile (by account: command.refused carries no event id).
            guard envelope["type"]?.stringValue == PaymentEvents.commandRefused.name,
                let merchant = envelope["merchantId"]?.stringValue, let accountID = envelope["accountId"]?.stringValue,
                let command = envelope["data"]?["command"]?.stringValue,
                command == "reconcile" || command == ReconciliationEvents.reconcileRequested.name
            else { return }
            let reason = envelope["data"]?["reason"]?.stringValue ?? ""
            store.withLock { store in
                guard var account = store.accounts[merchant]?[accountID], account.pending != nil else { return }
                account.pending = nil
                account.refusal = reason
                store.accounts[merchant]?[accountID] = account
            }
        default:
            break
        }
    }

    private func skip() { store.withLock { $0.skipped += 1 } }

    private func remove(topic: String, key: String) {
        store.withLock { store in
            switch topic {
            case ReconciliationEvents.reconcilableAccountsTopic:
                if let merchant = store.merchantOfAccount[key] { store.accounts[merchant]?[key]?.entry = nil }
            case ReconciliationEvents.invoiceStatusTopic:
                if let known = store.invoiceKeys.removeValue(forKey: key) {
                    store.accounts[known.0]?[known.1]?.invoices[known.2] = nil
                }
            default: break
            }
        }
    }

    /// The listed accounts of the merchants (nil: all), in the worker's order: ascending
    /// `sortKey` (zero balance first, then fewest items), then merchant and account.
    public func listed(merchants: Set<String>?) -> [ReconcilableAccount] {
        let entries: [ReconcilableAccount] = store.withLock { store in
            store.accounts.filter { merchants?.contains($0.key) ?? true }.values.flatMap { accounts in
                accounts.values.compactMap { $0.entry?.listed == true ? $0.entry : nil }
            }
        }
        return entries.sorted {
            ($0.sortKey, $0.merchantID, $0.accountID) < ($1.sortKey, $1.merchantID, $1.accountID)
        }
    }

    public struct AccountView: Sendable {
        public var entry: ReconcilableAccount?
        public var allocations: [Allocation]
        public var invoices: [InvoiceStatus]
        public var pending: ReconcileRequest?
        public var refusal: String?
    }

    /// What is known of an account (nil: nothing).
    public func account(merchant: String, account: String) -> AccountView? {
        store.withLock { store in
            guard let known = store.accounts[merchant]?[account] else { return nil }
            return AccountView(
                entry: known.entry, allocations: known.allocations,
                invoices: known.invoices.values.sorted { $0.invoiceID < $1.invoiceID }, pending: known.pending,
                refusal: known.refusal)
        }
    }

    /// The console sent a Reconcile for the account: pending until its outcome.
    public func markPending(merchant: String, account: String, request: ReconcileRequest) {
        store.withLock { store in
            var known = store.accounts[merchant]?[account] ?? Account()
            known.pending = request
            known.refusal = nil
            store.accounts[merchant, default: [:]][account] = known
        }
    }
}
