import ArgumentParser
import FlowlogStore
import FlowlogSQLite
import FlowlogClickHouse
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a `--db` value names: a backend and where its data is. The one place that knows the
/// backends; every command gets an `any FlowStore` from here.
enum StoreLocation: Equatable {
    /// An SQLite database file: a path, or `sqlite:PATH`.
    case sqlite(path: String)
    /// A ClickHouse server or cluster: `clickhouse://HOST[:PORT]/DATABASE[?cluster=NAME&user=USER]`,
    /// with the password from `$FLOWLOG_CLICKHOUSE_PASSWORD`.
    case clickhouse(ClickHouseLocation)

    /// Reads a `--db` value (or `$FLOWLOG_DB`).
    /// - Throws: `ValidationError` (exit 64) for a URL of a backend this build does not have.
    init(parsing value: String) throws {
        if value.hasPrefix("sqlite://") {
            self = .sqlite(path: String(value.dropFirst("sqlite://".count)))
        } else if value.hasPrefix("sqlite:") {
            self = .sqlite(path: String(value.dropFirst("sqlite:".count)))
        } else if value.hasPrefix("clickhouse://") {
            let password = getenv("FLOWLOG_CLICKHOUSE_PASSWORD").map { String(cString: $0) }
            do {
                var location = try ClickHouseLocation(parsing: value, password: password)
                // Fault injection for the crash tests (see ClickHouseLocation.killBeforeCheckpoint).
                location.killBeforeCheckpoint = getenv("FLOWLOG_TEST_KILL_BEFORE_CHECKPOINT").flatMap { Int(String(cString: $0)) }
                self = .clickhouse(location)
            } catch {
                throw ValidationError("--db: \(error.description)")
            }
        } else if let schemeEnd = value.range(of: "://"), !value[..<schemeEnd.lowerBound].contains("/") {
            let scheme = value[..<schemeEnd.lowerBound]
            throw ValidationError("--db: this flowlog cannot open \"\(scheme)://\" databases; give a file path, sqlite:PATH or clickhouse://HOST[:PORT]/DATABASE")
        } else {
            self = .sqlite(path: value)
        }
        if case .sqlite(let path) = self, path.isEmpty { throw ValidationError("--db: the database path is empty") }
    }
}

/// Opens the store a `--db` value names.
enum StoreFactory {
    /// - Parameter access: only `.create` (ingest) creates a store that does not exist; reads
    ///   open SQLite read-only.
    /// - Throws: the backend's `StoreError` when the store cannot be opened (`.notFound` when
    ///   there is none and `access` does not create one).
    static func open(_ location: StoreLocation, access: StoreAccess) throws -> any FlowStore {
        switch location {
        case .sqlite(let path):
            try SQLiteFlowStore(path: path, access: access)
        case .clickhouse(let location):
            try ClickHouseFlowStore(location: location, access: access)
        }
    }
}
