import Testing
@testable import FlowlogModel
import FlowlogStore
import FlowlogTestSupport

/// A lost-event record written twice (standard input piped in twice: no file position to
/// recognise it by) is stored once, as a flow is by its uuid.
@Suite struct LostEventsContract {
    static func event(second: Int64, count: Int64, cpu: Int32?, node: String = "n1") -> LostEvents {
        var event = LostEvents()
        event.time = Timestamp(seconds: second)
        event.nodeName = node
        event.source = "HUBBLE_RING_BUFFER"
        event.count = count
        event.cpu = cpu
        return event
    }

    @Test(arguments: StoreBackend.all)
    func theSameLostEventsWrittenTwiceCountOnce(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            var batch = IngestBatch()
            batch.lostEvents = [Self.event(second: 0, count: 3, cpu: 1), Self.event(second: 0, count: 4, cpu: nil),
                                Self.event(second: 0, count: 3, cpu: 1, node: "n2"), Self.event(second: 1, count: 5, cpu: 0)]
            _ = try store.write(batch)
            _ = try store.write(batch)
            #expect(try store.lostEventCount(since: nil, until: nil) == 15)
            // Records that differ in any field are different records.
            batch.lostEvents = [Self.event(second: 0, count: 3, cpu: 2), Self.event(second: 0, count: 4, cpu: 0)]
            _ = try store.write(batch)
            #expect(try store.statistics().lostEvents == 22)
        }
    }
}
