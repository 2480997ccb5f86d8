// swift-tools-version:6.2
import PackageDescription

/// The libFuzzer targets: a package of their own, so the fuzzer and sanitizer flags never reach the
/// daemon's build. Build and run them with `scripts/fuzz.sh`; one executable per target, each defining
/// `LLVMFuzzerTestOneInput` (libFuzzer supplies `main`).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "DuwtjeFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "duwtje", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: [.product(name: "DuwtjeRules", package: "duwtje")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzYAML",
            dependencies: ["FuzzSupport", .product(name: "DuwtjeRules", package: "duwtje")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzRules",
            dependencies: ["FuzzSupport", .product(name: "DuwtjeRules", package: "duwtje")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzRequest",
            dependencies: [
                "FuzzSupport",
                .product(name: "DuwtjeRules", package: "duwtje"),
                .product(name: "DuwtjeWire", package: "duwtje"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzEvents",
            dependencies: [
                "FuzzSupport",
                .product(name: "DuwtjeRules", package: "duwtje"),
                .product(name: "DuwtjeWire", package: "duwtje"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzConfig",
            dependencies: [
                "FuzzSupport",
                .product(name: "DuwtjeRules", package: "duwtje"),
                .product(name: "DuwtjeServer", package: "duwtje"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
