import FlowlogModel
import FlowlogStore
import FlowlogPolicy
/// The outcome of evaluating a flow against a set of NetworkPolicies.
public enum Decision: String, Sendable, Hashable, CaseIterable {
    case allowed = "ALLOWED"
    case denied = "DENIED"
    /// The policies cannot decide from what the flow records (a named port without `--pods`).
    case unknown = "UNKNOWN"
}

/// A rule of a policy: `namespace/name` plus `ingress[i]` or `egress[i]`.
public struct RuleReference: Sendable, Hashable, CustomStringConvertible {
    public var policy: String
    public var direction: PolicyType
    public var index: Int

    public var description: String { "\(policy) \(direction == .ingress ? "ingress" : "egress")[\(index)]" }
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
}

/// One direction's decision with its explanation.
public struct DirectionVerdict: Sendable, Hashable {
    public var direction: PolicyType
    public var decision: Decision
    /// Policies that select the pod and govern this direction (sorted `namespace/name`).
    public var isolatingPolicies: [String]
    public var reason: DirectionReason

    /// One sentence for people.
    public var explanation: String {
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
