import FlowlogModel
/// The fields of one YAML mapping that stands for a Kubernetes object or sub-object, with the
/// field path that leads to it.
///
/// It applies the rules the API server's JSON decoding applies before validation: keys are
/// strings, a field may appear once, and an explicit `null` is the same as an absent field
/// (``value(_:)``). Merge keys (`<<: *defaults`) are expanded as YAML 1.1 defines them, since
/// `kubectl` accepts them: fields written in the mapping win over merged ones, and earlier merged
/// mappings win over later ones.
struct MappingReader {
    struct Field {
        var name: String
        var key: YAMLNode
        var value: YAMLNode
    }

    /// The mapping node (or the null that stands for an empty mapping).
    let node: YAMLNode
    /// The field path of the mapping itself (`spec.ingress[0]`); empty for a document's root.
    let path: String
    private(set) var fields: [Field] = []

    /// Reads `node` as a mapping. `null` reads as an empty mapping, as JSON decoding into a struct
    /// leaves it empty.
    ///
    /// - Parameter expected: What the mapping is, for the error when `node` is not one
    ///   (`"a mapping"`, `"an ingress rule (a mapping)"`).
    /// - Throws: ``PolicyError`` when `node` is not a mapping, a key is not a scalar, or a key
    ///   appears twice.
    init(_ node: YAMLNode, path: String, expected: String = "a mapping") throws(PolicyError) {
        self.node = node
        self.path = path
        if node.isNull { return }
        guard let pairs = node.pairs else { throw PolicyError.wrongType(node, path: path, expected: expected) }
        var merged: [Field] = []
        for pair in pairs {
            guard let name = pair.key.scalar?.value else {
                throw PolicyError.wrongType(pair.key, path: path, expected: "a field name")
            }
            if name == "<<", pair.key.scalar?.style == .plain {
                merged += try MappingReader.mergeSources(pair.value, path: path)
                continue
            }
            if let first = fields.first(where: { $0.name == name }) {
                throw PolicyError(kind: .duplicateField, location: pair.key.location, fieldPath: child(name),
                                  message: "duplicate field (first at line \(first.key.location.line), column \(first.key.location.column))")
            }
            fields.append(Field(name: name, key: pair.key, value: pair.value))
        }
        for field in merged where !fields.contains(where: { $0.name == field.name }) {
            fields.append(field)
        }
    }

    /// The fields of the mappings a merge key names: one mapping, or a list of mappings.
    private static func mergeSources(_ value: YAMLNode, path: String) throws(PolicyError) -> [Field] {
        let sources = value.items ?? [value]
        var result: [Field] = []
        for source in sources {
            let reader = try MappingReader(source, path: path, expected: "a mapping to merge (<<)")
            result += reader.fields.filter { field in !result.contains { $0.name == field.name } }
        }
        return result
    }

    /// The path of field `name` of this mapping: `spec.podSelector`, or with brackets for a name
    /// that is not a plain identifier: `matchLabels["app.kubernetes.io/name"]`.
    func child(_ name: String) -> String {
        let plain = !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "-"): true
            default: false
            }
        }
        if !plain { return path + "[" + YAMLNode.quoted(name) + "]" }
        return path.isEmpty ? name : path + "." + name
    }

    /// Whether the field is written at all, even as `null`.
    func contains(_ name: String) -> Bool {
        fields.contains { $0.name == name }
    }

    /// The field's value; nil when it is absent or `null`.
    func value(_ name: String) -> YAMLNode? {
        guard let field = fields.first(where: { $0.name == name }), !field.value.isNull else { return nil }
        return field.value
    }

    /// The field's value, which must be present and not `null`.
    ///
    /// - Parameter hint: Appended to the message, such as "use {} to select all pods".
    func required(_ name: String, hint: String? = nil) throws(PolicyError) -> YAMLNode {
        if let value = value(name) { return value }
        let written = fields.first { $0.name == name }
        var message = written == nil ? "required field is missing" : "required field is null"
        if let hint { message += " (\(hint))" }
        throw PolicyError(kind: .missingField, location: written?.value.location ?? node.location,
                          fieldPath: child(name), message: message)
    }

    /// A warning for every field not in `known`, at the field's key, with the hint `hints` gives
    /// for its name, or else a known name that is one or two edits away.
    func unknownFields(known: [String], hints: [String: String] = [:]) -> [PolicyDiagnostic] {
        fields.filter { !known.contains($0.name) }.map { field in
            var message = "unknown field"
            if let hint = hints[field.name] {
                message += " (\(hint))"
            } else if let suggestion = known.first(where: { MappingReader.editDistance($0, field.name) <= 2 }) {
                message += " (did you mean \(suggestion)?)"
            }
            return PolicyDiagnostic(severity: .warning, location: field.key.location, fieldPath: child(field.name), message: message)
        }
    }

    /// The Levenshtein distance between two short strings.
    private static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs.lowercased()), b = Array(rhs.lowercased())
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

// MARK: - Typed values

extension YAMLNode {
    /// The node as a string, as the API server decodes a JSON string field: a quoted or plain
    /// scalar that does not resolve to a number, boolean or null.
    ///
    /// - Throws: ``PolicyError`` of kind `.wrongType`, whose message suggests quoting a plain
    ///   number or boolean.
    func string(path: String, expected: String = "a string") throws(PolicyError) -> String {
        switch resolved {
        case .string(let text): return text
        case .int, .float, .bool:
            throw PolicyError(kind: .wrongType, location: location, fieldPath: path,
                              message: "expected \(expected), found \(summary) (quote it to make it a string: \"\(scalar?.value ?? "")\")")
        default:
            throw PolicyError.wrongType(self, path: path, expected: expected)
        }
    }

    /// The node as an integer.
    ///
    /// - Throws: ``PolicyError`` of kind `.wrongType` for anything but a plain integer that fits
    ///   in 64 bits.
    func integer(path: String, expected: String) throws(PolicyError) -> Int64 {
        guard case .int(let value?) = resolved else { throw PolicyError.wrongType(self, path: path, expected: expected) }
        return value
    }

    /// The node as a list; `null` is an empty list.
    ///
    /// - Throws: ``PolicyError`` of kind `.wrongType` when the node is a mapping or a scalar.
    func list(path: String, expected: String = "a list") throws(PolicyError) -> [YAMLNode] {
        if isNull { return [] }
        guard let items else { throw PolicyError.wrongType(self, path: path, expected: expected) }
        return items
    }
}

extension PolicyError {
    /// `expected <expected>, found <what the node is>`, at the node.
    static func wrongType(_ node: YAMLNode, path: String, expected: String) -> PolicyError {
        PolicyError(kind: .wrongType, location: node.location, fieldPath: path, message: "expected \(expected), found \(node.summary)")
    }

    /// `expected <expected>, found <what the node is> (<reason>)`, at the node.
    static func invalid(_ node: YAMLNode, path: String, expected: String, reason: String? = nil) -> PolicyError {
        var message = "expected \(expected), found \(node.summary)"
        if let reason { message += " (\(reason))" }
        return PolicyError(kind: .invalidValue, location: node.location, fieldPath: path, message: message)
    }
}

/// `path[index]`.
func indexPath(_ path: String, _ index: Int) -> String {
    "\(path)[\(index)]"
}
