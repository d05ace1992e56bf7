import Testing
@testable import FlowlogModel
import FlowlogStore
import FlowlogTestSupport

/// `prune(before:)`: flows and lost events before the cut are gone, every answer about the time
/// after the cut is what it was, and the statistics follow.
@Suite struct PruneContract {
    struct Cut: Sendable, CustomTestStringConvertible {
        var time: String
        var testDescription: String { time }
    }

    static let cuts = [
        "2026-11-20T09:00:00Z",            // before every flow
        "2026-11-20T10:52:10.25Z",         // inside an hour and a minute
        "2026-11-20T11:00:00Z",            // on an hour
        "2026-11-20T11:30:00.000000001Z",  // one nanosecond into a minute
        "2026-11-21T00:00:00Z",            // after every flow
    ].map(Cut.init)

    @Test(arguments: StoreBackend.all, cuts)
    func pruneRemovesExactlyWhatIsOlderThanTheCut(_ backend: StoreBackend, _ cut: Cut) throws {
        try backend.withFreshStore { store throws in
            let flows = try ContractData.sampleStore(store)
            let lostEvents = try ContractData.sampleLostEvents.get()
            let cutTime = try #require(Timestamp(rfc3339: cut.time))
            var after = FlowQuery()
            after.since = cutTime
            let dropsAfter = try store.dropCounts(matching: after)
            let connectionsAfter = try store.connectionCounts(matching: after, withPodAddresses: false)
            let perHourAfter = try store.dropsPerHour(matching: after)
            let lostAfter = try store.lostEventCount(since: cutTime, until: nil)

            let kept = flows.filter { $0.time >= cutTime }
            let result = try store.prune(before: cutTime)
            #expect(result.flows == Int64(flows.count - kept.count))
            #expect(result.lostEvents == Int64(lostEvents.filter { $0.time < cutTime }.count))
            #expect(Set(try store.flows(matching: FlowQuery(), last: nil).map(\.flow)) == Set(kept))
            // Endpoints no flow refers to any more are gone.
            let endpointsKept = Set(kept.flatMap { [$0.source, $0.destination] })
            #expect(result.endpoints == Int64(Set(flows.flatMap { [$0.source, $0.destination] }).subtracting(endpointsKept).count))
            #expect(Set(try store.endpoints()) == endpointsKept)

            // Answers about the time after the cut are unchanged, and answers about all time
            // are those of the flows kept.
            #expect(Set(try store.dropCounts(matching: after)) == Set(dropsAfter))
            #expect(Set(try store.connectionCounts(matching: after, withPodAddresses: false)) == Set(connectionsAfter))
            #expect(try store.dropsPerHour(matching: after) == perHourAfter)
            #expect(try store.lostEventCount(since: cutTime, until: nil) == lostAfter)
            #expect(try store.lostEventCount(since: nil, until: nil) == lostAfter)
            #expect(Set(try store.dropCounts(matching: FlowQuery())) == ContractData.dropCounts(kept, matching: FlowQuery()))
            #expect(Set(try store.connectionCounts(matching: FlowQuery(), withPodAddresses: false))
                    == ContractData.connectionCounts(kept, matching: FlowQuery(), withPodAddresses: false))
            #expect(try store.dropsPerHour(matching: FlowQuery()) == ContractData.dropsPerHour(kept, matching: FlowQuery()))

            let statistics = try store.statistics()
            #expect(statistics.flows == Int64(kept.count))
            #expect(statistics.drops == Int64(kept.filter(\.countsAsDrop).count))
            #expect(statistics.firstTime == kept.map(\.time).min())
            #expect(statistics.lastTime == kept.map(\.time).max())
            #expect(statistics.lostEvents == lostAfter)
        }
    }

    @Test(arguments: StoreBackend.all)
    func storedFlowsCanBeWrittenAgainAfterAPrune(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let old = ContractData.flow(-86_400, uuid: 1, from: Fixtures.pod("old-client"), to: Fixtures.pod("old-server"))
            try ContractData.write([old, ContractData.flow(0, uuid: 2)], to: store)
            #expect(try store.prune(before: Timestamp(seconds: Fixtures.baseSeconds - 3600)).flows == 1)
            // The same endpoints again, after their entries may have been removed.
            let again = ContractData.flow(60, uuid: 3, verdict: .dropped, from: Fixtures.pod("old-client"), to: Fixtures.pod("old-server"))
            try ContractData.write([again], to: store)
            #expect(try store.flows(matching: FlowQuery(), last: nil).map(\.flow).last == again)
            #expect(try store.dropCounts(matching: FlowQuery()).map(\.source) == [Fixtures.pod("old-client")])
        }
    }
}
