import RelanceEvents

/// Who may write and read which topic, as Kafka ACLs: derived from `Catalog`'s writers and
/// readers, one principal per worker and per outside party. Printed by `relance acls` as
/// `kafka-acls.sh` commands or Strimzi `KafkaUser` resources; docs/kafka-acls.md is its output
/// (a test keeps it in step).
///
/// Commands are signed (docs/deploy.md, "Command keys"), but who may write a topic at all is a
/// broker matter: without ACLs, anyone who reaches the cluster can publish a payment or a
/// forged `relance-replay-for` header.
public enum KafkaACLs {
    /// The workers: each runs as principal `User:relance-<worker>`, in consumer groups named
    /// `relance-<worker>…` and with transactional ids `<worker>-<instance>`.
    public static let workers = [
        "payment-retry", "gateway-sandbox", "proof-validator", "reminder-mailer", "card-expiry", "reconciliation",
        "prepaid", "recovery-stats",
    ]

    static let clockTopic = "relance.clock"

    /// The changelogs of each worker (reminder-mailer runs a second runtime for its digest,
    /// recovery-stats three, for its figures by shard, by day and by week): what `relance topics` creates and the ACLs grant.
    public static func changelogs(of worker: String) -> [String] {
        switch worker {
        case "reminder-mailer": ["relance.reminder-mailer.changelog", "relance.reminder-mailer-digest.changelog"]
        case "recovery-stats":
            [
                "relance.recovery-stats.changelog", "relance.recovery-stats-figures.changelog",
                "relance.recovery-stats-days.changelog", "relance.recovery-stats-weeks.changelog",
            ]
        default: ["relance.\(worker).changelog"]
        }
    }

    public enum ResourceType: String, Sendable {
        case topic, group, transactionalId, cluster

        /// The name `kafka-acls.sh` gives it.
        var option: String {
            switch self {
            case .topic: "--topic"
            case .group: "--group"
            case .transactionalId: "--transactional-id"
            case .cluster: "--cluster"
            }
        }
    }

    public struct Grant: Sendable, Equatable {
        public var type: ResourceType
        public var name: String
        public var prefixed: Bool
        public var operations: [String]
    }

    public struct Principal: Sendable {
        /// Without `User:`.
        public var name: String
        public var summary: String
        public var grants: [Grant]
    }

    /// The principal names a `Catalog` writer or reader stands for.
    static func principals(for party: String) -> [String] {
        if party == Catalog.everyWorker { return workers.map { "relance-\($0)" } }
        let base = party.split(separator: " (").first.map(String.init) ?? party
        if workers.contains(base) { return ["relance-\(base)"] }
        switch base {
        case "relance clock": return ["relance-clock"]
        case "operators", "relance action-centre", "relance dead-letters", "relance dead-letters replay",
            "relance publish":
            return ["relance-operator"]
        default:
            let slug = base.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
            return [String(slug)]
        }
    }

    /// Every principal with its grants, workers first.
    public static var principals: [Principal] {
        var reads: [String: [String]] = [:]
        var writes: [String: [String]] = [:]
        func add(_ topic: String, _ parties: [String], to table: inout [String: [String]]) {
            for party in parties {
                for principal in principals(for: party) where !(table[principal]?.contains(topic) ?? false) {
                    table[principal, default: []].append(topic)
                }
            }
        }
        for topic in Catalog.topics where !topic.name.contains("<") {
            add(topic.name, topic.writers, to: &writes)
            add(topic.name, topic.readers, to: &reads)
        }
        // Replaying a dead letter writes it back to the topic it was read from: any topic a
        // worker reads, but the clock (a tick written by hand would move every worker's time).
        let replayable = Catalog.topics.filter { topic in
            !topic.name.contains("<") && topic.name != clockTopic
                && topic.readers.contains { party in
                    principals(for: party).contains {
                        $0.hasPrefix("relance-") && workers.contains(String($0.dropFirst(8)))
                    }
                }
        }
        Self.grant(replayable.map(\.name), to: "relance-operator", in: &writes)
        // The console replays dead letters too (its dead-letter page, for users with the
        // dead-letter-replay role).
        Self.grant(replayable.map(\.name), to: "relance-console", in: &writes)

        var result: [Principal] = []
        for worker in workers {
            let principal = "relance-\(worker)"
            var grants: [Grant] = []
            for topic in reads[principal, default: []] {
                grants.append(Grant(type: .topic, name: topic, prefixed: false, operations: ["Read", "Describe"]))
            }
            for topic in writes[principal, default: []] {
                grants.append(Grant(type: .topic, name: topic, prefixed: false, operations: ["Write", "Describe"]))
            }
            for changelog in changelogs(of: worker) {
                grants.append(
                    Grant(type: .topic, name: changelog, prefixed: false, operations: ["Read", "Write", "Describe"]))
            }
            grants += [
                Grant(type: .group, name: "relance-\(worker)", prefixed: true, operations: ["Read"]),
                Grant(type: .transactionalId, name: "\(worker)-", prefixed: true, operations: ["Write", "Describe"]),
                Grant(type: .cluster, name: "kafka-cluster", prefixed: false, operations: ["IdempotentWrite"]),
            ]
            result.append(
                Principal(
                    name: principal,
                    summary: "the \(worker) worker: its inputs, outputs, changelog, consumer groups and transactions",
                    grants: grants))
        }
        let others = Set(reads.keys).union(writes.keys).subtracting(workers.map { "relance-\($0)" }).sorted()
        for principal in others {
            var grants: [Grant] = []
            for topic in writes[principal, default: []] {
                grants.append(Grant(type: .topic, name: topic, prefixed: false, operations: ["Write", "Describe"]))
            }
            for topic in reads[principal, default: []] {
                grants.append(Grant(type: .topic, name: topic, prefixed: false, operations: ["Read", "Describe"]))
            }
            if !(reads[principal] ?? []).isEmpty {
                // Readers that follow a topic as a group (a dashboard, the billing platform).
                grants.append(Grant(type: .group, name: principal, prefixed: true, operations: ["Read"]))
            }
            result.append(Principal(name: principal, summary: summary(of: principal), grants: grants))
        }
        result.append(
            Principal(
                name: "relance-admin", summary: "`relance topics` (the Kubernetes topics Job): creates every topic",
                grants: [
                    Grant(type: .cluster, name: "kafka-cluster", prefixed: false, operations: ["Create", "Describe"]),
                    Grant(type: .topic, name: "relance.", prefixed: true, operations: ["Create", "Describe"]),
                ]))
        return result
    }

    private static func grant(_ topics: [String], to principal: String, in table: inout [String: [String]]) {
        for topic in topics where !(table[principal]?.contains(topic) ?? false) {
            table[principal, default: []].append(topic)
        }
    }

    static func summary(of principal: String) -> String {
        switch principal {
        case "relance-operator":
            "the `relance` command of operators (publish, tail, action-centre, dead-letters list and replay)"
        case "relance-clock": "`relance clock tick`, the production ticker"
        default: "outside party: \(principal.replacingOccurrences(of: "-", with: " "))"
        }
    }

    /// `kafka-acls.sh` commands, one per principal and resource.
    public static var kafkaACLsScript: String {
        var out = "#!/bin/sh\n# Relance's Kafka ACLs (generated from Catalog by `relance acls`).\n"
        out += "# BOOTSTRAP: the cluster; ADMIN_CONFIG: a client properties file of a principal that may alter ACLs.\n"
        out += "set -eu\n"
        for principal in principals {
            out += "\n# User:\(principal.name) — \(principal.summary)\n"
            for grant in principal.grants {
                var line =
                    "kafka-acls.sh --bootstrap-server \"$BOOTSTRAP\" --command-config \"$ADMIN_CONFIG\" --add "
                    + "--allow-principal User:\(principal.name)"
                for operation in grant.operations { line += " --operation \(operation)" }
                line += grant.type == .cluster ? " --cluster" : " \(grant.type.option) \(grant.name)"
                if grant.prefixed { line += " --resource-pattern-type prefixed" }
                out += line + "\n"
            }
        }
        return out
    }

    /// Strimzi `KafkaUser` resources (simple authorization), one per principal.
    public static func strimziUsers(cluster: String = "relance-kafka", authentication: String = "scram-sha-512")
        -> String
    {
        var out = "# Relance's Kafka users and ACLs for Strimzi (generated from Catalog by `relance acls`).\n"
        for principal in principals {
            out += "---\napiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaUser\nmetadata:\n"
            out += "  name: \(principal.name)\n  labels:\n    strimzi.io/cluster: \(cluster)\n"
            out +=
                "  annotations:\n    relance.dev/summary: \"\(principal.summary.replacingOccurrences(of: "\"", with: "'"))\"\n"
            out +=
                "spec:\n  authentication:\n    type: \(authentication)\n  authorization:\n    type: simple\n    acls:\n"
            for grant in principal.grants {
                out += "      - resource:\n          type: \(grant.type.rawValue)\n"
                if grant.type != .cluster {
                    out += "          name: \(grant.name)\n"
                    out += "          patternType: \(grant.prefixed ? "prefix" : "literal")\n"
                }
                out += "        operations: [\(grant.operations.joined(separator: ", "))]\n"
            }
        }
        return out
    }

    /// docs/kafka-acls.md.
    public static var markdown: String {
        var out = """
            # Kafka ACLs

            Generated from `Catalog` (who writes and who reads each topic) by `relance acls`; a test
            keeps this page in step (`RELANCE_WRITE_SCHEMAS=1 swift test --filter SchemaFiles`
            rewrites it). One principal per worker and per outside party; see docs/deploy.md,
            "Kafka ACLs", for how to apply them.

            | principal | topics written | topics read | other |
            |---|---|---|---|

            """
        for principal in principals {
            func topics(_ operation: String) -> String {
                let names = principal.grants.filter { $0.type == .topic && $0.operations.contains(operation) }
                    .map { "`\($0.name)\($0.prefixed ? "*" : "")`" }
                return names.isEmpty ? "" : names.joined(separator: ", ")
            }
            let other = principal.grants.filter { $0.type != .topic }.map { grant in
                grant.type == .cluster
                    ? "cluster: \(grant.operations.joined(separator: ", "))"
                    : "\(grant.type.rawValue) `\(grant.name)\(grant.prefixed ? "*" : "")`: "
                        + grant.operations.joined(separator: ", ")
            }
            let written = principal.name == "relance-admin" ? "creates `relance.*`" : topics("Write")
            out += "| `User:\(principal.name)` | \(written) | \(topics("Read")) | \(other.joined(separator: "; ")) |\n"
        }
        out += "\n## kafka-acls.sh\n\n```sh\n\(kafkaACLsScript)```\n\n## Strimzi\n\n```yaml\n\(strimziUsers())```\n"
        return out
    }
}
