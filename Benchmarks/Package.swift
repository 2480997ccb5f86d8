// swift-tools-version:6.2
import PackageDescription

/// The same settings as the main package, so the harness is held to the same rules as the code it measures.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// A package of its own (as swift-nio and hummingbird do) so that benchmarks never slow down or
/// complicate the main package's build and tests, and are always built in release mode on purpose.
/// Its only dependency is the engine itself: the harness times with `ContinuousClock`, which is all
/// these figures need.
let package = Package(
    name: "DuwtjeBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "duwtje", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        .executableTarget(
            name: "DuwtjeBenchmarks",
            dependencies: [
                .product(name: "DuwtjeRules", package: "duwtje"),
                .product(name: "DuwtjeStore", package: "duwtje"),
                .product(name: "DuwtjeWire", package: "duwtje"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                "CYAMLFloor",
                "CEpoll",
            ],
            swiftSettings: swiftSettings
        ),
        /// libyaml's bare event loop, the floor the loader is measured against (issue 15), in C so
        /// that nothing but libyaml is in it.
        .target(
            name: "CYAMLFloor",
            linkerSettings: [.linkedLibrary("yaml")]
        ),
        /// Linux's epoll for `socket --new-connection`'s clients, which Glibc's Swift module does not export.
        .target(name: "CEpoll"),
    ]
)
