import Foundation
import Testing
import FlowlogModel
import FlowlogStore
import FlowlogSQLite
import FlowlogIngest
@testable import FlowlogClickHouse

/// The backend against a live server: escaping, round trips of hostile values, idempotent
/// writes, conflicts, errors.
@Suite(.enabled(if: TestServer.isAvailable, TestServer.skipNote))
struct ClickHouseServerTests {
    static let hostile = [
        "it's", #"back\slash"#, "tab\there", "new\nline", "nul\u{0}byte", "cr\rlf", "\u{7}\u{1B}[31m\u{7F}",
        #"'); DROP TABLE flows; --"#, #"\'"#, "ünïcødé 🚀", "[',']", "",
    ]

    @Test func everyByteSurvivesATabSeparatedRowAndEveryCharacterALiteral() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        let store = try TestServer.store(database)
        try store.execute("CREATE TABLE \(database).bytes (id UInt32, value String, list Array(String)) ENGINE = Log")
        let allBytes = (0...255).map { UInt8($0) }
        var rows = TabSeparatedWriter()
        rows.int(0)
        rows.binary(allBytes)
        rows.stringArray(Self.hostile)
        rows.endRow()
        for (index, value) in Self.hostile.enumerated() {
            rows.int(index + 1)
            rows.string(value)
            rows.stringArray([value, value])
            rows.endRow()
        }
        try store.execute("INSERT INTO \(database).bytes FORMAT TabSeparated", data: rows.bytes)
        var reader = RowBinaryReader(try store.execute("SELECT id, value, list FROM \(database).bytes ORDER BY id FORMAT RowBinary"), label: "")
        #expect(try reader.uint32() == 0)
        #expect(try reader.bytesValue() == allBytes)
        #expect(try reader.stringArray() == Self.hostile)
        for (index, value) in Self.hostile.enumerated() {
            #expect(try reader.uint32() == UInt32(index + 1))
            #expect(try reader.string() == value)
            #expect(try reader.stringArray() == [value, value])
        }
        // Literals: every ASCII character and the hostile values, compared as bytes.
        let ascii = String(decoding: (0...127).map { UInt8($0) }, as: UTF8.self)
        for value in Self.hostile + [ascii] {
            var answer = RowBinaryReader(try store.execute("SELECT \(ClickHouseEscaping.literal(value)) FORMAT RowBinary"), label: "")
            #expect(try answer.string() == value)
            // And as a condition: the literal matches the stored value and nothing else.
            var count = RowBinaryReader(try store.execute(
                "SELECT toUInt64(count()) FROM \(database).bytes WHERE value = \(ClickHouseEscaping.literal(value)) FORMAT RowBinary"), label: "")
            #expect(try count.uint64() == (value == ascii ? 0 : 1))
        }
    }

    /// The bulk rows' format: lengths, not escapes, so every byte must arrive as it was sent.
    @Test func everyByteSurvivesARowBinaryRow() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        let store = try TestServer.store(database)
        try store.execute("CREATE TABLE \(database).bytes (id UInt32, value String, list Array(String), n Int64) ENGINE = Log")
        let allBytes = (0...255).map { UInt8($0) }
        let long = String(repeating: "x'\\\t", count: 100)
        let values = Self.hostile + [long]
        var rows = RowBinaryWriter()
        rows.uint32(0)
        rows.bytesValue(allBytes)
        rows.stringArray(values)
        rows.int64(Int64.min)
        for (index, value) in values.enumerated() {
            rows.uint32(UInt32(index + 1))
            rows.string(value)
            rows.stringArray([value, value])
            rows.int64(-Int64(index))
        }
        try store.execute("INSERT INTO \(database).bytes FORMAT RowBinary", data: rows.bytes)
        var reader = RowBinaryReader(try store.execute("SELECT id, value, list, n FROM \(database).bytes ORDER BY id FORMAT RowBinary"), label: "")
        #expect(try reader.uint32() == 0)
        #expect(try reader.bytesValue() == allBytes)
        #expect(try reader.stringArray() == values)
        #expect(try reader.int64() == Int64.min)
        for (index, value) in values.enumerated() {
            #expect(try reader.uint32() == UInt32(index + 1))
            #expect(try reader.string() == value)
            #expect(try reader.stringArray() == [value, value])
            #expect(try reader.int64() == -Int64(index))
        }
        #expect(reader.isAtEnd)
    }

    static func hostileFlow(_ index: Int, uuid: Bool) -> Flow {
        var flow = Flow()
        flow.time = Timestamp(rawValue: 1_764_000_000_000_000_000 + Int64(index) * 1_000_000)
        if uuid { flow.uuid = FlowUUID(String(format: "%08x-0000-4000-8000-%012x", index, index)) }
        flow.verdict = index % 3 == 0 ? .dropped : .forwarded
        flow.dropReason = index % 3 == 0 ? DropReason(rawValue: 133) : .unknown
        flow.l4 = Layer4(proto: .tcp, sourcePort: UInt16(40_000 + index % 7), destinationPort: 5432)
        flow.sourceIP = IPAddress("10.0.\(index % 4).\(index % 250 + 1)")
        flow.destinationIP = IPAddress("fd00::\(index % 5 + 1)")
        let label = hostile[index % hostile.count]
        flow.source = Endpoint(identity: 1000, namespace: "prod'\\", podName: "api-\(label)",
                               labels: ["k8s:app=\(label)", "k8s:io.kubernetes.pod.namespace=prod'\\"],
                               workloads: [Workload(kind: "Deployment", name: label)])
        flow.destination = Endpoint(identity: 2, labels: ["reserved:world"])
        flow.nodeName = "node-\(label)"
        flow.summary = "TCP Flags: SYN \(label)"
        flow.isReply = index % 2 == 0 ? nil : false
        flow.trafficDirection = .egress
        flow.policies.egressDeniedBy = [PolicyReference(name: "deny-\(label)", namespace: "prod", kind: "NetworkPolicy")]
        return flow
    }

    @Test func hostileValuesRoundTripThroughTheStore() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        let store = try TestServer.store(database)
        var batch = IngestBatch()
        batch.flows = (0..<40).map { Self.hostileFlow($0, uuid: $0 % 2 == 0) }
        let result = try store.write(batch)
        #expect(result.inserted == 40)
        let read = try TestServer.store(database).flows(matching: FlowQuery(), last: nil)
        #expect(read == batch.flows.sorted { $0.time < $1.time })
        // A filter value that is hostile selects exactly its flows.
        var query = FlowQuery()
        query.either = EndpointFilter(namespaces: ["prod'\\"])
        query.nodes = ["node-it's"]
        #expect(try store.flows(matching: query, last: nil) == batch.flows.filter { query.matches($0) })
    }

    /// The crash case: a batch's rows written, its checkpoint not; the rerun writes the same
    /// lines again (same positions, so the same keys), and nothing counts twice.
    @Test func rowsWrittenTwiceWithoutCheckpointCountOnce() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        let store = try TestServer.store(database)
        var batch = IngestBatch()
        batch.flows = (0..<30).map { Self.hostileFlow($0, uuid: $0 % 2 == 0) }
        batch.positions.input = FileIdentity(device: 7, inode: 42)
        batch.positions.flows = (0..<30).map { RecordPosition(line: Int64($0 + 1), digest: UInt64($0) &* 977) }
        batch.lostEvents = [LostEvents()]
        batch.lostEvents[0].count = 5
        batch.positions.lostEvents = [RecordPosition(line: 31, digest: 1)]
        batch.nonFlowCounts = [.nodeStatus: 1]
        batch.positions.nonFlowRecords = [(.nodeStatus, RecordPosition(line: 32, digest: 2))]
        let next = InputCheckpoint(path: "/f", device: 7, inode: 42, offset: 100, line: 32, headHash: InputHead.hash([]), headLength: 0)
        var rowsOnly = batch
        rowsOnly.advances = []
        _ = try store.write(rowsOnly)   // …and the process dies here.
        batch.advances = [CheckpointAdvance(expected: nil, next: next, head: [], epoch: 0)]
        let again = try TestServer.store(database).write(batch)
        #expect(again.conflict == nil)
        #expect(again.inserted == 0 && again.duplicates == 30)
        let fresh = try TestServer.store(database)
        let stats = try fresh.statistics()
        #expect(stats.flows == 30)
        #expect(stats.lostEvents == 5)
        #expect(stats.nonFlowRecords == [.nodeStatus: 1])
        #expect(try fresh.dropCounts(matching: FlowQuery()).map(\.count).reduce(0, +) == 10)
        #expect(try fresh.checkpoints(family: "/f") == [next])
        // Even the raw table holds both copies until a merge; queries see one.
        var raw = RowBinaryReader(try fresh.execute("SELECT toUInt64(count()) FROM \(database).flows FORMAT RowBinary"), label: "")
        #expect(try raw.uint64() >= 30)
    }

    @Test func twoWritersOfOneFileStoreItOnce() async throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        _ = try TestServer.store(database)
        var batch = IngestBatch()
        batch.flows = (0..<50).map { Self.hostileFlow($0, uuid: false) }
        batch.positions.input = FileIdentity(device: 1, inode: 2)
        batch.positions.flows = (0..<50).map { RecordPosition(line: Int64($0 + 1), digest: UInt64($0)) }
        let shared = batch
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<2 {
                group.addTask { _ = try TestServer.store(database).write(shared) }
            }
            try await group.waitForAll()
        }
        #expect(try TestServer.store(database).statistics().flows == 50)
    }

    @Test func aMovedPositionIsAConflictAndWritesNothing() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        let store = try TestServer.store(database)
        let first = InputCheckpoint(path: "/f", device: 3, inode: 4, offset: 10, line: 1, headHash: InputHead.hash([]), headLength: 0)
        var batch = IngestBatch()
        batch.flows = [Self.hostileFlow(1, uuid: true)]
        batch.advances = [CheckpointAdvance(expected: nil, next: first, head: [], epoch: 0)]
        #expect(try store.write(batch).inserted == 1)
        var late = IngestBatch()
        late.flows = [Self.hostileFlow(2, uuid: true)]
        late.advances = [CheckpointAdvance(expected: nil, next: first, head: [], epoch: 5)]
        let result = try store.write(late)
        #expect(result.conflict == CheckpointConflict(device: 3, inode: 4, epoch: 5, stored: first))
        #expect(try store.statistics().flows == 1)
    }

    @Test func anUnreachableServerIsCannotOpenNamingIt() throws {
        let location = try ClickHouseLocation(parsing: "clickhouse://127.0.0.1:1/flowlog")
        do {
            _ = try ClickHouseFlowStore(location: location)
            Issue.record("opened a store on a closed port")
        } catch {
            #expect(error.kind == .cannotOpen)
            #expect(error.description.hasPrefix("clickhouse://127.0.0.1:1/flowlog: cannot reach ClickHouse at 127.0.0.1:1"))
        }
    }

    @Test func aServerErrorCarriesItsCodeAndMessage() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        let store = try TestServer.store(database)
        do {
            try store.execute("SELECT * FROM \(database).no_such_table")
            Issue.record("no error")
        } catch {
            #expect(error.kind == .failed)
            #expect(error.backend?.name == "ClickHouse")
            #expect(error.backend?.code == 60)
            #expect(error.description.contains("ClickHouse at \(TestServer.hostAndPort): Table \(database).no_such_table doesn't exist"))
            #expect(error.description.hasSuffix("(ClickHouse code 60)"))
        }
    }

    @Test func aNewerSchemaIsRefused() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        let store = try TestServer.store(database)
        try store.execute("INSERT INTO \(database).schema_versions (version, applied) VALUES (99, 0)")
        do {
            _ = try TestServer.store(database)
            Issue.record("opened a newer schema")
        } catch {
            #expect((error as? StoreError)?.kind == .newerSchema(found: 99, supported: ClickHouseSchema.latestVersion))
        }
    }

    @Test func pruneHidesEverythingBeforeTheCutAtOnce() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        let store = try TestServer.store(database)
        var batch = IngestBatch()
        let day: Int64 = 86_400_000_000_000
        batch.flows = (0..<6).map { index in
            var flow = Self.hostileFlow(index, uuid: true)
            flow.time = Timestamp(rawValue: 20_000 * day + Int64(index) * day / 2)
            return flow
        }
        _ = try store.write(batch)
        let cut = Timestamp(rawValue: 20_000 * day + 5 * day / 4)   // after flows 0, 1, 2
        let result = try store.prune(before: cut)
        #expect(result.flows == 3)
        #expect(try store.statistics().flows == 3)
        #expect(try TestServer.store(database).flows(matching: FlowQuery(), last: nil).map(\.time) == batch.flows.suffix(3).map(\.time))
        // The first whole day is gone from the table itself.
        var raw = RowBinaryReader(try store.execute(
            "SELECT toUInt64(count()) FROM \(database).flows WHERE time < \(20_001 * day) FORMAT RowBinary"), label: "")
        #expect(try raw.uint64() == 0)
        // The three source endpoints only pruned flows named are deleted from the table itself
        // (by a mutation, in the background: waited for), the others kept.
        #expect(result.endpoints == 3)
        var endpointRows: UInt64 = 0
        for _ in 0..<50 {
            var reader = RowBinaryReader(try store.execute(
                "SELECT toUInt64(count()) FROM \(database).endpoints FINAL FORMAT RowBinary"), label: "")
            endpointRows = try reader.uint64()
            if endpointRows == 4 { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(endpointRows == 4)
        #expect(Set(try TestServer.store(database).endpoints()) == Set(batch.flows.suffix(3).flatMap { [$0.source, $0.destination] }))
    }

    @Test func reportWindowsMoveForwardAndAreGivenBack() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        let store = try TestServer.store(database)
        let name = "daily 'report'\n"
        #expect(try store.lastReportEnd(name: name) == nil)
        let first = try store.claimReportWindow(name: name, until: Timestamp(rawValue: 200), firstStart: Timestamp(rawValue: 100))
        #expect(first == ReportWindowClaim(name: name, since: Timestamp(rawValue: 100), until: Timestamp(rawValue: 200), previousEnd: nil))
        let second = try store.claimReportWindow(name: name, until: Timestamp(rawValue: 300), firstStart: Timestamp(rawValue: 0))
        #expect(second.since == Timestamp(rawValue: 200))
        #expect(try store.releaseReportWindow(second))
        #expect(try store.lastReportEnd(name: name) == Timestamp(rawValue: 200))
        #expect(try !store.releaseReportWindow(second))
        try store.recordReport(name: name, until: Timestamp(rawValue: 150))
        #expect(try store.lastReportEnd(name: name) == Timestamp(rawValue: 200))
        #expect(try store.releaseReportWindow(first))
        #expect(try store.lastReportEnd(name: name) == nil)
    }
}
