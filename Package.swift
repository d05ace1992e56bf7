// swift-tools-version:6.0
import PackageDescription

// One target per layer; arrows point down only, so a wrong import does not compile:
//
//   flowlog (CLI) ─► FlowlogReporting ─► FlowlogEvaluation ─► FlowlogPolicy ─► FlowlogModel
//        │                    │                   └──────────► FlowlogStore ──► FlowlogModel
//        ├─► FlowlogIngest ─► FlowlogStore, FlowlogModel   (CZlib)
//        ├─► FlowlogSQLite ─► FlowlogStore, FlowlogModel   (CSQLite)
//        └─► FlowlogClickHouse ─► FlowlogStore, FlowlogModel   (HTTP through URLSession)
let package = Package(
    name: "flowlog",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "flowlog", targets: ["flowlog"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        // Flows, endpoints and their one classification, labels and selectors, addresses,
        // times, verdicts, drop reasons, the drop rule; text safety and JSON scanning. No I/O.
        .target(name: "FlowlogModel"),
        // The backend-neutral store contract: protocols, queries, batches, checkpoints, errors.
        .target(name: "FlowlogStore", dependencies: ["FlowlogModel"]),
        // The ClickHouse backend over HTTP (URLSession): one server or a sharded cluster.
        .target(name: "FlowlogClickHouse", dependencies: ["FlowlogModel", "FlowlogStore"]),
        // The embedded SQLite backend (the only user of CSQLite).
        .target(name: "FlowlogSQLite", dependencies: ["FlowlogModel", "FlowlogStore", "CSQLite"]),
        // Line reading (plain, gzip), decoding and the ingestor; sees the store through its protocol.
        .target(name: "FlowlogIngest", dependencies: ["FlowlogModel", "FlowlogStore", "CZlib"]),
        // NetworkPolicy model and the YAML loader (the only user of CYAML).
        .target(name: "FlowlogPolicy", dependencies: ["FlowlogModel", "CYAML"]),
        // Verdicts with explanations, the verdict cache, replay and lint.
        .target(name: "FlowlogEvaluation", dependencies: ["FlowlogModel", "FlowlogStore", "FlowlogPolicy"]),
        // Renderers and periodic reports.
        .target(name: "FlowlogReporting",
                dependencies: ["FlowlogModel", "FlowlogStore", "FlowlogPolicy", "FlowlogEvaluation"]),
        .executableTarget(
            name: "flowlog",
            dependencies: [
                "FlowlogModel", "FlowlogStore", "FlowlogSQLite", "FlowlogClickHouse", "FlowlogIngest", "FlowlogPolicy",
                "FlowlogEvaluation", "FlowlogReporting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Tests: one target per library target, each depending on the layers it tests.

        // Shared builders (flow lines, flow and policy fixtures, temporary directories, ingest helpers). A test
        // target, not a `.target`, so that `swift build` keeps building only the product (SwiftPM
        // builds every regular target of the root package, even one only tests use). It holds no
        // tests of its own.
        .testTarget(name: "FlowlogTestSupport", dependencies: [
            "FlowlogModel", "FlowlogStore", "FlowlogSQLite", "FlowlogIngest", "FlowlogPolicy",
        ]),
        .testTarget(name: "FlowlogModelTests", dependencies: ["FlowlogModel", "FlowlogTestSupport"]),
        .testTarget(name: "FlowlogStoreTests", dependencies: ["FlowlogModel", "FlowlogStore", "FlowlogTestSupport"]),
        // The store contract: every backend runs the same suites through the `FlowStore`
        // protocol (see Tests/FlowlogStoreContractTests/StoreBackend.swift to add one).
        .testTarget(name: "FlowlogStoreContractTests", dependencies: [
            "FlowlogModel", "FlowlogStore", "FlowlogSQLite", "FlowlogClickHouse", "FlowlogIngest", "FlowlogTestSupport",
        ]),
        .testTarget(name: "FlowlogSQLiteTests", dependencies: [
            "FlowlogModel", "FlowlogStore", "FlowlogSQLite", "FlowlogIngest", "FlowlogTestSupport",
        ]),
        .testTarget(name: "FlowlogIngestTests", dependencies: [
            "FlowlogModel", "FlowlogStore", "FlowlogSQLite", "FlowlogIngest", "FlowlogTestSupport",
        ]),
        .testTarget(name: "FlowlogPolicyTests", dependencies: ["FlowlogModel", "FlowlogPolicy", "FlowlogTestSupport"]),
        .testTarget(name: "FlowlogEvaluationTests", dependencies: [
            "FlowlogModel", "FlowlogStore", "FlowlogSQLite", "FlowlogIngest", "FlowlogPolicy", "FlowlogEvaluation",
            "FlowlogTestSupport",
        ]),
        // Reporting sits on top, so cross-layer agreement tests (EndpointKind) live here too.
        .testTarget(name: "FlowlogReportingTests", dependencies: [
            "FlowlogModel", "FlowlogStore", "FlowlogSQLite", "FlowlogIngest", "FlowlogPolicy", "FlowlogEvaluation",
            "FlowlogReporting", "FlowlogTestSupport",
        ]),
        .testTarget(name: "FlowlogCLITests", dependencies: ["flowlog"]),
        .testTarget(name: "FlowlogClickHouseTests", dependencies: [
            "FlowlogModel", "FlowlogStore", "FlowlogClickHouse", "FlowlogSQLite", "FlowlogIngest",
        ]),
    ]
)
