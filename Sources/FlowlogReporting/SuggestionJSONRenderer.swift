import FlowlogModel
import FlowlogPolicy
import FlowlogEvaluation

/// Writes suggested NetworkPolicies as one Kubernetes `List` in JSON (`kubectl apply -f` reads
/// it, and so does flowlog's loader). JSON has no comments: the evidence is in the YAML form.
public enum SuggestionJSONRenderer {
    /// Writes the policies of `namespaces` as one `List`, in output order, on one line.
    public static func render(_ namespaces: [NamespaceSuggestion], to out: inout some TextOutputStream) {
        let items = namespaces.flatMap(\.policies).map { object(for: $0.policy) }
        out.write("{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[")
        out.write(items.joined(separator: ","))
        out.write("]}\n")
    }

    static func object(for policy: NetworkPolicy) -> String {
        var spec = ["\"podSelector\":" + selector(policy.podSelector),
                    "\"policyTypes\":" + JSONText.array((policy.policyTypes ?? []).map(\.rawValue))]
        if let ingress = policy.ingress { spec.append("\"ingress\":[" + ingress.map { rule($0, list: "from") }.joined(separator: ",") + "]") }
        if let egress = policy.egress { spec.append("\"egress\":[" + egress.map { rule($0, list: "to") }.joined(separator: ",") + "]") }
        return "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":"
            + JSONText.quoted(policy.name) + ",\"namespace\":" + JSONText.quoted(policy.namespace) + "},\"spec\":{"
            + spec.joined(separator: ",") + "}}"
    }

    private static func rule(_ rule: PolicyRule, list: String) -> String {
        var members: [String] = []
        if let peers = rule.peers { members.append("\"\(list)\":[" + peers.map(peer).joined(separator: ",") + "]") }
        if let ports = rule.ports { members.append("\"ports\":[" + ports.map(port).joined(separator: ",") + "]") }
        return "{" + members.joined(separator: ",") + "}"
    }

    private static func peer(_ peer: PolicyPeer) -> String {
        switch peer {
        case .selector(let pods, let namespaces):
            var members: [String] = []
            if let namespaces { members.append("\"namespaceSelector\":" + selector(namespaces)) }
            if let pods { members.append("\"podSelector\":" + selector(pods)) }
            return "{" + members.joined(separator: ",") + "}"
        case .ipBlock(let block):
            let except = block.except.isEmpty ? "" : ",\"except\":" + JSONText.array(block.except.map(\.description))
            return "{\"ipBlock\":{\"cidr\":" + JSONText.quoted(block.cidr.description) + except + "}}"
        }
    }

    private static func port(_ spec: PortSpec) -> String {
        var members = ["\"protocol\":" + JSONText.quoted(spec.proto.rawValue)]
        switch spec.port {
        case .number(let number): members.append("\"port\":\(number)")
        case .name(let name): members.append("\"port\":" + JSONText.quoted(name))
        case nil: break
        }
        if let end = spec.endPort { members.append("\"endPort\":\(end)") }
        return "{" + members.joined(separator: ",") + "}"
    }

    private static func selector(_ selector: LabelSelector) -> String {
        let exact = selector.requirements.filter { $0.op == .in && $0.values.count == 1 }
        let other = selector.requirements.filter { !($0.op == .in && $0.values.count == 1) }
        var members: [String] = []
        if !exact.isEmpty {
            members.append("\"matchLabels\":{" + exact.map { JSONText.quoted($0.key) + ":" + JSONText.quoted($0.values[0]) }
                .joined(separator: ",") + "}")
        }
        if !other.isEmpty {
            members.append("\"matchExpressions\":[" + other.map { requirement in
                "{\"key\":" + JSONText.quoted(requirement.key) + ",\"operator\":" + JSONText.quoted(requirement.op.rawValue)
                    + (requirement.values.isEmpty ? "" : ",\"values\":" + JSONText.array(requirement.values)) + "}"
            }.joined(separator: ",") + "]")
        }
        return "{" + members.joined(separator: ",") + "}"
    }
}
