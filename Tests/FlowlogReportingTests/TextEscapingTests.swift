import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
@testable import FlowlogPolicy
@testable import FlowlogEvaluation
@testable import FlowlogReporting
import FlowlogTestSupport

@Suite struct TextEscapingTests {
    struct EscapeCase: Sendable, CustomTestStringConvertible {
        var input: String
        var expected: String
        var testDescription: String { input.debugDescription }
    }

    // MARK: - Terminal

    static let terminalCases: [EscapeCase] = [
        EscapeCase(input: "k8s:app=frontend", expected: "k8s:app=frontend"),
        EscapeCase(input: "café ☕ 😀", expected: "café ☕ 😀"),
        EscapeCase(input: "\u{1B}[31mred\u{1B}[0m", expected: #"\u{1B}[31mred\u{1B}[0m"#),
        EscapeCase(input: "\u{1B}]0;pwned\u{7}", expected: #"\u{1B}]0;pwned\u{7}"#),
        EscapeCase(input: "line\nbreak\r", expected: #"line\u{A}break\u{D}"#),
        EscapeCase(input: "a\r\nb", expected: #"a\u{D}\u{A}b"#),
        EscapeCase(input: "tab\there", expected: #"tab\u{9}here"#),
        EscapeCase(input: "nul\u{0}", expected: #"nul\u{0}"#),
        EscapeCase(input: "del\u{7F}", expected: #"del\u{7F}"#),
        EscapeCase(input: "c1 csi \u{9B}31m", expected: #"c1 csi \u{9B}31m"#),
        EscapeCase(input: "\u{A0}nbsp stays", expected: "\u{A0}nbsp stays"),
        EscapeCase(input: "abc\u{202E}fed", expected: #"abc\u{202E}fed"#),
        EscapeCase(input: "\u{2066}\u{2067}\u{2068}\u{2069}", expected: #"\u{2066}\u{2067}\u{2068}\u{2069}"#),
        EscapeCase(input: "\u{200E}\u{200F}\u{61C}", expected: #"\u{200E}\u{200F}\u{61C}"#),
        EscapeCase(input: "\u{202A}\u{202B}\u{202C}\u{202D}", expected: #"\u{202A}\u{202B}\u{202C}\u{202D}"#),
        EscapeCase(input: "para\u{2028}\u{2029}", expected: #"para\u{2028}\u{2029}"#),
        EscapeCase(input: "zero\u{200D}width joiner stays", expected: "zero\u{200D}width joiner stays"),
        EscapeCase(input: "עברית stays", expected: "עברית stays"),
    ]

    @Test(arguments: terminalCases)
    func escapingTwiceChangesNothing(_ testCase: EscapeCase) {
        #expect(TextEscaping.terminal(TextEscaping.terminal(testCase.input)) == testCase.expected)
    }

    @Test func everyRendererUsesTheOneRule() {
        // Each unsafe scalar is escaped by terminal, markdown and JSON; CSV keeps only line breaks
        // and tabs, which a quoted field holds as data.
        for value: UInt32 in [0x1B, 0x07, 0x9B, 0x061C, 0x200E, 0x200F, 0x202A, 0x202E, 0x2066, 0x2069, 0x2028] {
            let scalar = Unicode.Scalar(value)!
            #expect(TextEscaping.isUnsafe(scalar))
            let text = "a" + String(scalar) + "b"
            #expect(!TextEscaping.terminal(text).unicodeScalars.contains(scalar))
            #expect(!TextEscaping.markdownCell(text).unicodeScalars.contains(scalar))
            #expect(!TextEscaping.csvField(text).unicodeScalars.contains(scalar))
            #expect(!JSONText.quoted(text).unicodeScalars.contains(scalar))
            #expect(!TextEscaping.html(text).unicodeScalars.contains(scalar))
        }
    }

    @Test(arguments: terminalCases)
    func neutralisesTerminalControls(_ testCase: EscapeCase) {
        let escaped = TextEscaping.terminal(testCase.input)
        #expect(escaped == testCase.expected)
        #expect(!escaped.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
    }

    // MARK: - CSV

    static let csvCases: [EscapeCase] = [
        EscapeCase(input: "production/app=frontend", expected: "production/app=frontend"),
        EscapeCase(input: "", expected: ""),
        EscapeCase(input: "=cmd|' /C calc'!A0", expected: "'=cmd|' /C calc'!A0"),
        EscapeCase(input: "+1+2", expected: "'+1+2"),
        EscapeCase(input: "-2+3", expected: "'-2+3"),
        EscapeCase(input: "@SUM(A1:A9)", expected: "'@SUM(A1:A9)"),
        EscapeCase(input: "\t=1", expected: "'\t=1"),
        EscapeCase(input: "a=b", expected: "a=b"),
        EscapeCase(input: "TCP/80,UDP/53", expected: #""TCP/80,UDP/53""#),
        EscapeCase(input: #"say "hi""#, expected: #""say ""hi""""#),
        EscapeCase(input: "two\nlines", expected: "\"two\nlines\""),
        EscapeCase(input: "\r", expected: "\"'\r\""),
        EscapeCase(input: #"=HYPERLINK("http://x","y")"#, expected: #""'=HYPERLINK(""http://x"",""y"")""#),
    ]

    @Test(arguments: csvCases)
    func escapesCSVField(_ testCase: EscapeCase) {
        #expect(TextEscaping.csvField(testCase.input) == testCase.expected)
    }

    /// A CRLF line break inside a value must be quoted, or it starts a new CSV record.
    /// (Swift treats "\r\n" as one Character, equal to neither "\r" nor "\n".)
    @Test func csvFieldQuotesACRLFLineBreak() {
        #expect(TextEscaping.csvField("app=a\r\nevil,row") == "\"app=a\r\nevil,row\"")
        #expect(TextEscaping.csvField("a\r\nb") == "\"a\r\nb\"")
    }

    /// A quote followed by a combining mark is still a quote byte in the CSV text and must be doubled.
    @Test func csvFieldDoublesAQuoteCarryingACombiningMark() {
        #expect(TextEscaping.csvField("x,\"\u{301}y") == "\"x,\"\"\u{301}y\"")
    }

    // MARK: - Markdown

    static let markdownCases: [EscapeCase] = [
        EscapeCase(input: "production/app=frontend", expected: "production/app=frontend"),
        EscapeCase(input: "a|b", expected: #"a\|b"#),
        EscapeCase(input: #"back\slash"#, expected: #"back\\slash"#),
        EscapeCase(input: "`code`", expected: #"\`code\`"#),
        EscapeCase(input: "<img src=x onerror=alert(1)>", expected: "&lt;img src=x onerror=alert(1)&gt;"),
        EscapeCase(input: "a & b", expected: "a &amp; b"),
        EscapeCase(input: "\u{1B}[31m", expected: #"\\u{1B}[31m"#),
        EscapeCase(input: "row\n| injected |", expected: #"row\\u{A}\| injected \|"#),
    ]

    @Test(arguments: markdownCases)
    func escapesMarkdownCell(_ testCase: EscapeCase) {
        #expect(TextEscaping.markdownCell(testCase.input) == testCase.expected)
    }

    /// A `|` followed by a combining mark still ends a Markdown table cell and must be escaped.
    @Test func markdownCellEscapesAPipeCarryingACombiningMark() {
        #expect(TextEscaping.markdownCell("a|\u{301}b") == "a\\|\u{301}b")
    }

    // MARK: - HTML

    static let htmlCases: [EscapeCase] = [
        EscapeCase(input: "plain", expected: "plain"),
        EscapeCase(input: #"<script>alert("x" & 'y')</script>"#,
                   expected: "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"),
        EscapeCase(input: "&amp;", expected: "&amp;amp;"),
        EscapeCase(input: "café", expected: "café"),
    ]

    @Test(arguments: htmlCases)
    func escapesHTML(_ testCase: EscapeCase) {
        #expect(TextEscaping.html(testCase.input) == testCase.expected)
    }

    /// A quote followed by a combining mark still closes an HTML attribute and must be escaped.
    @Test func htmlEscapesAQuoteCarryingACombiningMark() {
        let escaped = TextEscaping.html("\"\u{301} onmouseover=alert(1) x=\"")
        #expect(!escaped.unicodeScalars.contains("\""))
        #expect(escaped == "&quot;\u{301} onmouseover=alert(1) x=&quot;")
    }

    // MARK: - Tables

    @Test func textTableAlignsColumnsAndEscapesCells() {
        var table = TextTable(header: ["COUNT", "SOURCE", "LAST"])
        table.append(["12", "production/app=frontend", "x"])
        table.append(["3", "\u{1B}[2J", "y"])
        var out = ""
        table.write(to: &out)
        #expect(out == """
            COUNT  SOURCE                   LAST
            12     production/app=frontend  x
            3      \\u{1B}[2J                y

            """)
    }
}
