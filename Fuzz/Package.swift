// swift-tools-version:6.1
// libFuzzer targets for the RESP decoder and the command parser. A package of its own so that
// `swift build` and `scripts/test` at the root never see them: they link libFuzzer's `main`
// and only build with `-sanitize=fuzzer`. Build and run them with `scripts/fuzz`.
import PackageDescription

let package = Package(
    name: "PrioritizerFuzz",
    dependencies: [
        .package(name: "ResourcePrioritizer", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .target(name: "FuzzDriver"),
        .executableTarget(
            name: "fuzz-resp-decoder",
            dependencies: [
                "FuzzDriver",
                .product(name: "PrioritizerServer", package: "ResourcePrioritizer"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "fuzz-command-parser",
            dependencies: [
                "FuzzDriver",
                .product(name: "PrioritizerServer", package: "ResourcePrioritizer"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ]
)
