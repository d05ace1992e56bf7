/// A problem found while decoding one JSON value: what was wrong, where in the line (1-based byte
/// column) and under which field path.
public struct JSONDecodingProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// Field path from the record's root, e.g. `["flow", "l4", "TCP", "destination_port"]`.
    public var path: [String]
    public var message: String
    /// 1-based byte column in the line where the problem was found.
    public var column: Int

    /// The dotted field path (`flow.l4.TCP.destination_port`), empty at the root.
    public var fieldPath: String {
        var text = ""
        for component in path {
            if component.hasPrefix("[") { text += component } else { text += text.isEmpty ? component : "." + component }
        }
        return text
    }

    public var description: String { fieldPath.isEmpty ? message : "\(fieldPath): \(message)" }

    public init(path: [String], message: String, column: Int) {
        self.path = path
        self.message = message
        self.column = column
    }

    /// The same problem, one level further down the field path. Paths are built as errors
    /// unwind, so decoding that succeeds never pays for them.
    @inlinable
    package func under(_ component: String) -> JSONDecodingProblem {
        var copy = self
        copy.path.insert(component, at: 0)
        return copy
    }
}

/// A byte range of the scanned line, used for keys and raw values without copying them.
package struct ByteSpan {
    package var start: Int
    var end: Int
    package var count: Int { end - start }
}

/// A forward-only scanner over one line of JSON, validating as it goes.
///
/// It never builds a document tree: callers ask for the value they expect next, and values they
/// do not need are skipped (and still validated). Nesting is limited to ``maxDepth``.
package struct JSONScanner {
    static let maxDepth = 64

    package let bytes: UnsafeRawBufferPointer
    package var index: Int
    private var depth = 0

    package init(_ bytes: UnsafeRawBufferPointer, index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    // MARK: - Primitives

    @inline(__always)
    package var current: UInt8 { index < bytes.count ? bytes[index] : 0 }

    @inline(__always)
    package mutating func skipWhitespace() {
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            index += 1
        }
    }

    package func problem(_ message: String, at position: Int? = nil) -> JSONDecodingProblem {
        JSONDecodingProblem(path: [], message: message, column: (position ?? index) + 1)
    }

    /// A short description of the value that starts here, for "expected X, found Y" messages.
    func foundDescription() -> String {
        switch current {
        case UInt8(ascii: "{"): "an object"
        case UInt8(ascii: "["): "an array"
        case UInt8(ascii: "\""): "a string"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): "a boolean"
        case UInt8(ascii: "n"): "null"
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): "a number"
        case 0 where index >= bytes.count: "the end of the line"
        default: "'\(Character(Unicode.Scalar(current)))'"
        }
    }

    package func mismatch(_ expected: String) -> JSONDecodingProblem {
        problem("expected \(expected), found \(foundDescription())")
    }

    /// Whether the next value is a string (consumes nothing but whitespace).
    package mutating func peekIsString() -> Bool {
        skipWhitespace()
        return current == UInt8(ascii: "\"")
    }

    /// Whether the value here is `null` (consumes it when it is).
    package mutating func consumeNull() throws(JSONDecodingProblem) -> Bool {
        skipWhitespace()
        guard current == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    private mutating func literal(_ text: StaticString) throws(JSONDecodingProblem) {
        let length = text.utf8CodeUnitCount
        guard index + length <= bytes.count else { throw problem("truncated literal") }
        let pointer = text.utf8Start
        for offset in 0..<length where bytes[index + offset] != pointer[offset] {
            throw problem("invalid literal")
        }
        index += length
    }

    // MARK: - Objects and arrays

    /// Consumes `{` and returns true, or returns false after consuming `null`; throws otherwise.
    package mutating func beginObject() throws(JSONDecodingProblem) -> Bool {
        skipWhitespace()
        if current == UInt8(ascii: "{") {
            depth += 1
            guard depth <= JSONScanner.maxDepth else { throw problem("nesting deeper than \(JSONScanner.maxDepth)") }
            index += 1
            return true
        }
        if try consumeNull() { return false }
        throw mismatch("an object")
    }

    /// Returns the next key of the current object and consumes its `:`, or nil after the closing `}`.
    /// `first` must start true for each object.
    package mutating func nextKey(first: inout Bool) throws(JSONDecodingProblem) -> ByteSpan? {
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return nil
        }
        if !first {
            guard current == UInt8(ascii: ",") else { throw mismatch("',' or '}'") }
            index += 1
            skipWhitespace()
        }
        first = false
        guard current == UInt8(ascii: "\"") else { throw mismatch("a key string") }
        let span = try stringSpan()
        skipWhitespace()
        guard current == UInt8(ascii: ":") else { throw mismatch("':'") }
        index += 1
        return span
    }

    /// Consumes `[` and returns true, or returns false after consuming `null`; throws otherwise.
    package mutating func beginArray() throws(JSONDecodingProblem) -> Bool {
        skipWhitespace()
        if current == UInt8(ascii: "[") {
            depth += 1
            guard depth <= JSONScanner.maxDepth else { throw problem("nesting deeper than \(JSONScanner.maxDepth)") }
            index += 1
            return true
        }
        if try consumeNull() { return false }
        throw mismatch("an array")
    }

    /// Returns true when another array element follows (consuming its `,`), false after the closing `]`.
    package mutating func nextElement(first: inout Bool) throws(JSONDecodingProblem) -> Bool {
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return false
        }
        if !first {
            guard current == UInt8(ascii: ",") else { throw mismatch("',' or ']'") }
            index += 1
        }
        first = false
        return true
    }

    // MARK: - Numbers and booleans

    /// An integer written as a JSON number or as a string of digits (proto3 writes 64-bit
    /// integers as strings), within `range`. `null` reads as 0.
    package mutating func integer(in range: ClosedRange<Int64>) throws(JSONDecodingProblem) -> Int64 {
        skipWhitespace()
        let start = index
        let quoted = current == UInt8(ascii: "\"")
        if quoted {
            index += 1
        } else if try consumeNull() {
            return 0
        } else if current != UInt8(ascii: "-") && !(current >= 48 && current <= 57) {
            throw mismatch("an integer")
        }
        var negative = false
        if current == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var value: Int64 = 0
        var digits = 0
        var overflow = false
        while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int64(bytes[index] - 48))
            overflow = overflow || o1 || o2
            value = sum
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw problem("expected an integer", at: start) }
        if current == UInt8(ascii: ".") || current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            throw problem("expected an integer, found a fraction or exponent", at: start)
        }
        if quoted {
            guard current == UInt8(ascii: "\"") else { throw problem("expected an integer in the string", at: start) }
            index += 1
        }
        if negative { value = -value }
        guard !overflow, range.contains(value) else {
            throw problem("integer out of range \(range.lowerBound)...\(range.upperBound)", at: start)
        }
        return value
    }

    /// A JSON boolean; `null` reads as false.
    package mutating func boolean() throws(JSONDecodingProblem) -> Bool {
        skipWhitespace()
        switch current {
        case UInt8(ascii: "t"): try literal("true"); return true
        case UInt8(ascii: "f"): try literal("false"); return false
        case UInt8(ascii: "n"): try literal("null"); return false
        default: throw mismatch("a boolean")
        }
    }

    // MARK: - Skipping

    /// Consumes and validates any JSON value.
    package mutating func skipValue() throws(JSONDecodingProblem) {
        skipWhitespace()
        switch current {
        case UInt8(ascii: "{"):
            _ = try beginObject()
            var first = true
            while try nextKey(first: &first) != nil { try skipValue() }
        case UInt8(ascii: "["):
            _ = try beginArray()
            var first = true
            while try nextElement(first: &first) { try skipValue() }
        case UInt8(ascii: "\""):
            _ = try stringSpan()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try skipNumber()
        default:
            throw mismatch("a value")
        }
    }

    private mutating func skipNumber() throws(JSONDecodingProblem) {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        func digitRun(_ scanner: inout JSONScanner) -> Int {
            var count = 0
            while scanner.index < scanner.bytes.count, scanner.bytes[scanner.index] >= 48, scanner.bytes[scanner.index] <= 57 {
                scanner.index += 1
                count += 1
            }
            return count
        }
        guard digitRun(&self) > 0 else { throw problem("invalid number", at: start) }
        if current == UInt8(ascii: ".") {
            index += 1
            guard digitRun(&self) > 0 else { throw problem("invalid number", at: start) }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digitRun(&self) > 0 else { throw problem("invalid number", at: start) }
        }
    }

    /// Throws unless only whitespace remains.
    package mutating func expectEnd() throws(JSONDecodingProblem) {
        skipWhitespace()
        guard index == bytes.count else { throw problem("unexpected data after the JSON value") }
    }
}
