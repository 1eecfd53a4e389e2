import Foundation
import RelanceDomain
import RelanceEvents
import RelanceMail
import RelanceRuntime

/// The daily digest: every transaction that failed in the last 24 hours, once a day, to the
/// merchant's billing contact and every admin who subscribed (seeds 001, 004). Its "accounts"
/// are merchants: reminder-mailer regroups failures by merchant on `relance.digest-items`.
public struct DigestWorker: Worker {
    public struct State: Codable, Sendable {
        public var items: [Item] = []
        /// Digests decided while the merchant had no digest recipients (nil when none): sent when
        /// the configuration names some (after a restart), given up after `recipientsWait`.
        public var held: [HeldEmail]?
    }

    public struct Item: Codable, Sendable, Equatable {
        public var line: DigestLine
        /// Clock milliseconds of the failure.
        public var at: Int64
    }

    public var name = "reminder-mailer-digest"
    public var inputTopics = [MailEvents.digestItemsTopic]
    public var outputTopics = [MailEvents.emailsTopic, MailEvents.emailLogTopic]
    public var merchants: [String: MerchantProfile]
    public var fallbackMerchant: MerchantProfile
    public var messageIDDomain: String
    /// The hour (UTC) the digest goes out.
    public var hour: Int
    /// How long a digest with no recipients waits for them (as reminder-mailer's emails do).
    public var recipientsWait: TimeInterval

    public init(
        merchants: [String: MerchantProfile] = [:],
        fallbackMerchant: MerchantProfile = ReminderMailerWorker().fallbackMerchant,
        messageIDDomain: String = "relance.localhost", hour: Int = 8,
        recipientsWait: TimeInterval = ReminderMailerWorker.defaultRecipientsWait
    ) {
        self.merchants = merchants
        self.fallbackMerchant = fallbackMerchant
        self.messageIDDomain = messageIDDomain
        self.hour = hour
        self.recipientsWait = recipientsWait
    }

    /// The merchant's digest: who from, to whom.
    func sender(_ merchantID: String) -> (Outbox.Sender, [MailAddress]) {
        let merchant = merchants[merchantID] ?? fallbackMerchant
        return (
            Outbox.Sender(merchant: merchant, locale: merchant.locale, customerName: nil, domain: messageIDDomain),
            merchant.digestRecipients.map { MailAddress($0) }
        )
    }

    /// Held digests go out once the merchant has digest recipients.
    func release(_ digest: inout State, context: inout WorkerContext) {
        guard digest.held != nil else { return }
        let recipients = sender(context.accountID).1
        Outbox.release(&digest.held, to: recipients, context: &context) { sender($0.merchantID).0 }
    }

    static let timer = "digest"
    static let day: Int64 = 86_400_000

    /// The first digest moment (the day's `hour`) strictly after `now`.
    func nextDigest(after now: Int64) -> Int64 {
        let today = now - ((now % Self.day) + Self.day) % Self.day + Int64(hour) * 3_600_000
        return today > now ? today : today + Self.day
    }

    public func handle(_ event: Event<DigestInput>, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        var digest = state ?? State()
        let now = Timestamp.milliseconds(context.now)
        switch event.data {
        case .digestItem(let item):
            digest.items.append(
                Item(
                    line: DigestLine(
                        customerName: item.customerName, date: item.failedOn, amount: item.amount,
                        currency: item.currency, transactionType: item.transactionType, paymentID: item.paymentId),
                    at: Timestamp.milliseconds(item.failedAt)))
        }
        release(&digest, context: &context)
        state = digest
        if context.timer(Self.timer) == nil {
            context.schedule(Self.timer, at: Timestamp.date(milliseconds: nextDigest(after: now)))
        }
    }

    public func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {
        guard var digest = state else { return }
        defer { state = digest }
        release(&digest, context: &context)
        if Outbox.expire(timer, &digest.held, context: &context, senderOf: { sender($0.merchantID).0 }) { return }
        let due = Timestamp.milliseconds(timer.dueAt)
        let lines = digest.items.filter { $0.at > due - Self.day && $0.at <= due }.map(\.line)
        digest.items.removeAll { $0.at <= due }
        let (from, recipients) = sender(context.accountID)
        let day = String(Timestamp.format(milliseconds: due).prefix(10))
        if !lines.isEmpty {
            Outbox.deliver(
                .dailyDigest(day: day, failures: lines), kind: "daily_digest",
                reason: "digest/\(context.accountID)/\(day)", to: recipients, sender: from,
                merchantID: context.accountID, held: &digest.held, wait: recipientsWait, input: nil,
                context: &context, senderOf: { sender($0.merchantID).0 })
        }
        if !digest.items.isEmpty {
            context.schedule(Self.timer, at: Timestamp.date(milliseconds: due + Self.day))
        }
    }
}

/// The events the digest reads, decoded: failed transactions regrouped by merchant.
public enum DigestInput: WorkerInput {
    case digestItem(DigestItem)

    public static var eventTypes: [EventType] { [MailEvents.digestItem] }

    public init(_ event: EventEnvelope) throws(EventDataError) {
        switch event.type {
        case "digest.item": self = .digestItem(try event.decode())
        default: throw EventDataError(path: "type", problem: "\"\(event.type)\" is not an event the digest reads")
        }
    }
}
