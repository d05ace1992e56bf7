import FlowlogModel
import FlowlogStore
import FlowlogPolicy
/// Decides whether NetworkPolicies and Cilium policies allow a flow, as Kubernetes and Cilium
/// specify, and explains why.
///
/// Pure and deterministic: no I/O, no clock. The rules it implements (NetworkPolicy v1):
/// - A pod is isolated for ingress (egress) when a policy in its namespace selects it and has
///   Ingress (Egress) among its effective `policyTypes`. A pod that is not isolated for a
///   direction allows everything in that direction.
/// - An isolated pod allows what at least one rule of one of those policies allows (the union).
/// - A flow is allowed when the source allows it as egress and the destination allows it as
///   ingress. Both sides are checked whatever side reported the flow.
/// - Replies of allowed connections are allowed (policies are stateful); a pod may always reach
///   itself; traffic between a pod and its own node is always allowed (unless a Cilium rule puts
///   the pod into egress default deny: Cilium enforces a pod's egress to its node).
///
/// Cilium policies join in as Cilium documents (see `VerdictEvaluator+Cilium.swift`): their deny
/// rules win over every allow of any kind, their rules isolate an endpoint per direction, and
/// their allows add to the NetworkPolicies' union.
public struct VerdictEvaluator: Sendable {
    public struct Options: Sendable {
        /// Whether `ipBlock` also matches pod (and node) addresses, as iptables-based
        /// implementations do. Cilium's reading, the default, matches only endpoints outside
        /// the cluster by `ipBlock`.
        public var ipBlockMatchesPodIPs = false
        /// Extra namespace labels (`--namespaces`), by namespace.
        public var namespaces: [String: [String: String]] = [:]
        /// Named container ports by `namespace/pod` (from `--pods`), to resolve named ports.
        public var namedPorts: [String: [NamedPort]] = [:]

        public init() {}
    }

    public let policies: [NetworkPolicy]
    public let ciliumPolicies: [CiliumNetworkPolicy]
    public let options: Options
    /// NetworkPolicies by namespace and by the direction they govern (their effective
    /// `policyTypes`), sorted by qualified name: worked out once, not per flow.
    private let policiesByNamespace: [String: [PolicyType: [NetworkPolicy]]]
    /// Cilium rules with an endpoint selector, sorted by policy name: clusterwide ones under "",
    /// namespaced ones under their namespace.
    let ciliumRulesByNamespace: [String: [CiliumSelection]]
    /// Clusterwide policies with a `nodeSelector` rule (host policies).
    let hostPolicies: [String]
    /// Whether a Cilium rule has `toFQDNs`, so verdicts depend on the destination's DNS names.
    public let readsDestinationNames: Bool

    public init(policies: [NetworkPolicy], ciliumPolicies: [CiliumNetworkPolicy] = [], options: Options = Options()) {
        self.policies = policies
        self.ciliumPolicies = ciliumPolicies
        self.options = options
        var byNamespace: [String: [PolicyType: [NetworkPolicy]]] = [:]
        for policy in policies.sorted(by: { $0.qualifiedName < $1.qualifiedName }) {
            for type in PolicyType.allCases where policy.effectivePolicyTypes.contains(type) {
                byNamespace[policy.namespace, default: [:]][type, default: []].append(policy)
            }
        }
        policiesByNamespace = byNamespace
        var selections: [String: [CiliumSelection]] = [:]
        var hosts: Set<String> = []
        for policy in ciliumPolicies.sorted(by: { $0.qualifiedName < $1.qualifiedName }) {
            for rule in policy.rules {
                if rule.nodeSelector != nil { hosts.insert(policy.qualifiedName) }
                guard rule.endpointSelector != nil else { continue }
                selections[policy.namespace ?? "", default: []].append(CiliumSelection(policy: policy, rule: rule))
            }
        }
        ciliumRulesByNamespace = selections
        hostPolicies = hosts.sorted()
        readsDestinationNames = ciliumPolicies.contains { policy in
            policy.rules.contains { rule in rule.egress.contains { $0.fqdns != nil } }
        }
    }

    /// How many policies of both kinds the evaluator holds.
    public var policyCount: Int { policies.count + ciliumPolicies.count }

    /// The subject a flow endpoint is for the rules.
    public func subject(_ endpoint: Endpoint, address: IPAddress?) -> PolicySubject {
        PolicySubject(endpoint: endpoint, address: address, knownNamespaces: options.namespaces)
    }

    /// Evaluates one flow in its recorded direction.
    public func evaluate(_ flow: Flow) -> Evaluation {
        var source = subject(flow.source, address: flow.sourceIP)
        source.names = flow.sourceNames
        var destination = subject(flow.destination, address: flow.destinationIP)
        destination.names = flow.destinationNames
        return evaluate(source: source, destination: destination,
                        proto: flow.l4.proto, port: flow.l4.destinationPort, isReply: flow.isReply == true,
                        icmpType: VerdictEvaluator.icmpType(of: flow))
    }

    /// The ICMP type of an ICMP flow (Hubble's `icmpv4.type`, kept in `sourcePort`); nil otherwise.
    public static func icmpType(of flow: Flow) -> UInt8? {
        flow.l4.proto == .icmpv4 || flow.l4.proto == .icmpv6 ? UInt8(truncatingIfNeeded: flow.l4.sourcePort) : nil
    }

    /// Evaluates traffic from `source` to `destination` on `proto`/`port` (the destination port),
    /// with the ICMP type of ICMP traffic (Cilium's `icmps` rules read it).
    public func evaluate(source: PolicySubject, destination: PolicySubject, proto: L4Protocol, port: UInt16,
                         isReply: Bool = false, icmpType: UInt8? = nil) -> Evaluation {
        let egress = check(.egress, pod: source, peer: destination, proto: proto, port: port, icmpType: icmpType)
        let ingress = check(.ingress, pod: destination, peer: source, proto: proto, port: port, icmpType: icmpType)
        var evaluation = Evaluation(decision: combine(egress.decision, ingress.decision), egress: egress, ingress: ingress)
        if isReply {
            evaluation.decision = .allowed
            evaluation.shortcut = "allowed: a reply, which follows its connection (policies are stateful)"
        } else if source.kind == .pod, destination.kind == .pod, !source.podName.isEmpty,
                  source.namespace == destination.namespace, source.podName == destination.podName {
            evaluation.decision = .allowed
            evaluation.shortcut = "allowed: a pod can always reach itself"
        } else if (source.kind == .host && destination.kind == .pod)
                    || (source.kind == .pod && destination.kind == .host && !ciliumIsolates(source, .egress)) {
            evaluation.decision = .allowed
            evaluation.shortcut = "allowed: traffic between a pod and its own node is always allowed"
        }
        return evaluation
    }

    private func combine(_ a: Decision, _ b: Decision) -> Decision {
        if a == .denied || b == .denied { return .denied }
        if a == .unknown || b == .unknown { return .unknown }
        return .allowed
    }

    // MARK: - One direction

    /// Whether `pod` allows traffic with `peer` in `direction` (egress: pod → peer; ingress: peer → pod).
    ///
    /// Cilium deny rules are checked first and win; then the pod is isolated when a
    /// NetworkPolicy or a Cilium rule isolates it; then any allow of either kind admits the flow.
    private func check(_ direction: PolicyType, pod: PolicySubject, peer: PolicySubject, proto: L4Protocol,
                       port: UInt16, icmpType: UInt8?) -> DirectionVerdict {
        guard pod.kind == .pod else {
            if !hostPolicies.isEmpty && (pod.kind == .host || pod.kind == .remoteNode) {
                return DirectionVerdict(direction: direction, decision: .unknown, isolatingPolicies: [],
                                        reason: .hostPolicy(hostPolicies))
            }
            return DirectionVerdict(direction: direction, decision: .allowed, isolatingPolicies: [],
                                    reason: .notAPod(pod.description))
        }
        let selecting = ciliumRules(selecting: pod)
        let denial = ciliumDenial(selecting, direction: direction, pod: pod, peer: peer, proto: proto, port: port, icmpType: icmpType)
        if case .denied(let reference) = denial {
            return DirectionVerdict(direction: direction, decision: .denied, isolatingPolicies: [], reason: .deniedBy(reference))
        }
        var verdict = checkAllows(direction, pod: pod, peer: peer, proto: proto, port: port, icmpType: icmpType,
                                  selecting: selecting)
        // A deny rule that may match leaves the flow undecided unless it is denied anyway.
        if case .unknown(let reference, let construct) = denial, verdict.decision == .allowed {
            verdict.notes.insert("a deny rule may apply", at: 0)
            verdict.decision = .unknown
            verdict.reason = .unsupported(reference, construct: construct)
        }
        return verdict
    }

    private func checkAllows(_ direction: PolicyType, pod: PolicySubject, peer: PolicySubject, proto: L4Protocol,
                             port: UInt16, icmpType: UInt8?, selecting: [CiliumSelection]) -> DirectionVerdict {
        let isolating = (policiesByNamespace[pod.namespace]?[direction] ?? []).filter { policy in
            policy.podSelector.matches(pod.podLabels)
        }
        let ciliumIsolating = selecting.filter { $0.rule.enablesDefaultDeny(direction) }.map(\.policy.qualifiedName)
        let names = Array(Set(isolating.map(\.qualifiedName) + ciliumIsolating)).sorted()
        guard !names.isEmpty else {
            return DirectionVerdict(direction: direction, decision: .allowed, isolatingPolicies: [], reason: .notIsolated)
        }
        var nearMisses: [RuleReference] = []
        var unresolved: DirectionReason?
        for policy in isolating {   // already sorted by qualified name
            let rules = (direction == .ingress ? policy.ingress : policy.egress) ?? []
            for (index, rule) in rules.enumerated() {
                let reference = RuleReference(policy: policy.qualifiedName, direction: direction, index: index)
                guard peerMatches(rule.peers, peer: peer, policyNamespace: policy.namespace) else { continue }
                // For ingress the named port is the selected pod's; for egress, the peer's.
                let portOwner = direction == .ingress ? pod : peer
                switch portMatches(rule.ports, proto: proto, port: port, owner: portOwner) {
                case .match:
                    return DirectionVerdict(direction: direction, decision: .allowed, isolatingPolicies: names,
                                            reason: .allowedBy(reference))
                case .noMatch:
                    nearMisses.append(reference)
                case .unresolved(let name):
                    if unresolved == nil { unresolved = .namedPortUnresolved(reference, port: name) }
                }
            }
        }
        var notes: [String] = []
        switch ciliumAllow(selecting, direction: direction, pod: pod, peer: peer, proto: proto, port: port, icmpType: icmpType) {
        case .allowed(let reference, let l7, let peerNote):
            var verdict = DirectionVerdict(direction: direction, decision: .allowed, isolatingPolicies: names,
                                           reason: .allowedBy(reference))
            if let peerNote { verdict.notes.append(peerNote) }
            if !l7.isEmpty {
                verdict.notes.append("L7 rules (\(l7.joined(separator: ", "))) apply on top; flowlog decides on L3/L4")
            }
            return verdict
        case .notAllowed(let near, let unknown, let ciliumNotes):
            nearMisses += near
            if unresolved == nil { unresolved = unknown }
            notes = ciliumNotes
        }
        if let unresolved {
            return DirectionVerdict(direction: direction, decision: .unknown, isolatingPolicies: names, reason: unresolved, notes: notes)
        }
        return DirectionVerdict(direction: direction, decision: .denied, isolatingPolicies: names,
                                reason: .noRuleMatched(peerMatched: nearMisses), notes: notes)
    }

    // MARK: - Peers

    /// An absent or empty `from`/`to` matches every peer; otherwise one entry must match.
    func peerMatches(_ peers: [PolicyPeer]?, peer: PolicySubject, policyNamespace: String) -> Bool {
        guard let peers, !peers.isEmpty else { return true }
        return peers.contains { entry in
            switch entry {
            case .selector(let pods, let namespaces):
                guard peer.kind == .pod else { return false }
                if let namespaces {
                    // namespaceSelector (alone or with podSelector): namespaces by their labels.
                    guard namespaces.matches(peer.namespaceLabels) else { return false }
                } else if peer.namespace != policyNamespace {
                    // podSelector alone: pods in the policy's own namespace.
                    return false
                }
                return pods.map { $0.matches(peer.podLabels) } ?? true
            case .ipBlock(let block):
                guard let address = peer.address else { return false }
                if !options.ipBlockMatchesPodIPs && !peer.kind.isOutsideCluster { return false }
                return block.contains(address)
            }
        }
    }

    // MARK: - Ports

    enum PortMatch {
        case match, noMatch
        case unresolved(String)
    }

    /// An absent or empty `ports` matches every port and protocol; otherwise one entry must match.
    /// Traffic without ports (ICMP, …) matches only rules without ports.
    private func portMatches(_ ports: [PortSpec]?, proto: L4Protocol, port: UInt16, owner: PolicySubject) -> PortMatch {
        guard let ports, !ports.isEmpty else { return .match }
        guard let flowProtocol = PolicyProtocol(proto) else { return .noMatch }
        var unresolved: String?
        for spec in ports where spec.proto == flowProtocol {
            switch spec.port {
            case nil:
                return .match
            case .number(let number):
                if let end = spec.endPort {
                    if number <= port && port <= end { return .match }
                } else if number == port {
                    return .match
                }
            case .name(let name):
                switch resolve(name, proto: flowProtocol, owner: owner) {
                case .some(let resolved): if resolved == port { return .match }
                case .none: unresolved = unresolved ?? name
                }
            }
        }
        return unresolved.map(PortMatch.unresolved) ?? .noMatch
    }

    /// The number of the named container port on the pod `owner`, from `--pods`; nil when unknown.
    func resolve(_ name: String, proto: PolicyProtocol, owner: PolicySubject) -> UInt16? {
        guard owner.kind == .pod, !owner.podName.isEmpty else { return nil }
        return options.namedPorts["\(owner.namespace)/\(owner.podName)"]?.first { $0.name == name && $0.proto == proto }?.port
    }
}

/// A named container port of a pod (`spec.containers[].ports[]`).
public struct NamedPort: Sendable, Hashable {
    public var name: String
    public var proto: PolicyProtocol
    public var port: UInt16

    public init(name: String, proto: PolicyProtocol, port: UInt16) {
        self.name = name
        self.proto = proto
        self.port = port
    }
}

extension PolicyProtocol {
    /// The policy protocol of a flow's L4 protocol; nil for protocols a policy port cannot name.
    init?(_ proto: L4Protocol) {
        switch proto {
        case .tcp: self = .tcp
        case .udp: self = .udp
        case .sctp: self = .sctp
        default: return nil
        }
    }
}
