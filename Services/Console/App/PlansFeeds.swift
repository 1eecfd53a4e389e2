import Foundation
import RelanceEvents
import RelanceRuntime
import Synchronization

/// A plan's price change as payment-retry last published it (`plan.price-update`).
public struct PriceUpdate: Sendable, Equatable {
    public var merchantID: String
    public var accountID: String
    public var planID: String
    /// pending, applied, lapsed.
    public var status: String
    public var newAmount: Int64
    public var currency: String
    /// The customer's confirmation deadline (pending).
    public var expiresAt: Date?
    /// `YYYY-MM-DD`: the first billing cycle at the new price (applied).
    public var effectiveFrom: String?
    public var updatedAt: Date

    /// Reads a `plan.price-update` envelope; nil for anything else.
    public init?(envelope: JSONValue) {
        guard envelope["type"]?.stringValue == PaymentEvents.priceUpdate.name, let data = envelope["data"],
            let merchant = envelope["merchantId"]?.stringValue, let plan = data["planId"]?.stringValue,
            let status = data["status"]?.stringValue
        else { return nil }
        merchantID = merchant
        accountID = envelope["accountId"]?.stringValue ?? ""
        planID = plan
        self.status = status
        newAmount = data["newAmount"]?.integerValue ?? 0
        currency = data["currency"]?.stringValue ?? ""
        expiresAt = data["expiresAt"]?.stringValue.flatMap(EventValidator.parseUTCTimestamp)
        effectiveFrom = data["effectiveFrom"]?.stringValue
        updatedAt =
            envelope["occurredAt"]?.stringValue.flatMap(EventValidator.parseUTCTimestamp)
            ?? Date(timeIntervalSince1970: 0)
    }
}

/// The latest price update of each plan, by merchant (`relance.plan-updates`, keyed by account,
/// not compacted: the console keeps the last record per plan).
public final class PlanUpdatesFeed: ConsoleFeed {
    struct Store {
        var byMerchant: [String: [String: PriceUpdate]] = [:]
        var loaded = false
        var skipped = 0
    }

    private let store = Mutex(Store())

    public init() {}

    public var topics: [String] { [PaymentEvents.planUpdatesTopic] }
    public var isLoaded: Bool { store.withLock { $0.loaded } }
    public func markLoaded() { store.withLock { $0.loaded = true } }
    /// Records that were not price updates (counted, skipped).
    public var skipped: Int { store.withLock { $0.skipped } }

    public func apply(topic: String, key: String?, value: [UInt8]?) {
        guard let value else { return }
        guard let envelope = try? JSONReader.read(value), let update = PriceUpdate(envelope: envelope) else {
            store.withLock { $0.skipped += 1 }
            return
        }
        store.withLock { store in
            store.byMerchant[update.merchantID, default: [:]][update.planID] = update
        }
    }

    /// The price updates of the merchants given (nil: all).
    public func updates(merchants: Set<String>?) -> [PriceUpdate] {
        store.withLock { store in
            store.byMerchant.filter { merchants?.contains($0.key) ?? true }.flatMap { $0.value.values }
        }
    }
}

/// A `recovery-stats.updated` record with its merchant (from the key
/// `merchant/currency/day` or `merchant/currency/week`).
public struct RecoveryRecord: Sendable, Equatable {
    public var merchantID: String
    public var figures: RecoveryStatsUpdated
}

/// `relance.recovery-stats` (compacted): the latest figures per key; a tombstone removes them.
public final class RecoveryStatsFeed: ConsoleFeed {
    struct Store {
        var byKey: [String: RecoveryRecord] = [:]
        var loaded = false
        var skipped = 0
    }

    private let store = Mutex(Store())

    public init() {}

    public var topics: [String] { [RecoveryEvents.statsTopic] }
    public var isLoaded: Bool { store.withLock { $0.loaded } }
    public func markLoaded() { store.withLock { $0.loaded = true } }
    public var skipped: Int { store.withLock { $0.skipped } }

    public func apply(topic: String, key: String?, value: [UInt8]?) {
        guard let key else { return }
        guard let value else {
            store.withLock { _ = $0.byKey.removeValue(forKey: key) }
            return
        }
        guard let envelope = try? JSONReader.read(value),
            envelope["type"]?.stringValue == RecoveryEvents.statsUpdated.name, let data = envelope["data"],
            let figures = try? JSONValueDecoding.decode(RecoveryStatsUpdated.self, from: data, path: "data")
        else {
            store.withLock { $0.skipped += 1 }
            return
        }
        // The key (merchant/currency/period) names the merchant, as compaction keeps it.
        let merchant =
            key.split(separator: "/").first.map(String.init) ?? envelope["merchantId"]?.stringValue ?? ""
        store.withLock { $0.byKey[key] = RecoveryRecord(merchantID: merchant, figures: figures) }
    }

    /// Every record of a merchant.
    public func records(merchant: String) -> [RecoveryRecord] {
        store.withLock { store in store.byKey.values.filter { $0.merchantID == merchant } }
    }

    /// The merchants with figures.
    public var merchants: Set<String> { store.withLock { Set($0.byKey.values.map(\.merchantID)) } }
}

/// One dead letter as the console shows it: where it is, what it is, whom it concerns.
public struct DeadLetterEntry: Sendable {
    public var partition: Int32
    public var offset: Int64
    public var letter: DeadLetter
    /// The original record's envelope's `merchantId`, when it reads as one.
    public var merchantID: String?
    public var accountID: String?

    /// `<topic>/<partition>@<offset>`: how replay outcomes name it.
    public var position: String { "\(DeadLetterFeed.topic)/\(partition)@\(offset)" }

    var entry: DeadLetters.Entry { DeadLetters.Entry(partition: partition, offset: offset, letter: letter) }
}

/// `relance.dead-letters` and `relance.replay-outcomes`: every dead letter (one per source
/// record and worker, as `relance dead-letters list`), the latest outcome of each replayed
/// one, the origins already handled from a replay, and the replays this console sent whose
/// outcome has not come yet.
public final class DeadLetterFeed: ConsoleFeed {
    public static let topic = "relance.dead-letters"
    public static let outcomesTopic = "relance.replay-outcomes"

    public struct Sent: Sendable, Equatable {
        public var actor: String
        public var at: Date
    }

    struct Store {
        var entries: [String: DeadLetterEntry] = [:]
        var order: [String] = []
        var seenSources: Set<String> = []
        var sources: [String: String] = [:]
        var outcomes: [String: ReplayOutcome] = [:]
        var handledOrigins: Set<String> = []
        var sent: [String: Sent] = [:]
        var loaded = false
        var skipped = 0
    }

    private let store = Mutex(Store())

    public init() {}

    public var topics: [String] { [Self.topic, Self.outcomesTopic] }
    public var isLoaded: Bool { store.withLock { $0.loaded } }
    public func markLoaded() { store.withLock { $0.loaded = true } }
    public var skipped: Int { store.withLock { $0.skipped } }

    public func apply(topic: String, key: String?, value: [UInt8]?) {
        apply(topic: topic, partition: 0, offset: -1, key: key, value: value)
    }

    public func apply(topic: String, partition: Int32, offset: Int64, key: String?, value: [UInt8]?) {
        guard let value else { return }
        switch topic {
        case Self.topic:
            guard let letter = try? DeadLetter.decode(Data(value)) else {
                store.withLock { $0.skipped += 1 }
                return
            }
            var entry = DeadLetterEntry(partition: partition, offset: offset, letter: letter)
            if let bytes = letter.value, let envelope = try? JSONReader.read(Array(bytes)) {
                entry.merchantID = envelope["merchantId"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
                entry.accountID = envelope["accountId"]?.stringValue
            }
            let source =
                "\(letter.worker)|\(letter.source.topic)/\(letter.source.partition)@\(letter.source.offset)"
            store.withLock { store in
                // A retried batch on a broker that shows aborted records: one entry per source
                // record and worker.
                guard store.seenSources.insert(source).inserted else { return }
                store.entries[entry.position] = entry
                store.sources[entry.position] = source
                store.order.append(entry.position)
                if store.order.count > Self.limit + Self.limit / 10 {
                    for position in store.order.prefix(store.order.count - Self.limit) {
                        store.entries[position] = nil
                        store.outcomes[position] = nil
                        store.sent[position] = nil
                        if let old = store.sources.removeValue(forKey: position) { store.seenSources.remove(old) }
                    }
                    store.order.removeFirst(store.order.count - Self.limit)
                }
            }
        case Self.outcomesTopic:
            guard let outcome = try? ReplayOutcome.decode(Data(value)) else {
                store.withLock { $0.skipped += 1 }
                return
            }
            store.withLock { store in
                store.outcomes[outcome.deadLetter] = outcome
                store.sent[outcome.deadLetter] = nil
                if outcome.result == .handled { store.handledOrigins.insert(outcome.origin ?? outcome.deadLetter) }
            }
        default:
            break
        }
    }

    /// Every dead letter, newest first.
    public var entries: [DeadLetterEntry] {
        store.withLock { store in store.order.reversed().compactMap { store.entries[$0] } }
    }

    public func entry(partition: Int32, offset: Int64) -> DeadLetterEntry? {
        store.withLock { $0.entries["\(Self.topic)/\(partition)@\(offset)"] }
    }

    public func outcome(_ position: String) -> ReplayOutcome? { store.withLock { $0.outcomes[position] } }
    /// The console's replay of this dead letter, while its outcome may still come: none comes
    /// when the worker reroutes it or does not report replays, so it stops showing after
    /// `replayWait`.
    public func sent(_ position: String, now: Date) -> Sent? {
        store.withLock { store in
            guard let sent = store.sent[position] else { return nil }
            guard now.timeIntervalSince(sent.at) < Self.replayWait else {
                store.sent[position] = nil
                return nil
            }
            return sent
        }
    }

    public static let replayWait: TimeInterval = 120
    /// Dead letters kept (the newest): the topic keeps them all, `relance dead-letters` reads it.
    public static let limit = 10_000

    /// A worker already handled this dead letter's content from a replay (`relance
    /// dead-letters replay` skips those unless `--again`).
    public func alreadyHandled(_ entry: DeadLetterEntry) -> Bool {
        let origin = DeadLetters.origin(entry.entry, topic: Self.topic)
        return store.withLock { $0.handledOrigins.contains(origin) }
    }

    /// The console sent a replay of this dead letter: pending until its outcome.
    public func markSent(_ position: String, actor: String, at: Date) {
        store.withLock { $0.sent[position] = Sent(actor: actor, at: at) }
    }
}
