import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
import FlowlogTestSupport

/// A flow is stored once per (time, uuid), whichever way the store finds a repeat: the batch's
/// own keys for flows newer than everything stored, the time index for the others.
@Suite struct FlowDeduplicationTests {
    /// One flow: seconds after ``Fixtures/baseSeconds``, and a uuid number (nil for none).
    struct Record: CustomStringConvertible {
        var second: Int64
        var uuid: Int?

        var description: String { "\(second)s/\(uuid.map(String.init) ?? "none")" }

        var flow: Flow {
            var flow = Fixtures.flow(time: Fixtures.baseSeconds + second)
            flow.uuid = uuid.flatMap { FlowUUID(FlowLines.uuid($0)) }
            return flow
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// Batches written one after the other.
        var batches: [[Record]]
        /// (inserted, duplicates) of each write.
        var results: [[Int]]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "the same flow twice in one batch",
             batches: [[Record(second: 1, uuid: 1), Record(second: 1, uuid: 1)]], results: [[1, 1]]),
        Case(name: "the same flow in a later batch, newest stored",
             batches: [[Record(second: 1, uuid: 1)], [Record(second: 1, uuid: 1)]], results: [[1, 0], [0, 1]]),
        Case(name: "an older flow repeated after newer ones were stored",
             batches: [[Record(second: 1, uuid: 1), Record(second: 5, uuid: 2)], [Record(second: 1, uuid: 1)]],
             results: [[2, 0], [0, 1]]),
        Case(name: "a batch with repeats on both sides of the newest stored time",
             batches: [[Record(second: 3, uuid: 1)],
                       [Record(second: 2, uuid: 2), Record(second: 3, uuid: 1), Record(second: 4, uuid: 3),
                        Record(second: 2, uuid: 2), Record(second: 4, uuid: 3)]],
             results: [[1, 0], [2, 3]]),
        Case(name: "the same uuid at another time is another flow",
             batches: [[Record(second: 1, uuid: 1)], [Record(second: 2, uuid: 1), Record(second: 0, uuid: 1)]],
             results: [[1, 0], [2, 0]]),
        Case(name: "another uuid at the same time is another flow",
             batches: [[Record(second: 1, uuid: 1)], [Record(second: 1, uuid: 2)], [Record(second: 1, uuid: 3)]],
             results: [[1, 0], [1, 0], [1, 0]]),
        Case(name: "flows of one time, stored over several batches, keep the order they were stored in",
             batches: [[Record(second: 1, uuid: 1), Record(second: 1, uuid: nil)],
                       [Record(second: 1, uuid: 2), Record(second: 1, uuid: 1), Record(second: 1, uuid: nil)],
                       [Record(second: 0, uuid: 3), Record(second: 1, uuid: 4)]],
             results: [[2, 0], [2, 1], [2, 0]]),
        Case(name: "flows without a uuid are never repeats",
             batches: [[Record(second: 1, uuid: nil), Record(second: 1, uuid: nil)], [Record(second: 1, uuid: nil)]],
             results: [[2, 0], [1, 0]]),
    ]

    @Test(arguments: cases)
    func eachFlowIsStoredOnce(_ testCase: Case) throws {
        let store = try SQLiteFlowStore(path: ":memory:")
        var results: [[Int]] = []
        for records in testCase.batches {
            var batch = IngestBatch()
            batch.flows = records.map(\.flow)
            let result = try store.write(batch)
            results.append([result.inserted, result.duplicates])
        }
        #expect(results == testCase.results)
        let stored = try store.flows(matching: FlowQuery(), last: nil)
        #expect(stored.count == testCase.results.map { $0[0] }.reduce(0, +))
        // Read back by time, and flows of one time in the order they were first stored.
        var seen: Set<String> = []
        let firsts = testCase.batches.joined().filter { $0.uuid == nil || seen.insert($0.description).inserted }
        let expected = firsts.enumerated().sorted { ($0.element.second, $0.offset) < ($1.element.second, $1.offset) }
        #expect(stored.map(\.uuid) == expected.map(\.element.flow.uuid))
    }

    /// A version 8 database (the unique (time, uuid) index) holding flows is upgraded in place:
    /// the index goes (and the time-only one of version 9 with the rowid table, in version 10),
    /// the flows stay, and re-reading them adds nothing.
    @Test func upgradeFromTheUniqueIndexKeepsFlowsAndRefusesRepeats() throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("flows.db")
        let version = try #require(Migrations.all.firstIndex(of: Migrations.timeIndexWithoutUUID)) + 1
        let flows = [Record(second: 1, uuid: 1), Record(second: 2, uuid: 2), Record(second: 2, uuid: nil)].map(\.flow)
        do {
            let store = try SQLiteFlowStore(path: database)
            var batch = IngestBatch()
            batch.flows = flows
            #expect(try store.write(batch).inserted == 3)
            try store.connection.execute((try LegacySchema.rowidFlows()) + """
                DROP INDEX flows_time;
                CREATE UNIQUE INDEX flows_by_time ON flows(time, uuid);
                PRAGMA user_version = \(version - 1);
                """)
        }
        let upgraded = try SQLiteFlowStore(path: database)
        #expect(try upgraded.connection.scalarInt("PRAGMA user_version") == Int64(Migrations.latestVersion))
        let indexes = try upgraded.connection.prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'flows' ORDER BY name")
        var names: [String] = []
        while try indexes.step() { names.append(indexes.string(0)) }
        #expect(names == ["flows_drops"])
        #expect(try upgraded.flows(matching: FlowQuery(), last: nil).map(\.time) == flows.map(\.time))
        var again = IngestBatch()
        again.flows = flows + [Record(second: 3, uuid: 3).flow]
        let result = try upgraded.write(again)
        // The uuid-less flow is new every time, as it was under the unique index (NULLs differ).
        #expect(result.inserted == 2)
        #expect(result.duplicates == 2)
        #expect(try upgraded.statistics().flows == 5)
    }
}
