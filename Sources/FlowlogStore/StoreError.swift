import FlowlogModel
/// A failure of the flow store: a backend-neutral kind, the backend's own message and code, and
/// which statement failed (never the bound values).
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Another connection or process holds a lock; the same operation may succeed later.
        case busy
        /// The database may not be written (file permissions, a read-only mount or connection).
        case readOnly
        /// The disk or the database is full.
        case full
        /// The database could not be opened or reached.
        case cannotOpen
        /// Reading or writing the database's storage failed.
        case io
        /// Any other failure the backend reported (see ``StoreError/backendCode``).
        case failed
        /// The database was written by a newer flowlog.
        case newerSchema(found: Int, supported: Int)
        /// The file is not a flowlog database (or not SQLite at all).
        case notADatabase
        /// The database file could not be created or opened safely.
        case file
        /// The file is an SQLite database of another application (it has tables but not
        /// flowlog's `PRAGMA application_id`); flowlog leaves it untouched.
        case foreignDatabase
        /// The database's schema version is one no flowlog ever wrote (negative, or a flowlog
        /// version without flowlog's tables).
        case unknownSchema(found: Int)
        /// A time or count, from the database or from a flag, is outside what flowlog can compute
        /// with (nanoseconds since 1970 in 64 bits reach only from 1677 to 2262).
        case outOfRange
        /// There is no store at the location, and the command does not create one (see ``StoreAccess``).
        case notFound
    }

    public var kind: Kind
    public var message: String
    /// The SQL text of the statement that failed, when one did.
    public var sql: String?
    /// The database path, when known.
    public var path: String?
    /// The backend that failed and its own error code (`SQLite`, 5), when it gave one.
    public var backend: (name: String, code: Int32)?
    /// The backend's own wording when ``message`` says it in plain words instead
    /// (SQLite's "attempt to write a readonly database"); shown by ``verboseDescription``.
    public var backendMessage: String?

    public init(kind: Kind, message: String, sql: String? = nil, path: String? = nil,
                backend: (name: String, code: Int32)? = nil) {
        self.kind = kind
        self.message = message
        self.sql = sql
        self.path = path
        self.backend = backend
    }

    public var description: String {
        var text = path.map { "\($0): " } ?? ""
        text += message
        if let backend { text += " (\(backend.name) code \(backend.code))" }
        return text
    }

    /// Where and what, in plain words, without the backend's code: what a command prints.
    public var plainDescription: String {
        (path.map { "\($0): " } ?? "") + message
    }

    /// The description plus the backend's own message and the SQL text, for `--verbose`.
    public var verboseDescription: String {
        var text = description
        if let backendMessage, backendMessage != message { text += "\n  \(backend?.name ?? "backend") said: " + backendMessage }
        if let sql { text += "\n  in: " + sql }
        return text
    }

    /// The description plus the SQL text, for debugging.
    public var expandedDescription: String {
        guard let sql else { return description }
        return description + "\n  in: " + sql
    }
}
