import FlowlogModel
import FlowlogStore
import FlowlogPolicy

/// How a suggestion differs from an existing policy directory (`policy suggest --diff DIR`):
/// by policy, and by what each set decides on the recorded traffic and on the combinations never
/// recorded.
public struct SuggestionDiff: Sendable, Hashable {
    /// `namespace/name` of policies only the suggestion has.
    public var added: [String]
    /// `namespace/name` of NetworkPolicies only the directory has.
    public var removed: [String]
    /// Policies both have, with different specs.
    public var changed: [String]
    /// Policies both have, with the same spec.
    public var unchanged: [String]
    /// Cilium policies in the directory, which the suggestion (NetworkPolicies only) never replaces.
    public var ciliumPolicies: Int
    /// Recorded FORWARDED request flows the directory's policies would deny.
    public var existingBreaks: Int64
    /// Recorded FORWARDED request flows the suggestion would deny.
    public var suggestionBreaks: Int64
    /// Never-recorded combinations, with the directory as the baseline.
    public var closure: ClosureCount

    /// Compares `suggestion` with the policies loaded from a directory.
    public static func compare(_ suggestion: PolicySuggestion, with existing: PolicyLoadResult,
                               connections: [ConnectionCount], options: VerdictEvaluator.Options = .init()) -> SuggestionDiff {
        let mine = Dictionary(suggestion.policies.map { ($0.qualifiedName, normalized($0)) }, uniquingKeysWith: { first, _ in first })
        let theirs = Dictionary(existing.policies.map { ($0.qualifiedName, normalized($0)) }, uniquingKeysWith: { first, _ in first })
        let both = Set(mine.keys).intersection(theirs.keys)
        let proposed = VerdictEvaluator(policies: suggestion.policies, options: options)
        let baseline = VerdictEvaluator(policies: existing.policies, ciliumPolicies: existing.ciliumPolicies, options: options)
        return SuggestionDiff(
            added: Set(mine.keys).subtracting(theirs.keys).sorted(),
            removed: Set(theirs.keys).subtracting(mine.keys).sorted(),
            changed: both.filter { mine[$0] != theirs[$0] }.sorted(),
            unchanged: both.filter { mine[$0] == theirs[$0] }.sorted(),
            ciliumPolicies: existing.ciliumPolicies.count,
            existingBreaks: PolicyReplay.run(connections, evaluator: baseline).total(.wouldBreak),
            suggestionBreaks: PolicyReplay.run(connections, evaluator: proposed).total(.wouldBreak),
            closure: SuggestionProver.closure(connections, proposed: proposed, baseline: baseline,
                                              namespaces: Set(suggestion.namespaces.map(\.namespace))))
    }

    /// The policy without source locations and with `policyTypes` as the API server defaults them,
    /// so two policies compare by what they say, not where they were written.
    static func normalized(_ policy: NetworkPolicy) -> NetworkPolicy {
        func strip(_ rules: [PolicyRule]?) -> [PolicyRule]? {
            rules.map { list in
                list.map { rule in
                    PolicyRule(peers: rule.peers, ports: rule.ports.map { ports in
                        ports.map { PortSpec(proto: $0.proto, port: $0.port, endPort: $0.endPort) }
                    })
                }
            }
        }
        let types = PolicyType.allCases.filter { policy.effectivePolicyTypes.contains($0) }
        return NetworkPolicy(name: policy.name, namespace: policy.namespace, podSelector: policy.podSelector,
                             policyTypes: types, ingress: strip(policy.ingress) ?? [], egress: strip(policy.egress) ?? [])
    }
}
