import Foundation
import Testing

/// End-to-end: evaluate, replay, report and policy lint with CiliumNetworkPolicies.
@Suite struct CiliumPolicyCommandsTests {
    let scratch: Scratch
    let database: String

    init() throws {
        scratch = try Scratch()
        database = scratch.path("flows.db")
    }

    @Test func theCiliumFormOfTheSeedPoliciesGivesTheSameVerdictOnEveryFlow() throws {
        let kubernetes = try Flowlog.sampleVerdicts(["--policies", "SampleFlows/policies"])
        let cilium = try Flowlog.sampleVerdicts(["--policies", "SampleFlows/policies-cilium"])
        #expect(kubernetes.count == 3499)
        #expect(cilium.count == kubernetes.count)
        let differing = kubernetes.keys.sorted().filter { kubernetes[$0] != cilium[$0] }
        #expect(differing.isEmpty, "lines with another verdict: \(differing.prefix(10))")
        #expect(cilium.values.filter { $0 == "DENIED" }.count == 473)
    }

    @Test func replayOfTheCiliumFormChangesNothing() throws {
        try Flowlog.ingestSample(into: database)
        let result = try Flowlog.run(["replay", "--db", database, "--policies", "SampleFlows/policies-cilium", "--fail-on-break"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("7 policies; 0 flows would break, 0 would unblock"))
    }

    @Test func aCiliumIngressDenyOverridesANetworkPolicyAllow() throws {
        let single = try Flowlog.run(["evaluate", "--policies", "SampleFlows/policies", "--policies", "SampleFlows/policies-cilium-mixed",
                                      "--from", "production/app=frontend", "--to", "production/app=api", "--port", "3000/TCP"])
        #expect(single.status == 0, "\(single.standardError)")
        #expect(single.standardOutput == """
            DENIED  production/app=frontend -> production/app=api TCP/3000
              egress from the source: allowed by production/frontend-policy egress[0]
              ingress to the destination: denied by production/api-freeze ingressDeny[0].toPorts[0], which wins over every allow

            """)
        // Without the deny, the NetworkPolicy allows it.
        let allowed = try Flowlog.run(["evaluate", "--policies", "SampleFlows/policies",
                                       "--from", "production/app=frontend", "--to", "production/app=api", "--port", "3000/TCP"])
        #expect(allowed.standardOutput.hasPrefix("ALLOWED  "))

        try Flowlog.ingestSample(into: database)
        let replay = try Flowlog.run(["replay", "--db", database, "--policies", "SampleFlows/policies",
                                      "--policies", "SampleFlows/policies-cilium-mixed", "--fail-on-break", "-o", "json"])
        #expect(replay.status == 3)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(replay.standardOutput.utf8)) as? [String: Any])
        let groups = try #require(report["groups"] as? [[String: Any]])
        #expect(groups.count == 1)
        #expect(groups.first?["outcome"] as? String == "would_break")
        #expect(groups.first?["port"] as? Int == 3000)
        #expect((groups.first?["explanation"] as? String)?.contains("production/api-freeze ingressDeny[0].toPorts[0]") == true)
    }

    @Test func reportEvaluatesDropsAgainstCiliumPolicies() throws {
        try Flowlog.ingestSample(into: database)
        let result = try Flowlog.run(["report", "--db", database, "--since", "30d", "--until", "2026-11-21T00:00:00Z",
                                      "--policies", "SampleFlows/policies-cilium", "-o", "json"])
        #expect(result.status == 0, "\(result.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let replay = try #require(report["replay"] as? [String: Any])
        #expect(replay["policies"] as? Int == 7)
        let totals = try #require(replay["totals"] as? [String: Any])
        #expect(totals["would_break"] as? Int == 0)
        #expect(totals["unchanged_denied"] as? Int == 271)
    }

    @Test func lintWarnsAboutCiliumMistakes() throws {
        try Flowlog.ingestSample(into: database)
        let clean = try Flowlog.run(["policy", "lint", "--db", database, "SampleFlows/policies-cilium"])
        #expect(clean.status == 0)
        #expect(clean.standardOutput == "7 policies valid; 0 warnings\n")
        let result = try Flowlog.run(["policy", "lint", "--db", database, "SampleFlows/lint-cilium"])
        #expect(result.status == 0)
        let file = "SampleFlows/lint-cilium/mistakes.yaml"
        #expect(result.standardOutput == """
            \(file):16:9: warning: production/lockdown: egress[1].toServices is not supported: flowlog cannot evaluate it from flows, so verdicts that depend on it are UNKNOWN
            \(file):10:7: warning: production/lockdown: egress[0] is shadowed completely by egressDeny[0]: deny rules win, so it never allows anything
            \(file):17:7: warning: production/lockdown: egress[2] is shadowed completely by egressDeny[0]: deny rules win, so it never allows anything
            \(file):28:3: warning: production/typo: endpointSelector matches no endpoint seen in the stored flows (none of its keys has the k8s: prefix; check the label names)
            \(file):8:3: warning: production/lockdown: endpointSelector {} puts every pod of namespace production into egress default deny and no rule there allows DNS (UDP 53): pods cannot resolve names
            2 policies valid; 5 warnings

            """)
    }
}
