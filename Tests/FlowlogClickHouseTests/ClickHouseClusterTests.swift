import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
import FlowlogModel
import FlowlogStore
@testable import FlowlogClickHouse

/// A shard that hangs after the store was opened (so during a query, not during the schema
/// check): the query fails within the request timeout, naming the shard, and prints nothing partial.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["FLOWLOG_TEST_CLICKHOUSE_CLUSTER"] != nil
                    && ProcessInfo.processInfo.environment["FLOWLOG_TEST_CLICKHOUSE_SHARD2_PID"] != nil,
                "FLOWLOG_TEST_CLICKHOUSE_CLUSTER / FLOWLOG_TEST_CLICKHOUSE_SHARD2_PID unset; `bash .ci/clickhouse.sh start` sets them"))
struct ClickHouseClusterTests {
    @Test func aShardHungDuringAQueryIsAnErrorNamingIt() throws {
        let environment = ProcessInfo.processInfo.environment
        let cluster = try #require(environment["FLOWLOG_TEST_CLICKHOUSE_CLUSTER"])
        let pid = try #require(environment["FLOWLOG_TEST_CLICKHOUSE_SHARD2_PID"].flatMap { pid_t($0) })
        let database = TestServer.freshDatabase()
        let host = String(cluster.prefix { $0 != "/" })
        var query = cluster.firstIndex(of: "?").map { String(cluster[cluster.index(after: $0)...]) } ?? ""
        // An environment from before shards= was needed: .ci/clickhouse.sh's shard ports.
        if !query.contains("shards=") { query += "&shards=127.0.0.1:18124,127.0.0.1:18125" }
        let store = try ClickHouseFlowStore(location: ClickHouseLocation(parsing: "clickhouse://\(host)/\(database)?\(query)&timeout=4"))
        defer { try? store.dropDatabase() }
        var batch = IngestBatch()
        batch.flows = (0..<100).map { ClickHouseServerTests.hostileFlow($0, uuid: true) }
        _ = try store.write(batch)
        kill(pid, SIGSTOP)
        defer { kill(pid, SIGCONT) }
        let start = Date()
        do {
            _ = try store.dropCounts(matching: FlowQuery())
            Issue.record("a query over a hung shard answered")
        } catch {
            #expect(Date().timeIntervalSince(start) < 20)
            #expect("\(error)".contains("not answering: shard 2 (127.0.0.1:18125)"), "\(error)")
        }
    }

    /// An entry server of an older store lacks the Distributed tables later versions added: a
    /// read command adds them (it is an upgrade), it does not call the store missing.
    @Test func aReadAddsTheDistributedTablesOfLaterVersions() throws {
        let cluster = try #require(ProcessInfo.processInfo.environment["FLOWLOG_TEST_CLICKHOUSE_CLUSTER"])
        let host = String(cluster.prefix { $0 != "/" })
        var query = cluster.firstIndex(of: "?").map { String(cluster[cluster.index(after: $0)...]) } ?? ""
        if !query.contains("shards=") { query += "&shards=127.0.0.1:18124,127.0.0.1:18125" }
        let location = try ClickHouseLocation(parsing: "clickhouse://\(host)/\(TestServer.freshDatabase())?\(query)")
        let created = try ClickHouseFlowStore(location: location)
        defer { try? created.dropDatabase() }
        _ = try created.execute("DROP TABLE \(location.database).report_descriptions")
        let reader = try ClickHouseFlowStore(location: location, access: .readOnly)
        #expect(try reader.dropCounts(matching: FlowQuery()).isEmpty)
        var tables = RowBinaryReader(try reader.execute("""
            SELECT toUInt64(count()) FROM system.tables
            WHERE database = \(ClickHouseEscaping.literal(location.database)) AND name = 'report_descriptions' FORMAT RowBinary
            """), label: "")
        #expect(try tables.uint64() == 1)
    }

    /// The shards' HTTP addresses are given, one per server of the cluster; a list that does not
    /// match `system.clusters` is refused, naming what the cluster has.
    @Test func aShardListOfTheWrongLengthIsRefused() throws {
        let cluster = try #require(ProcessInfo.processInfo.environment["FLOWLOG_TEST_CLICKHOUSE_CLUSTER"])
        let host = String(cluster.prefix { $0 != "/" })
        let url = "clickhouse://\(host)/\(TestServer.freshDatabase())?cluster=flowlog_two_shards&shards=\(host)"
        #expect {
            _ = try ClickHouseFlowStore(location: ClickHouseLocation(parsing: url))
        } throws: { error in
            "\(error)".contains("shards= lists 1 HTTP addresses, but cluster flowlog_two_shards has 2 servers: "
                + "shard 1 127.0.0.1 (TCP 19001), shard 2 127.0.0.1 (TCP 19002)")
        }
    }
}
