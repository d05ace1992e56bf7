import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
import FlowlogTestSupport

/// flowlog opens only its own databases: it marks them with `PRAGMA application_id` and leaves
/// another application's SQLite file untouched; a schema version it never wrote is an error,
/// not a trap (issue #14).
@Suite struct StoreOwnershipTests {
    let directory: TemporaryDirectory
    let database: String

    init() throws {
        directory = try TemporaryDirectory()
        database = directory.path("flows.db")
    }

    /// Runs `sql` on a plain connection (as the sqlite3 shell would) and closes it.
    func prepare(_ sql: String) throws {
        let connection = try SQLiteConnection(path: database)
        try connection.execute(sql)
    }

    func contents() throws -> Data { try Data(contentsOf: URL(fileURLWithPath: database)) }

    @Test func aNewDatabaseCarriesFlowlogsApplicationID() throws {
        let store = try SQLiteFlowStore(path: database)
        #expect(try store.connection.scalarInt("PRAGMA application_id") == 0x466C_6F77)
        #expect(Migrations.applicationID == 0x466C_6F77, "\"Flow\" in ASCII; documented, never changed")
        // Reopening keeps working.
        _ = try SQLiteFlowStore(path: database)
    }

    @Test func anotherApplicationsDatabaseIsRefusedAndLeftUntouched() throws {
        try prepare("CREATE TABLE foo (x)")
        let before = try contents()
        #expect {
            _ = try SQLiteFlowStore(path: database)
        } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.kind == .foreignDatabase
                && error.description == "\(database): not a flowlog database: the SQLite file has tables but not flowlog's "
                    + "application id; flowlog leaves it untouched (choose another --db)"
        }
        #expect(try contents() == before, "not even the journal mode changed")
        #expect(!FileManager.default.fileExists(atPath: database + "-wal"))
        let connection = try SQLiteConnection(path: database)
        #expect(try connection.scalarInt("SELECT count(*) FROM sqlite_schema") == 1)
    }

    @Test func anotherApplicationsIDIsRefusedEvenWithoutTables() throws {
        try prepare("PRAGMA application_id = 1234")
        #expect {
            _ = try SQLiteFlowStore(path: database)
        } throws: { error in
            (error as? StoreError)?.kind == .foreignDatabase && "\(error)".contains("application id 0x4D2")
        }
    }

    @Test func aDatabaseFromBeforeTheApplicationIDOpensAndGetsIt() throws {
        do {
            // What flowlog wrote before it set an application id: the schema and user_version only.
            let connection = try SQLiteConnection(path: database)
            for (index, migration) in Migrations.all.enumerated() {
                try connection.execute(migration)
                try connection.execute("PRAGMA user_version = \(index + 1)")
            }
            try connection.execute("INSERT INTO report_state (name, until_time) VALUES ('default', 42)")
        }
        let store = try SQLiteFlowStore(path: database)
        #expect(try store.connection.scalarInt("PRAGMA application_id") == Int64(Migrations.applicationID))
        #expect(try store.lastReportEnd(name: "default") == Timestamp(rawValue: 42))
    }

    struct VersionCase: Sendable, CustomTestStringConvertible {
        var sql: String
        var kind: StoreError.Kind
        var message: String
        var testDescription: String { sql }
    }

    @Test(arguments: [
        VersionCase(sql: "PRAGMA user_version = -1", kind: .unknownSchema(found: -1),
                    message: "the database has schema version -1, which no flowlog writes; it is damaged or not flowlog's"),
        VersionCase(sql: "PRAGMA user_version = -2147483648", kind: .unknownSchema(found: -2_147_483_648),
                    message: "the database has schema version -2147483648, which no flowlog writes; it is damaged or not flowlog's"),
        VersionCase(sql: "PRAGMA user_version = 1", kind: .foreignDatabase,
                    message: "not a flowlog database: the SQLite file has schema version 1 but no flowlog tables; "
                        + "flowlog leaves it untouched (choose another --db)"),
        VersionCase(sql: "PRAGMA user_version = 2147483647", kind: .foreignDatabase,
                    message: "not a flowlog database: the SQLite file has schema version 2147483647 but no flowlog tables; "
                        + "flowlog leaves it untouched (choose another --db)"),
    ])
    func anUnknownSchemaVersionOnAnEmptyFileIsAClearError(_ test: VersionCase) throws {
        try prepare(test.sql)
        #expect {
            _ = try SQLiteFlowStore(path: database)
        } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.kind == test.kind && error.description == "\(database): \(test.message)"
        }
    }

    @Test(arguments: [-1, -7, Int(Int32.min)])
    func aFlowlogDatabaseWithANegativeVersionIsAClearError(_ version: Int) throws {
        _ = try SQLiteFlowStore(path: database)
        try prepare("PRAGMA user_version = \(version)")
        #expect {
            _ = try SQLiteFlowStore(path: database)
        } throws: { error in
            (error as? StoreError)?.kind == .unknownSchema(found: version)
        }
    }
}
