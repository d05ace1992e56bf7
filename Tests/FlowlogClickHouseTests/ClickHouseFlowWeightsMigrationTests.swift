import Foundation
import Testing
import FlowlogModel
import FlowlogStore
@testable import FlowlogClickHouse

/// Schema version 6 (flow weights) reaches a store made at version 5: its rows stand for one
/// flow each, its drops rollup answers as before, and the re-created feed counts new weighted
/// drops exactly.
@Suite(.enabled(if: TestServer.isAvailable, TestServer.skipNote))
struct ClickHouseFlowWeightsMigrationTests {
    static func drop(_ second: Int64, uuid: Int, weight: UInt32) -> Flow {
        var flow = Flow()
        flow.time = Timestamp(rawValue: (1_795_168_800 + second) * 1_000_000_000)
        flow.verdict = .dropped
        flow.dropReason = .policyDenied
        flow.eventType = CiliumEventType.drop
        flow.uuid = FlowUUID(bytes: Array(repeating: 0, count: 15) + [UInt8(uuid)])
        flow.l4 = Layer4(proto: .tcp, sourcePort: 43512, destinationPort: 8080)
        flow.source = Endpoint(identity: 1234, namespace: "production", labels: ["k8s:app=frontend"])
        flow.destination = Endpoint(identity: 5678, namespace: "production", labels: ["k8s:app=api"])
        flow.weight = weight
        return flow
    }

    @Test func aVersion5StoreCountsItsRowsOnceAndNewWeightsExactly() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        do {
            // A store with two drops, taken back to what version 5 held: no weight column, no
            // extra_flows in the rollup, the feed of version 3.
            let store = try TestServer.store(database)
            var batch = IngestBatch()
            batch.flows = [Self.drop(10, uuid: 1, weight: 1), Self.drop(70, uuid: 2, weight: 1)]
            _ = try store.write(batch)
            let feed = ClickHouseSchema.version3.first { $0.view != nil }!
            try store.execute("DROP TABLE \(database).drop_rollup_feed")
            try store.execute("ALTER TABLE \(database).flows DROP COLUMN weight")
            try store.execute("ALTER TABLE \(database).drop_rollup DROP COLUMN extra_flows")
            try store.execute("""
                CREATE MATERIALIZED VIEW \(database).drop_rollup_feed TO \(database).drop_rollup
                AS \(feed.view!.select.replacing("{source}", with: "\(database).flows"))
                """)
            try store.execute("DROP TABLE \(database).schema_versions")
            try store.execute("CREATE TABLE \(database).schema_versions (\(ClickHouseSchema.versionsTable.columns)) ENGINE = \(ClickHouseSchema.versionsTable.engine)")
            try store.execute("INSERT INTO \(database).schema_versions (version, applied) VALUES (1, 0), (2, 0), (3, 0), (4, 0), (5, 0)")
        }
        let store = try TestServer.store(database)
        var versions = RowBinaryReader(try store.execute(
            "SELECT toUInt32(max(version)) FROM \(database).schema_versions FORMAT RowBinary"), label: "")
        #expect(try versions.uint32() == UInt32(ClickHouseSchema.latestVersion))
        #expect(try store.flows(matching: FlowQuery(), last: nil).map(\.weight) == [1, 1])
        #expect(try store.dropCounts(matching: FlowQuery()).map(\.count) == [2])

        var batch = IngestBatch()
        batch.flows = [Self.drop(80, uuid: 3, weight: 7)]
        _ = try store.write(batch)
        // Whole minutes come from the rollup, which the re-created feed filled.
        #expect(try store.dropCounts(matching: FlowQuery()).map(\.count) == [9])
        #expect(try store.dropsPerHour(matching: FlowQuery()).values.reduce(0, +) == 9)
        #expect(try store.statistics().flows == 9)
    }
}
