import Foundation

/// Everything the console shows, one feed per part, each filled by the `TopicFollower` from
/// its own topics. A new page adds its feed here and to `feeds`.
public final class ConsoleData: Sendable {
    public let actionCentre: ActionCentreView

    public init(actionCentre: ActionCentreView = ActionCentreView()) {
        self.actionCentre = actionCentre
    }

    /// Every feed, for the follower.
    public var feeds: [any ConsoleFeed] { [actionCentre] }

    /// Every feed reached the end its topics had at start.
    public var isLoaded: Bool { feeds.allSatisfy(\.isLoaded) }
}
