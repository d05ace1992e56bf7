import FlowlogModel
import FlowlogStore
import FlowlogIngest
import FlowlogPolicy
import FlowlogEvaluation
import FlowlogReporting
import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--db`, shared by every command.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The flow database: an SQLite file, or clickhouse://HOST[:PORT]/DATABASE[?cluster=NAME&user=USER].",
        discussion: "Default: $FLOWLOG_DB, else ~/.local/share/flowlog/flows.db. ClickHouse's password comes from $FLOWLOG_CLICKHOUSE_PASSWORD.",
        valueName: "path"))
    var db: String?

    @Flag(help: "Print notes and summaries even when standard error is not a terminal; with an error, also print the backend's own message and code, and the SQL statement.")
    var verbose = false

    /// Whether the database was named (`--db` or `$FLOWLOG_DB`) rather than the per-user default.
    var isNamed: Bool {
        db != nil || !(getenv("FLOWLOG_DB").map { String(cString: $0) } ?? "").isEmpty
    }

    /// The database path: `--db`, else `$FLOWLOG_DB`, else the per-user default.
    func path(creatingDirectories: Bool = false) throws -> String {
        if let db { return db }
        if let fromEnvironment = getenv("FLOWLOG_DB").map({ String(cString: $0) }), !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        let home = getenv("HOME").map { String(cString: $0) } ?? "."
        let dataHome = getenv("XDG_DATA_HOME").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
            ?? home + "/.local/share"
        let directory = dataHome + "/flowlog"
        if creatingDirectories { try makeDirectories(directory) }
        return directory + "/flows.db"
    }

    /// Opens the store `--db` names (through ``StoreFactory``).
    ///
    /// Only `.create` (ingest) creates a store: an SQLite file (mode 0600, in a 0700 directory)
    /// or a ClickHouse database and schema. Any other access on a store that does not exist
    /// fails with "no flow database at …" and creates nothing.
    func openStore(_ access: StoreAccess) throws -> any FlowStore {
        let value = try path(creatingDirectories: access.createsStore)
        let location = try StoreLocation(parsing: value)
        do {
            return try StoreFactory.open(location, access: access)
        } catch let error as StoreError where error.kind == .notFound {
            let place: String
            switch location {
            case .sqlite(let file): place = file
            case .clickhouse(let clickhouse): place = clickhouse.description
            }
            var message = "no flow database at \(place) (run `flowlog ingest` first, or pass --db)"
            if let path = error.path, path != place { message += "; \(path): \(error.message)" }
            throw CLIError.runtime(message)
        }
    }

    /// Opens the store for reading when it exists; nil when the per-user default database does
    /// not exist (a named one that does not exist is an error, as for every read command).
    func openExistingStore() throws -> (any FlowStore)? {
        let value = try path()
        if !isNamed, case .sqlite(let file) = try StoreLocation(parsing: value), access(file, F_OK) != 0 {
            return nil
        }
        return try openStore(.readOnly)
    }

    private func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                throw CLIError.runtime("cannot create \(current): \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// Errors the commands raise themselves, with the exit code each maps to.
enum CLIError: Error, CustomStringConvertible {
    case runtime(String)
    case data(String)

    var description: String {
        switch self {
        case .runtime(let message), .data(let message): message
        }
    }
}
