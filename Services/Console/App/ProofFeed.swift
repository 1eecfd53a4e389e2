import Foundation
import RelanceEvents
import Synchronization

/// A proof of payment as the console shows it: what was submitted (`relance.proofs`, without the
/// document's content) and proof-validator's verdict (`relance.proof-verdicts`) once it came.
public struct ProofRecord: Sendable, Equatable {
    public var proofID: String
    public var merchantID: String
    public var accountID: String
    public var kind: String
    public var invoiceIDs: [String]
    /// The attached document's format, if any.
    public var format: String?
    public var typedFields: Bool
    public var submittedAt: Date
    public var verdict: ProofVerdictRecord?

    public init(
        proofID: String, merchantID: String, accountID: String, kind: String, invoiceIDs: [String], format: String?,
        typedFields: Bool, submittedAt: Date, verdict: ProofVerdictRecord? = nil
    ) {
        self.proofID = proofID
        self.merchantID = merchantID
        self.accountID = accountID
        self.kind = kind
        self.invoiceIDs = invoiceIDs
        self.format = format
        self.typedFields = typedFields
        self.submittedAt = submittedAt
        self.verdict = verdict
    }
}

/// A `proof.verdict`.
public struct ProofVerdictRecord: Sendable, Equatable {
    public struct Reason: Sendable, Equatable {
        public var element: String
        public var code: String
        public var message: String
    }

    public struct Match: Sendable, Equatable {
        public var invoiceID: String
        public var amount: Int64
        public var currency: String

        public init(invoiceID: String, amount: Int64, currency: String) {
            self.invoiceID = invoiceID
            self.amount = amount
            self.currency = currency
        }
    }

    public var merchantID: String
    public var accountID: String
    public var verdict: String
    public var reasons: [Reason]
    public var matches: [Match]
    public var cases: [String]
    public var transactionID: String?
    public var transactionDate: String?
    public var amount: Int64?
    public var currency: String?
    public var payerName: String?
    public var payeeName: String?
    public var refundAmount: Int64?
    public var shortfall: Int64?
    public var at: Date
}

/// The proofs of payment and their verdicts, by merchant.
public final class ProofFeed: ConsoleFeed {
    struct Store {
        var proofs: [String: ProofRecord] = [:]
        var verdicts: [String: ProofVerdictRecord] = [:]
        /// Proof ids in arrival order, for the limit.
        var order: [String] = []
        var loaded = false
        var skipped = 0
    }

    private let store = Mutex(Store())
    /// Proofs kept (the newest); older ones leave the console's memory, not the topics.
    public static let limit = 20_000

    public init() {}

    public var topics: [String] { [ProofEvents.proofsTopic, ProofEvents.verdictsTopic] }
    public var isLoaded: Bool { store.withLock { $0.loaded } }
    public func markLoaded() { store.withLock { $0.loaded = true } }
    public var skipped: Int { store.withLock { $0.skipped } }

    public func apply(topic: String, key: String?, value: [UInt8]?) {
        guard let value, let envelope = try? JSONReader.read(value), let data = envelope["data"],
            let merchant = envelope["merchantId"]?.stringValue, let account = envelope["accountId"]?.stringValue,
            let proofID = data["proofId"]?.stringValue
        else {
            if value != nil { store.withLock { $0.skipped += 1 } }
            return
        }
        let at = envelope["occurredAt"]?.stringValue.flatMap(EventValidator.parseUTCTimestamp) ?? Date()
        switch (topic, envelope["type"]?.stringValue) {
        case (ProofEvents.proofsTopic, ProofEvents.proofSubmitted.name):
            let record = ProofRecord(
                proofID: proofID, merchantID: merchant, accountID: account,
                kind: data["kind"]?.stringValue ?? "",
                invoiceIDs: (data["invoiceIds"]?.arrayValue ?? []).compactMap(\.stringValue),
                format: data["document"]?["format"]?.stringValue, typedFields: data["fields"] != nil,
                submittedAt: at)
            add(record)
        case (ProofEvents.verdictsTopic, ProofEvents.proofVerdict.name):
            let verdict = ProofVerdictRecord(
                merchantID: merchant, accountID: account, verdict: data["verdict"]?.stringValue ?? "",
                reasons: (data["reasons"]?.arrayValue ?? []).map {
                    ProofVerdictRecord.Reason(
                        element: $0["element"]?.stringValue ?? "", code: $0["code"]?.stringValue ?? "",
                        message: $0["message"]?.stringValue ?? "")
                },
                matches: (data["matches"]?.arrayValue ?? []).compactMap {
                    guard let invoice = $0["invoiceId"]?.stringValue, let amount = $0["amount"]?.integerValue else {
                        return nil
                    }
                    return ProofVerdictRecord.Match(
                        invoiceID: invoice, amount: amount, currency: $0["currency"]?.stringValue ?? "")
                },
                cases: (data["cases"]?.arrayValue ?? []).compactMap(\.stringValue),
                transactionID: data["transactionId"]?.stringValue,
                transactionDate: data["transactionDate"]?.stringValue,
                amount: data["amount"]?.integerValue, currency: data["currency"]?.stringValue,
                payerName: data["payerName"]?.stringValue, payeeName: data["payeeName"]?.stringValue,
                refundAmount: data["refundAmount"]?.integerValue, shortfall: data["shortfall"]?.integerValue, at: at)
            store.withLock { store in
                store.verdicts[proofID] = verdict
                if store.proofs[proofID] == nil {
                    // A proof submitted before the topic's retention, or by a tool: known by its verdict.
                    store.proofs[proofID] = ProofRecord(
                        proofID: proofID, merchantID: merchant, accountID: account, kind: "", invoiceIDs: [],
                        format: nil, typedFields: false, submittedAt: at)
                    store.order.append(proofID)
                }
                trim(&store)
            }
        default:
            store.withLock { $0.skipped += 1 }
        }
    }

    private func trim(_ store: inout Store) {
        guard store.order.count > Self.limit else { return }
        for id in store.order.prefix(store.order.count - Self.limit) {
            store.proofs[id] = nil
            store.verdicts[id] = nil
        }
        store.order.removeFirst(store.order.count - Self.limit)
    }

    /// A proof the console itself just submitted (shown pending before the topic gives it back).
    public func add(_ record: ProofRecord) {
        store.withLock { store in
            if store.proofs[record.proofID] == nil { store.order.append(record.proofID) }
            store.proofs[record.proofID] = record
            trim(&store)
        }
    }

    public func proof(_ id: String) -> ProofRecord? {
        store.withLock { store in
            guard var record = store.proofs[id] else { return nil }
            record.verdict = store.verdicts[id]
            return record
        }
    }

    /// The newest proofs of the merchants (nil: all), at most `limit`.
    public func recent(merchants: Set<String>?, account: String? = nil, limit: Int = 100) -> [ProofRecord] {
        store.withLock { store in
            var result: [ProofRecord] = []
            for id in store.order.reversed() {
                guard var record = store.proofs[id], merchants?.contains(record.merchantID) ?? true,
                    account == nil || record.accountID == account
                else { continue }
                record.verdict = store.verdicts[id]
                result.append(record)
                if result.count >= limit { break }
            }
            return result
        }
    }
}
