import Testing
@testable import FlowlogIngest

/// Key matching, as the decoder compares JSON keys with field names.
private func matches(_ key: String, _ name: StaticString) -> Bool {
    Array(key.utf8).withUnsafeBytes { keyMatches($0, name) }
}

@Suite struct JSONKeysTests {
    struct KeyCase: Sendable, CustomTestStringConvertible {
        var key: String
        var name: StaticString
        var matches: Bool
        var testDescription: String { "\(key) ~ \(name)" }
    }

    static let keyCases: [KeyCase] = [
        KeyCase(key: "node_name", name: "nodename", matches: true),
        KeyCase(key: "nodeName", name: "nodename", matches: true),
        KeyCase(key: "NODE_NAME", name: "nodename", matches: true),
        KeyCase(key: "nodename", name: "nodename", matches: true),
        KeyCase(key: "IP", name: "ip", matches: true),
        KeyCase(key: "Type", name: "type", matches: true),
        KeyCase(key: "drop_reason_desc", name: "dropreasondesc", matches: true),
        KeyCase(key: "dropReasonDesc", name: "dropreasondesc", matches: true),
        KeyCase(key: "drop_reason", name: "dropreasondesc", matches: false),
        KeyCase(key: "drop_reason_desc", name: "dropreason", matches: false),
        KeyCase(key: "node_names", name: "nodename", matches: false),
        KeyCase(key: "node", name: "nodename", matches: false),
        KeyCase(key: "ip_trace_id", name: "ip", matches: false),
        KeyCase(key: "", name: "ip", matches: false),
        KeyCase(key: "source-port", name: "sourceport", matches: false),
    ]

    @Test(arguments: keyCases)
    func matchesKeySpellings(_ testCase: KeyCase) {
        #expect(matches(testCase.key, testCase.name) == testCase.matches)
    }
}
