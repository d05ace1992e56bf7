/// A Kubernetes label selector: a conjunction of requirements over label keys.
///
/// This is the one selector flowlog has. The CLI's `--label` filters parse their text form
/// (`app=frontend,tier in (web,api),!canary`), and NetworkPolicy selectors (`matchLabels`,
/// `matchExpressions`) build the same requirements, so both match labels identically.
public struct LabelSelector: Sendable, Hashable, CustomStringConvertible {
    /// The Kubernetes selector operators.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case `in` = "In", notIn = "NotIn", exists = "Exists", doesNotExist = "DoesNotExist"
    }

    /// One requirement: `key` related to `values` by `op`.
    public struct Requirement: Sendable, Hashable, CustomStringConvertible {
        /// The label key, optionally with a Cilium source prefix (`k8s:app`, `reserved:world`).
        /// Without a prefix the key matches a label from any source.
        public var key: String
        public var op: Operator
        public var values: [String]

        public init(key: String, op: Operator, values: [String] = []) {
            self.key = key
            self.op = op
            self.values = values
        }

        /// Whether labels given by `lookup` (key → value, nil when absent) satisfy the requirement.
        ///
        /// As in Kubernetes: `In` needs the key with one of the values; `NotIn` holds when the key
        /// is absent or has none of the values; `Exists` / `DoesNotExist` test presence only.
        public func matches(_ lookup: (String) -> String?) -> Bool {
            let value = lookup(key)
            switch op {
            case .in: return value.map { values.contains($0) } ?? false
            case .notIn: return value.map { !values.contains($0) } ?? true
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            }
        }

        public var description: String {
            switch op {
            case .in: values.count == 1 ? "\(key)=\(values[0])" : "\(key) in (\(values.joined(separator: ",")))"
            case .notIn: values.count == 1 ? "\(key)!=\(values[0])" : "\(key) notin (\(values.joined(separator: ",")))"
            case .exists: key
            case .doesNotExist: "!\(key)"
            }
        }
    }

    public var requirements: [Requirement]

    /// A selector with no requirements matches everything.
    public init(requirements: [Requirement] = []) {
        self.requirements = requirements
    }

    /// Whether the selector selects every label set.
    public var isEmpty: Bool { requirements.isEmpty }

    public func matches(_ lookup: (String) -> String?) -> Bool {
        requirements.allSatisfy { $0.matches(lookup) }
    }

    /// Whether the selector matches a plain key → value map (Kubernetes pod or namespace labels).
    public func matches(_ labels: [String: String]) -> Bool {
        matches { labels[$0] }
    }

    /// Whether the selector matches Cilium endpoint labels: a key with a source prefix
    /// (`k8s:app`) must match that source; a bare key (`app`) matches any source.
    public func matches(endpointLabels labels: [Label]) -> Bool {
        matches { key in
            if let colon = key.firstIndex(of: ":") {
                let source = key[..<colon]
                let bare = key[key.index(after: colon)...]
                return labels.first { $0.source == source && $0.key == bare }?.value
            }
            return labels.first { $0.key == key }?.value
        }
    }

    public var description: String { requirements.map(\.description).joined(separator: ",") }
}

/// A problem in the text form of a label selector.
public struct LabelSelectorSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var text: String
    public var message: String
    /// Terminal-safe: the selector text is input, and is echoed in a usage error.
    public var description: String { TextEscaping.terminal("invalid label selector \"\(text)\": \(message)") }
}

extension LabelSelector {
    /// Parses the Kubernetes text form: requirements separated by commas, each one of `key`,
    /// `!key`, `key=value`, `key==value`, `key!=value`, `key in (v1,v2)`, `key notin (v1,v2)`.
    public init(parsing text: String) throws(LabelSelectorSyntaxError) {
        var requirements: [Requirement] = []
        for part in LabelSelector.splitTopLevel(text) {
            let item = part.trimmingWhitespace()
            guard !item.isEmpty else {
                throw LabelSelectorSyntaxError(text: text, message: "empty requirement")
            }
            requirements.append(try LabelSelector.requirement(item, in: text))
        }
        self.init(requirements: requirements)
    }

    private static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == ",", depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts
    }

    private static func requirement(_ item: String, in text: String) throws(LabelSelectorSyntaxError) -> Requirement {
        func checkKey(_ key: String) throws(LabelSelectorSyntaxError) -> String {
            let trimmed = key.trimmingWhitespace()
            guard !trimmed.isEmpty, !trimmed.contains(where: isOperatorOrSpace)
            else { throw LabelSelectorSyntaxError(text: text, message: "invalid key \"\(trimmed)\"") }
            // `source:key` (Cilium's `k8s:app`): both parts are needed. "k8s:" would silently
            // match no label at all, ":app" no source.
            if let colon = trimmed.firstIndex(of: ":") {
                guard colon != trimmed.startIndex else {
                    throw LabelSelectorSyntaxError(text: text, message: "empty label source before \":\" in \"\(trimmed)\"")
                }
                guard trimmed.index(after: colon) != trimmed.endIndex else {
                    throw LabelSelectorSyntaxError(text: text, message: "empty key after the source prefix \"\(trimmed)\"")
                }
            }
            return trimmed
        }
        // A value holds no operator: in "a=b=c" the second "=" is a mistake, not part of "b=c"
        // (Kubernetes label values are alphanumerics, "-", "_" and ".").
        func checkValue(_ value: String) throws(LabelSelectorSyntaxError) -> String {
            let trimmed = value.trimmingWhitespace()
            guard !trimmed.contains(where: isOperatorOrSpace) else {
                throw LabelSelectorSyntaxError(text: text, message: "invalid value \"\(trimmed)\" (a value cannot contain =, !, parentheses or spaces)")
            }
            return trimmed
        }
        if item.hasPrefix("!") {
            return Requirement(key: try checkKey(String(item.dropFirst())), op: .doesNotExist)
        }
        for (token, op) in [(" notin ", Operator.notIn), (" in ", Operator.in)] {
            if let range = item.range(of: token) {
                let key = try checkKey(String(item[..<range.lowerBound]))
                let rest = item[range.upperBound...].trimmingWhitespace()
                guard rest.hasPrefix("("), rest.hasSuffix(")") else {
                    throw LabelSelectorSyntaxError(text: text, message: "expected a parenthesised value list after \(token.trimmingWhitespace())")
                }
                var values: [String] = []
                for value in rest.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false) {
                    values.append(try checkValue(String(value)))
                }
                guard !values.contains(where: \.isEmpty) else {
                    throw LabelSelectorSyntaxError(text: text, message: "empty value in list")
                }
                return Requirement(key: key, op: op, values: values)
            }
        }
        if let range = item.range(of: "!=") {
            return Requirement(key: try checkKey(String(item[..<range.lowerBound])), op: .notIn,
                               values: [try checkValue(String(item[range.upperBound...]))])
        }
        if let range = item.range(of: "==") ?? item.range(of: "=") {
            return Requirement(key: try checkKey(String(item[..<range.lowerBound])), op: .in,
                               values: [try checkValue(String(item[range.upperBound...]))])
        }
        return Requirement(key: try checkKey(item), op: .exists)
    }
}

/// Characters that end a key or value in the selector text form.
private func isOperatorOrSpace(_ character: Character) -> Bool {
    character == " " || character == "\t" || character == "=" || character == "!" || character == "(" || character == ")"
}

extension StringProtocol {
    /// The string without leading and trailing spaces and tabs.
    package func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }

    /// The range of the first occurrence of `needle`.
    package func range(of needle: String) -> Range<Index>? {
        guard !needle.isEmpty else { return nil }
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(needle) {
                return index..<(self.index(index, offsetBy: needle.count))
            }
            index = self.index(after: index)
        }
        return nil
    }
}
