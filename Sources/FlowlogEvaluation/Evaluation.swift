import FlowlogModel
import FlowlogStore
import FlowlogPolicy
/// The outcome of evaluating a flow against a set of NetworkPolicies and Cilium policies.
public enum Decision: String, Sendable, Hashable, CaseIterable {
    case allowed = "ALLOWED"
    case denied = "DENIED"
    /// The policies cannot decide from what the flow records (a named port without `--pods`, a
    /// Cilium construct such as `toServices` that flows do not describe).
    case unknown = "UNKNOWN"
}

/// A rule of a policy: `namespace/name` plus `ingress[i]` or `egress[i]`, or for a Cilium policy
/// the rule's path (`ingress[0].toPorts[1]`, `egressDeny[0]`, `specs[1].ingress[0]`).
public struct RuleReference: Sendable, Hashable, CustomStringConvertible {
    public var policy: String
    public var direction: PolicyType
    public var index: Int
    /// The path that names the rule inside a Cilium policy; nil for a NetworkPolicy rule.
    public var path: String? = nil

    public var description: String {
        if let path { return "\(policy) \(path)" }
        return "\(policy) \(direction == .ingress ? "ingress" : "egress")[\(index)]"
    }
}

/// Why one direction (the source's egress or the destination's ingress) decided as it did.
public enum DirectionReason: Sendable, Hashable {
    /// The endpoint is not a pod (the world, a node, …): NetworkPolicy does not apply to it.
    case notAPod(String)
    /// No policy selecting the pod governs this direction.
    case notIsolated
    /// A rule allowed the flow.
    case allowedBy(RuleReference)
    /// The pod is isolated and no rule allowed the flow. `peerMatched` lists rules whose peer
    /// matched but whose ports did not (the nearest misses).
    case noRuleMatched(peerMatched: [RuleReference])
    /// A rule would decide but names a port that cannot be resolved from the flow.
    case namedPortUnresolved(RuleReference, port: String)
    /// A Cilium deny rule (`ingressDeny`, `egressDeny`) matched; it wins over every allow.
    case deniedBy(RuleReference)
    /// A Cilium rule could decide, but through a construct flowlog cannot evaluate from flows
    /// (`toServices`, `fromRequires`, a toFQDNs identity, …).
    case unsupported(RuleReference, construct: String)
    /// Host policies (`nodeSelector`) select the node, and flowlog cannot tell which nodes.
    case hostPolicy([String])
}

/// One direction's decision with its explanation.
public struct DirectionVerdict: Sendable, Hashable {
    public var direction: PolicyType
    public var decision: Decision
    /// Policies that select the pod and govern this direction (sorted `namespace/name`).
    public var isolatingPolicies: [String]
    public var reason: DirectionReason
    /// Facts that qualify the decision: L7 rules that apply on top of an L4 allow, rules that
    /// cannot match from what flows record.
    public var notes: [String] = []

    /// One sentence for people (and its notes, in parentheses).
    public var explanation: String {
        notes.isEmpty ? sentence : sentence + " (" + notes.joined(separator: "; ") + ")"
    }

    private var sentence: String {
        let side = direction == .egress ? "egress from the source" : "ingress to the destination"
        switch reason {
        case .notAPod(let what):
            return "\(side): allowed, \(what) is not a pod"
        case .notIsolated:
            return "\(side): allowed, no policy isolates the pod for \(direction.rawValue)"
        case .allowedBy(let rule):
            return "\(side): allowed by \(rule)"
        case .noRuleMatched(let near):
            let isolated = "isolated by \(isolatingPolicies.joined(separator: ", "))"
            guard !near.isEmpty else { return "\(side): denied, \(isolated); no rule allows this peer" }
            return "\(side): denied, \(isolated); the peer matches \(near.map(\.description).joined(separator: ", ")) but not the port"
        case .namedPortUnresolved(let rule, let port):
            return "\(side): unknown, \(rule) names port \"\(port)\", which the flow cannot resolve (give --pods)"
        case .deniedBy(let rule):
            return "\(side): denied by \(rule), which wins over every allow"
        case .unsupported(let rule, let construct):
            return "\(side): unknown, \(rule) uses \(construct), which flowlog cannot evaluate from flows"
        case .hostPolicy(let policies):
            return "\(side): unknown, host policies (nodeSelector) may apply: \(policies.joined(separator: ", "))"
        }
    }
}

/// The verdict on a flow and its explanation.
public struct Evaluation: Sendable, Hashable {
    public var decision: Decision
    /// The source's egress side.
    public var egress: DirectionVerdict
    /// The destination's ingress side.
    public var ingress: DirectionVerdict
    /// Set when the flow was decided before looking at policies (a reply, a pod talking to
    /// itself, traffic with the pod's own node).
    public var shortcut: String?

    /// The explanation as one line.
    public var explanation: String {
        if let shortcut { return shortcut }
        return egress.explanation + "; " + ingress.explanation
    }
}
