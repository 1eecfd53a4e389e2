import Foundation
import Logging
import RelanceKafka
import RelanceRuntime
import ServiceLifecycle

/// The `main` of relance-console: configuration from the environment, the users file, the
/// signing key, then the topic follower and the HTTP server in one `ServiceGroup` that SIGTERM
/// and SIGINT shut down gracefully.
public enum ConsoleMain {
    public static let help = """
        relance-console: the web console of the action centre (docs/console.md).

        USAGE: relance-console                     run, configured by the environment
               relance-console hash-password [--log-n N]
                                                   read a password on standard input, print its
                                                   scrypt hash for the users file (N = 2^15 default)
               relance-console --help

        ENVIRONMENT:

        """
        + ConsoleConfiguration.variables.map { name, value, help in
            "  \(name.padding(toLength: 34, withPad: " ", startingAt: 0)) \(help) (default: \(value))"
        }.joined(separator: "\n")

    /// Returns the exit code: 0 after a graceful stop, 1 on a fatal error, 2 on bad configuration.
    public static func run(
        arguments: [String], environment: [String: String], metricsText: (@Sendable () -> String)?
    ) async -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(help)
            return 0
        }
        if arguments.first == "hash-password" {
            return hashPassword(Array(arguments.dropFirst()))
        }
        guard arguments.isEmpty else {
            FileHandle.standardError.write(Data("unknown arguments \(arguments); see relance-console --help\n".utf8))
            return 2
        }
        RelanceLogging.bootstrap(
            format: environment["RELANCE_LOG_FORMAT"].flatMap(LogFormat.init(rawValue:)) ?? .json,
            level: environment["RELANCE_LOG_LEVEL"].flatMap(RelanceLogging.level) ?? .info)
        var log = Logger(label: "relance-console")
        log[metadataKey: "service"] = "relance-console"
        let configuration: ConsoleConfiguration
        let directory: UserDirectory
        var signer: CommandSigner?
        var ssoSecret: [UInt8]?
        do {
            configuration = try ConsoleConfiguration.fromEnvironment(environment)
            directory = try UserDirectory.load(path: configuration.usersFile ?? "")
            if let path = configuration.signingKeyFile { signer = try CommandSigner.load(path: path) }
            if let path = configuration.ssoSecretFile {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw ConsoleConfiguration.Invalid(description: "cannot read the SSO secret \(path)")
                }
                let secret = Array(
                    String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).utf8)
                guard secret.count >= 32 else {
                    throw ConsoleConfiguration.Invalid(description: "the SSO secret \(path) has fewer than 32 bytes")
                }
                ssoSecret = secret
            }
        } catch {
            log.error("bad configuration", metadata: ["error": "\(error)"])
            return 2
        }
        if signer == nil {
            log.warning("no RELANCE_CONSOLE_SIGNING_KEY: the console shows the action centre but sends no command")
        }
        if !configuration.secureCookies {
            log.warning("RELANCE_CONSOLE_SECURE_COOKIES=false: for plain-http tests on localhost only")
        }
        let producer: KafkaProducer
        do {
            var producerConfiguration = ProducerConfiguration(kafka: configuration.kafka)
            producerConfiguration.lingerMilliseconds = 1
            producer = try KafkaProducer(configuration: producerConfiguration)
        } catch {
            log.error("cannot make the Kafka producer", metadata: ["error": "\(error)"])
            return 2
        }
        let (_, services) = assemble(
            configuration: configuration, directory: directory, signer: signer, producer: producer,
            ssoSecret: ssoSecret, logger: log, metricsText: metricsText)
        log.info(
            "relance-console starting",
            metadata: [
                "address": "\(configuration.host):\(configuration.port)", "users": "\(directory.users.count)",
                "signing": "\(signer?.keyID ?? "none")", "sso": "\(configuration.ssoHeader ?? "off")",
            ])
        var group = ServiceGroupConfiguration(
            services: services.map {
                .init(
                    service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup)
            }, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: log)
        group.maximumGracefulShutdownDuration = .seconds(10)
        do {
            try await ServiceGroup(configuration: group).run()
            try? await producer.flush(timeout: .seconds(5))
            return 0
        } catch {
            log.error("fatal", metadata: ["error": "\(error)"])
            return 1
        }
    }

    /// The console on a cluster: its pages (`Console`) and the services that run it — the HTTP
    /// server and the follower filling its feeds from the topics. relance-console runs them in
    /// a `ServiceGroup`; `relance demo --console` beside its embedded workers.
    public static func assemble(
        configuration: ConsoleConfiguration, directory: UserDirectory, signer: CommandSigner?,
        producer: KafkaProducer, ssoSecret: [UInt8]? = nil, logger: Logger,
        metricsText: (@Sendable () -> String)? = nil
    ) -> (console: Console, services: [any Service]) {
        let data = ConsoleData()
        let console = Console(
            configuration: configuration, directory: directory, data: data, signer: signer, producer: producer,
            ssoSecret: ssoSecret, logger: logger, metricsText: metricsText)
        let follower = TopicFollower(kafka: configuration.kafka, feeds: data.feeds, logger: logger)
        return (console, [console.application(logger: logger), follower])
    }

    static func hashPassword(_ arguments: [String]) -> Int32 {
        var logN = PasswordHash.defaultLogN
        if let index = arguments.firstIndex(of: "--log-n") {
            guard index + 1 < arguments.count, let value = Int(arguments[index + 1]) else {
                FileHandle.standardError.write(Data("--log-n needs a number (10 to 20)\n".utf8))
                return 2
            }
            logN = value
        }
        guard let password = readLine(strippingNewline: true), !password.isEmpty else {
            FileHandle.standardError.write(Data("give the password on standard input\n".utf8))
            return 2
        }
        do {
            print(try PasswordHash.make(password, logN: logN))
            return 0
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            return 2
        }
    }
}
