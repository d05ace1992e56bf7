import Foundation
import Testing
import FlowlogModel
import FlowlogStore
@testable import FlowlogClickHouse

/// Schema version 4 (descriptions beside report markers; after 3, the drops rollup) reaches a store made at version 2: its
/// one marker, `default`, is the unfiltered selection's and carries on.
@Suite(.enabled(if: TestServer.isAvailable, TestServer.skipNote))
struct ClickHouseReportDescriptionsMigrationTests {
    @Test func aVersion2StoreKeepsItsMarkerAndGainsDescriptions() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        let adminDatabase = TestServer.freshDatabase()
        defer { TestServer.drop(adminDatabase) }
        let admin = try TestServer.store(adminDatabase)
        // The store as version 2 left it, with a marker written as that version wrote it.
        try ClickHouseMigrationTests.makeVersion1Store(database)
        for column in ClickHouseSchema.version2 {
            try admin.execute("ALTER TABLE \(database).\(column.table) ADD COLUMN \(column.name) \(column.type)")
        }
        try admin.execute("INSERT INTO \(database).schema_versions (version, applied) VALUES (2, 0)")
        try admin.execute("""
            INSERT INTO \(database).report_state (key, name, until_time, present, updated)
            VALUES (\(RecordKey.name("default", tag: UInt8(ascii: "R"))), 'default', 1234, 1, 1)
            """)

        let store = try TestServer.store(database)
        var versions = RowBinaryReader(try store.execute(
            "SELECT toUInt32(max(version)) FROM \(database).schema_versions FORMAT RowBinary"), label: "")
        #expect(try versions.uint32() == UInt32(ClickHouseSchema.latestVersion))
        #expect(try store.lastReportEnd(name: "default") == Timestamp(rawValue: 1234))
        #expect(try store.reportDescription(name: "default") == nil)
        try store.describeReport(name: "default", as: "all flows")
        #expect(try store.reportDescription(name: "default") == "all flows")
        let next = try store.claimReportWindow(name: "default", until: Timestamp(rawValue: 2000), firstStart: Timestamp(rawValue: 0))
        #expect(next.since == Timestamp(rawValue: 1234), "the unfiltered report goes on from the old marker")
    }
}
