// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "relance",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "relance", targets: ["relance"]),
        .executable(name: "relance-console", targets: ["relance-console"]),
        .library(name: "RelanceKafka", targets: ["RelanceKafka"]),
        .library(name: "RelanceEvents", targets: ["RelanceEvents"]),
        .library(name: "RelanceDomain", targets: ["RelanceDomain"]),
        .library(name: "RelanceRuntime", targets: ["RelanceRuntime"]),
        .library(name: "RelanceTesting", targets: ["RelanceTesting"]),
        .library(name: "BankStatements", targets: ["BankStatements"]),
        .library(name: "RelanceMail", targets: ["RelanceMail"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // relance-console only (docs/console.md, "Build cost").
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CRdKafka",
            path: "Shared/CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"]), .brew(["librdkafka"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            path: "Shared/COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"]), .brew(["openssl"])]
        ),
        .target(
            name: "RelanceMail",
            dependencies: ["COpenSSL", "RelanceDomain", "RelanceEvents"],
            path: "Shared/RelanceMail"
        ),
        .target(
            name: "RelanceKafka",
            dependencies: [
                "CRdKafka", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Shared/RelanceKafka"
        ),
        .target(
            name: "BankStatements",
            path: "Shared/BankStatements"
        ),
        .testTarget(
            name: "BankStatementsTests",
            dependencies: ["BankStatements"],
            path: "Tests/BankStatementsTests"
        ),
        .target(
            name: "RelanceEvents",
            path: "Shared/RelanceEvents"
        ),
        .target(
            name: "RelanceDomain",
            dependencies: ["RelanceEvents"],
            path: "Shared/RelanceDomain"
        ),
        .target(
            name: "RelanceRuntime",
            dependencies: [
                "RelanceKafka", "RelanceDomain", "RelanceEvents", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/RelanceRuntime"
        ),
        .target(
            name: "RelanceTesting",
            dependencies: ["RelanceRuntime", "RelanceDomain", "RelanceEvents"],
            path: "Shared/RelanceTesting"
        ),
        .testTarget(
            name: "RelanceTestingTests",
            dependencies: [
                "RelanceTesting", "RelanceRuntime", "RelanceDomain", "RelanceEvents", "RelanceKafka",
                "RelanceTestSupport",
            ],
            path: "Tests/RelanceTestingTests"
        ),
        .testTarget(
            name: "WorkerPropertyTests",
            dependencies: [
                "RelanceTesting", "RelanceRuntime", "RelanceEvents", "RelanceTestSupport", "PaymentRetryService",
                "GatewaySandboxService", "CardExpiryService", "PrepaidService", "ReconciliationService",
                "ProofValidatorService", "ReminderMailerService", "RecoveryStatsService",
            ],
            path: "Tests/WorkerPropertyTests"
        ),
        .testTarget(
            name: "RelanceRuntimeTests",
            dependencies: [
                "RelanceRuntime", "RelanceKafka", "RelanceDomain", "RelanceEvents", "RelanceTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/RelanceRuntimeTests"
        ),
        .testTarget(
            name: "RelanceDomainTests",
            dependencies: ["RelanceDomain", "RelanceEvents", "RelanceRuntime", "RelanceTestSupport"],
            path: "Tests/RelanceDomainTests"
        ),
        .executableTarget(
            name: "kafka-bench",
            dependencies: ["RelanceKafka", "CRdKafka"],
            path: "Benchmarks/KafkaBench"
        ),
        .executableTarget(
            name: "relance",
            dependencies: [
                "RelanceRuntime", "RelanceKafka", "RelanceDomain", "RelanceEvents", "RelanceMail",
                "PaymentRetryService",
                "GatewaySandboxService", "ReminderMailerService", "CardExpiryService", "ProofValidatorService",
                "ReconciliationService", "PrepaidService", "RecoveryStatsService", "ConsoleService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/Relance"
        ),
        .target(
            name: "ConsoleService",
            dependencies: [
                "RelanceRuntime", "RelanceKafka", "RelanceDomain", "RelanceEvents", "RelanceMail",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/Console/App"
        ),
        .executableTarget(
            name: "relance-console",
            dependencies: [
                "ConsoleService", "RelanceRuntime", "RelanceKafka",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/Console/Main"
        ),
        .testTarget(
            name: "ConsoleTests",
            dependencies: [
                "ConsoleService", "PaymentRetryService", "GatewaySandboxService", "ReminderMailerService",
                "ReconciliationService", "ProofValidatorService", "RelanceRuntime", "RelanceKafka", "RelanceDomain",
                "RelanceEvents", "RelanceTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Tests/ConsoleTests"
        ),
        .target(
            name: "PaymentRetryService",
            dependencies: ["RelanceRuntime", "RelanceDomain", "RelanceEvents"],
            path: "Services/PaymentRetry/Worker"
        ),
        .executableTarget(
            name: "payment-retry",
            dependencies: ["PaymentRetryService", "RelanceRuntime", "RelanceDomain", "RelanceEvents"],
            path: "Services/PaymentRetry/Main"
        ),
        .target(
            name: "RecoveryStatsService",
            dependencies: [
                "RelanceRuntime", "RelanceDomain", "RelanceEvents", .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Services/RecoveryStats/Worker"
        ),
        .executableTarget(
            name: "recovery-stats",
            dependencies: ["RecoveryStatsService", "RelanceRuntime", "RelanceDomain"],
            path: "Services/RecoveryStats/Main"
        ),
        .testTarget(
            name: "RecoveryStatsTests",
            dependencies: [
                "RecoveryStatsService", "PaymentRetryService", "RelanceRuntime", "RelanceKafka", "RelanceDomain",
                "RelanceEvents", "RelanceTestSupport", "RelanceTesting",
            ],
            path: "Tests/RecoveryStatsTests"
        ),
        .target(
            name: "GatewaySandboxService",
            dependencies: ["RelanceRuntime", "RelanceDomain", "RelanceEvents"],
            path: "Services/GatewaySandbox/Worker"
        ),
        .executableTarget(
            name: "gateway-sandbox",
            dependencies: ["GatewaySandboxService", "RelanceRuntime"],
            path: "Services/GatewaySandbox/Main"
        ),
        .testTarget(
            name: "PaymentRetryTests",
            dependencies: [
                "PaymentRetryService", "GatewaySandboxService", "RelanceRuntime", "RelanceKafka", "RelanceDomain",
                "RelanceEvents", "RelanceTestSupport", "RelanceTesting",
            ],
            path: "Tests/PaymentRetryTests"
        ),
        .target(
            name: "ProofValidatorService",
            dependencies: ["RelanceRuntime", "RelanceDomain", "RelanceEvents", "BankStatements"],
            path: "Services/ProofValidator/Worker"
        ),
        .executableTarget(
            name: "proof-validator",
            dependencies: [
                "ProofValidatorService", "RelanceRuntime", "RelanceDomain", "RelanceEvents", "BankStatements",
            ],
            path: "Services/ProofValidator/Main"
        ),
        .testTarget(
            name: "ProofValidatorTests",
            dependencies: [
                "ProofValidatorService", "RelanceRuntime", "RelanceKafka", "RelanceDomain", "RelanceEvents",
                "BankStatements",
                "RelanceTestSupport",
            ],
            path: "Tests/ProofValidatorTests"
        ),
        .target(
            name: "RelanceTestSupport",
            dependencies: ["RelanceRuntime", "RelanceKafka", "RelanceDomain", "RelanceEvents", "RelanceTesting"],
            path: "Tests/Support"
        ),
        .executableTarget(
            name: "statements-bench",
            dependencies: [
                "BenchSupport", "BankStatements", "ProofValidatorService", "RelanceRuntime", "RelanceKafka",
                "RelanceDomain", "RelanceEvents",
            ],
            path: "Benchmarks/StatementsBench"
        ),
        .target(
            name: "CardExpiryService",
            dependencies: ["RelanceRuntime", "RelanceDomain", "RelanceEvents"],
            path: "Services/CardExpiry/Worker"
        ),
        .executableTarget(
            name: "card-expiry",
            dependencies: ["CardExpiryService", "RelanceRuntime"],
            path: "Services/CardExpiry/Main"
        ),
        .testTarget(
            name: "CardExpiryTests",
            dependencies: [
                "CardExpiryService", "RelanceRuntime", "RelanceDomain", "RelanceEvents", "RelanceTestSupport",
            ],
            path: "Tests/CardExpiryTests"
        ),
        .target(
            name: "PrepaidService",
            dependencies: ["RelanceRuntime", "RelanceDomain", "RelanceEvents"],
            path: "Services/Prepaid/Worker"
        ),
        .executableTarget(
            name: "prepaid",
            dependencies: ["PrepaidService", "RelanceRuntime", "RelanceDomain", "RelanceEvents"],
            path: "Services/Prepaid/Main"
        ),
        .testTarget(
            name: "PrepaidTests",
            dependencies: [
                "PrepaidService", "GatewaySandboxService", "RelanceRuntime", "RelanceDomain", "RelanceEvents",
                "RelanceTestSupport",
            ],
            path: "Tests/PrepaidTests"
        ),
        .target(
            name: "ReconciliationService",
            dependencies: ["RelanceRuntime", "RelanceDomain", "RelanceEvents"],
            path: "Services/Reconciliation/Worker"
        ),
        .executableTarget(
            name: "reconciliation",
            dependencies: ["ReconciliationService", "RelanceRuntime"],
            path: "Services/Reconciliation/Main"
        ),
        .testTarget(
            name: "ReconciliationTests",
            dependencies: [
                "ReconciliationService", "RelanceRuntime", "RelanceDomain", "RelanceEvents", "RelanceTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            path: "Tests/ReconciliationTests"
        ),
        .target(
            name: "ReminderMailerService",
            dependencies: ["RelanceRuntime", "RelanceDomain", "RelanceEvents", "RelanceMail", "RelanceKafka"],
            path: "Services/ReminderMailer/Worker"
        ),
        .executableTarget(
            name: "reminder-mailer",
            dependencies: ["ReminderMailerService", "RelanceRuntime", "RelanceDomain", "RelanceEvents", "RelanceMail"],
            path: "Services/ReminderMailer/Main"
        ),
        .testTarget(
            name: "ReminderMailerTests",
            dependencies: [
                "ReminderMailerService", "RelanceMail", "RelanceRuntime", "RelanceKafka", "RelanceDomain",
                "RelanceEvents", "RelanceTesting",
                "RelanceTestSupport",
            ],
            path: "Tests/ReminderMailerTests",
            exclude: ["smtp_server.py"]
        ),
        .target(
            name: "BenchSupport",
            dependencies: ["RelanceRuntime", "RelanceKafka", "RelanceDomain", "RelanceEvents"],
            path: "Benchmarks/Support"
        ),
        .executableTarget(
            name: "mail-bench",
            dependencies: [
                "BenchSupport", "ReminderMailerService", "RelanceMail", "RelanceRuntime", "RelanceKafka",
                "RelanceDomain", "RelanceEvents", "RelanceTestSupport",
            ],
            path: "Benchmarks/MailBench"
        ),
        .executableTarget(
            name: "runtime-bench",
            dependencies: ["BenchSupport", "RelanceRuntime", "RelanceKafka", "RelanceDomain", "RelanceEvents"],
            path: "Benchmarks/RuntimeBench"
        ),
        .executableTarget(
            name: "relance-mail-chaos",
            dependencies: [
                "BenchSupport", "RelanceRuntime", "RelanceKafka", "RelanceDomain", "RelanceEvents",
                "RelanceTestSupport",
            ],
            path: "Tests/MailChaos"
        ),
        .executableTarget(
            name: "reconciliation-bench",
            dependencies: [
                "BenchSupport", "ReconciliationService", "RelanceRuntime", "RelanceDomain", "RelanceEvents",
            ],
            path: "Benchmarks/ReconciliationBench"
        ),
        .executableTarget(
            name: "payment-retry-bench",
            dependencies: [
                "BenchSupport", "PaymentRetryService", "RelanceRuntime", "RelanceKafka", "RelanceDomain",
                "RelanceEvents",
            ],
            path: "Benchmarks/PaymentRetryBench"
        ),
        .executableTarget(
            name: "console-bench",
            dependencies: [
                "BenchSupport", "ConsoleService", "RelanceEvents", "RelanceKafka",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/ConsoleBench"
        ),
        .executableTarget(
            name: "codec-bench",
            dependencies: ["BenchSupport", "RelanceRuntime", "RelanceEvents"],
            path: "Benchmarks/CodecBench"
        ),
        .executableTarget(
            name: "recovery-bench",
            dependencies: ["BenchSupport", "RecoveryStatsService", "RelanceRuntime", "RelanceDomain", "RelanceEvents"],
            path: "Benchmarks/RecoveryBench"
        ),
        .executableTarget(
            name: "prepaid-bench",
            dependencies: ["BenchSupport", "PrepaidService", "RelanceRuntime", "RelanceDomain", "RelanceEvents"],
            path: "Benchmarks/PrepaidBench"
        ),
        .executableTarget(
            name: "card-bench",
            dependencies: [
                "BenchSupport", "CardExpiryService", "RelanceRuntime", "RelanceKafka", "RelanceDomain", "RelanceEvents",
            ],
            path: "Benchmarks/CardBench"
        ),
        .executableTarget(
            name: "relance-card-chaos",
            dependencies: [
                "BenchSupport", "RelanceRuntime", "RelanceKafka", "RelanceDomain", "RelanceEvents",
                "RelanceTestSupport",
            ],
            path: "Tests/CardChaos"
        ),
        .executableTarget(
            name: "relance-recovery-chaos",
            dependencies: [
                "BenchSupport", "RelanceRuntime", "RelanceKafka", "RelanceDomain", "RelanceEvents",
                "RelanceTestSupport",
            ],
            path: "Tests/RecoveryChaos"
        ),
        .executableTarget(
            name: "relance-kill-test",
            dependencies: ["RelanceRuntime", "RelanceKafka", "RelanceDomain", "RelanceEvents"],
            path: "Tests/KillTest"
        ),
        .testTarget(
            name: "RelanceKafkaTests",
            dependencies: ["RelanceKafka", "CRdKafka"],
            path: "Tests/RelanceKafkaTests"
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Every executable (the workers, the `relance` tool, benchmarks, test programs) allocates
// through jemalloc on Linux: glibc's malloc was an eighth of a worker's CPU (docs/deploy.md,
// "Memory allocator"). `RELANCE_SYSTEM_MALLOC=1` at build time keeps glibc's.
if Context.environment["RELANCE_SYSTEM_MALLOC"] == nil {
    for target in package.targets where target.type == .executable {
        target.linkerSettings = (target.linkerSettings ?? []) + [.linkedLibrary("jemalloc", .when(platforms: [.linux]))]
    }
}
