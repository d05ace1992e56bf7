import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
import FlowlogTestSupport

/// A store whose writes fail from the `failAt`-th on (a full disk, say); everything else is the
/// SQLite store's.
final class FailingStore: FlowStore, @unchecked Sendable {
    // Used by one ingest's writer thread at a time, as any store.
    let base: SQLiteFlowStore
    let failAt: Int
    /// Every batch handed to `write`, in order (including one that failed).
    private(set) var batches: [IngestBatch] = []
    /// Each batch's ``IngestBatch/isPartial``, in the order written.
    var partialFlags: [Bool] { batches.map(\.isPartial) }

    init(path: String, failAt: Int) throws {
        base = try SQLiteFlowStore(path: path)
        self.failAt = failAt
    }

    struct InjectedFailure: Error, CustomStringConvertible {
        var description: String { "injected write failure" }
    }

    func write(_ batch: IngestBatch) throws -> BatchResult {
        batches.append(batch)
        if batches.count >= failAt { throw InjectedFailure() }
        return try base.write(batch)
    }

    func resumePoint(device: UInt64, inode: UInt64, head: [UInt8]) throws -> InputCheckpoint? {
        try base.resumePoint(device: device, inode: inode, head: head)
    }
    func checkpoints(family: String) throws -> [InputCheckpoint] { try base.checkpoints(family: family) }
    func flows(matching query: FlowQuery, last: Int?) throws -> [Flow] { try base.flows(matching: query, last: last) }
    func forEachFlow(matching query: FlowQuery, last: Int?, _ body: (Flow) throws -> Void) throws {
        try base.forEachFlow(matching: query, last: last, body)
    }
    func dropCounts(matching query: FlowQuery) throws -> [DropCount] { try base.dropCounts(matching: query) }
    func connectionCounts(matching query: FlowQuery, withPodAddresses: Bool) throws -> [ConnectionCount] {
        try base.connectionCounts(matching: query, withPodAddresses: withPodAddresses)
    }
    func dropsPerHour(matching query: FlowQuery) throws -> [Timestamp: Int64] { try base.dropsPerHour(matching: query) }
    func endpoints() throws -> [Endpoint] { try base.endpoints() }
    func lostEventCount(since: Timestamp?, until: Timestamp?) throws -> Int64 { try base.lostEventCount(since: since, until: until) }
    func statistics() throws -> StoreStatistics { try base.statistics() }
    func lastReportEnd(name: String) throws -> Timestamp? { try base.lastReportEnd(name: name) }
    func claimReportWindow(name: String, until: Timestamp, firstStart: Timestamp) throws -> ReportWindowClaim {
        try base.claimReportWindow(name: name, until: until, firstStart: firstStart)
    }
    func releaseReportWindow(_ claim: ReportWindowClaim) throws -> Bool { try base.releaseReportWindow(claim) }
    func recordReport(name: String, until: Timestamp) throws { try base.recordReport(name: name, until: until) }
    func describeReport(name: String, as description: String) throws { try base.describeReport(name: name, as: description) }
    func reportDescription(name: String) throws -> String? { try base.reportDescription(name: name) }
    func prune(before cuts: PruneCuts) throws -> PruneResult { try base.prune(before: cuts) }
    func retention() throws -> RetentionState { try base.retention() }
    func compact() throws { try base.compact() }
}

/// A failed batch write stops ingest with the error, after committing nothing of that batch —
/// also with `--follow`, which used to read on into a writer that was gone.
@Suite struct WriteFailureTests {
    @Test(arguments: [false, true]) func aFailedWriteStopsIngestWithItsError(follow: Bool) throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("flows.db")
        let file = try directory.write("a.jsonl", NumberedLines.text(0..<30))
        let store = try FailingStore(path: database, failAt: 2)
        var options = IngestOptions()
        options.batchSize = 10
        options.follow = follow
        let started = Date()
        // The safety net: a follow that never noticed the failure is stopped after 20 s.
        let ingestor = Ingestor(store: store, options: options, diagnostics: { _ in },
                                shouldStop: { Date().timeIntervalSince(started) > 20 })
        #expect(throws: FailingStore.InjectedFailure.self) { try ingestor.run([.file(file)]) }
        #expect(Date().timeIntervalSince(started) < 10, "ingest stopped when the write failed")
        // The first batch is committed whole, with its position; nothing of the failed one is.
        let stored = try NumberedLines.stored(database)
        #expect(stored == Array(0..<10))
        let resumed = try ingest([.file(file)], into: database)
        #expect(resumed.summary.ingested == 20)
        #expect(try NumberedLines.stored(database) == Array(0..<30))
    }
}
