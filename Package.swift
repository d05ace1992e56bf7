// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "flowlog",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "flowlog", targets: ["flowlog"]),
        .library(name: "FlowlogCore", targets: ["FlowlogCore"]),
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
        .target(
            name: "FlowlogCore",
            dependencies: ["CSQLite", "CYAML", "CZlib"]
        ),
        .executableTarget(
            name: "flowlog",
            dependencies: [
                "FlowlogCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "FlowlogCoreTests", dependencies: ["FlowlogCore"]),
        .testTarget(name: "FlowlogCLITests", dependencies: ["flowlog"]),
    ]
)
