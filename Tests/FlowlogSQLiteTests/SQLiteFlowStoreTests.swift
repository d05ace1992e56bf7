import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
import FlowlogTestSupport

@Suite struct SQLiteFlowStoreTests {
    let directory: TemporaryDirectory
    let database: String

    init() throws {
        directory = try TemporaryDirectory()
        database = directory.path("flows.db")
    }

    func write(_ lines: [String], to store: SQLiteFlowStore) throws -> BatchResult {
        var decoder = FlowDecoder()
        var batch = IngestBatch()
        for line in lines {
            if case .flow(let flow) = try decoder.decode(line) { batch.flows.append(flow) }
        }
        return try store.write(batch)
    }

    @Test func endpointsAndLabelSetsAreInterned() throws {
        let store = try SQLiteFlowStore(path: database)
        let lines = (1...50).map { FlowLines.flow(uuid: FlowLines.uuid($0), from: $0 % 2 == 0 ? "frontend" : "api", to: "database") }
        _ = try write(lines, to: store)
        let stats = try store.statistics()
        #expect(stats.flows == 50)
        #expect(stats.endpoints == 3)
        #expect(stats.labelSets == 3)
        // Reopening finds the same ids rather than adding rows.
        let reopened = try SQLiteFlowStore(path: database)
        _ = try write([FlowLines.flow(uuid: FlowLines.uuid(99), from: "api", to: "database")], to: reopened)
        #expect(try reopened.statistics().endpoints == 3)
    }

    @Test func storedFlowsReadBackEqualToWhatWasDecoded() throws {
        let store = try SQLiteFlowStore(path: database)
        var decoder = FlowDecoder()
        var expected: [Flow] = []
        for line in try String(contentsOfFile: sampleFlowsPath, encoding: .utf8).split(separator: "\n") {
            if case .flow(let flow)? = try? decoder.decode(String(line)) { expected.append(flow) }
        }
        var batch = IngestBatch()
        batch.flows = expected
        _ = try store.write(batch)
        let stored = try store.flows(matching: FlowQuery(), last: nil)
        let byUUID = Dictionary(uniqueKeysWithValues: expected.map { ($0.uuid!, $0) })
        #expect(stored.count == expected.count)
        for flow in stored { #expect(byUUID[flow.uuid!] == flow) }
        #expect(stored.map(\.time) == stored.map(\.time).sorted())
    }

    @Test func aDatabaseFromANewerFlowlogIsRefused() throws {
        _ = try SQLiteFlowStore(path: database)
        let connection = try SQLiteConnection(path: database)
        try connection.execute("PRAGMA user_version = 99")
        #expect {
            _ = try SQLiteFlowStore(path: database)
        } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.kind == .newerSchema(found: 99, supported: Migrations.latestVersion)
                && error.description == "\(database): the database has schema version 99, newer than this flowlog supports (\(Migrations.latestVersion)); upgrade flowlog"
        }
    }

    @Test func aFileThatIsNotSQLiteIsAClearError() throws {
        let path = try directory.write("notes.txt", String(repeating: "these are not flows\n", count: 400))
        #expect {
            _ = try SQLiteFlowStore(path: path)
        } throws: { error in
            (error as? StoreError)?.kind == .notADatabase
                && "\(error)" == "\(path): not a flowlog database (the file is not SQLite or is corrupt)"
        }
    }

    @Test func theDatabaseAndItsWALAreCreatedReadableByTheOwnerOnly() throws {
        let store = try SQLiteFlowStore(path: database)
        _ = try write([FlowLines.flow(uuid: FlowLines.uuid(1))], to: store)
        for path in [database, database + "-wal", database + "-shm"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(path)")
        }
    }

    @Test func aDatabasePathThatIsASymlinkIsRefused() throws {
        let target = directory.path("elsewhere.db")
        try FileManager.default.createSymbolicLink(atPath: database, withDestinationPath: target)
        #expect(throws: StoreError.self) { _ = try SQLiteFlowStore(path: database) }
        #expect(!FileManager.default.fileExists(atPath: target))
    }

}

@Suite struct MigrationTests {
    @Test func aDatabaseFromTheFirstSchemaIsMigratedForward() throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("old.db")
        do {
            // A version-1 database: what the first release created.
            let connection = try SQLiteConnection(path: database)
            try connection.execute(Migrations.version1)
            try connection.execute("PRAGMA user_version = 1")
        }
        let store = try SQLiteFlowStore(path: database)
        #expect(try store.connection.scalarInt("PRAGMA user_version") == Int64(Migrations.latestVersion))
        // The second migration's tables work.
        try store.recordReport(name: "default", until: Timestamp(seconds: 1_800_000_000))
        #expect(try store.lastReportEnd(name: "default") == Timestamp(seconds: 1_800_000_000))
        #expect(try store.connection.scalarInt("SELECT value FROM meta WHERE key = 'intern_generation'") == 0)
    }
}
