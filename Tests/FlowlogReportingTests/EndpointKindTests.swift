import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
@testable import FlowlogPolicy
@testable import FlowlogEvaluation
@testable import FlowlogReporting
import FlowlogTestSupport

/// A frontend pod as Cilium labels it.
private let podLabels = ["k8s:app=frontend", "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=production",
                         "k8s:io.cilium.k8s.policy.serviceaccount=frontend", "k8s:io.kubernetes.pod.namespace=production"]

@Suite struct EndpointKindTests {
    struct KindCase: Sendable, CustomTestStringConvertible {
        var name: String
        var endpoint: Endpoint
        var kind: EndpointKind
        /// What grouping and descriptions show; nil for a pod.
        var shown: String?
        var testDescription: String { name }
    }

    static let cases: [KindCase] = [
        // Pods.
        KindCase(name: "pod", endpoint: Endpoint(identity: 48213, namespace: "production", podName: "frontend-x",
                                                 labels: podLabels), kind: .pod, shown: nil),
        KindCase(name: "pod namespace label only", endpoint: Endpoint(identity: 31458, labels: ["k8s:io.kubernetes.pod.namespace=jobs"]),
                 kind: .pod, shown: nil),
        KindCase(name: "namespace and pod name without labels",
                 endpoint: Endpoint(identity: 23117, namespace: "production", podName: "api-0"), kind: .pod, shown: nil),
        KindCase(name: "k8s labels without a namespace", endpoint: Endpoint(labels: ["k8s:app=x"]), kind: .pod, shown: nil),
        KindCase(name: "container labels", endpoint: Endpoint(labels: ["container:app=legacy"]), kind: .pod, shown: nil),
        KindCase(name: "well-known identity of kube-dns", endpoint: Endpoint(identity: 102, namespace: "kube-system",
            labels: ["k8s:io.kubernetes.pod.namespace=kube-system", "k8s:k8s-app=kube-dns"]), kind: .pod, shown: nil),
        KindCase(name: "API server running as a pod", endpoint: Endpoint(identity: 70001, namespace: "tenant-a",
            podName: "kube-apiserver-0", labels: ["k8s:app=kube-apiserver", "k8s:io.kubernetes.pod.namespace=tenant-a",
                                                  "reserved:kube-apiserver"]), kind: .pod, shown: nil),
        // The world.
        KindCase(name: "reserved:world", endpoint: Endpoint(identity: 2, labels: ["reserved:world"]),
                 kind: .world(.reserved), shown: "world"),
        KindCase(name: "identity 2 without labels", endpoint: Endpoint(identity: 2), kind: .world(.reserved), shown: "world"),
        KindCase(name: "identity 9 without labels", endpoint: Endpoint(identity: 9), kind: .world(.reserved), shown: "world"),
        KindCase(name: "identity 10 without labels", endpoint: Endpoint(identity: 10), kind: .world(.reserved), shown: "world"),
        KindCase(name: "reserved:world-ipv4 without a number", endpoint: Endpoint(labels: ["reserved:world-ipv4"]),
                 kind: .world(.reserved), shown: "world"),
        KindCase(name: "reserved:world-ipv6", endpoint: Endpoint(identity: 10, labels: ["reserved:world-ipv6"]),
                 kind: .world(.reserved), shown: "world"),
        KindCase(name: "CIDR identity", endpoint: Endpoint(identity: 16_777_217, labels: ["cidr:1.1.1.1/32", "reserved:world-ipv4"]),
                 kind: .world(.cidr), shown: "world"),
        KindCase(name: "cidr label only", endpoint: Endpoint(identity: 16_777_218, labels: ["cidr:203.0.113.0/24"]),
                 kind: .world(.cidr), shown: "world"),
        KindCase(name: "cidr label without a number", endpoint: Endpoint(labels: ["cidr:0--1/128"]), kind: .world(.cidr),
                 shown: "world"),
        KindCase(name: "CIDR group", endpoint: Endpoint(identity: 16_777_230, labels: ["cidrgroup:io.cilium.policy.cidrgroupname/partners"]),
                 kind: .world(.cidr), shown: "world"),
        KindCase(name: "fqdn label only", endpoint: Endpoint(identity: 16_777_219, labels: ["fqdn:one.one.one.one."]),
                 kind: .world(.fqdn), shown: "world"),
        KindCase(name: "fqdn, cidr and world", endpoint: Endpoint(identity: 16_777_220,
            labels: ["cidr:1.1.1.1/32", "fqdn:one.one.one.one.", "reserved:world"]), kind: .world(.fqdn), shown: "world"),
        KindCase(name: "world number with a cidr label", endpoint: Endpoint(identity: 2, labels: ["cidr:8.8.8.8/32"]),
                 kind: .world(.cidr), shown: "world"),
        KindCase(name: "k8s labels and reserved:world", endpoint: Endpoint(identity: 60000, namespace: "production",
            labels: ["k8s:app=x", "k8s:io.kubernetes.pod.namespace=production", "reserved:world"]), kind: .world(.reserved), shown: "world"),
        KindCase(name: "k8s labels and a cidr label", endpoint: Endpoint(labels: ["cidr:1.1.1.1/32", "k8s:app=x"]),
                 kind: .world(.cidr), shown: "world"),
        KindCase(name: "world number with a stale pod name", endpoint: Endpoint(identity: 2, namespace: "production",
            podName: "gone-pod", labels: ["reserved:world"]), kind: .world(.reserved), shown: "world"),
        KindCase(name: "API server outside the cluster", endpoint: Endpoint(identity: 16_777_221,
            labels: ["cidr:192.0.2.10/32", "reserved:kube-apiserver", "reserved:world"]), kind: .world(.cidr), shown: "world"),
        KindCase(name: "node-local identity without labels", endpoint: Endpoint(identity: 16_777_259), kind: .world(.cidr),
                 shown: "world"),
        // Nodes and the API server.
        KindCase(name: "host", endpoint: Endpoint(identity: 1, labels: ["reserved:host"]), kind: .host, shown: "host"),
        KindCase(name: "host that runs the API server", endpoint: Endpoint(identity: 1, labels: ["reserved:host", "reserved:kube-apiserver"]),
                 kind: .host, shown: "host"),
        KindCase(name: "identity 1 without labels", endpoint: Endpoint(identity: 1), kind: .host, shown: "host"),
        KindCase(name: "reserved:host without a number", endpoint: Endpoint(labels: ["reserved:host"]), kind: .host, shown: "host"),
        KindCase(name: "host-network pod", endpoint: Endpoint(identity: 1, namespace: "kube-system", podName: "kube-proxy-abc",
            labels: ["reserved:host"]), kind: .host, shown: "host"),
        KindCase(name: "identity 1 with k8s labels", endpoint: Endpoint(identity: 1, labels: ["k8s:app=x"]), kind: .host,
                 shown: "host"),
        KindCase(name: "remote node", endpoint: Endpoint(identity: 6, labels: ["reserved:remote-node"]), kind: .remoteNode,
                 shown: "remote-node"),
        KindCase(name: "identity 6 without labels", endpoint: Endpoint(identity: 6), kind: .remoteNode, shown: "remote-node"),
        KindCase(name: "remote node selected by CIDR", endpoint: Endpoint(identity: 16_777_300,
            labels: ["cidr:172.18.0.3/32", "reserved:remote-node"]), kind: .remoteNode, shown: "remote-node"),
        KindCase(name: "remote-node-scoped identity without labels", endpoint: Endpoint(identity: 33_554_433), kind: .remoteNode,
                 shown: "remote-node"),
        KindCase(name: "API server on a remote node", endpoint: Endpoint(identity: 7, labels: ["reserved:kube-apiserver", "reserved:remote-node"]),
                 kind: .kubeAPIServer, shown: "kube-apiserver"),
        KindCase(name: "identity 7 without labels", endpoint: Endpoint(identity: 7), kind: .kubeAPIServer, shown: "kube-apiserver"),
        KindCase(name: "remote node API server labels without a number", endpoint: Endpoint(identity: 33_554_500,
            labels: ["reserved:kube-apiserver", "reserved:remote-node"]), kind: .kubeAPIServer, shown: "kube-apiserver"),
        KindCase(name: "reserved:kube-apiserver alone", endpoint: Endpoint(labels: ["reserved:kube-apiserver"]), kind: .kubeAPIServer,
                 shown: "kube-apiserver"),
        // Cilium's own endpoints.
        KindCase(name: "health", endpoint: Endpoint(identity: 4, labels: ["reserved:health"]), kind: .health, shown: "health"),
        KindCase(name: "identity 4 without labels", endpoint: Endpoint(identity: 4), kind: .health, shown: "health"),
        KindCase(name: "init", endpoint: Endpoint(identity: 5, labels: ["reserved:init"]), kind: .initializing, shown: "init"),
        KindCase(name: "reserved:init with k8s labels", endpoint: Endpoint(namespace: "production",
            labels: ["k8s:app=x", "reserved:init"]), kind: .initializing, shown: "init"),
        KindCase(name: "ingress", endpoint: Endpoint(identity: 8, labels: ["reserved:ingress"]), kind: .ingress, shown: "ingress"),
        KindCase(name: "unmanaged", endpoint: Endpoint(identity: 3, labels: ["reserved:unmanaged"]), kind: .unmanaged,
                 shown: "unmanaged"),
        KindCase(name: "reserved name flowlog does not know", endpoint: Endpoint(identity: 11, labels: ["reserved:overlay-to-encrypt"]),
                 kind: .otherReserved("overlay-to-encrypt"), shown: "overlay-to-encrypt"),
        // Nothing known.
        KindCase(name: "identity 0 without labels", endpoint: Endpoint(), kind: .unknown, shown: "unknown"),
        KindCase(name: "cluster identity without labels", endpoint: Endpoint(identity: 48213), kind: .unknown, shown: "unknown"),
        KindCase(name: "only labels of other sources", endpoint: Endpoint(labels: ["unspec:foo=bar"]), kind: .unknown,
                 shown: "unknown"),
    ]

    // MARK: - The classification

    @Test(arguments: cases)
    func classifies(_ testCase: KindCase) {
        let kind = testCase.endpoint.kind
        #expect(kind == testCase.kind)
        #expect(kind.reservedName == testCase.shown)
        #expect(kind.isPod == (testCase.shown == nil))
        #expect(kind.needsAddress == !kind.isPod)
        #expect(kind.isOutsideCluster == (testCase.shown == "world"))
    }

    @Test(arguments: ReservedIdentity.allCases)
    func aReservedNumberAndItsLabelAgree(_ reserved: ReservedIdentity) {
        #expect(ReservedIdentity(name: reserved.name) == reserved)
        let byNumber = Endpoint(identity: reserved.rawValue).kind
        let byLabel = Endpoint(labels: ["reserved:\(reserved.name)"]).kind
        #expect(byNumber == reserved.kind)
        #expect(byLabel == byNumber)
    }

    @Test func theKindFollowsChanges() {
        var endpoint = Endpoint(identity: 48213, labels: podLabels)
        let copy = endpoint
        #expect(endpoint.kind == .pod)
        endpoint.labels.append("reserved:health")
        #expect(endpoint.kind == .health)
        endpoint.labels = []
        endpoint.identity = 2
        #expect(endpoint.kind == .world(.reserved))
        endpoint.identity = 48213
        #expect(endpoint.kind == .unknown)
        endpoint.namespace = "production"
        #expect(endpoint.kind == .pod)
        #expect(copy.kind == .pod, "a copy keeps its own kind")
    }

    // MARK: - Everyone agrees with it

    @Test(arguments: cases)
    func groupingAgrees(_ testCase: KindCase) {
        let endpoint = testCase.endpoint
        for grouping in EndpointGrouping.allCases {
            if let shown = testCase.shown {
                #expect(grouping.key(for: endpoint) == shown, "by \(grouping)")
            } else if grouping == .namespace {
                let namespace = endpoint.effectiveNamespace
                #expect(grouping.key(for: endpoint) == (namespace.isEmpty ? "unknown" : namespace))
            }
        }
    }

    @Test(arguments: cases)
    func evaluatorSubjectAgrees(_ testCase: KindCase) throws {
        let address = try #require(IPAddress("192.0.2.1"))
        let subject = VerdictEvaluator(policies: []).subject(testCase.endpoint, address: address)
        #expect(subject.kind == testCase.kind)
        if !testCase.kind.isPod {
            #expect(subject.podLabels.isEmpty && subject.namespaceLabels.isEmpty)
            #expect(subject.description == (testCase.kind.isOutsideCluster ? "world 192.0.2.1" : testCase.shown))
        }
    }

    /// A pod isolated for egress and allowed only to `0.0.0.0/0`: in Cilium's reading `ipBlock`
    /// selects exactly the endpoints outside the cluster.
    @Test(arguments: cases)
    func ipBlockSelectsExactlyTheWorld(_ testCase: KindCase) {
        let policy = Cluster.policy("egress-anywhere", selecting: ["app": "client"], types: [.egress],
                                    egress: [PolicyRule(peers: [.ipBlock(IPBlock(cidr: CIDR("0.0.0.0/0")!))])])
        let evaluator = VerdictEvaluator(policies: [policy])
        let flow = Cluster.flow(from: Cluster.pod("prod", ["app": "client"]), to: testCase.endpoint, "192.0.2.1", port: 443)
        #expect((evaluator.evaluate(flow).egress.decision == .allowed) == testCase.kind.isOutsideCluster)
    }

    @Test(arguments: cases)
    func verdictCacheKeysOnTheAddressExactlyForNonPods(_ testCase: KindCase) {
        let cache = EvaluationCache(evaluator: VerdictEvaluator(policies: []))
        let client = Cluster.pod("prod", ["app": "client"])
        _ = cache.evaluate(Cluster.flow(from: client, to: testCase.endpoint, "192.0.2.1", port: 443))
        _ = cache.evaluate(Cluster.flow(from: client, to: testCase.endpoint, "192.0.2.2", port: 443))
        #expect(cache.hits == (testCase.kind.needsAddress ? 0 : 1))
    }

    @Test(arguments: cases)
    func rollupKeepsTheAddressExactlyForNonPods(_ testCase: KindCase) throws {
        let store = try SQLiteFlowStore(path: ":memory:")
        var batch = IngestBatch()
        batch.flows = [Fixtures.flow(source: testCase.endpoint, destination: Fixtures.pod("api"),
                                     sourceIP: "192.0.2.1", destinationIP: "10.0.2.20")]
        _ = try store.write(batch)
        let statement = try store.connection.prepare("SELECT length(source_ip), length(destination_ip) FROM flow_rollup")
        #expect(try statement.step())
        #expect((statement.int64(0) > 0) == testCase.kind.needsAddress)
        #expect(statement.int64(1) == 0, "the destination is a pod")
    }

    @Test(arguments: cases)
    func observeIdentityTextAgrees(_ testCase: KindCase) {
        let endpoint = testCase.endpoint
        let text = FlowText.identityText(endpoint)
        if let reserved = ReservedIdentity(rawValue: endpoint.identity) {
            #expect(text == reserved.name)
            #expect(reserved.kind.reservedName == testCase.shown, "the printed name names the kind")
        } else {
            #expect(text == "ID:\(endpoint.identity)")
        }
    }
}
