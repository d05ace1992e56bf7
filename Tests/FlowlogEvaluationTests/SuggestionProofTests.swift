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

    @Test func pastTheBudgetEveryNthCombinationIsJudged() {
        let suggestion = PolicySuggester.suggest(connections)
        let proposed = SuggestionProver.combined(suggestion, with: VerdictEvaluator(policies: []))
        let closure = SuggestionProver.closure(connections, proposed: proposed, baseline: VerdictEvaluator(policies: []), budget: 4)
        #expect(closure.sampleStride == 3)
        #expect(closure.neverRecorded <= 4 && closure.neverRecorded >= 2)
        #expect(closure.denied == closure.neverRecorded)
    }
}
