import Foundation
import RelanceKafka
import Testing

/// `KafkaConfiguration.fromEnvironment`: the one reading of the Kafka settings, for the workers
/// and the `relance` command.
@Suite("Kafka settings from the environment and options")
struct KafkaEnvironmentTests {
    @Test("variables become librdkafka properties; options replace them; the bootstrap option wins")
    func reading() throws {
        let defaults = try KafkaConfiguration.fromEnvironment([:])
        #expect(defaults.bootstrapServers == "localhost:9092" && defaults.properties.isEmpty)

        let environment = [
            "RELANCE_KAFKA_BOOTSTRAP": "k1:9093, k2:9093",
            "RELANCE_KAFKA_PROP_SECURITY_PROTOCOL": "sasl_ssl",
            "RELANCE_KAFKA_PROP_SASL_MECHANISM": "SCRAM-SHA-512",
            "RELANCE_KAFKA_PROP_SASL_USERNAME": "relance-payment-retry",
            "RELANCE_KAFKA_PROP_LOG__LEVEL": "4",
            "RELANCE_KAFKA_PROPERTIES": "not one of ours", "PATH": "/usr/bin",
        ]
        let read = try KafkaConfiguration.fromEnvironment(environment)
        #expect(read.bootstrapServers == "k1:9093,k2:9093")
        #expect(
            read.properties == [
                "security.protocol": "sasl_ssl", "sasl.mechanism": "SCRAM-SHA-512",
                "sasl.username": "relance-payment-retry", "log_level": "4",
            ])

        let overridden = try KafkaConfiguration.fromEnvironment(
            environment, bootstrap: "k3:9093",
            overrides: ["sasl.mechanism=PLAIN", "client.id=ops", "sasl.password=a=b=c"])
        #expect(overridden.bootstrapServers == "k3:9093")
        #expect(overridden.properties["sasl.mechanism"] == "PLAIN")
        #expect(overridden.properties["client.id"] == "ops")
        #expect(overridden.properties["sasl.password"] == "a=b=c", "only the first = separates")
        #expect(overridden.properties["security.protocol"] == "sasl_ssl")

        #expect(KafkaConfiguration.propertyName(forVariable: "RELANCE_KAFKA_PROP_SSL_CA_LOCATION") == "ssl.ca.location")
        #expect(KafkaConfiguration.propertyName(forVariable: "RELANCE_KAFKA_BOOTSTRAP") == nil)
    }

    @Test("a bad setting names its variable or option, and never shows a secret")
    func bad() {
        let cases: [(environment: [String: String], bootstrap: String?, overrides: [String], named: String)] = [
            (["RELANCE_KAFKA_BOOTSTRAP": ""], nil, [], "RELANCE_KAFKA_BOOTSTRAP=: expected host:port"),
            (["RELANCE_KAFKA_BOOTSTRAP": "k1:9092,,k2:9092"], nil, [], "RELANCE_KAFKA_BOOTSTRAP=k1:9092,,k2:9092"),
            (["RELANCE_KAFKA_BOOTSTRAP": "kafka:ninety"], nil, [], "kafka:ninety: the port must be a number"),
            ([:], "kafka:0", [], "--bootstrap=kafka:0"),
            (["RELANCE_KAFKA_PROP_": "x"], nil, [], "RELANCE_KAFKA_PROP_=x: no librdkafka property named"),
            (
                ["RELANCE_KAFKA_PROP_SECURITY_PROTOCOL": "tls"], nil, [],
                "RELANCE_KAFKA_PROP_SECURITY_PROTOCOL=tls: Invalid value \"tls\""
            ),
            (["RELANCE_KAFKA_PROP_NO_SUCH_THING": "1"], nil, [], "librdkafka has no property \"no.such.thing\""),
            (
                ["RELANCE_KAFKA_PROP_SSL_CA_LOCATION": "/nonexistent/ca.pem"], nil, [],
                "RELANCE_KAFKA_PROP_SSL_CA_LOCATION=/nonexistent/ca.pem: no readable file at /nonexistent/ca.pem"
            ),
            ([:], nil, ["security.protocol"], "--kafka-property: expected name=value"),
            ([:], nil, ["=ssl"], "--kafka-property: expected name=value"),
            ([:], nil, ["socket.timeout.ms=soon"], "--kafka-property socket.timeout.ms=soon: Invalid value"),
            ([:], nil, ["ssl.key.location=/nonexistent/key.pem"], "--kafka-property ssl.key.location="),
        ]
        for (environment, bootstrap, overrides, named) in cases {
            #expect(throws: KafkaConfiguration.InvalidSetting.self, "\(environment) \(overrides)") {
                _ = try KafkaConfiguration.fromEnvironment(environment, bootstrap: bootstrap, overrides: overrides)
            }
            do {
                _ = try KafkaConfiguration.fromEnvironment(environment, bootstrap: bootstrap, overrides: overrides)
            } catch {
                #expect(error.description.contains(named), "\(error.description)")
                #expect(error.isOption == (bootstrap != nil || !overrides.isEmpty))
            }
        }

        // A secret refused by librdkafka (an empty-valued, unknown or misspelt one) is named, never shown.
        let secret = "hunter2-\(UInt32.random(in: 0...UInt32.max))"
        for (environment, overrides) in [
            (["RELANCE_KAFKA_PROP_SASL_PASSWORD_X": secret], [String]()),
            ([:], ["sasl.passwrd.secret=\(secret)"]),
            ([:], ["ssl.keystore.password"]),  // no "=": the whole text may be the secret
            ([:], [secret]),
        ] {
            do {
                _ = try KafkaConfiguration.fromEnvironment(environment, overrides: overrides)
                Issue.record("\(environment) \(overrides) accepted")
            } catch {
                #expect(!error.description.contains(secret), "\(error.description)")
                #expect(!error.given.contains(secret))
            }
        }
    }

    @Test("the description, debug description and mirror hide every secret")
    func redaction() throws {
        let secrets = ["sasl-pw-1", "key-pw-2", "keystore-pw-3", "oauth-secret-4", "PRIVATE-KEY-5"]
        var configuration = try KafkaConfiguration.fromEnvironment(
            [
                "RELANCE_KAFKA_BOOTSTRAP": "kafka:9093", "RELANCE_KAFKA_PROP_SECURITY_PROTOCOL": "sasl_ssl",
                "RELANCE_KAFKA_PROP_SASL_USERNAME": "relance-clock", "RELANCE_KAFKA_PROP_SASL_PASSWORD": secrets[0],
                "RELANCE_KAFKA_PROP_SSL_KEY_PASSWORD": secrets[1],
            ],
            overrides: [
                "ssl.keystore.password=\(secrets[2])", "sasl.oauthbearer.config=principal=relance secret=\(secrets[3])",
                "ssl.key.pem=\(secrets[4])",
            ])
        configuration.sasl = .init(mechanism: .scramSHA512, username: "relance-clock", password: secrets[0])
        configuration.tls = .init(caLocation: "/etc/relance/kafka/ca.crt", keyPassword: secrets[1])
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in [
            configuration.description, String(describing: configuration), String(reflecting: configuration),
            "\(configuration)", dumped, "\(configuration.sasl!)", String(reflecting: configuration.sasl!),
            "\(configuration.tls!)", String(reflecting: configuration.tls!),
        ] {
            for secret in secrets { #expect(!text.contains(secret), "\(text)") }
        }
        let description = configuration.description
        #expect(description.contains("bootstrap.servers=kafka:9093"))
        #expect(description.contains("security.protocol=sasl_ssl"))
        #expect(description.contains("sasl.username=relance-clock"))
        #expect(description.contains("ssl.ca.location=/etc/relance/kafka/ca.crt"))
        for name in [
            "sasl.password", "ssl.key.password", "ssl.keystore.password", "sasl.oauthbearer.config",
            "ssl.key.pem",
        ] {
            #expect(description.contains("\(name)=(hidden)"), "\(name) in \(description)")
        }
        // One entry per property, as applied: `properties` replaces a typed field's value.
        #expect(configuration.redactedProperties.filter { $0.name == "sasl.password" }.count == 1)
        #expect(KafkaConfiguration.isSecret("sasl.oauthbearer.assertion.private.key.passphrase"))
        #expect(!KafkaConfiguration.isSecret("ssl.ca.location") && !KafkaConfiguration.isSecret("sasl.username"))
    }
}
