/// How drops are grouped by their endpoints (`drops --by`).
public enum EndpointGrouping: String, Sendable, CaseIterable {
    /// By the endpoint's identity labels without per-pod noise: one group per kind of workload.
    case labels
    /// By owning workload (`production/frontend`), falling back to labels.
    case workload
    /// By pod name.
    case pod
    /// By namespace.
    case namespace

    /// The group an endpoint belongs to. Endpoints that are not pods (the world, the host, …)
    /// are grouped by their kind's reserved name (``EndpointKind/reservedName``).
    public func key(for endpoint: Endpoint) -> String {
        if let reserved = endpoint.kind.reservedName { return reserved }
        let namespace = endpoint.effectiveNamespace
        switch self {
        case .namespace:
            return namespace.isEmpty ? "unknown" : namespace
        case .pod:
            guard !endpoint.podName.isEmpty else { return EndpointGrouping.labels.key(for: endpoint) }
            return namespace.isEmpty ? endpoint.podName : "\(namespace)/\(endpoint.podName)"
        case .workload:
            guard let workload = endpoint.workloads.first else { return EndpointGrouping.labels.key(for: endpoint) }
            return namespace.isEmpty ? workload.name : "\(namespace)/\(workload.name)"
        case .labels:
            let labels = EndpointGrouping.stableLabels(endpoint)
            let text = labels.map { $0.value.isEmpty ? $0.key : "\($0.key)=\($0.value)" }.joined(separator: ",")
            if namespace.isEmpty { return text.isEmpty ? "unknown" : text }
            return text.isEmpty ? namespace : "\(namespace)/\(text)"
        }
    }

    /// The pod's own labels, without labels that differ pod by pod (`pod-template-hash`, …) and
    /// without Cilium's bookkeeping labels (namespace, service account, cluster, namespace labels).
    public static func stableLabels(_ endpoint: Endpoint) -> [Label] {
        endpoint.parsedLabels.filter { label in
            (label.source == "k8s" || label.source == "container")
                && !volatileKeys.contains(label.key)
                && !bookkeepingPrefixes.contains(where: { label.key.hasPrefix($0) })
        }.sorted()
    }

    /// Label keys whose values change with every rollout or replica.
    static let volatileKeys: Set<String> = [
        "pod-template-hash", "controller-revision-hash", "pod-template-generation", "controller-uid",
        "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index", "batch.kubernetes.io/controller-uid",
        "batch.kubernetes.io/job-completion-index",
    ]

    static let bookkeepingPrefixes = [
        "io.kubernetes.pod.namespace", "io.cilium.k8s.namespace.labels.", "io.cilium.k8s.policy.", "io.cilium.",
    ]
}
