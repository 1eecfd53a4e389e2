import RelanceEvents
import Testing

@testable import RelanceDomain

@Suite("Kafka ACLs from the catalog")
struct KafkaACLsTests {
    static let principals = Dictionary(uniqueKeysWithValues: KafkaACLs.principals.map { ($0.name, $0) })

    static func topics(_ principal: String, _ operation: String) -> Set<String> {
        Set(
            principals[principal]?.grants.filter { $0.type == .topic && $0.operations.contains(operation) }
                .map(\.name) ?? [])
    }

    @Test("every worker reads the clock, writes dead letters, replay outcomes and its changelog, in its own groups")
    func workers() throws {
        for worker in KafkaACLs.workers {
            let name = "relance-\(worker)"
            let principal = try #require(Self.principals[name], "\(name)")
            #expect(Self.topics(name, "Read").contains("relance.clock"))
            #expect(
                Self.topics(name, "Write").isSuperset(of: [
                    "relance.dead-letters", "relance.replay-outcomes", "relance.\(worker).changelog",
                ]))
            #expect(
                principal.grants.contains {
                    $0.type == .transactionalId && $0.name == "\(worker)-" && $0.prefixed
                        && $0.operations == ["Write", "Describe"]
                })
            #expect(principal.grants.contains { $0.type == .group && $0.name == name && $0.prefixed })
        }
        #expect(Self.topics("relance-reminder-mailer", "Write").contains("relance.reminder-mailer-digest.changelog"))
        #expect(
            Self.topics("relance-payment-retry", "Read").isSuperset(of: [
                "relance.payments", "relance.payment-commands",
            ]))
    }

    @Test(
        "only the ticker writes the clock; only payment-retry and prepaid ask for charges; the gateway cannot command")
    func writers() {
        let writersOfClock = Self.principals.keys.filter { Self.topics($0, "Write").contains("relance.clock") }
        #expect(writersOfClock == ["relance-clock"])
        let chargers = Set(Self.principals.keys.filter { Self.topics($0, "Write").contains("relance.charge-requests") })
        // The operator's CLI and the console replay dead letters to the topics workers read.
        #expect(chargers == ["relance-payment-retry", "relance-prepaid", "relance-operator", "relance-console"])
        #expect(
            Self.topics("relance-console", "Write").isSuperset(of: ["relance.payments", "relance.payment-commands"]))
        #expect(!Self.topics("relance-console", "Write").contains("relance.clock"))
        #expect(
            Self.topics("relance-console", "Read").isSuperset(of: [
                "relance.dead-letters", "relance.replay-outcomes", "relance.recovery-stats", "relance.plan-updates",
            ]))
        #expect(!Self.topics("payment-gateway", "Write").contains("relance.payment-commands"))
        #expect(Self.topics("payment-gateway", "Write") == ["relance.payments"])
        #expect(
            Self.topics("relance-operator", "Write").isSuperset(of: ["relance.payment-commands", "relance.ledger"]))
    }

    @Test("the kafka-acls.sh script and the Strimzi users say the same grants")
    func outputs() {
        let script = KafkaACLs.kafkaACLsScript
        #expect(
            script.contains(
                "--allow-principal User:relance-payment-retry --operation Write --operation Describe "
                    + "--transactional-id payment-retry- --resource-pattern-type prefixed"))
        #expect(
            script.contains(
                "--allow-principal User:relance-clock --operation Write --operation Describe --topic relance.clock\n"))
        let lines = script.split(separator: "\n").filter { $0.hasPrefix("kafka-acls.sh") }
        #expect(lines.count == KafkaACLs.principals.reduce(0) { $0 + $1.grants.count })
        let yaml = KafkaACLs.strimziUsers(cluster: "prod")
        #expect(yaml.components(separatedBy: "kind: KafkaUser").count - 1 == KafkaACLs.principals.count)
        #expect(yaml.contains("  name: relance-reconciliation\n  labels:\n    strimzi.io/cluster: prod\n"))
        #expect(yaml.components(separatedBy: "      - resource:").count - 1 == lines.count)
    }
}
