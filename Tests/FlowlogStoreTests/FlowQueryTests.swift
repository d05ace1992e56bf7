import Testing
@testable import FlowlogModel
@testable import FlowlogStore
import FlowlogTestSupport

/// A query built from the empty one by `change`.
private func query(_ change: (inout FlowQuery) -> Void) -> FlowQuery {
    var query = FlowQuery()
    change(&query)
    return query
}

private func selector(_ text: String) -> LabelSelector {
    // Test inputs are valid selectors.
    try! LabelSelector(parsing: text)
}

/// frontend (production) → postgres (databases), TCP 43512 → 5432, DROPPED, on kind-worker.
private let dropped = Fixtures.flow(
    verdict: .dropped, reason: .policyDenied, source: Fixtures.pod("frontend"),
    destination: Fixtures.pod("postgres", namespace: "databases", podName: "postgres-0"),
    l4: Layer4(proto: .tcp, sourcePort: 43512, destinationPort: 5432), node: "kind-worker", direction: .egress)

/// world → web (production), UDP 53000 → 53, FORWARDED, IPv6, on kind-control-plane.
private let forwarded = Fixtures.flow(
    time: Fixtures.baseSeconds + 60, verdict: .forwarded, source: Fixtures.world, destination: Fixtures.pod("web"),
    sourceIP: "2001:db8::7", destinationIP: "fd00::10", l4: Layer4(proto: .udp, sourcePort: 53000, destinationPort: 53),
    node: "kind-control-plane", direction: .ingress)

/// An ICMP echo request with type 8 held in `sourcePort`.
private let ping = Fixtures.flow(
    time: Fixtures.baseSeconds + 120, verdict: .dropped, reason: .policyDeny, source: Fixtures.pod("web"),
    destination: Fixtures.world, sourceIP: "10.0.1.20", destinationIP: "203.0.113.9",
    l4: Layer4(proto: .icmpv4, sourcePort: 8), node: "kind-worker2", direction: .egress)

/// A flow with no IP layer.
private let noIP = Fixtures.flow(time: Fixtures.baseSeconds + 180, sourceIP: nil, destinationIP: nil, l4: Layer4())

private let allFlows = [dropped, forwarded, ping, noIP]

@Suite struct FlowQueryTests {
    struct FilterCase: Sendable, CustomTestStringConvertible {
        var name: String
        var query: FlowQuery
        /// Which of `dropped`, `forwarded`, `ping`, `noIP` pass.
        var passing: [Bool]
        var testDescription: String { name }
    }

    static let filterCases: [FilterCase] = [
        FilterCase(name: "empty query", query: FlowQuery(), passing: [true, true, true, true]),
        FilterCase(name: "verdict", query: query { $0.verdicts = [.dropped] }, passing: [true, false, true, false]),
        FilterCase(name: "verdicts are alternatives", query: query { $0.verdicts = [.forwarded, .dropped] },
                   passing: [true, true, true, true]),
        FilterCase(name: "drop reason", query: query { $0.dropReasons = [.policyDeny] }, passing: [false, false, true, false]),
        FilterCase(name: "protocol", query: query { $0.protocols = [.udp] }, passing: [false, true, false, false]),
        FilterCase(name: "protocols", query: query { $0.protocols = [.tcp, .icmpv4] }, passing: [true, false, true, false]),
        FilterCase(name: "destination port", query: query { $0.ports = [5432] }, passing: [true, false, false, false]),
        FilterCase(name: "source port", query: query { $0.ports = [53000] }, passing: [false, true, false, false]),
        FilterCase(name: "ICMP type is not a port", query: query { $0.ports = [8] }, passing: [false, false, false, false]),
        FilterCase(name: "source CIDR", query: query { $0.sourceIPs = [CIDR("10.0.0.0/16")!] },
                   passing: [true, false, true, false]),
        FilterCase(name: "source CIDR /32", query: query { $0.sourceIPs = [CIDR("10.0.1.20/32")!] },
                   passing: [false, false, true, false]),
        FilterCase(name: "source IPv6 CIDR", query: query { $0.sourceIPs = [CIDR("2001:db8::/32")!] },
                   passing: [false, true, false, false]),
        FilterCase(name: "destination CIDR /0 needs an address of that family",
                   query: query { $0.destinationIPs = [CIDR("0.0.0.0/0")!] }, passing: [true, false, true, false]),
        FilterCase(name: "destination CIDRs are alternatives",
                   query: query { $0.destinationIPs = [CIDR("fd00::/8")!, CIDR("203.0.113.0/24")!] },
                   passing: [false, true, true, false]),
        FilterCase(name: "node exact", query: query { $0.nodes = ["kind-worker"] }, passing: [true, false, false, true]),
        FilterCase(name: "node glob", query: query { $0.nodes = ["kind-worker*"] }, passing: [true, false, true, true]),
        FilterCase(name: "traffic direction", query: query { $0.trafficDirections = [.ingress] },
                   passing: [false, true, false, false]),
        FilterCase(name: "since is inclusive", query: query { $0.since = Timestamp(seconds: Fixtures.baseSeconds + 60) },
                   passing: [false, true, true, true]),
        FilterCase(name: "until is exclusive", query: query { $0.until = Timestamp(seconds: Fixtures.baseSeconds + 120) },
                   passing: [true, true, false, false]),
        FilterCase(name: "since and until", query: query {
            $0.since = Timestamp(seconds: Fixtures.baseSeconds + 1)
            $0.until = Timestamp(seconds: Fixtures.baseSeconds + 121)
        }, passing: [false, true, true, false]),
        FilterCase(name: "either namespace", query: query { $0.either.namespaces = ["databases"] },
                   passing: [true, false, false, false]),
        FilterCase(name: "either namespace on either side", query: query { $0.either.namespaces = ["production"] },
                   passing: [true, true, true, true]),
        FilterCase(name: "source namespace", query: query { $0.source.namespaces = ["production"] },
                   passing: [true, false, true, true]),
        FilterCase(name: "destination namespace", query: query { $0.destination.namespaces = ["production"] },
                   passing: [false, true, false, true]),
        FilterCase(name: "destination pod", query: query { $0.destination.pods = [PodFilter(parsing: "databases/postgres")] },
                   passing: [true, false, false, false]),
        FilterCase(name: "pod without namespace means default",
                   query: query { $0.destination.pods = [PodFilter(parsing: "postgres")] }, passing: [false, false, false, false]),
        FilterCase(name: "either label", query: query { $0.either.labels = [selector("app=postgres")] },
                   passing: [true, false, false, false]),
        FilterCase(name: "source label reserved:world", query: query { $0.source.labels = [selector("reserved:world")] },
                   passing: [false, true, false, false]),
        FilterCase(name: "label selectors are alternatives",
                   query: query { $0.destination.labels = [selector("app=web"), selector("reserved:world")] },
                   passing: [false, true, true, false]),
        FilterCase(name: "different kinds must all hold",
                   query: query {
                       $0.verdicts = [.dropped]
                       $0.protocols = [.tcp]
                       $0.source.namespaces = ["production"]
                   }, passing: [true, false, false, false]),
        FilterCase(name: "different endpoint kinds must all hold",
                   query: query {
                       $0.source.namespaces = ["production"]
                       $0.source.labels = [selector("app=web")]
                   }, passing: [false, false, true, false]),
    ]

    @Test(arguments: filterCases)
    func filtersFlows(_ testCase: FilterCase) {
        #expect(allFlows.map(testCase.query.matches) == testCase.passing)
    }

    @Test func namespaceFilterUsesTheNamespaceLabelWhenTheFieldIsEmpty() {
        var flow = dropped
        flow.destination = Endpoint(podName: "postgres-0", labels: ["k8s:app=postgres", "k8s:io.kubernetes.pod.namespace=databases"])
        #expect(query { $0.destination.namespaces = ["databases"] }.matches(flow))
        #expect(query { $0.destination.pods = [PodFilter(parsing: "databases/post")] }.matches(flow))
    }

    // MARK: - Pods

    struct PodCase: Sendable, CustomTestStringConvertible {
        var text: String
        var namespace: String
        var prefix: String
        var testDescription: String { text.debugDescription }
    }

    static let podCases: [PodCase] = [
        PodCase(text: "frontend", namespace: "default", prefix: "frontend"),
        PodCase(text: "production/frontend", namespace: "production", prefix: "frontend"),
        PodCase(text: "production/", namespace: "production", prefix: ""),
        PodCase(text: "a/b/c", namespace: "a", prefix: "b/c"),
        PodCase(text: "", namespace: "default", prefix: ""),
    ]

    @Test(arguments: podCases)
    func parsesPodFilter(_ testCase: PodCase) {
        #expect(PodFilter(parsing: testCase.text) == PodFilter(namespace: testCase.namespace, namePrefix: testCase.prefix))
    }

    @Test func podFilterMatchesANamePrefixInItsNamespace() {
        let pod = Endpoint(namespace: "production", podName: "frontend-7d9c8b-x2x4q")
        #expect(PodFilter(parsing: "production/frontend").matches(pod))
        #expect(PodFilter(parsing: "production/").matches(pod))
        #expect(!PodFilter(parsing: "production/backend").matches(pod))
        #expect(!PodFilter(parsing: "frontend").matches(pod))
        #expect(PodFilter(parsing: "frontend").matches(Endpoint(namespace: "default", podName: "frontend-1")))
        // An endpoint without a pod name is not a pod.
        #expect(!PodFilter(parsing: "production/").matches(Endpoint(namespace: "production")))
    }

    // MARK: - Node patterns

    struct NodeCase: Sendable, CustomTestStringConvertible {
        var pattern: String
        var name: String
        var matches: Bool
        var testDescription: String { "\(pattern) ~ \(name)" }
    }

    static let nodeCases: [NodeCase] = [
        NodeCase(pattern: "kind-worker", name: "kind-worker", matches: true),
        NodeCase(pattern: "kind-worker", name: "kind-worker2", matches: false),
        NodeCase(pattern: "k8s*", name: "k8s-node-1", matches: true),
        NodeCase(pattern: "k8s*", name: "k8s", matches: true),
        NodeCase(pattern: "k8s*", name: "node-k8s", matches: false),
        NodeCase(pattern: "*", name: "anything", matches: true),
        NodeCase(pattern: "*", name: "", matches: true),
        NodeCase(pattern: "cluster/*", name: "cluster/node-1", matches: true),
        NodeCase(pattern: "cluster/*", name: "other/node-1", matches: false),
        NodeCase(pattern: "*/worker", name: "kind-kind/worker", matches: true),
        NodeCase(pattern: "*/worker", name: "kind-kind/worker2", matches: false),
        NodeCase(pattern: "a*b*c", name: "abc", matches: true),
        NodeCase(pattern: "a*b*c", name: "a-x-b-y-c", matches: true),
        NodeCase(pattern: "a*b*c", name: "acb", matches: false),
        NodeCase(pattern: "a*a", name: "a", matches: false),
        NodeCase(pattern: "ab*ba", name: "aba", matches: false),
        NodeCase(pattern: "ab*ba", name: "abba", matches: true),
        NodeCase(pattern: "*-worker-*", name: "gke-pool-worker-3", matches: true),
        NodeCase(pattern: "*-worker-*", name: "gke-pool-master-3", matches: false),
    ]

    @Test(arguments: nodeCases)
    func matchesNodePattern(_ testCase: NodeCase) {
        #expect(NodePattern.matches(testCase.pattern, testCase.name) == testCase.matches)
    }
}
