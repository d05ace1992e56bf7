import FlowlogModel
import FlowlogStore
import FlowlogPolicy
/// What the NetworkPolicy rules see of one side of a flow: a pod (namespace, pod labels,
/// namespace labels) or something outside the pod network (the world, a node), with its address.
public struct PolicySubject: Sendable, Hashable {
    /// What the endpoint is (``Endpoint/kind``): only a pod is selected by labels, only the
    /// world by `ipBlock` (in Cilium's reading), and traffic with the host is always allowed.
    public var kind: EndpointKind
    public var namespace: String
    public var podName: String
    public var podLabels: [String: String]
    public var namespaceLabels: [String: String]
    public var address: IPAddress?

    public init(kind: EndpointKind, namespace: String = "", podName: String = "", podLabels: [String: String] = [:],
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
        for label in endpoint.parsedLabels where label.source == "k8s" {
            if label.key.hasPrefix(PolicySubject.namespaceLabelPrefix) {
                namespaceLabels[String(label.key.dropFirst(PolicySubject.namespaceLabelPrefix.count))] = label.value
            } else if label.key == "io.kubernetes.pod.namespace" || label.key.hasPrefix("io.cilium.k8s.policy.") {
                continue
            } else {
                podLabels[label.key] = label.value
            }
        }
        let namespace = endpoint.effectiveNamespace
        self.namespace = namespace
        kind = endpoint.kind
        if kind == .pod {
            if !namespace.isEmpty { namespaceLabels["kubernetes.io/metadata.name"] = namespace }
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
        default: kind.reservedName ?? "unknown"
        }
    }

    var labelText: String {
        podLabels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}
