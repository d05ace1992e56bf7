import FlowlogModel
/// Turns a `networking.k8s.io/v1` NetworkPolicy object into a ``NetworkPolicy``, validating it as
/// the API server does (`pkg/apis/networking/validation`, `ValidateNetworkPolicy`).
///
/// The first invalid value is thrown (fail-fast), with its position and field path. Unknown
/// fields and values the API server accepts but that are probably mistakes are collected in
/// ``diagnostics`` as warnings.
struct NetworkPolicyDecoder {
    static let apiVersion = "networking.k8s.io/v1"

    /// Warnings collected so far.
    var diagnostics: [PolicyDiagnostic] = []

    mutating func warn(_ node: YAMLNode, path: String, _ message: String) {
        diagnostics.append(PolicyDiagnostic(severity: .warning, location: node.location, fieldPath: path, message: message))
    }

    /// Decodes one object whose kind is `NetworkPolicy`.
    mutating func decode(_ object: KubernetesObject) throws(PolicyError) -> NetworkPolicy {
        let fields = object.fields
        try object.requireAPIVersion(NetworkPolicyDecoder.apiVersion)
        diagnostics += fields.unknownFields(known: ["apiVersion", "kind", "metadata", "spec", "status"])
        let metadata = try object.decodeMetadata(diagnostics: &diagnostics)
        let spec = try MappingReader(try fields.required("spec"), path: object.path("spec"))
        diagnostics += spec.unknownFields(known: ["podSelector", "policyTypes", "ingress", "egress"])

        // The API types make podSelector a plain struct, and older servers and kubectl's schema
        // check require it; an empty selector `{}` selects every pod in the namespace.
        let podSelectorNode = try spec.required("podSelector", hint: "use podSelector: {} to select every pod in the namespace")
        var policy = NetworkPolicy(name: metadata.name, namespace: metadata.namespace, location: object.location)
        policy.podSelector = try decodeSelector(podSelectorNode, path: spec.child("podSelector"))
        policy.ingress = try decodeRules(spec, direction: .ingress)
        policy.egress = try decodeRules(spec, direction: .egress)
        policy.policyTypes = try decodePolicyTypes(spec)
        return policy
    }

    // MARK: - Spec

    private func decodePolicyTypes(_ spec: MappingReader) throws(PolicyError) -> [PolicyType]? {
        guard let node = spec.value("policyTypes") else { return nil }
        let path = spec.child("policyTypes")
        let items = try node.list(path: path, expected: "a list of policy types (Ingress, Egress)")
        guard items.count <= PolicyType.allCases.count else {
            throw PolicyError(kind: .invalidValue, location: node.location, fieldPath: path,
                              message: "expected at most 2 policy types, found \(items.count)")
        }
        var types: [PolicyType] = []
        for (index, item) in items.enumerated() {
            let itemPath = indexPath(path, index)
            let text = try item.string(path: itemPath, expected: "Ingress or Egress")
            // Values are case-sensitive, as the API server compares them.
            guard let type = PolicyType(rawValue: text) else {
                throw PolicyError.invalid(item, path: itemPath, expected: "Ingress or Egress")
            }
            types.append(type)
        }
        return types
    }

    /// `spec.ingress` or `spec.egress`: nil when absent (or null), `[]` when an empty list.
    private mutating func decodeRules(_ spec: MappingReader, direction: PolicyType) throws(PolicyError) -> [PolicyRule]? {
        let key = direction == .ingress ? "ingress" : "egress"
        let peersKey = direction == .ingress ? "from" : "to"
        guard let node = spec.value(key) else { return nil }
        let path = spec.child(key)
        let items = try node.list(path: path, expected: "a list of \(key) rules")
        var rules: [PolicyRule] = []
        for (index, item) in items.enumerated() {
            // A null item decodes to an empty rule, which allows everything, as in the API.
            let rule = try MappingReader(item, path: indexPath(path, index), expected: "an \(key) rule (a mapping)")
            // `to` in an ingress rule (or `from` in an egress rule) is a common slip; the API
            // server drops the field, so the rule allows every peer.
            let otherKey = direction == .ingress ? "to" : "from"
            diagnostics += rule.unknownFields(known: [peersKey, "ports"],
                                              hints: [otherKey: "\(key) rules use \(peersKey); this rule allows every peer"])
            rules.append(PolicyRule(peers: try decodePeers(rule, key: peersKey), ports: try decodePorts(rule),
                                    location: item.location))
        }
        return rules
    }

    /// A rule's `from` / `to`: nil when absent or empty (every peer).
    private mutating func decodePeers(_ rule: MappingReader, key: String) throws(PolicyError) -> [PolicyPeer]? {
        guard let node = rule.value(key) else { return nil }
        let path = rule.child(key)
        let items = try node.list(path: path, expected: "a list of peers")
        var peers: [PolicyPeer] = []
        for (index, item) in items.enumerated() {
            peers.append(try decodePeer(item, path: indexPath(path, index)))
        }
        return peers.isEmpty ? nil : peers
    }

    /// A rule's `ports`: nil when absent or empty (every port).
    private mutating func decodePorts(_ rule: MappingReader) throws(PolicyError) -> [PortSpec]? {
        guard let node = rule.value("ports") else { return nil }
        let path = rule.child("ports")
        let items = try node.list(path: path, expected: "a list of ports")
        var ports: [PortSpec] = []
        for (index, item) in items.enumerated() {
            ports.append(try decodePort(item, path: indexPath(path, index)))
        }
        return ports.isEmpty ? nil : ports
    }
}
