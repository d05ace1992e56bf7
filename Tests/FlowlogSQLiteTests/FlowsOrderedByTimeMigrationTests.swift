import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
import FlowlogTestSupport

/// Migration 10 rebuilds the flows table keyed by (time, seq): every row is kept, flows of one
/// time keep the order their rowids gave them, and the store goes on finding repeats.
@Suite struct FlowsOrderedByTimeMigrationTests {
    static func flow(second: Int64, uuid: Int?, verdict: Verdict = .forwarded, summary: String) -> Flow {
        var flow = Fixtures.flow(time: Fixtures.baseSeconds + second, verdict: verdict,
                                 reason: verdict == .dropped ? .policyDenied : .unknown)
        if verdict == .dropped { flow.eventType = CiliumEventType.drop }
        flow.uuid = uuid.flatMap { FlowUUID(FlowLines.uuid($0)) }
        flow.summary = summary
        return flow
    }

    /// (time, seq, summary) of every row, in key order.
    static func keys(_ store: SQLiteFlowStore) throws -> [String] {
        let statement = try store.connection.prepare(
            "SELECT time, seq, (SELECT value FROM strings WHERE id = summary) FROM flows ORDER BY time, seq")
        var keys: [String] = []
        while try statement.step() {
            keys.append("\(statement.int64(0) / 1_000_000_000 - Fixtures.baseSeconds)/\(statement.int64(1))/\(statement.string(2))")
        }
        return keys
    }

    @Test func aVersion9DatabaseIsRebuiltKeyedByTimeWithItsRowsAndTheirOrder() throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("flows.db")
        let version = try #require(Migrations.all.firstIndex(of: Migrations.flowsOrderedByTime)) + 1
        let flows = [
            Self.flow(second: 1, uuid: 1, summary: "a"),
            Self.flow(second: 2, uuid: 2, verdict: .dropped, summary: "b"),
            Self.flow(second: 2, uuid: nil, summary: "c"),
            Self.flow(second: 2, uuid: 3, verdict: .dropped, summary: "d"),
            Self.flow(second: 3, uuid: nil, verdict: .dropped, summary: "e"),
        ]
        var batch = IngestBatch()
        batch.flows = flows
        let drops: [DropCount]
        do {
            let store = try SQLiteFlowStore(path: database)
            #expect(try store.write(batch).inserted == 5)
            drops = try store.dropCounts(matching: FlowQuery())
            // Version 9's rowid table, with the rowids of the flows at second 2 in the reverse of
            // their time order: the rebuild must order a time's flows by rowid, not by anything else.
            try store.connection.execute((try LegacySchema.rowidFlows()) + """
                UPDATE flows SET id = -id WHERE time = \((Fixtures.baseSeconds + 2) * 1_000_000_000);
                PRAGMA user_version = \(version - 1);
                """)
        }
        let upgraded = try SQLiteFlowStore(path: database)
        #expect(try upgraded.connection.scalarInt("PRAGMA user_version") == Int64(Migrations.latestVersion))
        #expect(try Self.keys(upgraded) == ["1/0/a", "2/0/d", "2/1/c", "2/2/b", "3/0/e"])
        let table = try upgraded.connection.prepare("SELECT sql FROM sqlite_schema WHERE name = 'flows'")
        try #require(try table.step())
        #expect(table.string(0).contains("WITHOUT ROWID"))
        let indexes = try upgraded.connection.prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'flows' AND sql IS NOT NULL")
        var names: [String] = []
        while try indexes.step() { names.append(indexes.string(0)) }
        #expect(names == ["flows_drops"])
        #expect(try upgraded.dropCounts(matching: FlowQuery()) == drops)
        var edge = FlowQuery()
        edge.since = Timestamp(rawValue: (Fixtures.baseSeconds + 2) * 1_000_000_000 + 1)
        #expect(try upgraded.dropCounts(matching: edge).map(\.count).reduce(0, +) == 1, "the flows past the edge, from the rebuilt index")

        // The same batch again adds only its flows without a uuid, after the stored ones of their time.
        let again = try upgraded.write(batch)
        #expect(again.inserted == 2)
        #expect(again.duplicates == 3)
        #expect(try Self.keys(upgraded) == ["1/0/a", "2/0/d", "2/1/c", "2/2/b", "2/3/c", "3/0/e", "3/1/e"])
    }
}
