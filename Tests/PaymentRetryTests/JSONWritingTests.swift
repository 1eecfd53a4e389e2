import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime
import RelanceTestSupport
import Testing

@testable import PaymentRetryService

/// payment-retry's state writes its own changelog JSON (`StateJSONWritable`); these hold it to
/// the bytes its `Codable` conformance writes, so that restores and old changelogs are unchanged.
@Suite("payment-retry state JSON")
struct StateJSONTests {
    /// Names with what JSON must escape, and non-ASCII text.
    static let awkward = ["Camille Martin", "O\"Brien \\ Ltd", "Zoë\nLine two\ttab", "名前", "\u{01}ctl"]

    /// A state built through the rules: failures of every kind, retries due, successes,
    /// operator commands, card replacements and price updates, chosen by `seed`.
    static func randomState(seed: UInt64) -> PaymentRetryWorker.State {
        var random = SplitMix64(seed: seed)
        var state = PaymentRetryWorker.State()
        let codes: [(String, DeclineCodeScheme, PaymentMethod)] = [
            ("insufficient_funds", .stripe, .card), ("stolen_card", .stripe, .card), ("expired_card", .stripe, .card),
            ("51", .iso8583, .card), ("AM04", .sepa, .sepaDebit), ("MD01", .sepa, .sepaDebit),
            ("processing_error", .stripe, .card), ("not-a-code", .stripe, .eCheck),
        ]
        var now: Int64 = 1_790_000_000_000
        var policy = RetryPolicy()
        if Bool.random(using: &random) {
            policy.timing = RetryTiming(window: try? TimeWindow("02:00-05:00"))
            policy.timeZone = "Europe/Paris"
        }
        for step in 0..<Int.random(in: 0...12, using: &random) {
            now += Int64.random(in: 0...(9 * 86_400_000), using: &random)
            let paymentID = "pay-\(Int.random(in: 0...5, using: &random))"
            switch Int.random(in: 0...6, using: &random) {
            case 0, 1:
                let (code, scheme, method) = codes.randomElement(using: &random)!
                let failed = FailedPayment(
                    paymentID: paymentID, invoiceID: "inv-\(step)", invoiceDate: "2026-10-\(10 + step)",
                    type: TransactionType.allCases.randomElement(using: &random)!, method: method,
                    amount: Int64.random(in: -5...1_000_000, using: &random), currency: "EUR",
                    customerName: Bool.random(using: &random) ? awkward.randomElement(using: &random) : nil,
                    reason: DeclineCodes.read(code, scheme: scheme))
                var card = failed
                if method == .card && Bool.random(using: &random) {
                    card.cardBrand = ["visa", "mastercard"].randomElement(using: &random)
                    card.cardID = Bool.random(using: &random) ? "pm_\(Int.random(in: 0...2, using: &random))" : nil
                    card.timeZone = Bool.random(using: &random) ? "America/New_York" : nil
                }
                let charge = state.recovery.payments[paymentID]?.pendingCharge
                _ = state.recovery.paymentFailed(
                    card, chargeRequestID: charge, policy: policy, now: now,
                    merchantAdviceCode: Int.random(in: 0..<8, using: &random) == 0 ? "03" : nil)
            case 2: _ = state.recovery.retryDue(paymentID: paymentID, now: now, policy: policy)
            case 3:
                let charge = state.recovery.payments[paymentID]?.pendingCharge
                _ = state.recovery.paymentSucceeded(
                    paymentID: paymentID, how: "retry succeeded", chargeRequestID: charge, now: now, occurredAt: now - 5
                )
            case 4: _ = state.recovery.cardReplaced()
            case 5:
                let commands: [RecoveryCommand] = [
                    .retryNow, .dismiss(note: awkward.randomElement(using: &random)), .renewPaymentPlan,
                    .handOverToCollections, .changePaymentMethod(.sepaDebit),
                ]
                _ = state.recovery.command(
                    commands.randomElement(using: &random)!, paymentID: paymentID, role: .owner)
            default:
                let planID = "plan-\(Int.random(in: 0...2, using: &random))"
                if Bool.random(using: &random) {
                    let installments = Bool.random(using: &random) ? 12 : nil
                    _ = state.prices.request(
                        PriceUpdateRequest(
                            planID: planID, currency: "EUR", currentAmount: 4_900,
                            newAmount: Int64.random(in: 100...9_900, using: &random),
                            currentInstallments: installments, newInstallments: installments,
                            currentInterval: "month", newInterval: "month", nextBillingDate: "2026-12-01"),
                        now: now)
                } else {
                    _ = state.prices.confirm(planID: planID, now: now)
                }
            }
        }
        return state
    }

    static func members(_ value: JSONValue?) -> [(key: String, value: JSONValue)] {
        if case .object(let members)? = value { members } else { [] }
    }

    @Test("the direct writer writes what Codable writes, for 500 states built through the rules")
    func sameBytesAsCodable() throws {
        var members = Set<String>()
        var withCards = 0
        for seed in UInt64(0)..<500 {
            let state = Self.randomState(seed: seed)
            let direct = try StateCoding.encode(state)
            let codable = try StateCoding.encodeWithCodable(state)
            #expect(direct == codable, "seed \(seed): \(String(decoding: direct, as: UTF8.self))")
            let decoded = try StateCoding.decode(PaymentRetryWorker.State.self, from: direct)
            #expect(decoded.recovery == state.recovery && decoded.prices == state.prices, "seed \(seed)")
            if try JSONReader.read(direct)["recovery"]?["cards"] != nil { withCards += 1 }
            for payment in Self.members(try JSONReader.read(direct)["recovery"]?["payments"]) {
                for member in Self.members(payment.value) { members.insert(member.key) }
            }
        }
        // The states above reach every member a failed payment can have, optional ones included.
        #expect(
            members.isSuperset(of: [
                "customerName", "nextAttemptAt", "pendingCharge", "closedBecause", "firstFailedAt", "resolution",
                "recoveredOnAttempt", "lossReason", "outcomeAt", "cardID", "cardBrand", "timeZone",
                "nextAttemptReason", "retryBlockedBy",
            ]))
        #expect(withCards > 50, "states with card network histories: \(withCards)")
    }

    @Test("an empty state, and one with escapes in every free-text member")
    func edgeStates() throws {
        let empty = PaymentRetryWorker.State()
        #expect(try StateCoding.encode(empty) == StateCoding.encodeWithCodable(empty))
        #expect(
            String(decoding: try StateCoding.encode(empty), as: UTF8.self)
                == #"{"recovery":{"payments":{}},"prices":{"pending":{},"expiries":{}}}"#)

        var state = PaymentRetryWorker.State()
        for (index, text) in Self.awkward.enumerated() {
            var payment = FailedPayment(
                paymentID: text + "\(index)", invoiceID: text, invoiceDate: text, type: .refund, method: .card,
                amount: .min, currency: text, customerName: text, reason: DeclineCodes.read(text, scheme: .sepa))
            payment.closedBecause = text
            payment.pendingCharge = text
            payment.nextAttemptAt = .max
            state.recovery.payments[payment.paymentID] = payment
        }
        let direct = try StateCoding.encode(state)
        #expect(direct == (try StateCoding.encodeWithCodable(state)))
        #expect(try StateCoding.decode(PaymentRetryWorker.State.self, from: direct).recovery == state.recovery)
    }
}

@Suite("payment-retry outputs written directly")
struct OutputJSONTests {
    @Test("every action-centre item of 300 rule-built states follows its published schema and carries the item")
    func itemsFollowTheirSchema() throws {
        let validator = EventValidator(types: Catalog.eventTypes)
        var seen = Set<String>()
        for seed in UInt64(0)..<300 {
            for item in StateJSONTests.randomState(seed: seed).recovery.payments.values {
                let bytes = EventEnvelope.jsonBytes(
                    eventID: "evt-\(seed)", type: "action-item.updated", schemaVersion: 1,
                    occurredAt: Date(timeIntervalSince1970: 1_790_000_000), accountID: "acct-1", merchantID: "m-1",
                    dataByteCount: 400
                ) { PaymentRetryWorker.writeItem(item, into: &$0) }
                let event = try validator.read(bytes).get()
                let data = event.data
                #expect(data["paymentId"]?.stringValue == item.paymentID)
                #expect(data["customerName"]?.stringValue == item.customerName)
                #expect(data["failureReason"]?.stringValue == item.reason.description)
                #expect(data["amount"]?.integerValue == item.amount)
                #expect(data["state"]?.stringValue == item.state.rawValue)
                #expect(data["attempts"]?.integerValue == Int64(item.attempts))
                #expect(data["closedBecause"]?.stringValue == item.closedBecause)
                #expect(data["resolution"]?.stringValue == item.resolution?.rawValue)
                #expect(data["recoveredOnAttempt"]?.integerValue == item.recoveredOnAttempt.map { Int64($0) })
                #expect(data["lossReason"]?.stringValue == item.lossReason?.rawValue)
                #expect(
                    data["firstFailedAt"]?.stringValue == item.firstFailedAt.map { Timestamp.format(milliseconds: $0) })
                #expect(data["outcomeAt"]?.stringValue == item.outcomeAt.map { Timestamp.format(milliseconds: $0) })
                // The typed struct reads what the fast writer wrote.
                let typed = try event.decode(ActionItemUpdated.self)
                #expect(typed.resolution?.rawValue == item.resolution?.rawValue)
                #expect(typed.lossReason?.rawValue == item.lossReason?.rawValue)
                #expect(
                    data["nextAttemptAt"]?.stringValue == item.nextAttemptAt.map { Timestamp.format(milliseconds: $0) })
                for member in StateJSONTests.members(data) { seen.insert(member.key) }
            }
        }
        #expect(
            seen.isSuperset(of: [
                "customerName", "nextAttemptAt", "closedBecause", "handedToCollections", "firstFailedAt", "resolution",
                "recoveredOnAttempt", "lossReason", "outcomeAt",
            ]))
    }
}
