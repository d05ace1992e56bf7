import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
import FlowlogTestSupport

/// The migration to weighted flows (Hubble's exporter aggregation) keeps an older database's
/// answers: every stored row stands for one flow.
@Suite struct FlowWeightsMigrationTests {
    @Test func rowsOfAnOlderDatabaseWeighOneFlowEach() throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("flows.db")
        let version = try #require(Migrations.all.firstIndex(of: Migrations.flowWeights)) + 1
        var dropped = Fixtures.flow(time: Fixtures.baseSeconds + 10, verdict: .dropped, reason: .policyDenied)
        dropped.eventType = CiliumEventType.drop
        dropped.uuid = FlowUUID(FlowLines.uuid(1))
        var forwarded = Fixtures.flow(time: Fixtures.baseSeconds + 20)
        forwarded.uuid = FlowUUID(FlowLines.uuid(2))
        do {
            let store = try SQLiteFlowStore(path: database)
            var batch = IngestBatch()
            batch.flows = [dropped, forwarded]
            _ = try store.write(batch)
            // What the version before held: no weight column, the dropped-flows index without it.
            try store.connection.execute((try LegacySchema.withoutWeights()) + "PRAGMA user_version = \(version - 1);")
        }
        let upgraded = try SQLiteFlowStore(path: database)
        #expect(try upgraded.connection.scalarInt("PRAGMA user_version") == Int64(Migrations.latestVersion))
        #expect(try upgraded.connection.scalarInt("SELECT count(*) FROM flows WHERE weight = 1") == 2)
        #expect(try upgraded.flows(matching: FlowQuery(), last: nil).map(\.weight) == [1, 1])
        #expect(try upgraded.statistics().flows == 2)
        // A window edge inside the minute makes drops read the flows through the rebuilt index.
        var edge = FlowQuery()
        edge.since = Timestamp(rawValue: (Fixtures.baseSeconds + 5) * 1_000_000_000)
        #expect(try upgraded.dropCounts(matching: edge).map(\.count) == [1])
        #expect(try upgraded.dropsPerHour(matching: edge).values.reduce(0, +) == 1)
        let index = try upgraded.connection.prepare("SELECT sql FROM sqlite_schema WHERE name = 'flows_drops'")
        try #require(try index.step())
        #expect(index.string(0).contains("verdict, weight)"), "the rebuilt index covers the weight")
    }
}
