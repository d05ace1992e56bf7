import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
@testable import FlowlogPolicy
@testable import FlowlogEvaluation
import FlowlogTestSupport

/// One rule of the Kubernetes NetworkPolicy specification per case: policies, a flow, the
/// expected decision, and the expected reason on each side.
struct ConformanceCase: CustomStringConvertible, Sendable {
    var rule: String
    var policies: [NetworkPolicy]
    var flow: Flow
    var options = VerdictEvaluator.Options()
    var expected: Decision
    var egress: DirectionReason?
    var ingress: DirectionReason?
    var shortcut = false

    var description: String { rule }
}

private let frontend = Cluster.pod("prod", ["app": "frontend"])
private let api = Cluster.pod("prod", ["app": "api"])
private let database = Cluster.pod("prod", ["app": "database"])
private let stagingAPI = Cluster.pod("staging", ["app": "api"], namespaceLabels: ["env": "staging"])
private let monitoring = Cluster.pod("monitoring", ["app": "prometheus"], namespaceLabels: ["team": "platform"])
private let monitoringOther = Cluster.pod("monitoring", ["app": "grafana"], namespaceLabels: ["team": "platform"])

private func rule(_ direction: PolicyType, _ policy: String, _ index: Int, namespace: String = "prod") -> DirectionReason {
    .allowedBy(RuleReference(policy: "\(namespace)/\(policy)", direction: direction, index: index))
}

private let denyAllIngress = Cluster.policy("deny-in", types: [.ingress])
private let denyAllEgress = Cluster.policy("deny-out", types: [.egress])

private func withOption(_ change: (inout VerdictEvaluator.Options) -> Void) -> VerdictEvaluator.Options {
    var options = VerdictEvaluator.Options()
    change(&options)
    return options
}

let conformanceCases: [ConformanceCase] = [
    ConformanceCase(rule: "no policy: every pod is non-isolated, everything is allowed",
                    policies: [], flow: Cluster.flow(from: frontend, to: database, port: 5432),
                    expected: .allowed, egress: .notIsolated, ingress: .notIsolated),
    ConformanceCase(rule: "an empty podSelector selects every pod in the namespace: default deny ingress",
                    policies: [denyAllIngress], flow: Cluster.flow(from: frontend, to: database, port: 5432),
                    expected: .denied, egress: .notIsolated, ingress: .noRuleMatched(peerMatched: [])),
    ConformanceCase(rule: "policies isolate only pods in their own namespace",
                    policies: [denyAllIngress], flow: Cluster.flow(from: frontend, to: stagingAPI, port: 3000),
                    expected: .allowed, egress: .notIsolated, ingress: .notIsolated),
    ConformanceCase(rule: "a podSelector that does not match leaves the pod non-isolated",
                    policies: [Cluster.policy("db-only", selecting: ["app": "database"], types: [.ingress])],
                    flow: Cluster.flow(from: frontend, to: api, port: 3000),
                    expected: .allowed, egress: .notIsolated, ingress: .notIsolated),
    ConformanceCase(rule: "policyTypes omitted: Ingress is always governed",
                    policies: [Cluster.policy("p", selecting: ["app": "database"])],
                    flow: Cluster.flow(from: frontend, to: database, port: 5432),
                    expected: .denied, egress: .notIsolated, ingress: .noRuleMatched(peerMatched: [])),
    ConformanceCase(rule: "policyTypes omitted: Egress is governed when egress rules exist",
                    policies: [Cluster.policy("p", selecting: ["app": "frontend"], egress: [PolicyRule(peers: [Cluster.pods(["app": "api"])])])],
                    flow: Cluster.flow(from: frontend, to: database, port: 5432),
                    expected: .denied, egress: .noRuleMatched(peerMatched: []), ingress: .notIsolated),
    ConformanceCase(rule: "policyTypes omitted and egress: [] does not govern Egress",
                    policies: [Cluster.policy("p", selecting: ["app": "frontend"], ingress: [PolicyRule()], egress: [])],
                    flow: Cluster.flow(from: frontend, to: database, port: 5432),
                    expected: .allowed, egress: .notIsolated, ingress: .notIsolated),
    ConformanceCase(rule: "policyTypes [Egress] without egress rules denies all egress",
                    policies: [denyAllEgress], flow: Cluster.flow(from: frontend, to: api, port: 3000),
                    expected: .denied, egress: .noRuleMatched(peerMatched: []), ingress: .notIsolated),
    ConformanceCase(rule: "ingress: [{}] allows everything",
                    policies: [Cluster.policy("all", types: [.ingress], ingress: [PolicyRule()])],
                    flow: Cluster.flow(from: Cluster.world, "198.51.100.7", to: api, port: 9999),
                    expected: .allowed, egress: .notAPod("world 198.51.100.7"), ingress: rule(.ingress, "all", 0)),
    ConformanceCase(rule: "ingress: [] allows nothing",
                    policies: [Cluster.policy("none", types: [.ingress], ingress: [])],
                    flow: Cluster.flow(from: frontend, to: api, port: 3000),
                    expected: .denied, egress: .notIsolated, ingress: .noRuleMatched(peerMatched: [])),
    ConformanceCase(rule: "podSelector alone matches pods of the policy's namespace only",
                    policies: [Cluster.policy("api-in", selecting: ["app": "database"], types: [.ingress],
                                              ingress: [PolicyRule(peers: [Cluster.pods(["app": "api"])])])],
                    flow: Cluster.flow(from: stagingAPI, to: database, port: 5432),
                    expected: .denied, egress: .notIsolated, ingress: .noRuleMatched(peerMatched: [])),
    ConformanceCase(rule: "podSelector alone allows the matching pod of the same namespace",
                    policies: [Cluster.policy("api-in", selecting: ["app": "database"], types: [.ingress],
                                              ingress: [PolicyRule(peers: [Cluster.pods(["app": "api"])])])],
                    flow: Cluster.flow(from: api, to: database, port: 5432),
                    expected: .allowed, egress: .notIsolated, ingress: rule(.ingress, "api-in", 0)),
    ConformanceCase(rule: "namespaceSelector alone matches every pod of the matching namespaces",
                    policies: [Cluster.policy("mon", types: [.ingress], ingress: [PolicyRule(peers: [Cluster.namespaces(["team": "platform"])])])],
                    flow: Cluster.flow(from: monitoringOther, to: api, port: 9090),
                    expected: .allowed, egress: .notIsolated, ingress: rule(.ingress, "mon", 0)),
    ConformanceCase(rule: "namespaceSelector and podSelector in one peer must both match (AND)",
                    policies: [Cluster.policy("mon", types: [.ingress], ingress: [PolicyRule(peers: [
                        .selector(pods: Cluster.selector(["app": "prometheus"]), namespaces: Cluster.selector(["team": "platform"]))])])],
                    flow: Cluster.flow(from: monitoringOther, to: api, port: 9090),
                    expected: .denied, egress: .notIsolated, ingress: .noRuleMatched(peerMatched: [])),
    ConformanceCase(rule: "namespaceSelector and podSelector as two peers match either (OR)",
                    policies: [Cluster.policy("mon", types: [.ingress], ingress: [PolicyRule(peers: [
                        Cluster.namespaces(["team": "nobody"]), Cluster.pods(["app": "frontend"])])])],
                    flow: Cluster.flow(from: frontend, to: api, port: 3000),
                    expected: .allowed, egress: .notIsolated, ingress: rule(.ingress, "mon", 0)),
    ConformanceCase(rule: "an empty namespaceSelector matches pods in every namespace",
                    policies: [Cluster.policy("any-ns", types: [.ingress], ingress: [PolicyRule(peers: [.selector(pods: nil, namespaces: LabelSelector())])])],
                    flow: Cluster.flow(from: stagingAPI, to: api, port: 3000),
                    expected: .allowed, egress: .notIsolated, ingress: rule(.ingress, "any-ns", 0)),
    ConformanceCase(rule: "the implicit kubernetes.io/metadata.name namespace label selects a namespace by name",
                    policies: [Cluster.policy("by-name", types: [.ingress], ingress: [PolicyRule(peers: [Cluster.namespaces(["kubernetes.io/metadata.name": "staging"])])])],
                    flow: Cluster.flow(from: stagingAPI, to: api, port: 3000),
                    expected: .allowed, egress: .notIsolated, ingress: rule(.ingress, "by-name", 0)),
    ConformanceCase(rule: "a namespaceSelector does not match the world",
                    policies: [Cluster.policy("any-ns", types: [.ingress], ingress: [PolicyRule(peers: [.selector(pods: nil, namespaces: LabelSelector())])])],
                    flow: Cluster.flow(from: Cluster.world, "198.51.100.7", to: api, port: 3000),
                    expected: .denied, egress: .notAPod("world 198.51.100.7"), ingress: .noRuleMatched(peerMatched: [])),
    ConformanceCase(rule: "ipBlock matches an outside address inside its cidr",
                    policies: [Cluster.policy("out", selecting: ["app": "api"], types: [.egress], egress: [
                        PolicyRule(peers: [.ipBlock(IPBlock(cidr: CIDR("203.0.113.0/24")!))], ports: [Cluster.tcp(443)])])],
                    flow: Cluster.flow(from: api, to: Cluster.world, "203.0.113.10", port: 443),
                    expected: .allowed, egress: rule(.egress, "out", 0), ingress: .notAPod("world 203.0.113.10")),
    ConformanceCase(rule: "ipBlock except carves addresses out of the cidr",
                    policies: [Cluster.policy("out", selecting: ["app": "api"], types: [.egress], egress: [
                        PolicyRule(peers: [.ipBlock(IPBlock(cidr: CIDR("203.0.113.0/24")!, except: [CIDR("203.0.113.0/28")!]))])])],
                    flow: Cluster.flow(from: api, to: Cluster.world, "203.0.113.10", port: 443),
                    expected: .denied, egress: .noRuleMatched(peerMatched: []), ingress: .notAPod("world 203.0.113.10")),
    ConformanceCase(rule: "ipBlock works for IPv6 and never across families",
                    policies: [Cluster.policy("out", selecting: ["app": "api"], types: [.egress], egress: [
                        PolicyRule(peers: [.ipBlock(IPBlock(cidr: CIDR("2001:db8::/32")!)), .ipBlock(IPBlock(cidr: CIDR("0.0.0.0/0")!))])])],
                    flow: Cluster.flow(from: api, "fd00::1", to: Cluster.world, "2001:db8::5", port: 443),
                    expected: .allowed, egress: rule(.egress, "out", 0), ingress: .notAPod("world 2001:db8::5")),
    ConformanceCase(rule: "ipBlock does not match a pod's address (Cilium's reading)",
                    policies: [Cluster.policy("in", types: [.ingress], ingress: [PolicyRule(peers: [.ipBlock(IPBlock(cidr: CIDR("10.0.0.0/8")!))])])],
                    flow: Cluster.flow(from: frontend, "10.0.1.1", to: api, port: 3000),
                    expected: .denied, egress: .notIsolated, ingress: .noRuleMatched(peerMatched: [])),
    ConformanceCase(rule: "with --ipblock-matches-pod-ips, ipBlock matches a pod's address (iptables reading)",
                    policies: [Cluster.policy("in", types: [.ingress], ingress: [PolicyRule(peers: [.ipBlock(IPBlock(cidr: CIDR("10.0.0.0/8")!))])])],
                    flow: Cluster.flow(from: frontend, "10.0.1.1", to: api, port: 3000),
                    options: withOption { $0.ipBlockMatchesPodIPs = true },
                    expected: .allowed, egress: .notIsolated, ingress: rule(.ingress, "in", 0)),
    ConformanceCase(rule: "ipBlock does not match another node by default",
                    policies: [Cluster.policy("in", types: [.ingress], ingress: [PolicyRule(peers: [.ipBlock(IPBlock(cidr: CIDR("10.20.0.0/16")!))])])],
                    flow: Cluster.flow(from: Cluster.remoteNode, "10.20.0.5", to: api, port: 3000),
                    expected: .denied, egress: .notAPod("remote-node"), ingress: .noRuleMatched(peerMatched: [])),
    ConformanceCase(rule: "absent ports match every port",
                    policies: [Cluster.policy("in", types: [.ingress], ingress: [PolicyRule(peers: [Cluster.pods(["app": "frontend"])])])],
                    flow: Cluster.flow(from: frontend, to: api, proto: .udp, port: 9999),
                    expected: .allowed, egress: .notIsolated, ingress: rule(.ingress, "in", 0)),
    ConformanceCase(rule: "a port without protocol means TCP: UDP on that port is not matched",
                    policies: [Cluster.policy("in", types: [.ingress], ingress: [PolicyRule(peers: nil, ports: [PortSpec(port: .number(53))])])],
                    flow: Cluster.flow(from: frontend, to: api, proto: .udp, port: 53),
                    expected: .denied, egress: .notIsolated,
                    ingress: .noRuleMatched(peerMatched: [RuleReference(policy: "prod/in", direction: .ingress, index: 0)])),
    ConformanceCase(rule: "a protocol without a port matches every port of that protocol",
                    policies: [Cluster.policy("in", types: [.ingress], ingress: [PolicyRule(ports: [PortSpec(proto: .udp)])])],
                    flow: Cluster.flow(from: frontend, to: api, proto: .udp, port: 5353),
                    expected: .allowed, egress: .notIsolated, ingress: rule(.ingress, "in", 0)),
    ConformanceCase(rule: "endPort makes an inclusive range: the last port matches",
                    policies: [Cluster.policy("in", types: [.ingress], ingress: [PolicyRule(ports: [Cluster.tcp(32000, to: 32768)])])],
                    flow: Cluster.flow(from: frontend, to: api, port: 32768),
                    expected: .allowed, egress: .notIsolated, ingress: rule(.ingress, "in", 0)),
    ConformanceCase(rule: "endPort range: one past the end does not match",
                    policies: [Cluster.policy("in", types: [.ingress], ingress: [PolicyRule(ports: [Cluster.tcp(32000, to: 32768)])])],
                    flow: Cluster.flow(from: frontend, to: api, port: 32769),
                    expected: .denied, egress: .notIsolated,
                    ingress: .noRuleMatched(peerMatched: [RuleReference(policy: "prod/in", direction: .ingress, index: 0)])),
    ConformanceCase(rule: "ICMP matches only rules without ports",
                    policies: [Cluster.policy("in", types: [.ingress], ingress: [
                        PolicyRule(ports: [Cluster.tcp(80)]), PolicyRule(peers: [Cluster.pods(["app": "frontend"])])])],
                    flow: Cluster.flow(from: frontend, to: api, proto: .icmpv4, port: 0),
                    expected: .allowed, egress: .notIsolated, ingress: rule(.ingress, "in", 1)),
    ConformanceCase(rule: "ICMP is not matched by a rule with ports",
                    policies: [Cluster.policy("in", types: [.ingress], ingress: [PolicyRule(ports: [Cluster.tcp(80)])])],
                    flow: Cluster.flow(from: frontend, to: api, proto: .icmpv4, port: 0),
                    expected: .denied, egress: .notIsolated,
                    ingress: .noRuleMatched(peerMatched: [RuleReference(policy: "prod/in", direction: .ingress, index: 0)])),
    ConformanceCase(rule: "a named port that the flow cannot resolve gives UNKNOWN",
                    policies: [Cluster.policy("in", types: [.ingress], ingress: [PolicyRule(ports: [PortSpec(port: .name("http"))])])],
                    flow: Cluster.flow(from: frontend, to: api, port: 8080),
                    expected: .unknown, egress: .notIsolated,
                    ingress: .namedPortUnresolved(RuleReference(policy: "prod/in", direction: .ingress, index: 0), port: "http")),
    ConformanceCase(rule: "a named port resolved from the destination pod's container ports",
                    policies: [Cluster.policy("in", types: [.ingress], ingress: [PolicyRule(ports: [PortSpec(port: .name("http"))])])],
                    flow: Cluster.flow(from: frontend, to: api, port: 8080),
                    options: withOption { $0.namedPorts = ["prod/api-7d4f-x1": [NamedPort(name: "http", proto: .tcp, port: 8080)]] },
                    expected: .allowed, egress: .notIsolated, ingress: rule(.ingress, "in", 0)),
    ConformanceCase(rule: "a resolved named port on another number does not match",
                    policies: [Cluster.policy("in", types: [.ingress], ingress: [PolicyRule(ports: [PortSpec(port: .name("http"))])])],
                    flow: Cluster.flow(from: frontend, to: api, port: 9090),
                    options: withOption { $0.namedPorts = ["prod/api-7d4f-x1": [NamedPort(name: "http", proto: .tcp, port: 8080)]] },
                    expected: .denied, egress: .notIsolated,
                    ingress: .noRuleMatched(peerMatched: [RuleReference(policy: "prod/in", direction: .ingress, index: 0)])),
    ConformanceCase(rule: "allows are the union over every policy that selects the pod",
                    policies: [denyAllIngress, Cluster.policy("allow-fe", selecting: ["app": "api"], types: [.ingress],
                                                              ingress: [PolicyRule(peers: [Cluster.pods(["app": "frontend"])])])],
                    flow: Cluster.flow(from: frontend, to: api, port: 3000),
                    expected: .allowed, egress: .notIsolated, ingress: rule(.ingress, "allow-fe", 0)),
    ConformanceCase(rule: "both sides are checked: the source's egress can deny what the destination allows",
                    policies: [denyAllEgress, Cluster.policy("all-in", types: [.ingress], ingress: [PolicyRule()])],
                    flow: Cluster.flow(from: frontend, to: api, port: 3000),
                    expected: .denied, egress: .noRuleMatched(peerMatched: []), ingress: rule(.ingress, "all-in", 0)),
    ConformanceCase(rule: "matchExpressions NotIn selects pods without the key",
                    policies: [Cluster.policy("in", types: [.ingress], ingress: [PolicyRule(peers: [
                        .selector(pods: LabelSelector(requirements: [.init(key: "tier", op: .notIn, values: ["web"])]), namespaces: nil)])])],
                    flow: Cluster.flow(from: frontend, to: api, port: 3000),
                    expected: .allowed, egress: .notIsolated, ingress: rule(.ingress, "in", 0)),
    ConformanceCase(rule: "matchExpressions DoesNotExist excludes pods with the key",
                    policies: [Cluster.policy("in", types: [.ingress], ingress: [PolicyRule(peers: [
                        .selector(pods: LabelSelector(requirements: [.init(key: "app", op: .doesNotExist)]), namespaces: nil)])])],
                    flow: Cluster.flow(from: frontend, to: api, port: 3000),
                    expected: .denied, egress: .notIsolated, ingress: .noRuleMatched(peerMatched: [])),
    ConformanceCase(rule: "--namespaces adds namespace labels the flow did not carry",
                    policies: [Cluster.policy("in", types: [.ingress], ingress: [PolicyRule(peers: [Cluster.namespaces(["tier": "ops"])])])],
                    flow: Cluster.flow(from: monitoring, to: api, port: 3000),
                    options: withOption { $0.namespaces = ["monitoring": ["tier": "ops"]] },
                    expected: .allowed, egress: .notIsolated, ingress: rule(.ingress, "in", 0)),
    ConformanceCase(rule: "a reply is allowed with its connection", policies: [denyAllIngress, denyAllEgress],
                    flow: Cluster.flow(from: database, to: frontend, port: 40000, isReply: true),
                    expected: .allowed, shortcut: true),
    ConformanceCase(rule: "a pod can always reach itself", policies: [denyAllIngress, denyAllEgress],
                    flow: Cluster.flow(from: api, to: api, port: 3000), expected: .allowed, shortcut: true),
    ConformanceCase(rule: "two pods with the same labels are not the same pod", policies: [denyAllIngress],
                    flow: Cluster.flow(from: Cluster.pod("prod", ["app": "api"], name: "api-1"), to: Cluster.pod("prod", ["app": "api"], name: "api-2"), port: 3000),
                    expected: .denied, egress: .notIsolated, ingress: .noRuleMatched(peerMatched: [])),
    ConformanceCase(rule: "traffic from the pod's own node is always allowed", policies: [denyAllIngress],
                    flow: Cluster.flow(from: Cluster.host, to: api, port: 3000), expected: .allowed, shortcut: true),
    ConformanceCase(rule: "traffic from the world to a non-isolated pod is allowed", policies: [],
                    flow: Cluster.flow(from: Cluster.world, "198.51.100.7", to: api, port: 3000),
                    expected: .allowed, egress: .notAPod("world 198.51.100.7"), ingress: .notIsolated),
]

@Suite struct VerdictEvaluatorTests {
    @Test(arguments: conformanceCases)
    func followsTheSpecification(_ testCase: ConformanceCase) {
        let evaluator = VerdictEvaluator(policies: testCase.policies, options: testCase.options)
        let evaluation = evaluator.evaluate(testCase.flow)
        #expect(evaluation.decision == testCase.expected)
        #expect((evaluation.shortcut != nil) == testCase.shortcut)
        if let egress = testCase.egress { #expect(evaluation.egress.reason == egress) }
        if let ingress = testCase.ingress { #expect(evaluation.ingress.reason == ingress) }
    }

    @Test func explanationsNameTheIsolatingPoliciesAndTheRule() {
        let policies = [denyAllIngress, Cluster.policy("allow-fe", selecting: ["app": "api"], types: [.ingress],
                                                       ingress: [PolicyRule(peers: [Cluster.pods(["app": "frontend"])], ports: [Cluster.tcp(3000)])])]
        let evaluator = VerdictEvaluator(policies: policies)
        let allowed = evaluator.evaluate(Cluster.flow(from: frontend, to: api, port: 3000))
        #expect(allowed.explanation == "egress from the source: allowed, no policy isolates the pod for Egress; ingress to the destination: allowed by prod/allow-fe ingress[0]")
        #expect(allowed.ingress.isolatingPolicies == ["prod/allow-fe", "prod/deny-in"])
        let wrongPort = evaluator.evaluate(Cluster.flow(from: frontend, to: api, port: 22))
        #expect(wrongPort.ingress.explanation == "ingress to the destination: denied, isolated by prod/allow-fe, prod/deny-in; the peer matches prod/allow-fe ingress[0] but not the port")
        let wrongPeer = evaluator.evaluate(Cluster.flow(from: database, to: api, port: 3000))
        #expect(wrongPeer.ingress.explanation == "ingress to the destination: denied, isolated by prod/allow-fe, prod/deny-in; no rule allows this peer")
    }
}
