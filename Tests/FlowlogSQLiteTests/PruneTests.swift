import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
import FlowlogTestSupport

@Suite struct PruneTests {
    @Test func pruneDeletesInternedRowsNothingUsesAndWritersStillWork() throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("flows.db")
        let writer = try SQLiteFlowStore(path: database)
        var decoder = FlowDecoder()
        func batch(_ lines: [String]) throws -> IngestBatch {
            var batch = IngestBatch()
            for line in lines { if case .flow(let flow) = try decoder.decode(line) { batch.flows.append(flow) } }
            return batch
        }
        _ = try writer.write(try batch([
            FlowLines.flow(uuid: FlowLines.uuid(1), time: "2026-11-01T10:00:00Z", from: "old-client", to: "old-server", node: "old-node"),
            FlowLines.flow(uuid: FlowLines.uuid(2), time: "2026-11-20T10:00:00Z"),
        ]))
        // Another connection prunes while `writer` keeps its id caches.
        let pruner = try SQLiteFlowStore(path: database)
        let result = try pruner.prune(before: Timestamp(rfc3339: "2026-11-10T00:00:00Z")!)
        #expect(result.flows == 1)
        #expect(result.endpoints == 2)
        #expect(result.labelSets == 2)
        #expect(result.strings == 1, "the old node name")
        // The writer notices the prune and re-interns instead of using ids that are gone.
        _ = try writer.write(try batch([
            FlowLines.flow(uuid: FlowLines.uuid(3), time: "2026-11-20T11:00:00Z", from: "old-client", to: "old-server", node: "old-node"),
        ]))
        let flows = try pruner.flows(matching: FlowQuery(), last: nil)
        #expect(flows.count == 2)
        #expect(flows.last?.source.podName == "old-client-abc123-x1")
        #expect(flows.last?.nodeName == "old-node")
    }
}
