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
            #expect(Set(try store.flows(matching: FlowQuery(), last: nil)) == Set(kept))
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
            #expect(try store.flows(matching: FlowQuery(), last: nil).last == again)
            #expect(try store.dropCounts(matching: FlowQuery()).map(\.source) == [Fixtures.pod("old-client")])
        }
    }

    struct Tiers: Sendable, CustomTestStringConvertible {
        var raw: String
        var rollups: String
        /// Where the rollups answer from afterwards: the start of the rollup cut's hour.
        var rollupsStart: String
        var testDescription: String { "raw \(raw), rollups \(rollups)" }
    }

    static let tiers = [
        Tiers(raw: "2026-11-20T11:30:00.000000001Z", rollups: "2026-11-20T09:00:00Z", rollupsStart: "2026-11-20T09:00:00Z"),
        Tiers(raw: "2026-11-20T11:30:00.000000001Z", rollups: "2026-11-20T10:52:10.25Z", rollupsStart: "2026-11-20T10:00:00Z"),
        Tiers(raw: "2026-11-21T00:00:00Z", rollups: "2026-11-19T00:00:00Z", rollupsStart: "2026-11-19T00:00:00Z"),
        Tiers(raw: "2026-11-20T10:52:10.25Z", rollups: "2026-11-20T10:52:10.25Z", rollupsStart: "2026-11-20T10:52:10.25Z"),
    ]

    /// `prune --older-than … --keep-rollups …`: the raw flows go at the first cut; drops of
    /// every whole minute from the rollup cut's hour on are what they were (the rollup answers
    /// where the flows are gone); the store records both cuts and reports both ranges.
    @Test(arguments: StoreBackend.all, tiers)
    func pruneKeepsRollupsPastTheRawFlows(_ backend: StoreBackend, _ tiers: Tiers) throws {
        try backend.withFreshStore { store throws in
            let flows = try ContractData.sampleStore(store)
            let raw = try #require(Timestamp(rfc3339: tiers.raw))
            let rollupCut = try #require(Timestamp(rfc3339: tiers.rollups))
            let rollupsStart = try #require(Timestamp(rfc3339: tiers.rollupsStart))
            #expect(try store.retention().rawFlowsStart == nil)

            let result = try store.prune(before: PruneCuts(raw: raw, rollups: rollupCut))
            let kept = flows.filter { $0.time >= raw }
            let counted = flows.filter { $0.time >= rollupsStart }
            #expect(result.flows == Int64(flows.count - kept.count))
            #expect(Set(try store.flows(matching: FlowQuery(), last: nil)) == Set(kept))
            let state = try store.retention()
            #expect(state.rawFlowsStart == raw)
            #expect(state.rollupsStart == rollupsStart)

            // Windows on whole minutes (as the commands round them in the pruned period), and
            // one that starts inside a minute of the retained period.
            var windows: [FlowQuery] = [FlowQuery()]
            for (since, until) in [("2026-11-20T10:41:00Z", nil), ("2026-11-20T10:00:00Z", "2026-11-20T11:31:00Z"),
                                   ("2026-11-20T11:45:30.5Z", nil), (nil, "2026-11-20T11:00:00Z")] as [(String?, String?)] {
                var query = FlowQuery()
                query.since = try since.map { try #require(Timestamp(rfc3339: $0)) }
                query.until = try until.map { try #require(Timestamp(rfc3339: $0)) }
                windows.append(query)
            }
            var namespace = FlowQuery()
            namespace.either.namespaces = ["production"]
            windows.append(namespace)
            for query in windows {
                #expect(Set(try store.dropCounts(matching: query)) == ContractData.dropCounts(counted, matching: query))
                #expect(try store.dropsPerHour(matching: query) == ContractData.dropsPerHour(counted, matching: query))
            }
            // Connections: from a connection rollup where the backend keeps one (whole hours),
            // else from the raw flows kept.
            var hours = FlowQuery()
            hours.since = rollupsStart
            let connected = state.keepsConnectionRollup ? counted : kept
            #expect(Set(try store.connectionCounts(matching: hours, withPodAddresses: false))
                    == ContractData.connectionCounts(connected, matching: hours, withPodAddresses: false))

            // The pruned flows written again (an old capture ingested once more): the kept
            // rollups count them already, so they are not stored again and nothing doubles.
            var again = IngestBatch()
            again.flows = flows.filter { $0.time < raw && $0.time >= rollupsStart }
            let rewritten = try store.write(again)
            #expect(rewritten.inserted == 0 && rewritten.duplicates == again.flows.count)
            for query in windows {
                #expect(Set(try store.dropCounts(matching: query)) == ContractData.dropCounts(counted, matching: query))
            }

            let statistics = try store.statistics()
            #expect(statistics.flows == Int64(kept.count))
            #expect(statistics.firstTime == kept.map(\.time).min())
            #expect(statistics.retention == state)
            #expect(statistics.drops == Int64(kept.filter(\.countsAsDrop).count))
            let minute: Int64 = 60_000_000_000
            let dropMinutes = counted.filter(\.countsAsDrop).map { $0.time.rawValue.floorDiv(minute) }
            #expect(statistics.dropRollupStart == dropMinutes.min().map { Timestamp(rawValue: $0 * minute) })
            #expect(statistics.dropRollupEnd == dropMinutes.max().map { Timestamp(rawValue: ($0 + 1) * minute) })

            // A later prune with one cut makes the rollups follow the flows again.
            let later = try #require(Timestamp(rfc3339: "2026-11-21T00:00:00Z"))
            _ = try store.prune(before: later)
            #expect(try store.retention().rawFlowsStart == later)
            #expect(try store.retention().rollupsStart == later)
            #expect(try store.dropCounts(matching: FlowQuery()).isEmpty)
        }
    }
}
