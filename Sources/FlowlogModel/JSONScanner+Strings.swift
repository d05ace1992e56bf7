// Strings: scanning a string value (validating its escapes), and reading it back unescaped.
extension JSONScanner {
    /// Consumes a string and returns the span between its quotes (escapes left as written).
    /// Rejects raw control characters and malformed escapes.
    package mutating func stringSpan() throws(JSONDecodingProblem) -> ByteSpan {
        guard current == UInt8(ascii: "\"") else { throw mismatch("a string") }
        index += 1
        let start = index
        while index < bytes.count {
            // Eight bytes at a time while none is a quote, a backslash or a control character;
            // then straight to the first one that is (most keys end within the first word).
            while index + 8 <= bytes.count {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                let special = specialStringBytes(word)
                if special != 0 {
                    index += special.trailingZeroBitCount >> 3
                    break
                }
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
}

private let lowBits: UInt64 = 0x0101_0101_0101_0101
private let highBits: UInt64 = 0x8080_8080_8080_8080

/// The high bit of each byte of `word` (first byte lowest) that is `"`, `\\` or below 0x20, or 0
/// when there is none (SWAR: a zero byte after XOR marks a match). Only the lowest bit set is
/// exact: a borrow can also mark a byte above a match, which the caller never looks past.
@inline(__always)
private func specialStringBytes(_ word: UInt64) -> UInt64 {
    let quote = word ^ (lowBits &* 0x22)
    let backslash = word ^ (lowBits &* 0x5C)
    let hasQuote = (quote &- lowBits) & ~quote & highBits
    let hasBackslash = (backslash &- lowBits) & ~backslash & highBits
    let hasControl = (word &- lowBits &* 0x20) & ~word & highBits
    return hasQuote | hasBackslash | hasControl
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
