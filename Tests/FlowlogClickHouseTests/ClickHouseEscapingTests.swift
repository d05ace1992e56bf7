import Testing
@testable import FlowlogClickHouse

/// The one escaping function: hostile values must stay inside their field or literal.
struct ClickHouseEscapingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var input: String
        var escaped: String
        var testDescription: String { escaped }
    }

    @Test(arguments: [
        Case(input: "plain-value_1.2", escaped: "plain-value_1.2"),
        Case(input: "it's", escaped: #"it\'s"#),
        Case(input: #"back\slash"#, escaped: #"back\\slash"#),
        Case(input: "tab\there", escaped: #"tab\there"#),
        Case(input: "new\nline", escaped: #"new\nline"#),
        Case(input: "carriage\rreturn", escaped: #"carriage\rreturn"#),
        Case(input: "nul\u{0}byte", escaped: #"nul\0byte"#),
        Case(input: "bell\u{7}del\u{7F}esc\u{1B}", escaped: #"bell\x07del\x7Fesc\x1B"#),
        Case(input: #"'); DROP TABLE flows; --"#, escaped: #"\'); DROP TABLE flows; --"#),
        Case(input: #"\'"#, escaped: #"\\\'"#),
        Case(input: "k8s:app=ünïcødé 🚀", escaped: "k8s:app=ünïcødé 🚀"),
    ])
    func escapesEveryByteThatCouldEndAFieldOrALiteral(_ example: Case) {
        #expect(String(decoding: ClickHouseEscaping.escaped(example.input.utf8), as: UTF8.self) == example.escaped)
        #expect(ClickHouseEscaping.literal(example.input) == "'" + example.escaped + "'")
    }

    @Test func escapedBytesNeverHoldARawSeparatorOrQuote() {
        let all = (0...255).map { UInt8($0) }
        let escaped = ClickHouseEscaping.escaped(all)
        #expect(!escaped.contains(0x09))
        #expect(!escaped.contains(0x0A))
        #expect(!escaped.contains(0x00))
        // Every quote and backslash in the output is escaped by a backslash before it.
        var index = 0
        while index < escaped.count {
            if escaped[index] == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            #expect(escaped[index] != UInt8(ascii: "'"))
            index += 1
        }
    }

    @Test func binaryLiteralIsHex() {
        #expect(ClickHouseEscaping.binaryLiteral([0x0A, 0x00, 0xFF]) == "unhex('0A00FF')")
        #expect(ClickHouseEscaping.binaryLiteral([]) == "unhex('')")
    }

    @Test func tabSeparatedRowsEscapeStringsAndArrays() {
        var rows = TabSeparatedWriter()
        rows.int(-42)
        rows.int(UInt64.max)
        rows.string("a\tb")
        rows.stringArray(["x'y", "z\\"])
        rows.endRow()
        #expect(String(decoding: rows.bytes, as: UTF8.self) == "-42\t18446744073709551615\ta\\tb\t['x\\'y','z\\\\']\n")
    }
}

struct RowBinaryReaderTests {
    @Test func readsIntegersStringsAndArrays() throws {
        let bytes: [UInt8] = [0x2A, 0, 0, 0, 0, 0, 0, 0, 3, 0x61, 0x62, 0x63, 2, 1, 0x78, 0, 0xFE, 0xFF]
        var reader = RowBinaryReader(bytes, label: "test")
        #expect(try reader.uint64() == 42)
        #expect(try reader.string() == "abc")
        #expect(try reader.stringArray() == ["x", ""])
        #expect(try reader.uint16() == 0xFFFE)
        #expect(reader.isAtEnd)
    }

    @Test func readsWhatTheWriterWrites() throws {
        let long = String(repeating: "é", count: 200)   // 400 bytes: a two-byte length
        var writer = RowBinaryWriter()
        writer.uint8(7)
        writer.uint16(0xBEEF)
        writer.uint32(UInt32.max)
        writer.int32(-2)
        writer.uint64(UInt64.max - 1)
        writer.int64(-3)
        writer.string(long)
        writer.bytesValue([0, 9, 10, 255])
        writer.stringArray(["", "a\tb"])
        #expect(Array(writer.bytes[7..<11]) == [0xFE, 0xFF, 0xFF, 0xFF])   // little-endian, two's complement
        #expect(Array(writer.bytes[27..<29]) == [0x90, 0x03])                // LEB128 of 400
        var reader = RowBinaryReader(writer.bytes, label: "test")
        #expect(try reader.uint8() == 7)
        #expect(try reader.uint16() == 0xBEEF)
        #expect(try reader.uint32() == UInt32.max)
        #expect(try reader.int32() == -2)
        #expect(try reader.uint64() == UInt64.max - 1)
        #expect(try reader.int64() == -3)
        #expect(try reader.string() == long)
        #expect(try reader.bytesValue() == [0, 9, 10, 255])
        #expect(try reader.stringArray() == ["", "a\tb"])
        #expect(reader.isAtEnd)
    }

    @Test func aShortAnswerIsAnErrorNotATrap() {
        var reader = RowBinaryReader([5, 0x61], label: "test")
        #expect(throws: (any Error).self) { try reader.string() }
        var huge = RowBinaryReader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], label: "test")
        #expect(throws: (any Error).self) { try huge.stringArray() }
        var integer = RowBinaryReader([1, 2, 3], label: "test")
        #expect(throws: (any Error).self) { try integer.int64() }
    }
}
