import Testing
import FlowlogModel
import FlowlogStore
import FlowlogPolicy
@testable import FlowlogEvaluation
import FlowlogTestSupport

/// What `policy suggest` builds from recorded connections, rule by rule.
@Suite struct PolicySuggesterTests {
    typealias F = SuggestionFixtures
    let frontend = Cluster.pod("shop", ["app": "frontend", "pod-template-hash": "6b8f9c7d4f"], name: "frontend-6b8f9c7d4f-aaaaa")
    let frontend2 = Cluster.pod("shop", ["app": "frontend", "pod-template-hash": "77aa00bb11"], name: "frontend-77aa00bb11-bbbbb")
    let api = Cluster.pod("shop", ["app": "api", "tier": "backend"], name: "api-0")
    let dns = Cluster.pod("kube-system", ["k8s-app": "kube-dns"], name: "coredns-1")

    @Test func repliesNeverMakeRules() {
        let onlyReply = F.connection(api, frontend, port: 3000, reply: true, count: 50)
        let suggestion = PolicySuggester.suggest([onlyReply])
        #expect(suggestion.namespaces.isEmpty)
        #expect(suggestion.requestFlows == 0)
    }

    @Test func dropsNeverMakeRules() {
        let drop = F.connection(frontend, api, port: 22, verdict: .dropped, count: 9)
        let suggestion = PolicySuggester.suggest(F.exchange(frontend, api, port: 3000) + [drop])
        let egress = F.policy(suggestion, "shop/frontend-egress")?.policy.egress ?? []
        #expect(egress.count == 1)
        #expect(egress.first?.ports == [PortSpec(proto: .tcp, port: .number(3000))])
    }

    @Test func podsAreGroupedWithoutPerPodLabels() throws {
        let suggestion = PolicySuggester.suggest(F.exchange(frontend, api, port: 3000) + F.exchange(frontend2, api, port: 3000))
        let egress = try #require(F.policy(suggestion, "shop/frontend-egress"))
        #expect(egress.policy.podSelector == Cluster.selector(["app": "frontend"]))
        #expect(egress.egressEvidence.first?.flows == 2)
        let ingress = try #require(F.policy(suggestion, "shop/api-ingress"))
        // `app` names the workload; `tier` is stable but not needed to select it.
        #expect(ingress.policy.podSelector == Cluster.selector(["app": "api"]))
        #expect(ingress.policy.ingress?.first?.peers == [Cluster.pods(["app": "frontend"])])
        #expect(suggestion.namespaces.map { $0.policies.map(\.policy.name) } == [
            ["default-deny", "api-ingress", "frontend-egress"],
        ])
    }

    @Test func withoutNamingLabelsAllStableLabelsSelect() throws {
        let worker = Cluster.pod("jobs", ["team": "data", "controller-uid": "1234", "role": "worker"], name: "worker-x")
        let suggestion = PolicySuggester.suggest(F.exchange(worker, api, port: 3000), options: SuggestionOptions(namespaces: ["jobs"]))
        let egress = try #require(suggestion.namespaces.first?.policies.last)
        #expect(egress.policy.podSelector == Cluster.selector(["role": "worker", "team": "data"]))
        // Across namespaces the peer is one entry: the namespace by name and the pods by labels.
        let namespaces = Cluster.selector(["kubernetes.io/metadata.name": "shop"])
        #expect(egress.policy.egress?.first?.peers == [.selector(pods: Cluster.selector(["app": "api"]), namespaces: namespaces)])
    }

    @Test func allowDNSSelectsOnlyTheDNSPodsSeenAnswering() throws {
        let rogue = Cluster.pod("shop", ["app": "rogue-dns"], name: "rogue-0")
        let connections = F.exchange(frontend, dns, proto: .udp, port: 53, count: 10)
            + [F.connection(frontend, rogue, proto: .udp, port: 53, count: 3)]   // asked, never answered
        let suggestion = PolicySuggester.suggest(connections, options: SuggestionOptions(namespaces: ["shop"]))
        let allowDNS = try #require(F.policy(suggestion, "shop/allow-dns"))
        let kubeSystem = Cluster.selector(["kubernetes.io/metadata.name": "kube-system"])
        #expect(allowDNS.policy.podSelector.isEmpty)
        #expect(allowDNS.policy.egress == [PolicyRule(
            peers: [.selector(pods: Cluster.selector(["k8s-app": "kube-dns"]), namespaces: kubeSystem)],
            ports: [PortSpec(proto: .udp, port: .number(53)), PortSpec(proto: .tcp, port: .number(53))])])
        #expect(allowDNS.egressEvidence.first?.flows == 10)
        #expect(suggestion.dnsServers == ["kube-system/k8s-app=kube-dns"])
        // The query to the pod that never answered is allowed by the workload's own egress policy.
        let egress = try #require(F.policy(suggestion, "shop/frontend-egress"))
        #expect(egress.policy.egress?.map(\.peers) == [[Cluster.pods(["app": "rogue-dns"])]])
    }

    @Test func outsideAddressesBecomeAggregatedIPBlocksWithTheirPorts() throws {
        let connections = F.exchange(api, Cluster.world, serverIP: "203.0.113.10", port: 443)
            + F.exchange(api, Cluster.world, serverIP: "203.0.113.77", port: 443)
            + F.exchange(api, Cluster.world, serverIP: "203.0.113.77", port: 444)
            + F.exchange(api, Cluster.world, serverIP: "203.0.113.10", port: 444)
            + F.exchange(api, Cluster.world, serverIP: "203.0.113.200", port: 8443)
            + F.exchange(api, Cluster.world, serverIP: "198.51.100.1", port: 443)
        let suggestion = PolicySuggester.suggest(connections)
        let egress = try #require(F.policy(suggestion, "shop/api-egress"))
        let rules = try #require(egress.policy.egress)
        // .10 and .77 used the same ports: one range. .200 used another port: a rule of its own,
        // so neither side is allowed the other's port.
        #expect(rules.map(\.peers) == [[.ipBlock(IPBlock(cidr: try #require(CIDR("198.51.100.1/32"))))],
                                       [.ipBlock(IPBlock(cidr: try #require(CIDR("203.0.113.0/25"))))],
                                       [.ipBlock(IPBlock(cidr: try #require(CIDR("203.0.113.200/32"))))]])
        #expect(rules.map(\.ports) == [[PortSpec(proto: .tcp, port: .number(443))],
                                       [PortSpec(proto: .tcp, port: .number(443), endPort: 444)],
                                       [PortSpec(proto: .tcp, port: .number(8443))]])
        #expect(egress.egressEvidence.map(\.note) == [nil, "2 addresses recorded in this range", nil])
    }

    @Test func nodesAreCommentsUnlessNodeCIDRsAreGiven() throws {
        let connections = F.exchange(Cluster.host, api, clientIP: "10.20.0.10", port: 8080)
            + F.exchange(Cluster.remoteNode, api, clientIP: "10.20.0.11", port: 8080)
        let plain = try #require(F.policy(PolicySuggester.suggest(connections), "shop/api-ingress"))
        #expect(plain.policy.ingress == [])
        #expect(plain.notes.count == 2)
        #expect(plain.notes.contains { $0.hasPrefix("from host: 1 flow") && $0.hasSuffix("always allowed, no rule needed") })
        #expect(plain.notes.contains { $0.hasPrefix("from other nodes (remote-node)") && $0.contains("--node-cidr") })

        let nodes = try #require(CIDR("10.20.0.0/24"))
        let withNodes = PolicySuggester.suggest(connections, options: SuggestionOptions(nodeCIDRs: [nodes]))
        let ingress = try #require(F.policy(withNodes, "shop/api-ingress"))
        #expect(ingress.policy.ingress == [PolicyRule(peers: [.ipBlock(IPBlock(cidr: nodes))], ports: [PortSpec(proto: .tcp, port: .number(8080))])])
        #expect(ingress.notes.count == 1)
    }

    @Test func icmpAllowsThePeerOnEveryPortAndSaysSo() throws {
        let suggestion = PolicySuggester.suggest(F.exchange(frontend, api, proto: .icmpv4, port: 8))
        let egress = try #require(F.policy(suggestion, "shop/frontend-egress"))
        #expect(egress.policy.egress == [PolicyRule(peers: [Cluster.pods(["app": "api"])], ports: nil)])
        #expect(egress.egressEvidence.first?.note?.hasPrefix("ICMPv4 recorded, which a NetworkPolicy cannot name") == true)
    }

    @Test func workloadsWithTheSameNameGetDistinctPolicyNames() {
        let a = Cluster.pod("shop", ["app": "web", "component": "a"], name: "web-a")
        let b = Cluster.pod("shop", ["app": "web", "component": "b"], name: "web-b")
        let suggestion = PolicySuggester.suggest(F.exchange(a, api, port: 80) + F.exchange(b, api, port: 80))
        let names = suggestion.namespaces.first?.policies.map(\.policy.name) ?? []
        #expect(names == ["default-deny", "api-ingress", "web-egress", "web-2-egress"])
    }

    @Test func labelsAPolicyCannotNameAreLeftOut() throws {
        var odd = Cluster.pod("shop", ["app": "frontend"], name: "odd")
        odd.labels.append("k8s:version=not a valid value")
        let suggestion = PolicySuggester.suggest(F.exchange(odd, api, port: 3000))
        let egress = try #require(F.policy(suggestion, "shop/frontend-egress"))
        #expect(egress.policy.podSelector == Cluster.selector(["app": "frontend"]))
        var noNamespace = Cluster.pod("shop", ["app": "x"], name: "bad")
        noNamespace.namespace = "../etc"
        #expect(PolicySuggester.suggest(F.exchange(noNamespace, api, port: 1)).namespaces.map(\.namespace) == ["shop"])
    }

    @Test func podsWithoutSelectableLabelsAreSelectedWithTheWholeNamespaceAndSaySo() throws {
        let bare = Endpoint(identity: 5000, namespace: "shop", podName: "bare-0", labels: ["k8s:io.kubernetes.pod.namespace=shop"])
        let suggestion = PolicySuggester.suggest(F.exchange(bare, api, port: 3000))
        let egress = try #require(F.policy(suggestion, "shop/pods-egress"))
        // Every pod of shop but those of its other workload (api).
        #expect(egress.policy.podSelector == LabelSelector(requirements: [.init(key: "app", op: .doesNotExist, values: [])]))
        #expect(egress.notes.first == "its pods carry no label a selector can name, so this policy selects every pod of shop"
            + " without a label of its other recorded workloads (app)")
        let alone = PolicySuggester.suggest(F.exchange(bare, Cluster.world, serverIP: "203.0.113.1", port: 443))
        let aloneEgress = try #require(F.policy(alone, "shop/pods-egress"))
        #expect(aloneEgress.policy.podSelector.isEmpty)
        #expect(aloneEgress.notes.first == "its pods carry no label a selector can name, so this policy selects every pod of shop")
    }

    @Test func theSuggestionDoesNotDependOnTheStoresRowOrder() {
        var connections = F.exchange(frontend, api, port: 3000, count: 4) + F.exchange(frontend2, api, port: 3001, count: 4)
            + F.exchange(api, Cluster.world, serverIP: "203.0.113.10", port: 443) + F.exchange(frontend, dns, proto: .udp, port: 53)
        let first = PolicySuggester.suggest(connections)
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<5 {
            connections.shuffle(using: &generator)
            #expect(PolicySuggester.suggest(connections) == first)
        }
    }

    @Test func aNamespaceAskedForWithoutTrafficGetsNothing() {
        let suggestion = PolicySuggester.suggest(F.exchange(frontend, api, port: 3000), options: SuggestionOptions(namespaces: ["shop", "empty"]))
        #expect(suggestion.namespacesWithoutTraffic == ["empty"])
        #expect(suggestion.namespaces.map(\.namespace) == ["shop"])
    }
}

/// A small deterministic generator (SplitMix64) for shuffles and generated histories.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
