import Foundation
import RelanceDomain
import RelanceMail
import RelanceRuntime

/// The daily digest: every transaction that failed in the last 24 hours, once a day, to the
/// merchant's billing contact and every admin who subscribed (seeds 001, 004). Its "accounts"
/// are merchants: reminder-mailer regroups failures by merchant on `relance.digest-items`.
public struct DigestWorker: Worker {
    public struct State: Codable, Sendable {
        public var items: [Item] = []
    }

    public struct Item: Codable, Sendable, Equatable {
        public var line: DigestLine
        /// Clock milliseconds of the failure.
        public var at: Int64
    }

    public var name = "reminder-mailer-digest"
    public var inputTopics = [MailEvents.digestItemsTopic]
    public var outputTopics = [MailEvents.emailsTopic, MailEvents.emailLogTopic]
    public var eventTypes = [MailEvents.digestItem]
    public var merchants: [String: MerchantProfile]
    public var fallbackMerchant: MerchantProfile
    public var messageIDDomain: String
    /// The hour (UTC) the digest goes out.
    public var hour: Int

    public init(
        merchants: [String: MerchantProfile] = [:],
        fallbackMerchant: MerchantProfile = ReminderMailerWorker().fallbackMerchant,
        messageIDDomain: String = "relance.localhost", hour: Int = 8
    ) {
        self.merchants = merchants
        self.fallbackMerchant = fallbackMerchant
        self.messageIDDomain = messageIDDomain
        self.hour = hour
    }

    static let timer = "digest"
    static let day: Int64 = 86_400_000

    /// The first digest moment (the day's `hour`) strictly after `now`.
    func nextDigest(after now: Int64) -> Int64 {
        let today = now - ((now % Self.day) + Self.day) % Self.day + Int64(hour) * 3_600_000
        return today > now ? today : today + Self.day
    }

    public func handle(_ event: EventEnvelope, state: inout State?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        var digest = state ?? State()
        let data = event.data
        let now = Timestamp.milliseconds(context.now)
        digest.items.append(
            Item(
                line: DigestLine(
                    customerName: data["customerName"]!.stringValue!, date: data["failedOn"]!.stringValue!,
                    amount: data["amount"]!.integerValue!, currency: data["currency"]!.stringValue!,
                    transactionType: data["transactionType"]!.stringValue!, paymentID: data["paymentId"]!.stringValue!),
                at: Timestamp.parseMilliseconds(data["failedAt"]!.stringValue!) ?? now))
        state = digest
        if context.timer(Self.timer) == nil {
            context.schedule(Self.timer, at: Timestamp.date(milliseconds: nextDigest(after: now)))
        }
    }

    public func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {
        guard var digest = state else { return }
        let due = Timestamp.milliseconds(timer.dueAt)
        let lines = digest.items.filter { $0.at > due - Self.day && $0.at <= due }.map(\.line)
        digest.items.removeAll { $0.at <= due }
        state = digest
        let merchant = merchants[context.accountID] ?? fallbackMerchant
        let day = String(Timestamp.format(milliseconds: due).prefix(10))
        if !lines.isEmpty {
            Outbox.send(
                .dailyDigest(day: day, failures: lines), kind: "daily_digest",
                reason: "digest/\(context.accountID)/\(day)",
                to: merchant.digestRecipients.map { MailAddress($0) }, merchant: merchant, locale: merchant.locale,
                customerName: nil, domain: messageIDDomain, context: &context)
        }
        if !digest.items.isEmpty {
            context.schedule(Self.timer, at: Timestamp.date(milliseconds: due + Self.day))
        }
    }
}
