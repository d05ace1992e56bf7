import FlowlogModel

/// Decodes `cilium.io/v2` `CiliumNetworkPolicy` and `CiliumClusterwideNetworkPolicy` objects,
/// checking what the CRD's schema and Cilium's own rule sanitizer would reject.
///
/// Like ``NetworkPolicyDecoder``, the first invalid value is thrown with its position and field
/// path, and unknown fields are collected as warnings. Constructs flowlog reads but cannot
/// evaluate from flows (`toServices`, `toGroups`, `fromRequires`, `nodeSelector`, …) are kept in
/// the model (``CiliumUnsupported``), so the linter can warn and the evaluator can answer UNKNOWN.
struct CiliumPolicyDecoder {
    static let apiVersion = "cilium.io/v2"
    static let kinds: Set<String> = [CiliumNetworkPolicy.namespacedKind, CiliumNetworkPolicy.clusterwideKind]

    var diagnostics: [PolicyDiagnostic] = []

    mutating func warn(_ node: YAMLNode, path: String, _ message: String) {
        diagnostics.append(PolicyDiagnostic(severity: .warning, location: node.location, fieldPath: path, message: message))
    }

    /// Decodes one object whose kind is `CiliumNetworkPolicy` or `CiliumClusterwideNetworkPolicy`.
    mutating func decode(_ object: KubernetesObject) throws(PolicyError) -> CiliumNetworkPolicy {
        let fields = object.fields
        let clusterwide = object.kind == CiliumNetworkPolicy.clusterwideKind
        try object.requireAPIVersion(CiliumPolicyDecoder.apiVersion)
        diagnostics += fields.unknownFields(known: ["apiVersion", "kind", "metadata", "spec", "specs", "status"])
        let metadata = try object.decodeMetadata(diagnostics: &diagnostics)
        if clusterwide, let namespaceNode = metadata.fields.value("namespace") {
            warn(namespaceNode, path: metadata.fields.child("namespace"),
                 "a CiliumClusterwideNetworkPolicy has no namespace; this one is ignored")
        }
        var policy = CiliumNetworkPolicy(name: metadata.name, namespace: clusterwide ? nil : metadata.namespace,
                                         location: object.location)
        guard fields.value("spec") != nil || fields.value("specs") != nil else {
            throw PolicyError(kind: .missingField, location: object.location, fieldPath: object.path("spec"),
                              message: "required field is missing (a \(object.kind) needs spec or specs)")
        }
        if let spec = fields.value("spec") {
            policy.rules.append(try decodeRule(spec, path: object.path("spec"), rulePath: "", clusterwide: clusterwide))
        }
        if let specs = fields.value("specs") {
            let path = object.path("specs")
            for (index, item) in try specs.list(path: path, expected: "a list of rules").enumerated() {
                policy.rules.append(try decodeRule(item, path: indexPath(path, index), rulePath: "specs[\(index)]",
                                                   clusterwide: clusterwide))
            }
        }
        return policy
    }

    // MARK: - Rules

    private static let ruleFields = ["endpointSelector", "nodeSelector", "ingress", "ingressDeny", "egress", "egressDeny",
                                     "enableDefaultDeny", "labels", "description", "log"]

    /// One rule (`spec` or an item of `specs`): exactly one of `endpointSelector` and
    /// `nodeSelector` (the latter only in a clusterwide policy), then the rule lists.
    ///
    /// - Parameter rulePath: How explanations name the rule: empty for `spec`, `specs[i]`.
    private mutating func decodeRule(_ node: YAMLNode, path: String, rulePath: String,
                                     clusterwide: Bool) throws(PolicyError) -> CiliumRule {
        let fields = try MappingReader(node, path: path, expected: "a rule (a mapping with endpointSelector and rules)")
        diagnostics += fields.unknownFields(known: CiliumPolicyDecoder.ruleFields)
        var rule = CiliumRule(path: rulePath, endpointSelector: nil, location: node.location)
        let endpointNode = fields.value("endpointSelector")
        let nodeNode = fields.value("nodeSelector")
        switch (endpointNode, nodeNode) {
        case (nil, nil):
            throw PolicyError(kind: .missingField, location: node.location, fieldPath: fields.child("endpointSelector"),
                              message: "required field is missing (use endpointSelector: {} to select every endpoint)")
        case (.some, .some(let selector)):
            throw PolicyError(kind: .invalidValue, location: selector.location, fieldPath: fields.child("nodeSelector"),
                              message: "expected endpointSelector or nodeSelector, found both")
        case (.some(let selector), nil):
            rule.endpointSelector = try decodeSelector(selector, path: fields.child("endpointSelector"))
        case (nil, .some(let selector)):
            guard clusterwide else {
                throw PolicyError(kind: .invalidValue, location: selector.location, fieldPath: fields.child("nodeSelector"),
                                  message: "nodeSelector is only valid in a CiliumClusterwideNetworkPolicy")
            }
            rule.nodeSelector = try decodeSelector(selector, path: fields.child("nodeSelector"))
        }
        rule.ingress = try decodePeerRules(fields, key: "ingress")
        rule.ingressDeny = try decodePeerRules(fields, key: "ingressDeny")
        rule.egress = try decodePeerRules(fields, key: "egress")
        rule.egressDeny = try decodePeerRules(fields, key: "egressDeny")
        if let defaults = fields.value("enableDefaultDeny") {
            let reader = try MappingReader(defaults, path: fields.child("enableDefaultDeny"),
                                           expected: "a mapping with ingress and egress (booleans)")
            diagnostics += reader.unknownFields(known: ["ingress", "egress"])
            rule.enableDefaultDenyIngress = try reader.value("ingress").map { node throws(PolicyError) in
                try node.boolean(path: reader.child("ingress"))
            }
            rule.enableDefaultDenyEgress = try reader.value("egress").map { node throws(PolicyError) in
                try node.boolean(path: reader.child("egress"))
            }
        }
        return rule
    }

    /// A Cilium endpoint selector: a Kubernetes label selector whose keys may carry a source
    /// (`k8s:app`); `any:` is the same as no source.
    mutating func decodeSelector(_ node: YAMLNode, path: String) throws(PolicyError) -> LabelSelector {
        var selector = try LabelSelector.decoding(node, path: path, ciliumKeys: true, diagnostics: &diagnostics)
        for index in selector.requirements.indices where selector.requirements[index].key.hasPrefix("any:") {
            selector.requirements[index].key.removeFirst("any:".count)
        }
        return selector
    }
}

extension YAMLNode {
    /// The node as a boolean (`true` / `false`).
    func boolean(path: String) throws(PolicyError) -> Bool {
        guard case .bool(let value) = resolved else { throw PolicyError.wrongType(self, path: path, expected: "true or false") }
        return value
    }
}
