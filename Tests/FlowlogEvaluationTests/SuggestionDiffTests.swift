import Testing
import FlowlogModel
import FlowlogStore
import FlowlogPolicy
@testable import FlowlogEvaluation
import FlowlogTestSupport

/// `policy suggest --diff DIR`: policies compared by what they say, and by their verdicts.
@Suite struct SuggestionDiffTests {
    typealias F = SuggestionFixtures
    let web = Cluster.pod("shop", ["app": "web"], name: "web-1")
    let api = Cluster.pod("shop", ["app": "api"], name: "api-1")

    @Test func policiesAreComparedByWhatTheySayNotWhereTheyWereWritten() throws {
        let connections = F.exchange(web, api, port: 3000)
        let suggestion = PolicySuggester.suggest(connections)
        // The suggested default deny as a file would hold it: a location, policyTypes reordered.
        var sameDeny = NetworkPolicy(name: "default-deny", namespace: "shop", policyTypes: [.egress, .ingress],
                                     location: SourceLocation(file: "dir/deny.yaml", line: 1, column: 1))
        sameDeny.ingress = nil
        var otherIngress = try #require(F.policy(suggestion, "shop/api-ingress")?.policy)
        otherIngress.ingress = [PolicyRule(peers: [Cluster.pods(["app": "web"])], ports: [Cluster.tcp(3000, to: 3010)])]
        let allowAll = Cluster.policy("allow-all", namespace: "shop", types: [.ingress], ingress: [PolicyRule()])
        let existing = PolicyLoadResult(policies: [sameDeny, otherIngress, allowAll])

        let diff = SuggestionDiff.compare(suggestion, with: existing, connections: connections)
        #expect(diff.unchanged == ["shop/default-deny"])
        #expect(diff.changed == ["shop/api-ingress"])
        #expect(diff.added == ["shop/web-egress"])
        #expect(diff.removed == ["shop/allow-all"])
        // The directory denies all egress and allows none: the recorded request and its reply break.
        #expect(diff.existingBreaks == 2)
        #expect(diff.suggestionBreaks == 0)
        // One recorded port, two workloads: api → web on 3000 was never recorded, and both deny it.
        #expect(diff.closure.neverRecorded == 1)
        #expect(diff.closure.closedAgainstBaseline == 0 && diff.closure.openedAgainstBaseline == 0)
    }
}
