import Testing
@testable import FlowlogModel
import FlowlogStore
import FlowlogTestSupport

/// `statistics()` and `lostEventCount(since:until:)` describe what was written.
@Suite struct StatisticsContract {
    @Test(arguments: StoreBackend.all)
    func anEmptyStoreHasEmptyStatistics(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let statistics = try store.statistics()
            #expect(statistics.flows == 0 && statistics.drops == 0 && statistics.lostEvents == 0)
            #expect(statistics.firstTime == nil && statistics.lastTime == nil)
            #expect(statistics.flowsByVerdict.isEmpty && statistics.nonFlowRecords.isEmpty && statistics.checkpoints.isEmpty)
            #expect(try store.lostEventCount(since: nil, until: nil) == 0)
        }
    }

    @Test(arguments: StoreBackend.all)
    func theStatisticsOfTheSampleCaptureAreThoseOfItsFlows(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let flows = try ContractData.sampleStore(store)
            var nonFlow = IngestBatch()
            nonFlow.nonFlowCounts = [.nodeStatus: 2, .debugEvent: 1]
            _ = try store.write(nonFlow)
            nonFlow.nonFlowCounts = [.nodeStatus: 1]
            _ = try store.write(nonFlow)
            let statistics = try store.statistics()
            #expect(statistics.flows == Int64(flows.count))
            #expect(statistics.firstTime == flows.map(\.time).min())
            #expect(statistics.lastTime == flows.map(\.time).max())
            #expect(statistics.flowsByVerdict == Dictionary(flows.map { ($0.verdict, Int64(1)) }, uniquingKeysWith: +))
            #expect(statistics.drops == Int64(flows.filter(\.countsAsDrop).count))
            #expect(statistics.drops < statistics.flowsByVerdict[.dropped] ?? 0, "the sample has policy-verdict twins")
            #expect(statistics.lostEvents == (try ContractData.sampleLostEvents.get()).reduce(0) { $0 + $1.count })
            #expect(statistics.nonFlowRecords == [.nodeStatus: 3, .debugEvent: 1])
        }
    }

    struct Window: Sendable, CustomTestStringConvertible {
        var since: Int64?
        var until: Int64?
        var expected: Int64
        var testDescription: String { "[\(since.map(String.init) ?? "-∞"), \(until.map(String.init) ?? "∞"))" }
    }

    /// Lost events of 3 at second 0, 4 at second 30 and 5 at second 90.
    @Test(arguments: StoreBackend.all, [
        Window(since: nil, until: nil, expected: 12),
        Window(since: 10, until: 90, expected: 4),
        Window(since: 0, until: 30, expected: 3),
        Window(since: 30, until: nil, expected: 9),
        Window(since: nil, until: 91, expected: 12),
        Window(since: 91, until: nil, expected: 0),
        Window(since: 30, until: 30, expected: 0),
    ])
    func lostEventsAreCountedWithinTheWindow(_ backend: StoreBackend, _ window: Window) throws {
        try backend.withFreshStore { store throws in
            let base: Int64 = 1_800_000_000
            var batch = IngestBatch()
            for (second, count) in [(0, 3), (30, 4), (90, 5)] {
                var lost = LostEvents()
                lost.time = Timestamp(seconds: base + Int64(second))
                lost.count = Int64(count)
                lost.nodeName = "node-1"
                batch.lostEvents.append(lost)
            }
            _ = try store.write(batch)
            #expect(try store.lostEventCount(since: window.since.map { Timestamp(seconds: base + $0) },
                                             until: window.until.map { Timestamp(seconds: base + $0) }) == window.expected)
            #expect(try store.statistics().lostEvents == 12)
        }
    }
}
