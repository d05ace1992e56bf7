import Testing
import FlowlogModel
import FlowlogStore
import FlowlogPolicy
@testable import FlowlogEvaluation
import FlowlogTestSupport

/// The proof's count of never-recorded combinations, exactly, and its sampling on large clusters.
@Suite struct SuggestionProofTests {
    typealias F = SuggestionFixtures
    let web = Cluster.pod("shop", ["app": "web"], name: "web-1")
    let api = Cluster.pod("shop", ["app": "api"], name: "api-1")
    let database = Cluster.pod("shop", ["app": "db"], name: "db-0")

    var connections: [ConnectionCount] { F.exchange(web, api, port: 3000) + F.exchange(api, database, port: 5432) }

    @Test func everyNeverRecordedCombinationIsCountedOnce() {
        let suggestion = PolicySuggester.suggest(connections)
        let proof = SuggestionProver.prove(suggestion, connections: connections, existing: VerdictEvaluator(policies: []))
        // 3 workloads, 6 ordered pairs, 2 recorded ports: 12 combinations, 2 of them recorded.
        #expect(proof.closure.workloads == 3 && proof.closure.ports == 2)
        #expect(proof.closure.neverRecorded == 10)
        #expect(proof.closure.denied == 10)
        // Without policies in force everything was allowed: all ten are closed by the suggestion.
        #expect(proof.closure.closedAgainstBaseline == 10)
        #expect(proof.closure.sampleStride == 1)
        #expect(proof.breaks.isEmpty)
        #expect(proof.replay.total(.unchangedAllowed) == 4)
    }

    @Test func aPolicyInForceThatAlreadyDeniesIsNotCountedAsClosed() throws {
        // Already in force: the database accepts nothing.
        let lockdown = Cluster.policy("db-lockdown", namespace: "shop", selecting: ["app": "db"], types: [.ingress])
        let existing = VerdictEvaluator(policies: [lockdown])
        let suggestion = PolicySuggester.suggest(connections)
        let proof = SuggestionProver.prove(suggestion, connections: connections, existing: existing)
        // The three never-recorded combinations into the database (web on 3000 and 5432, api on
        // 3000) were denied before, so the suggestion closes the other seven. api → db on 5432 is
        // recorded and allowed by the suggestion (allows add up), so nothing breaks.
        #expect(proof.closure.denied == 10)
        #expect(proof.closure.closedAgainstBaseline == 7)
        #expect(proof.breaks.isEmpty)
    }

    /// `app=web` is a subset of `app=web,component=worker`: web's selector must not select the
    /// worker pods, or a client recorded reaching web:80 would be allowed to reach worker:80.
    @Test func aWorkloadWhoseLabelsAnotherExtendsDoesNotSelectItsPods() throws {
        let client = Cluster.pod("shop", ["app": "client"], name: "client-1")
        let other = Cluster.pod("shop", ["app": "other"], name: "other-1")
        let worker = Cluster.pod("shop", ["app": "web", "component": "worker"], name: "worker-1")
        let connections = F.exchange(client, web, port: 80) + F.exchange(other, worker, port: 9000)
        let suggestion = PolicySuggester.suggest(connections)
        let webIngress = try #require(F.policy(suggestion, "shop/web-ingress"))
        let absent = LabelSelector.Requirement(key: "component", op: .doesNotExist, values: [])
        #expect(webIngress.policy.podSelector.requirements.contains(absent))
        let clientEgress = try #require(F.policy(suggestion, "shop/client-egress"))
        guard case .selector(let pods?, nil) = clientEgress.policy.egress?.first?.peers?.first else {
            Issue.record("client's egress peer is not a pod selector")
            return
        }
        #expect(pods.requirements.contains(absent))
        let proof = SuggestionProver.prove(suggestion, connections: connections, existing: VerdictEvaluator(policies: []))
        #expect(proof.breaks.isEmpty)
        // Every never-recorded combination is denied, client → worker on 80 among them.
        #expect(proof.closure.denied == proof.closure.neverRecorded)
        let proposed = SuggestionProver.combined(suggestion, with: VerdictEvaluator(policies: []))
        let unrecorded = F.connection(client, worker, port: 80)
        #expect(PolicyReplay.run([unrecorded], evaluator: proposed).total(.unchangedAllowed) == 0)
    }

    /// A peer whose pods carry no label a selector can name is every pod of its namespace but
    /// those of its other workloads; the rule says so.
    @Test func anUnlabelledPeerIsNarrowedAndSaysItIsWide() throws {
        let bare = Cluster.pod("shop", ["pod-template-hash": "abc123"], name: "bare-1")
        let suggestion = PolicySuggester.suggest(F.exchange(bare, api, port: 3000) + F.exchange(web, api, port: 3000))
        let apiIngress = try #require(F.policy(suggestion, "shop/api-ingress"))
        let peers = (apiIngress.policy.ingress ?? []).flatMap { $0.peers ?? [] }
        let narrowed = LabelSelector(requirements: [.init(key: "app", op: .doesNotExist, values: [])])
        #expect(peers.contains(PolicyPeer.selector(pods: narrowed, namespaces: nil)))
        #expect(apiIngress.ingressEvidence.contains { $0.note?.contains("carry no label a selector can name") == true })
    }

    @Test func pastTheBudgetEveryNthCombinationIsJudged() {
        let suggestion = PolicySuggester.suggest(connections)
        let proposed = SuggestionProver.combined(suggestion, with: VerdictEvaluator(policies: []))
        let closure = SuggestionProver.closure(connections, proposed: proposed, baseline: VerdictEvaluator(policies: []), budget: 4)
        #expect(closure.sampleStride == 3)
        #expect(closure.neverRecorded <= 4 && closure.neverRecorded >= 2)
        #expect(closure.denied == closure.neverRecorded)
    }
}
