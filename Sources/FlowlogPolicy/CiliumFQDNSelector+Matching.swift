/// How a `toFQDNs` selector matches the DNS names Hubble recorded for a destination, as
/// Cilium's documentation (security/policy/language, "DNS based") states it:
///
/// - `matchName` matches a name exactly.
/// - `matchPattern` matches with wildcards: `*` within a pattern stands for zero or more valid
///   DNS characters but never the `.` separator (`*.cilium.io` matches `sub.cilium.io`, not
///   `cilium.io` nor `sub.sub.cilium.io`; `part*ial.com` matches `partial.com`), and `*` alone
///   matches every name.
/// - DNS names are case-insensitive and Cilium compares fully qualified names, so both sides are
///   lowercased and a trailing dot is optional on either side.
extension CiliumFQDNSelector {
    /// Whether the selector matches `name`.
    public func matches(_ name: String) -> Bool {
        let candidate = CiliumFQDNSelector.normalized(name)
        if let matchName {
            return CiliumFQDNSelector.normalized(matchName) == candidate
        }
        guard let matchPattern else { return false }
        if matchPattern.trimmingTrailingDot == "*" { return true }
        return CiliumFQDNSelector.wildcardMatches(CiliumFQDNSelector.normalized(matchPattern), candidate)
    }

    /// The first of `names` the selector matches, if any.
    public func firstMatch(in names: [String]) -> String? {
        names.first(where: matches)
    }

    /// Lowercased UTF-8 bytes with exactly one trailing dot.
    static func normalized(_ name: String) -> [UInt8] {
        var bytes = Array(name.utf8).map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        if bytes.last != UInt8(ascii: ".") { bytes.append(UInt8(ascii: ".")) }
        return bytes
    }

    /// The characters a `*` stands for: letters, digits, `-` and `_` (Cilium's set of valid DNS
    /// characters; the name is already lowercase).
    private static func isWildcardCharacter(_ byte: UInt8) -> Bool {
        (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    /// Whether `pattern` (with `*` wildcards) matches all of `name`. Dynamic programming over
    /// suffixes, so a hostile pattern with many stars costs at most pattern × name steps.
    private static func wildcardMatches(_ pattern: [UInt8], _ name: [UInt8]) -> Bool {
        // next[j]: whether pattern[(i+1)...] matches name[j...]; current[j] the same for pattern[i...].
        var next = [Bool](repeating: false, count: name.count + 1)
        next[name.count] = true
        var current = next
        for i in stride(from: pattern.count - 1, through: 0, by: -1) {
            let star = pattern[i] == UInt8(ascii: "*")
            current[name.count] = star && next[name.count]
            for j in stride(from: name.count - 1, through: 0, by: -1) {
                if star {
                    current[j] = next[j] || (isWildcardCharacter(name[j]) && current[j + 1])
                } else {
                    current[j] = pattern[i] == name[j] && next[j + 1]
                }
            }
            swap(&current, &next)
        }
        return next[0]
    }

    /// Why Cilium would reject the selector, or nil when it is valid: exactly one of the two
    /// fields, `matchName` of the characters `a-z A-Z 0-9 - _ .`, `matchPattern` of those and `*`.
    public var problem: String? {
        if matchName != nil && matchPattern != nil { return "matchName and matchPattern are exclusive; give one" }
        if let matchName, matchName.isEmpty || !matchName.utf8.allSatisfy(CiliumFQDNSelector.isNameCharacter) {
            return "matchName \"\(matchName)\" may hold only letters, digits, '-', '_' and '.'"
        }
        if let matchPattern, matchPattern.isEmpty
            || !matchPattern.utf8.allSatisfy({ CiliumFQDNSelector.isNameCharacter($0) || $0 == UInt8(ascii: "*") }) {
            return "matchPattern \"\(matchPattern)\" may hold only letters, digits, '-', '_', '.' and '*'"
        }
        return nil
    }

    private static func isNameCharacter(_ byte: UInt8) -> Bool {
        (byte >= 65 && byte <= 90) || isWildcardCharacter(byte) || byte == UInt8(ascii: ".")
    }
}

extension String {
    fileprivate var trimmingTrailingDot: Substring {
        hasSuffix(".") ? dropLast() : Substring(self)
    }
}
