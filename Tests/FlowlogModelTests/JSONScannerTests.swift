import Testing
@testable import FlowlogModel
import FlowlogTestSupport

/// Runs `body` with a scanner over the UTF-8 bytes of `json`.
private func scanning<T>(_ json: String, _ body: (inout JSONScanner) throws(JSONDecodingProblem) -> T) -> Result<T, JSONDecodingProblem> {
    Array(json.utf8).withUnsafeBytes { buffer in
        var scanner = JSONScanner(buffer)
        return Result { () throws(JSONDecodingProblem) in try body(&scanner) }
    }
}

private func valid(_ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { isValidUTF8($0) }
}

@Suite struct JSONScannerTests {
    // MARK: - UTF-8

    struct UTF8Case: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var valid: Bool
        var testDescription: String { name }
    }

    static let utf8Cases: [UTF8Case] = [
        UTF8Case(name: "empty", bytes: [], valid: true),
        UTF8Case(name: "ASCII", bytes: Array("k8s:app=frontend".utf8), valid: true),
        UTF8Case(name: "ASCII with DEL and NUL", bytes: [0x00, 0x41, 0x7F], valid: true),
        UTF8Case(name: "2-byte é", bytes: [0xC3, 0xA9], valid: true),
        UTF8Case(name: "smallest 2-byte U+0080", bytes: [0xC2, 0x80], valid: true),
        UTF8Case(name: "3-byte €", bytes: [0xE2, 0x82, 0xAC], valid: true),
        UTF8Case(name: "3-byte U+FFFF", bytes: [0xEF, 0xBF, 0xBF], valid: true),
        UTF8Case(name: "last before surrogates U+D7FF", bytes: [0xED, 0x9F, 0xBF], valid: true),
        UTF8Case(name: "4-byte 😀", bytes: [0xF0, 0x9F, 0x98, 0x80], valid: true),
        UTF8Case(name: "largest U+10FFFF", bytes: [0xF4, 0x8F, 0xBF, 0xBF], valid: true),
        UTF8Case(name: "multi-byte after eight ASCII bytes", bytes: Array("abcdefgh".utf8) + [0xE2, 0x82, 0xAC], valid: true),
        UTF8Case(name: "overlong 2-byte slash C0 AF", bytes: [0xC0, 0xAF], valid: false),
        UTF8Case(name: "overlong 2-byte C1 BF", bytes: [0xC1, 0xBF], valid: false),
        UTF8Case(name: "overlong 3-byte E0 80 AF", bytes: [0xE0, 0x80, 0xAF], valid: false),
        UTF8Case(name: "overlong 4-byte F0 80 80 AF", bytes: [0xF0, 0x80, 0x80, 0xAF], valid: false),
        UTF8Case(name: "surrogate D800", bytes: [0xED, 0xA0, 0x80], valid: false),
        UTF8Case(name: "surrogate DFFF", bytes: [0xED, 0xBF, 0xBF], valid: false),
        UTF8Case(name: "past U+10FFFF", bytes: [0xF4, 0x90, 0x80, 0x80], valid: false),
        UTF8Case(name: "lead byte F5", bytes: [0xF5, 0x80, 0x80, 0x80], valid: false),
        UTF8Case(name: "byte FF", bytes: [0xFF], valid: false),
        UTF8Case(name: "truncated 3-byte sequence", bytes: [0xE2, 0x82], valid: false),
        UTF8Case(name: "truncated 4-byte sequence", bytes: [0xF0, 0x9F, 0x98], valid: false),
        UTF8Case(name: "truncated sequence followed by ASCII", bytes: [0xE2, 0x82, 0x41], valid: false),
        UTF8Case(name: "bad third byte", bytes: [0xF0, 0x9F, 0x41, 0x80], valid: false),
        UTF8Case(name: "stray continuation byte", bytes: [0x41, 0x80, 0x41], valid: false),
        UTF8Case(name: "lead byte followed by ASCII", bytes: [0xC3, 0x41], valid: false),
        UTF8Case(name: "invalid byte after eight ASCII bytes", bytes: Array("abcdefgh".utf8) + [0xFF], valid: false),
        UTF8Case(name: "invalid byte inside a long ASCII run", bytes: Array("abcdefghijk".utf8) + [0x80] + Array("lmnopqrstu".utf8),
                 valid: false),
        // The 32-byte fast path: ends exactly at the end, is followed by a sequence, or stops short.
        UTF8Case(name: "exactly 32 ASCII bytes", bytes: Array(String(repeating: "a", count: 32).utf8), valid: true),
        UTF8Case(name: "exactly 64 ASCII bytes", bytes: Array(String(repeating: "b", count: 64).utf8), valid: true),
        UTF8Case(name: "2-byte é after 32 ASCII bytes", bytes: Array(String(repeating: "c", count: 32).utf8) + [0xC3, 0xA9], valid: true),
        UTF8Case(name: "invalid byte after 33 ASCII bytes", bytes: Array(String(repeating: "d", count: 33).utf8) + [0xFF], valid: false),
        UTF8Case(name: "invalid byte at 31 of 40", bytes: Array(String(repeating: "e", count: 31).utf8) + [0xFF]
                    + Array("12345678".utf8), valid: false),
    ]

    @Test(arguments: utf8Cases)
    func validatesUTF8(_ testCase: UTF8Case) {
        #expect(valid(testCase.bytes) == testCase.valid)
    }

    // MARK: - Strings

    struct StringCase: Sendable, CustomTestStringConvertible {
        /// The JSON string literal, quotes included.
        var json: String
        var expected: String
        var testDescription: String { json.debugDescription }
    }

    static let stringCases: [StringCase] = [
        StringCase(json: #""plain""#, expected: "plain"),
        StringCase(json: #""""#, expected: ""),
        StringCase(json: #""a\"b\\c\/d""#, expected: #"a"b\c/d"#),
        StringCase(json: #""\b\f\n\r\t""#, expected: "\u{8}\u{C}\n\r\t"),
        StringCase(json: #""caf\u00e9""#, expected: "café"),
        StringCase(json: #""caf\u00E9""#, expected: "café"),
        StringCase(json: #""\u003cb\u003e \u0026""#, expected: "<b> &"),
        StringCase(json: #""\u0041\u0042""#, expected: "AB"),
        StringCase(json: #""\u20ac""#, expected: "€"),
        StringCase(json: #""smile \ud83d\ude00!""#, expected: "smile 😀!"),
        StringCase(json: #""\uD83D\uDE00""#, expected: "😀"),
        StringCase(json: #""lone \ud83d high""#, expected: "lone \u{FFFD} high"),
        StringCase(json: #""lone \ude00 low""#, expected: "lone \u{FFFD} low"),
        StringCase(json: #""\ud83d\u0041""#, expected: "\u{FFFD}A"),
        StringCase(json: #""raw é and 😀""#, expected: "raw é and 😀"),
        StringCase(json: #""a longer string with \"an escaped quote\" past eight bytes""#,
                   expected: #"a longer string with "an escaped quote" past eight bytes"#),
        // The word-at-a-time scan jumps to the first quote or backslash at any offset of a word.
        StringCase(json: #""abcdefghijklm\nopq""#, expected: "abcdefghijklm\nopq"),
        StringCase(json: #""abcdefg\\h""#, expected: #"abcdefg\h"#),
        StringCase(json: #""abcdefgh""#, expected: "abcdefgh"),
        StringCase(json: #""abcdefghé and more""#, expected: "abcdefghé and more"),
    ]

    @Test(arguments: stringCases)
    func unescapesString(_ testCase: StringCase) throws {
        let value = try scanning(testCase.json) { scanner throws(JSONDecodingProblem) in
            let text = try scanner.string()
            try scanner.expectEnd()
            return text
        }.get()
        #expect(value == testCase.expected)
    }

    struct StringErrorCase: Sendable, CustomTestStringConvertible {
        var json: String
        var message: String
        var column: Int
        var testDescription: String { json.debugDescription }
    }

    static let stringErrorCases: [StringErrorCase] = [
        StringErrorCase(json: #""abc"#, message: "unterminated string", column: 5),
        StringErrorCase(json: #""abc\"#, message: "unterminated string", column: 5),
        StringErrorCase(json: #""a\x""#, message: "invalid escape sequence", column: 3),
        StringErrorCase(json: #""a\u12""#, message: #"invalid \u escape"#, column: 3),
        StringErrorCase(json: #""a\uZZZZ""#, message: #"invalid \u escape"#, column: 3),
        StringErrorCase(json: "\"tab\there\"", message: "control character in string", column: 5),
        StringErrorCase(json: "\"0123456789abcdef\nxyz\"", message: "control character in string", column: 18),
        StringErrorCase(json: "\"01234567abcde\u{01}fg\"", message: "control character in string", column: 15),
        StringErrorCase(json: "123", message: "expected a string, found a number", column: 1),
    ]

    @Test(arguments: stringErrorCases)
    func rejectsBadString(_ testCase: StringErrorCase) {
        let result = scanning(testCase.json) { scanner throws(JSONDecodingProblem) in try scanner.string() }
        guard case .failure(let problem) = result else {
            Issue.record("expected a problem, got \(result)")
            return
        }
        #expect(problem.message == testCase.message)
        #expect(problem.column == testCase.column)
    }

    // MARK: - Integers and skipping

    struct IntegerCase: Sendable, CustomTestStringConvertible {
        var json: String
        var expected: Int64?
        var testDescription: String { json.debugDescription }
    }

    static let integerCases: [IntegerCase] = [
        IntegerCase(json: "42", expected: 42),
        IntegerCase(json: #""42""#, expected: 42),
        IntegerCase(json: "-7", expected: -7),
        IntegerCase(json: "null", expected: 0),
        IntegerCase(json: #""9223372036854775807""#, expected: Int64.max),
        IntegerCase(json: "9223372036854775808", expected: nil),
        IntegerCase(json: "1.5", expected: nil),
        IntegerCase(json: "1e3", expected: nil),
        IntegerCase(json: #""4x""#, expected: nil),
        IntegerCase(json: #""""#, expected: nil),
        IntegerCase(json: "true", expected: nil),
        IntegerCase(json: "-", expected: nil),
    ]

    @Test(arguments: integerCases)
    func readsInteger(_ testCase: IntegerCase) {
        let result = scanning(testCase.json) { scanner throws(JSONDecodingProblem) in
            try scanner.integer(in: Int64.min...Int64.max)
        }
        #expect((try? result.get()) == testCase.expected)
    }

    @Test func integerOutsideTheRangeIsAProblem() {
        let result = scanning("  300") { scanner throws(JSONDecodingProblem) in try scanner.integer(in: 0...255) }
        #expect(throws: JSONDecodingProblem(path: [], message: "integer out of range 0...255", column: 3)) { try result.get() }
    }

    @Test func skipsAndValidatesAnyValue() throws {
        let json = #"{"a":[1,-2.5e+3,0.25E-1,"x\"y",true,false,null,{"b":{}}],"c":[]}"#
        let end = try scanning(json) { scanner throws(JSONDecodingProblem) in
            try scanner.skipValue()
            try scanner.expectEnd()
            return scanner.index
        }.get()
        #expect(end == json.utf8.count)
    }

    struct SkipErrorCase: Sendable, CustomTestStringConvertible {
        var json: String
        var message: String
        var testDescription: String { json.debugDescription }
    }

    static let skipErrorCases: [SkipErrorCase] = [
        SkipErrorCase(json: "[1,2", message: "expected ',' or ']', found the end of the line"),
        SkipErrorCase(json: "[1 2]", message: "expected ',' or ']', found a number"),
        SkipErrorCase(json: #"{"a" 1}"#, message: "expected ':', found a number"),
        SkipErrorCase(json: #"{1:2}"#, message: "expected a key string, found a number"),
        SkipErrorCase(json: "1.", message: "invalid number"),
        SkipErrorCase(json: "-x", message: "invalid number"),
        SkipErrorCase(json: "1e", message: "invalid number"),
        SkipErrorCase(json: "nul", message: "truncated literal"),
        SkipErrorCase(json: "fals3", message: "invalid literal"),
        SkipErrorCase(json: "'x'", message: "expected a value, found '''"),
    ]

    @Test(arguments: skipErrorCases)
    func skipRejectsMalformedValue(_ testCase: SkipErrorCase) {
        let result = scanning(testCase.json) { scanner throws(JSONDecodingProblem) in try scanner.skipValue() }
        guard case .failure(let problem) = result else {
            Issue.record("expected a problem, got \(result)")
            return
        }
        #expect(problem.message == testCase.message)
    }

    // MARK: - Problems

    @Test func fieldPathJoinsNamesWithDotsAndIndexesDirectly() {
        let problem = JSONDecodingProblem(path: ["flow", "source", "labels", "[2]"], message: "expected a string, found a number",
                                          column: 40)
        #expect(problem.fieldPath == "flow.source.labels[2]")
        #expect(problem.description == "flow.source.labels[2]: expected a string, found a number")
        let root = JSONDecodingProblem(path: [], message: "invalid UTF-8", column: 1)
        #expect(root.fieldPath == "")
        #expect(root.description == "invalid UTF-8")
    }

    @Test func expectEndAllowsTrailingWhitespaceOnly() {
        let fine = scanning("{} \t\r\n") { scanner throws(JSONDecodingProblem) in
            try scanner.skipValue()
            try scanner.expectEnd()
        }
        #expect((try? fine.get()) != nil)
        let extra = scanning("{} x") { scanner throws(JSONDecodingProblem) in
            try scanner.skipValue()
            try scanner.expectEnd()
        }
        #expect(throws: JSONDecodingProblem(path: [], message: "unexpected data after the JSON value", column: 4)) {
            try extra.get()
        }
    }
}
