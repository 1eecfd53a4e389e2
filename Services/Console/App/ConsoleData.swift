import Foundation

/// Everything the console shows, one feed per part, each filled by the `TopicFollower` from
/// its own topics. A new page adds its feed here and to `feeds`.
public final class ConsoleData: Sendable {
    public let actionCentre: ActionCentreView
    /// Reconcilable accounts, allocations, invoice statuses.
    public let reconciliation: ReconciliationFeed
    /// Proofs of payment and their verdicts.
    public let proofs: ProofFeed

    public init(
        actionCentre: ActionCentreView = ActionCentreView(), reconciliation: ReconciliationFeed = ReconciliationFeed(),
        proofs: ProofFeed = ProofFeed()
    ) {
        self.actionCentre = actionCentre
        self.reconciliation = reconciliation
        self.proofs = proofs
    }

    /// Every feed, for the follower.
    public var feeds: [any ConsoleFeed] { [actionCentre, reconciliation, proofs] }

    /// Every feed reached the end its topics had at start.
    public var isLoaded: Bool { feeds.allSatisfy(\.isLoaded) }
}
