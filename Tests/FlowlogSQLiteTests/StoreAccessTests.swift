import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
import FlowlogTestSupport

/// Only `.create` makes a database; `.readOnly` never writes; SQLite's codes are said in plain words.
@Suite struct StoreAccessTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory() }

    func entries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted() }

    @Test(arguments: [StoreAccess.readOnly, .readWrite])
    func withoutCreateAMissingDatabaseIsNotFoundAndNothingIsMade(_ access: StoreAccess) throws {
        for path in [directory.path("flows.db"), directory.path("missing/flows.db")] {
            do {
                _ = try SQLiteFlowStore(path: path, access: access)
                Issue.record("opened \(path)")
            } catch {
                #expect(error.kind == .notFound)
                #expect(error.path == path)
            }
        }
        #expect(try entries().isEmpty)
    }

    @Test func aReadOnlyStoreReadsButDoesNotWrite() throws {
        let path = directory.path("flows.db")
        var batch = IngestBatch()
        batch.flows = [Fixtures.flow(verdict: .dropped, reason: .policyDenied)]
        _ = try SQLiteFlowStore(path: path).write(batch)
        let reader = try SQLiteFlowStore(path: path, access: .readOnly)
        #expect(try reader.statistics().flows == 1)
        batch.flows = [Fixtures.flow(time: Fixtures.baseSeconds + 1)]
        do {
            _ = try reader.write(batch)
            Issue.record("a read-only store wrote")
        } catch let error as StoreError {
            #expect(error.kind == .readOnly)
            #expect(error.plainDescription == "\(path): the database may not be written "
                    + "(a read-only file, directory or file system, or a read-only command)")
            #expect(error.verboseDescription.contains("(SQLite code 8)"))
            #expect(error.verboseDescription.contains("SQLite said: attempt to write a readonly database"))
        }
        #expect(try SQLiteFlowStore(path: path, access: .readOnly).statistics().flows == 1)
    }

    /// Table: SQLite result code → the kind and the plain words a user sees.
    static let codes: [(code: Int32, kind: StoreError.Kind, words: String)] = [
        (8 | (6 << 8), .readOnly, "the database's directory may not be written (a writer needs to create the -wal and -shm files beside it)"),
        (8, .readOnly, "the database may not be written (a read-only file, directory or file system, or a read-only command)"),
        (5, .busy, "the database is locked by another process; try again later"),
        (6, .busy, "the database is locked by another process; try again later"),
        (13, .full, "the disk is full"),
        (14, .cannotOpen, "the database file cannot be opened (it or its directory is missing or may not be read)"),
        (14 | (2 << 8), .cannotOpen, "the path is a directory, not a database file"),
        (10 | (3 << 8), .io, "reading or writing the database file failed (an I/O error)"),
        (19, .failed, "UNIQUE constraint failed: t.x"),
    ]

    @Test(arguments: codes.indices)
    func resultCodesAreSaidInPlainWords(_ index: Int) {
        let row = Self.codes[index]
        let error = StoreError(sqliteCode: row.code, message: "UNIQUE constraint failed: t.x", path: "/db")
        #expect(error.kind == row.kind)
        #expect(error.plainDescription == "/db: " + row.words)
        #expect(!error.plainDescription.contains("code"))
        #expect(error.verboseDescription.hasPrefix("/db: \(row.words) (SQLite code \(row.code))"))
    }

    @Test func theImmutableURIEscapesWhatAURIWouldRead() {
        #expect(SQLiteConnection.immutableURI("/var/lib/flows.db") == "file:///var/lib/flows.db?immutable=1")
        #expect(SQLiteConnection.immutableURI("d/a b?#%.db") == "file:d/a%20b%3F%23%25.db?immutable=1")
    }
}
