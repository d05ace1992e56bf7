import Testing
@testable import FlowlogModel
import FlowlogStore
import FlowlogTestSupport

/// Records that carry Hubble's exporter aggregation counts (``Flow/weight``) count as that many
/// flows in every answer: drops, drops per hour, connection counts, statistics, the stored flows
/// read back, and what a prune through an hour leaves.
@Suite struct WeightContract {
    /// Dropped frontend → api at seconds 10 (weight 5), 70 (weight 3) and 3,700 (weight 1), its
    /// policy-verdict twin at second 10 (weight 5, never a drop), and a forwarded flow at second
    /// 20 of weight 40.
    static func weightedFlows() -> [Flow] {
        func weighted(_ flow: Flow, _ weight: UInt32) -> Flow {
            var flow = flow
            flow.weight = weight
            return flow
        }
        return [
            weighted(ContractData.flow(10, uuid: 1, verdict: .dropped), 5),
            weighted(ContractData.flow(10, uuid: 2, verdict: .dropped, policyVerdict: true), 5),
            weighted(ContractData.flow(70, uuid: 3, verdict: .dropped), 3),
            ContractData.flow(3_700, uuid: 4, verdict: .dropped),
            weighted(ContractData.flow(20, uuid: 5), 40),
        ]
    }

    @Test(arguments: StoreBackend.all)
    func weightedRecordsCountAsTheirFlows(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let flows = Self.weightedFlows()
            try ContractData.write(flows, to: store)
            let all = FlowQuery()

            let drops = try store.dropCounts(matching: all)
            #expect(drops.map(\.count) == [9])
            #expect(Set(drops) == ContractData.dropCounts(flows, matching: all))

            let hour = Timestamp(rawValue: Fixtures.baseSeconds * 1_000_000_000).rawValue.floorDiv(ContractData.hour)
            let perHour = try store.dropsPerHour(matching: all)
            #expect(perHour.values.sorted() == [1, 8])
            #expect(perHour[Timestamp(rawValue: hour * ContractData.hour)] == 8)
            #expect(perHour == ContractData.dropsPerHour(flows, matching: all))

            let connections = try store.connectionCounts(matching: all, withPodAddresses: false)
            #expect(connections.map(\.count).reduce(0, +) == 54)
            #expect(Set(connections) == ContractData.connectionCounts(flows, matching: all, withPodAddresses: false))

            let statistics = try store.statistics()
            #expect(statistics.flows == 54)
            #expect(statistics.flowsByVerdict == [.dropped: 14, .forwarded: 40])
            #expect(statistics.drops == 9)

            // The weight is stored with the flow, so an export writes it back.
            let stored = try store.flows(matching: all, last: nil)
            #expect(Set(stored) == Set(flows))
        }
    }

    /// A window whose edges cut minutes answers partly from the flows, partly from the rollup:
    /// both count weights.
    @Test(arguments: StoreBackend.all)
    func windowEdgesCountWeightsToo(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let flows = Self.weightedFlows()
            try ContractData.write(flows, to: store)
            var query = FlowQuery()
            query.since = Timestamp(rawValue: (Fixtures.baseSeconds + 5) * 1_000_000_000)
            query.until = Timestamp(rawValue: (Fixtures.baseSeconds + 3_650) * 1_000_000_000)
            #expect(try store.dropCounts(matching: query).map(\.count) == [8])
            #expect(try store.dropsPerHour(matching: query).values.reduce(0, +) == 8)
            #expect(Set(try store.connectionCounts(matching: query, withPodAddresses: false))
                        == ContractData.connectionCounts(flows, matching: query, withPodAddresses: false))
        }
    }

    /// A prune through the middle of an hour recounts that hour's rollups from the weighted
    /// flows kept.
    @Test(arguments: StoreBackend.all)
    func aPruneThroughAnHourKeepsTheWeightsAfterTheCut(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let flows = Self.weightedFlows()
            try ContractData.write(flows, to: store)
            let cut = Timestamp(rawValue: (Fixtures.baseSeconds + 60) * 1_000_000_000)
            _ = try store.prune(before: cut)
            let kept = flows.filter { $0.time >= cut }
            var after = FlowQuery()
            after.since = cut
            #expect(try store.dropCounts(matching: FlowQuery()).map(\.count).reduce(0, +) == 4)
            #expect(try store.dropsPerHour(matching: FlowQuery()) == ContractData.dropsPerHour(kept, matching: FlowQuery()))
            #expect(Set(try store.connectionCounts(matching: FlowQuery(), withPodAddresses: false))
                        == ContractData.connectionCounts(kept, matching: FlowQuery(), withPodAddresses: false))
            #expect(try store.statistics().flows == 4)
        }
    }
}
