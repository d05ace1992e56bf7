import FlowlogModel
/// A position in a source file: 1-based line and column, rendered `path:line:column`.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// Which directions a policy governs (`spec.policyTypes`).
public enum PolicyType: String, Sendable, Hashable, CaseIterable {
    case ingress = "Ingress"
    case egress = "Egress"
}

/// The protocols a NetworkPolicy port may name. TCP is the default when `protocol` is omitted.
public enum PolicyProtocol: String, Sendable, Hashable, CaseIterable {
    case tcp = "TCP"
    case udp = "UDP"
    case sctp = "SCTP"
}

/// A port in a policy rule: a number or a named container port (`http`), optionally a range up to
/// `endPort` (inclusive).
public enum PolicyPortValue: Sendable, Hashable, CustomStringConvertible {
    case number(UInt16)
    case name(String)

    public var description: String {
        switch self {
        case .number(let number): String(number)
        case .name(let name): name
        }
    }
}

/// One entry of a rule's `ports` list.
public struct PortSpec: Sendable, Hashable {
    public var proto: PolicyProtocol
    /// nil: all ports of the protocol.
    public var port: PolicyPortValue?
    /// The inclusive end of a range starting at a numeric `port`.
    public var endPort: UInt16?
    public var location: SourceLocation?

    public init(proto: PolicyProtocol = .tcp, port: PolicyPortValue? = nil, endPort: UInt16? = nil,
                location: SourceLocation? = nil) {
        self.proto = proto
        self.port = port
        self.endPort = endPort
        self.location = location
    }
}

/// A CIDR with exceptions (`ipBlock`).
public struct IPBlock: Sendable, Hashable {
    public var cidr: CIDR
    public var except: [CIDR]

    public init(cidr: CIDR, except: [CIDR] = []) {
        self.cidr = cidr
        self.except = except
    }

    /// Whether `address` is inside `cidr` and outside every `except` range.
    public func contains(_ address: IPAddress) -> Bool {
        cidr.contains(address) && !except.contains { $0.contains(address) }
    }
}

/// One entry of a rule's `from` / `to` list.
public enum PolicyPeer: Sendable, Hashable {
    /// `podSelector` alone: pods in the policy's own namespace.
    /// `namespaceSelector` alone: every pod in the matching namespaces.
    /// Both in one entry: pods matching `pods` in namespaces matching `namespaces`.
    case selector(pods: LabelSelector?, namespaces: LabelSelector?)
    case ipBlock(IPBlock)
}

/// One ingress or egress rule: traffic to/from any of `peers` on any of `ports`.
public struct PolicyRule: Sendable, Hashable {
    /// nil when `from`/`to` is absent or empty: every peer.
    public var peers: [PolicyPeer]?
    /// nil when `ports` is absent or empty: every port.
    public var ports: [PortSpec]?
    public var location: SourceLocation?

    public init(peers: [PolicyPeer]? = nil, ports: [PortSpec]? = nil, location: SourceLocation? = nil) {
        self.peers = peers
        self.ports = ports
        self.location = location
    }
}

/// A Kubernetes NetworkPolicy (`networking.k8s.io/v1`).
public struct NetworkPolicy: Sendable, Hashable {
    public var name: String
    /// `metadata.namespace`; `default` when omitted.
    public var namespace: String
    public var podSelector: LabelSelector
    /// `spec.policyTypes` as written; nil when omitted (see ``effectivePolicyTypes``).
    public var policyTypes: [PolicyType]?
    /// nil when the `ingress` key is absent; `[]` when it is an empty list.
    public var ingress: [PolicyRule]?
    public var egress: [PolicyRule]?
    /// Where the policy's document starts.
    public var location: SourceLocation?

    public init(name: String, namespace: String = "default", podSelector: LabelSelector = LabelSelector(),
                policyTypes: [PolicyType]? = nil, ingress: [PolicyRule]? = nil, egress: [PolicyRule]? = nil,
                location: SourceLocation? = nil) {
        self.name = name
        self.namespace = namespace
        self.podSelector = podSelector
        self.policyTypes = policyTypes
        self.ingress = ingress
        self.egress = egress
        self.location = location
    }

    /// The directions the policy governs. When `policyTypes` is omitted or empty, the API server
    /// defaults it: Ingress always, and Egress when the policy has at least one egress rule
    /// (an empty `egress: []` does not count).
    public var effectivePolicyTypes: Set<PolicyType> {
        if let policyTypes, !policyTypes.isEmpty { return Set(policyTypes) }
        var types: Set<PolicyType> = [.ingress]
        if let egress, !egress.isEmpty { types.insert(.egress) }
        return types
    }

    /// `namespace/name`.
    public var qualifiedName: String { "\(namespace)/\(name)" }
}
