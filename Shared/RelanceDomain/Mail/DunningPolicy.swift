import Foundation
import RelanceEvents

/// What the last step of the overdue ladder (the legal notice) does to the account (issue 26).
public enum FinalAction: String, Sendable, Codable, CaseIterable {
    /// The account is terminated (seed 000; the default).
    case terminate
    /// The account stays suspended (from the final notice) until it is paid: no termination.
    case suspend
    /// The subscription is cancelled.
    case cancelSubscription = "cancel_subscription"
    /// The debt is handed over to collections (the account stays deactivated).
    case handToCollections = "hand_to_collections"
    /// The debt is written off: the account is closed and no longer dunned.
    case writeOff = "write_off"

    /// The account status the legal notice leads to.
    public var standing: AccountStanding {
        switch self {
        case .terminate: .terminated
        case .suspend: .suspended
        case .cancelSubscription: .cancelled
        case .handToCollections: .inCollections
        case .writeOff: .writtenOff
        }
    }

    /// The step that carries the action out, announced "in N days" by the steps before it
    /// from step 3: the legal notice (5), or for `suspend` the final notice (4), which suspends.
    var step: Int { self == .suspend ? 4 : 5 }
}

/// One merchant's dunning policy, as the file gives it: members left out keep the default's.
public struct DunningPolicy: Sendable, Codable, Equatable {
    /// What the last step does (default `terminate`).
    public var finalAction: FinalAction?
    /// Currency → the overdue balance, in minor units, below which the ladder does not run.
    public var minimumOverdue: [String: Int64]?
    /// Days before an invoice's due date on which a reminder goes out (none by default).
    public var preDueReminderDays: [Int]?
    /// Late fees (none by default); a merchant's replaces the default's as a whole.
    public var lateFees: LateFeePolicy?
    /// Days before the renewal of a subscription billed every six months or less often that
    /// its renewal notice goes out (default 7; Mastercard asks for 3 to 7; 0: none).
    public var renewalNoticeDays: Int?

    public init(
        finalAction: FinalAction? = nil, minimumOverdue: [String: Int64]? = nil, preDueReminderDays: [Int]? = nil,
        lateFees: LateFeePolicy? = nil, renewalNoticeDays: Int? = nil
    ) {
        self.finalAction = finalAction
        self.minimumOverdue = minimumOverdue
        self.preDueReminderDays = preDueReminderDays
        self.lateFees = lateFees
        self.renewalNoticeDays = renewalNoticeDays
    }

    /// `base` with the members this policy gives.
    public func applied(to base: LadderPolicy) -> LadderPolicy {
        var policy = base
        if let finalAction { policy.finalAction = finalAction }
        if let minimumOverdue { policy.minimumOverdue = minimumOverdue }
        if let preDueReminderDays { policy.preDueReminderDays = preDueReminderDays.sorted(by: >) }
        if let lateFees { policy.lateFees = lateFees }
        if let renewalNoticeDays { policy.renewalNoticeDays = renewalNoticeDays }
        return policy
    }
}

/// reminder-mailer's dunning policies (`RELANCE_DUNNING_POLICIES`): a default and, per
/// merchant, the members that differ from it.
public struct DunningPolicies: Sendable, Equatable, Codable {
    public var `default`: DunningPolicy?
    public var merchants: [String: DunningPolicy]?

    public init(default: DunningPolicy? = nil, merchants: [String: DunningPolicy]? = nil) {
        self.default = `default`
        self.merchants = merchants
    }

    /// The ladder policy of `merchant`: `base` (the days from `RELANCE_LADDER_DAYS`), then the
    /// default's members, then the merchant's.
    public func policy(for merchant: String, base: LadderPolicy) -> LadderPolicy {
        let general = self.default?.applied(to: base) ?? base
        return merchants?[merchant]?.applied(to: general) ?? general
    }

    /// The file's policies, checked beyond its schema: currencies are ISO 4217 codes, reminder
    /// days are each given once. A problem names the member's path.
    public static func read(_ data: Data) throws -> DunningPolicies {
        let policies = try JSONDecoder().decode(DunningPolicies.self, from: data)
        if let general = policies.default { try check(general, path: "$.default") }
        for (merchant, policy) in (policies.merchants ?? [:]).sorted(by: { $0.key < $1.key }) {
            try check(policy, path: "$.merchants.\(merchant)")
        }
        return policies
    }

    static func check(_ policy: DunningPolicy, path: String) throws(DunningPolicyError) {
        for currency in (policy.minimumOverdue ?? [:]).keys.sorted() where Currency(code: currency) == nil {
            throw DunningPolicyError("\(path).minimumOverdue.\(currency) is not an ISO 4217 currency code")
        }
        let days = policy.preDueReminderDays ?? []
        if Set(days).count != days.count {
            throw DunningPolicyError("\(path).preDueReminderDays gives a day twice: \(days)")
        }
        try policy.lateFees?.check(path: "\(path).lateFees")
    }
}

public struct DunningPolicyError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// An operator's pause or exclusion of an account's dunning (`dunning.command`), kept by
/// reminder-mailer (no notice, no status escalation) and payment-retry (no automatic retry),
/// which apply the same command by the same rules (`applying`).
public struct DunningHold: Sendable, Codable, Equatable {
    /// Excluded from dunning until resumed (a pause does not lift it).
    public var excluded: Bool
    /// A pause's end (milliseconds since 1970); nil: until resumed.
    public var pausedUntil: Int64?

    public init(excluded: Bool = false, pausedUntil: Int64? = nil) {
        self.excluded = excluded
        self.pausedUntil = pausedUntil
    }

    /// Whether dunning is held at `now`: excluded, or paused with no end or an end after `now`.
    public func holds(at now: Int64) -> Bool {
        excluded || (pausedUntil.map { now < $0 } ?? true)
    }

    /// Who may give each command: a pause and its end are the billing team's everyday tools
    /// (a customer's promise to pay, a dispute being looked at); an exclusion is the
    /// merchant's decision, owner or admin (and so is resuming an excluded account, checked by
    /// `applying`).
    public static func roles(for command: DunningCommand.Command) -> Set<String> {
        switch command {
        case .pause, .resume: [ActorRole.owner.rawValue, ActorRole.admin.rawValue, ActorRole.billing.rawValue]
        case .exclude: [ActorRole.owner.rawValue, ActorRole.admin.rawValue]
        }
    }

    /// The roles that may give every dunning command: what a command that does not decode needs.
    public static var everyCommandRoles: Set<String> {
        DunningCommand.Command.allCases.map(roles(for:)).reduce(Set(ActorRole.allCases.map(\.rawValue))) {
            $0.intersection($1)
        }
    }

    /// The hold after `command` (nil: none), given at `occurredAt` by an actor with `roles`, on
    /// an account held by `current`. A pause on an excluded account leaves it excluded; a
    /// pause replaces a pause.
    public static func applying(
        _ command: DunningCommand, occurredAt: Int64, roles: Set<String>, to current: DunningHold?
    ) throws(DunningCommandRefusal) -> DunningHold? {
        let until = command.until.map(Timestamp.milliseconds)
        switch command.command {
        case .pause:
            if let until, until <= occurredAt {
                throw DunningCommandRefusal(
                    "until_not_after_command", "a pause must end after the command: until is before occurredAt")
            }
            if current?.excluded == true { return current }
            return DunningHold(pausedUntil: until)
        case .exclude:
            guard until == nil else {
                throw DunningCommandRefusal("until_with_exclude", "an exclusion lasts until resumed: no until")
            }
            return DunningHold(excluded: true)
        case .resume:
            guard until == nil else {
                throw DunningCommandRefusal("until_with_resume", "resume takes no until")
            }
            if current?.excluded == true,
                roles.isDisjoint(with: [ActorRole.owner.rawValue, ActorRole.admin.rawValue])
            {
                throw DunningCommandRefusal(
                    "forbidden", "only an owner or an admin may resume the dunning of an excluded account")
            }
            return nil
        }
    }
}

/// A dunning command refused by its rules: the code of its dead letter, and why.
public struct DunningCommandRefusal: Error, Sendable, Equatable {
    public var code: String
    public var message: String
    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
}
