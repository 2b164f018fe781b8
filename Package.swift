// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "ResourcePrioritizer",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "prioritizer", targets: ["prioritizer"]),
        .library(name: "PrioritizerClient", targets: ["PrioritizerClient"]),
        .library(name: "Prioritization", targets: ["Prioritization"]),
        .library(name: "PrioritizerServer", targets: ["PrioritizerServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // System libraries.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // SHA-256 (Sources/Prioritization/SHA256Digest.swift); libpq-dev depends on libssl-dev.
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The server's allocator on Linux (Sources/prioritizer/Allocator.swift).
        .systemLibrary(
            name: "CJemalloc",
            pkgConfig: "jemalloc",
            providers: [.apt(["libjemalloc-dev"])]
        ),

        // What posix_spawn needs beyond Swift's Glibc module (Sources/PrioritizerStore/ChildProcess.swift).
        .target(name: "CSpawn"),

        // Thin Swift face of libpq.
        .target(
            name: "PQ",
            dependencies: ["CLibPQ"]
        ),

        // Pure domain: types, importance, tokenizer, packing, reports. No I/O.
        .target(
            name: "Prioritization",
            dependencies: [
                "CZlib",
                .target(name: "CLibCrypto", condition: .when(platforms: [.linux])),
            ],
            resources: [.copy("Resources/Encodings")]
        ),

        // Persistence: ResourceService, PostgreSQL implementation, migrations, embedded PostgreSQL.
        .target(
            name: "PrioritizerStore",
            dependencies: [
                "PQ",
                "CSpawn",
                "Prioritization",
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["EmbedMigrations"]
        ),

        // Build-time embedding of migrations/*.sql into the binary, so `migrate` runs from anywhere.
        .executableTarget(name: "embed-migrations", path: "Plugins/EmbedMigrationsTool"),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["embed-migrations"]
        ),

        // RESP server: codec, command table, auth, runner pool, group commit.
        .target(
            name: "PrioritizerServer",
            dependencies: [
                "Prioritization",
                "PrioritizerStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // TLS for the server's connections (swift-nio-ssl), apart so the server module stays
        // free of BoringSSL's libssl.
        .target(
            name: "PrioritizerTLS",
            dependencies: [
                "PrioritizerServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),

        // Swift client for agents.
        .target(
            name: "PrioritizerClient",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),

        .executableTarget(
            name: "prioritizer",
            dependencies: [
                "Prioritization",
                "PrioritizerStore",
                "PrioritizerServer",
                "PrioritizerClient",
                "PrioritizerTLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .target(name: "CJemalloc", condition: .when(platforms: [.linux])),
            ]
        ),

        // Events/s persisted through ResourceService in group-commit batches (scripts/bench).
        .executableTarget(
            name: "store-bench",
            dependencies: ["PrioritizerStore", "Prioritization", "PQ"],
            path: "Benchmarks/StoreBench"
        ),

        // Example agent on PrioritizerClient (examples/swift-agent); built with the package so CI
        // builds it and the test suite runs it against a live server.
        .executableTarget(
            name: "swift-agent",
            dependencies: ["PrioritizerClient"],
            path: "examples/swift-agent"
        ),

        // Throwaway databases for integration tests (not a product).
        .target(name: "TestSupport", dependencies: ["PQ", "PrioritizerStore"], path: "Tests/TestSupport"),

        .testTarget(name: "PQTests", dependencies: ["PQ", "TestSupport"]),
        .testTarget(
            name: "PrioritizationTests",
            dependencies: ["Prioritization", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "PrioritizerIntegrationTests",
            dependencies: [
                "PrioritizerServer", "PrioritizerTLS", "PrioritizerClient", "PrioritizerStore", "Prioritization", "PQ",
                "TestSupport", "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PrioritizerStoreTests",
            dependencies: ["PrioritizerStore", "Prioritization", "PQ", "TestSupport"]
        ),
        .testTarget(
            name: "PrioritizerServerTests",
            dependencies: [
                "PrioritizerServer",
                "TestSupport",
                "PrioritizerClient",
                "Prioritization",
                "PrioritizerStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
    ]
)

// The hot paths' micro-benchmarks (ordo-one/benchmark, issue 6) join the package only when
// scripts/bench asks for them (PRIORITIZER_MICRO_BENCHMARKS=1): the main build, the tests and CI
// never resolve or compile the framework. Inside this package they reuse the release build
// scripts/bench has just made of NIO and the server's modules; as a package of their own they
// compiled all of it a second time, minutes of a fresh clone's run.
if Context.environment["PRIORITIZER_MICRO_BENCHMARKS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]))
    package.targets.append(
        .executableTarget(
            name: "HotPaths",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                "Prioritization",
                "PrioritizerServer",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/HotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
}
