import Foundation

/// Everything the console shows, one feed per part, each filled by the `TopicFollower` from
/// its own topics. A new page adds its feed here and to `feeds`.
public final class ConsoleData: Sendable {
    public let actionCentre: ActionCentreView
    /// Accounts: status, invoices, invoice recipients, emails.
    public let accounts: AccountsView
    public let expiringCards: ExpiringCardsView
    /// Reconcilable accounts, allocations, invoice statuses.
    public let reconciliation: ReconciliationFeed
    /// Proofs of payment and their verdicts.
    public let proofs: ProofFeed
    /// Price updates of plans (`relance.plan-updates`).
    public let planUpdates: PlanUpdatesFeed
    /// Recovery figures (`relance.recovery-stats`).
    public let recoveryStats: RecoveryStatsFeed
    /// Dead letters and replay outcomes.
    public let deadLetters: DeadLetterFeed

    public init(
        actionCentre: ActionCentreView = ActionCentreView(), accounts: AccountsView = AccountsView(),
        expiringCards: ExpiringCardsView = ExpiringCardsView(),
        reconciliation: ReconciliationFeed = ReconciliationFeed(),
        proofs: ProofFeed = ProofFeed(), planUpdates: PlanUpdatesFeed = PlanUpdatesFeed(),
        recoveryStats: RecoveryStatsFeed = RecoveryStatsFeed(), deadLetters: DeadLetterFeed = DeadLetterFeed()
    ) {
        self.actionCentre = actionCentre
        self.accounts = accounts
        self.expiringCards = expiringCards
        self.reconciliation = reconciliation
        self.proofs = proofs
        self.planUpdates = planUpdates
        self.recoveryStats = recoveryStats
        self.deadLetters = deadLetters
    }

    /// Every feed, for the follower.
    public var feeds: [any ConsoleFeed] {
        [actionCentre, accounts, expiringCards, reconciliation, proofs, planUpdates, recoveryStats, deadLetters]
    }

    /// Every feed reached the end its topics had at start.
    public var isLoaded: Bool { feeds.allSatisfy(\.isLoaded) }
}
