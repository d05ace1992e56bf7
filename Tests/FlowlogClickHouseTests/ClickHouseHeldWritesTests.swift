import Testing
import FlowlogModel
import FlowlogStore
@testable import FlowlogClickHouse

/// Ingest's partial batches are held and written together: nothing is visible, and no position
/// moves, before the batch that is not partial; a write sent again adds nothing twice; a position
/// moved meanwhile by another ingest writes nothing of what was held.
@Suite(.enabled(if: TestServer.isAvailable, TestServer.skipNote))
struct ClickHouseHeldWritesTests {
    static let file = FileIdentity(device: 11, inode: 12)

    static func checkpoint(line: Int64) -> InputCheckpoint {
        InputCheckpoint(path: "/held", device: file.device, inode: file.inode, offset: line * 100, line: line,
                        headHash: InputHead.hash([]), headLength: 0)
    }

    /// Lines `lines` of the file as one batch (every third flow a drop), moving its position
    /// from the line before them to their last.
    static func batch(_ lines: Range<Int>, partial: Bool, epoch: Int = 0) -> IngestBatch {
        var batch = IngestBatch()
        batch.flows = lines.map { ClickHouseServerTests.hostileFlow($0, uuid: $0 % 2 == 0) }
        batch.positions.input = file
        batch.positions.flows = lines.map { RecordPosition(line: Int64($0 + 1), digest: UInt64($0) &* 31) }
        let expected = lines.lowerBound == 0 ? nil : checkpoint(line: Int64(lines.lowerBound))
        batch.advances = [CheckpointAdvance(expected: expected, next: checkpoint(line: Int64(lines.upperBound)), head: [], epoch: epoch)]
        batch.isPartial = partial
        return batch
    }

    static func drops(in lines: Range<Int>) -> Int { lines.filter { $0 % 3 == 0 }.count }

    @Test func partialBatchesWaitForTheOneThatIsNot() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        let store = try TestServer.store(database)
        let first = try store.write(Self.batch(0..<20, partial: true))
        let second = try store.write(Self.batch(20..<45, partial: true))
        #expect(first.inserted == 0 && second.inserted == 0)
        let reader = try TestServer.store(database)
        #expect(try reader.statistics().flows == 0)
        #expect(try reader.checkpoints(family: "/held").isEmpty)
        let last = try store.write(Self.batch(45..<60, partial: false))
        #expect(last.inserted == 60 && last.conflict == nil)
        #expect(try reader.statistics().flows == 60)
        #expect(try reader.dropCounts(matching: FlowQuery()).map(\.count).reduce(0, +) == Self.drops(in: 0..<60))
        #expect(try reader.checkpoints(family: "/held") == [Self.checkpoint(line: 60)])
    }

    /// A write whose answer was lost (the server stored the rows, the client saw an error) is
    /// sent again: the flows already stored are left out, so the rollup does not count them twice.
    @Test func heldRowsSentAgainAddNothingTwice() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        let store = try TestServer.store(database)
        _ = try store.write(Self.batch(0..<30, partial: true))
        try store.sendHeld(attempt: 1)
        // The first attempt reached the server; its answer did not reach us. The retry:
        try store.sendHeld(attempt: 2)
        let reader = try TestServer.store(database)
        #expect(try reader.statistics().flows == 30)
        #expect(try reader.dropCounts(matching: FlowQuery()).map(\.count).reduce(0, +) == Self.drops(in: 0..<30))
        // Without the filtering the rollup would count every drop twice; the flows table holds
        // each row once whatever happens (its rows collapse by key).
        var raw = RowBinaryReader(try reader.execute("SELECT toUInt64(count()) FROM \(database).flows FORMAT RowBinary"), label: "")
        #expect(try raw.uint64() == 30)
    }

    @Test func aPositionMovedWhileHeldWritesNothingHeld() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        let store = try TestServer.store(database)
        _ = try store.write(Self.batch(0..<20, partial: true))
        // Another ingest stores the same lines, and more, meanwhile.
        let other = try TestServer.store(database)
        #expect(try other.write(Self.batch(0..<25, partial: false)).inserted == 25)
        let result = try store.write(Self.batch(20..<40, partial: false))
        #expect(result.conflict == CheckpointConflict(device: Self.file.device, inode: Self.file.inode, epoch: 0,
                                                      stored: Self.checkpoint(line: 25)))
        #expect(result.inserted == 0 && result.duplicates == 0)
        let reader = try TestServer.store(database)
        #expect(try reader.statistics().flows == 25)
        #expect(try reader.dropCounts(matching: FlowQuery()).map(\.count).reduce(0, +) == Self.drops(in: 0..<25))
        #expect(try reader.checkpoints(family: "/held") == [Self.checkpoint(line: 25)])
    }

    /// The commit that ends a run of partial batches may be empty (the input ended exactly at
    /// a full batch): it writes what is held, once, and moves the position.
    @Test func anEmptyBatchCommitsWhatIsHeldInOneWrite() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        let store = try TestServer.store(database)
        _ = try store.write(Self.batch(0..<10, partial: true))
        _ = try store.write(Self.batch(10..<20, partial: true))
        let result = try store.write(IngestBatch())
        #expect(result.inserted == 20 && result.duplicates == 0)
        #expect(store.writesMade == 1)
        let reader = try TestServer.store(database)
        #expect(try reader.statistics().flows == 20)
        #expect(try reader.checkpoints(family: "/held") == [Self.checkpoint(line: 20)])
    }

    /// Flows stored before (another run, another copy of the file) are counted as duplicates by
    /// the write that leaves them out, not by the partial batch that read them.
    @Test func storedFlowsAreCountedWhenTheWriteLeavesThemOut() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        var earlier = IngestBatch()
        earlier.flows = (0..<6).map { ClickHouseServerTests.hostileFlow($0, uuid: true) }
        _ = try TestServer.store(database).write(earlier)
        let store = try TestServer.store(database)
        let partial = try store.write(Self.batch(0..<10, partial: true))
        #expect(partial.inserted == 0 && partial.duplicates == 0)
        let last = try store.write(Self.batch(10..<12, partial: false))
        // Of 0..<12, the even ones below 6 have the uuids stored before.
        #expect(last.duplicates == 3 && last.inserted == 9)
        #expect(try TestServer.store(database).statistics().flows == 15)
        // Drops (every third index): 0 and 3 stored before; 3 (without uuid: a flow of its own),
        // 6 and 9 written now.
        #expect(try TestServer.store(database).dropCounts(matching: FlowQuery()).map(\.count).reduce(0, +) == 5)
    }

    /// Held rows are the lines of one input: a batch that does not continue them (another
    /// input, or standard input) writes them first.
    @Test func aBatchOfAnotherInputWritesWhatIsHeldFirst() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        let store = try TestServer.store(database)
        _ = try store.write(Self.batch(0..<10, partial: true))
        var stdin = IngestBatch()
        stdin.flows = (100..<105).map { ClickHouseServerTests.hostileFlow($0, uuid: true) }
        stdin.isPartial = true
        let result = try store.write(stdin)
        #expect(result.inserted == 10)
        let reader = try TestServer.store(database)
        #expect(try reader.statistics().flows == 10)
        #expect(try reader.checkpoints(family: "/held") == [Self.checkpoint(line: 10)])
        #expect(try store.commitHeld().inserted == 5)
        #expect(try reader.statistics().flows == 15)
    }

    @Test func heldRowsAreWrittenOnceTheyReachTheLimit() throws {
        let database = TestServer.freshDatabase()
        defer { TestServer.drop(database) }
        let store = try TestServer.store(database)
        var written = 0
        var line = 0
        while line < ClickHouseFlowStore.heldRowsLimit {
            let size = min(8_192, ClickHouseFlowStore.heldRowsLimit - line)
            var batch = IngestBatch()
            batch.flows = (line..<line + size).map { index in
                var flow = Flow()
                flow.time = Timestamp(rawValue: 1_764_000_000_000_000_000 + Int64(index))
                flow.verdict = .forwarded
                return flow
            }
            batch.positions.input = Self.file
            batch.positions.flows = (line..<line + size).map { RecordPosition(line: Int64($0 + 1), digest: UInt64($0)) }
            batch.isPartial = true
            written += try store.write(batch).inserted
            line += size
        }
        #expect(written == ClickHouseFlowStore.heldRowsLimit)
        #expect(try TestServer.store(database).statistics().flows == Int64(ClickHouseFlowStore.heldRowsLimit))
    }
}
