import Foundation

/// Every event type and topic of Relance: the source of the JSON Schemas in `schemas/` and
/// of the AsyncAPI document `docs/asyncapi.json` (a test keeps the files in step).
public enum Catalog {
    /// Event types in the Relance envelope, each version separately.
    public static let eventTypes: [EventType] =
        PaymentEvents.all + ProofEvents.all + MailEvents.all + CardEvents.all + ReconciliationEvents.all
        + PrepaidEvents.all + RecoveryEvents.all + ConsoleEvents.all

    /// The Swift type of each event type's `data` (`EventData`), in the order of `eventTypes`;
    /// a test checks that each follows its schema.
    public static let dataTypes: [any EventData.Type] =
        [
            PaymentFailed.self, PaymentSucceeded.self, CardReplaced.self, PaymentCommand.self, ChargeRequested.self,
            ActionItemUpdated.self, NotificationRequested.self, CollectionsHandedOver.self, CommandRefused.self,
            PlanPriceUpdateRequested.self, PlanPriceUpdateConfirmed.self, PlanPriceUpdate.self, DunningCommand.self,
        ] + [
            InvoiceIssued.self, InvoiceFeeAdded.self, AccountStatus.self, ProofSubmitted.self, ProofVerdictData.self,
        ] as [any EventData.Type] + [
            DigestItem.self, AccountProfileUpdated.self, AccountRecipientsChangeRequested.self, PaymentPending.self,
            EmailRequested.self, EmailSent.self, EmailFailed.self, SubscriptionRenewalUpcoming.self,
        ] + [CardSaved.self, CardRemoved.self, ScheduleUpdated.self, ExpiringCardUpdated.self] + [
            CreditNoteIssued.self, RefundIssued.self, PaymentReceived.self, InvoiceScheduleCovered.self,
            ReconciliationRequested.self, ReconcilableAccountUpdated.self, AllocationMade.self, InvoiceStatusData.self,
        ] + [
            PrepaidSettingsUpdated.self, UsageRecorded.self, FeeCharged.self, TopupRequested.self, BalanceUpdated.self,
        ] + [
            RecoveryFailureFact.self, RecoveryChurnFact.self, RecoveryPartialFigures.self, RecoveryDayFigures.self,
            RecoveryStatsUpdated.self,
        ] + [ConsoleAction.self]

    /// A topic, who writes it, who reads it, and what travels on it.
    public struct Topic: Sendable {
        public var name: String
        public var summary: String
        public var key: String
        public var compacted: Bool
        public var writers: [String]
        public var readers: [String]
        /// Event type names, or a schema file name for records outside the envelope.
        public var messages: [String]

        public init(
            _ name: String, summary: String, key: String, compacted: Bool = false, writers: [String], readers: [String],
            messages: [String]
        ) {
            self.name = name
            self.summary = summary
            self.key = key
            self.compacted = compacted
            self.writers = writers
            self.readers = readers
            self.messages = messages
        }
    }

    public static let everyWorker = "every worker"

    /// The event types that are commands: a worker acts on one only when it carries a token
    /// signed by a configured key whose claims give the role its rule needs, for the event's
    /// merchant (`relance publish --key` signs these). A new command type goes here.
    public static let commandTypes: Set<String> = [
        "payment.command", "plan.price-update-requested", "plan.price-update-confirmed",
        "account.recipients-change-requested", "reconciliation.requested", "dunning.command",
    ]

    public static let topics: [Topic] = [
        Topic(
            "relance.clock",
            summary: "Time. A ticker writes the current time to every partition (the wall clock in production, "
                + "simulated time in tests and the demo); a partition's clock is its latest tick.",
            key: "none", writers: ["relance clock (ticker)"], readers: [everyWorker], messages: ["clock-tick"]),
        Topic(
            "relance.dead-letters",
            summary: "Inputs a worker could not process, with the original bytes (card numbers masked), "
                + "the reason and where they came from; replayable to their source topic.",
            key: "the input's key", writers: [everyWorker],
            readers: ["operators", "relance dead-letters", "relance-console"],
            messages: ["dead-letter"]),
        Topic(
            "relance.replay-outcomes",
            summary: "What each worker did with a dead letter sent back to it: handled, already replayed, or "
                + "refused again; read by relance dead-letters replay to report on each one.",
            key: "the dead letter's position", writers: [everyWorker],
            readers: ["relance dead-letters replay", "relance-console"],
            messages: ["replay-outcome"]),
        Topic(
            PaymentEvents.paymentsTopic,
            summary: "Payment outcomes from the billing platform and the gateway, and card changes.",
            key: "account id",
            writers: [
                "billing platform", "payment gateway", "gateway-sandbox", "card-expiry",
                "payment-retry (payment.pending: a charge in flight)",
            ],
            readers: ["payment-retry", "proof-validator", "reminder-mailer", "reconciliation", "prepaid"],
            messages: ["payment.failed", "payment.succeeded", "payment.pending", "card.replaced"]),
        Topic(
            PaymentEvents.commandsTopic,
            summary: "Operators' and vendors' commands on failed payments and plans; customers' confirmations.",
            key: "account id",
            writers: ["operators (relance CLI, back office)", "relance-console", "billing platform"],
            readers: ["payment-retry"],
            messages: ["payment.command", "plan.price-update-requested", "plan.price-update-confirmed"]),
        Topic(
            PaymentEvents.dunningCommandsTopic,
            summary: "Operators' pauses, exclusions and resumptions of an account's dunning: no overdue notice, no "
                + "status escalation and no automatic retry while paused or excluded.",
            key: "account id", writers: ["operators (relance CLI, back office)"],
            readers: ["reminder-mailer", "payment-retry"], messages: ["dunning.command"]),
        Topic(
            PaymentEvents.planUpdatesTopic, summary: "Price changes of plans: pending, applied from a date, lapsed.",
            key: "account id", writers: ["payment-retry"],
            readers: ["billing platform", "reminder-mailer", "relance-console"], messages: ["plan.price-update"]),
        Topic(
            PaymentEvents.chargeRequestsTopic, summary: "Charges to make, each with its idempotency key.",
            key: "account id", writers: ["payment-retry", "prepaid"], readers: ["payment gateway", "gateway-sandbox"],
            messages: ["charge.requested"]),
        Topic(
            PaymentEvents.actionCentreTopic, summary: "Failed transactions as the action centre lists them.",
            key: "payment id", compacted: true, writers: ["payment-retry"],
            readers: ["relance action-centre", "relance-console", "dashboards"],
            messages: ["action-item.updated"]),
        Topic(
            RecoveryEvents.outcomesTopic,
            summary: "Action-centre items again, keyed by account: when an item opens and whenever its outcome "
                + "(resolution, loss reason) is set.",
            key: "account id", writers: ["payment-retry"], readers: ["recovery-stats"],
            messages: ["action-item.updated"]),
        Topic(
            RecoveryEvents.factsTopic,
            summary:
                "Where each failed payment stands, and accounts terminated for non-payment, regrouped by merchant, "
                + "currency, day and shard.",
            key: "merchant/currency/day/shard", writers: ["recovery-stats"], readers: ["recovery-stats (figures)"],
            messages: ["recovery.failure-fact", "recovery.churn-fact"]),
        Topic(
            RecoveryEvents.partialsTopic,
            summary: "One shard's recovery figures for one day, regrouped by merchant, currency and day.",
            key: "merchant/currency/day", writers: ["recovery-stats"], readers: ["recovery-stats (days)"],
            messages: ["recovery.partial-figures"]),
        Topic(
            RecoveryEvents.daysTopic,
            summary: "One day's recovery figures, every shard summed, regrouped by merchant, currency and ISO week.",
            key: "merchant/currency/week", writers: ["recovery-stats"], readers: ["recovery-stats (weeks)"],
            messages: ["recovery.day-figures"]),
        Topic(
            RecoveryEvents.statsTopic,
            summary: "Recovery figures per merchant, currency and day or ISO week of first failure.",
            key: "merchant/currency/day or merchant/currency/week", compacted: true, writers: ["recovery-stats"],
            readers: ["operators", "dashboards", "relance-console"], messages: ["recovery-stats.updated"]),
        Topic(
            PaymentEvents.notificationsTopic, summary: "Emails to send to customers and vendors.",
            key: "account id", writers: ["payment-retry", "card-expiry", "prepaid"],
            readers: ["reminder-mailer", "relance-console"],
            messages: ["notification.requested"]),
        Topic(
            PaymentEvents.collectionsTopic,
            summary:
                "Debts handed over to collections: a payment whose retries ran out, an invoice dunning's final action hands over.",
            key: "account id", writers: ["payment-retry", "reminder-mailer"], readers: ["collections partner"],
            messages: ["collections.handed-over"]),
        Topic(
            PaymentEvents.commandResultsTopic, summary: "Commands refused, with the reason.",
            key: "account id", writers: ["payment-retry", "reminder-mailer", "reconciliation", "prepaid"],
            readers: ["operators", "relance-console"],
            messages: ["command.refused"]),
        Topic(
            ProofEvents.invoicesTopic,
            summary: "Invoices as the billing platform issues them, and the late fees dunning adds to them.",
            key: "account id",
            writers: ["billing platform", "prepaid (top-up invoices)", "reminder-mailer (late fees)"],
            readers: ["proof-validator", "reminder-mailer", "reconciliation", "relance-console"],
            messages: ["invoice.issued", "invoice.fee-added"]),
        Topic(
            ProofEvents.accountStatusTopic,
            summary: "Each account's status: past due (the banner), suspended, and how dunning ended (terminated, "
                + "cancelled, in collections, written off), reactivated.",
            key: "account id", compacted: true, writers: ["reminder-mailer"],
            readers: ["proof-validator", "payment-retry", "recovery-stats", "dashboards", "relance-console"],
            messages: ["account.status"]),
        Topic(
            ProofEvents.proofsTopic,
            summary: "Proofs of payment customers submit: typed fields, bank documents, or both.",
            key: "account id", writers: ["support tools", "customer portal", "relance publish", "relance-console"],
            readers: ["proof-validator", "relance-console"], messages: ["proof.submitted"]),
        Topic(
            ProofEvents.verdictsTopic,
            summary: "Verdicts on proofs: accepted with the invoices paid, rejected with every reason, or to review.",
            key: "account id", writers: ["proof-validator"],
            readers: ["reconciliation", "reminder-mailer", "support tools", "relance-console"],
            messages: ["proof.verdict"]),
        Topic(
            MailEvents.accountsTopic,
            summary:
                "Customer details (name, language), invoice-recipient changes with the actor who asks, and "
                + "subscriptions' upcoming renewals.",
            key: "account id", writers: ["billing platform", "operators", "relance-console"],
            readers: ["reminder-mailer", "relance-console"],
            messages: [
                "account.profile-updated", "account.recipients-change-requested", "subscription.renewal-upcoming",
            ]),
        Topic(
            CardEvents.cardsTopic, summary: "Saved cards (never their numbers) and the scheduled payments they pay.",
            key: "account id", writers: ["billing platform"], readers: ["card-expiry"],
            messages: ["card.saved", "card.removed", "schedule.updated"]),
        Topic(
            CardEvents.expiringCardsTopic,
            summary: "The expiring-cards list: cards in the wallet that pay a scheduled payment and expire next month.",
            key: "account id/card id", compacted: true, writers: ["card-expiry"],
            readers: ["relance action-centre", "dashboards", "relance-console"], messages: ["expiring-card.updated"]),
        Topic(
            ReconciliationEvents.ledgerTopic,
            summary: "Credit notes, refunds, payments received outside the gateway, and invoices a scheduled "
                + "payment will pay.",
            key: "account id", writers: ["billing platform"], readers: ["reconciliation", "prepaid"],
            messages: ["credit-note.issued", "refund.issued", "payment.received", "invoice.schedule-covered"]),
        Topic(
            ReconciliationEvents.commandsTopic, summary: "Reconcile an account now, with the actor who asks.",
            key: "account id", writers: ["operators (relance CLI, back office)", "relance-console"],
            readers: ["reconciliation"], messages: ["reconciliation.requested"]),
        Topic(
            ReconciliationEvents.reconcilableAccountsTopic,
            summary: "The reconcilable-accounts list: accounts with an unreconciled debit and an unreconciled credit "
                + "in one currency, with their open items; sort by sortKey.",
            key: "account id", compacted: true, writers: ["reconciliation"],
            readers: ["relance action-centre", "relance-console", "dashboards"],
            messages: ["reconcilable-account.updated"]),
        Topic(
            ReconciliationEvents.allocationsTopic, summary: "Every allocation of a credit to a debit.",
            key: "account id", writers: ["reconciliation"],
            readers: ["reminder-mailer", "relance-console", "accounting exports"],
            messages: ["allocation.made"]),
        Topic(
            ReconciliationEvents.invoiceStatusTopic, summary: "Each invoice's status: open, partially paid, paid.",
            key: "account id/invoice id", compacted: true, writers: ["reconciliation"],
            readers: ["billing platform", "dashboards", "relance-console"], messages: ["invoice.status"]),
        Topic(
            PrepaidEvents.prepaidTopic,
            summary: "Prepaid accounts: balance-management settings, usage and fees to deduct, top-ups asked for.",
            key: "account id", writers: ["billing platform", "usage metering"], readers: ["prepaid"],
            messages: ["prepaid.settings-updated", "usage.recorded", "fee.charged", "topup.requested"]),
        Topic(
            PrepaidEvents.balancesTopic, summary: "Each prepaid account's balance.", key: "account id",
            compacted: true, writers: ["prepaid"], readers: ["dashboards", "billing platform"],
            messages: ["balance.updated"]),
        Topic(
            MailEvents.digestItemsTopic,
            summary: "Failed transactions regrouped by merchant for the daily digest.",
            key: "merchant id", writers: ["reminder-mailer"], readers: ["reminder-mailer (digest)"],
            messages: ["digest.item"]),
        Topic(
            MailEvents.emailsTopic,
            summary: "The email outbox: each email reminder-mailer decided to send, written in the same transaction "
                + "as the decision; its delivery loop sends them.",
            key: "account id", writers: ["reminder-mailer"], readers: ["reminder-mailer (delivery)"],
            messages: ["email.requested"]),
        Topic(
            MailEvents.emailLogTopic, summary: "Every email sent or given up: who, what, why, Message-ID.",
            key: "Message-ID", writers: ["reminder-mailer (delivery)"],
            readers: ["reminder-mailer (delivery, on start)", "support tools", "relance-console"],
            messages: ["email.sent", "email.failed"]),
        Topic(
            ConsoleEvents.auditTopic,
            summary: "Every action a console user took or tried: who, what, when, on which item, and the outcome.",
            key: "account id", writers: ["relance-console"], readers: ["operators", "auditors"],
            messages: ["console.action"]),
        Topic(
            "relance.<worker>.changelog",
            summary: "A worker's state per account and its per-partition checkpoints, written in the same "
                + "transaction as its outputs (binary account records; see docs/runtime.md).",
            key: "a:<account id> or c: (checkpoint)", compacted: true, writers: ["its worker"],
            readers: ["its worker (restore)"], messages: []),
    ]

    // MARK: Records outside the envelope

    /// `{"type": "clock.tick", "now": "2026-11-21T10:00:00.000Z"}`
    public static let clockTick = JSONSchema.object(
        ["type": .oneOf(["clock.tick"]), "now": .timestamp("the time, UTC")],
        optional: ["type"], description: "A clock tick: the time for every worker reading this partition.")

    public static let deadLetter: JSONSchema = {
        let base64 = JSONSchema.string("base64 bytes", minLength: 0)
        return .object(
            [
                "reason": .object(
                    ["code": .string("stable reason code"), "message": .string("what is wrong and where")]),
                "source": .object(
                    [
                        "topic": .string(), "partition": .integer(minimum: 0),
                        "offset": .integer(minimum: 0),
                    ]),
                "key": base64, "value": base64,
                "headers": .array(of: .object(["key": .string(minLength: 0), "value": base64], optional: ["value"])),
                "worker": .string("the worker that refused it"), "failedAt": .timestamp(),
                "redacted": .boolean("true when card numbers were masked in key, value or headers"),
            ], optional: ["key", "value"], description: "An input a worker could not process.")
    }()

    public static let replayOutcome: JSONSchema = .object(
        [
            "deadLetter": .string("the dead letter replayed: <topic>/<partition>@<offset>"),
            "origin": .string("the first dead letter of the replayed content, when another"),
            "worker": .string("the worker that read the replayed record"),
            "eventId": .string("the event's id, when the record could be read as an event"),
            "result": .oneOf(ReplayOutcome.Result.allCases.map(\.rawValue)),
            "reason": .object(["code": .string("stable reason code"), "message": .string("what is wrong and where")]),
            "at": .timestamp(),
        ], optional: ["origin", "eventId", "reason"],
        description: "What a worker did with a replayed dead letter.")

    /// Schema files: `schemas/<path>` → document.
    public static var schemaFiles: [(path: String, document: JSONValue)] {
        func standalone(_ name: String, _ schema: JSONSchema) -> JSONValue {
            guard case .object(let members) = schema.document else { return schema.document }
            return .object(
                [
                    ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
                    ("$id", .string("https://relance.dev/schemas/\(name)")),
                ] + members)
        }
        return [
            ("envelope.schema.json", standalone("envelope.schema.json", EventEnvelope.schema(data: .anyObject))),
            ("clock-tick.schema.json", standalone("clock-tick.schema.json", clockTick)),
            ("dead-letter.schema.json", standalone("dead-letter.schema.json", deadLetter)),
            ("replay-outcome.schema.json", standalone("replay-outcome.schema.json", replayOutcome)),
        ] + eventTypes.map { ("events/\($0.fileName)", $0.schemaDocument) }
    }

    /// The file under `schemas/` that describes what a topic carries: an event type's latest
    /// version, or a record outside the envelope (`clock-tick`, `dead-letter`).
    public static func schemaFile(for message: String) -> String {
        eventTypes.last(where: { $0.name == message }).map { "events/\($0.fileName)" } ?? "\(message).schema.json"
    }

    /// The AsyncAPI 3.0 document of every topic.
    public static var asyncAPI: JSONValue {
        var channels: [(key: String, value: JSONValue)] = []
        var operations: [(key: String, value: JSONValue)] = []
        var messages: [(key: String, value: JSONValue)] = []
        var described: Set<String> = []
        func messageID(_ name: String) -> String { name.replacingOccurrences(of: ".", with: "-") }
        for topic in topics {
            let channel = messageID(topic.name.replacingOccurrences(of: "<worker>", with: "worker"))
            var channelMembers: [(key: String, value: JSONValue)] = [
                ("address", .string(topic.name)), ("description", .string(topic.summary)),
            ]
            channelMembers.append(
                (
                    "messages",
                    .object(
                        topic.messages.map {
                            (messageID($0), .object(["$ref": .string("#/components/messages/\(messageID($0))")]))
                        })
                ))
            var kafka: [(key: String, value: JSONValue)] = [("topic", .string(topic.name))]
            if topic.compacted {
                kafka.append(("topicConfiguration", .object(["cleanup.policy": .array([.string("compact")])])))
            }
            kafka.append(("bindingVersion", .string("0.5.0")))
            channelMembers.append(("bindings", .object(["kafka": .object(kafka)])))
            channelMembers.append(("x-key", .string(topic.key)))
            channels.append((channel, .object(channelMembers)))
            for (action, parties) in [("send", topic.writers), ("receive", topic.readers)] {
                for party in parties {
                    operations.append(
                        (
                            "\(messageID(party.replacingOccurrences(of: " ", with: "-")))-\(action)s-\(channel)",
                            .object([
                                "action": .string(action),
                                "channel": .object(["$ref": .string("#/channels/\(channel)")]),
                                "summary": .string("\(party) \(action == "send" ? "writes" : "reads") \(topic.name)"),
                            ])
                        ))
                }
            }
            for message in topic.messages where !described.contains(message) {
                described.insert(message)
                let file = schemaFile(for: message)
                messages.append(
                    (
                        messageID(message),
                        .object([
                            "name": .string(message), "contentType": .string("application/json"),
                            "payload": .object(["$ref": .string("../schemas/\(file)")]),
                        ])
                    ))
            }
        }
        return .object([
            "asyncapi": .string("3.0.0"),
            "info": .object([
                "title": .string("Relance"), "version": .string("0.1.0"),
                "description": .string(
                    "Topics of Relance, the failed and overdue payment recovery workers. Events use the envelope in "
                        + "schemas/envelope.schema.json, keyed by account id."),
            ]),
            "defaultContentType": .string("application/json"),
            "channels": .object(channels),
            "operations": .object(operations),
            "components": .object(["messages": .object(messages)]),
        ])
    }
}
