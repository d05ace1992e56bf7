import FlowlogModel
/// The Kubernetes rules for names, label keys, label values and port names
/// (`k8s.io/apimachinery/pkg/util/validation`). Each check returns nil for a valid value, or the
/// reason it is invalid.
package enum KubernetesNames {
    /// A label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63
    /// characters: alphanumerics, `-`, `_` or `.`, starting and ending with an alphanumeric
    /// (`IsQualifiedName`).
    package static func labelKeyProblem(_ key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return "a label key has at most one '/', between a DNS prefix and the name" }
        if parts.count == 2 {
            let prefix = String(parts[0])
            if prefix.isEmpty { return "the prefix before '/' must not be empty" }
            if let problem = dnsSubdomainProblem(prefix) { return "the prefix before '/' \(problem)" }
        }
        let name = parts.last.map(String.init) ?? ""
        if name.isEmpty { return "the name part must not be empty" }
        if name.utf8.count > 63 { return "the name part must be no more than 63 characters" }
        if !isLabelText(name) {
            return "the name part must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric"
        }
        return nil
    }

    /// A label value: empty, or at most 63 alphanumerics, `-`, `_` or `.`, starting and ending
    /// with an alphanumeric (`IsValidLabelValue`).
    package static func labelValueProblem(_ value: String) -> String? {
        if value.utf8.count > 63 { return "a label value must be no more than 63 characters" }
        if !value.isEmpty && !isLabelText(value) {
            return "a label value must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric"
        }
        return nil
    }

    /// A DNS subdomain (RFC 1123): at most 253 characters, dot-separated labels of lowercase
    /// alphanumerics and `-` that start and end with an alphanumeric. Object names such as a
    /// NetworkPolicy's use this rule.
    static func dnsSubdomainProblem(_ name: String) -> String? {
        if name.utf8.count > 253 { return "must be no more than 253 characters" }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.allSatisfy({ isDNSLabelText($0) }) else {
            return "must consist of lowercase alphanumerics, '-' or '.', and each part between dots must start and end with an alphanumeric"
        }
        return nil
    }

    /// A DNS label (RFC 1123): at most 63 lowercase alphanumerics or `-`, starting and ending
    /// with an alphanumeric. Namespace names use this rule.
    package static func dnsLabelProblem(_ name: String) -> String? {
        if name.utf8.count > 63 { return "must be no more than 63 characters" }
        guard isDNSLabelText(Substring(name)) else {
            return "must consist of lowercase alphanumerics or '-', and start and end with an alphanumeric"
        }
        return nil
    }

    /// A port name (IANA_SVC_NAME, RFC 6335): 1 to 15 lowercase alphanumerics or `-`, with at
    /// least one letter, and no `-` at either end or next to another (`IsValidPortName`).
    static func portNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "a port name must not be empty" }
        if name.utf8.count > 15 { return "a port name must be no more than 15 characters" }
        if !name.utf8.allSatisfy({ isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }) {
            return "a port name may contain only lowercase letters, digits and '-'"
        }
        if name.contains("--") { return "a port name must not contain consecutive hyphens" }
        if !name.utf8.contains(where: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) {
            return "a port name must contain at least one letter"
        }
        if name.hasPrefix("-") || name.hasSuffix("-") { return "a port name must not begin or end with a hyphen" }
        return nil
    }

    // MARK: - Character classes

    /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
    private static func isLabelText(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
    private static func isDNSLabelText(_ text: Substring) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last, isLowerAlphanumeric(first), isLowerAlphanumeric(last) else { return false }
        return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isLowerAlphanumeric(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}
