import FlowlogModel

/// A Cilium policy (`cilium.io/v2`): a namespaced `CiliumNetworkPolicy` or a
/// `CiliumClusterwideNetworkPolicy`, holding the rules of its `spec` and `specs`.
public struct CiliumNetworkPolicy: Sendable, Hashable {
    public var name: String
    /// The policy's namespace; nil for a `CiliumClusterwideNetworkPolicy`.
    public var namespace: String?
    /// The rules of `spec` (path `spec`) followed by those of `specs` (paths `specs[i]`).
    public var rules: [CiliumRule]
    public var location: SourceLocation?

    public init(name: String, namespace: String?, rules: [CiliumRule] = [], location: SourceLocation? = nil) {
        self.name = name
        self.namespace = namespace
        self.rules = rules
        self.location = location
    }

    /// Whether the policy is a `CiliumClusterwideNetworkPolicy`.
    public var isClusterwide: Bool { namespace == nil }

    /// `CiliumNetworkPolicy` or `CiliumClusterwideNetworkPolicy`.
    public var kind: String { isClusterwide ? CiliumNetworkPolicy.clusterwideKind : CiliumNetworkPolicy.namespacedKind }

    /// `namespace/name`, or just `name` for a clusterwide policy (it has no namespace).
    public var qualifiedName: String { namespace.map { "\($0)/\(name)" } ?? name }

    public static let namespacedKind = "CiliumNetworkPolicy"
    public static let clusterwideKind = "CiliumClusterwideNetworkPolicy"
}

/// One rule of a Cilium policy: the endpoints it selects and its four rule lists.
public struct CiliumRule: Sendable, Hashable {
    /// How explanations name the rule: empty for `spec`, `specs[i]` for an item of `specs`.
    public var path: String
    /// `endpointSelector`; nil when the rule selects nodes instead (`nodeSelector`).
    public var endpointSelector: LabelSelector?
    /// `nodeSelector` (a host policy), which flowlog cannot evaluate: flows do not carry node labels.
    public var nodeSelector: LabelSelector?
    public var ingress: [CiliumPeerRule]
    public var ingressDeny: [CiliumPeerRule]
    public var egress: [CiliumPeerRule]
    public var egressDeny: [CiliumPeerRule]
    /// `enableDefaultDeny.ingress` / `.egress` as written; nil when not written.
    public var enableDefaultDenyIngress: Bool?
    public var enableDefaultDenyEgress: Bool?
    public var location: SourceLocation?

    public init(path: String = "", endpointSelector: LabelSelector? = LabelSelector(), nodeSelector: LabelSelector? = nil,
                ingress: [CiliumPeerRule] = [], ingressDeny: [CiliumPeerRule] = [],
                egress: [CiliumPeerRule] = [], egressDeny: [CiliumPeerRule] = [],
                enableDefaultDenyIngress: Bool? = nil, enableDefaultDenyEgress: Bool? = nil, location: SourceLocation? = nil) {
        self.path = path
        self.endpointSelector = endpointSelector
        self.nodeSelector = nodeSelector
        self.ingress = ingress
        self.ingressDeny = ingressDeny
        self.egress = egress
        self.egressDeny = egressDeny
        self.enableDefaultDenyIngress = enableDefaultDenyIngress
        self.enableDefaultDenyEgress = enableDefaultDenyEgress
        self.location = location
    }

    /// The allow rules of a direction.
    public func allows(_ direction: PolicyType) -> [CiliumPeerRule] { direction == .ingress ? ingress : egress }

    /// The deny rules of a direction.
    public func denies(_ direction: PolicyType) -> [CiliumPeerRule] { direction == .ingress ? ingressDeny : egressDeny }

    /// Whether the rule puts the endpoints it selects into default deny for `direction`.
    ///
    /// Cilium: a rule that selects an endpoint and has an ingress (egress) section puts it into
    /// default deny at ingress (egress); deny rules count too. `enableDefaultDeny` overrides
    /// that default per direction.
    public func enablesDefaultDeny(_ direction: PolicyType) -> Bool {
        let explicit = direction == .ingress ? enableDefaultDenyIngress : enableDefaultDenyEgress
        return explicit ?? (!allows(direction).isEmpty || !denies(direction).isEmpty)
    }
}

/// Cilium's entities: named groups of peers that are not selected by labels or addresses. The
/// evaluator decides them from the peer's ``EndpointKind``.
public enum CiliumEntity: String, Sendable, Hashable, CaseIterable {
    /// Everything outside the cluster; `world-ipv4` / `world-ipv6` by address family.
    case world, worldIPv4 = "world-ipv4", worldIPv6 = "world-ipv6"
    /// Everything inside the cluster: pods, nodes and Cilium's own endpoints.
    case cluster
    /// The local node (host-network pods included).
    case host
    /// The other nodes of the cluster.
    case remoteNode = "remote-node"
    /// The Kubernetes API server, wherever it runs.
    case kubeAPIServer = "kube-apiserver"
    /// Cilium's health endpoints.
    case health
    /// Endpoints whose identity is not resolved yet.
    case initializing = "init"
    /// Cilium's ingress proxy.
    case ingress
    /// Pods Cilium does not manage.
    case unmanaged
    /// Every peer.
    case all
}

/// A CIDR peer (`fromCIDR`, `toCIDR`, or a `CIDRSet` entry with `except`).
public struct CiliumCIDRRule: Sendable, Hashable {
    public var block: IPBlock
    public init(block: IPBlock) { self.block = block }
}

/// A `toFQDNs` entry.
public struct CiliumFQDNSelector: Sendable, Hashable, CustomStringConvertible {
    public var matchName: String?
    public var matchPattern: String?

    public init(matchName: String? = nil, matchPattern: String? = nil) {
        self.matchName = matchName
        self.matchPattern = matchPattern
    }

    public var description: String {
        [matchName.map { "matchName \($0)" }, matchPattern.map { "matchPattern \($0)" }].compactMap { $0 }.joined(separator: ", ")
    }
}

/// The protocol of a Cilium port: TCP, UDP, SCTP, or ANY (the default). Other protocols Cilium
/// knows (ICMP, …) are kept by name so that they are never read as something else.
public enum CiliumPortProtocol: Sendable, Hashable, CustomStringConvertible {
    case tcp, udp, sctp, any
    case other(String)

    public var description: String {
        switch self {
        case .tcp: "TCP"
        case .udp: "UDP"
        case .sctp: "SCTP"
        case .any: "ANY"
        case .other(let name): name
        }
    }
}

/// One `toPorts[].ports[]` entry.
public struct CiliumPort: Sendable, Hashable {
    /// nil (or port `0`): every port of the protocol.
    public var port: PolicyPortValue?
    public var endPort: UInt16?
    public var proto: CiliumPortProtocol

    public init(port: PolicyPortValue? = nil, endPort: UInt16? = nil, proto: CiliumPortProtocol = .any) {
        self.port = port
        self.endPort = endPort
        self.proto = proto
    }
}

/// One `toPorts` entry: its ports, and the L7 rules that apply on top of them.
public struct CiliumPortRule: Sendable, Hashable {
    /// Empty: every port and protocol.
    public var ports: [CiliumPort]
    /// The kinds of L7 rules under `rules` (`http`, `dns`, `kafka`, `l7proto`), in document order.
    public var l7: [String]

    public init(ports: [CiliumPort] = [], l7: [String] = []) {
        self.ports = ports
        self.l7 = l7
    }
}

/// One `icmps[].fields[]` entry: an ICMP type of one family.
public struct CiliumICMPField: Sendable, Hashable, CustomStringConvertible {
    public enum Family: String, Sendable, Hashable {
        case ipv4 = "IPv4", ipv6 = "IPv6"
    }

    public var family: Family
    public var type: UInt8

    public init(family: Family = .ipv4, type: UInt8) {
        self.family = family
        self.type = type
    }

    public var description: String { "\(family.rawValue) type \(type)" }
}

/// A construct flowlog reads but cannot evaluate from flows (`toServices`, `fromRequires`, …).
public struct CiliumUnsupported: Sendable, Hashable {
    /// The field name, such as `toServices`.
    public var field: String
    public var fieldPath: String
    public var location: SourceLocation?

    public init(field: String, fieldPath: String, location: SourceLocation? = nil) {
        self.field = field
        self.fieldPath = fieldPath
        self.location = location
    }

    /// Whether the construct narrows the rule's other peers (`fromRequires`, `toRequires`)
    /// rather than naming peers of its own.
    public var narrowsPeers: Bool { field == "fromRequires" || field == "toRequires" }
}

/// One ingress, ingressDeny, egress or egressDeny rule: the peers it names (any of them) and
/// the ports (any of them).
///
/// Cilium: the peer fields are alternatives (a peer that matches one of them is matched); a rule
/// with no peer field applies to every peer on its ports, and a rule with neither peers nor
/// ports (`{}`) matches nothing, which puts the endpoint into default deny alone.
public struct CiliumPeerRule: Sendable, Hashable {
    /// `fromEndpoints` / `toEndpoints`; nil when absent or empty.
    public var endpoints: [LabelSelector]?
    public var entities: [CiliumEntity]?
    /// `fromCIDR`/`toCIDR` and `fromCIDRSet`/`toCIDRSet`, together.
    public var cidrs: [CiliumCIDRRule]?
    /// `toFQDNs` (egress allow rules only).
    public var fqdns: [CiliumFQDNSelector]?
    /// nil when absent or empty: every port.
    public var toPorts: [CiliumPortRule]?
    /// `icmps` (the fields of all its entries); with `toPorts`, the alternatives of the rule's L4 part.
    public var icmps: [CiliumICMPField]?
    public var unsupported: [CiliumUnsupported]
    public var location: SourceLocation?

    public init(endpoints: [LabelSelector]? = nil, entities: [CiliumEntity]? = nil, cidrs: [CiliumCIDRRule]? = nil,
                fqdns: [CiliumFQDNSelector]? = nil, toPorts: [CiliumPortRule]? = nil, icmps: [CiliumICMPField]? = nil,
                unsupported: [CiliumUnsupported] = [], location: SourceLocation? = nil) {
        self.endpoints = endpoints
        self.entities = entities
        self.cidrs = cidrs
        self.fqdns = fqdns
        self.toPorts = toPorts
        self.icmps = icmps
        self.unsupported = unsupported
        self.location = location
    }

    /// Whether the rule restricts ports or ICMP types at all (an L4 part).
    public var hasL4Part: Bool { toPorts != nil || icmps != nil }

    /// Whether the rule names peers at all (any L3 field, supported or not).
    public var hasPeerFields: Bool {
        endpoints != nil || entities != nil || cidrs != nil || fqdns != nil
            || unsupported.contains { !$0.narrowsPeers }
    }
}
