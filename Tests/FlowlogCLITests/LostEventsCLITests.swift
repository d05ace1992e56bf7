import Foundation
import Testing

/// `cat f | flowlog ingest` twice stores the lost-event records once, as it does the flows.
@Suite struct LostEventsCLITests {
    @Test func standardInputPipedTwiceCountsLostEventsOnce() throws {
        let scratch = try Scratch()
        let database = scratch.path("flows.db")
        let input = try Data(contentsOf: URL(fileURLWithPath: Flowlog.sampleFlows))
        #expect(try Flowlog.run(["ingest", "--db", database, "-"], input: input).status == 0)
        let once = try Flowlog.run(["stats", "--db", database]).standardOutput
        #expect(try Flowlog.run(["ingest", "--db", database, "-"], input: input).status == 0)
        let twice = try Flowlog.run(["stats", "--db", database]).standardOutput
        let lost = once.split(separator: "\n").first { $0.hasPrefix("lost events:") }
        #expect(lost != nil && lost != "lost events:   0 (flows Hubble reported as lost)", "the sample has lost events")
        #expect(twice.split(separator: "\n").first { $0.hasPrefix("lost events:") } == lost)
    }
}
