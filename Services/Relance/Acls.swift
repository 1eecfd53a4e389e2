import ArgumentParser
import RelanceDomain
import RelanceEvents

// MARK: acls

struct AclsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acls",
        abstract: "Print the Kafka ACLs every Relance principal needs, from the topic catalog.",
        discussion: """
            One principal per worker (User:relance-<worker>), per outside party (billing-platform, \
            payment-gateway, …), the operators' relance command (relance-operator), the ticker \
            (relance-clock) and the topics Job (relance-admin). docs/kafka-acls.md is this output.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case kafkaAcls = "kafka-acls"
        case strimzi
        case markdown
    }

    @Option(help: "kafka-acls (kafka-acls.sh commands), strimzi (KafkaUser resources) or markdown.")
    var format = Format.kafkaAcls
    @Option(help: "With --format strimzi: the Kafka cluster's name (the strimzi.io/cluster label).")
    var cluster = "relance-kafka"
    @Option(help: "With --format strimzi: scram-sha-512, tls or tls-external.")
    var authentication = "scram-sha-512"

    func run() throws {
        switch format {
        case .kafkaAcls: print(KafkaACLs.kafkaACLsScript, terminator: "")
        case .strimzi: print(KafkaACLs.strimziUsers(cluster: cluster, authentication: authentication), terminator: "")
        case .markdown: print(KafkaACLs.markdown, terminator: "")
        }
    }
}
