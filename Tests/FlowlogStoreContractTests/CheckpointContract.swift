import Testing
@testable import FlowlogModel
import FlowlogStore
import FlowlogTestSupport

/// Input positions: found by device and inode or by the first bytes of content, advanced only by
/// a batch that expected the stored position (compare-and-set), listed per family.
@Suite struct CheckpointContract {
    /// `count` bytes of content that start differently for each `seed`.
    static func head(_ seed: UInt8, count: Int = 64) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: Int(seed) &* 31 &+ $0) }
    }

    static func checkpoint(path: String = "/var/log/a.jsonl", family: String? = nil, inode: UInt64 = 10,
                           offset: Int64, line: Int64, head: [UInt8] = head(1), readStarted: Int64 = 0,
                           isFinished: Bool = false) -> InputCheckpoint {
        let length = min(head.count, Int(InputHead.length))
        return InputCheckpoint(path: path, family: family, device: 1, inode: inode, offset: offset, line: line,
                               headHash: InputHead.hash(head.prefix(length)), headLength: Int64(length),
                               readStarted: readStarted, isFinished: isFinished)
    }

    static func advance(from expected: InputCheckpoint?, to offset: Int64, line: Int64, inode: UInt64 = 10,
                        head: [UInt8] = head(1), epoch: Int = 0) -> CheckpointAdvance {
        CheckpointAdvance(expected: expected, next: checkpoint(inode: inode, offset: offset, line: line, head: head),
                          head: head, epoch: epoch)
    }

    /// Writes a batch of one flow that advances the inputs in `advances`.
    @discardableResult
    static func write(_ advances: [CheckpointAdvance], flowAt second: Int64 = 0, to store: any FlowStore) throws -> BatchResult {
        var batch = IngestBatch()
        batch.flows = [ContractData.flow(second, uuid: nil)]
        batch.advances = advances
        return try store.write(batch)
    }

    @Test(arguments: StoreBackend.all)
    func aFreshStoreHasNoPositions(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            #expect(try store.resumePoint(device: 1, inode: 10, head: Self.head(1)) == nil)
            #expect(try store.checkpoints(family: "/var/log/a.jsonl").isEmpty)
        }
    }

    @Test(arguments: StoreBackend.all, [16, Int(InputHead.length), Int(InputHead.length) + 100])
    func thePositionIsFoundByDeviceAndInode(_ backend: StoreBackend, _ headLength: Int) throws {
        try backend.withFreshStore { store throws in
            let head = Self.head(1, count: headLength)
            let saved = Self.checkpoint(offset: 4096, line: 17, head: head, readStarted: 123, isFinished: true)
            #expect(try Self.write([CheckpointAdvance(expected: nil, next: saved, head: head, epoch: 0)], to: store).conflict == nil)
            #expect(try store.resumePoint(device: 1, inode: 10, head: head) == saved)
            #expect(try store.resumePoint(device: 1, inode: 10, head: head + [9, 9, 9]) == saved, "the file grew")
            #expect(try store.resumePoint(device: 2, inode: 10, head: []) == nil, "another device")
            #expect(try store.resumePoint(device: 1, inode: 10, head: Self.head(2, count: headLength)) == nil,
                    "content replaced in place")
        }
    }

    @Test(arguments: StoreBackend.all, [16, Int(InputHead.length)])
    func theFurthestPositionOfTheSameContentIsFoundUnderAnotherInode(_ backend: StoreBackend, _ headLength: Int) throws {
        try backend.withFreshStore { store throws in
            let head = Self.head(1, count: headLength)
            try Self.write([Self.advance(from: nil, to: 300, line: 3, inode: 10, head: head),
                            Self.advance(from: nil, to: 900, line: 9, inode: 11, head: head),
                            Self.advance(from: nil, to: 5000, line: 50, inode: 12, head: Self.head(2, count: headLength))],
                           to: store)
            // A copy or a compressed backup: new inode, same first bytes.
            #expect(try store.resumePoint(device: 1, inode: 99, head: head)?.offset == 900)
            #expect(try store.resumePoint(device: 1, inode: 99, head: []) == nil, "no content, no match")
            #expect(try store.resumePoint(device: 1, inode: 99, head: Self.head(3, count: headLength)) == nil)
        }
    }

    /// A rotated file still being drained and its gzipped backup read at the same time: once the
    /// backup's position is past the file's own, the file's next batch conflicts instead of
    /// storing the same lines again (found by the attack re-run: 10,600 flows stored for 10,200).
    @Test(arguments: StoreBackend.all)
    func aCopyFurtherAheadWinsOverTheFilesOwnPosition(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let head = Self.head(5, count: Int(InputHead.length))
            let own = Self.advance(from: nil, to: 300, line: 3, inode: 20, head: head)
            try Self.write([own], to: store)
            let copy = Self.advance(from: own.next, to: 900, line: 9, inode: 21, head: head)
            #expect(try Self.write([copy], flowAt: 1, to: store).conflict == nil)
            #expect(try store.resumePoint(device: 1, inode: 20, head: head)?.offset == 900)
            let drained = Self.advance(from: own.next, to: 900, line: 9, inode: 20, head: head)
            let result = try Self.write([drained], flowAt: 2, to: store)
            #expect(result.conflict?.stored?.offset == 900)
            #expect(result.inserted == 0)
        }
    }

    @Test(arguments: StoreBackend.all)
    func aBatchWithAStaleExpectedPositionWritesNothingAndNamesTheConflict(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let first = Self.advance(from: nil, to: 100, line: 1, epoch: 1)
            #expect(try Self.write([first], to: store) == BatchResult(inserted: 1))
            // Another reader read the same lines from the start: its batch expected no position.
            var stale = IngestBatch()
            stale.flows = [ContractData.flow(1, uuid: 7, verdict: .dropped)]
            var lost = LostEvents()
            lost.count = 3
            stale.lostEvents = [lost]
            stale.nonFlowCounts = [.agentEvent: 1]
            stale.advances = [Self.advance(from: nil, to: 200, line: 2, epoch: 4)]
            let result = try store.write(stale)
            let conflict = try #require(result.conflict)
            #expect(conflict.device == 1 && conflict.inode == 10 && conflict.epoch == 4)
            #expect(conflict.stored == first.next)
            #expect(result.inserted == 0 && result.duplicates == 0)
            let statistics = try store.statistics()
            #expect(statistics.flows == 1 && statistics.drops == 0 && statistics.lostEvents == 0)
            #expect(statistics.nonFlowRecords.isEmpty)
            #expect(try store.resumePoint(device: 1, inode: 10, head: Self.head(1)) == first.next)
            // From the stored position the batch goes through.
            stale.advances = [Self.advance(from: first.next, to: 200, line: 2, epoch: 4)]
            #expect(try store.write(stale) == BatchResult(inserted: 1))
            #expect(try store.resumePoint(device: 1, inode: 10, head: Self.head(1))?.offset == 200)
        }
    }

    @Test(arguments: StoreBackend.all)
    func aBatchExpectingAPositionTheStoreDoesNotHoldIsAConflict(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let imagined = Self.checkpoint(offset: 100, line: 1)
            let result = try Self.write([Self.advance(from: imagined, to: 200, line: 2)], to: store)
            #expect(try #require(result.conflict).stored == nil)
            #expect(try store.statistics().flows == 0)
            #expect(try store.resumePoint(device: 1, inode: 10, head: Self.head(1)) == nil)
        }
    }

    @Test(arguments: StoreBackend.all)
    func oneStaleInputKeepsTheWholeBatchOut(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let a = Self.advance(from: nil, to: 100, line: 1, inode: 10)
            try Self.write([a], to: store)
            let fresh = Self.advance(from: nil, to: 50, line: 1, inode: 20, head: Self.head(5))
            let result = try Self.write([fresh, Self.advance(from: nil, to: 300, line: 3, inode: 10)], to: store)
            #expect(result.conflict?.inode == 10)
            #expect(try store.resumePoint(device: 1, inode: 20, head: Self.head(5)) == nil, "nothing of the batch")
        }
    }

    @Test(arguments: StoreBackend.all)
    func checkpointsAreListedPerFamily(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let live = Self.checkpoint(path: "/var/log/a.jsonl", inode: 10, offset: 10, line: 1, head: Self.head(1), readStarted: 20)
            let backup = Self.checkpoint(path: "/var/log/a.jsonl.1", family: "/var/log/a.jsonl", inode: 11, offset: 90,
                                         line: 9, head: Self.head(2), readStarted: 10, isFinished: true)
            let other = Self.checkpoint(path: "/var/log/b.jsonl", inode: 12, offset: 5, line: 1, head: Self.head(3))
            try Self.write([live, backup, other].map { CheckpointAdvance(expected: nil, next: $0, head: [], epoch: 0) }, to: store)
            #expect(Set(try store.checkpoints(family: "/var/log/a.jsonl")) == [live, backup])
            #expect(try store.checkpoints(family: "/var/log/b.jsonl") == [other])
            #expect(try store.checkpoints(family: "/var/log/a.jsonl.1").isEmpty, "a backup is not a family")
            #expect(Set(try store.statistics().checkpoints) == [live, backup, other])
        }
    }
}
