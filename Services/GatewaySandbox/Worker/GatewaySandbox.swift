import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime

/// gateway-sandbox: a pretend payment gateway for local runs, the demo and end-to-end tests.
/// It is a sandbox: it moves no money. It answers each `charge.requested` with a
/// `payment.succeeded` or `payment.failed` on the payments topic, by rules read from the
/// payment id (docs/gateway-sandbox.md):
///
/// - `…-decline-<code>`: declined with that Stripe-style code (`…-decline-insufficient_funds`);
/// - `…-sepa-<code>`: a SEPA return with that reason code (`…-sepa-AM04`);
/// - `…-after-<n>`: declined (insufficient funds) until attempt `n`, then paid;
/// - `…-timeout`: a technical failure (`processing_error`) every time;
/// - anything else: paid.
///
/// Idempotency: a charge request id seen before is not charged again; its first outcome is
/// published again, unchanged.
public struct GatewaySandbox: Worker {
    public struct State: Codable, Sendable {
        /// Outcome per charge request id: "ok", or the decline as "<scheme>:<code>" (`stripe:lost_card`).
        public var outcomes: [String: String] = [:]
    }

    public var name = "gateway-sandbox"
    public var inputTopics = [PaymentEvents.chargeRequestsTopic]
    public var outputTopics = [PaymentEvents.paymentsTopic]

    public init() {}

    /// Nil when paid, else the decline code and its scheme.
    static func outcome(paymentID: String, attempt: Int) -> (code: String, scheme: DeclineCodeScheme)? {
        let parts = paymentID.split(separator: "-").map(String.init)
        for (index, part) in parts.enumerated() where index + 1 < parts.count || part == "timeout" {
            switch part {
            case "decline": return (parts[(index + 1)...].joined(separator: "-"), .stripe)
            case "sepa": return (parts[index + 1], .sepa)
            case "after":
                if let n = Int(parts[index + 1]), attempt < n {
                    return ("insufficient_funds", .stripe)
                } else {
                    return nil
                }
            case "timeout": return ("processing_error", .stripe)
            default: continue
            }
        }
        return nil
    }

    /// The rule's answer for a payment id and attempt: nil when paid, else the decline code.
    public static func outcomeForTests(paymentID: String, attempt: Int) -> String? {
        outcome(paymentID: paymentID, attempt: attempt)?.code
    }

    public func handle(_ event: Event<GatewaySandboxInput>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        switch event.data {
        case .chargeRequested(let charge):
            try answer(charge, state: &state, context: &context)
        }
    }

    func answer(_ charge: ChargeRequested, state: inout State?, context: inout WorkerContext) throws(WorkerRejection) {
        var current = state ?? State()
        let chargeID = charge.chargeRequestId
        let recorded = current.outcomes[chargeID]
        let result =
            recorded
            ?? (Self.outcome(paymentID: charge.paymentId, attempt: Int(charge.attempt)).map {
                "\($0.scheme.rawValue):\($0.code)"
            } ?? "ok")
        current.outcomes[chargeID] = result
        state = current
        if result == "ok" {
            context.emit(
                PaymentSucceeded(
                    paymentId: charge.paymentId, invoiceId: charge.invoiceId, amount: charge.amount,
                    currency: charge.currency, chargeRequestId: chargeID), to: PaymentEvents.paymentsTopic)
            return
        }
        let code = String(result.drop { $0 != ":" }.dropFirst())
        guard let scheme = DeclineCodeScheme(rawValue: String(result.prefix { $0 != ":" })) else {
            throw WorkerRejection(
                "unreadable_state", "charge \(chargeID)'s recorded outcome \"\(result)\" is neither ok nor scheme:code")
        }
        context.emit(
            PaymentFailed(
                paymentId: charge.paymentId, invoiceId: charge.invoiceId,
                invoiceDate: String(Timestamp.format(context.now).prefix(10)), transactionType: .payment,
                paymentMethod: charge.paymentMethod, amount: charge.amount, currency: charge.currency,
                declineCode: code, declineScheme: scheme, chargeRequestId: chargeID), to: PaymentEvents.paymentsTopic)
    }

    public func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {}
}

/// The events gateway-sandbox reads, decoded.
public enum GatewaySandboxInput: WorkerInput {
    case chargeRequested(ChargeRequested)

    public static var eventTypes: [EventType] { [PaymentEvents.chargeRequested] }

    public init(_ event: EventEnvelope) throws(EventDataError) {
        switch event.type {
        case "charge.requested": self = .chargeRequested(try event.decode())
        default: throw EventDataError(path: "type", problem: "\(event.type) is not an event gateway-sandbox reads")
        }
    }
}
