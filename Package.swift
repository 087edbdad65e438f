// swift-tools-version:6.2
import PackageDescription

/// Settings shared by every Swift target: Swift 6 mode, explicit existentials, imports that
/// say what a file uses (members only from modules it imports) and what it re-exports
/// (`public import` only where a public declaration needs the module).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "NeonHub",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "neonhub", targets: ["NeonHubCLI"]),
        .library(name: "HTTPCore", targets: ["HTTPCore"]),
        .library(name: "Postgres", targets: ["Postgres"]),
        .library(name: "NeonHub", targets: ["NeonHub"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        // Outbound HTTP (connector and LLM calls): pooled keep-alive connections, HTTP/2, and
        // TLS client certificates per request, which URLSession on Linux cannot do.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // C libraries, found through pkg-config; Debian names the packages that provide them.
        .systemLibrary(
            name: "CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        .systemLibrary(
            name: "COpenSSL", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),

        // epoll and eventfd, which Glibc's module does not export.
        .target(name: "CSystemShims"),

        // The header list shared by the server and the outbound client.
        .target(name: "HTTPFields", swiftSettings: strictSettings),

        // Duration conversions shared by every target.
        .target(name: "TimeUnits", swiftSettings: strictSettings),

        // Gregorian day arithmetic shared by the Postgres wrapper and the application.
        .target(name: "CivilCalendar", swiftSettings: strictSettings),

        .target(
            name: "HTTPCore",
            dependencies: ["CZlib", "CSystemShims", "TimeUnits", "HTTPFields"],
            swiftSettings: strictSettings),
        .target(
            name: "Postgres",
            dependencies: [
                "CLibPQ", "CivilCalendar", "TimeUnits",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .target(
            name: "NeonHub",
            dependencies: [
                "HTTPCore", "HTTPFields", "Postgres", "COpenSSL", "CivilCalendar", "TimeUnits",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            resources: [],
            swiftSettings: strictSettings),
        // The `neonhub` command. Its folder is not `Sources/neonhub`: that would be the same
        // folder as `Sources/NeonHub` on a case-insensitive file system (macOS).
        .executableTarget(
            name: "NeonHubCLI",
            dependencies: [
                "NeonHub", "HTTPCore", "Postgres", "TimeUnits",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        // libFuzzer harness for the HTTP parser (scripts/fuzz.sh builds it with -sanitize=fuzzer);
        // a plain build gives a corpus replayer with the same entry point.
        .executableTarget(
            name: "HTTPParserFuzz",
            dependencies: ["HTTPCore"],
            swiftSettings: strictSettings),
        // libFuzzer harness for the JSON parser (round trip through the writer); same build modes.
        .executableTarget(
            name: "JSONParserFuzz",
            dependencies: ["NeonHub"],
            swiftSettings: strictSettings),
        // libFuzzer harness for the webhook signature-header parsers (Stripe `t=…,v1=…`, Meta
        // `sha256=…`, TikTok, Slack, PagerDuty…): nothing crashes, and no tampered body verifies.
        .executableTarget(
            name: "WebhookSignatureFuzz",
            dependencies: ["NeonHub"],
            swiftSettings: strictSettings),

        // What every test target shares: the throwaway PostgreSQL server, the HTTP test client
        // and FakeProviderServer, the base of every provider fake (libcrypto verifies the
        // signatures a fake receives, independently of the signers under test).
        .target(
            name: "TestSupport",
            dependencies: ["HTTPCore", "HTTPFields", "Postgres", "COpenSSL", "TimeUnits", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport",
            swiftSettings: strictSettings),
        .testTarget(
            name: "TestSupportTests",
            dependencies: ["TestSupport", "HTTPCore", "HTTPFields"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "HTTPCoreTests",
            dependencies: ["HTTPCore", "HTTPFields", "TestSupport"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "PostgresTests",
            dependencies: ["Postgres", "TestSupport"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "NeonHubTests",
            dependencies: [
                "NeonHub", "HTTPCore", "HTTPFields", "Postgres", "CivilCalendar", "NeonHubCLI", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings),
    ],
    swiftLanguageModes: [.v6]
)
