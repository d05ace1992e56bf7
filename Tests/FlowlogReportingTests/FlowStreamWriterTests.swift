import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
@testable import FlowlogPolicy
@testable import FlowlogEvaluation
@testable import FlowlogReporting
import FlowlogTestSupport

/// `observe` writes rows as they come (issue #14); its output must be what rendering every
/// row at once wrote.
@Suite struct FlowStreamWriterTests {
    static let sampleFlows: [Flow] = {
        var decoder = FlowDecoder()
        let text = (try? String(contentsOfFile: sampleFlowsPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            if case .flow(let flow)? = try? decoder.decode(String(line)) { return flow }
            return nil
        }
    }()

    /// The table as `TextTable` writes it with every row held: the output before streaming.
    static func wholeTable(_ flows: [Flow]) -> String {
        var table = TextTable(header: ["TIMESTAMP", "SOURCE", "DESTINATION", "TYPE", "VERDICT", "SUMMARY"])
        for flow in flows {
            let (source, destination) = FlowText.orientedEndpoints(flow)
            table.append([flow.time.stampMilli, source, destination, FlowText.type(flow), FlowText.verdict(flow), flow.summary])
        }
        var out = ""
        table.write(to: &out)
        return out
    }

    static func streamed(_ flows: [Flow], _ format: FlowFormat, lookAhead: Int = 10_000) -> String {
        var writer = FlowStreamWriter(format: format, lookAhead: lookAhead)
        var out = ""
        for flow in flows { writer.write(flow, to: &out) }
        writer.finish(to: &out)
        return out
    }

    @Test func sampleTableIsUnchanged() throws {
        let flows = Self.sampleFlows
        #expect(flows.count == 3499)
        #expect(Self.streamed(flows, .table) == Self.wholeTable(flows))
    }

    @Test func sampleLinesAreUnchanged() {
        let flows = Self.sampleFlows
        #expect(Self.streamed(flows, .json) == flows.map { FlowJSON.line($0) + "\n" }.joined())
        #expect(Self.streamed(flows, .compact) == flows.map { TextEscaping.terminal(FlowText.compactLine($0)) + "\n" }.joined())
    }

    /// Past the look-ahead, rows keep the columns chosen from the first rows.
    @Test func rowsPastTheLookAheadKeepTheFirstColumns() {
        let flows = Array(Self.sampleFlows.prefix(50))
        let streamed = Self.streamed(flows, .table, lookAhead: 10).split(separator: "\n")
        let firstTen = Self.wholeTable(Array(flows.prefix(10))).split(separator: "\n")
        #expect(streamed.count == 51)
        #expect(Array(streamed.prefix(11)) == firstTen)
        let column = firstTen[0].range(of: "SOURCE").map { firstTen[0].distance(from: firstTen[0].startIndex, to: $0.lowerBound) }
        for row in streamed.dropFirst(11) {
            let cell = row.dropFirst(column ?? 0)
            #expect(cell.first != " ", "\(row)")
        }
    }

    @Test func emptyTableIsTheHeader() {
        #expect(Self.streamed([], .table) == Self.wholeTable([]))
        #expect(Self.streamed([], .json) == "")
    }
}

/// `-o dict` and `-o jsonpb`, hubble's names (issue #12).
@Suite struct HubbleOutputFormatTests {
    @Test func dictWritesAlignedBlocksSeparatedByDashes() {
        var flow = Fixtures.flow(verdict: .dropped, reason: .policyDenied)
        flow.eventType = CiliumEventType.drop
        flow.summary = "evil\u{1B}[31m"
        let text = FlowStreamWriterTests.streamed([flow, flow], .dict)
        let blocks = text.components(separatedBy: "------------\n")
        #expect(blocks.count == 2 && blocks[0] == blocks[1])
        let lines = blocks[0].split(separator: "\n").map(String.init)
        #expect(lines.map { $0.firstIndex(of: ":").map { $0.utf16Offset(in: lines[0]) } } == Array(repeating: 11, count: 7))
        #expect(lines[2] == "DESTINATION: production/api-5f7b9c-abcde:8080")
        #expect(lines[4] == "    VERDICT: DROPPED")
        #expect(!text.contains("\u{1B}"), "terminal escapes are shown, not sent")
        #expect(FlowStreamWriterTests.streamed([], .dict).isEmpty)
    }

    @Test func jsonpbIsHubblesFlowWrapperLikeJSON() {
        let flows = Array(FlowStreamWriterTests.sampleFlows.prefix(50))
        #expect(!flows.isEmpty)
        let jsonpb = FlowStreamWriterTests.streamed(flows, .jsonpb)
        #expect(jsonpb == FlowStreamWriterTests.streamed(flows, .json))
        #expect(jsonpb.split(separator: "\n").count == 50 && jsonpb.split(separator: "\n").allSatisfy { $0.hasPrefix("{\"flow\":{") })
    }
}
