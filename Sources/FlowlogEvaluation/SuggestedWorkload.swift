import FlowlogModel
import FlowlogPolicy

/// A workload as `policy suggest` selects it: a namespace and the stable pod labels its pods
/// share, which become the `podSelector`.
///
/// Pods are grouped by the labels that name what they run (`app.kubernetes.io/name`, `app`,
/// `k8s-app`, …) when they have any, else by all their stable labels; labels that change pod by
/// pod (`pod-template-hash`, `controller-revision-hash`, the StatefulSet pod name, …, see
/// ``EndpointGrouping/stableLabels(_:)``) are never used.
public struct WorkloadKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var namespace: String
    /// `key=value` pairs, sorted by key.
    public var labels: [LabelPair]

    /// One pod label.
    public struct LabelPair: Sendable, Hashable, Comparable {
        public var key: String
        public var value: String

        public static func < (lhs: LabelPair, rhs: LabelPair) -> Bool { (lhs.key, lhs.value) < (rhs.key, rhs.value) }
    }

    public static func < (lhs: WorkloadKey, rhs: WorkloadKey) -> Bool {
        (lhs.namespace, lhs.labelText) < (rhs.namespace, rhs.labelText)
    }

    var labelText: String { labels.map { "\($0.key)=\($0.value)" }.joined(separator: ",") }

    /// `namespace/key=value,…`.
    public var description: String { "\(namespace)/\(labels.isEmpty ? "{}" : labelText)" }

    /// Label keys that name the application a pod runs, most telling first; a workload is selected
    /// by those of them its pods carry.
    static let identifyingKeys = [
        "app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component",
        "app", "k8s-app", "name", "component",
    ]

    /// Keys whose value names the workload in a policy name, in order of preference.
    static let namingKeys = ["app.kubernetes.io/name", "app", "k8s-app", "name", "app.kubernetes.io/instance", "component"]

    /// The workload of a pod endpoint; nil for anything that is not a pod or has no valid namespace.
    init?(endpoint: Endpoint) {
        guard endpoint.kind.isPod else { return nil }
        let namespace = endpoint.effectiveNamespace
        // A namespace is a DNS label; anything else (a hostile flow's) cannot be selected by a
        // policy, nor name a file under `--out`.
        guard KubernetesNames.dnsLabelProblem(namespace) == nil else { return nil }
        // Only labels a Kubernetes label selector can name: a hostile flow's malformed label would
        // make a policy the API server rejects.
        var stable = EndpointGrouping.stableLabels(endpoint).filter { label in
            label.source == "k8s" && KubernetesNames.labelKeyProblem(label.key) == nil
                && KubernetesNames.labelValueProblem(label.value) == nil
        }
        var seen: Set<String> = []
        stable = stable.filter { seen.insert($0.key).inserted }
        let identifying = stable.filter { WorkloadKey.identifyingKeys.contains($0.key) }
        let chosen = identifying.isEmpty ? stable : identifying
        self.namespace = namespace
        labels = chosen.map { LabelPair(key: $0.key, value: $0.value) }.sorted()
    }

    /// The pod selector: `matchLabels` of the workload's labels (empty: every pod of the
    /// namespace), and `DoesNotExist` for each of `excluded` (see ``exclusions(among:)``).
    func selector(excluding excluded: [String] = []) -> LabelSelector {
        LabelSelector(requirements: labels.map { LabelSelector.Requirement(key: $0.key, op: .in, values: [$0.value]) }
            + excluded.map { LabelSelector.Requirement(key: $0, op: .doesNotExist, values: []) })
    }

    /// The label keys this workload's selector must require absent so that it does not also
    /// select the pods of another workload of its namespace whose labels include all of its own
    /// (`app=web` would select the pods of `app=web,component=worker` too, and allow them what
    /// only `app=web`'s pods were recorded doing). A workload's pods carry none of those keys:
    /// its labels are all the identifying (or, without any, all the stable) labels its pods have.
    func exclusions(among others: some Sequence<WorkloadKey>) -> [String] {
        let own = Set(labels)
        let ownKeys = Set(labels.map(\.key))
        var keys = Set<String>()
        for other in others where other.namespace == namespace && other.labels.count > labels.count {
            guard own.isSubset(of: other.labels) else { continue }
            keys.formUnion(other.labels.map(\.key).filter { !ownKeys.contains($0) })
        }
        return keys.sorted()
    }

    /// The peer that selects this workload from a policy in `policyNamespace`: a `podSelector`
    /// in its own namespace, else a `namespaceSelector` on `kubernetes.io/metadata.name` (which
    /// the API server sets on every namespace) together with the `podSelector`, in one peer so
    /// both must hold.
    func peer(from policyNamespace: String, excluding excluded: [String] = []) -> PolicyPeer {
        let pods = selector(excluding: excluded)
        if policyNamespace == namespace { return .selector(pods: pods, namespaces: nil) }
        let namespaces = LabelSelector(requirements: [.init(key: "kubernetes.io/metadata.name", op: .in, values: [namespace])])
        return .selector(pods: pods, namespaces: namespaces)
    }

    /// The note for a rule whose peer is this workload, when its selector is wider than its pods.
    var wideningNote: String? {
        guard labels.isEmpty else { return nil }
        return "the peer's pods carry no label a selector can name, so this peer is every pod of \(namespace) "
            + "without the labels of its other recorded workloads"
    }

    /// The base of the workload's policy names: the value of its most telling label, made a valid
    /// DNS label (lowercase letters, digits and `-`, at most 40 characters).
    func baseName(fallback: String?) -> String {
        let value = WorkloadKey.namingKeys.lazy.compactMap { key in self.labels.first { $0.key == key }?.value }.first
            ?? fallback ?? labels.first?.value ?? "pods"
        var name = ""
        for scalar in value.lowercased().unicodeScalars {
            let allowed = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
            if allowed { name.unicodeScalars.append(scalar) } else if !name.hasSuffix("-") { name += "-" }
        }
        name = String(name.prefix(40))
        while name.hasSuffix("-") { name.removeLast() }
        while name.hasPrefix("-") { name.removeFirst() }
        return name.isEmpty ? "pods" : name
    }
}
