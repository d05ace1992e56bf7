import FlowlogModel
import FlowlogPolicy
import FlowlogEvaluation

/// Output formats of `flowlog policy suggest`.
public enum SuggestionFormat: String, Sendable, CaseIterable {
    /// A multi-document YAML stream with the evidence of every rule as comments.
    case yaml
    /// A Kubernetes `List` of the policies (JSON has no comments, so no evidence).
    case json

    /// The file name extension for `--out DIR`.
    public var fileExtension: String { rawValue }

    /// Writes the policies of `namespaces`.
    public func render(_ namespaces: [NamespaceSuggestion], to out: inout some TextOutputStream) {
        switch self {
        case .yaml: SuggestionYAMLRenderer.render(namespaces, to: &out)
        case .json: SuggestionJSONRenderer.render(namespaces, to: &out)
        }
    }
}

/// Writes suggested NetworkPolicies as YAML that `kubectl apply -f` and flowlog's loader read,
/// with each rule's evidence as a comment above it.
///
/// Every text that came from flows is either a validated Kubernetes name (quoted when YAML
/// would read it as something other than a string) or inside a comment with its control
/// characters escaped, so no recorded value can change the document's structure.
public enum SuggestionYAMLRenderer {
    /// Writes one document per policy, `---` between them, each namespace headed by a comment.
    public static func render(_ namespaces: [NamespaceSuggestion], to out: inout some TextOutputStream) {
        var first = true
        for namespace in namespaces {
            for suggested in namespace.policies {
                if !first { out.write("---\n") }
                first = false
                write(suggested, to: &out)
            }
        }
    }

    static func write(_ suggested: SuggestedPolicy, to out: inout some TextOutputStream) {
        let policy = suggested.policy
        out.write(comment("\(policy.qualifiedName): \(suggested.summary)", indent: 0))
        for note in suggested.notes { out.write(comment(note, indent: 0)) }
        out.write("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n")
        out.write("  name: \(scalar(policy.name))\n  namespace: \(scalar(policy.namespace))\nspec:\n")
        out.write("  podSelector:")
        writeSelector(policy.podSelector, indent: 4, to: &out)
        out.write("  policyTypes:\n")
        for type in policy.policyTypes ?? [] { out.write("    - \(type.rawValue)\n") }
        for (direction, rules, evidence) in [(PolicyType.ingress, policy.ingress, suggested.ingressEvidence),
                                             (.egress, policy.egress, suggested.egressEvidence)] {
            guard let rules else { continue }
            let key = direction == .ingress ? "ingress" : "egress"
            let list = direction == .ingress ? "from" : "to"
            if rules.isEmpty {
                out.write("  \(key): []\n")
                continue
            }
            out.write("  \(key):\n")
            for (index, rule) in rules.enumerated() {
                if index < evidence.count { out.write(evidenceComment(evidence[index], indent: 4)) }
                var lead = "    - "
                if let peers = rule.peers {
                    out.write("\(lead)\(list):\n")
                    lead = "      "
                    for peer in peers { writePeer(peer, to: &out) }
                }
                if let ports = rule.ports {
                    out.write("\(lead)ports:\n")
                    for spec in ports { writePort(spec, to: &out) }
                } else if rule.peers == nil {
                    out.write("    - {}\n")
                }
            }
        }
    }

    // MARK: - Parts

    private static func writePeer(_ peer: PolicyPeer, to out: inout some TextOutputStream) {
        switch peer {
        case .selector(let pods, let namespaces):
            var lead = "        - "
            if let namespaces {
                out.write("\(lead)namespaceSelector:")
                writeSelector(namespaces, indent: 12, to: &out)
                lead = "          "
            }
            if let pods {
                out.write("\(lead)podSelector:")
                writeSelector(pods, indent: 12, to: &out)
            }
        case .ipBlock(let block):
            out.write("        - ipBlock:\n            cidr: \(block.cidr)\n")
            if !block.except.isEmpty {
                out.write("            except:\n")
                for cidr in block.except { out.write("              - \(cidr)\n") }
            }
        }
    }

    private static func writePort(_ spec: PortSpec, to out: inout some TextOutputStream) {
        out.write("        - protocol: \(spec.proto.rawValue)\n")
        if let port = spec.port {
            switch port {
            case .number(let number): out.write("          port: \(number)\n")
            case .name(let name): out.write("          port: \(scalar(name))\n")
            }
        }
        if let end = spec.endPort { out.write("          endPort: \(end)\n") }
    }

    /// ` {}` for an empty selector, else `matchLabels` (and `matchExpressions` for anything
    /// that is not one exact value), after the key already written.
    private static func writeSelector(_ selector: LabelSelector, indent: Int, to out: inout some TextOutputStream) {
        if selector.isEmpty {
            out.write(" {}\n")
            return
        }
        out.write("\n")
        let pad = String(repeating: " ", count: indent)
        let exact = selector.requirements.filter { $0.op == .in && $0.values.count == 1 }
        let other = selector.requirements.filter { !($0.op == .in && $0.values.count == 1) }
        if !exact.isEmpty {
            out.write("\(pad)matchLabels:\n")
            for requirement in exact { out.write("\(pad)  \(scalar(requirement.key)): \(scalar(requirement.values[0]))\n") }
        }
        if !other.isEmpty {
            out.write("\(pad)matchExpressions:\n")
            for requirement in other {
                out.write("\(pad)  - key: \(scalar(requirement.key))\n\(pad)    operator: \(requirement.op.rawValue)\n")
                if !requirement.values.isEmpty {
                    out.write("\(pad)    values: [\(requirement.values.map(scalar).joined(separator: ", "))]\n")
                }
            }
        }
    }

    private static func evidenceComment(_ evidence: SuggestionEvidence, indent: Int) -> String {
        var text = ""
        if evidence.flows > 0 {
            text = "\(evidence.flows) \(evidence.flows == 1 ? "flow" : "flows"), "
                + "first seen \(evidence.firstSeen.rfc3339(fractionDigits: 0)), last seen \(evidence.lastSeen.rfc3339(fractionDigits: 0)), "
                + "e.g. \(evidence.exampleSource) → \(evidence.exampleDestination)"
        }
        if let note = evidence.note { text += (text.isEmpty ? "" : "; ") + note }
        return comment(text, indent: indent)
    }

    /// One comment line, control characters (newlines included) escaped so they cannot end it,
    /// and the characters YAML does not allow anywhere in a stream escaped too.
    static func comment(_ text: String, indent: Int) -> String {
        String(repeating: " ", count: indent) + "# " + yamlPrintable(TextEscaping.terminal(text)) + "\n"
    }

    /// `text` with U+FFFE and U+FFFF written as `\u{FFFF}`: YAML's printable set (YAML 1.2 §5.1)
    /// leaves them out, beyond the control characters ``TextEscaping/terminal(_:)`` escapes
    /// already, and one of them in a flow's pod name would make the whole file unreadable.
    static func yamlPrintable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isOutsideYAML) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if isOutsideYAML(scalar) { out += TextEscaping.visibleEscape(scalar) } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    private static func isOutsideYAML(_ scalar: Unicode.Scalar) -> Bool { scalar.value == 0xFFFE || scalar.value == 0xFFFF }

    /// A plain scalar when YAML reads it back as the same string, else a double-quoted one
    /// (JSON string syntax, which YAML's double-quoted style accepts).
    static func scalar(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "-" || scalar == "." || scalar == "_" || scalar == "/"
        } && text.unicodeScalars.first.map { ("a"..."z").contains($0) || ("A"..."Z").contains($0) } == true
            && !yamlWords.contains(text.lowercased())
        // Quoted, U+FFFE/U+FFFF become `\uFFFF`, an escape YAML's double-quoted style reads back.
        guard !plain else { return text }
        var quoted = ""
        for scalar in JSONText.quoted(text).unicodeScalars {
            if isOutsideYAML(scalar) { quoted += "\\u" + String(scalar.value, radix: 16, uppercase: true) } else { quoted.unicodeScalars.append(scalar) }
        }
        return quoted
    }

    /// Plain words YAML 1.1 reads as booleans or null.
    private static let yamlWords: Set<String> = ["y", "n", "yes", "no", "true", "false", "on", "off", "null"]
}
