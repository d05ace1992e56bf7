import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
import FlowlogTestSupport

/// The migration that stores lost events once removes the duplicates earlier versions stored.
@Suite struct LostEventsMigrationTests {
    @Test func duplicatesStoredBeforeAreRemovedOnUpgrade() throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("flows.db")
        do {
            let store = try SQLiteFlowStore(path: database)
            // What an earlier version could hold: the same records twice, with and without a CPU
            // (and none of the later migrations' tables).
            let version = try #require(Migrations.all.firstIndex(of: Migrations.lostEventsOnce)) + 1
            try store.connection.execute("""
                DROP INDEX lost_events_once;
                DROP TABLE report_descriptions;
                \((try LegacySchema.withoutWeights()))
                INSERT INTO lost_events (time, node, source, count, cpu) VALUES
                    (1, 'n1', 'HUBBLE_RING_BUFFER', 6, NULL), (1, 'n1', 'HUBBLE_RING_BUFFER', 6, NULL),
                    (2, 'n1', 'HUBBLE_RING_BUFFER', 4, 1), (2, 'n1', 'HUBBLE_RING_BUFFER', 4, 1),
                    (2, 'n1', 'HUBBLE_RING_BUFFER', 4, 2);
                PRAGMA user_version = \(version - 1);
                """)
            #expect(try store.lostEventCount(since: nil, until: nil) == 24)
        }
        let upgraded = try SQLiteFlowStore(path: database)
        #expect(try upgraded.lostEventCount(since: nil, until: nil) == 14)
        #expect(try upgraded.connection.scalarInt("PRAGMA user_version") == Int64(Migrations.latestVersion))
    }
}
