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

let rules: Target.Dependency = .product(name: "DuwtjeRules", package: "duwtje")

/// One fuzz target: an executable over `FuzzSupport` and the modules it fuzzes.
func fuzzTarget(_ name: String, _ dependencies: Target.Dependency...) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport"] + dependencies, swiftSettings: swiftSettings)
}

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
            dependencies: [rules],
            swiftSettings: swiftSettings
        ),
        fuzzTarget("FuzzYAML", rules),
        fuzzTarget("FuzzRules", rules),
        fuzzTarget("FuzzRequest", rules, .product(name: "DuwtjeWire", package: "duwtje"),
                   .product(name: "NIOCore", package: "swift-nio")),
        fuzzTarget("FuzzHTTP", .product(name: "DuwtjeWire", package: "duwtje"), .product(name: "NIOCore", package: "swift-nio")),
        fuzzTarget("FuzzEvents", rules, .product(name: "DuwtjeWire", package: "duwtje")),
        fuzzTarget("FuzzConfig", rules, .product(name: "DuwtjeServer", package: "duwtje")),
    ]
)
