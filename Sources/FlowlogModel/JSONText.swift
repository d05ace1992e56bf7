/// Writes JSON text: string quoting and small arrays, with stable key order chosen by the caller.
public enum JSONText {
    /// `value` as a JSON string literal, escaping quotes, backslashes and every control character.
    /// `<`, `>` and `&` are escaped too (as Hubble's encoder does), so the text is safe inside HTML.
    public static func quoted(_ value: String) -> String {
        var out = "\""
        out.reserveCapacity(value.utf8.count + 2)
        appendEscaped(value, to: &out)
        out.append("\"")
        return out
    }

    /// How one scalar is written inside a JSON string: the one rule behind
    /// ``appendEscaped(_:to:)`` and ``escapedLength(_:)``.
    enum ScalarForm {
        /// As itself.
        case literal
        /// A backslash and one character (`\"`, `\\`, `\n`, `\r`, `\t`).
        case short(Unicode.Scalar)
        /// `\uXXXX` (every scalar escaped this way is below U+10000).
        case unicode
    }

    static func form(of scalar: Unicode.Scalar) -> ScalarForm {
        switch scalar {
        case "\"": .short("\"")
        case "\\": .short("\\")
        case "\n": .short("n")
        case "\r": .short("r")
        case "\t": .short("t")
        // Escaped as Hubble's encoder does, so the text is safe inside HTML.
        case "<", ">", "&", "\u{2028}", "\u{2029}": .unicode
        // The terminal rule: JSON is read in terminals too, and a bidi override or a C1 control
        // is as unsafe there as a C0 control.
        default: TextEscaping.isUnsafe(scalar) ? .unicode : .literal
        }
    }

    /// Appends the escaped body of a JSON string (without quotes).
    public static func appendEscaped(_ value: String, to out: inout String) {
        for scalar in value.unicodeScalars {
            switch form(of: scalar) {
            case .literal:
                out.unicodeScalars.append(scalar)
            case .short(let letter):
                out.unicodeScalars.append("\\")
                out.unicodeScalars.append(letter)
            case .unicode:
                let digits = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
            }
        }
    }

    /// A JSON array of strings.
    public static func array(_ values: [String]) -> String {
        "[" + values.map(quoted).joined(separator: ",") + "]"
    }

    /// Parses a JSON array of strings (as the store writes label sets); nil when it is not one.
    package static func parseStringArray(_ text: String) -> [String]? {
        var text = text
        return text.withUTF8 { buffer -> [String]? in
            var scanner = JSONScanner(UnsafeRawBufferPointer(buffer))
            var result: [String] = []
            do throws(JSONDecodingProblem) {
                guard try scanner.beginArray() else { return [] }
                var first = true
                while try scanner.nextElement(first: &first) { result.append(try scanner.string()) }
                try scanner.expectEnd()
            } catch {
                return nil
            }
            return result
        }
    }
}

extension JSONText {
    /// Parses a JSON array of arrays of strings; nil when it is not one.
    package static func parseStringArrays(_ text: String) -> [[String]]? {
        var text = text
        return text.withUTF8 { buffer -> [[String]]? in
            var scanner = JSONScanner(UnsafeRawBufferPointer(buffer))
            var result: [[String]] = []
            do throws(JSONDecodingProblem) {
                guard try scanner.beginArray() else { return [] }
                var first = true
                while try scanner.nextElement(first: &first) {
                    var inner: [String] = []
                    guard try scanner.beginArray() else { continue }
                    var firstInner = true
                    while try scanner.nextElement(first: &firstInner) { inner.append(try scanner.string()) }
                    result.append(inner)
                }
                try scanner.expectEnd()
            } catch {
                return nil
            }
            return result
        }
    }
}
