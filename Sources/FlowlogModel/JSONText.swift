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

    /// Appends the escaped body of a JSON string (without quotes).
    public static func appendEscaped(_ value: String, to out: inout String) {
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default:
                // The terminal rule: JSON is read in terminals too, and a bidi override or a C1
                // control is as unsafe there (every such scalar is below U+10000).
                if TextEscaping.isUnsafe(scalar) {
                    let digits = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
                } else {
                    out.unicodeScalars.append(scalar)
                }
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
