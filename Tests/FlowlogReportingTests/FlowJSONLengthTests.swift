import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
@testable import FlowlogPolicy
@testable import FlowlogEvaluation
@testable import FlowlogReporting
import FlowlogTestSupport

/// `Flow.jsonLineLengthBound` against the line `FlowJSON` really writes (issue #14).
@Suite struct FlowJSONLengthTests {
    static let hostileStrings = ["", "a", "node-1", "<>&", "\u{2028}\u{2029}", "\"\\\n\r\t", "\u{01}\u{7F}\u{1F}",
                                 "é漢字🙂", String(repeating: "<", count: 5000), String(repeating: "x", count: 70_000),
                                 // Bidi controls and C1 controls are written as \uXXXX (found by the attack re-run:
                                 // the bound counted them as 3 bytes, so an accepted flow exported too long).
                                 "\u{202E}\u{2066}\u{200F}\u{061C}\u{85}", String(repeating: "\u{202E}", count: 180_000)]

    @Test(arguments: hostileStrings)
    func escapedLengthIsWhatQuotingWrites(_ value: String) {
        #expect(JSONText.escapedLength(value) == JSONText.quoted(value).utf8.count - 2)
    }

    @Test(arguments: hostileStrings)
    func boundCoversTheLine(_ value: String) {
        var flow = Fixtures.droppedFlow
        flow.nodeName = value
        flow.summary = value
        flow.source = Endpoint(identity: 7, namespace: value, podName: value, clusterName: value,
                               labels: [value, "k8s:" + value], workloads: [Workload(kind: value, name: value)])
        flow.policies.egressDeniedBy = [PolicyReference(name: value, namespace: value, kind: value)]
        flow.policies.ingressAllowedBy = [PolicyReference(name: value, namespace: "", kind: "")]
        flow.sourceNames = [value, value]
        flow.destinationNames = Array(repeating: value, count: 40)
        let actual = FlowJSON.line(flow).utf8.count
        #expect(flow.jsonLineLengthBound >= actual)
        #expect(flow.jsonLineLengthBound - actual < 4096)
    }

    @Test func emptyFlowFitsTheAllowance() {
        #expect(Flow().jsonLineLengthBound >= FlowJSON.line(Flow()).utf8.count)
        #expect(Fixtures.droppedFlow.jsonLineLengthBound >= FlowJSON.line(Fixtures.droppedFlow).utf8.count)
    }

    /// A flow whose line would exceed the limit is refused; the same flow under it is kept.
    @Test func decoderRefusesFlowsItCouldNotExport() throws {
        var decoder = FlowDecoder(maxLineBytes: 64 * 1024)
        let long = String(repeating: "n", count: 40_000)
        let refused = #"{"flow":{"verdict":"FORWARDED","node_name":"\#(long)"}}"#
        #expect(throws: JSONDecodingProblem.self) { try decoder.decode(refused) }
        let kept = #"{"flow":{"verdict":"FORWARDED","node_name":"\#(long.prefix(20_000))"}}"#
        guard case .flow(let flow) = try decoder.decode(kept) else { Issue.record("not a flow"); return }
        #expect(FlowJSON.line(flow).utf8.count <= 64 * 1024)
    }
}
