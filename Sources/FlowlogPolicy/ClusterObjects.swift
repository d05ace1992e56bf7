import FlowlogModel
/// A namespace as the evaluator needs it: its name and labels (`--namespaces FILE`).
public struct NamespaceInfo: Sendable, Hashable {
    public var name: String
    /// The namespace's labels, including `kubernetes.io/metadata.name`, which the API server
    /// sets on every namespace to its name.
    public var labels: [String: String]
    public var location: SourceLocation?

    public init(name: String, labels: [String: String] = [:], location: SourceLocation? = nil) {
        self.name = name
        self.labels = labels
        self.location = location
    }
}

/// A port a container declares (`spec.containers[].ports[]`), which a policy can name.
public struct ContainerPort: Sendable, Hashable {
    /// The port's name (an IANA service name such as `http`), nil when unnamed.
    public var name: String?
    public var containerPort: UInt16
    public var proto: PolicyProtocol

    public init(name: String? = nil, containerPort: UInt16, proto: PolicyProtocol = .tcp) {
        self.name = name
        self.containerPort = containerPort
        self.proto = proto
    }
}

/// A pod as the evaluator needs it: where it is, its labels, and its named ports (`--pods FILE`).
public struct PodInfo: Sendable, Hashable {
    public var namespace: String
    public var name: String
    public var labels: [String: String]
    /// The ports of every container, in order.
    public var containerPorts: [ContainerPort]
    public var location: SourceLocation?

    public init(namespace: String, name: String, labels: [String: String] = [:], containerPorts: [ContainerPort] = [],
                location: SourceLocation? = nil) {
        self.namespace = namespace
        self.name = name
        self.labels = labels
        self.containerPorts = containerPorts
        self.location = location
    }
}

/// The objects a cluster-objects loader found, and the warnings and notes about them.
public struct ClusterObjectsResult<Object: Sendable & Equatable>: Sendable, Equatable {
    public var objects: [Object]
    public var diagnostics: [PolicyDiagnostic]

    public init(objects: [Object] = [], diagnostics: [PolicyDiagnostic] = []) {
        self.objects = objects
        self.diagnostics = diagnostics
    }
}

/// Loads the cluster state a policy evaluation may need besides flows: Namespace objects
/// (`kubectl get namespaces -o yaml`) and Pod objects (`kubectl get pods -A -o yaml`).
///
/// Input is read like policies (a file, a directory, or `-`; several documents; `List`s), errors
/// are fail-fast with `file:line:column` and a field path, and objects of other kinds are skipped
/// with a note. Only the fields flowlog uses are read and checked; other fields of these large
/// objects (`status`, most of `spec`) are ignored without warnings.
public enum ClusterObjects {
    /// Loads the Namespace objects in `path` (a file, a directory, or `-`).
    ///
    /// - Throws: ``PolicyError`` for an unreadable input, a YAML error or an invalid namespace.
    public static func loadNamespaces(path: String) throws(PolicyError) -> ClusterObjectsResult<NamespaceInfo> {
        try load(path: path, decode: decodeNamespace)
    }

    /// Loads the Namespace objects in one YAML text; `file` is the name used in positions.
    public static func loadNamespaces(yaml: String, file: String) throws(PolicyError) -> ClusterObjectsResult<NamespaceInfo> {
        var result = ClusterObjectsResult<NamespaceInfo>()
        try load(bytes: Array(yaml.utf8), file: file, into: &result, decode: decodeNamespace)
        return result
    }

    /// Loads the Pod objects in `path` (a file, a directory, or `-`).
    ///
    /// - Throws: ``PolicyError`` for an unreadable input, a YAML error or an invalid pod.
    public static func loadPods(path: String) throws(PolicyError) -> ClusterObjectsResult<PodInfo> {
        try load(path: path, decode: decodePod)
    }

    /// Loads the Pod objects in one YAML text; `file` is the name used in positions.
    public static func loadPods(yaml: String, file: String) throws(PolicyError) -> ClusterObjectsResult<PodInfo> {
        var result = ClusterObjectsResult<PodInfo>()
        try load(bytes: Array(yaml.utf8), file: file, into: &result, decode: decodePod)
        return result
    }

    // MARK: - Reading

    /// Decodes one object into `Object`, or returns nil when its kind is not the one wanted.
    private typealias Decode<Object> = (KubernetesObject, inout [PolicyDiagnostic]) throws(PolicyError) -> Object?

    private static func load<Object>(path: String, decode: Decode<Object>) throws(PolicyError) -> ClusterObjectsResult<Object> {
        var result = ClusterObjectsResult<Object>()
        for source in try PolicySources.expand([path]) {
            try load(bytes: try PolicySources.contents(of: source), file: source.name, into: &result, decode: decode)
        }
        return result
    }

    private static func load<Object>(bytes: [UInt8], file: String, into result: inout ClusterObjectsResult<Object>,
                                     decode: Decode<Object>) throws(PolicyError) {
        var diagnostics: [PolicyDiagnostic] = []
        do throws(PolicyError) {
            let documents = try YAMLParser.parse(bytes, file: file)
            for object in try KubernetesObject.objects(in: documents, diagnostics: &diagnostics) {
                if let decoded = try decode(object, &diagnostics) {
                    result.objects.append(decoded)
                } else {
                    diagnostics.append(object.skippedNote())
                }
            }
        } catch {
            throw SourceLines(bytes).attach(to: error)
        }
        result.diagnostics += SourceLines(bytes).attach(to: InputOrder.sorted(diagnostics))
    }

    // MARK: - Decoding

    private static func decodeNamespace(_ object: KubernetesObject, diagnostics: inout [PolicyDiagnostic]) throws(PolicyError) -> NamespaceInfo? {
        guard object.kind == "Namespace" else { return nil }
        try object.requireAPIVersion("v1")
        // Namespace names are DNS labels, not subdomains.
        let metadata = try object.decodeMetadata(nameRule: KubernetesNames.dnsLabelProblem, diagnostics: &diagnostics)
        var labels = try decodeLabels(metadata, diagnostics: &diagnostics)
        // The API server sets this label on every namespace (since Kubernetes 1.21), overwriting
        // any other value, so policies can select a namespace by name.
        labels["kubernetes.io/metadata.name"] = metadata.name
        return NamespaceInfo(name: metadata.name, labels: labels, location: object.location)
    }

    private static func decodePod(_ object: KubernetesObject, diagnostics: inout [PolicyDiagnostic]) throws(PolicyError) -> PodInfo? {
        guard object.kind == "Pod" else { return nil }
        try object.requireAPIVersion("v1")
        let metadata = try object.decodeMetadata(diagnostics: &diagnostics)
        let labels = try decodeLabels(metadata, diagnostics: &diagnostics)
        var ports: [ContainerPort] = []
        if let specNode = object.fields.value("spec") {
            let spec = try MappingReader(specNode, path: object.path("spec"))
            if let containersNode = spec.value("containers") {
                let containersPath = spec.child("containers")
                for (index, item) in try containersNode.list(path: containersPath, expected: "a list of containers").enumerated() {
                    let container = try MappingReader(item, path: indexPath(containersPath, index), expected: "a container (a mapping)")
                    ports += try decodeContainerPorts(container)
                }
            }
        }
        return PodInfo(namespace: metadata.namespace, name: metadata.name, labels: labels, containerPorts: ports,
                       location: object.location)
    }

    private static func decodeLabels(_ metadata: ObjectMetadata, diagnostics: inout [PolicyDiagnostic]) throws(PolicyError) -> [String: String] {
        guard let node = metadata.fields.value("labels") else { return [:] }
        var labels: [String: String] = [:]
        for (key, value) in try decodeLabelMap(node, path: metadata.fields.child("labels"), diagnostics: &diagnostics) {
            labels[key] = value
        }
        return labels
    }

    /// A container's `ports`: `containerPort` 1-65535 (required), `name` an IANA service name,
    /// `protocol` TCP (the default), UDP or SCTP.
    private static func decodeContainerPorts(_ container: MappingReader) throws(PolicyError) -> [ContainerPort] {
        guard let node = container.value("ports") else { return [] }
        let path = container.child("ports")
        var ports: [ContainerPort] = []
        for (index, item) in try node.list(path: path, expected: "a list of ports").enumerated() {
            let fields = try MappingReader(item, path: indexPath(path, index), expected: "a container port (a mapping)")
            let numberNode = try fields.required("containerPort", hint: "an integer 1-65535")
            let number = try numberNode.integer(path: fields.child("containerPort"), expected: "an integer 1-65535")
            guard (1...65535).contains(number) else {
                throw PolicyError.invalid(numberNode, path: fields.child("containerPort"), expected: "an integer 1-65535")
            }
            var port = ContainerPort(containerPort: UInt16(number))
            if let nameNode = fields.value("name") {
                let name = try nameNode.string(path: fields.child("name"), expected: "a port name")
                if let problem = KubernetesNames.portNameProblem(name) {
                    throw PolicyError.invalid(nameNode, path: fields.child("name"), expected: "a port name", reason: problem)
                }
                port.name = name
            }
            if let protocolNode = fields.value("protocol") {
                port.proto = try PolicyProtocol.decoding(protocolNode, path: fields.child("protocol"))
            }
            ports.append(port)
        }
        return ports
    }
}
