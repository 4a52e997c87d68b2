// swift-tools-version: 6.0
import PackageDescription

// Layers, bottom to top (lower layers never import higher ones):
//   C modules (COpenSSL, CCurl, CSQLite, CPostgres, CShims)
//   thin safe wrappers (CLMCrypto, CLMHTTP, CLMSQLite, CLMPostgres) + CLMCore
//   inventory (CLMInventory)
//   stages (CLMDiscover, CLMRequest, CLMDeploy, CLMAudit) and operations (CLMReport)
//   lifecycle (CLMLifecycle): config, renew planning, adopt, notify, the
//     certificate store and the orchestration of one run, over the stages
//   the `clm` tool
// C modules are imported only by the wrapper layer; every dependency listed is imported.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "clm",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "clm", targets: ["clm"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // C libraries, found through pkg-config.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),
        // What Swift cannot call directly: OpenSSL macros, curl's variadic setopt.
        .target(name: "CShims", dependencies: ["COpenSSL", "CCurl"]),

        // Thin, safe wrappers: the only Swift code that touches C pointers.
        .target(name: "CLMCore", dependencies: ["CShims", "Yams"], swiftSettings: strict),
        .target(name: "CLMCrypto", dependencies: ["COpenSSL", "CShims", "CLMCore"], swiftSettings: strict),
        .target(name: "CLMHTTP", dependencies: ["CCurl", "CShims", "CLMCore"], swiftSettings: strict),
        .target(name: "CLMSQLite", dependencies: ["CSQLite"], swiftSettings: strict),
        .target(name: "CLMPostgres", dependencies: ["CPostgres"], swiftSettings: strict),

        // The inventory: schema from Migrations/*.sql, embedded at build time.
        .executableTarget(name: "EmbedMigrationsTool", path: "Sources/EmbedMigrationsTool"),
        .plugin(name: "EmbedMigrations", capability: .buildTool(),
                dependencies: ["EmbedMigrationsTool"]),
        .target(name: "CLMInventory", dependencies: ["CLMSQLite", "CLMPostgres", "CLMCore"],
                swiftSettings: strict, plugins: ["EmbedMigrations"]),

        // The three stages and the audit.
        .target(name: "CLMDiscover", dependencies: ["CLMCrypto", "CLMInventory", "CLMCore"], swiftSettings: strict),
        .target(name: "CLMRequest", dependencies: ["CLMCrypto", "CLMHTTP", "CLMInventory", "CLMCore"], swiftSettings: strict),
        // Deploy: targets, hooks, verification and the deploy transaction.
        .target(name: "CLMDeploy", dependencies: ["CLMCrypto", "CLMInventory", "CLMCore"], swiftSettings: strict),
        .target(name: "CLMAudit", dependencies: ["CLMInventory", "CLMCore", "Yams"], swiftSettings: strict),

        // Operations: Prometheus metrics, HTML report.
        .target(name: "CLMReport", dependencies: ["CLMInventory", "CLMCore"], swiftSettings: strict),

        // One certificate's life above the stages: config, renew, adopt, notify, CertificateStore.
        .target(name: "CLMLifecycle", dependencies: ["CLMDeploy", "CLMRequest", "CLMDiscover", "CLMAudit", "CLMReport",
                                                     "CLMHTTP", "CLMCrypto", "CLMInventory", "CLMCore", "Yams"],
                swiftSettings: strict),

        .executableTarget(name: "clm", dependencies: [
            "CLMCore", "CLMCrypto", "CLMHTTP", "CLMInventory", "CLMPostgres", "CLMDiscover", "CLMRequest", "CLMDeploy", "CLMLifecycle", "CLMAudit", "CLMReport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: strict),

        .testTarget(name: "CLMCoreTests", dependencies: ["CLMCore"], swiftSettings: strict),
        .testTarget(name: "CLMCryptoTests", dependencies: ["CLMCrypto", "CLMTestSupport"], swiftSettings: strict),
        .testTarget(name: "CLMPostgresTests", dependencies: ["CLMPostgres", "CLMInventory", "CLMTestSupport"], swiftSettings: strict),
        .testTarget(name: "CLMInventoryTests", dependencies: ["CLMInventory", "CLMSQLite", "CLMCore", "CLMTestSupport"], swiftSettings: strict),
        .testTarget(name: "CLMDiscoverTests", dependencies: ["CLMDiscover", "CLMInventory", "CLMCrypto", "CLMTestSupport"], swiftSettings: strict),
        .testTarget(name: "CLMRequestTests", dependencies: ["CLMRequest", "CLMCrypto", "CLMHTTP", "CLMInventory", "CLMTestSupport"], swiftSettings: strict),
        .testTarget(name: "CLMAuditTests", dependencies: ["CLMAudit", "CLMInventory", "CLMDiscover", "CLMTestSupport"], swiftSettings: strict),
        .testTarget(name: "CLMReportTests", dependencies: ["CLMReport", "CLMInventory", "CLMDiscover", "CLMTestSupport"], swiftSettings: strict),
        .testTarget(name: "CLMDeployTests", dependencies: ["CLMDeploy", "CLMLifecycle", "CLMInventory", "CLMCrypto", "CLMCore", "CLMTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "CLMLifecycleTests", dependencies: ["CLMLifecycle", "CLMDeploy", "CLMRequest", "CLMInventory", "CLMCore", "CLMTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "CLMEndToEndTests", dependencies: ["CLMTestSupport"], swiftSettings: strict),
        .target(name: "CLMTestSupport", path: "Tests/CLMTestSupport", swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets (Tests/Fuzz): declared only when scripts/fuzz sets
// CLM_FUZZ=1, so a plain `swift build` neither builds nor waits for them.
if Context.environment["CLM_FUZZ"] != nil {
    package.targets.append(.executableTarget(
        name: "clm-fuzz",
        dependencies: ["CLMCrypto", "CLMDiscover", "CLMRequest", "CLMDeploy", "CLMLifecycle", "CLMAudit"],
        path: "Tests/Fuzz/ClmFuzz", swiftSettings: strict,
        // Only this binary links libFuzzer (which brings `main`); the rest of
        // the build gets ASan and coverage from scripts/fuzz's -Xswiftc flags.
        linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])]))
}
