/// The workload that owns a pod (`Workload` in `flow.proto`), e.g. `Deployment/frontend`.
public struct Workload: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var kind: String
    public var name: String

    public init(kind: String, name: String) {
        self.kind = kind
        self.name = name
    }

    public static func < (lhs: Workload, rhs: Workload) -> Bool { (lhs.kind, lhs.name) < (rhs.kind, rhs.name) }

    public var description: String { kind.isEmpty ? name : "\(kind)/\(name)" }

    /// How stores keep a workload: `kind/name`, the slash written even for an empty kind.
    package var storedText: String { "\(kind)/\(name)" }

    /// Reads ``storedText`` back (a text without a slash is a name without a kind).
    package init(storedText text: String) {
        guard let slash = text.firstIndex(of: "/") else {
            self.init(kind: "", name: text)
            return
        }
        self.init(kind: String(text[..<slash]), name: String(text[text.index(after: slash)...]))
    }
}

/// One side of a flow (`Endpoint` in `flow.proto`): a pod, or a reserved identity such as the
/// world or the host.
///
/// The endpoint ID (`ID`) is left out on purpose: it is local to the reporting node and carries
/// nothing a report or a policy needs.
///
/// The fields live in one shared, copy-on-write box: a cluster has few endpoints and very many
/// flows, so copying a flow copies one reference, and two endpoints that share a box are equal
/// without comparing their labels.
public struct Endpoint: Sendable, Hashable {
    // @unchecked: a box is mutated only through `uniqueStorage()`, i.e. when this value holds
    // the only reference; a box shared between values (and so possibly threads) is never written.
    private final class Storage: @unchecked Sendable {
        var identity: UInt32
        var namespace: String
        var podName: String
        var clusterName: String
        var labels: [String]
        var workloads: [Workload]
        /// Derived from the four fields above; kept up to date by their setters, which run only
        /// on a uniquely referenced box, so reading it from shared copies is safe.
        private(set) var kind: EndpointKind

        init(identity: UInt32, namespace: String, podName: String, clusterName: String, labels: [String],
             workloads: [Workload]) {
            self.identity = identity
            self.namespace = namespace
            self.podName = podName
            self.clusterName = clusterName
            self.labels = labels
            self.workloads = workloads
            kind = EndpointKind(identity: identity, namespace: namespace, podName: podName, labels: labels)
        }

        func reclassify() {
            kind = EndpointKind(identity: identity, namespace: namespace, podName: podName, labels: labels)
        }

        func copy() -> Storage {
            Storage(identity: identity, namespace: namespace, podName: podName, clusterName: clusterName,
                    labels: labels, workloads: workloads)
        }
    }

    private var storage: Storage

    public init(identity: UInt32 = 0, namespace: String = "", podName: String = "", clusterName: String = "",
                labels: [String] = [], workloads: [Workload] = []) {
        storage = Storage(identity: identity, namespace: namespace, podName: podName, clusterName: clusterName,
                          labels: labels, workloads: workloads)
    }

    private mutating func uniqueStorage() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    /// The numeric security identity.
    public var identity: UInt32 {
        get { storage.identity }
        set {
            let storage = uniqueStorage()
            storage.identity = newValue
            storage.reclassify()
        }
    }
    public var namespace: String {
        get { storage.namespace }
        set {
            let storage = uniqueStorage()
            storage.namespace = newValue
            storage.reclassify()
        }
    }
    public var podName: String {
        get { storage.podName }
        set {
            let storage = uniqueStorage()
            storage.podName = newValue
            storage.reclassify()
        }
    }
    public var clusterName: String {
        get { storage.clusterName }
        set { uniqueStorage().clusterName = newValue }
    }
    /// Identity labels in Cilium's string form, `source:key=value`, as Hubble sent them.
    public var labels: [String] {
        get { storage.labels }
        set {
            let storage = uniqueStorage()
            storage.labels = newValue
            storage.reclassify()
        }
    }
    public var workloads: [Workload] {
        get { storage.workloads }
        set { uniqueStorage().workloads = newValue }
    }

    /// An identifier shared by copies of this value that have not been changed since; two
    /// endpoints with the same `sharedIdentity` are equal. (Different identities may still be equal.)
    public var sharedIdentity: ObjectIdentifier { ObjectIdentifier(storage) }

    public static func == (lhs: Endpoint, rhs: Endpoint) -> Bool {
        if lhs.storage === rhs.storage { return true }
        let left = lhs.storage
        let right = rhs.storage
        return left.identity == right.identity && left.namespace == right.namespace && left.podName == right.podName
            && left.clusterName == right.clusterName && left.labels == right.labels && left.workloads == right.workloads
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.identity)
        hasher.combine(storage.namespace)
        hasher.combine(storage.podName)
        hasher.combine(storage.clusterName)
        hasher.combine(storage.labels)
        hasher.combine(storage.workloads)
    }

    /// The parsed labels.
    public var parsedLabels: [Label] { labels.map(Label.init(parsing:)) }

    /// The namespace: the `namespace` field, else the `k8s:io.kubernetes.pod.namespace` label.
    public var effectiveNamespace: String {
        if !namespace.isEmpty { return namespace }
        for raw in labels where raw.hasPrefix(Label.podNamespacePrefix) {
            return String(raw.dropFirst(Label.podNamespacePrefix.count))
        }
        return ""
    }

    /// The names of the endpoint's `reserved:` labels (`world`, `host`, …), in label order.
    public var reservedNames: [String] {
        labels.compactMap { raw in raw.hasPrefix("reserved:") ? String(raw.dropFirst("reserved:".count)) : nil }
    }

    /// What the endpoint is: a pod, the world, a node, … (see ``EndpointKind`` for the rules).
    ///
    /// Classified once when the endpoint is made or changed, and shared by every copy: the
    /// evaluator and the rollups ask per flow.
    public var kind: EndpointKind { storage.kind }
}

/// One identity label, `source:key=value`, split into its parts.
public struct Label: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Where the label came from: `k8s`, `reserved`, `cidr`, … (empty when the string had none).
    public var source: String
    public var key: String
    public var value: String

    static let podNamespacePrefix = "k8s:io.kubernetes.pod.namespace="

    public init(source: String, key: String, value: String) {
        self.source = source
        self.key = key
        self.value = value
    }

    /// Splits a label string on its first `:` (source) and then its first `=` (key and value).
    /// A `:` after a `=` or a `/` is part of the key or value, not a source separator.
    public init(parsing raw: String) {
        let utf8 = raw.utf8
        var colon: String.Index?
        var equals: String.Index?
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "=") {
                equals = index
                break
            }
            if byte == UInt8(ascii: ":") && colon == nil { colon = index }
            if byte == UInt8(ascii: "/") && colon == nil { colon = utf8.endIndex }
            index = utf8.index(after: index)
        }
        var keyStart = raw.startIndex
        if let colon, colon != utf8.endIndex, colon != raw.startIndex {
            source = String(raw[..<colon])
            keyStart = raw.index(after: colon)
        } else {
            source = ""
        }
        if let equals, equals >= keyStart {
            key = String(raw[keyStart..<equals])
            value = String(raw[raw.index(after: equals)...])
        } else {
            key = String(raw[keyStart...])
            value = ""
        }
    }

    public static func < (lhs: Label, rhs: Label) -> Bool {
        (lhs.source, lhs.key, lhs.value) < (rhs.source, rhs.key, rhs.value)
    }

    /// The Cilium string form: `source:key=value`, or `source:key` when the value is empty.
    public var description: String {
        let head = source.isEmpty ? key : "\(source):\(key)"
        return value.isEmpty ? head : "\(head)=\(value)"
    }
}

/// A policy named in a flow's `*_allowed_by` / `*_denied_by` lists.
public struct PolicyReference: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var name: String
    public var namespace: String
    public var kind: String

    public init(name: String, namespace: String = "", kind: String = "") {
        self.name = name
        self.namespace = namespace
        self.kind = kind
    }

    public static func < (lhs: PolicyReference, rhs: PolicyReference) -> Bool {
        (lhs.namespace, lhs.name, lhs.kind) < (rhs.namespace, rhs.name, rhs.kind)
    }

    /// `namespace/name`, or `name` for a cluster-wide policy.
    public var description: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }
}

/// The policies Hubble named for a flow, per list.
public struct PolicyReferences: Sendable, Hashable {
    public var egressAllowedBy: [PolicyReference] = []
    public var ingressAllowedBy: [PolicyReference] = []
    public var egressDeniedBy: [PolicyReference] = []
    public var ingressDeniedBy: [PolicyReference] = []

    public init() {}

    public var isEmpty: Bool {
        egressAllowedBy.isEmpty && ingressAllowedBy.isEmpty && egressDeniedBy.isEmpty && ingressDeniedBy.isEmpty
    }
}
