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
    /// The labels Cilium's endpoint selectors see: the identity labels with their sources, plus
    /// what Cilium always gives the endpoint (a pod's `k8s:io.kubernetes.pod.namespace` and
    /// `k8s:io.cilium.k8s.namespace.labels.*`, a reserved endpoint's `reserved:` label).
    public var ciliumLabels: [Label]
    /// The DNS names Hubble recorded for the endpoint's address (`destination_names` of the
    /// destination), which Cilium's `toFQDNs` rules select by; empty when none were recorded.
    public var names: [String] = []

    public init(kind: EndpointKind, namespace: String = "", podName: String = "", podLabels: [String: String] = [:],
                namespaceLabels: [String: String] = [:], address: IPAddress? = nil) {
        self.kind = kind
        self.namespace = namespace
        self.podName = podName
        self.podLabels = podLabels
        self.namespaceLabels = namespaceLabels
        self.address = address
        let raw = podLabels.sorted { $0.key < $1.key }.map { Label(source: "k8s", key: $0.key, value: $0.value) }
        ciliumLabels = PolicySubject.ciliumLabels(raw, kind: kind, namespace: namespace, namespaceLabels: namespaceLabels)
    }

    /// `raw` completed with the labels Cilium derives from the endpoint's kind and namespace.
    static func ciliumLabels(_ raw: [Label], kind: EndpointKind, namespace: String,
                             namespaceLabels: [String: String]) -> [Label] {
        var labels = raw
        func add(_ label: Label) {
            if !labels.contains(where: { $0.source == label.source && $0.key == label.key }) { labels.append(label) }
        }
        if kind == .pod {
            if !namespace.isEmpty { add(Label(source: "k8s", key: "io.kubernetes.pod.namespace", value: namespace)) }
            for (key, value) in namespaceLabels.sorted(by: { $0.key < $1.key }) where key != "kubernetes.io/metadata.name" {
                add(Label(source: "k8s", key: namespaceLabelPrefix + key, value: value))
            }
        } else if let name = kind.reservedName, kind != .unknown {
            add(Label(source: "reserved", key: name, value: ""))
        }
        return labels
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
        ciliumLabels = PolicySubject.ciliumLabels(endpoint.parsedLabels, kind: kind, namespace: namespace,
                                                  namespaceLabels: namespaceLabels)
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
