import FlowlogModel
/// A problem that stops the policy loader: unreadable input, invalid YAML, or a document the
/// Kubernetes API server would reject.
///
/// Renders like a compiler diagnostic: `file:line:column: error: fieldPath: message`, for example
/// `policies/api.yaml:14:11: error: spec.ingress[0].ports[0].port: expected an integer 1-65535 or
/// a port name, found "http_alt" (…)`.
public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, broadly.
    public enum Kind: Sendable, Equatable {
        /// A file or standard input could not be read.
        case unreadable
        /// The text is not valid YAML (libyaml's problem, at libyaml's mark).
        case syntax
        /// The YAML expands to too many nodes (an alias bomb) or nests too deeply.
        case limitExceeded
        /// A node has the wrong type: a mapping where a list is expected, a number for a name.
        case wrongType
        /// A required field is absent.
        case missingField
        /// A field appears twice in one mapping.
        case duplicateField
        /// A value of the right type that the API server would reject.
        case invalidValue
    }

    public var kind: Kind
    /// Where the offending node starts; nil when the problem has no position (an unreadable file).
    public var location: SourceLocation?
    /// The field path of the offending node, such as `spec.ingress[0].ports[1].port`; empty when
    /// the problem is not about one field.
    public var fieldPath: String
    public var message: String
    /// The text of the source line at `location`, when the loader had it; used by
    /// ``expandedDescription``.
    public var sourceLine: String?

    public init(kind: Kind, location: SourceLocation?, fieldPath: String = "", message: String,
                sourceLine: String? = nil) {
        self.kind = kind
        self.location = location
        self.fieldPath = fieldPath
        self.message = message
        self.sourceLine = sourceLine
    }

    /// `file:line:column: error: fieldPath: message`.
    public var description: String {
        DiagnosticText.line(location: location, severity: "error", fieldPath: fieldPath, message: message)
    }

    /// The description followed by the source line and a caret under the column, when the loader
    /// kept the line (see ``sourceLine``); otherwise just the description.
    public var expandedDescription: String {
        DiagnosticText.withSourceLine(description, line: sourceLine, column: location?.column)
    }

    /// The description followed by the offending line of `sourceText` (the whole file the error
    /// is about) and a caret under the column, as compilers print it.
    ///
    /// - Parameter sourceText: The text of `location.file`.
    /// - Returns: The description alone when there is no location or the line is not in the text.
    public func renderedWithSource(_ sourceText: String) -> String {
        DiagnosticText.withSourceLine(description, line: DiagnosticText.sourceLine(location?.line, in: sourceText),
                                      column: location?.column)
    }
}

/// A warning or note from the policy loader: something the API server would accept, but that
/// is probably not what the author meant (an unknown field), or a fact worth knowing (a skipped
/// document of another kind).
public struct PolicyDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        case warning, note
    }

    public var severity: Severity
    public var location: SourceLocation?
    /// The field path the diagnostic is about; empty when it is about a whole document.
    public var fieldPath: String
    public var message: String
    /// The text of the source line at `location`, when the loader had it.
    public var sourceLine: String?

    public init(severity: Severity, location: SourceLocation?, fieldPath: String = "", message: String,
                sourceLine: String? = nil) {
        self.severity = severity
        self.location = location
        self.fieldPath = fieldPath
        self.message = message
        self.sourceLine = sourceLine
    }

    /// `file:line:column: warning: fieldPath: message` (or `note:`).
    public var description: String {
        DiagnosticText.line(location: location, severity: severity.rawValue, fieldPath: fieldPath, message: message)
    }

    /// The description followed by the source line and a caret, when the loader kept the line.
    public var expandedDescription: String {
        DiagnosticText.withSourceLine(description, line: sourceLine, column: location?.column)
    }

    /// The description followed by the offending line of `sourceText` and a caret.
    public func renderedWithSource(_ sourceText: String) -> String {
        DiagnosticText.withSourceLine(description, line: DiagnosticText.sourceLine(location?.line, in: sourceText),
                                      column: location?.column)
    }
}

/// The compiler-style rendering shared by errors and diagnostics.
///
/// Everything here is terminal-safe: file names, field paths (YAML keys), messages (which quote
/// values) and source lines are input, and go to stderr. Escaping follows the one rule,
/// ``TextEscaping/isUnsafe(_:)``.
enum DiagnosticText {
    static func line(location: SourceLocation?, severity: String, fieldPath: String, message: String) -> String {
        var text = location.map { "\($0): " } ?? ""
        text += severity + ": "
        if !fieldPath.isEmpty { text += fieldPath + ": " }
        return TextEscaping.terminal(text + message)
    }

    /// `description`, then `line` and a caret under `column` (1-based, counted in Unicode
    /// scalars as libyaml counts them). The line is escaped like all terminal output (a tab shows
    /// as `\u{9}`, an escape sequence as `\u{1B}…`), and the caret is indented by the width of
    /// the escaped text before the column, so it stays under the offending character.
    static func withSourceLine(_ description: String, line: String?, column: Int?) -> String {
        guard let line, let column, column >= 1 else { return description }
        var shown = ""
        var caret = ""
        for (index, scalar) in line.unicodeScalars.enumerated() {
            let visible = TextEscaping.isUnsafe(scalar) ? TextEscaping.visibleEscape(scalar) : String(scalar)
            shown += visible
            if index < column - 1 { caret += String(repeating: " ", count: visible.unicodeScalars.count) }
        }
        return description + "\n" + shown + "\n" + caret + "^"
    }

    /// Line `number` (1-based) of `text`, without its line break.
    static func sourceLine(_ number: Int?, in text: String) -> String? {
        guard let number, number >= 1 else { return nil }
        // Split the bytes, not the Characters: "\r\n" is one Character in Swift.
        var current = 1
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if current == number {
                let bytes = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
                return String(decoding: bytes, as: UTF8.self)
            }
            current += 1
        }
        return nil
    }
}
