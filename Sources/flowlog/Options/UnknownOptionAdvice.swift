import ArgumentParser

/// What flowlog says about an unknown option on a command that takes filters (`observe`,
/// `drops`, `replay`), where users paste `hubble observe` command lines.
///
/// swift-argument-parser suggests the nearest of all the command's options, so a mistyped filter
/// could be answered with `--db` or `--top`. Here a suggestion is kept only when it is a filter
/// flag or differs from what was typed by one character; otherwise the nearest filter flag (at
/// most two edits away) is suggested, or none. A flag of `hubble observe` that flowlog has no
/// counterpart for is named as such instead of getting a look-alike.
enum UnknownOptionAdvice {
    /// `hubble observe` flags that select what flowlog does not store (services, L7 fields,
    /// clusters, node labels, interfaces) or that configure the hubble client itself.
    static let hubbleOnly: Set<String> = [
        "--service", "--from-service", "--to-service", "--http-status", "--http-method", "--http-path",
        "--http-url", "--http-header", "--cluster", "--node-label", "--trace-id", "--interface",
        "--cel-expression", "--ip-version", "--ipv4", "--ipv6", "--server", "--print-node-name",
        "--time-format", "--input-file", "--experimental-field-mask", "--print-raw-filters",
        "--allowlist", "--denylist",
    ]

    /// The filter flags' long names, read from the filters' own help so the list cannot drift.
    static let filterFlags: [String] = {
        var names: Set<String> = []
        var current = ""
        func flush() {
            if current.count > 2 { names.insert(current) }
            current = ""
        }
        for character in FilterOptions.helpMessage(columns: 400) {
            if character == "-" || character.isLetter || character.isNumber {
                current.append(character)
                continue
            }
            if current.hasPrefix("--") { flush() } else { current = "" }
        }
        if current.hasPrefix("--") { flush() }
        return names.sorted()
    }()

    /// The message to print for the parser's `message` when `command` takes filters; other
    /// messages and commands are returned unchanged.
    static func rewrite(_ message: String, command: String?) -> String {
        guard let command, ["observe", "drops", "replay"].contains(command),
              let typed = quoted(in: message, after: "Unknown option '") else { return message }
        let flag = String(typed.prefix { $0 != "=" })
        if hubbleOnly.contains(flag) {
            return "Unknown option '\(flag)': hubble observe's \(flag) has no flowlog counterpart "
                + "(flowlog keeps L3/L4 flows; its filters are listed by 'flowlog \(command) --help')."
        }
        let suggested = quoted(in: message, after: "Did you mean '")
        if let suggested, filterFlags.contains(suggested) || editDistance(flag, suggested) <= 1 { return message }
        let nearest = filterFlags.map { (name: $0, distance: editDistance(flag, $0)) }
            .filter { $0.distance <= 2 }
            .min { ($0.distance, $0.name) < ($1.distance, $1.name) }
        var result = "Unknown option '\(typed)'."
        if let nearest { result += " Did you mean '\(nearest.name)'?" }
        return result
    }

    /// The text between `marker` and the next `'` in `message`.
    private static func quoted(in message: String, after marker: String) -> String? {
        guard let start = message.range(of: marker) else { return nil }
        let rest = message[start.upperBound...]
        guard let end = rest.firstIndex(of: "'") else { return nil }
        return String(rest[..<end])
    }

    /// Edits (insert, delete, replace, or swap two neighbours) between `a` and `b`: the optimal
    /// string alignment distance, so `--tpo` is one edit from `--top`.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
