import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
import FlowlogTestSupport

/// The migration to markers per report selection keeps the markers a database had: the one
/// marker `default` is the unfiltered selection's, and gets its description.
@Suite struct ReportDescriptionsMigrationTests {
    @Test func theSingleMarkerOfAnOlderDatabaseCarriesOnAsTheUnfilteredSelections() throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("flows.db")
        let version = try #require(Migrations.all.firstIndex(of: Migrations.reportDescriptions)) + 1
        do {
            let store = try SQLiteFlowStore(path: database)
            // What the version before held: markers and no descriptions.
            try store.connection.execute("""
                DROP TABLE report_descriptions;
                \((try LegacySchema.withoutWeights()))
                INSERT INTO report_state (name, until_time) VALUES ('default', 1234), ('weekly', 99);
                PRAGMA user_version = \(version - 1);
                """)
        }
        let upgraded = try SQLiteFlowStore(path: database)
        #expect(try upgraded.connection.scalarInt("PRAGMA user_version") == Int64(Migrations.latestVersion))
        #expect(try upgraded.lastReportEnd(name: "default") == Timestamp(rawValue: 1234))
        #expect(try upgraded.reportDescription(name: "default") == "all flows")
        #expect(try upgraded.lastReportEnd(name: "weekly") == Timestamp(rawValue: 99))
        #expect(try upgraded.reportDescription(name: "weekly") == nil)
        let next = try upgraded.claimReportWindow(name: "default", until: Timestamp(rawValue: 2000), firstStart: Timestamp(rawValue: 0))
        #expect(next.since == Timestamp(rawValue: 1234), "the unfiltered report goes on from the old marker")
    }
}
