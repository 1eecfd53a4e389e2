import Foundation
import RelanceEvents
import RelanceKafka

/// One command event as a Kafka record, checked against its schema and signed: what `relance
/// command …` and the console send (docs/runtime.md, "Signed commands").
public struct SignedCommand: Sendable {
    public var event: EventEnvelope
    public var topic: String
    public var message: ProducerMessage

    /// A command of `type` for `account` of `merchant`, with a token of `signer` bound to its
    /// bytes and event id. Throws a `CommandFailure`-like description when the type is not a
    /// catalogued command, the data does not follow its schema, or the signer does not act for
    /// the merchant.
    public init(
        type: String, data: JSONValue, account: String, merchant: String, signer: CommandSigner, audience: String,
        lifetime: TimeInterval, eventID: String = UUID().uuidString.lowercased(), now: Date = Date()
    ) throws(SignedCommandError) {
        guard signer.merchants.contains("*") || signer.merchants.contains(merchant) else {
            throw SignedCommandError(
                "key \(signer.keyID) acts for \(signer.merchants.joined(separator: ", ")), not merchant \(merchant)")
        }
        guard let eventType = Catalog.eventTypes.last(where: { $0.name == type }),
            let topic = Catalog.topics.first(where: { $0.messages.contains(type) })?.name
        else { throw SignedCommandError("\(type) is not in the catalog") }
        do {
            try eventType.data.validate(data, path: "data")
        } catch {
            throw SignedCommandError(error.description)
        }
        let event = EventEnvelope(
            eventID: eventID, type: type, schemaVersion: eventType.version, occurredAt: now, accountID: account,
            merchantID: merchant, data: data)
        let value = event.jsonBytes
        let token = signer.token(for: value, eventID: eventID, audience: audience, now: now, lifetime: lifetime)
        self.event = event
        self.topic = topic
        self.message = ProducerMessage(
            topic: topic, key: Array(account.utf8), value: value,
            headers: [KafkaHeader(CommandHeaders.authorization, token)])
    }
}

/// Why a command could not be made.
public struct SignedCommandError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
