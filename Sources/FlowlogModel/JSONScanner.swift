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

    // MARK: - Strings

    /// Consumes a string and returns the span between its quotes (escapes left as written).
    /// Rejects raw control characters and malformed escapes.
    package mutating func stringSpan() throws(JSONDecodingProblem) -> ByteSpan {
        guard current == UInt8(ascii: "\"") else { throw mismatch("a string") }
        index += 1
        let start = index
        while index < bytes.count {
            // Eight bytes at a time while none is a quote, a backslash or a control character.
            while index + 8 <= bytes.count {
                let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if hasSpecialStringByte(word) { break }
                index += 8
            }
            guard index < bytes.count else { break }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return ByteSpan(start: start, end: index - 1)
            }
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < bytes.count else { break }
                switch bytes[index + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 2
                case UInt8(ascii: "u"):
                    guard index + 6 <= bytes.count,
                          (2..<6).allSatisfy({ hexDigit(bytes[index + $0]) != nil })
                    else { throw problem("invalid \\u escape") }
                    index += 6
                default:
                    throw problem("invalid escape sequence")
                }
                continue
            }
            if byte < 0x20 { throw problem("control character in string") }
            index += 1
        }
        throw problem("unterminated string")
    }

    /// Whether the span holds a backslash (and so needs unescaping).
    func hasEscapes(_ span: ByteSpan) -> Bool {
        var position = span.start
        while position < span.end {
            if bytes[position] == UInt8(ascii: "\\") { return true }
            position += 1
        }
        return false
    }

    /// The raw bytes of a span.
    package func raw(_ span: ByteSpan) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[span.start..<span.end])
    }

    /// The unescaped UTF-8 bytes of a string span.
    func unescaped(_ span: ByteSpan) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(span.count)
        var position = span.start
        while position < span.end {
            let byte = bytes[position]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                position += 1
                continue
            }
            let escape = bytes[position + 1]
            position += 2
            switch escape {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(at: position)
                position += 4
                if (0xD800...0xDBFF).contains(scalar), position + 6 <= span.end,
                   bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                    let low = hex4(at: position + 2)
                    if (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        position += 6
                    }
                }
                // A lone surrogate cannot be represented in UTF-8: it becomes U+FFFD.
                let value = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(value)).utf8))
            default: out.append(escape)
            }
        }
        return out
    }

    private func hex4(at position: Int) -> UInt32 {
        var value: UInt32 = 0
        for offset in 0..<4 { value = value << 4 | UInt32(hexDigit(bytes[position + offset]) ?? 0) }
        return value
    }

    /// The string value here, unescaped. The line was validated as UTF-8 before scanning.
    package mutating func string() throws(JSONDecodingProblem) -> String {
        skipWhitespace()
        let span = try stringSpan()
        return makeString(span)
    }

    package func makeString(_ span: ByteSpan) -> String {
        if hasEscapes(span) { return String(decoding: unescaped(span), as: UTF8.self) }
        return String(decoding: raw(span), as: UTF8.self)
    }

    /// A string, or the empty string for `null`.
    package mutating func optionalString() throws(JSONDecodingProblem) -> String {
        if try consumeNull() { return "" }
        guard current == UInt8(ascii: "\"") else { throw mismatch("a string") }
        return try string()
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

private let lowBits: UInt64 = 0x0101_0101_0101_0101
private let highBits: UInt64 = 0x8080_8080_8080_8080

/// Whether any byte of `word` is `"`, `\\` or below 0x20 (SWAR: a zero byte after XOR marks a match).
@inline(__always)
private func hasSpecialStringByte(_ word: UInt64) -> Bool {
    let quote = word ^ (lowBits &* 0x22)
    let backslash = word ^ (lowBits &* 0x5C)
    let hasQuote = (quote &- lowBits) & ~quote & highBits
    let hasBackslash = (backslash &- lowBits) & ~backslash & highBits
    let hasControl = (word &- lowBits &* 0x20) & ~word & highBits
    return (hasQuote | hasBackslash | hasControl) != 0
}

@inline(__always)
func hexDigit(_ byte: UInt8) -> UInt8? {
    switch byte {
    case 48...57: byte - 48
    case 97...102: byte - 87
    case 65...70: byte - 55
    default: nil
    }
}

// MARK: - Keys

/// Compares a JSON key with a field name, ignoring `_` and ASCII case, so that both proto3 JSON
/// spellings match (`node_name` and `nodeName` both match `"nodename"`). `name` must be lowercase
/// without underscores.
@inline(__always)
package func keyMatches(_ key: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
    let target = name.utf8Start
    let targetCount = name.utf8CodeUnitCount
    var keyIndex = 0
    var targetIndex = 0
    while keyIndex < key.count {
        var byte = key[keyIndex]
        keyIndex += 1
        if byte == UInt8(ascii: "_") { continue }
        if byte >= 65 && byte <= 90 { byte += 32 }
        guard targetIndex < targetCount, target[targetIndex] == byte else { return false }
        targetIndex += 1
    }
    return targetIndex == targetCount
}

/// The first byte of a key, lowercased, skipping leading underscores (for dispatch).
@inline(__always)
package func keyInitial(_ key: UnsafeRawBufferPointer) -> UInt8 {
    for byte in key where byte != UInt8(ascii: "_") {
        return byte >= 65 && byte <= 90 ? byte + 32 : byte
    }
    return 0
}

// MARK: - UTF-8

/// Whether `bytes` is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    firstInvalidUTF8Offset(bytes) == nil
}

/// The offset of the first byte that breaks UTF-8 (the lead byte of a bad sequence), or nil.
package func firstInvalidUTF8Offset(_ bytes: UnsafeRawBufferPointer) -> Int? {
    var index = 0
    let count = bytes.count
    while index < count {
        // Fast path: eight ASCII bytes at a time.
        if index + 8 <= count {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if word & 0x8080_8080_8080_8080 == 0 {
                index += 8
                continue
            }
        }
        let lead = bytes[index]
        if lead < 0x80 {
            index += 1
            continue
        }
        let length: Int
        var lowerBound: UInt8 = 0x80
        var upperBound: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lowerBound = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upperBound = 0x9F
        case 0xF0: length = 4; lowerBound = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upperBound = 0x8F
        default: return index
        }
        guard index + length <= count else { return index }
        let second = bytes[index + 1]
        guard second >= lowerBound, second <= upperBound else { return index }
        for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 { return index }
        index += length
    }
    return nil
}
