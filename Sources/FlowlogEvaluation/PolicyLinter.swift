import FlowlogModel
import FlowlogStore
import FlowlogPolicy
/// A likely mistake in a policy set: valid YAML the API server accepts, probably not what was meant.
public struct LintFinding: Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation?
    public var policy: String
    public var message: String

    public var description: String {
        (location.map { "\($0): " } ?? "") + "warning: \(policy): \(message)"
    }
}

/// Looks for real mistakes in a policy set, using the stored flows (when there are any) to see
/// which pods exist.
public enum PolicyLinter {
    /// - Parameters:
    ///   - policies: the policy set, already validated by the loader.
    ///   - seen: endpoints seen in stored flows; empty to skip the checks that need them.
    ///   - ciliumPolicies: the CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies of the set.
    public static func lint(_ policies: [NetworkPolicy], ciliumPolicies: [CiliumNetworkPolicy] = [],
                            seen: [Endpoint]) -> [LintFinding] {
        let evaluator = VerdictEvaluator(policies: policies, ciliumPolicies: ciliumPolicies)
        let pods = Set(seen.map { evaluator.subject($0, address: nil) }.filter { $0.kind == .pod }
            .map { PodKey(namespace: $0.namespace, labels: $0.podLabels, namespaceLabels: $0.namespaceLabels) })
        var findings: [LintFinding] = []
        for policy in policies.sorted(by: { $0.qualifiedName < $1.qualifiedName }) {
            if !pods.isEmpty {
                let inNamespace = pods.filter { $0.namespace == policy.namespace }
                if !inNamespace.contains(where: { policy.podSelector.matches($0.labels) }) {
                    findings.append(LintFinding(location: policy.location, policy: policy.qualifiedName, message:
                        "selects no pod seen in the stored flows (\(inNamespace.count) kinds of pod seen in namespace \(policy.namespace))"))
                }
            }
            for (direction, rules) in [(PolicyType.ingress, policy.ingress ?? []), (.egress, policy.egress ?? [])] {
                let side = direction == .ingress ? "ingress" : "egress"
                let list = direction == .ingress ? "from" : "to"
                for (index, rule) in rules.enumerated() {
                    let peers = rule.peers ?? []
                    let namespaceOnly = peers.contains { if case .selector(nil, .some) = $0 { return true }; return false }
                    let podOnly = peers.contains { if case .selector(.some, nil) = $0 { return true }; return false }
                    if namespaceOnly && podOnly {
                        findings.append(LintFinding(location: rule.location, policy: policy.qualifiedName, message:
                            "\(side)[\(index)].\(list) has a namespaceSelector and a podSelector as separate peers, so either "
                            + "one admits traffic; if both must hold, put them in one peer"))
                    }
                    guard !pods.isEmpty else { continue }
                    for (peerIndex, peer) in peers.enumerated() {
                        guard case .selector = peer else { continue }
                        let matches = pods.contains { key in
                            evaluator.peerMatches([peer], peer: key.subject, policyNamespace: policy.namespace)
                        }
                        if !matches {
                            findings.append(LintFinding(location: rule.location, policy: policy.qualifiedName, message:
                                "\(side)[\(index)].\(list)[\(peerIndex)] matches no pod seen in the stored flows"))
                        }
                    }
                }
            }
        }
        // A Cilium rule that allows DNS in the namespace answers a NetworkPolicy default deny too.
        findings += dnsFindings(policies).filter { finding in
            let namespace = String(finding.policy.prefix { $0 != "/" })
            return !ciliumAllowsDNS(ciliumPolicies, namespace: namespace)
        }
        let seenSubjects = Array(Set(seen.map { evaluator.subject($0, address: nil) })).sorted { $0.description < $1.description }
        findings += ciliumFindings(ciliumPolicies, networkPolicies: policies, seen: seenSubjects, evaluator: evaluator)
        return findings
    }

    /// A namespace whose pods are all isolated for egress, with no rule there that allows DNS
    /// (UDP 53), cannot resolve names.
    private static func dnsFindings(_ policies: [NetworkPolicy]) -> [LintFinding] {
        var findings: [LintFinding] = []
        for (namespace, inNamespace) in Dictionary(grouping: policies, by: \.namespace).sorted(by: { $0.key < $1.key }) {
            guard let denyAll = inNamespace.sorted(by: { $0.name < $1.name }).first(where: {
                $0.podSelector.isEmpty && $0.effectivePolicyTypes.contains(.egress)
            }) else { continue }
            let allowsDNS = inNamespace.contains { policy in
                (policy.egress ?? []).contains { rule in
                    guard let ports = rule.ports, !ports.isEmpty else { return true }
                    return ports.contains { spec in
                        guard spec.proto == .udp else { return false }
                        switch spec.port {
                        case nil: return true
                        case .number(let port): return port == 53 || (port < 53 && (spec.endPort ?? 0) >= 53)
                        case .name(let name): return name == "dns" || name == "domain"
                        }
                    }
                }
            }
            if !allowsDNS {
                findings.append(LintFinding(location: denyAll.location, policy: denyAll.qualifiedName, message:
                    "denies all egress in namespace \(namespace) and no policy there allows DNS (UDP 53): pods cannot resolve names"))
            }
        }
        return findings
    }

    private struct PodKey: Hashable {
        var namespace: String
        var labels: [String: String]
        var namespaceLabels: [String: String]

        var subject: PolicySubject {
            PolicySubject(kind: .pod, namespace: namespace, podLabels: labels, namespaceLabels: namespaceLabels)
        }
    }
}
