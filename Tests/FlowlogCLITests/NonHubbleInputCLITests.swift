import Foundation
import Testing

/// `ingest` exits 65 for an input with no Hubble record, after storing the other inputs.
@Suite struct NonHubbleInputCLITests {
    let scratch: Scratch
    init() throws { scratch = try Scratch() }

    @Test func aReadmeAmongGoodInputsIsExit65AndTheFlowsAreStored() throws {
        let database = scratch.path("flows.db")
        let readme = Flowlog.packageRoot.appendingPathComponent("README.md").path
        let result = try Flowlog.run(["ingest", "--db", database, "--max-warnings", "0", readme, Flowlog.sampleFlows])
        #expect(result.status == 65)
        #expect(result.standardError.contains("\(readme): error: no line is a Hubble record: it is not JSON; nothing was stored from it\n"))
        #expect(result.standardError.hasSuffix("flowlog: error: 1 of 2 inputs held no Hubble record (see above)\n"))
        let stats = try Flowlog.run(["stats", "--db", database])
        #expect(stats.standardOutput.contains("flows:         3499\n"))
        #expect(!stats.standardOutput.contains("README.md"), "a position was saved for the README")
    }

    @Test func compactTextOnStandardInputIsExit65() throws {
        let database = scratch.path("flows.db")
        let text = "Nov 20 10:00:00.123: default/a:1234 (ID:1) -> default/b:80 (ID:2) to-endpoint FORWARDED (TCP Flags: SYN)\n"
        let result = try Flowlog.run(["ingest", "--db", database, "-"], input: Data(text.utf8))
        #expect(result.status == 65)
        #expect(result.standardError.contains("<stdin>: error: no line is a Hubble record: it looks like `hubble observe -o compact` text"))
    }

    @Test func evaluateOfAnInputWithoutARecordIsExit65() throws {
        let policies = Flowlog.packageRoot.appendingPathComponent("SampleFlows/policies").path
        let input = Data(#"{"level":"info","msg":"not a flow"}"#.utf8 + [0x0A])
        let result = try Flowlog.run(["evaluate", "--policies", policies, "-"], input: input)
        #expect(result.status == 65)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError.hasSuffix("<stdin>: error: no line is a Hubble record: \(jsonNotHubble)\n"))
    }

    let jsonNotHubble = "it is JSON but not Hubble records (no flow, lost_events, node_status, agent_event or debug_event)"

    @Test func anUnreadableInputOutranksARejectedOne() throws {
        let database = scratch.path("flows.db")
        let text = scratch.path("notes.txt")
        try Data("just words\n".utf8).write(to: URL(fileURLWithPath: text))
        let result = try Flowlog.run(["ingest", "--db", database, text, scratch.path("missing.jsonl"), Flowlog.sampleFlows])
        #expect(result.status == 1)
        #expect(result.standardError.contains("1 of 3 inputs could not be read"))
    }
}
