import Foundation
import Testing

/// Issue #14: input echoed to a terminal (policy errors with their source line, lint, ingest
/// warnings, table/compact/markdown output) shows control and bidi characters as visible escapes.
@Suite struct TerminalEscapingTests {
    /// ESC, BEL, CSI and the bidi controls an attacker uses.
    static let unsafe: [Unicode.Scalar] = ["\u{1B}", "\u{7}", "\u{9B}", "\u{202E}", "\u{2066}", "\u{2069}", "\u{200F}", "\u{61C}"]

    static func expectSafe(_ text: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let found = text.unicodeScalars.filter { unsafe.contains($0) }.map { String($0.value, radix: 16) }
        #expect(found.isEmpty, "\(what) holds raw \(found)", sourceLocation: sourceLocation)
    }

    @Test(arguments: ["lint", "replay"])
    func policyErrorWithATitleSequenceInItsLine(_ command: String) throws {
        let scratch = try Scratch()
        let policy = scratch.path("evil.yaml")
        // An OSC "set window title" sequence (ESC ] 0 ; … BEL) on the bad line.
        let text = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: evil
            spec:
              podSelector: {}
              ingress:
              - ports:
                - port: "\u{1B}]0;pwned\u{7}\u{202E}x"

            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: policy))
        // lint reads the default database only when it exists (a named one must exist).
        let arguments = command == "lint" ? ["policy", "lint", policy] : ["replay", "--policies", policy, "--db", scratch.path("f.db")]
        let result = try Flowlog.run(arguments, environment: ["XDG_DATA_HOME": scratch.path("data")])
        #expect(result.status == 65, "\(result.standardError)")
        Self.expectSafe(result.standardError + result.standardOutput, command)
        let lines = result.standardError.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let shown = try #require(lines.firstIndex { $0.contains("port:") }, "the source line is shown: \(result.standardError)")
        #expect(lines[shown].contains(#"\u{1B}]0;pwned\u{7}\u{202E}x"#))
        // libyaml points at the ESC byte; the caret is under its escape in the escaped line.
        let caret = try #require(lines[shown + 1].firstIndex(of: "^"))
        let offset = lines[shown + 1].distance(from: lines[shown + 1].startIndex, to: caret)
        #expect(String(Array(lines[shown])[offset...]).hasPrefix(#"\u{1B}]0;"#),
                "caret under the escape: \(lines[shown])\n\(lines[shown + 1])")
    }

    @Test func ingestWarningsEscapeWhatTheInputHeld() throws {
        let scratch = try Scratch()
        let input = scratch.path("evil.jsonl")
        let lines = [
            #"{"flow":{"time":"2026-11-20T10:00:00Z","verdict":"\u001b]0;pwned\u0007"}}"#,
            "{\"flow\":{\"time\":\"2026-11-20T10:00:00Z\",\"verdict\":\"\u{202E}DEPPORD\"}}",
            "{\"flow\":{\"time\":\"2026-11-20T10:00:00Z\",\"node_name\":\"a\u{1B}[2Jb\"}}",
            // One good record, so the input is Hubble's (one with none at all is refused, exit 65).
            #"{"flow":{"time":"2026-11-20T10:00:00Z","verdict":"FORWARDED"}}"#,
        ]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: input))
        let result = try Flowlog.run(["ingest", "--db", scratch.path("f.db"), input])
        #expect(result.status == 0)
        #expect(result.standardError.contains(#"\u{1B}]0;pwned\u{7}"#), "\(result.standardError)")
        #expect(result.standardError.contains(#"\u{202E}DEPPORD"#), "\(result.standardError)")
        Self.expectSafe(result.standardError, "ingest warnings")
    }

    @Test func bidiInALabelThroughTableCompactAndMarkdown() throws {
        let scratch = try Scratch()
        let input = scratch.path("bidi.jsonl")
        let line = #"{"flow":{"time":"2026-11-20T10:00:00Z","uuid":"00000000-0000-4000-8000-000000000001","verdict":"DROPPED","drop_reason_desc":"POLICY_DENIED","event_type":{"type":1,"sub_type":133},"IP":{"source":"10.0.0.1","destination":"10.0.0.2"},"l4":{"TCP":{"source_port":40000,"destination_port":443}},"source":{"identity":100,"namespace":"prod","pod_name":"web-1","labels":["k8s:app=\#u{202E}nimda\#u{2066}x\#u{2069}\#u{200F}"]},"destination":{"identity":2,"labels":["reserved:world"]}}}"#
        try Data((line + "\n").utf8).write(to: URL(fileURLWithPath: input))
        let database = scratch.path("f.db")
        let ingested = try Flowlog.run(["ingest", "--db", database, "--verbose", input])
        #expect(ingested.standardError.contains("ingested 1 flows"), "\(ingested.standardError)")
        for arguments in [["observe", "-o", "table"], ["observe", "-o", "compact"], ["drops", "-o", "table"],
                          ["drops", "-o", "markdown"], ["drops", "-o", "json"], ["report", "--since", "2026-11-20T09:00:00Z", "--until", "2026-11-20T11:00:00Z"]] {
            let result = try Flowlog.run(arguments + ["--db", database])
            #expect(result.status == 0, "\(arguments): \(result.standardError)")
            Self.expectSafe(result.standardOutput, arguments.joined(separator: " "))
            if arguments[0] != "observe" && arguments.last != "json" {  // observe shows pod names, not labels
                #expect(result.standardOutput.contains(#"\u{202E}nimda"#), "\(arguments): \(result.standardOutput)")
            }
        }
    }
}
