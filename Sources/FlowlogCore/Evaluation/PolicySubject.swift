/// What the NetworkPolicy rules see of one side of a flow: a pod (namespace, pod labels,
/// namespace labels) or something outside the pod network (the world, a node), with its address.
public struct PolicySubject: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A pod: NetworkPolicies select it by its labels.
        case pod
        /// Outside the cluster (`reserved:world`, CIDR identities): matched only by `ipBlock`.
        case world
        /// The node the flow was seen on (`reserved:host`): traffic with it is always allowed.
        case host
        /// Another node, the health endpoint, the API server and the like: not a pod, and in
        /// Cilium's reading not matched by `ipBlock` either.
        case otherNonPod(String)
    }

    public var kind: Kind
    public var namespace: String
    public var podName: String
    public var podLabels: [String: String]
    public var namespaceLabels: [String: String]
    public var address: IPAddress?

    public init(kind: Kind, namespace: String = "", podName: String = "", podLabels: [String: String] = [:],
                namespaceLabels: [String: String] = [:], address: IPAddress? = nil) {
        self.kind = kind
        self.namespace = namespace
        self.podName = podName
        self.podLabels = podLabels
        self.namespaceLabels = namespaceLabels
        self.address = address
    }

    /// Reads an endpoint as Cilium labels it.
    ///
    /// Pod labels are the `k8s:` labels without Cilium's bookkeeping; namespace labels come from
    /// `k8s:io.cilium.k8s.namespace.labels.*`, plus `kubernetes.io/metadata.name=<namespace>`,
    /// which the API server sets on every namespace, plus what `knownNamespaces` adds.
    public init(endpoint: Endpoint, address: IPAddress?, knownNamespaces: [String: [String: String]] = [:]) {
        self.address = address
        podName = endpoint.podName
        var podLabels: [String: String] = [:]
        var namespaceLabels: [String: String] = [:]
        var reserved: [String] = []
        var hasCIDR = false
        for label in endpoint.parsedLabels {
            switch label.source {
            case "k8s":
                if label.key.hasPrefix(PolicySubject.namespaceLabelPrefix) {
                    namespaceLabels[String(label.key.dropFirst(PolicySubject.namespaceLabelPrefix.count))] = label.value
                } else if label.key == "io.kubernetes.pod.namespace" || label.key.hasPrefix("io.cilium.k8s.policy.") {
                    continue
                } else {
                    podLabels[label.key] = label.value
                }
            case "reserved": reserved.append(label.key)
            case "cidr", "fqdn", "cidrgroup": hasCIDR = true
            default: continue
            }
        }
        let namespace = endpoint.effectiveNamespace
        self.namespace = namespace
        if reserved.contains(where: { $0.hasPrefix("world") }) || hasCIDR
            || ([2, 9, 10].contains(endpoint.identity) && podLabels.isEmpty) {
            kind = .world
        } else if reserved.contains("host") || (endpoint.identity == 1 && podLabels.isEmpty) {
            kind = .host
        } else if !namespace.isEmpty && (reserved.isEmpty || !podLabels.isEmpty) {
            kind = .pod
        } else {
            kind = .otherNonPod(reserved.first ?? (endpoint.identity == 0 ? "unknown" : "identity \(endpoint.identity)"))
        }
        if kind == .pod {
            namespaceLabels["kubernetes.io/metadata.name"] = namespace
            for (key, value) in knownNamespaces[namespace] ?? [:] where namespaceLabels[key] == nil {
                namespaceLabels[key] = value
            }
        } else {
            namespaceLabels = [:]
        }
        self.podLabels = kind == .pod ? podLabels : [:]
        self.namespaceLabels = namespaceLabels
    }

    static let namespaceLabelPrefix = "io.cilium.k8s.namespace.labels."

    /// `namespace/pod`, `world 203.0.113.10`, `host`, …
    public var description: String {
        switch kind {
        case .pod: podName.isEmpty ? "\(namespace)/{\(labelText)}" : "\(namespace)/\(podName)"
        case .world: address.map { "world \($0)" } ?? "world"
        case .host: "host"
        case .otherNonPod(let name): name
        }
    }

    var labelText: String {
        podLabels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}
