/// What a command may do to the store it opens.
///
/// Only `ingest` creates a store: a command that reads (or only updates what is there) on a
/// mistyped `--db` must fail, not answer from a new, empty database.
public enum StoreAccess: Sendable, Equatable {
    /// Create the store (file, database, schema) when it does not exist, and write to it.
    case create
    /// Open an existing store and write to it; never create one.
    case readWrite
    /// Open an existing store for reading only (SQLite: a read-only connection, so a user who
    /// may read the file but not write its directory can query it); never create one.
    case readOnly

    /// Whether a store that does not exist yet is created.
    public var createsStore: Bool { self == .create }
}
