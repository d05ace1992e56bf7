import FlowlogModel
extension LabelSelector {
    /// Decodes a Kubernetes `LabelSelector` (`matchLabels` and `matchExpressions`) into the one
    /// selector type flowlog has: each `matchLabels` entry becomes an `In` requirement with one
    /// value, followed by the expressions, in document order. An empty selector (`{}`) matches
    /// everything.
    ///
    /// Validated as `ValidateLabelSelector` does: operators are `In`, `NotIn`, `Exists` and
    /// `DoesNotExist` (case-sensitive); `In`/`NotIn` need values and `Exists`/`DoesNotExist`
    /// take none; keys and values follow the label rules.
    ///
    /// - Throws: ``PolicyError`` at the first invalid node.
    ///
    /// - Parameter ciliumKeys: Whether keys may carry a Cilium label source (`k8s:app`,
    ///   `reserved:host`), as in CiliumNetworkPolicy selectors.
    static func decoding(_ node: YAMLNode, path: String, ciliumKeys: Bool = false,
                         diagnostics: inout [PolicyDiagnostic]) throws(PolicyError) -> LabelSelector {
        let fields = try MappingReader(node, path: path, expected: "a label selector (a mapping with matchLabels or matchExpressions)")
        diagnostics += fields.unknownFields(known: ["matchLabels", "matchExpressions"])
        var requirements: [Requirement] = []
        if let labels = fields.value("matchLabels") {
            for (key, value) in try decodeLabelMap(labels, path: fields.child("matchLabels"), ciliumKeys: ciliumKeys,
                                                   diagnostics: &diagnostics) {
                requirements.append(Requirement(key: key, op: .in, values: [value]))
            }
        }
        if let expressions = fields.value("matchExpressions") {
            let path = fields.child("matchExpressions")
            for (index, item) in try expressions.list(path: path, expected: "a list of requirements").enumerated() {
                requirements.append(try decodingRequirement(item, path: indexPath(path, index), ciliumKeys: ciliumKeys,
                                                            diagnostics: &diagnostics))
            }
        }
        return LabelSelector(requirements: requirements)
    }

    private static let operators = "In, NotIn, Exists or DoesNotExist"

    private static func decodingRequirement(_ node: YAMLNode, path: String, ciliumKeys: Bool,
                                            diagnostics: inout [PolicyDiagnostic]) throws(PolicyError) -> Requirement {
        let fields = try MappingReader(node, path: path, expected: "a requirement (a mapping with key, operator and values)")
        diagnostics += fields.unknownFields(known: ["key", "operator", "values"])

        let operatorNode = try fields.required("operator", hint: "one of \(operators)")
        let operatorText = try operatorNode.string(path: fields.child("operator"), expected: operators)
        guard let op = Operator(rawValue: operatorText) else {
            throw PolicyError.invalid(operatorNode, path: fields.child("operator"), expected: operators)
        }
        let valuesPath = fields.child("values")
        let valueNodes = try fields.value("values")?.list(path: valuesPath, expected: "a list of label values") ?? []
        switch op {
        case .in, .notIn:
            if valueNodes.isEmpty {
                let expected = "at least one value when operator is \(op.rawValue)"
                if let values = fields.value("values") {
                    throw PolicyError(kind: .invalidValue, location: values.location, fieldPath: valuesPath,
                                      message: "expected \(expected), found an empty list")
                }
                throw PolicyError(kind: .missingField, location: node.location, fieldPath: valuesPath,
                                  message: "required field is missing (expected \(expected))")
            }
        case .exists, .doesNotExist:
            if let values = fields.value("values"), !valueNodes.isEmpty {
                throw PolicyError(kind: .invalidValue, location: values.location, fieldPath: valuesPath,
                                  message: "expected no values when operator is \(op.rawValue), found a list of \(valueNodes.count)")
            }
        }

        let keyNode = try fields.required("key", hint: "a label key")
        let key = try keyNode.string(path: fields.child("key"), expected: "a label key")
        if let problem = KubernetesNames.labelKeyProblem(ciliumKeys ? CiliumLabelSource.bareKey(key) : key) {
            throw PolicyError.invalid(keyNode, path: fields.child("key"), expected: "a label key", reason: problem)
        }
        var values: [String] = []
        for (index, valueNode) in valueNodes.enumerated() {
            let valuePath = indexPath(valuesPath, index)
            let value = try valueNode.string(path: valuePath, expected: "a label value")
            if let problem = KubernetesNames.labelValueProblem(value) {
                throw PolicyError.invalid(valueNode, path: valuePath, expected: "a label value", reason: problem)
            }
            values.append(value)
        }
        return Requirement(key: key, op: op, values: values)
    }
}

/// Decodes a label map (`matchLabels`, `metadata.labels`): string keys that follow the label-key
/// rules, string values that follow the label-value rules, in document order.
///
/// A `null` value (`app:` with nothing after it) reads as the empty string, as the API server's
/// JSON decoding leaves it, with a warning, since it is rarely meant.
///
/// - Throws: ``PolicyError`` when the node is not a mapping or a key or value is invalid.
func decodeLabelMap(_ node: YAMLNode, path: String, ciliumKeys: Bool = false,
                    diagnostics: inout [PolicyDiagnostic]) throws(PolicyError) -> [(key: String, value: String)] {
    let fields = try MappingReader(node, path: path, expected: "a map of labels")
    var labels: [(key: String, value: String)] = []
    for field in fields.fields {
        if let problem = KubernetesNames.labelKeyProblem(ciliumKeys ? CiliumLabelSource.bareKey(field.name) : field.name) {
            throw PolicyError.invalid(field.key, path: path, expected: "a label key", reason: problem)
        }
        let value: String
        if field.value.isNull {
            diagnostics.append(PolicyDiagnostic(severity: .warning, location: field.value.location, fieldPath: fields.child(field.name),
                                                message: "no value; read as the empty string"))
            value = ""
        } else {
            value = try field.value.string(path: fields.child(field.name), expected: "a label value (a string)")
        }
        if let problem = KubernetesNames.labelValueProblem(value) {
            throw PolicyError.invalid(field.value, path: fields.child(field.name), expected: "a label value", reason: problem)
        }
        labels.append((field.name, value))
    }
    return labels
}

/// The label sources a Cilium selector key may start with (`k8s:app`, `reserved:host`).
enum CiliumLabelSource {
    static let known: Set<Substring> = ["k8s", "reserved", "any", "container", "unspec", "cidr", "cidrgroup", "fqdn", "cilium", "kvstore"]

    /// The key without its source prefix, for the label-key rules (a Kubernetes key has no `:`).
    static func bareKey(_ key: String) -> String {
        guard let colon = key.firstIndex(of: ":"), known.contains(key[..<colon]) else { return key }
        return String(key[key.index(after: colon)...])
    }

    /// The source prefix of a key, or nil for a bare key (which matches any source).
    static func source(of key: String) -> Substring? {
        guard let colon = key.firstIndex(of: ":"), known.contains(key[..<colon]) else { return nil }
        return key[..<colon]
    }
}
