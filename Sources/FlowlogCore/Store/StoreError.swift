/// A failure of the flow store: what SQLite said, and which statement (never the bound values).
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// SQLite returned an error code.
        case sqlite(code: Int32)
        /// The database was written by a newer flowlog.
        case newerSchema(found: Int, supported: Int)
        /// The file is not a flowlog database (or not SQLite at all).
        case notADatabase
        /// The database file could not be created or opened safely.
        case file
        /// Stored values are out of range (a count that overflows 64 bits when summed, a time
        /// bucket no time falls in): the database was damaged or written by something else.
        case invalidData
    }

    public var kind: Kind
    public var message: String
    /// The SQL text of the statement that failed, when one did.
    public var sql: String?
    /// The database path, when known.
    public var path: String?

    public init(kind: Kind, message: String, sql: String? = nil, path: String? = nil) {
        self.kind = kind
        self.message = message
        self.sql = sql
        self.path = path
    }

    public var description: String {
        var text = path.map { "\($0): " } ?? ""
        text += message
        if case .sqlite(let code) = kind { text += " (SQLite code \(code))" }
        return text
    }

    /// The description plus the SQL text, for debugging.
    public var expandedDescription: String {
        guard let sql else { return description }
        return description + "\n  in: " + sql
    }
}
