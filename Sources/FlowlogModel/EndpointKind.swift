/// What one side of a flow is: a pod, or something outside the pod network (a node, the world,
/// Cilium's own endpoints). This is flowlog's one answer to "is this endpoint a pod, and if not,
/// what is it?": grouping, the evaluator's subjects, the connection rollup, and the identity text
/// of `observe` all read it from ``Endpoint/kind``.
///
/// ## How it is decided
///
/// From the endpoint's numeric identity and its identity labels, first match wins:
///
/// 1. **A reserved identity number** (1–10, ``ReservedIdentity``) decides alone, whatever the
///    labels say. Cilium gives these numbers only to things that are not pods ("Reserved
///    identities … are used for special entities" — `pkg/identity/numericidentity.go`), and the
///    number is what the datapath enforced. So identity 6 without labels is a remote node, and
///    identity 2 with a stale pod name is the world. A world number takes its origin from the
///    labels (`cidr:`/`fqdn:`), else it is ``WorldOrigin/reserved``.
/// 2. **`reserved:` labels**, in Cilium's own order (`pkg/identity` reserved-identity lookup):
///    `reserved:host` wins over everything (the local node keeps identity 1 even when it also runs
///    the API server: `[reserved:host, reserved:kube-apiserver]`); then `reserved:remote-node`
///    (with `reserved:kube-apiserver` it is the API server on another node, identity 7); then the
///    world labels (`reserved:world`, `world-ipv4`, `world-ipv6`); then `health`, `init`,
///    `ingress`, `unmanaged`. These win over `k8s:` labels: Cilium never gives a pod one of
///    them, so a label set that has both is not a pod's.
/// 3. **`cidr:`, `cidrgroup:` and `fqdn:` labels** make it the world: Cilium allocates those
///    node-local identities for addresses outside the pod network (CIDR and toFQDNs selectors).
///    `fqdn:` wins over `cidr:` as the origin, since it is the more specific of the two.
/// 4. **`reserved:kube-apiserver`** alone (or with `reserved:world`, handled in 2) is the API
///    server. The one reserved label that does not beat pod labels: with `k8s:` labels or a
///    namespace it is an API server that runs as a pod (hosted control planes), and Cilium gives
///    such a label set an ordinary identity ("make sure the set of labels only contains a single
///    label … to prevent users from adding cilium-reserved labels into the workloads"), so
///    NetworkPolicies select it by its pod labels like any pod.
/// 5. Any other `reserved:` name is ``otherReserved(_:)`` (a Cilium newer than flowlog).
/// 6. **`k8s:` or `container:` labels, a namespace or a pod name** make it a pod.
/// 7. Without any of that, the identity's scope: a node-local identity (bit 24,
///    `0x01000000`) is a CIDR identity, the world; a remote-node-scoped one (bit 25) is a remote
///    node. Everything else — identity 0 without labels, a cluster identity whose labels were not
///    exported — is ``unknown``.
public enum EndpointKind: Sendable, Hashable, CustomStringConvertible {
    /// A workload endpoint labelled from Kubernetes (`k8s:`) or the container runtime
    /// (`container:`): NetworkPolicies select it by its labels.
    case pod
    /// The node the flow was seen on (`reserved:host`, identity 1), including host-network pods.
    case host
    /// Another node of the cluster or a connected cluster (`reserved:remote-node`, identity 6).
    case remoteNode
    /// A kube-apiserver that is not the local node and not a pod (`reserved:kube-apiserver`,
    /// identity 7).
    case kubeAPIServer
    /// The cilium-health endpoint (`reserved:health`, identity 4).
    case health
    /// An endpoint that has no labels yet (`reserved:init`, identity 5).
    case initializing
    /// The source address of Cilium's ingress and Gateway proxy (`reserved:ingress`, identity 8).
    case ingress
    /// A pod Cilium does not manage (`reserved:unmanaged`, identity 3).
    case unmanaged
    /// Outside the cluster; NetworkPolicies reach it only through `ipBlock`.
    case world(WorldOrigin)
    /// A `reserved:` identity flowlog does not know, by its name.
    case otherReserved(String)
    /// Nothing tells what it is: identity 0 or an ordinary identity without labels or names.
    case unknown

    /// Why an endpoint counts as outside the cluster.
    public enum WorldOrigin: Sendable, Hashable {
        /// `reserved:world`, `reserved:world-ipv4`, `reserved:world-ipv6` or identities 2, 9, 10.
        case reserved
        /// A CIDR identity: `cidr:` or `cidrgroup:` labels, or a label-less node-local identity.
        case cidr
        /// An identity for addresses learned from DNS for a toFQDNs rule (`fqdn:` labels).
        case fqdn
    }

    // MARK: - Properties

    /// Whether NetworkPolicies select this endpoint by its labels.
    public var isPod: Bool { self == .pod }

    /// Whether the endpoint is outside the cluster (the world), which only `ipBlock` selects.
    public var isOutsideCluster: Bool {
        if case .world = self { return true }
        return false
    }

    /// Whether the endpoint's address is needed to tell it apart: true for everything but a pod.
    ///
    /// A pod's verdict depends on its labels only. Everything else shares its identity across
    /// many addresses (every world address is identity 2), and `ipBlock` tells those apart, so
    /// the verdict cache keys on the address and the connection rollup keeps it.
    public var needsAddress: Bool { !isPod }

    /// The text shown for an endpoint that is not a pod, as Cilium names it: `world`, `host`,
    /// `remote-node`, `kube-apiserver`, `health`, `init`, `ingress`, `unmanaged`, `unknown`;
    /// nil for a pod.
    public var reservedName: String? {
        switch self {
        case .pod: nil
        case .host: ReservedIdentity.host.name
        case .remoteNode: ReservedIdentity.remoteNode.name
        case .kubeAPIServer: ReservedIdentity.kubeAPIServer.name
        case .health: ReservedIdentity.health.name
        case .initializing: ReservedIdentity.initializing.name
        case .ingress: ReservedIdentity.ingress.name
        case .unmanaged: ReservedIdentity.unmanaged.name
        case .world: ReservedIdentity.world.name
        case .otherReserved(let name): name
        case .unknown: "unknown"
        }
    }

    /// `pod`, or the reserved name (`world (cidr)` for the world, with its origin).
    public var description: String {
        switch self {
        case .pod: "pod"
        case .world(let origin): "world (\(origin))"
        default: reservedName ?? "pod"
        }
    }

    // MARK: - Classification

    /// Node-local identities (CIDR and FQDN identities) have bit 24 set; remote-node-scoped ones
    /// bit 25 (Cilium `pkg/identity`: `IdentityScopeLocal`, `IdentityScopeRemoteNode`).
    static let scopeMask: UInt32 = 0xFF00_0000
    static let localScope: UInt32 = 0x0100_0000
    static let remoteNodeScope: UInt32 = 0x0200_0000

    /// Classifies an endpoint by the rules in the type's documentation.
    /// - Parameters:
    ///   - identity: the numeric security identity (0 when unknown).
    ///   - namespace: the `namespace` field.
    ///   - podName: the `pod_name` field.
    ///   - labels: identity labels in Cilium's string form (`source:key=value`).
    public init(identity: UInt32, namespace: String, podName: String, labels: [String]) {
        var facts = LabelFacts()
        for label in labels { facts.add(label) }

        // 1. A reserved identity number decides alone.
        if let reserved = ReservedIdentity(rawValue: identity) {
            self = reserved.isWorld ? .world(facts.worldOrigin ?? .reserved) : reserved.kind
            return
        }
        // 2. Reserved labels, in Cilium's order.
        if facts.host { self = .host; return }
        if facts.remoteNode { self = facts.kubeAPIServer ? .kubeAPIServer : .remoteNode; return }
        if facts.world { self = .world(facts.worldOrigin ?? .reserved); return }
        if let other = facts.otherKnownReserved { self = other; return }
        // 3. CIDR and FQDN identities.
        if let origin = facts.worldOrigin { self = .world(origin); return }
        // 4, 5. The API server (unless it is a pod) and reserved names flowlog does not know.
        let looksLikePod = facts.workloadLabels || !namespace.isEmpty || !podName.isEmpty
        if facts.kubeAPIServer && !looksLikePod { self = .kubeAPIServer; return }
        if let name = facts.unknownReserved { self = .otherReserved(name); return }
        // 6. Pods.
        if looksLikePod { self = .pod; return }
        // 7. The identity's scope, for what carries nothing else.
        switch identity & EndpointKind.scopeMask {
        case EndpointKind.localScope: self = .world(.cidr)
        case EndpointKind.remoteNodeScope: self = .remoteNode
        default: self = .unknown
        }
    }

    /// What the labels say, gathered in one pass.
    private struct LabelFacts {
        var host = false, remoteNode = false, kubeAPIServer = false, world = false
        var health = false, initializing = false, ingress = false, unmanaged = false
        var cidr = false, fqdn = false, workloadLabels = false
        var unknownReserved: String?

        var worldOrigin: WorldOrigin? { fqdn ? .fqdn : (cidr ? .cidr : nil) }

        /// `health`, `init`, `ingress`, `unmanaged`, in that order of precedence.
        var otherKnownReserved: EndpointKind? {
            if health { return .health }
            if initializing { return .initializing }
            if ingress { return .ingress }
            if unmanaged { return .unmanaged }
            return nil
        }

        mutating func add(_ label: String) {
            if label.hasPrefix("k8s:") || label.hasPrefix("container:") {
                workloadLabels = true
            } else if label.hasPrefix("reserved:") {
                let name = label.dropFirst("reserved:".count)
                // A reserved label has no value; be lenient with `reserved:world=` and the like.
                let key = String(name.firstIndex(of: "=").map { name[..<$0] } ?? name)
                switch ReservedIdentity(name: key) {
                case .host: host = true
                case .remoteNode: remoteNode = true
                case .kubeAPIServer: kubeAPIServer = true
                case .world, .worldIPv4, .worldIPv6: world = true
                case .health: health = true
                case .initializing: initializing = true
                case .ingress: ingress = true
                case .unmanaged: unmanaged = true
                case nil: if unknownReserved == nil { unknownReserved = key }
                }
            } else if label.hasPrefix("cidr:") || label.hasPrefix("cidrgroup:") {
                cidr = true
            } else if label.hasPrefix("fqdn:") {
                fqdn = true
            }
        }
    }
}

/// Cilium's reserved numeric identities and their names (`pkg/identity/numericidentity.go`,
/// `pkg/labels` reserved labels): the number Hubble reports and the `reserved:` label that
/// names the same thing.
public enum ReservedIdentity: UInt32, Sendable, CaseIterable {
    case host = 1
    case world = 2
    case unmanaged = 3
    case health = 4
    case initializing = 5
    case remoteNode = 6
    case kubeAPIServer = 7
    case ingress = 8
    case worldIPv4 = 9
    case worldIPv6 = 10

    /// Cilium's name: the `reserved:` label key, and what `hubble observe` prints for the number.
    public var name: String {
        switch self {
        case .host: "host"
        case .world: "world"
        case .unmanaged: "unmanaged"
        case .health: "health"
        case .initializing: "init"
        case .remoteNode: "remote-node"
        case .kubeAPIServer: "kube-apiserver"
        case .ingress: "ingress"
        case .worldIPv4: "world-ipv4"
        case .worldIPv6: "world-ipv6"
        }
    }

    /// The reserved identity of a `reserved:` label key (`world`, `remote-node`, …).
    public init?(name: String) {
        guard let match = ReservedIdentity.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }

    var isWorld: Bool { self == .world || self == .worldIPv4 || self == .worldIPv6 }

    /// The kind of endpoint that has this identity (the world as ``EndpointKind/WorldOrigin/reserved``).
    public var kind: EndpointKind {
        switch self {
        case .host: .host
        case .world, .worldIPv4, .worldIPv6: .world(.reserved)
        case .unmanaged: .unmanaged
        case .health: .health
        case .initializing: .initializing
        case .remoteNode: .remoteNode
        case .kubeAPIServer: .kubeAPIServer
        case .ingress: .ingress
        }
    }
}
