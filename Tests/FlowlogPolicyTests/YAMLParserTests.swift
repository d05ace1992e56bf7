import Testing
@testable import FlowlogModel
@testable import FlowlogPolicy
import FlowlogTestSupport

/// The documents of `text`, parsed as file `t.yaml`.
private func parse(_ text: String, limits: YAMLLimits = YAMLLimits()) throws(PolicyError) -> [YAMLNode] {
    try YAMLParser.parse(Array(text.utf8), file: "t.yaml", limits: limits)
}

/// The error parsing `text` throws, or nil when it parses.
private func parseError(_ text: String, limits: YAMLLimits = YAMLLimits()) -> PolicyError? {
    do {
        _ = try parse(text, limits: limits)
        return nil
    } catch {
        return error
    }
}

/// The value of `key` in a mapping node.
private func value(_ node: YAMLNode, _ key: String) -> YAMLNode? {
    node.pairs?.first { $0.key.scalar?.value == key }?.value
}

private func at(_ line: Int, _ column: Int) -> FlowlogPolicy.SourceLocation {
    FlowlogPolicy.SourceLocation(file: "t.yaml", line: line, column: column)
}

struct YAMLParserTests {
    // MARK: - Scalars

    struct ScalarCase: CustomTestStringConvertible, Sendable {
        var key: String
        var value: String
        var style: YAMLNode.ScalarStyle
        var tag: String?
        var location: FlowlogPolicy.SourceLocation
        var testDescription: String { key }
    }

    static let scalarDocument = """
        plain: hello world
        single: 'it''s'
        double: "tab\\there"
        literal: |
          line one
          line two
        folded: >
          folded
          text
        tagged: !!str 80
        empty:
        """

    @Test(arguments: [
        ScalarCase(key: "plain", value: "hello world", style: .plain, location: at(1, 8)),
        ScalarCase(key: "single", value: "it's", style: .singleQuoted, location: at(2, 9)),
        ScalarCase(key: "double", value: "tab\there", style: .doubleQuoted, location: at(3, 9)),
        ScalarCase(key: "literal", value: "line one\nline two\n", style: .literal, location: at(4, 10)),
        ScalarCase(key: "folded", value: "folded text\n", style: .folded, location: at(7, 9)),
        ScalarCase(key: "tagged", value: "80", style: .plain, tag: "tag:yaml.org,2002:str", location: at(10, 9)),
        ScalarCase(key: "empty", value: "", style: .plain, location: at(11, 7)),
    ])
    func scalarsKeepValueStyleTagAndOneBasedMark(_ test: ScalarCase) throws {
        let documents = try parse(YAMLParserTests.scalarDocument)
        let root = try #require(documents.first)
        let node = try #require(value(root, test.key))
        #expect(node.scalar == YAMLNode.Scalar(test.value, style: test.style, tag: test.tag))
        #expect(node.location == test.location)
    }

    @Test func mappingKeepsPairsInDocumentOrderWithDuplicates() throws {
        let root = try #require(try parse("b: 1\na: 2\nb: 3\n").first)
        let keys = try #require(root.pairs).map { $0.key.scalar?.value }
        #expect(keys == ["b", "a", "b"])
        #expect(root.location == at(1, 1))
    }

    @Test func sequenceItemsCarryTheirMarks() throws {
        let root = try #require(try parse("list:\n  - one\n  - [two, three]\n").first)
        let items = try #require(value(root, "list")?.items)
        #expect(items.count == 2)
        #expect(items[0].location == at(2, 5))
        #expect(items[1].items?.map(\.location) == [at(3, 6), at(3, 11)])
    }

    struct ResolutionCase: CustomTestStringConvertible, Sendable {
        var text: String
        var resolved: YAMLNode.Resolved
        var testDescription: String { text }
    }

    /// Plain scalars resolve with the YAML 1.1 rules kubectl uses; quoted ones are strings.
    @Test(arguments: [
        ResolutionCase(text: "80", resolved: .int(80)),
        ResolutionCase(text: "-7", resolved: .int(-7)),
        ResolutionCase(text: "0x1F", resolved: .int(31)),
        ResolutionCase(text: "010", resolved: .int(8)),
        ResolutionCase(text: "1_000", resolved: .int(1000)),
        ResolutionCase(text: "99999999999999999999", resolved: .int(nil)),
        ResolutionCase(text: "1.5", resolved: .float),
        ResolutionCase(text: ".inf", resolved: .float),
        ResolutionCase(text: "yes", resolved: .bool(true)),
        ResolutionCase(text: "Off", resolved: .bool(false)),
        ResolutionCase(text: "~", resolved: .null),
        ResolutionCase(text: "null", resolved: .null),
        ResolutionCase(text: "'80'", resolved: .string("80")),
        ResolutionCase(text: "\"true\"", resolved: .string("true")),
        ResolutionCase(text: "!!int \"42\"", resolved: .int(42)),
        ResolutionCase(text: "http", resolved: .string("http")),
        ResolutionCase(text: "10.0.0.0/8", resolved: .string("10.0.0.0/8")),
        ResolutionCase(text: "1.2.3", resolved: .string("1.2.3")),
    ])
    func plainScalarsResolveLikeKubectl(_ test: ResolutionCase) throws {
        let root = try #require(try parse("value: \(test.text)\n").first)
        #expect(value(root, "value")?.resolved == test.resolved)
    }

    // MARK: - Documents

    @Test func multiDocumentStreamGivesOneNodePerDocument() throws {
        let documents = try parse("a: 1\n---\nb: 2\n---\n# only a comment\n---\nc: 3\n")
        #expect(documents.count == 4)
        #expect(documents.map(\.location.line) == [1, 3, 6, 7])
        #expect(documents[2].isNull)
        #expect(value(documents[3], "c")?.scalar?.value == "3")
    }

    @Test(arguments: ["", "# nothing but a comment\n", "\n\n"])
    func streamWithoutDocumentsIsEmpty(_ text: String) throws {
        #expect(try parse(text).isEmpty)
    }

    // MARK: - Anchors and aliases

    @Test func aliasesAreResolvedToCopiesOfTheirAnchors() throws {
        let text = """
            base: &ports
              - port: 80
              - port: 443
            copy: *ports
            """
        let root = try #require(try parse(text).first)
        let base = try #require(value(root, "base"))
        let copy = try #require(value(root, "copy"))
        #expect(copy.content == base.content)
        // The copy starts at the alias; the nodes inside keep the anchor's positions.
        #expect(copy.location == at(4, 7))
        #expect(copy.items?.first?.location == at(2, 5))
    }

    @Test func anchorsAreScopedToTheirDocument() throws {
        let error = try #require(parseError("a: &x 1\n---\nb: *x\n"))
        #expect(error.description == "t.yaml:3:4: error: alias *x names no anchor defined before it in this document")
    }

    @Test func aliasBombIsRejectedQuickly() throws {
        var text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for (previous, name) in zip("abcdefgh", "bcdefghi") {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
        }
        let clock = ContinuousClock()
        var error: PolicyError?
        let elapsed = clock.measure { error = parseError(text) }
        let thrown = try #require(error)
        #expect(thrown.kind == .limitExceeded)
        #expect(thrown.description.hasPrefix("t.yaml:5:"))
        #expect(thrown.message.contains("more than 100000 nodes"))
        #expect(elapsed < .seconds(1))
    }

    @Test func nodeLimitCountsEveryNode() throws {
        let text = "[" + Array(repeating: "x", count: 20).joined(separator: ", ") + "]"
        #expect(try parse(text, limits: YAMLLimits(maxNodes: 21)).count == 1)
        let error = try #require(parseError(text, limits: YAMLLimits(maxNodes: 20)))
        #expect(error.description == "t.yaml:1:59: error: the YAML expands to more than 20 nodes (aliases count at their full size); refusing a possible alias bomb")
    }

    struct DepthCase: CustomTestStringConvertible, Sendable {
        var levels: Int
        var accepted: Bool
        var testDescription: String { "\(levels) levels" }
    }

    /// The root is depth 1: 99 nested lists hold a scalar at depth 100.
    @Test(arguments: [DepthCase(levels: 99, accepted: true), DepthCase(levels: 100, accepted: false),
                      DepthCase(levels: 100_000, accepted: false)])
    func nestingDeeperThanTheLimitIsAnError(_ test: DepthCase) throws {
        let text = String(repeating: "[", count: test.levels) + "x" + String(repeating: "]", count: test.levels)
        let clock = ContinuousClock()
        var error: PolicyError?
        let elapsed = clock.measure { error = parseError(text) }
        if test.accepted {
            #expect(error == nil)
        } else {
            let thrown = try #require(error)
            #expect(thrown.description == "t.yaml:1:101: error: YAML nesting is deeper than 100 levels")
        }
        #expect(elapsed < .seconds(1))
    }

    @Test func aliasThatWouldNestTooDeeplyIsAnError() throws {
        let deep = String(repeating: "[", count: 60) + "x" + String(repeating: "]", count: 60)
        let text = "a: &deep \(deep)\nb: \(String(repeating: "[", count: 50))*deep\(String(repeating: "]", count: 50))\n"
        let error = try #require(parseError(text))
        #expect(error.kind == .limitExceeded)
        #expect(error.location == at(2, 54))
    }

    // MARK: - Syntax errors

    struct SyntaxCase: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var expected: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        SyntaxCase(name: "mapping value in a plain scalar", text: "a: b: c\n",
                   expected: "t.yaml:1:5: error: mapping values are not allowed in this context"),
        SyntaxCase(name: "bad indentation", text: "a:\n  - x\n y: 2\n",
                   expected: "t.yaml:3:2: error: did not find expected key (while parsing a block mapping at line 1, column 1)"),
        SyntaxCase(name: "unterminated quote", text: "a: \"open\n",
                   expected: "t.yaml:2:1: error: found unexpected end of stream (while scanning a quoted scalar at line 1, column 4)"),
        SyntaxCase(name: "tab indentation", text: "a:\n\tb: 1\n",
                   expected: "t.yaml:2:1: error: found character that cannot start any token (while scanning for the next token at line 2, column 1)"),
    ])
    func syntaxErrorsUseLibyamlProblemAndMarkPlusOne(_ test: SyntaxCase) throws {
        let error = try #require(parseError(test.text))
        #expect(error.kind == .syntax)
        #expect(error.description == test.expected)
    }

    @Test func invalidUTF8IsAReaderErrorAtItsPosition() throws {
        let bytes = Array("a: ok\nb: ".utf8) + [0xFF] + Array("\n".utf8)
        #expect(throws: PolicyError(kind: .syntax, location: at(2, 4), message: "invalid leading UTF-8 octet (byte 0xFF)")) {
            try YAMLParser.parse(bytes, file: "t.yaml")
        }
    }
}
