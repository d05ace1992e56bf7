import Testing
import FlowlogModel
import FlowlogStore
import FlowlogPolicy
@testable import FlowlogEvaluation
@testable import FlowlogReporting
import FlowlogTestSupport

/// The YAML and JSON forms of a suggestion load back as the same policies, and nothing from the
/// flows can change a document's structure.
@Suite struct SuggestionRenderersTests {
    static func connection(_ source: Endpoint, _ destination: Endpoint, destinationIP: String? = nil,
                           proto: L4Protocol = .tcp, port: UInt16, reply: Bool = false) -> ConnectionCount {
        ConnectionCount(source: source, destination: destination, destinationIP: destinationIP.flatMap(IPAddress.init),
                        proto: proto, port: port, isReply: reply, verdict: .forwarded, reason: DropReason(rawValue: 0),
                        isPolicyVerdictEvent: false, count: 3, firstSeen: Timestamp(seconds: 1_700_000_000),
                        lastSeen: Timestamp(seconds: 1_700_000_600))
    }

    static let suggestion: PolicySuggestion = {
        let web = Cluster.pod("shop", ["app": "web", "version": "true"], name: "web-1\nkind: Secret")
        let api = Cluster.pod("shop", ["app.kubernetes.io/name": "api", "tier": "01"], name: "api-1")
        let dns = Cluster.pod("kube-system", ["k8s-app": "kube-dns"], name: "coredns-1")
        let monitor = Cluster.pod("ops", ["app": "prometheus"], name: "prom-1")
        let connections = [
            connection(web, api, port: 8080), connection(web, api, port: 8081), connection(web, api, proto: .udp, port: 9000),
            connection(web, dns, proto: .udp, port: 53), connection(dns, web, proto: .udp, port: 53, reply: true),
            connection(monitor, api, port: 9090), connection(api, Cluster.world, destinationIP: "203.0.113.9", port: 443),
            connection(api, Cluster.world, destinationIP: "2001:db8::1", port: 443),
        ]
        return PolicySuggester.suggest(connections)
    }()

    @Test(arguments: SuggestionFormat.allCases)
    func theRenderedPoliciesLoadBackAsTheSuggestedOnes(format: SuggestionFormat) throws {
        var text = ""
        format.render(Self.suggestion.namespaces, to: &text)
        let loaded = try PolicyLoader.load(yaml: text, file: "suggestion.\(format.fileExtension)")
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        #expect(loaded.policies.map(SuggestionDiff.normalized) == Self.suggestion.policies.map(SuggestionDiff.normalized))
        #expect(loaded.policies.count == Self.suggestion.policies.count)
        #expect(loaded.policies.contains { ($0.egress ?? []).contains { rule in rule.ports?.contains { $0.endPort == 8081 } == true } })
    }

    @Test func everyRuleHasItsEvidenceAndNoFlowTextEscapesAComment() throws {
        var text = ""
        SuggestionYAMLRenderer.render(Self.suggestion.namespaces, to: &text)
        // The pod name's newline is escaped inside the comment, not a new line of YAML.
        #expect(text.contains("e.g. shop/web-1\\u{A}kind: Secret → shop/api-1:8080/TCP"))
        #expect(text.contains("e.g. shop/api-1 → [2001:db8::1]:443/TCP"))
        #expect(!text.contains("\nkind: Secret"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (index, line) in lines.enumerated() where line.hasPrefix("    - to:") || line.hasPrefix("    - from:") {
            #expect(lines[index - 1].hasPrefix("    # "), "rule at line \(index + 1) has its evidence above it")
        }
        #expect(text.contains("    # 9 flows, first seen 2023-11-14T22:13:20Z, last seen 2023-11-14T22:23:20Z, e.g. shop/web-1"))
        #expect(text.contains("          port: 8080\n          endPort: 8081\n"))
        #expect(text.contains("\"version\": \"true\"") == false)   // not a naming label: not selected
        #expect(text.contains("tier: \"01\"") == false)
    }

    /// U+FFFE and U+FFFF are outside YAML's printable set: raw in a comment, they would make the
    /// whole file unreadable to any YAML parser.
    @Test func charactersYAMLCannotHoldAreEscapedInComments() throws {
        let odd = Cluster.pod("shop", ["app": "odd"], name: "odd-\u{FFFF}\u{FFFE}-1")
        let api = Cluster.pod("shop", ["app": "api"], name: "api-1")
        let suggestion = PolicySuggester.suggest([Self.connection(odd, api, port: 80)])
        var text = ""
        SuggestionYAMLRenderer.render(suggestion.namespaces, to: &text)
        #expect(!text.unicodeScalars.contains { $0.value == 0xFFFF || $0.value == 0xFFFE })
        #expect(text.contains("shop/odd-\\u{FFFF}\\u{FFFE}-1"))
        let loaded = try PolicyLoader.load(yaml: text, file: "odd.yaml")
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        #expect(loaded.policies.count == suggestion.policies.count)
        #expect(SuggestionYAMLRenderer.scalar("a\u{FFFF}") == "\"a\\uFFFF\"")
    }

    struct ScalarCase: Sendable, CustomStringConvertible {
        var text: String
        var written: String
        var description: String { text }
    }

    @Test(arguments: [
        ScalarCase(text: "frontend", written: "frontend"),
        ScalarCase(text: "app.kubernetes.io/name", written: "app.kubernetes.io/name"),
        ScalarCase(text: "true", written: "\"true\""),
        ScalarCase(text: "No", written: "\"No\""),
        ScalarCase(text: "null", written: "\"null\""),
        ScalarCase(text: "0123", written: "\"0123\""),
        ScalarCase(text: "1.5", written: "\"1.5\""),
        ScalarCase(text: "", written: "\"\""),
        ScalarCase(text: "-x", written: "\"-x\""),
        ScalarCase(text: "a: b", written: "\"a: b\""),
    ])
    func scalarsAreQuotedWhenYAMLWouldReadThemAsSomethingElse(_ item: ScalarCase) {
        #expect(SuggestionYAMLRenderer.scalar(item.text) == item.written)
    }

    @Test func theProofSaysWhatBreaksAndWhatItCloses() {
        let proof = SuggestionProof(
            replay: ReplayReport(groups: [ReplayGroup(outcome: .wouldBreak, source: "shop/app=web", destination: "shop/app=api",
                                                      proto: .tcp, port: 8080, count: 4, firstSeen: Timestamp(seconds: 0),
                                                      lastSeen: Timestamp(seconds: 0), explanation: "no rule allows this peer")],
                                 totals: [.wouldBreak: 4, .unchangedAllowed: 10, .unchangedDenied: 2], notComparable: 1, policyCount: 3),
            closure: ClosureCount(workloads: 3, ports: 4, neverRecorded: 20, denied: 19, closedAgainstBaseline: 19))
        var text = ""
        SuggestionProofRenderer.render(proof, suggestion: Self.suggestion, existingPolicies: 0, to: &text)
        #expect(text.contains("  would break: 4 recorded FORWARDED flows (listed below)\n"))
        #expect(text.contains("  drops that stay denied: 2; would unblock: 0; undecided: 0\n"))
        #expect(text.contains("  closes: 19 of 20 never-recorded source/destination/port combinations between 3 workloads on 4 recorded ports denied (95.0%)\n"))
        #expect(text.hasSuffix("  break: 4 flows shop/app=web → shop/app=api TCP/8080: no rule allows this peer\n"))
    }
}
