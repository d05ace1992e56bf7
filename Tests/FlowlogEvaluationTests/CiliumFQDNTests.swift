import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogPolicy
@testable import FlowlogEvaluation
import FlowlogTestSupport

/// `toFQDNs` as Cilium's documentation ("DNS based") states it: a selector matches one of the
/// DNS names Hubble recorded for the destination (`destination_names`).
@Suite struct CiliumFQDNTests {
    // MARK: - One selector against one name

    struct SelectorCase: CustomTestStringConvertible, Sendable {
        var selector: CiliumFQDNSelector
        var name: String
        var matches: Bool
        var testDescription: String { "\(selector) vs \(name)" }
    }

    static func name(_ text: String) -> CiliumFQDNSelector { CiliumFQDNSelector(matchName: text) }
    static func pattern(_ text: String) -> CiliumFQDNSelector { CiliumFQDNSelector(matchPattern: text) }

    static let selectorCases: [SelectorCase] = [
        // matchName: exactly the name, case-insensitive, trailing dot optional on either side.
        SelectorCase(selector: name("cilium.io"), name: "cilium.io", matches: true),
        SelectorCase(selector: name("cilium.io"), name: "cilium.io.", matches: true),
        SelectorCase(selector: name("cilium.io."), name: "cilium.io", matches: true),
        SelectorCase(selector: name("Cilium.IO"), name: "cilium.io", matches: true),
        SelectorCase(selector: name("cilium.io"), name: "CILIUM.io.", matches: true),
        SelectorCase(selector: name("cilium.io"), name: "sub.cilium.io", matches: false),
        SelectorCase(selector: name("sub.cilium.io"), name: "cilium.io", matches: false),
        SelectorCase(selector: name("cilium.io"), name: "cilium.io.evil.example", matches: false),
        SelectorCase(selector: name("cilium.io"), name: "ciliumXio", matches: false),
        // matchPattern: `*` is zero or more DNS characters within one label.
        SelectorCase(selector: pattern("*.cilium.io"), name: "sub.cilium.io", matches: true),
        SelectorCase(selector: pattern("*.cilium.io"), name: "sub.cilium.io.", matches: true),
        SelectorCase(selector: pattern("*.cilium.io"), name: "SUB.Cilium.io", matches: true),
        SelectorCase(selector: pattern("*.cilium.io"), name: "cilium.io", matches: false),
        SelectorCase(selector: pattern("*.cilium.io"), name: "sub.sub.cilium.io", matches: false),
        SelectorCase(selector: pattern("*.cilium.io"), name: "a_b-c9.cilium.io", matches: true),
        SelectorCase(selector: pattern("part*ial.com"), name: "partial.com", matches: true),
        SelectorCase(selector: pattern("part*ial.com"), name: "part-extra-ial.com", matches: true),
        SelectorCase(selector: pattern("part*ial.com"), name: "part.extra.ial.com", matches: false),
        SelectorCase(selector: pattern("*cilium.io"), name: "cilium.io", matches: true),
        SelectorCase(selector: pattern("*cilium.io"), name: "getcilium.io", matches: true),
        SelectorCase(selector: pattern("*cilium.io"), name: "sub.cilium.io", matches: false),
        SelectorCase(selector: pattern("special*service.api.cilium.io"), name: "special-region1-service.api.cilium.io", matches: true),
        SelectorCase(selector: pattern("special*service.api.cilium.io"), name: "special.region1.service.api.cilium.io", matches: false),
        SelectorCase(selector: pattern("a*b*c.io"), name: "abc.io", matches: true),
        SelectorCase(selector: pattern("a*b*c.io"), name: "axxbyybzc.io", matches: true),
        SelectorCase(selector: pattern("a*b*c.io"), name: "axxbyy.c.io", matches: false),
        SelectorCase(selector: pattern("*.*.io"), name: "a.b.io", matches: true),
        SelectorCase(selector: pattern("*.*.io"), name: "a.b.c.io", matches: false),
        // A pattern without a star is a name.
        SelectorCase(selector: pattern("cilium.io"), name: "Cilium.io.", matches: true),
        SelectorCase(selector: pattern("cilium.io"), name: "sub.cilium.io", matches: false),
        // `*` alone matches every name.
        SelectorCase(selector: pattern("*"), name: "a.b.c.example.com", matches: true),
        SelectorCase(selector: pattern("*"), name: ".", matches: true),
        SelectorCase(selector: pattern("*."), name: "x.example", matches: true),
    ]

    @Test(arguments: selectorCases)
    func selectorMatchesAName(_ test: SelectorCase) {
        #expect(test.selector.matches(test.name) == test.matches)
    }

    @Test func aPatternOfManyStarsAgainstALongNameStaysCheap() {
        let selector = Self.pattern(String(repeating: "*a", count: 120) + "b")
        #expect(!selector.matches(String(repeating: "a", count: 250)))
        #expect(selector.matches(String(repeating: "a", count: 249) + "b"))
    }

    struct ProblemCase: CustomTestStringConvertible, Sendable {
        var selector: CiliumFQDNSelector
        var problem: String?
        var testDescription: String { selector.description }
    }

    static let problemCases: [ProblemCase] = [
        ProblemCase(selector: name("cilium.io."), problem: nil),
        ProblemCase(selector: name("_cilium.io"), problem: nil),
        ProblemCase(selector: pattern("*._cilium.io"), problem: nil),
        ProblemCase(selector: name("a{1,2}.cilium.io."), problem: "matchName \"a{1,2}.cilium.io.\" may hold only letters, digits, '-', '_' and '.'"),
        ProblemCase(selector: name("*.cilium.io"), problem: "matchName \"*.cilium.io\" may hold only letters, digits, '-', '_' and '.'"),
        ProblemCase(selector: pattern("[a-z]*.cilium.io."),
                    problem: "matchPattern \"[a-z]*.cilium.io.\" may hold only letters, digits, '-', '_', '.' and '*'"),
        ProblemCase(selector: CiliumFQDNSelector(matchName: "cilium.io", matchPattern: "*cilium.io"),
                    problem: "matchName and matchPattern are exclusive; give one"),
    ]

    @Test(arguments: problemCases)
    func invalidSelectorsAreNamed(_ test: ProblemCase) {
        #expect(test.selector.problem == test.problem)
    }

    // MARK: - Verdicts

    struct VerdictCase: CustomTestStringConvertible, Sendable {
        var name: String
        var policies: String
        var to: Endpoint = Cluster.world
        var toIP = "198.51.100.7"
        var names: [String]
        var port: UInt16 = 443
        var decision: Decision
        var explanation: String? = nil
        var testDescription: String { name }
    }

    static let web = Cluster.pod("prod", ["app": "web"])
    static let api = Cluster.pod("prod", ["app": "api"])
    static let fqdnIdentity = Endpoint(identity: 16_777_301, labels: ["fqdn:api.example.com", "reserved:world"])

    static func egress(_ rules: String, name: String = "out") -> String {
        CiliumVerdictTests.cnp(name, "endpointSelector: {matchLabels: {app: web}}\negress:\n" + rules)
    }

    static let byName = egress("- toFQDNs: [{matchName: api.example.com}]\n  toPorts: [{ports: [{port: \"443\", protocol: TCP}]}]")

    static let verdictCases: [VerdictCase] = [
        VerdictCase(name: "a recorded name matches matchName", policies: byName, names: ["api.example.com"], decision: .allowed,
                    explanation: "egress from the source: allowed by prod/out egress[0].toPorts[0] "
                        + "(egress[0].toFQDNs[0] (matchName api.example.com) matches the destination name api.example.com)"),
        VerdictCase(name: "one of several names is enough", policies: byName, names: ["cdn.example.net", "API.example.com."],
                    decision: .allowed, explanation: "matches the destination name API.example.com."),
        VerdictCase(name: "another name: default deny, and the explanation lists the names", policies: byName,
                    names: ["www.example.org"], decision: .denied,
                    explanation: "egress from the source: denied, isolated by prod/out; no rule allows this peer "
                        + "(prod/out egress[0] toFQDNs matches none of the destination names (www.example.org))"),
        VerdictCase(name: "no names: cannot match, and says so", policies: byName, names: [], decision: .denied,
                    explanation: "prod/out egress[0] toFQDNs cannot match: the flow recorded no destination names"),
        VerdictCase(name: "the name matches but not the port", policies: byName, names: ["api.example.com"], port: 80,
                    decision: .denied, explanation: "the peer matches prod/out egress[0] but not the port"),
        VerdictCase(name: "an FQDN identity with a name that matches", policies: byName, to: fqdnIdentity,
                    names: ["api.example.com"], decision: .allowed),
        VerdictCase(name: "an FQDN identity whose names match nothing is denied, not unknown", policies: byName, to: fqdnIdentity,
                    names: ["other.example.com"], decision: .denied),
        VerdictCase(name: "a pod's address is never selected by name", policies: byName, to: api, toIP: "10.0.2.2",
                    names: ["api.example.com"], decision: .denied),
        VerdictCase(name: "matchPattern one label deep",
                    policies: egress("- toFQDNs: [{matchPattern: \"*.example.com\"}]"), names: ["eu.example.com"], decision: .allowed,
                    explanation: "egress[0].toFQDNs[0] (matchPattern *.example.com) matches the destination name eu.example.com"),
        VerdictCase(name: "matchPattern does not reach two labels deep",
                    policies: egress("- toFQDNs: [{matchPattern: \"*.example.com\"}]"), names: ["a.eu.example.com"], decision: .denied),
        VerdictCase(name: "the second selector of a rule", policies: egress("- toFQDNs: [{matchName: a.example}, {matchPattern: \"*\"}]"),
                    names: ["anything.example.net"], decision: .allowed, explanation: "egress[0].toFQDNs[1] (matchPattern *)"),
        VerdictCase(name: "the second rule", policies: egress("- toEntities: [cluster]\n- toFQDNs: [{matchName: a.example}]"),
                    names: ["a.example."], decision: .allowed, explanation: "allowed by prod/out egress[1]"),
        VerdictCase(name: "an egressDeny of world wins over a name allow",
                    policies: byName + CiliumVerdictTests.cnp("deny", "endpointSelector: {}\negressDeny: [{toEntities: [world]}]"),
                    names: ["api.example.com"], decision: .denied, explanation: "denied by prod/deny egressDeny[0]"),
        VerdictCase(name: "a rule in another namespace's policy does not select the pod",
                    policies: CiliumVerdictTests.cnp("out", namespace: "staging", "endpointSelector: {}\negress: [{toFQDNs: [{matchName: a.example}]}]"),
                    names: ["a.example"], decision: .allowed, explanation: "no policy isolates the pod for Egress"),
    ]

    @Test(arguments: verdictCases)
    func toFQDNsDecidesByTheRecordedNames(_ test: VerdictCase) throws {
        let loaded = try PolicyLoader.load(yaml: test.policies, file: "t.yaml")
        let evaluator = VerdictEvaluator(policies: loaded.policies, ciliumPolicies: loaded.ciliumPolicies)
        var flow = Cluster.flow(from: Self.web, to: test.to, test.toIP, port: test.port)
        flow.destinationNames = test.names
        let evaluation = evaluator.evaluate(flow)
        #expect(evaluation.decision == test.decision, "\(evaluation.explanation)")
        if let text = test.explanation {
            #expect(evaluation.explanation.contains(text), "\(evaluation.explanation)")
        }
        // The cache answers the same.
        #expect(EvaluationCache(evaluator: evaluator).evaluate(flow) == evaluation)
    }

    @Test func theCacheTellsFlowsApartByTheirDestinationNames() throws {
        let loaded = try PolicyLoader.load(yaml: Self.byName, file: "t.yaml")
        let cache = EvaluationCache(evaluator: VerdictEvaluator(policies: [], ciliumPolicies: loaded.ciliumPolicies))
        var named = Cluster.flow(from: Self.web, to: Cluster.world, "198.51.100.7", port: 443)
        named.destinationNames = ["api.example.com"]
        var other = named
        other.destinationNames = ["www.example.org"]
        #expect(cache.evaluate(named).decision == .allowed)
        #expect(cache.evaluate(other).decision == .denied)
        #expect(cache.evaluate(named).decision == .allowed)
        #expect(cache.hits == 1)
    }

    @Test func withoutToFQDNsRulesNamesDoNotSplitTheCache() throws {
        let loaded = try PolicyLoader.load(yaml: Self.egress("- toEntities: [world]"), file: "t.yaml")
        let evaluator = VerdictEvaluator(policies: [], ciliumPolicies: loaded.ciliumPolicies)
        #expect(!evaluator.readsDestinationNames)
        let cache = EvaluationCache(evaluator: evaluator)
        var named = Cluster.flow(from: Self.web, to: Cluster.world, "198.51.100.7", port: 443)
        named.destinationNames = ["a.example"]
        var other = named
        other.destinationNames = ["b.example"]
        _ = cache.evaluate(named)
        _ = cache.evaluate(other)
        #expect(cache.hits == 1)
    }

    @Test func replayJudgesAReplyByItsServersNames() throws {
        let loaded = try PolicyLoader.load(yaml: Self.byName, file: "t.yaml")
        let evaluator = VerdictEvaluator(policies: [], ciliumPolicies: loaded.ciliumPolicies)
        func connection(names: [String], isReply: Bool, verdict: Verdict) -> ConnectionCount {
            ConnectionCount(source: isReply ? Cluster.world : Self.web, destination: isReply ? Self.web : Cluster.world,
                            sourceIP: isReply ? IPAddress("198.51.100.7") : nil, destinationIP: isReply ? nil : IPAddress("198.51.100.7"),
                            proto: .tcp, port: 443, names: names, isReply: isReply, verdict: verdict, reason: .unknown,
                            isPolicyVerdictEvent: false, count: 1, firstSeen: Timestamp(rawValue: 0), lastSeen: Timestamp(rawValue: 0))
        }
        let report = PolicyReplay.run([
            connection(names: ["api.example.com"], isReply: false, verdict: .forwarded),
            connection(names: ["api.example.com"], isReply: true, verdict: .forwarded),
            connection(names: ["www.example.org"], isReply: false, verdict: .forwarded),
        ], evaluator: evaluator)
        #expect(report.total(.unchangedAllowed) == 2)
        #expect(report.total(.wouldBreak) == 1)
    }
}
