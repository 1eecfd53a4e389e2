import ConsoleService
import Foundation
import Logging
import RelanceEvents
import RelanceKafka
import RelanceTestSupport
import Testing

@Suite("relance-console's topic follower on the mock cluster", .serialized)
struct ConsoleFollowerTests {
    @Test("a topic that does not exist yet keeps no page from loading, and is followed once it does")
    func lateTopic() async throws {
        let cluster = try MockCluster(brokers: 1)
        try await cluster.createTopic(PaymentEvents.actionCentreTopic, partitions: 2)
        try await cluster.createTopic(PaymentEvents.commandResultsTopic, partitions: 1)
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        var producerConfiguration = ProducerConfiguration(kafka: kafka)
        producerConfiguration.lingerMilliseconds = 1
        let producer = try KafkaProducer(configuration: producerConfiguration)
        _ = try await producer.send(
            ProducerMessage(
                topic: PaymentEvents.actionCentreTopic, key: Array("p1".utf8), value: itemRecord(payment: "p1")))
        let items = ActionCentreView()
        let cards = ExpiringCardsView()
        var logger = Logger(label: "console-test")
        logger.logLevel = .error
        var follower = TopicFollower(kafka: kafka, feeds: [items, cards], logger: logger)
        follower.retryDelay = .milliseconds(100)
        follower.initialAttempts = 2
        follower.lateTopicInterval = .milliseconds(300)
        let running = Task { [follower] in try await follower.run() }
        defer { running.cancel() }

        // relance.expiring-cards does not exist: the action centre loads all the same.
        try await waitUntil("the action centre is loaded") { items.isLoaded && cards.isLoaded }
        #expect(items.item(merchant: "m-1", payment: "p1")?.state == "open")
        #expect(cards.cards(merchants: nil).isEmpty)

        // card-expiry starts later and creates its topic: the follower picks it up from its start,
        // and the items go on from where they were.
        try await cluster.createTopic(CardEvents.expiringCardsTopic, partitions: 2)
        let card = JSONValue.object([
            ("eventId", .string("c1")), ("type", .string("expiring-card.updated")), ("schemaVersion", .number("1")),
            ("occurredAt", .string("2026-10-01T08:30:00.000Z")), ("accountId", .string("acct-1")),
            ("merchantId", .string("m-1")),
            (
                "data",
                .object([
                    ("cardId", .string("card-1")), ("brand", .string("visa")), ("last4", .string("4242")),
                    ("expMonth", .number("11")), ("expYear", .number("2026")), ("listed", .bool(true)),
                    ("schedules", .array([.string("sch-1")])),
                ])
            ),
        ])
        _ = try await producer.send(
            ProducerMessage(
                topic: CardEvents.expiringCardsTopic, key: Array("acct-1/card-1".utf8), value: card.jsonBytes))
        _ = try await producer.send(
            ProducerMessage(
                topic: PaymentEvents.actionCentreTopic, key: Array("p2".utf8), value: itemRecord(payment: "p2")))
        try await waitUntil("the card and the new item are seen") {
            cards.cards(merchants: nil).map(\.cardID) == ["card-1"] && items.item(merchant: "m-1", payment: "p2") != nil
        }
        #expect(items.itemCount == 2)
        #expect(items.recordCount == 2, "the earlier item was not read twice when the assignment changed")
    }
}
