import FlowlogModel
import FlowlogPolicy

/// The Cilium checks of `policy lint`: constructs flowlog cannot evaluate, selectors that match
/// no recorded endpoint, deny rules that shadow an allow completely, and default-deny egress
/// without a DNS allow.
extension PolicyLinter {
    static func ciliumFindings(_ policies: [CiliumNetworkPolicy], networkPolicies: [NetworkPolicy],
                               seen: [PolicySubject], evaluator: VerdictEvaluator) -> [LintFinding] {
        var findings: [LintFinding] = []
        for policy in policies.sorted(by: { $0.qualifiedName < $1.qualifiedName }) {
            let name = policy.qualifiedName
            for rule in policy.rules {
                let prefix = rule.path.isEmpty ? "" : rule.path + "."
                if rule.nodeSelector != nil {
                    findings.append(LintFinding(location: rule.location, policy: name, message:
                        "\(prefix)nodeSelector: host policies are not evaluated (flows carry no node labels); "
                        + "verdicts for traffic of nodes are UNKNOWN"))
                }
                if let selector = rule.endpointSelector, !seen.isEmpty,
                   !seen.contains(where: { selected(selector, policy: policy, $0) }) {
                    findings.append(LintFinding(location: rule.location, policy: name, message:
                        "\(prefix)endpointSelector matches no endpoint seen in the stored flows" + prefixHint(selector)))
                }
                for (key, rules) in [("ingress", rule.ingress), ("ingressDeny", rule.ingressDeny),
                                     ("egress", rule.egress), ("egressDeny", rule.egressDeny)] {
                    for (index, peerRule) in rules.enumerated() {
                        let path = "\(prefix)\(key)[\(index)]"
                        for construct in peerRule.unsupported {
                            findings.append(LintFinding(location: construct.location, policy: name, message:
                                "\(path).\(construct.field) is not supported: flowlog cannot evaluate it from flows, "
                                + "so verdicts that depend on it are UNKNOWN"))
                        }
                        guard !seen.isEmpty else { continue }
                        for (selectorIndex, selector) in (peerRule.endpoints ?? []).enumerated() {
                            if !seen.contains(where: { evaluator.endpointMatches(selector, policy: policy, peer: $0) }) {
                                let field = key.hasPrefix("ingress") ? "fromEndpoints" : "toEndpoints"
                                findings.append(LintFinding(location: peerRule.location, policy: name, message:
                                    "\(path).\(field)[\(selectorIndex)] matches no endpoint seen in the stored flows"
                                    + prefixHint(selector)))
                            }
                        }
                    }
                }
                for direction in [PolicyType.ingress, .egress] {
                    findings += shadowFindings(rule, of: policy, direction: direction, among: policies, prefix: prefix)
                }
            }
        }
        findings += ciliumDNSFindings(policies, networkPolicies: networkPolicies)
        return findings
    }

    private static func selected(_ selector: LabelSelector, policy: CiliumNetworkPolicy, _ subject: PolicySubject) -> Bool {
        guard subject.kind == .pod else { return false }
        if let namespace = policy.namespace, subject.namespace != namespace { return false }
        return selector.matches(endpointLabels: subject.ciliumLabels)
    }

    /// A hint for a selector none of whose keys has the `k8s:` source: a typo in a bare key
    /// matches nothing, silently.
    private static func prefixHint(_ selector: LabelSelector) -> String {
        selector.requirements.contains(where: { $0.key.hasPrefix("k8s:") })
            ? "" : " (none of its keys has the k8s: prefix; check the label names)"
    }

    // MARK: - Shadowed allows

    /// An allow rule that a deny rule covers completely, peers and ports, where the deny selects
    /// at least the endpoints the allow does: a deny of the same rule, or of a rule whose selector
    /// is the same or empty and whose scope includes the allow's (the same namespace, or
    /// clusterwide). Such an allow can never allow anything.
    private static func shadowFindings(_ rule: CiliumRule, of policy: CiliumNetworkPolicy, direction: PolicyType,
                                       among policies: [CiliumNetworkPolicy], prefix: String) -> [LintFinding] {
        let allowKey = direction == .ingress ? "ingress" : "egress"
        var denying: [(name: String, rule: CiliumRule, peersInScope: Bool, clusterwide: Bool)] = []
        for other in policies.sorted(by: { $0.qualifiedName < $1.qualifiedName }) {
            // A namespaced deny covers a namespaced allow of its namespace; a clusterwide deny any.
            guard other.isClusterwide || (!policy.isClusterwide && other.namespace == policy.namespace) else { continue }
            for candidate in other.rules where !candidate.denies(direction).isEmpty {
                let same = other == policy && candidate == rule
                guard same || candidate.endpointSelector?.isEmpty == true
                        || (candidate.endpointSelector != nil && candidate.endpointSelector == rule.endpointSelector) else { continue }
                // A peer selector of a namespaced deny is scoped to its namespace, so it covers the
                // same selector only in a policy of that namespace.
                denying.append((same ? "" : other.qualifiedName, candidate, other.isClusterwide || !policy.isClusterwide,
                                other.isClusterwide))
            }
        }
        var findings: [LintFinding] = []
        for (index, allow) in rule.allows(direction).enumerated() where allow.hasPeerFields || allow.toPorts != nil {
            for entry in denying {
                guard let denyIndex = entry.rule.denies(direction).firstIndex(where: {
                    covers($0, allow, peersInScope: entry.peersInScope, denyIsClusterwide: entry.clusterwide)
                }) else { continue }
                let denyPath = (entry.rule.path.isEmpty ? "" : entry.rule.path + ".") + "\(allowKey)Deny[\(denyIndex)]"
                let where_ = entry.name.isEmpty ? denyPath : "\(entry.name) \(denyPath)"
                findings.append(LintFinding(location: allow.location, policy: policy.qualifiedName, message:
                    "\(prefix)\(allowKey)[\(index)] is shadowed completely by \(where_): "
                    + "deny rules win, so it never allows anything"))
                break
            }
        }
        return findings
    }

    private static func covers(_ deny: CiliumPeerRule, _ allow: CiliumPeerRule, peersInScope: Bool, denyIsClusterwide: Bool) -> Bool {
        guard deny.unsupported.isEmpty, coversPorts(deny.toPorts, allow.toPorts) else { return false }
        let denyEntities = Set(deny.entities ?? [])
        if denyEntities.contains(.all) { return true }
        guard allow.hasPeerFields, allow.unsupported.isEmpty else { return false }
        // `{}` is the pods of the deny's namespace (every pod, for a clusterwide deny): it covers a
        // selector unless that one reaches reserved identities or names another namespace.
        let endpointsCovered = (allow.endpoints ?? []).allSatisfy { selector in
            let namesNamespace = selector.requirements.contains { $0.key.hasSuffix("io.kubernetes.pod.namespace") }
            let namesReserved = selector.requirements.contains { $0.key.hasPrefix("reserved:") }
            let emptyCovers = !namesReserved && (denyIsClusterwide || !namesNamespace)
            return peersInScope && (deny.endpoints ?? []).contains { ($0.isEmpty && emptyCovers) || $0 == selector }
        }
        let entitiesCovered = (allow.entities ?? []).allSatisfy { entity in
            denyEntities.contains(entity) || (denyEntities.contains(.world) && [.worldIPv4, .worldIPv6].contains(entity))
        }
        let cidrsCovered = (allow.cidrs ?? []).allSatisfy { allowed in
            denyEntities.contains(.world) || (deny.cidrs ?? []).contains { denied in
                denied.block.except.isEmpty && denied.block.cidr.contains(allowed.block.cidr.network)
                    && denied.block.cidr.prefixLength <= allowed.block.cidr.prefixLength
            }
        }
        let fqdnsCovered = allow.fqdns == nil || denyEntities.contains(.world)
        return endpointsCovered && entitiesCovered && cidrsCovered && fqdnsCovered
    }

    private static func coversPorts(_ deny: [CiliumPortRule]?, _ allow: [CiliumPortRule]?) -> Bool {
        guard let deny else { return true }
        guard let allow else { return false }
        let denyPorts = deny.flatMap(\.ports)
        if deny.contains(where: { $0.ports.isEmpty }) { return true }
        return allow.allSatisfy { entry in
            !entry.ports.isEmpty && entry.ports.allSatisfy { port in
                denyPorts.contains { denied in
                    let protocolCovered = denied.proto == .any || denied.proto == port.proto
                    guard protocolCovered else { return false }
                    guard case .number(let start) = denied.port else { return denied.port == nil }
                    guard case .number(let allowStart) = port.port else { return false }
                    let end = denied.endPort ?? start
                    return start <= allowStart && (port.endPort ?? allowStart) <= end
                }
            }
        }
    }

    // MARK: - DNS

    /// A rule that puts every endpoint of a namespace (or the cluster) into egress default deny,
    /// when no egress allow in scope admits UDP 53, leaves pods unable to resolve names.
    private static func ciliumDNSFindings(_ policies: [CiliumNetworkPolicy], networkPolicies: [NetworkPolicy]) -> [LintFinding] {
        var findings: [LintFinding] = []
        for policy in policies.sorted(by: { $0.qualifiedName < $1.qualifiedName }) {
            for rule in policy.rules {
                guard let selector = rule.endpointSelector, selector.isEmpty, rule.enablesDefaultDeny(.egress) else { continue }
                let inScope = policies.filter { $0.isClusterwide || policy.isClusterwide || $0.namespace == policy.namespace }
                let ciliumDNS = inScope.contains { candidate in
                    candidate.rules.contains { $0.egress.contains(where: allowsDNS) }
                }
                let networkPolicyDNS = networkPolicies.contains { networkPolicy in
                    (policy.isClusterwide || networkPolicy.namespace == policy.namespace) && (networkPolicy.egress ?? []).contains { rule in
                        guard let ports = rule.ports, !ports.isEmpty else { return true }
                        return ports.contains { $0.proto == .udp && ($0.port == nil || $0.port == .number(53)
                            || ($0.port.map { if case .number(let start) = $0 { start <= 53 } else { false } } ?? false && ($0.endPort ?? 0) >= 53)) }
                    }
                }
                if !ciliumDNS && !networkPolicyDNS {
                    let scope = policy.namespace.map { "namespace \($0)" } ?? "the cluster"
                    let prefix = rule.path.isEmpty ? "" : rule.path + "."
                    findings.append(LintFinding(location: rule.location, policy: policy.qualifiedName, message:
                        "\(prefix)endpointSelector {} puts every pod of \(scope) into egress default deny and no rule there "
                        + "allows DNS (UDP 53): pods cannot resolve names"))
                }
            }
        }
        return findings
    }

    /// Whether an egress rule can admit DNS to the cluster's resolver: UDP 53 (or every port) to
    /// peers that can include it. Peers named only by FQDN or by unsupported constructs do not
    /// count, and neither does an empty rule.
    /// Whether a Cilium rule of `namespace` (or a clusterwide one) allows DNS egress.
    static func ciliumAllowsDNS(_ policies: [CiliumNetworkPolicy], namespace: String) -> Bool {
        policies.contains { policy in
            (policy.isClusterwide || policy.namespace == namespace) && policy.rules.contains { $0.egress.contains(where: allowsDNS) }
        }
    }

    private static func allowsDNS(_ rule: CiliumPeerRule) -> Bool {
        guard rule.hasPeerFields || rule.toPorts != nil else { return false }
        if rule.hasPeerFields {
            let entities = Set(rule.entities ?? [])
            guard rule.endpoints != nil || rule.cidrs != nil || entities.contains(.all) || entities.contains(.cluster) else {
                return false
            }
        }
        guard let toPorts = rule.toPorts else { return true }
        return toPorts.contains { entry in
            entry.ports.isEmpty || entry.ports.contains { port in
                guard port.proto == .udp || port.proto == .any else { return false }
                switch port.port {
                case nil: return true
                case .number(let start): return start == 53 || (start < 53 && (port.endPort ?? 0) >= 53)
                case .name(let name): return name == "dns" || name == "domain"
                }
            }
        }
    }
}
