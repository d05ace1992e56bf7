import Testing
import FlowlogStore
import Foundation
import FlowlogSQLite
import FlowlogClickHouse
import FlowlogTestSupport

/// A store backend under the contract: a name and a factory for fresh, isolated stores.
///
/// Every suite in this target takes a `StoreBackend` as a test argument and talks to the store
/// only through ``FlowStore``, so each backend runs the same tests unchanged.
///
/// ## Adding a backend
///
/// 1. Add the backend's target to `FlowlogStoreContractTests`' dependencies in Package.swift.
/// 2. Add a `StoreBackend` below whose `makeStore` returns an empty store that no other test
///    sees (SQLite: a new file in a new temporary directory; a server backend: a new database,
///    dropped by `tearDown`), and list it in ``all``. A backend that needs a server it cannot
///    find (no URL in the environment) is left out of ``all`` rather than failing; `.ci/run`
///    starts the servers the tests need.
///
/// Tests run in parallel, so `makeStore` must be callable from any thread and the stores it
/// returns must not share state (tables, markers, checkpoints) with each other.
struct StoreBackend: Sendable, CustomTestStringConvertible {
    var name: String
    /// Makes a fresh, empty store, and what to do once the test is finished with it.
    var makeStore: @Sendable () throws -> (store: any FlowStore, tearDown: () -> Void)

    var testDescription: String { name }

    /// Runs `body` with a fresh store, tearing it down afterwards.
    func withFreshStore<T>(_ body: (any FlowStore) throws -> T) throws -> T {
        let (store, tearDown) = try makeStore()
        defer { tearDown() }
        return try body(store)
    }

    /// The backends the contract runs against: SQLite always; ClickHouse on one server when
    /// `FLOWLOG_TEST_CLICKHOUSE=http://HOST:PORT` is set, and on a cluster when
    /// `FLOWLOG_TEST_CLICKHOUSE_CLUSTER=HOST:PORT/?cluster=NAME` is (`bash .ci/clickhouse.sh start`
    /// prints both).
    static let all: [StoreBackend] = [.sqlite] + clickhouseBackends

    static var clickhouseBackends: [StoreBackend] {
        let environment = ProcessInfo.processInfo.environment
        var backends: [StoreBackend] = []
        if let server = environment["FLOWLOG_TEST_CLICKHOUSE"], !server.isEmpty {
            let host = server.replacingOccurrences(of: "http://", with: "").split(separator: "/").first.map(String.init) ?? server
            backends.append(clickhouse(name: "ClickHouse", url: { "clickhouse://\(host)/\($0)" }))
        }
        if let cluster = environment["FLOWLOG_TEST_CLICKHOUSE_CLUSTER"], !cluster.isEmpty {
            let host = String(cluster.prefix { $0 != "/" })
            let given = cluster.firstIndex(of: "?").map { String(cluster[$0...]) } ?? ""
            // An environment from before shards= was needed: .ci/clickhouse.sh's shard ports.
            let query = given.contains("shards=") ? given : given + "&shards=127.0.0.1:18124,127.0.0.1:18125"
            backends.append(clickhouse(name: "ClickHouse cluster", url: { "clickhouse://\(host)/\($0)\(query)" }))
        }
        return backends
    }

    /// ClickHouse, one new database per test (named after a fresh UUID), dropped afterwards.
    static func clickhouse(name: String, url: @escaping @Sendable (String) -> String) -> StoreBackend {
        StoreBackend(name: name) {
            let database = "flowlog_contract_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            let store = try ClickHouseFlowStore(location: ClickHouseLocation(parsing: url(database)))
            return (store, { try? store.dropDatabase() })
        }
    }

    /// The embedded SQLite store, one new database file per test.
    static let sqlite = StoreBackend(name: "SQLite") {
        let directory = try TemporaryDirectory()
        let store = try SQLiteFlowStore(path: directory.path("flows.db"))
        return (store, { withExtendedLifetime(directory) {} })
    }
}
