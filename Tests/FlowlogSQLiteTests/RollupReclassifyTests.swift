import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
import FlowlogTestSupport

/// Migration 4: `flow_rollup` rows written under the classification before ``EndpointKind``
/// are recounted so that exactly the sides that are not pods keep their address.
@Suite struct RollupReclassifyTests {
    /// `(source_ip length, destination_ip length, count)` per rollup row, sorted.
    func rollupRows(_ store: SQLiteFlowStore) throws -> [[Int64]] {
        let statement = try store.connection.prepare(
            "SELECT length(source_ip), length(destination_ip), count FROM flow_rollup ORDER BY 1, 2, 3")
        var rows: [[Int64]] = []
        while try statement.step() { rows.append([statement.int64(0), statement.int64(1), statement.int64(2)]) }
        return rows
    }

    @Test func aVersion3RollupIsRecountedUnderTheOneClassification() throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("flows.db")
        // Identity 1 with only k8s: labels: the rule before EndpointKind took it for a pod and
        // dropped its address; it is the host, and keeps it now.
        let host = Endpoint(identity: 1, labels: ["k8s:app=node-exporter"])
        var batch = IngestBatch()
        batch.flows = [
            Fixtures.flow(time: Fixtures.baseSeconds, source: host, destination: Fixtures.pod("api"),
                          sourceIP: "172.18.0.2", destinationIP: "10.0.2.20"),
            Fixtures.flow(time: Fixtures.baseSeconds + 1, source: host, destination: Fixtures.pod("api"),
                          sourceIP: "172.18.0.2", destinationIP: "10.0.2.20"),
            Fixtures.flow(time: Fixtures.baseSeconds + 7200, verdict: .dropped, reason: .policyDenied,
                          source: Fixtures.pod("frontend"), destination: Fixtures.pod("api")),
        ]
        let expected: [[Int64]]
        let drops: [DropCount]
        do {
            let store = try SQLiteFlowStore(path: database)
            _ = try store.write(batch)
            expected = try rollupRows(store)
            drops = try store.dropCounts(matching: FlowQuery())
            #expect(expected == [[0, 0, 1], [4, 0, 2]])
            // What a version-3 store holds: the host's address dropped, a pod's address kept.
            try store.connection.execute("""
                UPDATE flow_rollup SET source_ip = x'' WHERE length(source_ip) > 0;
                UPDATE flow_rollup SET destination_ip = x'0a000214' WHERE length(source_ip) = 0 AND count = 1;
                PRAGMA user_version = 3;
                \((try LegacySchema.withoutWeights()))
                ALTER TABLE flows DROP COLUMN source_names;
                ALTER TABLE flows DROP COLUMN destination_names;
                """)
            #expect(try rollupRows(store) == [[0, 0, 2], [0, 4, 1]])
        }
        let reopened = try SQLiteFlowStore(path: database)
        #expect(try reopened.connection.scalarInt("PRAGMA user_version") == Int64(Migrations.latestVersion))
        #expect(try rollupRows(reopened) == expected)
        #expect(try reopened.dropCounts(matching: FlowQuery()) == drops, "drop_rollup is left alone")
        #expect(try reopened.connection.scalarInt("SELECT count(*) FROM meta WHERE key = 'flow_rollup_reclassify'") == 0)
    }

    @Test func aNewStoreHasNothingToReclassify() throws {
        let store = try SQLiteFlowStore(path: ":memory:")
        #expect(try store.connection.scalarInt("SELECT count(*) FROM meta WHERE key = 'flow_rollup_reclassify'") == 0)
    }
}
