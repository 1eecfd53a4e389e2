// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "relance",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "RelanceKafka", targets: ["RelanceKafka"]),
        .library(name: "RelanceDomain", targets: ["RelanceDomain"]),
        .library(name: "RelanceRuntime", targets: ["RelanceRuntime"]),
    ],
    targets: [
        .systemLibrary(
            name: "CRdKafka",
            path: "Shared/CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"]), .brew(["librdkafka"])]
        ),
        .target(
            name: "RelanceKafka",
            dependencies: ["CRdKafka"],
            path: "Shared/RelanceKafka"
        ),
        .target(
            name: "RelanceDomain",
            path: "Shared/RelanceDomain"
        ),
        .target(
            name: "RelanceRuntime",
            dependencies: ["RelanceKafka", "RelanceDomain"],
            path: "Shared/RelanceRuntime"
        ),
        .testTarget(
            name: "RelanceRuntimeTests",
            dependencies: ["RelanceRuntime", "RelanceKafka", "RelanceDomain"],
            path: "Tests/RelanceRuntimeTests"
        ),
        .testTarget(
            name: "RelanceDomainTests",
            dependencies: ["RelanceDomain"],
            path: "Tests/RelanceDomainTests"
        ),
        .executableTarget(
            name: "kafka-bench",
            dependencies: ["RelanceKafka", "CRdKafka"],
            path: "Benchmarks/KafkaBench"
        ),
        .executableTarget(
            name: "relance-kill-test",
            dependencies: ["RelanceRuntime", "RelanceKafka", "RelanceDomain"],
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
