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

    /// The database path: `--db`, else `$FLOWLOG_DB`, else the per-user default.
    func path(creatingDirectories: Bool = true) throws -> String {
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

    /// Opens the store `--db` names (through ``StoreFactory``), creating an SQLite file (mode
    /// 0600, in a 0700 directory) when it does not exist.
    func openStore() throws -> any FlowStore {
        try StoreFactory.open(StoreLocation(parsing: path()))
    }

    /// Opens the store `--db` names only if it exists (never creates one); nil when it does not.
    func openExistingStore() throws -> (any FlowStore)? {
        let value = try path(creatingDirectories: false)
        if case .sqlite(let file) = try StoreLocation(parsing: value), file != ":memory:", access(file, F_OK) != 0 {
            return nil
        }
        return try StoreFactory.open(StoreLocation(parsing: value))
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
