import FlowlogModel
/// One node of a parsed YAML document: a scalar, a mapping or a sequence, with the position where
/// it starts.
///
/// Aliases are already resolved (an alias is a copy of the node its anchor names), so a tree is
/// plain data. Mappings keep their pairs in document order and keep duplicate keys; the policy
/// decoder decides what a duplicate means.
struct YAMLNode: Sendable, Equatable {
    /// How a scalar was written. Only a plain scalar can be a number, a boolean or null.
    enum ScalarStyle: Sendable, Equatable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    /// A scalar's text as written (after YAML unescaping), its style and its explicit tag.
    struct Scalar: Sendable, Equatable {
        var value: String
        var style: ScalarStyle
        /// The full tag (`tag:yaml.org,2002:str` for `!!str`), or nil when none was written.
        var tag: String?

        init(_ value: String, style: ScalarStyle = .plain, tag: String? = nil) {
            self.value = value
            self.style = style
            self.tag = tag
        }
    }

    /// One key/value pair of a mapping.
    struct Pair: Sendable, Equatable {
        var key: YAMLNode
        var value: YAMLNode
    }

    enum Content: Sendable, Equatable {
        case scalar(Scalar)
        case mapping([Pair])
        case sequence([YAMLNode])
    }

    var content: Content
    /// Where the node starts (for a tagged or anchored node, where its tag or anchor starts).
    var location: SourceLocation

    init(_ content: Content, at location: SourceLocation) {
        self.content = content
        self.location = location
    }

    var scalar: Scalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    var pairs: [Pair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    var items: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }
}

// MARK: - Scalar resolution

extension YAMLNode {
    /// What a scalar means once its tag is resolved.
    enum Resolved: Equatable {
        case null
        case bool(Bool)
        /// An integer; nil when it does not fit in 64 bits.
        case int(Int64?)
        case float
        case string(String)
    }

    /// The scalar's resolved value, nil for mappings and sequences.
    ///
    /// An explicit tag wins (`!!str 80` is a string). Otherwise quoted and block scalars are
    /// strings, and plain scalars are resolved with the YAML 1.1 rules that `kubectl` applies
    /// (through `sigs.k8s.io/yaml`), so `80` is an integer, `"80"` a string, `yes` and `on`
    /// booleans and `~` null.
    var resolved: Resolved? {
        guard let scalar else { return nil }
        switch scalar.tag {
        case "tag:yaml.org,2002:str", "!": return .string(scalar.value)
        case "tag:yaml.org,2002:null": return .null
        case "tag:yaml.org,2002:bool":
            if YAMLNode.trueWords.contains(scalar.value) { return .bool(true) }
            if YAMLNode.falseWords.contains(scalar.value) { return .bool(false) }
            return .string(scalar.value)
        case "tag:yaml.org,2002:int":
            guard let integer = YAMLNode.parseInteger(scalar.value) else { return .string(scalar.value) }
            return .int(integer)
        default: break
        }
        guard scalar.style == .plain else { return .string(scalar.value) }
        return YAMLNode.resolvePlain(scalar.value) ?? .string(scalar.value)
    }

    /// Whether the node is null (`~`, `null`, or nothing at all after a key).
    var isNull: Bool { resolved == .null }

    private static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]
    private static let specialFloats: Set<String> = [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf",
                                                     "-.INF", ".nan", ".NaN", ".NAN"]
    private static let trueWords: Set<String> = ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]
    private static let falseWords: Set<String> = ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]

    private static func resolvePlain(_ text: String) -> Resolved? {
        // A plain scalar that starts with a letter is a null or boolean word, or a string; only
        // one that starts otherwise can be a number. (Most scalars in a policy are names.)
        if let first = text.utf8.first, (first | 0x20) >= UInt8(ascii: "a"), (first | 0x20) <= UInt8(ascii: "z") {
            switch text {
            case "null", "Null", "NULL": return .null
            case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": return .bool(true)
            case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": return .bool(false)
            default: return nil
            }
        }
        if nullWords.contains(text) { return .null }
        if trueWords.contains(text) { return .bool(true) }
        if falseWords.contains(text) { return .bool(false) }
        if let integer = parseInteger(text) { return .int(integer) }
        if isFloat(text) { return .float }
        return nil
    }

    /// Parses a YAML 1.1 integer: decimal, `0x` hexadecimal, `0o` or leading-zero octal, `0b`
    /// binary, with an optional sign and `_` separators. Returns nil when `text` is not an integer
    /// and `.some(nil)` when it is one that does not fit in an `Int64`.
    static func parseInteger(_ text: String) -> Int64?? {
        // Fast path: a plain decimal without sign, separators or leading zero.
        let utf8 = text.utf8
        if let first = utf8.first, first >= UInt8(ascii: "1"), first <= UInt8(ascii: "9"), utf8.count <= 18,
           utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            return utf8.reduce(Int64(0)) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
        }
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        var radix = 10
        if digits.hasPrefix("0x") { radix = 16; digits = digits.dropFirst(2) }
        else if digits.hasPrefix("0o") { radix = 8; digits = digits.dropFirst(2) }
        else if digits.hasPrefix("0b") { radix = 2; digits = digits.dropFirst(2) }
        else if digits.count > 1 && digits.hasPrefix("0") { radix = 8; digits = digits.dropFirst() }
        let cleaned = digits.filter { $0 != "_" }
        guard !cleaned.isEmpty, cleaned.allSatisfy({ $0.isASCII && ($0.hexDigitValue ?? radix) < radix }) else {
            return nil
        }
        guard let magnitude = UInt64(cleaned, radix: radix) else { return .some(nil) }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return .some(nil) }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return .some(nil) }
        return Int64(magnitude)
    }

    private static func isFloat(_ text: String) -> Bool {
        if specialFloats.contains(text) { return true }
        var body = Substring(text)
        if let sign = body.first, sign == "-" || sign == "+" { body = body.dropFirst() }
        var mantissa = body
        if let exponentIndex = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = body[..<exponentIndex]
            var exponent = body[body.index(after: exponentIndex)...]
            if let sign = exponent.first, sign == "-" || sign == "+" { exponent = exponent.dropFirst() }
            guard !exponent.isEmpty, exponent.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 || (parts.count == 1 && mantissa != body) else { return false }
        guard parts.contains(where: { !$0.isEmpty }) else { return false }
        return parts.allSatisfy { $0.allSatisfy { ($0.isASCII && $0.isNumber) || $0 == "_" } }
    }
}

// MARK: - Describing nodes in messages

extension YAMLNode {
    /// What the node is, for "expected …, found …" messages: `"http"` for a string,
    /// `the integer 80`, `a mapping`, `a list`, `null`.
    var summary: String {
        switch content {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar):
            switch resolved {
            case .null: return "null"
            case .bool: return "the boolean \(scalar.value)"
            case .int: return "the integer \(scalar.value)"
            case .float: return "the number \(scalar.value)"
            case .string(let text): return YAMLNode.quoted(text)
            case .none: return YAMLNode.quoted(scalar.value)
            }
        }
    }

    /// `text` in double quotes, with quotes, backslashes and control characters escaped and
    /// anything past `limit` characters (60 by default; nil for no limit) cut off.
    static func quoted(_ text: String, limit: Int? = 60) -> String {
        var result = "\""
        for (index, scalar) in text.unicodeScalars.enumerated() {
            if index == limit {
                result += "…"
                break
            }
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    result += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
