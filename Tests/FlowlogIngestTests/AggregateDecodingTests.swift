import Testing
@testable import FlowlogModel
@testable import FlowlogIngest

/// Hubble's exporter aggregation (`flow.aggregate`, proto field 21007): a record stands for the
/// sum of its three direction counts, or one flow.
@Suite struct AggregateDecodingTests {
    struct WeightCase: Sendable, CustomTestStringConvertible {
        var name: String
        var aggregate: String
        var weight: UInt32
        var testDescription: String { name }
    }

    static let weightCases: [WeightCase] = [
        WeightCase(name: "no aggregate object", aggregate: "", weight: 1),
        WeightCase(name: "all three counts", aggregate: #""aggregate":{"ingress_flow_count":3,"egress_flow_count":4,"unknown_direction_flow_count":5},"#, weight: 12),
        WeightCase(name: "ingress only", aggregate: #""aggregate":{"ingress_flow_count":7},"#, weight: 7),
        WeightCase(name: "egress only, camelCase", aggregate: #""aggregate":{"egressFlowCount":2},"#, weight: 2),
        WeightCase(name: "unknown direction only", aggregate: #""aggregate":{"unknown_direction_flow_count":9},"#, weight: 9),
        WeightCase(name: "counts written as strings", aggregate: #""aggregate":{"ingress_flow_count":"6"},"#, weight: 6),
        WeightCase(name: "all zero", aggregate: #""aggregate":{"ingress_flow_count":0,"egress_flow_count":0},"#, weight: 1),
        WeightCase(name: "empty object", aggregate: #""aggregate":{},"#, weight: 1),
        WeightCase(name: "null", aggregate: #""aggregate":null,"#, weight: 1),
        WeightCase(name: "a null count", aggregate: #""aggregate":{"ingress_flow_count":null,"egress_flow_count":3},"#, weight: 3),
        WeightCase(name: "unknown keys skipped", aggregate: #""aggregate":{"future":[1,2],"egress_flow_count":4},"#, weight: 4),
        WeightCase(name: "a repeated key replaces its value", aggregate: #""aggregate":{"ingress_flow_count":5,"ingress_flow_count":2},"#, weight: 2),
        WeightCase(name: "the largest sum", aggregate: #""aggregate":{"ingress_flow_count":4294967294,"egress_flow_count":1},"#, weight: UInt32.max),
    ]

    @Test(arguments: weightCases)
    func weightIsTheSumOfTheCounts(_ testCase: WeightCase) throws {
        var decoder = FlowDecoder()
        let line = #"{"flow":{"#+testCase.aggregate+#""verdict":"DROPPED"},"time":"2026-11-20T10:00:00Z"}"#
        guard case .flow(let flow) = try decoder.decode(line) else {
            Issue.record("expected a flow")
            return
        }
        #expect(flow.weight == testCase.weight)
        #expect(flow.verdict == .dropped)
    }

    struct ProblemCase: Sendable, CustomTestStringConvertible {
        var name: String
        var aggregate: String
        var description: String
        var testDescription: String { name }
    }

    static let problemCases: [ProblemCase] = [
        ProblemCase(name: "negative", aggregate: #"{"ingress_flow_count":-1}"#,
                    description: "flow.aggregate.ingress_flow_count: integer out of range 0...4294967295"),
        ProblemCase(name: "fraction", aggregate: #"{"egress_flow_count":1.5}"#,
                    description: "flow.aggregate.egress_flow_count: expected an integer, found a fraction or exponent"),
        ProblemCase(name: "over UInt32", aggregate: #"{"unknown_direction_flow_count":4294967296}"#,
                    description: "flow.aggregate.unknown_direction_flow_count: integer out of range 0...4294967295"),
        ProblemCase(name: "not a number", aggregate: #"{"ingress_flow_count":true}"#,
                    description: "flow.aggregate.ingress_flow_count: expected an integer, found a boolean"),
        ProblemCase(name: "sum over UInt32", aggregate: #"{"ingress_flow_count":4294967295,"egress_flow_count":1}"#,
                    description: "flow.aggregate: aggregate flow counts sum to 4294967296, more than 4294967295"),
        ProblemCase(name: "not an object", aggregate: "3", description: "flow.aggregate: expected an object, found a number"),
    ]

    @Test(arguments: problemCases)
    func invalidCountsAreAProblemOfTheLine(_ testCase: ProblemCase) throws {
        var decoder = FlowDecoder()
        let line = #"{"flow":{"verdict":"DROPPED","aggregate":"# + testCase.aggregate + "}}"
        #expect(throws: JSONDecodingProblem.self) { try decoder.decode(line) }
        do {
            _ = try decoder.decode(line)
        } catch {
            #expect(error.description == testCase.description)
        }
    }
}
