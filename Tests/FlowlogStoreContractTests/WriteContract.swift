import Testing
@testable import FlowlogModel
import FlowlogStore
import FlowlogTestSupport

/// Writing batches: a batch is stored once, flows are de-duplicated by uuid (and only by uuid),
/// and the drop rule counts each dropped packet once.
@Suite struct WriteContract {
    @Test(arguments: StoreBackend.all)
    func theSameBatchWithItsCheckpointWrittenTwiceIsStoredOnce(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            // Flows without uuids, so only the checkpoint can keep the second write out.
            var batch = IngestBatch()
            batch.flows = (0..<5).map { ContractData.flow($0, uuid: nil, verdict: $0 % 2 == 0 ? .dropped : .forwarded) }
            var lost = LostEvents()
            lost.time = Timestamp(seconds: Fixtures.baseSeconds)
            lost.count = 7
            batch.lostEvents = [lost]
            batch.nonFlowCounts = [.nodeStatus: 2]
            batch.advances = [CheckpointContract.advance(from: nil, to: 500, line: 5)]
            let first = try store.write(batch)
            #expect(first == BatchResult(inserted: 5))
            let before = try store.statistics()
            let second = try store.write(batch)
            #expect(second.inserted == 0)
            #expect(second.conflict != nil)
            let after = try store.statistics()
            #expect(after.flows == 5 && after.lostEvents == 7 && after.nonFlowRecords == [.nodeStatus: 2])
            #expect(after.flows == before.flows && after.drops == before.drops && after.lostEvents == before.lostEvents)
        }
    }

    @Test(arguments: StoreBackend.all)
    func theSameFlowsWithUUIDsWrittenTwiceAddNothing(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let flows = (0..<4).map { ContractData.flow(Int64($0), uuid: $0, verdict: .dropped) }
            var batch = IngestBatch()
            batch.flows = flows
            #expect(try store.write(batch) == BatchResult(inserted: 4))
            #expect(try store.write(batch) == BatchResult(inserted: 0, duplicates: 4))
            #expect(try store.flows(matching: FlowQuery(), last: nil) == flows)
            #expect(try store.dropCounts(matching: FlowQuery()).map(\.count) == [4])
            #expect(try store.statistics().flows == 4)
        }
    }

    /// The same flow read from two inputs (a copied or rotated file): same uuid, same time.
    @Test(arguments: StoreBackend.all)
    func theSameFlowFromTwoBatchesIsStoredOnce(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            var first = IngestBatch()
            first.flows = (1...3).map { ContractData.flow(Int64($0), uuid: $0, verdict: .dropped) }
            var second = IngestBatch()
            second.flows = (2...4).map { ContractData.flow(Int64($0), uuid: $0, verdict: .dropped) }
            #expect(try store.write(first) == BatchResult(inserted: 3))
            #expect(try store.write(second) == BatchResult(inserted: 1, duplicates: 2))
            let stored = try store.flows(matching: FlowQuery(), last: nil)
            #expect(stored.compactMap(\.uuid?.description) == (1...4).map(FlowLines.uuid))
            #expect(try store.dropCounts(matching: FlowQuery()).map(\.count) == [4])
            #expect(try store.statistics().drops == 4)
        }
    }

    @Test(arguments: StoreBackend.all)
    func aUUIDTwiceInOneBatchIsStoredOnce(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            var batch = IngestBatch()
            batch.flows = [ContractData.flow(0, uuid: 1, verdict: .dropped), ContractData.flow(0, uuid: 1, verdict: .dropped)]
            #expect(try store.write(batch) == BatchResult(inserted: 1, duplicates: 1))
            #expect(try store.dropCounts(matching: FlowQuery()).map(\.count) == [1])
        }
    }

    @Test(arguments: StoreBackend.all)
    func flowsWithoutUUIDAreNotDeduplicated(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            var batch = IngestBatch()
            batch.flows = [ContractData.flow(0, uuid: nil, verdict: .dropped), ContractData.flow(0, uuid: nil, verdict: .dropped)]
            #expect(try store.write(batch) == BatchResult(inserted: 2))
            #expect(try store.write(batch) == BatchResult(inserted: 2))
            #expect(try store.flows(matching: FlowQuery(), last: nil).count == 4)
            #expect(try store.dropCounts(matching: FlowQuery()).map(\.count) == [4])
        }
    }

    @Test(arguments: StoreBackend.all)
    func aDropAndItsPolicyVerdictTwinCountAsOneDrop(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let flows = [
                ContractData.flow(0, uuid: 1, verdict: .dropped, policyVerdict: true),
                ContractData.flow(0, uuid: 2, verdict: .dropped),
                ContractData.flow(1, uuid: 3),
            ]
            try ContractData.write(flows, to: store)
            #expect(flows.filter(\.countsAsDrop).count == 1)
            #expect(try store.dropCounts(matching: FlowQuery()).map(\.count) == [1])
            #expect(try store.dropsPerHour(matching: FlowQuery()).values.sorted() == [1])
            let statistics = try store.statistics()
            #expect(statistics.drops == 1)
            #expect(statistics.flows == 3, "both records are stored")
            #expect(statistics.flowsByVerdict == [.dropped: 2, .forwarded: 1])
        }
    }

    @Test(arguments: StoreBackend.all)
    func everyEndpointSeenIsListed(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let flows = try ContractData.sampleStore(store)
            #expect(Set(try store.endpoints()) == Set(flows.flatMap { [$0.source, $0.destination] }))
        }
    }
}
