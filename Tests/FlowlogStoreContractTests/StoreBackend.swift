import Testing
import FlowlogStore
import FlowlogSQLite
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

    /// The backends the contract runs against.
    static let all: [StoreBackend] = [.sqlite]

    /// The embedded SQLite store, one new database file per test.
    static let sqlite = StoreBackend(name: "SQLite") {
        let directory = try TemporaryDirectory()
        let store = try SQLiteFlowStore(path: directory.path("flows.db"))
        return (store, { withExtendedLifetime(directory) {} })
    }
}
