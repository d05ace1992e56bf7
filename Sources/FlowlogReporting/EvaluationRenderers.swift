import FlowlogModel
import FlowlogStore
import FlowlogPolicy
import FlowlogEvaluation
/// Output formats of `flowlog evaluate`.
public enum EvaluationFormat: String, Sendable, CaseIterable {
    /// One JSON object per flow, in input order.
    case jsonl
    /// Aligned columns.
    case table
}

/// One evaluated flow, with where it came from.
public struct EvaluatedFlow: Sendable {
    public var line: Int64
    public var flow: Flow
    public var evaluation: Evaluation

    public init(line: Int64, flow: Flow, evaluation: Evaluation) {
        self.line = line
        self.flow = flow
        self.evaluation = evaluation
    }
}

/// Writes evaluated flows.
public enum EvaluationText {
    /// The JSON object for one flow (stable key order).
    public static func jsonLine(_ item: EvaluatedFlow) -> String {
        let flow = item.flow
        let (source, destination) = FlowText.orientedEndpoints(flow)
        var fields = ["\"line\":\(item.line)"]
        if flow.time.rawValue != 0 { fields.append("\"time\":\(JSONText.quoted(flow.time.rfc3339()))") }
        fields.append("\"source\":\(JSONText.quoted(source))")
        fields.append("\"destination\":\(JSONText.quoted(destination))")
        fields.append("\"protocol\":\(JSONText.quoted(flow.l4.proto.jsonKey))")
        fields.append("\"port\":\(flow.l4.destinationPort)")
        if let isReply = flow.isReply { fields.append("\"is_reply\":\(isReply)") }
        fields.append("\"verdict\":\(JSONText.quoted(item.evaluation.decision.rawValue))")
        fields.append("\"explanation\":\(JSONText.quoted(item.evaluation.explanation))")
        fields.append("\"egress\":\(side(item.evaluation.egress))")
        fields.append("\"ingress\":\(side(item.evaluation.ingress))")
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// One side's decision as JSON: decision, isolating policies, the allowing (or denying) rule,
    /// the reason.
    public static func side(_ verdict: DirectionVerdict) -> String {
        var fields = ["\"decision\":\(JSONText.quoted(verdict.decision.rawValue))",
                      "\"isolated_by\":\(JSONText.array(verdict.isolatingPolicies))"]
        if case .allowedBy(let rule) = verdict.reason {
            fields.append("\"allowed_by\":\(JSONText.quoted(rule.description))")
        }
        // A Cilium deny rule (ingressDeny / egressDeny) that decided.
        if case .deniedBy(let rule) = verdict.reason {
            fields.append("\"denied_by\":\(JSONText.quoted(rule.description))")
        }
        fields.append("\"reason\":\(JSONText.quoted(verdict.explanation))")
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// Writes `items` in `format`.
    public static func render(_ items: [EvaluatedFlow], format: EvaluationFormat, to out: inout some TextOutputStream) {
        switch format {
        case .jsonl:
            for item in items { out.write(jsonLine(item) + "\n") }
        case .table:
            var table = TextTable(header: ["LINE", "TIMESTAMP", "SOURCE", "DESTINATION", "VERDICT", "WHY"])
            for item in items {
                let (source, destination) = FlowText.orientedEndpoints(item.flow)
                table.append([String(item.line), item.flow.time.stampMilli, source, destination,
                              item.evaluation.decision.rawValue, item.evaluation.explanation])
            }
            table.write(to: &out)
        }
    }

    /// The single-flow form in `format`: the endpoints as given on the command line, the port,
    /// the verdict and its explanation; JSON with each side's decision as for flow lines.
    public static func single(_ evaluation: Evaluation, from source: String, to destination: String,
                              proto: L4Protocol, port: UInt16, format: EvaluationFormat, to out: inout some TextOutputStream) {
        switch format {
        case .jsonl:
            let fields = ["\"source\":\(JSONText.quoted(source))", "\"destination\":\(JSONText.quoted(destination))",
                          "\"protocol\":\(JSONText.quoted(proto.jsonKey))", "\"port\":\(port)",
                          "\"verdict\":\(JSONText.quoted(evaluation.decision.rawValue))",
                          "\"explanation\":\(JSONText.quoted(evaluation.explanation))",
                          "\"egress\":\(side(evaluation.egress))", "\"ingress\":\(side(evaluation.ingress))"]
            out.write("{" + fields.joined(separator: ",") + "}\n")
        case .table:
            var table = TextTable(header: ["SOURCE", "DESTINATION", "PORT", "VERDICT", "WHY"])
            table.append([source, destination, proto.hasPorts ? "\(proto.jsonKey)/\(port)" : proto.jsonKey,
                          evaluation.decision.rawValue, evaluation.explanation])
            table.write(to: &out)
        }
    }

    /// The single-flow form: the verdict, then each side's explanation on its own line.
    public static func single(_ evaluation: Evaluation, from source: String, to destination: String,
                              proto: L4Protocol, port: UInt16) -> String {
        let portText = proto.hasPorts ? "\(proto.jsonKey)/\(port)" : proto.jsonKey
        let lines = ["\(evaluation.decision.rawValue)  \(source) -> \(destination) \(portText)"]
            + (evaluation.shortcut.map { ["  " + $0] }
                ?? ["  " + evaluation.egress.explanation, "  " + evaluation.ingress.explanation])
        return lines.map(TextEscaping.terminal).joined(separator: "\n") + "\n"
    }
}
