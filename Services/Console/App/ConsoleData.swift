import Foundation

/// Everything the console shows, one feed per part, each filled by the `TopicFollower` from
/// its own topics. A new page adds its feed here and to `feeds`.
public final class ConsoleData: Sendable {
    public let actionCentre: ActionCentreView
    /// Accounts: status, invoices, invoice recipients, emails.
    public let accounts: AccountsView
    public let expiringCards: ExpiringCardsView

    public init(
        actionCentre: ActionCentreView = ActionCentreView(), accounts: AccountsView = AccountsView(),
        expiringCards: ExpiringCardsView = ExpiringCardsView()
    ) {
        self.actionCentre = actionCentre
        self.accounts = accounts
        self.expiringCards = expiringCards
    }

    /// Every feed, for the follower.
    public var feeds: [any ConsoleFeed] { [actionCentre, accounts, expiringCards] }

    /// Every feed reached the end its topics had at start.
    public var isLoaded: Bool { feeds.allSatisfy(\.isLoaded) }
}
