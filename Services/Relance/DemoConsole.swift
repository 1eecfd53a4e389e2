import ConsoleService
import Foundation
import Logging
import RelanceKafka
import RelanceRuntime
import ServiceLifecycle

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `relance demo --console`: relance-console in the demo's process, on its cluster, signing
/// with the demo's key, for one user who works for both demo merchants with every role. The
/// password is made at start and printed with the address.
struct DemoConsole {
    let url: String
    let user = "demo"
    let password: String
    let group: ServiceGroup

    /// The roles of the demo's user: the demo's own key's, as far as the console knows them.
    static let roles = ["owner", "admin", "billing", "manage_reconciliations"]

    static func start(kafka: KafkaConfiguration, signer: CommandSigner, host: String, port: Int) throws -> DemoConsole {
        let password = (0..<3).map { _ in String(UInt32.random(in: 0...UInt32.max), radix: 36) }.joined(separator: "-")
        // The hash of a password made for this run: a lighter cost than the default is enough.
        let hash = try PasswordHash.make(password, logN: 12)
        let directory = try UserDirectory(
            users: [
                ConsoleUser(
                    user: "demo", passwordHash: hash, roles: roles.filter(ConsoleRoles.known.contains),
                    merchants: ["m-demo", DemoPolicies.proMerchant], name: "Demo", language: .fr)
            ],
            merchants: [
                "m-demo": MerchantSettings(name: "Camping des Pins", timeZone: "Europe/Paris"),
                DemoPolicies.proMerchant: MerchantSettings(name: "Imprimerie Lenoir", timeZone: "Europe/Paris"),
            ])
        var configuration = ConsoleConfiguration(kafka: kafka)
        configuration.host = host
        configuration.port = port
        // Plain http on this machine: the browser keeps a Secure cookie only over https.
        configuration.secureCookies = false
        var logger = Logger(label: "relance-console")
        logger.logLevel = .warning
        var producerConfiguration = ProducerConfiguration(kafka: kafka)
        producerConfiguration.lingerMilliseconds = 1
        let producer = try KafkaProducer(configuration: producerConfiguration)
        let (_, services) = ConsoleMain.assemble(
            configuration: configuration, directory: directory, signer: signer, producer: producer, logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map {
                    .init(
                        service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup)
                }, gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        return DemoConsole(url: "http://\(host):\(port)", password: password, group: group)
    }

    /// Waits until the console answers /healthz (it read the topics to their end), at most `seconds`.
    func waitUntilUp(seconds: Double = 30) async -> Bool {
        guard let address = URL(string: url + "/healthz") else { return false }
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let (_, response) = try? await URLSession.shared.data(from: address),
                (response as? HTTPURLResponse)?.statusCode == 200
            {
                return true
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return false
    }
}
