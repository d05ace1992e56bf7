import FlowlogModel
/// One Kubernetes object found in a YAML stream: a document, or an item of a `List` document
/// (what `kubectl get … -o yaml` prints).
struct KubernetesObject {
    /// The object's fields.
    var fields: MappingReader
    var kind: String
    /// `apiVersion` as written, or inherited from a typed list (`NetworkPolicyList`).
    var apiVersion: String?
    /// The `apiVersion` node and its path: the object's own, or its typed list's.
    var apiVersionField: (node: YAMLNode, path: String)?
    /// Where the object starts.
    var location: SourceLocation { fields.node.location }

    /// A field path inside the object: `spec` for a document, `items[2].spec` for a list item.
    func path(_ field: String) -> String { fields.child(field) }

    /// `namespace/name`, or just `name` when the object gives no namespace; nil without a name.
    var displayName: String? {
        let metadata = fields.value("metadata")?.pairs
        func text(_ key: String) -> String? {
            metadata?.first { $0.key.scalar?.value == key }?.value.scalar?.value
        }
        guard let name = text("name") else { return nil }
        return text("namespace").map { "\($0)/\(name)" } ?? name
    }

    /// The note that says the object is skipped: `skipping kind Deployment (apps/v1) default/web`.
    func skippedNote() -> PolicyDiagnostic {
        var message = "skipping kind \(kind)"
        if let apiVersion { message += " (\(apiVersion))" }
        if let displayName { message += " " + displayName }
        return PolicyDiagnostic(severity: .note, location: location, message: message)
    }
}

extension KubernetesObject {
    /// The objects in `documents`, in order: each document that is an object, and each item of a
    /// document that is a list (`kind: List`, or a typed list such as `NetworkPolicyList`, whose
    /// items may leave out their kind and apiVersion). Empty documents are skipped.
    ///
    /// - Parameter diagnostics: Receives a warning for each unknown field of a list.
    /// - Throws: ``PolicyError`` when a document is not a mapping or an object has no kind.
    static func objects(in documents: [YAMLNode], diagnostics: inout [PolicyDiagnostic]) throws(PolicyError) -> [KubernetesObject] {
        var objects: [KubernetesObject] = []
        for document in documents where !document.isNull {
            try collect(document, path: "", inheritedKind: nil, inheritedAPIVersion: nil, into: &objects, diagnostics: &diagnostics)
        }
        return objects
    }

    private static let expectedObject = "a Kubernetes object (a mapping with apiVersion and kind)"

    private static func collect(_ node: YAMLNode, path: String, inheritedKind: String?,
                                inheritedAPIVersion: (node: YAMLNode, path: String)?,
                                into objects: inout [KubernetesObject], diagnostics: inout [PolicyDiagnostic]) throws(PolicyError) {
        if node.isNull && !path.isEmpty {
            throw PolicyError.wrongType(node, path: path, expected: expectedObject)
        }
        let fields = try MappingReader(node, path: path, expected: expectedObject)
        let apiVersionField = fields.value("apiVersion").map { (node: $0, path: fields.child("apiVersion")) } ?? inheritedAPIVersion
        let apiVersion = try apiVersionField.map { field throws(PolicyError) in try field.node.string(path: field.path) }
        let kind: String
        if let kindNode = fields.value("kind") {
            kind = try kindNode.string(path: fields.child("kind"))
        } else if let inheritedKind {
            kind = inheritedKind
        } else {
            _ = try fields.required("kind", hint: "every Kubernetes object has apiVersion and kind")
            return
        }
        if kind == "List" || (kind.hasSuffix("List") && fields.contains("items")) {
            diagnostics += fields.unknownFields(known: ["apiVersion", "kind", "metadata", "items"])
            // A typed list's items are of the listed kind; a plain `List` names each item's kind.
            let itemKind = kind == "List" ? nil : String(kind.dropLast(4))
            let itemAPIVersion = kind == "List" ? nil : apiVersionField
            let items = try fields.value("items")?.list(path: fields.child("items"), expected: "a list of objects") ?? []
            for (index, item) in items.enumerated() {
                try collect(item, path: indexPath(fields.child("items"), index), inheritedKind: itemKind,
                            inheritedAPIVersion: itemAPIVersion, into: &objects, diagnostics: &diagnostics)
            }
            return
        }
        objects.append(KubernetesObject(fields: fields, kind: kind, apiVersion: apiVersion, apiVersionField: apiVersionField))
    }
}

// MARK: - Common fields

/// The `metadata` fields flowlog uses.
struct ObjectMetadata {
    var fields: MappingReader
    var name: String
    /// `metadata.namespace`, or `default` when omitted (what `kubectl apply` without `-n` uses).
    var namespace: String
}

extension KubernetesObject {
    private static let objectMetaFields = [
        "name", "namespace", "labels", "annotations", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "generateName", "finalizers",
        "ownerReferences", "selfLink", "clusterName",
    ]

    /// Checks that the object's `apiVersion` is `expected`.
    ///
    /// - Throws: ``PolicyError`` when it is missing or different.
    func requireAPIVersion(_ expected: String) throws(PolicyError) {
        guard apiVersion != expected else { return }
        guard let field = apiVersionField else {
            throw PolicyError(kind: .missingField, location: location, fieldPath: path("apiVersion"),
                              message: "required field is missing (expected \(expected) for kind \(kind))")
        }
        throw PolicyError.invalid(field.node, path: field.path, expected: expected,
                                  reason: "flowlog reads kind \(kind) only in its GA version")
    }

    /// `metadata.name` (required; by default a DNS subdomain, as most kinds require) and
    /// `metadata.namespace` (a DNS label; `default` when omitted).
    ///
    /// - Parameter diagnostics: Receives a warning for each field that is not an ObjectMeta field.
    func decodeMetadata(nameRule: (String) -> String? = KubernetesNames.dnsSubdomainProblem,
                        diagnostics: inout [PolicyDiagnostic]) throws(PolicyError) -> ObjectMetadata {
        let metadata = try MappingReader(try fields.required("metadata"), path: path("metadata"))
        diagnostics += metadata.unknownFields(known: KubernetesObject.objectMetaFields)
        let nameNode = try metadata.required("name")
        let name = try nameNode.string(path: metadata.child("name"), expected: "an object name")
        if let problem = nameRule(name) {
            throw PolicyError.invalid(nameNode, path: metadata.child("name"), expected: "an object name", reason: "a name \(problem)")
        }
        var namespace = "default"
        if let namespaceNode = metadata.value("namespace") {
            namespace = try namespaceNode.string(path: metadata.child("namespace"), expected: "a namespace name")
            if let problem = KubernetesNames.dnsLabelProblem(namespace) {
                throw PolicyError.invalid(namespaceNode, path: metadata.child("namespace"), expected: "a namespace name",
                                          reason: "a namespace name \(problem)")
            }
        }
        return ObjectMetadata(fields: metadata, name: name, namespace: namespace)
    }
}
