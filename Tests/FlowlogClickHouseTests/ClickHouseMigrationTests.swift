import Foundation
import Testing
import Synchronization
import FlowlogModel
import FlowlogStore
@testable import FlowlogClickHouse

/// Schema version 2 (the DNS names of a flow's addresses) reaches a store made by a flowlog
/// that knew version 1 only: its flows stay, read with no names, and new flows keep theirs.
@Suite(.enabled(if: TestServer.isAvailable, TestServer.skipNote))
struct ClickHouseMigrationTests {
    /// A database exactly as schema version 1 left it, holding one flow.
    static func makeVersion1Store(_ database: String) throws {
        // Any store's connection runs the statements; its own (fresh) database is dropped after.
        let adminDatabase = TestServer.freshDatabase()
        defer { TestServer.drop(adminDatabase) }
        let admin = try TestServer.store(adminDatabase)
        try admin.execute("CREATE DATABASE \(database)")
        let versions = ClickHouseSchema.versionsTable
        try admin.execute("CREATE TABLE \(database).\(versions.name) (\(versions.columns)) ENGINE = \(versions.engine)")
        for table in ClickHouseSchema.version1 {
            try admin.execute("CREATE TABLE \(database).\(table.name) (\(table.columns)) ENGINE = \(table.engine)")
        }
        try admin.execute("INSERT INTO \(database).\(versions.name) (version, applied) VALUES (1, 0)")
        try admin.execute("""
            INSERT INTO \(database).flows (key, seq, time, verdict, source, destination, is_reply, node, summary)
            VALUES (1, 1, 1764000000000000000, 1, 0, 0, 0, 'kind-worker', 'an old flow')
            """)
    }

    @Test func aVersion1StoreGainsTheNameColumnsAndKeepsItsFlows() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        try Self.makeVersion1Store(database)
        let store = try TestServer.store(database)
        var versions = RowBinaryReader(try store.execute(
            "SELECT toUInt32(max(version)) FROM \(database).schema_versions FORMAT RowBinary"), label: "")
        #expect(try versions.uint32() == UInt32(ClickHouseSchema.latestVersion))
        var columns = RowBinaryReader(try store.execute("""
            SELECT name, type FROM system.columns WHERE database = '\(database)' AND table = 'flows'
                AND name LIKE '%_names' ORDER BY name FORMAT RowBinary
            """), label: "")
        #expect(try columns.string() == "destination_names")
        #expect(try columns.string() == "Array(String)")
        #expect(try columns.string() == "source_names")
        #expect(try columns.string() == "Array(String)")

        let old = try store.flows(matching: FlowQuery(), last: nil)
        #expect(old.map(\.summary) == ["an old flow"])
        #expect(old.first?.destinationNames == [])
        var named = Flow()
        named.time = Timestamp(rawValue: 1_764_000_001_000_000_000)
        named.uuid = FlowUUID("00000000-0000-4000-8000-000000000001")
        named.destinationNames = ["api.example.com", "it's.example"]
        named.sourceNames = ["back\\slash.example"]
        var batch = IngestBatch()
        batch.flows = [named]
        _ = try store.write(batch)
        // Opening again finds nothing to do.
        let reopened = try TestServer.store(database)
        #expect(try reopened.flows(matching: FlowQuery(), last: 1) == [named])
    }

    /// A version 1 store holding one drop (TCP/5432), written as version 1 wrote flows.
    static func makeVersion1StoreWithAnOldDrop(_ database: String) throws {
        try makeVersion1Store(database)
        let adminDatabase = TestServer.freshDatabase()
        defer { TestServer.drop(adminDatabase) }
        try TestServer.store(adminDatabase).execute("""
            INSERT INTO \(database).flows (key, seq, time, verdict, drop_reason, event_type, protocol, destination_port, source,
                destination, is_reply, node, summary)
            VALUES (2, 2, 1764000000500000000, \(Verdict.dropped.code), 133, 1, 1, 5432, 0, 0, 0, 'kind-worker', 'an old drop')
            """)
    }

    /// Version 3 (the drops rollup) fills the rollup from the drops stored before it, once.
    @Test func theDropsRollupIsFilledFromTheFlowsAlreadyStored() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        try Self.makeVersion1StoreWithAnOldDrop(database)
        for _ in 0..<2 {
            let store = try TestServer.store(database)
            #expect(try store.dropCounts(matching: FlowQuery()).map(\.count) == [1])
            #expect(try store.dropCounts(matching: FlowQuery()).map(\.port) == [5432])
            var rollup = RowBinaryReader(try store.execute(
                "SELECT toInt64(countMerge(flows)) FROM \(database).drop_rollup FORMAT RowBinary"), label: "")
            #expect(try rollup.int64() == 1)
        }
    }

    /// Several commands upgrading the same older store at once (cron jobs of one minute after a
    /// new flowlog is installed): exactly one fills the rollup, so no old drop counts twice.
    @Test func concurrentUpgradesFillTheRollupOnce() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        try Self.makeVersion1StoreWithAnOldDrop(database)
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            do { _ = try TestServer.store(database) } catch { failures.withLock { $0.append("\(error)") } }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        let store = try TestServer.store(database)
        var rollup = RowBinaryReader(try store.execute(
            "SELECT toInt64(countMerge(flows)) FROM \(database).drop_rollup FORMAT RowBinary"), label: "")
        #expect(try rollup.int64() == 1)
        #expect(try store.dropCounts(matching: FlowQuery()).map(\.count) == [1])
    }
}
