import FlowlogModel
import FlowlogPolicy

/// One Cilium rule with an endpoint selector, and the policy it belongs to.
struct CiliumSelection: Sendable {
    var policy: CiliumNetworkPolicy
    var rule: CiliumRule
}

/// Cilium's policy semantics, as its documentation (security/policy: intro, language,
/// kubernetes, deny) states them:
///
/// - A namespaced policy's `endpointSelector` selects endpoints of its namespace only; a
///   clusterwide one selects across namespaces. An empty selector selects all of them.
/// - In a namespaced policy, a `fromEndpoints`/`toEndpoints` selector matches pods of the policy's
///   namespace unless it names `io.kubernetes.pod.namespace` (or a `reserved:` label). In a
///   clusterwide policy `{}` matches every pod of the cluster.
/// - A rule's peer fields (endpoints, entities, CIDRs, FQDNs) are alternatives; `toPorts` then
///   restricts the ports. A rule without peer fields applies to every peer on its ports, and an
///   empty rule `{}` matches nothing.
/// - CIDR rules select only endpoints outside the cluster, never pods; so do `toFQDNs` rules
///   ("DNS based rules … behave similarly to CIDR based rules"), which match when one of the DNS
///   names Hubble recorded for the destination matches one of their selectors.
/// - Deny rules take precedence over allow policies of every kind, NetworkPolicies included.
/// - A rule with an ingress (egress) section, allow or deny, puts the endpoints it selects into
///   default deny for that direction, unless `enableDefaultDeny` says otherwise.
extension VerdictEvaluator {
    // MARK: - Selection

    /// The rules whose endpoint selector selects `pod`: its namespace's, then the clusterwide ones.
    func ciliumRules(selecting pod: PolicySubject) -> [CiliumSelection] {
        guard !ciliumRulesByNamespace.isEmpty, pod.kind == .pod else { return [] }
        let candidates = (ciliumRulesByNamespace[pod.namespace] ?? []) + (ciliumRulesByNamespace[""] ?? [])
        return candidates.filter { $0.rule.endpointSelector?.matches(endpointLabels: pod.ciliumLabels) ?? false }
    }

    /// Whether a Cilium rule puts `pod` into default deny for `direction`.
    func ciliumIsolates(_ pod: PolicySubject, _ direction: PolicyType) -> Bool {
        ciliumRules(selecting: pod).contains { $0.rule.enablesDefaultDeny(direction) }
    }

    // MARK: - Deny and allow

    enum CiliumDenial {
        case none
        case denied(RuleReference)
        case unknown(RuleReference, String)
    }

    /// The first deny rule (in policy-name order) that matches the flow.
    func ciliumDenial(_ selecting: [CiliumSelection], direction: PolicyType, pod: PolicySubject, peer: PolicySubject,
                      proto: L4Protocol, port: UInt16, icmpType: UInt8?) -> CiliumDenial {
        var unknown: CiliumDenial = .none
        for selection in selecting {
            let key = direction == .ingress ? "ingressDeny" : "egressDeny"
            for (index, rule) in selection.rule.denies(direction).enumerated() {
                let path = selection.rule.path.isEmpty ? "\(key)[\(index)]" : "\(selection.rule.path).\(key)[\(index)]"
                let reference = RuleReference(policy: selection.policy.qualifiedName, direction: direction, index: index, path: path)
                switch match(rule, direction: direction, policy: selection.policy, pod: pod, peer: peer, proto: proto, port: port,
                              icmpType: icmpType) {
                case .match(let detail, _, _):
                    var decided = reference
                    if let detail { decided.path = path + "." + detail }
                    return .denied(decided)
                case .unknown(let construct):
                    if case .none = unknown { unknown = .unknown(reference, construct) }
                case .noMatch, .peerOnly:
                    continue
                }
            }
        }
        return unknown
    }

    enum CiliumAllow {
        /// `peerNote` says how the peer matched when that is not plain from the rule (a DNS name).
        case allowed(RuleReference, l7: [String], peerNote: String?)
        /// No allow: the rules whose peer matched but not the port, the first undecidable rule,
        /// and notes on rules that cannot match.
        case notAllowed(near: [RuleReference], unknown: DirectionReason?, notes: [String])
    }

    /// The first allow rule (in policy-name order) that admits the flow.
    func ciliumAllow(_ selecting: [CiliumSelection], direction: PolicyType, pod: PolicySubject, peer: PolicySubject,
                     proto: L4Protocol, port: UInt16, icmpType: UInt8?) -> CiliumAllow {
        var near: [RuleReference] = []
        var unknown: DirectionReason?
        var notes: [String] = []
        let key = direction == .ingress ? "ingress" : "egress"
        for selection in selecting {
            for (index, rule) in selection.rule.allows(direction).enumerated() {
                let path = selection.rule.path.isEmpty ? "\(key)[\(index)]" : "\(selection.rule.path).\(key)[\(index)]"
                let reference = RuleReference(policy: selection.policy.qualifiedName, direction: direction, index: index, path: path)
                switch match(rule, direction: direction, policy: selection.policy, pod: pod, peer: peer, proto: proto, port: port,
                              icmpType: icmpType) {
                case .match(let detail, let l7, let peerNote):
                    var decided = reference
                    if let detail { decided.path = path + "." + detail }
                    return .allowed(decided, l7: l7, peerNote: peerNote.map { "\(path).\($0)" })
                case .peerOnly:
                    near.append(reference)
                case .unknown(let construct):
                    if unknown == nil { unknown = .unsupported(reference, construct: construct) }
                case .noMatch:
                    if rule.fqdns != nil && peer.kind.isOutsideCluster {
                        if peer.names.isEmpty {
                            notes.append("\(reference) toFQDNs cannot match: the flow recorded no destination names")
                        } else {
                            let shown = peer.names.prefix(3).joined(separator: ", ") + (peer.names.count > 3 ? ", …" : "")
                            notes.append("\(reference) toFQDNs matches none of the destination names (\(shown))")
                        }
                    }
                }
            }
        }
        return .notAllowed(near: near, unknown: unknown, notes: notes)
    }

    // MARK: - One rule

    enum CiliumRuleMatch {
        /// Peer and L4 part match; what of the L4 part matched (`toPorts[1]`, `icmps`; nil
        /// without an L4 part), its L7 rules, and how the peer matched when a DNS name decided.
        case match(detail: String?, l7: [String], peerNote: String?)
        /// The peer matches, the port (or ICMP type) does not.
        case peerOnly
        case noMatch
        case unknown(String)
    }

    /// Whether one rule admits the flow: its peer part, then its L4 part, where `toPorts` and
    /// `icmps` are alternatives (ICMP traffic matches only `icmps`, by family and type).
    func match(_ rule: CiliumPeerRule, direction: PolicyType, policy: CiliumNetworkPolicy, pod: PolicySubject,
               peer: PolicySubject, proto: L4Protocol, port: UInt16, icmpType: UInt8?) -> CiliumRuleMatch {
        let peerNote: String?
        switch peerMatch(rule, policy: policy, peer: peer) {
        case .noMatch: return .noMatch
        case .unknown(let construct): return .unknown(construct)
        case .match(let note): peerNote = note
        }
        guard rule.hasL4Part else { return .match(detail: nil, l7: [], peerNote: peerNote) }
        if proto == .icmpv4 || proto == .icmpv6 {
            let family: CiliumICMPField.Family = proto == .icmpv4 ? .ipv4 : .ipv6
            if let icmpType, rule.icmps?.contains(CiliumICMPField(family: family, type: icmpType)) == true {
                return .match(detail: "icmps", l7: [], peerNote: peerNote)
            }
            return .peerOnly
        }
        let portOwner = direction == .ingress ? pod : peer
        var unresolved: String?
        for (index, entry) in (rule.toPorts ?? []).enumerated() {
            switch portMatch(entry.ports, proto: proto, port: port, owner: portOwner) {
            case .match: return .match(detail: "toPorts[\(index)]", l7: entry.l7, peerNote: peerNote)
            case .noMatch: continue
            case .unresolved(let name): unresolved = unresolved ?? "named port \"\(name)\" (give --pods)"
            }
        }
        return unresolved.map(CiliumRuleMatch.unknown) ?? .peerOnly
    }

    enum PeerMatch {
        /// The peer matches; the note says which DNS name a `toFQDNs` selector matched.
        case match(note: String?)
        case noMatch
        case unknown(String)
    }

    /// Whether the rule's peer fields name `peer`.
    func peerMatch(_ rule: CiliumPeerRule, policy: CiliumNetworkPolicy, peer: PolicySubject) -> PeerMatch {
        // Without peer fields: every peer if the rule has ports, none for an empty rule.
        guard rule.hasPeerFields else { return rule.hasL4Part ? .match(note: nil) : .noMatch }
        var matched = false
        if let selectors = rule.endpoints {
            matched = selectors.contains { endpointMatches($0, policy: policy, peer: peer) }
        }
        if !matched, let entities = rule.entities {
            matched = entities.contains { entityMatches($0, peer) }
        }
        // Only Cilium enforces these rules, so `--ipblock-matches-pod-ips` (for iptables CNIs)
        // does not apply: a CIDR never selects a pod or a node.
        if !matched, let cidrs = rule.cidrs, let address = peer.address, peer.kind.isOutsideCluster {
            matched = cidrs.contains { $0.block.contains(address) }
        }
        // Like CIDR rules, toFQDNs selects only endpoints outside the cluster: a pod's address
        // keeps the pod's identity whatever names it has.
        var note: String?
        if !matched, let fqdns = rule.fqdns, peer.kind.isOutsideCluster, !peer.names.isEmpty {
            for (index, selector) in fqdns.enumerated() {
                guard let name = selector.firstMatch(in: peer.names) else { continue }
                matched = true
                note = "toFQDNs[\(index)] (\(selector)) matches the destination name \(name)"
                break
            }
        }
        if matched {
            // `fromRequires`/`toRequires` narrow the peers further, by labels of their own.
            if let narrowing = rule.unsupported.first(where: \.narrowsPeers) { return .unknown(narrowing.field) }
            return .match(note: note)
        }
        if let other = rule.unsupported.first(where: { !$0.narrowsPeers }) {
            return .unknown(other.field)
        }
        // An FQDN identity was allocated for some toFQDNs selector; without the names the flow
        // does not say which one.
        if rule.fqdns != nil, peer.names.isEmpty, case .world(.fqdn) = peer.kind {
            return .unknown("toFQDNs (the destination has an FQDN identity, but the flow recorded no destination names)")
        }
        return .noMatch
    }

    /// A `fromEndpoints`/`toEndpoints` selector against a peer's Cilium labels.
    func endpointMatches(_ selector: LabelSelector, policy: CiliumNetworkPolicy, peer: PolicySubject) -> Bool {
        let namesNamespace = selector.requirements.contains { requirement in
            requirement.key == "io.kubernetes.pod.namespace" || requirement.key == "k8s:io.kubernetes.pod.namespace"
        }
        let namesReserved = selector.requirements.contains { $0.key.hasPrefix("reserved:") }
        if let namespace = policy.namespace {
            if !namesNamespace && !namesReserved && (peer.kind != .pod || peer.namespace != namespace) { return false }
        } else if selector.isEmpty && peer.kind != .pod {
            // In a clusterwide policy `{}` selects the cluster's pods, not reserved identities.
            return false
        }
        return selector.matches(endpointLabels: peer.ciliumLabels)
    }

    /// Whether an entity names the peer, decided from its one classification (``EndpointKind``)
    /// and, for the endpoints that carry two reserved labels (the API server on a node), its labels.
    func entityMatches(_ entity: CiliumEntity, _ peer: PolicySubject) -> Bool {
        func hasReserved(_ name: String) -> Bool {
            peer.ciliumLabels.contains { $0.source == "reserved" && $0.key == name }
        }
        switch entity {
        case .all: return true
        case .world: return peer.kind.isOutsideCluster
        case .worldIPv4: return peer.kind.isOutsideCluster && peer.address.map { !$0.isIPv6 } ?? false
        case .worldIPv6: return peer.kind.isOutsideCluster && peer.address.map(\.isIPv6) ?? false
        case .cluster:
            switch peer.kind {
            case .world, .unknown, .otherReserved: return false
            default: return true
            }
        case .host: return peer.kind == .host
        case .remoteNode: return peer.kind == .remoteNode || hasReserved("remote-node")
        case .kubeAPIServer: return peer.kind == .kubeAPIServer || hasReserved("kube-apiserver")
        case .health: return peer.kind == .health
        case .initializing: return peer.kind == .initializing
        case .ingress: return peer.kind == .ingress
        case .unmanaged: return peer.kind == .unmanaged
        }
    }

    // MARK: - Ports

    /// Whether one `toPorts` entry's ports admit the flow. No ports: every port and protocol;
    /// port 0 or none: every port of the protocol; ANY: TCP, UDP and SCTP.
    func portMatch(_ ports: [CiliumPort], proto: L4Protocol, port: UInt16, owner: PolicySubject) -> PortMatch {
        guard !ports.isEmpty else { return .match }
        var unresolved: String?
        for spec in ports {
            let protocols: [PolicyProtocol]
            switch spec.proto {
            case .tcp: protocols = [.tcp]
            case .udp: protocols = [.udp]
            case .sctp: protocols = [.sctp]
            case .any: protocols = [.tcp, .udp, .sctp]
            case .other: continue
            }
            guard let flowProtocol = PolicyProtocol(proto), protocols.contains(flowProtocol) else { continue }
            switch spec.port {
            case nil:
                return .match
            case .number(let number):
                if number == port || (spec.endPort.map { number <= port && port <= $0 } ?? false) { return .match }
            case .name(let name):
                switch resolve(name, proto: flowProtocol, owner: owner) {
                case .some(let resolved): if resolved == port { return .match }
                case .none: unresolved = unresolved ?? name
                }
            }
        }
        return unresolved.map(PortMatch.unresolved) ?? .noMatch
    }
}
