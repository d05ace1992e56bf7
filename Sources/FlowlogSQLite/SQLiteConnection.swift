import FlowlogModel
import FlowlogStore
internal import CSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The owner of one SQLite connection (`sqlite3 *`); closing happens in `deinit`.
///
/// A connection is used by one thread at a time; the ingest pipeline hands it to its writer thread.
///
/// @unchecked: opened with `SQLITE_OPEN_NOMUTEX`, so SQLite does not lock for us; the one-thread-
/// at-a-time rule above is what makes handing it over safe.
final class SQLiteConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    let path: String

    /// Opens the database at `path`; calls `sqlite3_open_v2`.
    ///
    /// With `create`, a database that does not exist is created, first as an empty file with mode
    /// 0600, without following a symlink, because SQLite gives its `-wal` and `-shm` files the
    /// permissions of the database file and flow logs hold addresses and workload names. Without
    /// it (and always when `readOnly`), a missing file is an error and nothing is created.
    ///
    /// A read-only connection to a WAL database needs its `-shm` file, which SQLite creates beside
    /// the database; when it is missing (no other connection is open) and the directory may not
    /// be written, the file is opened as immutable instead (`immutable=1`: no locks, no WAL),
    /// which reads everything committed, since without a `-wal` file every commit is in the
    /// database file.
    init(path: String, readOnly: Bool = false, create: Bool = true) throws(StoreError) {
        _ = SQLiteConnection.configured
        self.path = path
        let creating = create && !readOnly
        if path != ":memory:" && creating { try SQLiteConnection.createPrivateFile(path) }
        var raw: OpaquePointer?
        var flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (creating ? SQLITE_OPEN_CREATE : 0))
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW
        var filename = path
        if readOnly && SQLiteConnection.needsImmutableOpen(path) {
            filename = SQLiteConnection.immutableURI(path)
            flags |= SQLITE_OPEN_URI
        }
        let code = sqlite3_open_v2(filename, &raw, flags, nil)
        guard let raw else {
            throw StoreError(sqliteCode: code, message: "cannot open the database", path: path)
        }
        guard code == SQLITE_OK else {
            let message = String(cString: sqlite3_errmsg(raw))
            // A half-opened handle must still be released.
            sqlite3_close_v2(raw)
            var error = StoreError(sqliteCode: code, message: message, path: path)
            error.message = "cannot open the database: " + error.message
            throw error
        }
        handle = raw
        sqlite3_extended_result_codes(handle, 1)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Process-wide settings, applied once before the first connection: memory statistics off,
    /// since keeping them takes a global mutex on every allocation.
    private static let configured: Bool = flowlog_sqlite_disable_memstatus() == SQLITE_OK

    /// Whether a read-only open must be immutable: neither `-wal` nor `-shm` exists and the
    /// directory may not be written, so SQLite could not create the shared-memory file.
    static func needsImmutableOpen(_ path: String) -> Bool {
        guard path != ":memory:", access(path + "-wal", F_OK) != 0, access(path + "-shm", F_OK) != 0 else { return false }
        let directory = path.lastIndex(of: "/").map { path[..<$0].isEmpty ? "/" : String(path[..<$0]) } ?? "."
        return access(directory, W_OK) != 0
    }

    /// `file:PATH?immutable=1`, the path percent-encoded except for unreserved bytes and `/`.
    static func immutableURI(_ path: String) -> String {
        var encoded = path.hasPrefix("/") ? "//" : ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                encoded.append(Character(Unicode.Scalar(byte)))
            default:
                encoded += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return "file:" + encoded + "?immutable=1"
    }

    private static func createPrivateFile(_ path: String) throws(StoreError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            close(descriptor)
            return
        }
        let error = errno
        if error == EEXIST {
            var info = stat()
            if lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK {
                throw StoreError(kind: .file, message: "refusing to open the database through a symbolic link", path: path)
            }
            return
        }
        throw StoreError(kind: .file, message: "cannot create the database: \(String(cString: strerror(error)))", path: path)
    }

    // MARK: - Errors

    func error(_ code: Int32, sql: String? = nil) -> StoreError {
        let message = sqlite3_errmsg(handle).map { String(cString: $0) } ?? "unknown error"
        let primary = code & 0xFF
        if primary == SQLITE_NOTADB {
            return StoreError(kind: .notADatabase, message: "not a flowlog database (the file is not SQLite or is corrupt)", sql: sql, path: path)
        }
        if primary == SQLITE_CORRUPT {
            return StoreError(kind: .notADatabase, message: "the database file is corrupt: \(message)", sql: sql, path: path)
        }
        return StoreError(sqliteCode: code, message: message, sql: sql, path: path)
    }

    @inline(__always)
    func check(_ code: Int32, sql: String? = nil) throws(StoreError) {
        guard code == SQLITE_OK else { throw error(code, sql: sql) }
    }

    // MARK: - Statements

    /// Runs one or more SQL statements that take no parameters; calls `sqlite3_exec`.
    func execute(_ sql: String) throws(StoreError) {
        try check(sqlite3_exec(handle, sql, nil, nil, nil), sql: sql)
    }

    /// Compiles `sql`; calls `sqlite3_prepare_v3`.
    func prepare(_ sql: String, persistent: Bool = false) throws(StoreError) -> Statement {
        var raw: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sqlite3_prepare_v3(handle, sql, -1, flags, &raw, nil)
        guard code == SQLITE_OK else { throw error(code, sql: sql) }
        guard let raw else { throw StoreError(sqliteCode: code, message: "empty statement", sql: sql, path: path) }
        return Statement(handle: raw, connection: self, sql: sql)
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back if it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs `body`, and runs it again while it fails because another connection holds a lock
    /// (`SQLITE_BUSY` or `SQLITE_LOCKED`), sleeping 2, 4, 8 … ms (at most 250 ms, with jitter so
    /// racing processes spread out) for up to about 20 seconds in all.
    ///
    /// For steps that are safe to redo (each either completes or rolls back). SQLite does not call
    /// the busy handler in every case, e.g. "if the busy-handler callback could cause a deadlock"
    /// or while a brand-new database is switched to WAL mode, so the busy timeout alone is not enough.
    /// - Throws: the last ``StoreError`` once the time is up, or any other error at once.
    func retryingWhileBusy<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        var delay: UInt32 = 2_000
        var slept: UInt64 = 0
        while true {
            do {
                return try body()
            } catch {
                guard error.isBusy, slept < 20_000_000 else { throw error }
                let pause = delay / 2 + UInt32.random(in: 0...delay)
                usleep(pause)
                slept += UInt64(pause)
                delay = min(delay * 2, 250_000)
            }
        }
    }

    /// Rows changed by the last statement; calls `sqlite3_changes`.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// The rowid of the last insert; calls `sqlite3_last_insert_rowid`.
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Sets the busy timeout; calls `sqlite3_busy_timeout`.
    func setBusyTimeout(milliseconds: Int32) throws(StoreError) {
        try check(sqlite3_busy_timeout(handle, milliseconds))
    }

    /// Runs a query returning one integer (e.g. a PRAGMA).
    func scalarInt(_ sql: String) throws(StoreError) -> Int64? {
        let statement = try prepare(sql)
        guard try statement.step() else { return nil }
        return statement.int64(0)
    }
}

/// The owner of one prepared statement (`sqlite3_stmt *`); finalized in `deinit`.
final class Statement {
    private let handle: OpaquePointer
    private let connection: SQLiteConnection
    let sql: String

    fileprivate init(handle: OpaquePointer, connection: SQLiteConnection, sql: String) {
        self.handle = handle
        self.connection = connection
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: Binding (1-based indexes, as in SQLite)

    func bind(_ value: Int64, at index: Int32) throws(StoreError) {
        try connection.check(sqlite3_bind_int64(handle, index, value), sql: sql)
    }

    func bind(_ value: Int, at index: Int32) throws(StoreError) {
        try bind(Int64(value), at: index)
    }

    func bind(_ value: Double, at index: Int32) throws(StoreError) {
        try connection.check(sqlite3_bind_double(handle, index, value), sql: sql)
    }

    /// Binds text as its exact UTF-8 bytes; calls `sqlite3_bind_text` with the byte length, and
    /// SQLite copies the bytes (transient destructor).
    ///
    /// The length is passed explicitly because with -1 SQLite reads up to the first NUL: a
    /// namespace `ns\u{0}evil` from a flow would be stored as `ns` and merged with the real `ns`.
    func bind(_ value: String, at index: Int32) throws(StoreError) {
        var text = value
        let code = text.withUTF8 { bytes -> Int32 in
            guard let length = Int32(exactly: bytes.count) else { return SQLITE_TOOBIG }
            // A non-NULL pointer even for "" so SQLite stores an empty text, not NULL.
            let start = bytes.baseAddress.map(UnsafeRawPointer.init) ?? UnsafeRawPointer(bitPattern: 1)
            return sqlite3_bind_text(handle, index, start?.assumingMemoryBound(to: CChar.self), length, flowlog_sqlite_transient())
        }
        try connection.check(code, sql: sql)
    }

    /// Binds a blob from raw bytes; SQLite copies it (transient destructor).
    func bind(_ value: UnsafeRawBufferPointer, at index: Int32) throws(StoreError) {
        guard let length = Int32(exactly: value.count) else {
            throw StoreError(sqliteCode: SQLITE_TOOBIG, message: "a value of \(value.count) bytes is too large to store",
                             sql: sql, path: connection.path)
        }
        let code = sqlite3_bind_blob(handle, index, value.baseAddress ?? UnsafeRawPointer(bitPattern: 1), length,
                                     flowlog_sqlite_transient())
        try connection.check(code, sql: sql)
    }

    /// Binds a blob; SQLite copies it (transient destructor).
    func bind(_ value: [UInt8], at index: Int32) throws(StoreError) {
        // withUnsafeBytes rethrows untyped errors, so the typed error travels as a Result.
        let result = value.withUnsafeBytes { raw in Result { () throws(StoreError) in try bind(raw, at: index) } }
        try result.get()
    }

    func bindNull(at index: Int32) throws(StoreError) {
        try connection.check(sqlite3_bind_null(handle, index), sql: sql)
    }

    func bind(_ value: Int64?, at index: Int32) throws(StoreError) {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    func bind(_ value: [UInt8]?, at index: Int32) throws(StoreError) {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    // MARK: Stepping

    /// Advances the statement; true when a row is available, false when done; calls `sqlite3_step`.
    @discardableResult
    func step() throws(StoreError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(code, sql: sql)
        }
    }

    /// Resets the statement and clears its bindings for reuse.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Runs the statement to completion and resets it.
    func run() throws(StoreError) {
        defer { reset() }
        while try step() {}
    }

    // MARK: Columns (0-based indexes, as in SQLite)

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    /// The column as text, decoded from exactly `sqlite3_column_bytes` bytes (so an embedded NUL
    /// is kept, never taken for the end of the string).
    ///
    /// `sqlite3_column_text` comes first: SQLite's docs say to call it before
    /// `sqlite3_column_bytes`, since the conversion to text may change the byte count.
    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    func blob(_ column: Int32) -> [UInt8]? {
        guard let raw = sqlite3_column_blob(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: raw, count: count))
    }
}

extension StoreError {
    /// Whether SQLite said another connection holds a lock (`SQLITE_BUSY`, `SQLITE_LOCKED` and
    /// their extended codes), so the same step may succeed later.
    var isBusy: Bool { kind == .busy }

    /// An error with SQLite's result `code`, classified into a backend-neutral kind. The message
    /// is in plain words for the codes a user can act on (see ``plainWords(_:)``); SQLite's own
    /// text is kept as the backend message, shown with the code by `--verbose`.
    init(sqliteCode code: Int32, message: String, sql: String? = nil, path: String? = nil) {
        let kind: Kind
        switch code & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED: kind = .busy
        case SQLITE_READONLY: kind = .readOnly
        case SQLITE_FULL: kind = .full
        case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_AUTH: kind = .cannotOpen
        case SQLITE_IOERR: kind = .io
        case SQLITE_NOTADB, SQLITE_CORRUPT: kind = .notADatabase
        default: kind = .failed
        }
        self.init(kind: kind, message: Self.plainWords(code) ?? message, sql: sql, path: path, backend: ("SQLite", code))
        backendMessage = message
    }

    /// What an SQLite result code means for the user, or nil when SQLite's own message says it
    /// well enough (a constraint, a syntax error: flowlog's bugs, not the user's).
    static func plainWords(_ code: Int32) -> String? {
        // Extended codes (Swift does not import SQLite's macros for them): primary | (n << 8).
        switch code {
        case SQLITE_READONLY | (6 << 8):  // SQLITE_READONLY_DIRECTORY
            return "the database's directory may not be written (a writer needs to create the -wal and -shm files beside it)"
        case SQLITE_READONLY | (4 << 8):  // SQLITE_READONLY_DBMOVED
            return "the database file was moved or deleted while open"
        case SQLITE_CANTOPEN | (2 << 8):  // SQLITE_CANTOPEN_ISDIR
            return "the path is a directory, not a database file"
        default:
            break
        }
        switch code & 0xFF {
        case SQLITE_READONLY:
            return "the database may not be written (a read-only file, directory or file system, or a read-only command)"
        case SQLITE_BUSY, SQLITE_LOCKED:
            return "the database is locked by another process; try again later"
        case SQLITE_FULL:
            return "the disk is full"
        case SQLITE_CANTOPEN:
            return "the database file cannot be opened (it or its directory is missing or may not be read)"
        case SQLITE_PERM, SQLITE_AUTH:
            return "permission denied"
        case SQLITE_IOERR:
            return "reading or writing the database file failed (an I/O error)"
        case SQLITE_NOMEM:
            return "out of memory"
        case SQLITE_NOTADB:
            return "not a flowlog database (the file is not SQLite or is corrupt)"
        default:
            return nil
        }
    }
}
