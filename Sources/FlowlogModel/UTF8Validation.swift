/// Whether `bytes` is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    firstInvalidUTF8Offset(bytes) == nil
}

/// The offset of the first byte that breaks UTF-8 (the lead byte of a bad sequence), or nil.
package func firstInvalidUTF8Offset(_ bytes: UnsafeRawBufferPointer) -> Int? {
    var index = 0
    let count = bytes.count
    while index < count {
        // Fast path: 32 ASCII bytes at a time (Hubble lines are almost all ASCII), then eight.
        while index + 32 <= count {
            let a = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let b = bytes.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self)
            let c = bytes.loadUnaligned(fromByteOffset: index + 16, as: UInt64.self)
            let d = bytes.loadUnaligned(fromByteOffset: index + 24, as: UInt64.self)
            guard (a | b | c | d) & 0x8080_8080_8080_8080 == 0 else { break }
            index += 32
        }
        guard index < count else { break }
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
