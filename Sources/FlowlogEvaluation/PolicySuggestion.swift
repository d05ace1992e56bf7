import FlowlogModel
import FlowlogPolicy

/// What a suggested rule rests on: the recorded FORWARDED requests it allows.
public struct SuggestionEvidence: Sendable, Hashable {
    /// Recorded flows (request records) the rule allows.
    public var flows: Int64
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp
    /// A source and a destination (with port) of the rule's largest connection.
    public var exampleSource: String
    public var exampleDestination: String
    /// Something the reader should know about the rule (it allows every port because ICMP was
    /// recorded, no query from this namespace was recorded, …); nil when there is nothing.
    public var note: String?

    public init(flows: Int64, firstSeen: Timestamp, lastSeen: Timestamp, exampleSource: String,
                exampleDestination: String, note: String? = nil) {
        self.flows = flows
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.exampleSource = exampleSource
        self.exampleDestination = exampleDestination
        self.note = note
    }
}

/// One suggested NetworkPolicy with the evidence of each of its rules.
public struct SuggestedPolicy: Sendable, Hashable {
    public var policy: NetworkPolicy
    /// What the policy is for, in one line.
    public var summary: String
    /// Evidence per rule, in ``NetworkPolicy/ingress`` order.
    public var ingressEvidence: [SuggestionEvidence]
    /// Evidence per rule, in ``NetworkPolicy/egress`` order.
    public var egressEvidence: [SuggestionEvidence]
    /// Recorded peers a NetworkPolicy cannot name (the node, other nodes without `--node-cidr`,
    /// Cilium's own identities), said as comments instead of rules.
    public var notes: [String]

    public init(policy: NetworkPolicy, summary: String, ingressEvidence: [SuggestionEvidence] = [],
                egressEvidence: [SuggestionEvidence] = [], notes: [String] = []) {
        self.policy = policy
        self.summary = summary
        self.ingressEvidence = ingressEvidence
        self.egressEvidence = egressEvidence
        self.notes = notes
    }
}

/// The policies suggested for one namespace, in output order: `default-deny`, `allow-dns`, then
/// per workload (by name) its `-ingress` and `-egress` policies.
public struct NamespaceSuggestion: Sendable, Hashable {
    /// The namespace the policies are in.
    public var namespace: String
    /// Its policies, in output order.
    public var policies: [SuggestedPolicy]
}

/// What `flowlog policy suggest` proposes.
public struct PolicySuggestion: Sendable, Hashable {
    /// Namespaces with recorded FORWARDED requests, sorted.
    public var namespaces: [NamespaceSuggestion]
    /// Namespaces asked for that have no recorded FORWARDED request: nothing is suggested for them.
    public var namespacesWithoutTraffic: [String]
    /// The DNS workloads seen answering (`namespace/labels`), which `allow-dns` admits.
    public var dnsServers: [String]
    /// Recorded FORWARDED request records the suggestion was made from.
    public var requestFlows: Int64

    /// Every suggested policy, in output order.
    public var policies: [NetworkPolicy] { namespaces.flatMap { $0.policies.map(\.policy) } }
}

/// How `policy suggest` builds its policies.
public struct SuggestionOptions: Sendable {
    /// The namespaces to suggest policies for; empty: every namespace with recorded pods.
    public var namespaces: [String] = []
    /// The widest prefix an `ipBlock` may have, IPv4 (default /24) and IPv6 (default /64).
    public var maxPrefixV4 = 24
    public var maxPrefixV6 = 64
    /// Node address ranges (`--node-cidr`): recorded traffic with other nodes is allowed as an
    /// `ipBlock` of these instead of being reported as a comment.
    public var nodeCIDRs: [CIDR] = []

    public init(namespaces: [String] = [], maxPrefixV4: Int = 24, maxPrefixV6: Int = 64, nodeCIDRs: [CIDR] = []) {
        self.namespaces = namespaces
        self.maxPrefixV4 = maxPrefixV4
        self.maxPrefixV6 = maxPrefixV6
        self.nodeCIDRs = nodeCIDRs
    }
}
