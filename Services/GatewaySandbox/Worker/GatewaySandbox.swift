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
        /// Outcome per charge request id: "ok" or the decline code.
        public var outcomes: [String: String] = [:]
    }

    public var name = "gateway-sandbox"
    public var inputTopics = [PaymentEvents.chargeRequestsTopic]
    public var outputTopics = [PaymentEvents.paymentsTopic]
    public var eventTypes = [PaymentEvents.chargeRequested]

    public init() {}

    /// "ok", or the code and its scheme.
    static func outcome(paymentID: String, attempt: Int) -> (code: String, scheme: String)? {
        let parts = paymentID.split(separator: "-").map(String.init)
        for (index, part) in parts.enumerated() where index + 1 < parts.count || part == "timeout" {
            switch part {
            case "decline": return (parts[(index + 1)...].joined(separator: "-"), "stripe")
            case "sepa": return (parts[index + 1], "sepa")
            case "after":
                if let n = Int(parts[index + 1]), attempt < n {
                    return ("insufficient_funds", "stripe")
                } else {
                    return nil
                }
            case "timeout": return ("processing_error", "stripe")
            default: continue
            }
        }
        return nil
    }

    /// The rule's answer for a payment id and attempt: nil when paid, else the decline code.
    public static func outcomeForTests(paymentID: String, attempt: Int) -> String? {
        outcome(paymentID: paymentID, attempt: attempt)?.code
    }

    public func handle(_ event: Event<EventEnvelope>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        let event = event.envelope
        var current = state ?? State()
        let data = event.data
        let chargeID = data["chargeRequestId"]?.stringValue ?? ""
        let paymentID = data["paymentId"]?.stringValue ?? ""
        let attempt = Int(data["attempt"]?.integerValue ?? 1)
        let recorded = current.outcomes[chargeID]
        let result =
            recorded ?? (Self.outcome(paymentID: paymentID, attempt: attempt).map { "\($0.scheme):\($0.code)" } ?? "ok")
        current.outcomes[chargeID] = result
        state = current
        var members: [(key: String, value: JSONValue)] = [
            ("paymentId", .string(paymentID)), ("invoiceId", data["invoiceId"] ?? .string("")),
        ]
        if result == "ok" {
            members += [
                ("amount", data["amount"] ?? .number("0")), ("currency", data["currency"] ?? .string("EUR")),
                ("chargeRequestId", .string(chargeID)),
            ]
            context.emit("payment.succeeded", to: PaymentEvents.paymentsTopic, data: .object(members))
        } else {
            let scheme = String(result.prefix { $0 != ":" })
            let code = String(result.drop { $0 != ":" }.dropFirst())
            members += [
                ("invoiceDate", .string(Timestamp.format(context.now).prefix(10).description)),
                ("transactionType", .string("payment")), ("paymentMethod", data["paymentMethod"] ?? .string("card")),
                ("amount", data["amount"] ?? .number("0")), ("currency", data["currency"] ?? .string("EUR")),
                ("declineCode", .string(code)), ("declineScheme", .string(scheme)),
                ("chargeRequestId", .string(chargeID)),
            ]
            context.emit("payment.failed", to: PaymentEvents.paymentsTopic, data: .object(members))
        }
    }

    public func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {}
}
