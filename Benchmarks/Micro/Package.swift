// swift-tools-version:6.1
// Micro-benchmarks of the hot paths (RESP decode, importance update, packing, BPE) with
// ordo-one/benchmark. A package of its own so that the main build and CI never compile the
// benchmark framework; `scripts/bench` runs it (`swift package benchmark`).
import Foundation
import PackageDescription

// A path dependency is named by its folder, which differs between clones: read it from here.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
let rootPackage = root.lastPathComponent

let package = Package(
    name: "PrioritizerMicroBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: root.path),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "HotPaths",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Prioritization", package: rootPackage),
                .product(name: "PrioritizerServer", package: rootPackage),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/HotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
