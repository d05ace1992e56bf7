/// Making text from flows safe for the place it is printed. Flow records, policy files and flag
/// values are untrusted input: a label value can carry terminal escape sequences, bidirectional
/// overrides that make a line read differently from what it holds, CSV formulas or HTML.
///
/// ``isUnsafe(_:)`` is the one rule for which characters may not reach a terminal as they are;
/// every renderer and diagnostic uses it (through ``terminal(_:)`` and the helpers below).
public enum TextEscaping {
    /// Whether `scalar` may not be printed raw to a terminal:
    /// - C0 controls (tab and line breaks included: in a table cell or a one-line message they
    ///   break the layout, and a source line shows them better escaped), DEL and C1 controls —
    ///   escape sequences start with ESC (U+1B) or CSI (U+9B);
    /// - the Unicode bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A–U+202E,
    ///   U+2066–U+2069), which reorder what follows them on the line (the "Trojan Source"
    ///   attack, CVE-2021-42574);
    /// - the line and paragraph separators U+2028 and U+2029, which some terminals break on.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00..<0x20, 0x7F...0x9F: true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        case 0x2028, 0x2029: true
        default: false
        }
    }

    /// The visible form of an unsafe scalar: `\u{1B}`.
    public static func visibleEscape(_ scalar: Unicode.Scalar) -> String {
        "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
    }

    /// For terminals: every scalar ``isUnsafe(_:)`` says may not be printed becomes visible
    /// `\u{1B}`-style text, so an escape sequence in a label cannot move the cursor or recolour
    /// the screen, and a bidi override cannot reorder the line. Applying it twice changes nothing.
    public static func terminal(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) {
                out += visibleEscape(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// ``terminal(_:)`` for each line of `text` on its own, keeping the line breaks: for
    /// multi-line diagnostics (a message, the source line, the caret).
    public static func terminalLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { terminal(String($0)) }.joined(separator: "\n")
    }

    /// One CSV field (RFC 4180): quoted when needed, and a leading `=`, `+`, `-`, `@`, tab or
    /// carriage return is prefixed with `'`, so a spreadsheet shows a formula as text.
    public static func csvField(_ text: String) -> String {
        // Work on Unicode scalars: as Characters, "\r\n" or a quote followed by a combining mark
        // would compare equal to none of the special characters.
        // Control characters other than line breaks and tabs (escape sequences, NUL) are made
        // visible, as in table output: a CSV file is also read in terminals.
        // Line breaks and tabs may stay: a quoted CSV field holds them as data.
        var value = replacingScalars(in: text) { scalar in
            isUnsafe(scalar) && scalar != "\n" && scalar != "\r" && scalar != "\t" ? visibleEscape(scalar) : nil
        }
        if let first = value.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
            value = "'" + value
        }
        guard value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return value
        }
        var out = "\""
        for scalar in value.unicodeScalars {
            if scalar == "\"" { out.unicodeScalars.append(scalar) }
            out.unicodeScalars.append(scalar)
        }
        return out + "\""
    }

    /// For a Markdown table cell: `|` and backslashes escaped, HTML special characters as
    /// entities, line breaks and other control characters made visible.
    public static func markdownCell(_ text: String) -> String {
        replacingScalars(in: terminal(text)) { scalar in
            switch scalar {
            case "|": "\\|"
            case "\\": "\\\\"
            case "<": "&lt;"
            case ">": "&gt;"
            case "&": "&amp;"
            case "`": "\\`"
            default: nil
            }
        }
    }

    /// For HTML text and attribute values. Unsafe scalars are made visible as in a terminal: a
    /// bidi override reorders what a browser shows just as a terminal's, and the page is also
    /// read with `cat` and in mail.
    public static func html(_ text: String) -> String {
        replacingScalars(in: text) { scalar in
            switch scalar {
            case "<": "&lt;"
            case ">": "&gt;"
            case "&": "&amp;"
            case "\"": "&quot;"
            case "'": "&#39;"
            default: isUnsafe(scalar) ? visibleEscape(scalar) : nil
            }
        }
    }

    /// `text` with each Unicode scalar for which `replacement` returns a string replaced by it.
    /// Escaping works on scalars, not Characters: as Characters, "\r\n" or a quote followed by a
    /// combining mark would compare equal to none of the special characters.
    public static func replacingScalars(in text: String, _ replacement: (Unicode.Scalar) -> String?) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if let replaced = replacement(scalar) { out += replaced } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }
}
