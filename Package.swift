// swift-tools-version:6.2
import PackageDescription

/// One list of settings for every target, so the whole package is held to the same rules.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "duwtje",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "duwtje", targets: ["duwtje"]),
        .library(name: "DuwtjeRules", targets: ["DuwtjeRules"]),
        .library(name: "DuwtjeWire", targets: ["DuwtjeWire"]),
        .library(name: "DuwtjeReport", targets: ["DuwtjeReport"]),
        .library(name: "DuwtjeStore", targets: ["DuwtjeStore"]),
        .library(name: "DuwtjeServer", targets: ["DuwtjeServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        /// glibc's allocator controls, for the daemon's memory (`MallocTuning`).
        .systemLibrary(name: "CMalloc"),
        /// The compiler's prefetch hint (`__builtin_prefetch`), header only: Swift has no spelling for it.
        .systemLibrary(name: "CPrefetch"),
        /// The version and commit scripts/build-deb.sh links in (weak symbols; "dev" without it).
        .target(name: "CBuildInfo"),
        .target(
            name: "DuwtjeRules",
            dependencies: [
                "CLibYAML",
                "CPrefetch",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        /// The wire format: request decoding, answer encoding, problem details, the endpoint table.
        .target(
            name: "DuwtjeWire",
            dependencies: [
                "DuwtjeRules",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        /// The campaign report: statistics and their text and HTML renderers.
        .target(
            name: "DuwtjeReport",
            dependencies: ["DuwtjeRules"],
            swiftSettings: swiftSettings
        ),
        /// Events and durable visitor state (caps) behind one protocol; SQLite embedded.
        .target(
            name: "DuwtjeStore",
            dependencies: [
                "DuwtjeRules",
                "DuwtjeReport",
                "DuwtjeWire",
                "CSQLite",
                "CPrefetch",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DuwtjeServer",
            dependencies: [
                "CBuildInfo",
                "CMalloc",
                "DuwtjeRules",
                "DuwtjeWire",
                "DuwtjeReport",
                "DuwtjeStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "duwtje",
            dependencies: [
                "DuwtjeRules",
                "DuwtjeWire",
                "DuwtjeReport",
                "DuwtjeStore",
                "DuwtjeServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        /// What the test targets share: fixtures, the daemon-process harness, polling with a deadline,
        /// the seeded generator, socket helpers and a small HTTP/1.1 client over a Unix socket.
        .target(
            name: "DuwtjeTestSupport",
            dependencies: [],
            path: "Tests/DuwtjeTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DuwtjeRulesTests",
            dependencies: ["DuwtjeRules", "DuwtjeStore", "DuwtjeTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DuwtjeWireTests",
            dependencies: ["DuwtjeWire", "DuwtjeRules", "DuwtjeTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DuwtjeReportTests",
            dependencies: ["DuwtjeReport", "DuwtjeRules", "DuwtjeTestSupport"],
            // The reference figures are read by path (#filePath), not bundled.
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DuwtjeStoreTests",
            dependencies: [
                "DuwtjeStore", "DuwtjeWire", "DuwtjeReport", "DuwtjeRules", "DuwtjeTestSupport",
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DuwtjeServerTests",
            dependencies: [
                "DuwtjeServer",
                "DuwtjeWire",
                "DuwtjeStore",
                "DuwtjeReport",
                "DuwtjeRules",
                "DuwtjeTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        /// Only what needs the real binary in a child process: signals, the socket file, systemd
        /// notifications, crashes, answers compared across processes.
        .testTarget(
            name: "duwtjeTests",
            dependencies: [
                "duwtje",
                "DuwtjeRules",
                "DuwtjeWire",
                "DuwtjeStore",
                "DuwtjeServer",
                "DuwtjeTestSupport",
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
