import FlowlogStore

/// Builds a `TabSeparated` body: fields separated by tabs, rows ended by newlines, every string
/// escaped by ``ClickHouseEscaping`` (the only place raw input meets the wire format).
struct TabSeparatedWriter {
    private(set) var bytes: [UInt8] = []
    private var atRowStart = true

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    private mutating func separator() {
        if !atRowStart { bytes.append(0x09) }
        atRowStart = false
    }

    mutating func int<T: BinaryInteger>(_ value: T) {
        separator()
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            appendDigits(UInt64(value.magnitude))
        } else {
            appendDigits(UInt64(value))
        }
    }

    private mutating func appendDigits(_ value: UInt64) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                      UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[index]) }
        }
    }

    mutating func string(_ value: String) {
        separator()
        ClickHouseEscaping.escape(value.utf8, into: &bytes)
    }

    mutating func binary(_ value: [UInt8]) {
        separator()
        ClickHouseEscaping.escape(value, into: &bytes)
    }

    /// An `Array(String)`: `['a','b']`, each element quoted and escaped the same way.
    mutating func stringArray(_ values: [String]) {
        separator()
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(0x27)
            ClickHouseEscaping.escape(value.utf8, into: &bytes)
            bytes.append(0x27)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func endRow() {
        bytes.append(0x0A)
        atRowStart = true
    }
}

/// Builds a `RowBinary` body, the format the bulk rows (flows, endpoints) are sent in: integers
/// little-endian at the column's exact width, strings as a LEB128 length and their bytes as they
/// are, arrays as a LEB128 count and their elements. No byte of a value is ever read as a
/// separator, so no value needs escaping, and the server parses no text: about a tenth of the
/// bytes' handling that ``TabSeparatedWriter``'s decimal digits and escapes cost on both sides.
///
/// The widths must match the table's column types one for one (a wrong width shifts every
/// later field); ``RowBinaryReader`` reads the same rows back, and the store contract suite
/// checks every field of a stored flow round trip.
struct RowBinaryWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    private mutating func fixed(_ value: UInt64, width: Int) {
        for offset in 0..<width { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(offset)))) }
    }

    mutating func uint8(_ value: UInt8) { bytes.append(value) }
    mutating func uint16(_ value: UInt16) { fixed(UInt64(value), width: 2) }
    mutating func uint32(_ value: UInt32) { fixed(UInt64(value), width: 4) }
    mutating func int32(_ value: Int32) { fixed(UInt64(UInt32(bitPattern: value)), width: 4) }
    mutating func uint64(_ value: UInt64) { fixed(value, width: 8) }
    mutating func int64(_ value: Int64) { fixed(UInt64(bitPattern: value), width: 8) }

    private mutating func length(_ value: Int) {
        var rest = UInt64(value)
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// A `String` column holding `value`'s bytes exactly (ClickHouse strings are bytes).
    mutating func bytesValue<Bytes: Collection>(_ value: Bytes) where Bytes.Element == UInt8 {
        length(value.count)
        bytes.append(contentsOf: value)
    }

    mutating func string(_ value: String) { bytesValue(value.utf8) }

    /// Bytes already encoded by this writer (a row taken from another body), as they are.
    mutating func raw(_ encoded: ArraySlice<UInt8>) { bytes.append(contentsOf: encoded) }

    /// An `Array(String)` column.
    mutating func stringArray(_ values: [String]) {
        length(values.count)
        for value in values { string(value) }
    }
}

/// Reads a `RowBinary` answer: little-endian fixed-width integers, strings as a LEB128 length and
/// bytes, arrays as a LEB128 count and elements. A short answer is an error, never a trap.
struct RowBinaryReader {
    private let bytes: [UInt8]
    private var index = 0
    private let label: String

    init(_ bytes: [UInt8], label: String) {
        self.bytes = bytes
        self.label = label
    }

    var isAtEnd: Bool { index >= bytes.count }

    private func truncated() -> StoreError {
        StoreError(kind: .failed, message: "ClickHouse's answer ended in the middle of a row", path: label)
    }

    private mutating func fixed(_ width: Int) throws(StoreError) -> UInt64 {
        guard bytes.count - index >= width else { throw truncated() }
        var value: UInt64 = 0
        for offset in 0..<width { value |= UInt64(bytes[index + offset]) << (8 * UInt64(offset)) }
        index += width
        return value
    }

    mutating func uint8() throws(StoreError) -> UInt8 { UInt8(try fixed(1)) }
    mutating func uint16() throws(StoreError) -> UInt16 { UInt16(try fixed(2)) }
    mutating func uint32() throws(StoreError) -> UInt32 { UInt32(try fixed(4)) }
    mutating func int32() throws(StoreError) -> Int32 { Int32(bitPattern: UInt32(try fixed(4))) }
    mutating func uint64() throws(StoreError) -> UInt64 { try fixed(8) }
    mutating func int64() throws(StoreError) -> Int64 { Int64(bitPattern: try fixed(8)) }

    private mutating func length() throws(StoreError) -> Int {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard index < bytes.count, shift < 64 else { throw truncated() }
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        guard value <= UInt64(bytes.count - index) || value <= UInt64(Int32.max) else { throw truncated() }
        return Int(value)
    }

    mutating func bytesValue() throws(StoreError) -> [UInt8] {
        let count = try length()
        guard bytes.count - index >= count else { throw truncated() }
        defer { index += count }
        return Array(bytes[index..<index + count])
    }

    mutating func string() throws(StoreError) -> String {
        let count = try length()
        guard bytes.count - index >= count else { throw truncated() }
        defer { index += count }
        return String(decoding: bytes[index..<index + count], as: UTF8.self)
    }

    mutating func stringArray() throws(StoreError) -> [String] {
        let count = try length()
        // Each element takes at least one byte, so a count past the rest is a damaged answer.
        guard count <= bytes.count - index else { throw truncated() }
        var values: [String] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try string()) }
        return values
    }
}
