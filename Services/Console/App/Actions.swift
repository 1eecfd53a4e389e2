import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime

/// Whether a user may take an action on an item now, and if not why: the same rules as
/// payment-retry's (`ActorRole.may`, `PaymentRecovery.command`), so that a button is disabled
/// where the worker would refuse. The worker still decides.
public enum ItemActions {
    public enum Refusal: String, Sendable, Equatable {
        case role, noKey, closed, pending, collections, refund, type, awaiting
        /// Renew payment plan: the automatic attempts are not over yet.
        case notExhausted
    }

    public struct Verdict: Sendable, Equatable {
        public var allowed: Bool { refusal == nil }
        public var refusal: Refusal?
    }

    /// The recovery command an action on a failed payment is (the payment method does not
    /// change who may); nil for the actions on accounts, proofs and dead letters.
    static func recoveryCommand(_ action: ConsoleAction.Action) -> RecoveryCommand? {
        switch action {
        case .retryNow: .retryNow
        case .dismiss: .dismiss(note: nil)
        case .changePaymentMethod: .changePaymentMethod(.card)
        case .renewPaymentPlan: .renewPaymentPlan
        case .handOverToCollections: .handOverToCollections
        case .reconcile, .changeRecipients, .submitProof, .replayDeadLetter: nil
        }
    }

    /// Whether one of `roles` may give `action`, by the rule of the worker that carries it out:
    /// payment-retry's for failed payments (owner and admin everything, billing retry and
    /// dismiss), reconciliation's `manage_reconciliations` for Reconcile, reminder-mailer's owner
    /// for invoice recipients, the `dead-letter-replay` role for replays; a proof is a
    /// customer's document, which any role but support-only may file.
    public static func roleMay(_ roles: [String], _ action: ConsoleAction.Action) -> Bool {
        switch action {
        case .reconcile: return roles.contains(ReconciliationEvents.permission)
        case .changeRecipients: return roles.contains(ActorRole.owner.rawValue)
        case .replayDeadLetter: return roles.contains(CommandHeaders.replayRole)
        case .submitProof:
            return roles.contains { [ActorRole.owner, .admin, .billing].map(\.rawValue).contains($0) }
        default:
            guard let command = recoveryCommand(action) else { return false }
            return roles.compactMap(ActorRole.init(rawValue:)).contains { $0.may(command) }
        }
    }

    public static func verdict(
        _ action: ConsoleAction.Action, item: ActionItem, roles: [String], canSign: Bool
    ) -> Verdict {
        guard canSign else { return Verdict(refusal: .noKey) }
        guard roleMay(roles, action) else { return Verdict(refusal: .role) }
        guard item.isActive else { return Verdict(refusal: .closed) }
        guard item.awaiting == nil else { return Verdict(refusal: .awaiting) }
        switch action {
        case .retryNow:
            guard item.state == "open" else { return Verdict(refusal: .pending) }
            guard !item.handedToCollections else { return Verdict(refusal: .collections) }
        case .dismiss:
            break
        case .renewPaymentPlan:
            // payment-retry's rule (PaymentRecovery.command): not handed over, the automatic
            // attempts over, not renewed before (the item record does not say: the worker
            // refuses a second renewal), no charge in flight.
            guard item.transactionType == TransactionType.installment.rawValue else { return Verdict(refusal: .type) }
            guard !item.handedToCollections else { return Verdict(refusal: .collections) }
            guard item.attemptsExhausted else { return Verdict(refusal: .notExhausted) }
            guard item.state == "open" else { return Verdict(refusal: .pending) }
        case .handOverToCollections:
            guard !item.handedToCollections else { return Verdict(refusal: .collections) }
        case .reconcile, .changeRecipients, .submitProof, .replayDeadLetter:
            return Verdict(refusal: .type)
        case .changePaymentMethod:
            guard
                item.transactionType == TransactionType.installment.rawValue
                    || item.transactionType == TransactionType.subscription.rawValue
            else { return Verdict(refusal: item.transactionType == TransactionType.refund.rawValue ? .refund : .type) }
        }
        return Verdict(refusal: nil)
    }

    /// The `payment.command` data of an action, as `relance command …` writes it.
    public static func commandData(
        _ action: ConsoleAction.Action, paymentID: String, note: String?, method: String?
    ) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("command", .string(action.rawValue)), ("paymentId", .string(paymentID)),
        ]
        if action == .dismiss, let note, !note.isEmpty { members.append(("note", .string(note))) }
        if action == .changePaymentMethod, let method { members.append(("paymentMethod", .string(method))) }
        return .object(members)
    }
}
