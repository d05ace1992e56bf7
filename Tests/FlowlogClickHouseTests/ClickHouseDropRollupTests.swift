import Foundation
import Testing
import FlowlogModel
import FlowlogStore
import FlowlogSQLite
@testable import FlowlogClickHouse

/// The drops rollup: whole minutes from the rollup, partial ones (and filters it cannot answer)
/// from flows, the sum identical to SQLite's answer over the same flows, whatever the bounds.
@Suite(.enabled(if: TestServer.isAvailable, TestServer.skipNote))
struct ClickHouseDropRollupTests {
    static let minute: Int64 = 60_000_000_000
    /// A minute boundary (2025-11-24T16:00:00Z) the flows lie around.
    static let base: Int64 = 1_764_000_000_000_000_000

    /// Flows spread over four minutes before and after `base`, one before 1970 (a negative time,
    /// where the floor of a minute is not the truncation), drops and their policy-verdict twins,
    /// two namespaces, both directions, TCP and UDP, replies.
    static func flows() -> [Flow] {
        var result: [Flow] = []
        for index in 0..<240 {
            var flow = Flow()
            flow.time = Timestamp(rawValue: base + Int64(index - 120) * 2_000_000_000 + Int64(index % 7) * 1_000)
            flow.uuid = FlowUUID(String(format: "%08x-0000-4000-8000-%012x", index, index + 1))
            flow.verdict = index % 4 == 3 ? .forwarded : .dropped
            flow.eventType = index % 11 == 0 ? CiliumEventType.policyVerdict : 1
            flow.dropReason = DropReason(rawValue: index % 5 == 0 ? 181 : 133)
            flow.l4 = Layer4(proto: index % 6 == 0 ? .udp : .tcp, sourcePort: UInt16(40_000 + index % 3),
                             destinationPort: UInt16(index % 2 == 0 ? 5432 : 53))
            flow.isReply = index % 9 == 0
            flow.trafficDirection = index % 2 == 0 ? .ingress : .egress
            flow.nodeName = index % 3 == 0 ? "node-a" : "node-b"
            let namespace = index % 3 == 0 ? "production" : "staging"
            flow.source = Endpoint(identity: UInt32(100 + index % 4), namespace: namespace, podName: "api-\(index % 4)",
                                   labels: ["k8s:app=api\(index % 4)", "k8s:io.kubernetes.pod.namespace=\(namespace)"])
            flow.destination = Endpoint(identity: 2, labels: ["reserved:world"])
            flow.sourceIP = IPAddress("10.0.0.\(index % 4 + 1)")
            flow.destinationIP = IPAddress("192.0.2.\(index % 2 + 1)")
            result.append(flow)
        }
        var early = result[1]
        early.uuid = FlowUUID("ffffffff-0000-4000-8000-000000000001")
        early.time = Timestamp(rawValue: -30_500_000_001)
        result.append(early)
        return result
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var since: Int64? = nil
        var until: Int64? = nil
        var pruneCut: Int64? = nil
        var configure: @Sendable (inout FlowQuery) -> Void = { _ in }
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "everything, from the rollup alone"),
        Case(name: "since and until on minute boundaries", since: base - 2 * minute, until: base + 3 * minute),
        Case(name: "since and until inside minutes", since: base - 2 * minute + 7_000_000_001, until: base + 2 * minute + 1),
        Case(name: "both bounds inside one minute", since: base + 5_000_000_000, until: base + 40_000_000_000),
        Case(name: "an empty window", since: base, until: base),
        Case(name: "until before 1970, inside a minute", until: -30_000_000_000),
        Case(name: "since before 1970, inside a minute", since: -45_000_000_000, until: base - 3 * minute),
        Case(name: "a prune cut inside a minute", pruneCut: base - 90_000_000_000),
        Case(name: "a prune cut and a later since", since: base - minute + 3, pruneCut: base - 2 * minute - 5),
        Case(name: "namespace (either side)", since: base - minute - 1) { $0.either = EndpointFilter(namespaces: ["production"]) },
        Case(name: "protocol, drop reason and direction", until: base + minute + 17) {
            $0.protocols = [.tcp]
            $0.dropReasons = [DropReason(rawValue: 133)]
            $0.trafficDirections = [.egress]
        },
        Case(name: "a port (from flows: the rollup keeps the connection port only)") { $0.ports = [40_001] },
        Case(name: "a node (from flows)", since: base - 3 * minute + 1) { $0.nodes = ["node-a"] },
        Case(name: "an address (from flows)") { $0.sourceIPs = [CIDR("10.0.0.0/31")!] },
        Case(name: "verdict DROPPED", since: base - 30_000_000_000) { $0.verdicts = [.dropped] },
        Case(name: "a verdict without DROPPED") { $0.verdicts = [.forwarded] },
    ]

    @Test(arguments: cases)
    func dropCountsAndDropsPerHourAreSQLites(_ testCase: Case) throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        let file = NSTemporaryDirectory() + "/flowlog-rollup-\(UUID().uuidString).db"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) } }
        let sqlite = try SQLiteFlowStore(path: file)
        var batch = IngestBatch()
        batch.flows = Self.flows()
        // Two batches, the second overlapping the first: rows written twice must count once.
        var first = batch
        first.flows = Array(batch.flows.prefix(150))
        _ = try TestServer.store(database).write(first)
        _ = try TestServer.store(database).write(batch)
        _ = try sqlite.write(batch)
        if let cut = testCase.pruneCut {
            _ = try TestServer.store(database).prune(before: Timestamp(rawValue: cut))
            _ = try sqlite.prune(before: Timestamp(rawValue: cut))
        }
        var query = FlowQuery()
        query.since = testCase.since.map(Timestamp.init(rawValue:))
        query.until = testCase.until.map(Timestamp.init(rawValue:))
        testCase.configure(&query)
        let clickhouse = try TestServer.store(database)
        let expected = try sqlite.dropCounts(matching: query)
        #expect(Set(try clickhouse.dropCounts(matching: query)) == Set(expected))
        #expect(try clickhouse.dropsPerHour(matching: query) == (try sqlite.dropsPerHour(matching: query)))
        // The answer is not trivially empty where flows were meant to match.
        if testCase.name != "an empty window", testCase.name != "a verdict without DROPPED" {
            #expect(!expected.isEmpty)
        }
    }

    /// Which part of a query each source answers.
    @Test func thePlanReadsWholeMinutesFromTheRollupAndTheEdgesFromFlows() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        let store = try TestServer.store(database)
        var query = FlowQuery()
        var plan = store.dropPlan(query)
        #expect(plan.minutes?.low == nil && plan.minutes?.high == nil && plan.minutes != nil)
        #expect(plan.flowsCondition == nil)
        query.since = Timestamp(rawValue: Self.base + 1)
        query.until = Timestamp(rawValue: Self.base + 3 * Self.minute)
        plan = store.dropPlan(query)
        let lowMinute = Self.base / Self.minute + 1
        #expect(plan.minutes?.low == lowMinute && plan.minutes?.high == lowMinute + 2)
        // The edge before the first whole minute only: the end is on a minute.
        #expect(plan.flowsCondition == "(time < \(lowMinute * Self.minute))")
        query.until = Timestamp(rawValue: Self.base + 3 * Self.minute + 5)
        plan = store.dropPlan(query)
        #expect(plan.minutes?.low == lowMinute && plan.minutes?.high == lowMinute + 2)
        #expect(plan.flowsCondition == "(time < \(lowMinute * Self.minute) OR time >= \((lowMinute + 2) * Self.minute))")
        query.since = Timestamp(rawValue: Self.base)
        query.until = nil
        plan = store.dropPlan(query)
        #expect(plan.minutes?.low == lowMinute - 1 && plan.minutes?.high == nil && plan.flowsCondition == nil)
        query.ports = [53]
        plan = store.dropPlan(query)
        #expect(plan.minutes == nil && plan.flowsCondition == "1")
    }

    /// The rollup holds each drop once after the crash case (rows written, checkpoint not, the
    /// batch written again): its raw rows, not only what the queries make of them.
    @Test func aBatchWrittenTwiceFeedsTheRollupOnce() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        var batch = IngestBatch()
        batch.flows = Self.flows()
        batch.positions.input = FileIdentity(device: 9, inode: 9)
        batch.positions.flows = batch.flows.indices.map { RecordPosition(line: Int64($0 + 1), digest: UInt64($0)) }
        _ = try TestServer.store(database).write(batch)
        let again = try TestServer.store(database).write(batch)
        #expect(again.inserted == 0)
        let store = try TestServer.store(database)
        var reader = RowBinaryReader(try store.execute(
            "SELECT toInt64(countMerge(flows)) FROM \(database).drop_rollup FORMAT RowBinary"), label: "")
        #expect(try reader.int64() == Int64(batch.flows.filter(\.countsAsDrop).count))
    }
}
