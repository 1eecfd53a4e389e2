/// What the web console (relance-console) writes besides signed commands: its audit trail.
public enum ConsoleEvents {
    public static let auditTopic = "relance.console-audit"

    public static let action = EventType(
        "console.action",
        summary: "An action a console user took or tried (a command sent, refused by the console, or not sent), "
            + "with who, what, when and on which item, account, proof or dead letter.",
        data: .object(
            [
                "actor": .string("the signed-in user (the command's sub)"),
                "roles": .array(of: .string(), "the user's roles when acting"),
                "action": .oneOf(
                    [
                        "retry_now", "dismiss", "change_payment_method", "renew_payment_plan",
                        "hand_over_to_collections", "reconcile", "change_recipients", "submit_proof",
                        "replay_dead_letter",
                    ], "what the user asked"),
                "paymentId": .string("the action-centre item, for an action on a failed payment"),
                "target": .string(
                    "what else the action was on: the account (reconcile, change_recipients), the proof's id "
                        + "(submit_proof), the dead letter's <topic>/<partition>@<offset> (replay_dead_letter)"),
                "outcome": .oneOf(
                    ["sent", "forbidden", "not_allowed", "failed"],
                    "sent: the signed command was published; forbidden: the user's roles do not allow it; "
                        + "not_allowed: the item's rules forbid it now; failed: publishing failed"),
                "commandEventId": .string("the event id of the command sent"),
                "note": .string("the note given with a dismissal"),
                "paymentMethod": .string("change_payment_method: the new method"),
                "reason": .string("why it was not sent"),
                "remoteAddress": .string("the client's address as the console saw it"),
            ],
            optional: ["paymentId", "target", "commandEventId", "note", "paymentMethod", "reason", "remoteAddress"]))

    public static let all = [action]
}

/// `console.action` v1: An action a console user took or tried.
public struct ConsoleAction: EventData, Equatable {
    public static var eventType: EventType { ConsoleEvents.action }

    public enum Action: String, SchemaEnum {
        case retryNow = "retry_now"
        case dismiss
        case changePaymentMethod = "change_payment_method"
        case renewPaymentPlan = "renew_payment_plan"
        case handOverToCollections = "hand_over_to_collections"
        case reconcile
        case changeRecipients = "change_recipients"
        case submitProof = "submit_proof"
        case replayDeadLetter = "replay_dead_letter"
    }

    public enum Outcome: String, SchemaEnum {
        case sent, forbidden
        case notAllowed = "not_allowed"
        case failed
    }

    public var actor: String
    public var roles: [String]
    public var action: Action
    public var paymentId: String?
    public var target: String?
    public var outcome: Outcome
    public var commandEventId: String?
    public var note: String?
    public var paymentMethod: String?
    public var reason: String?
    public var remoteAddress: String?

    public init(
        actor: String, roles: [String], action: Action, paymentId: String? = nil, target: String? = nil,
        outcome: Outcome,
        commandEventId: String? = nil, note: String? = nil, paymentMethod: String? = nil, reason: String? = nil,
        remoteAddress: String? = nil
    ) {
        self.actor = actor
        self.roles = roles
        self.action = action
        self.paymentId = paymentId
        self.target = target
        self.outcome = outcome
        self.commandEventId = commandEventId
        self.note = note
        self.paymentMethod = paymentMethod
        self.reason = reason
        self.remoteAddress = remoteAddress
    }
}
