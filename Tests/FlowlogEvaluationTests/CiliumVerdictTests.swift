import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogPolicy
@testable import FlowlogEvaluation
import FlowlogTestSupport

/// Cilium's L3/L4 semantics, rule by rule, as its documentation states them. Each table holds
/// small cases: a policy set (YAML, through the real loader), one flow, the expected verdict
/// and, where it matters, the explanation.
@Suite struct CiliumVerdictTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var policies: String
        var from: Endpoint
        var fromIP = "10.0.1.1"
        var to: Endpoint
        var toIP = "10.0.2.2"
        var proto: L4Protocol = .tcp
        var port: UInt16 = 80
        var decision: Decision
        /// Text the explanation must contain, when the case is about it.
        var explanation: String? = nil
        var testDescription: String { name }
    }

    /// A CiliumNetworkPolicy in `namespace` (a CiliumClusterwideNetworkPolicy when nil) whose
    /// `spec` is `body`, written without indentation.
    static func cnp(_ name: String, namespace: String? = "prod", _ body: String) -> String {
        let kind = namespace == nil ? "CiliumClusterwideNetworkPolicy" : "CiliumNetworkPolicy"
        let metadata = namespace.map { "{name: \(name), namespace: \($0)}" } ?? "{name: \(name)}"
        let spec = body.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
        return "---\napiVersion: cilium.io/v2\nkind: \(kind)\nmetadata: \(metadata)\nspec:\n\(spec)\n"
    }

    static func networkPolicy(_ name: String, _ spec: String) -> String {
        let body = spec.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
        return "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: \(name), namespace: prod}\nspec:\n\(body)\n"
    }

    static let api = Cluster.pod("prod", ["app": "api"])
    static let web = Cluster.pod("prod", ["app": "web"])
    static let otherWeb = Cluster.pod("staging", ["app": "web"])
    static let kubeAPIServer = Endpoint(identity: 7, labels: ["reserved:kube-apiserver"])
    static let health = Endpoint(identity: 4, labels: ["reserved:health"])
    static let initializing = Endpoint(identity: 5, labels: ["reserved:init"])
    static let ingressProxy = Endpoint(identity: 8, labels: ["reserved:ingress"])
    static let unmanaged = Endpoint(identity: 3, labels: ["reserved:unmanaged"])
    static let fqdnWorld = Endpoint(identity: 16_777_300, labels: ["fqdn:api.example.com", "reserved:world"])

    func evaluate(_ test: Case) throws -> Evaluation {
        let loaded = try PolicyLoader.load(yaml: test.policies, file: "t.yaml")
        let evaluator = VerdictEvaluator(policies: loaded.policies, ciliumPolicies: loaded.ciliumPolicies)
        return evaluator.evaluate(Cluster.flow(from: test.from, test.fromIP, to: test.to, test.toIP, proto: test.proto, port: test.port))
    }

    func check(_ test: Case) throws {
        let evaluation = try evaluate(test)
        #expect(evaluation.decision == test.decision, "\(evaluation.explanation)")
        if let text = test.explanation {
            #expect(evaluation.explanation.contains(text), "\(evaluation.explanation)")
        }
    }

    // MARK: - endpointSelector

    static let ingressLockdown = "ingress: [{}]"

    static let endpointSelectorCases: [Case] = [
        Case(name: "a k8s:-prefixed key selects the pod", policies: cnp("lock", "endpointSelector: {matchLabels: {k8s:app: api}}\n" + ingressLockdown),
             from: web, to: api, decision: .denied, explanation: "isolated by prod/lock"),
        Case(name: "a bare key selects the pod", policies: cnp("lock", "endpointSelector: {matchLabels: {app: api}}\n" + ingressLockdown),
             from: web, to: api, decision: .denied),
        Case(name: "another source does not select it", policies: cnp("lock", "endpointSelector: {matchLabels: {container:app: api}}\n" + ingressLockdown),
             from: web, to: api, decision: .allowed),
        Case(name: "a namespaced policy selects only its namespace",
             policies: cnp("lock", namespace: "staging", "endpointSelector: {}\n" + ingressLockdown),
             from: web, to: api, decision: .allowed, explanation: "no policy isolates the pod"),
        Case(name: "a clusterwide policy selects across namespaces",
             policies: cnp("lock", namespace: nil, "endpointSelector: {matchLabels: {app: api}}\n" + ingressLockdown),
             from: web, to: api, decision: .denied, explanation: "isolated by lock"),
        Case(name: "a clusterwide policy may name the namespace",
             policies: cnp("lock", namespace: nil, "endpointSelector: {matchLabels: {io.kubernetes.pod.namespace: staging}}\n" + ingressLockdown),
             from: web, to: api, decision: .allowed),
        Case(name: "an empty selector selects every pod of the namespace",
             policies: cnp("lock", "endpointSelector: {}\n" + ingressLockdown), from: web, to: api, decision: .denied),
        Case(name: "matchExpressions work on Cilium labels",
             policies: cnp("lock", "endpointSelector: {matchExpressions: [{key: k8s:app, operator: NotIn, values: [web]}]}\n" + ingressLockdown),
             from: api, to: web, decision: .allowed),
    ]

    @Test(arguments: endpointSelectorCases) func endpointSelector(_ test: Case) throws { try check(test) }

    // MARK: - fromEndpoints / toEndpoints

    static let fromWeb = "endpointSelector: {matchLabels: {app: api}}\ningress: [{fromEndpoints: [{matchLabels: {app: web}}]}]"

    static let endpointPeerCases: [Case] = [
        Case(name: "a peer of the policy's namespace matches", policies: cnp("api", fromWeb), from: web, to: api,
             decision: .allowed, explanation: "ingress to the destination: allowed by prod/api ingress[0]"),
        Case(name: "the same labels in another namespace do not", policies: cnp("api", fromWeb), from: otherWeb, to: api,
             decision: .denied),
        Case(name: "a selector naming the namespace reaches it",
             policies: cnp("api", "endpointSelector: {matchLabels: {app: api}}\ningress: [{fromEndpoints: [{matchLabels: {app: web, k8s:io.kubernetes.pod.namespace: staging}}]}]"),
             from: otherWeb, to: api, decision: .allowed),
        Case(name: "{} in a namespaced policy is its namespace's pods",
             policies: cnp("api", "endpointSelector: {}\ningress: [{fromEndpoints: [{}]}]"), from: web, to: api, decision: .allowed),
        Case(name: "{} in a namespaced policy leaves other namespaces out",
             policies: cnp("api", "endpointSelector: {}\ningress: [{fromEndpoints: [{}]}]"), from: otherWeb, to: api, decision: .denied),
        Case(name: "{} never matches the world",
             policies: cnp("api", "endpointSelector: {}\ningress: [{fromEndpoints: [{}]}]"), from: Cluster.world, fromIP: "192.0.2.1",
             to: api, decision: .denied),
        Case(name: "{} in a clusterwide policy is every pod",
             policies: cnp("api", namespace: nil, "endpointSelector: {}\ningress: [{fromEndpoints: [{}]}]"), from: otherWeb, to: api,
             decision: .allowed),
        Case(name: "{} in a clusterwide policy is not a reserved identity",
             policies: cnp("api", namespace: nil, "endpointSelector: {}\ningress: [{fromEndpoints: [{}]}]"), from: Self.health, to: api,
             decision: .denied),
        Case(name: "a reserved label selects a reserved identity",
             policies: cnp("api", "endpointSelector: {}\ningress: [{fromEndpoints: [{matchLabels: {reserved:health: ''}}]}]"),
             from: Self.health, to: api, decision: .allowed),
        Case(name: "toEndpoints scopes the same way at egress",
             policies: cnp("out", "endpointSelector: {matchLabels: {app: web}}\negress: [{toEndpoints: [{matchLabels: {app: api}}]}]"),
             from: web, to: api, decision: .allowed, explanation: "egress from the source: allowed by prod/out egress[0]"),
    ]

    @Test(arguments: endpointPeerCases) func endpointPeers(_ test: Case) throws { try check(test) }

    // MARK: - Entities

    static func toEntity(_ entity: String) -> String {
        cnp("out", "endpointSelector: {matchLabels: {app: web}}\negress: [{toEntities: [\(entity)]}]")
    }

    static let entityCases: [Case] = [
        Case(name: "world: the world", policies: toEntity("world"), from: web, to: Cluster.world, toIP: "198.51.100.1", decision: .allowed),
        Case(name: "world: not a pod", policies: toEntity("world"), from: web, to: api, decision: .denied),
        Case(name: "world-ipv4: an IPv4 world address", policies: toEntity("world-ipv4"), from: web, to: Cluster.world, toIP: "198.51.100.1",
             decision: .allowed),
        Case(name: "world-ipv6: not an IPv4 one", policies: toEntity("world-ipv6"), from: web, to: Cluster.world, toIP: "198.51.100.1",
             decision: .denied),
        Case(name: "cluster: a pod of another namespace", policies: toEntity("cluster"), from: web, to: otherWeb, decision: .allowed),
        Case(name: "cluster: a remote node", policies: toEntity("cluster"), from: web, to: Cluster.remoteNode, decision: .allowed),
        Case(name: "cluster: not the world", policies: toEntity("cluster"), from: web, to: Cluster.world, toIP: "198.51.100.1",
             decision: .denied),
        Case(name: "host: the node (Cilium enforces a pod's egress to it)", policies: toEntity("host"), from: web, to: Cluster.host,
             decision: .allowed, explanation: "allowed by prod/out egress[0]"),
        Case(name: "host: without it the node is denied", policies: toEntity("world"), from: web, to: Cluster.host, decision: .denied),
        Case(name: "remote-node", policies: toEntity("remote-node"), from: web, to: Cluster.remoteNode, decision: .allowed),
        Case(name: "remote-node: not the local host", policies: toEntity("remote-node"), from: web, to: Cluster.host, decision: .denied),
        Case(name: "kube-apiserver", policies: toEntity("kube-apiserver"), from: web, to: Self.kubeAPIServer, decision: .allowed),
        Case(name: "kube-apiserver on a remote node is also remote-node", policies: toEntity("remote-node"), from: web,
             to: Endpoint(identity: 7, labels: ["reserved:kube-apiserver", "reserved:remote-node"]), decision: .allowed),
        Case(name: "health", policies: toEntity("health"), from: web, to: Self.health, decision: .allowed),
        Case(name: "init", policies: toEntity("init"), from: web, to: Self.initializing, decision: .allowed),
        Case(name: "ingress", policies: toEntity("ingress"), from: web, to: Self.ingressProxy, decision: .allowed),
        Case(name: "unmanaged", policies: toEntity("unmanaged"), from: web, to: Self.unmanaged, decision: .allowed),
        Case(name: "health is not unmanaged", policies: toEntity("unmanaged"), from: web, to: Self.health, decision: .denied),
        Case(name: "all: the world", policies: toEntity("all"), from: web, to: Cluster.world, toIP: "198.51.100.1", decision: .allowed),
        Case(name: "all: a pod", policies: toEntity("all"), from: web, to: otherWeb, decision: .allowed),
    ]

    @Test(arguments: entityCases) func entities(_ test: Case) throws { try check(test) }

    // MARK: - CIDR

    static let toPayments = cnp("out", "endpointSelector: {}\negress:\n- toCIDR: [203.0.113.7]\n- toCIDRSet: [{cidr: 198.51.100.0/24, except: [198.51.100.128/25]}]")

    static let cidrCases: [Case] = [
        Case(name: "toCIDR: a bare address", policies: toPayments, from: web, to: Cluster.world, toIP: "203.0.113.7", decision: .allowed,
             explanation: "prod/out egress[0]"),
        Case(name: "toCIDRSet: inside", policies: toPayments, from: web, to: Cluster.world, toIP: "198.51.100.9", decision: .allowed,
             explanation: "prod/out egress[1]"),
        Case(name: "toCIDRSet: in except", policies: toPayments, from: web, to: Cluster.world, toIP: "198.51.100.200", decision: .denied),
        Case(name: "a pod address in the range is not selected", policies: cnp("out", "endpointSelector: {}\negress: [{toCIDR: [10.0.0.0/8]}]"),
             from: web, to: api, toIP: "10.0.2.2", decision: .denied),
        Case(name: "fromCIDRSet at ingress", policies: cnp("in", "endpointSelector: {}\ningress: [{fromCIDRSet: [{cidr: 192.0.2.0/24}]}]"),
             from: Cluster.world, fromIP: "192.0.2.50", to: api, decision: .allowed),
    ]

    @Test(arguments: cidrCases) func cidrs(_ test: Case) throws { try check(test) }

    // MARK: - toPorts

    static func onPorts(_ ports: String) -> String {
        cnp("api", "endpointSelector: {matchLabels: {app: api}}\ningress:\n- fromEndpoints: [{}]\n  toPorts:\n  - ports: [{port: \"9999\"}]\n  - ports: \(ports)")
    }

    static let portCases: [Case] = [
        Case(name: "port as a string", policies: onPorts("[{port: \"80\", protocol: TCP}]"), from: web, to: api, port: 80, decision: .allowed,
             explanation: "allowed by prod/api ingress[0].toPorts[1]"),
        Case(name: "port as a number", policies: onPorts("[{port: 80, protocol: TCP}]"), from: web, to: api, port: 80, decision: .allowed),
        Case(name: "endPort: inside the range", policies: onPorts("[{port: 8000, endPort: 8100}]"), from: web, to: api, port: 8080,
             decision: .allowed),
        Case(name: "endPort: past the range", policies: onPorts("[{port: 8000, endPort: 8100}]"), from: web, to: api, port: 8101,
             decision: .denied, explanation: "the peer matches prod/api ingress[0] but not the port"),
        Case(name: "ANY (the default) admits UDP", policies: onPorts("[{port: \"53\"}]"), from: web, to: api, proto: .udp, port: 53,
             decision: .allowed),
        Case(name: "TCP does not admit UDP", policies: onPorts("[{port: \"53\", protocol: TCP}]"), from: web, to: api, proto: .udp, port: 53,
             decision: .denied),
        Case(name: "SCTP", policies: onPorts("[{port: \"2905\", protocol: SCTP}]"), from: web, to: api, proto: .sctp, port: 2905,
             decision: .allowed),
        Case(name: "port 0 is every port of the protocol", policies: onPorts("[{port: \"0\", protocol: UDP}]"), from: web, to: api,
             proto: .udp, port: 5353, decision: .allowed),
        Case(name: "ICMP is not a port", policies: onPorts("[{port: \"0\"}]"), from: web, to: api, proto: .icmpv4, port: 0,
             decision: .denied),
        Case(name: "a named port without --pods is unknown", policies: onPorts("[{port: http}]"), from: web, to: api, port: 80,
             decision: .unknown, explanation: "named port \"http\""),
        Case(name: "toPorts alone admits every peer on the port",
             policies: cnp("api", "endpointSelector: {}\ningress: [{toPorts: [{ports: [{port: \"80\"}]}]}]"),
             from: Cluster.world, fromIP: "192.0.2.1", to: api, port: 80, decision: .allowed),
    ]

    @Test(arguments: portCases) func ports(_ test: Case) throws { try check(test) }

    // MARK: - icmps

    static let ping = cnp("api", "endpointSelector: {}\ningress:\n- fromEndpoints: [{}]\n  icmps: [{fields: [{type: 8, family: IPv4}]}]")

    /// `Cluster.flow` gives ICMP flows type 8 (an echo request).
    static let icmpCases: [Case] = [
        Case(name: "the allowed type", policies: ping, from: web, to: api, proto: .icmpv4, port: 0, decision: .allowed,
             explanation: "allowed by prod/api ingress[0].icmps"),
        Case(name: "another family", policies: ping, from: web, to: api, proto: .icmpv6, port: 0, decision: .denied),
        Case(name: "icmps alone admits no TCP", policies: ping, from: web, to: api, port: 80, decision: .denied),
        Case(name: "toPorts and icmps are alternatives",
             policies: cnp("api", "endpointSelector: {}\ningress:\n- toPorts: [{ports: [{port: \"80\"}]}]\n  icmps: [{fields: [{type: 8}]}]"),
             from: web, to: api, port: 80, decision: .allowed, explanation: "prod/api ingress[0].toPorts[0]"),
        Case(name: "a type by name is unknown",
             policies: cnp("api", "endpointSelector: {}\ningress: [{icmps: [{fields: [{type: EchoRequest}]}]}]"),
             from: web, to: api, proto: .icmpv4, port: 0, decision: .allowed, explanation: "allowed by prod/api ingress[0].icmps"),
        Case(name: "a type by name is read in its family (IPv6 EchoRequest is 128, not 8)",
             policies: cnp("api", "endpointSelector: {}\ningress: [{icmps: [{fields: [{type: EchoRequest, family: IPv6}]}]}]"),
             from: web, to: api, proto: .icmpv6, port: 0, decision: .denied),
        Case(name: "Echo is EchoRequest's other IPv4 name",
             policies: cnp("api", "endpointSelector: {}\ningress: [{icmps: [{fields: [{type: Echo}]}]}]"),
             from: web, to: api, proto: .icmpv4, port: 0, decision: .allowed),
        Case(name: "another type by name does not admit an echo request",
             policies: cnp("api", "endpointSelector: {}\ningress: [{icmps: [{fields: [{type: EchoReply}]}]}]"),
             from: web, to: api, proto: .icmpv4, port: 0, decision: .denied),
        Case(name: "ICMP denied by type", policies: npAllowAll + cnp("deny", "endpointSelector: {}\ningressDeny: [{icmps: [{fields: [{type: 8}]}]}]"),
             from: web, to: api, proto: .icmpv4, port: 0, decision: .denied, explanation: "prod/deny ingressDeny[0].icmps"),
    ]

    @Test(arguments: icmpCases) func icmps(_ test: Case) throws { try check(test) }

    @Test func theICMPTypeIsPartOfTheCacheKey() throws {
        let loaded = try PolicyLoader.load(yaml: Self.ping, file: "t.yaml")
        let evaluator = VerdictEvaluator(policies: loaded.policies, ciliumPolicies: loaded.ciliumPolicies)
        let cache = EvaluationCache(evaluator: evaluator)
        var echo = Cluster.flow(from: Self.web, to: Self.api, proto: .icmpv4, port: 0)
        var timestamp = echo
        timestamp.l4.sourcePort = 13
        #expect(cache.evaluate(echo).decision == .allowed)
        #expect(cache.evaluate(timestamp).decision == .denied)
        echo.l4.destinationPort = 0
        #expect(cache.evaluate(echo).decision == .allowed)
    }

    // MARK: - Deny rules

    static let npAllowAll = networkPolicy("open", "podSelector: {}\npolicyTypes: [Ingress]\ningress: [{}]")

    static let denyCases: [Case] = [
        Case(name: "ingressDeny beats an allow of the same policy",
             policies: cnp("api", "endpointSelector: {}\ningress: [{fromEntities: [all]}]\ningressDeny: [{fromEndpoints: [{matchLabels: {app: web}}]}]"),
             from: web, to: api, decision: .denied, explanation: "ingress to the destination: denied by prod/api ingressDeny[0], which wins over every allow"),
        Case(name: "ingressDeny beats a NetworkPolicy allow",
             policies: npAllowAll + cnp("deny", "endpointSelector: {}\nenableDefaultDeny: {ingress: false}\ningressDeny: [{fromEndpoints: [{}]}]"),
             from: web, to: api, decision: .denied, explanation: "denied by prod/deny ingressDeny[0]"),
        Case(name: "a deny on one port leaves the others",
             policies: npAllowAll + cnp("deny", "endpointSelector: {}\ningressDeny: [{fromEndpoints: [{}], toPorts: [{ports: [{port: \"22\"}]}]}]"),
             from: web, to: api, port: 80, decision: .allowed),
        Case(name: "…and names the port it denies",
             policies: npAllowAll + cnp("deny", "endpointSelector: {}\ningressDeny: [{fromEndpoints: [{}], toPorts: [{ports: [{port: \"22\"}]}]}]"),
             from: web, to: api, port: 22, decision: .denied, explanation: "prod/deny ingressDeny[0].toPorts[0]"),
        Case(name: "egressDeny alone puts egress into default deny",
             policies: cnp("deny", "endpointSelector: {}\negressDeny: [{toEntities: [world]}]"), from: web, to: api, decision: .denied,
             explanation: "isolated by prod/deny"),
        Case(name: "egressDeny with enableDefaultDeny false denies only its peers",
             policies: cnp("deny", "endpointSelector: {}\nenableDefaultDeny: {egress: false}\negressDeny: [{toEntities: [world]}]"),
             from: web, to: api, decision: .allowed),
        Case(name: "…and does deny them",
             policies: cnp("deny", "endpointSelector: {}\nenableDefaultDeny: {egress: false}\negressDeny: [{toEntities: [world]}]"),
             from: web, to: Cluster.world, toIP: "198.51.100.1", decision: .denied, explanation: "prod/deny egressDeny[0]"),
        Case(name: "a deny rule in specs is named with its rule",
             policies: "---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: two, namespace: prod}\nspecs:\n- endpointSelector: {}\n  ingress: [{fromEntities: [all]}]\n- endpointSelector: {}\n  ingressDeny: [{fromEntities: [cluster]}]\n",
             from: web, to: api, decision: .denied, explanation: "prod/two specs[1].ingressDeny[0]"),
    ]

    @Test(arguments: denyCases) func denies(_ test: Case) throws { try check(test) }

    // MARK: - Default deny

    static let defaultDenyCases: [Case] = [
        Case(name: "an empty rule isolates and allows nothing", policies: cnp("lock", "endpointSelector: {}\n" + ingressLockdown),
             from: web, to: api, decision: .denied, explanation: "no rule allows this peer"),
        Case(name: "an ingress rule does not isolate egress", policies: cnp("lock", "endpointSelector: {}\n" + ingressLockdown),
             from: api, to: Cluster.world, toIP: "198.51.100.1", decision: .allowed),
        Case(name: "enableDefaultDeny false keeps other peers allowed",
             policies: cnp("extra", "endpointSelector: {}\nenableDefaultDeny: {ingress: false}\ningress: [{fromEntities: [world]}]"),
             from: web, to: api, decision: .allowed, explanation: "no policy isolates the pod"),
        Case(name: "enableDefaultDeny true isolates without rules",
             policies: cnp("lock", "endpointSelector: {}\nenableDefaultDeny: {egress: true}"),
             from: web, to: api, decision: .denied, explanation: "egress from the source: denied, isolated by prod/lock"),
        Case(name: "a default-allow CNP adds to a NetworkPolicy's isolation",
             policies: networkPolicy("lock", "podSelector: {}\npolicyTypes: [Ingress]")
                + cnp("extra", "endpointSelector: {}\nenableDefaultDeny: {ingress: false}\ningress: [{fromEndpoints: [{matchLabels: {app: web}}]}]"),
             from: web, to: api, decision: .allowed, explanation: "allowed by prod/extra ingress[0]"),
        Case(name: "a NetworkPolicy allow admits into a CNP-isolated pod",
             policies: networkPolicy("open", "podSelector: {}\npolicyTypes: [Ingress]\ningress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]")
                + cnp("lock", "endpointSelector: {}\n" + ingressLockdown),
             from: web, to: api, decision: .allowed, explanation: "allowed by prod/open ingress[0]"),
    ]

    @Test(arguments: defaultDenyCases) func defaultDeny(_ test: Case) throws { try check(test) }

    // MARK: - FQDN, L7, unsupported constructs

    static let toExample = cnp("out", "endpointSelector: {}\negress: [{toFQDNs: [{matchName: api.example.com}]}]")

    static let beyondL4Cases: [Case] = [
        Case(name: "toFQDNs cannot match without names, and says so", policies: toExample, from: web, to: Cluster.world,
             toIP: "198.51.100.1", decision: .denied,
             explanation: "prod/out egress[0] toFQDNs cannot match: the flow recorded no destination names"),
        Case(name: "toFQDNs to an FQDN identity without names is unknown", policies: toExample, from: web, to: Self.fqdnWorld,
             toIP: "198.51.100.1", decision: .unknown,
             explanation: "toFQDNs (the destination has an FQDN identity, but the flow recorded no destination names)"),
        Case(name: "L7 rules: L4 decides, the explanation says L7 applies",
             policies: cnp("api", "endpointSelector: {}\ningress: [{toPorts: [{ports: [{port: \"80\"}], rules: {http: [{method: GET}]}}]}]"),
             from: web, to: api, decision: .allowed, explanation: "(L7 rules (http) apply on top; flowlog decides on L3/L4)"),
        Case(name: "toServices is unknown", policies: cnp("out", "endpointSelector: {}\negress: [{toServices: [{k8sService: {serviceName: db, namespace: prod}}]}]"),
             from: web, to: api, decision: .unknown, explanation: "prod/out egress[0] uses toServices"),
        Case(name: "toServices does not hide another rule's allow",
             policies: cnp("out", "endpointSelector: {}\negress:\n- toServices: [{k8sService: {serviceName: db, namespace: prod}}]\n- toEntities: [cluster]"),
             from: web, to: api, decision: .allowed),
        Case(name: "fromRequires narrows a matching peer: unknown",
             policies: cnp("api", "endpointSelector: {}\ningress: [{fromEndpoints: [{}], fromRequires: [{matchLabels: {env: prod}}]}]"),
             from: web, to: api, decision: .unknown, explanation: "uses fromRequires"),
        Case(name: "an unknown deny leaves an allowed flow unknown",
             policies: cnp("deny", "endpointSelector: {}\nenableDefaultDeny: {egress: false}\negressDeny: [{toGroups: [{aws: {securityGroupsIds: [sg-1]}}]}]"),
             from: web, to: Cluster.world, toIP: "198.51.100.1", decision: .unknown, explanation: "a deny rule may apply"),
        Case(name: "host policies leave the node's side unknown",
             policies: "---\napiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: host-fw}\nspec:\n  nodeSelector: {}\n  ingress: [{fromEntities: [cluster]}]\n",
             from: Cluster.world, fromIP: "192.0.2.1", to: Cluster.host, decision: .unknown, explanation: "host policies (nodeSelector) may apply: host-fw"),
    ]

    @Test(arguments: beyondL4Cases) func beyondL4(_ test: Case) throws { try check(test) }

    // MARK: - The cache

    /// Every case of every table gives the same verdict through the cache as without it, also when
    /// the flows of all the cases of a table go through one cache.
    @Test func theCacheAgreesWithTheEvaluatorOnEveryCase() throws {
        let tables = [Self.endpointSelectorCases, Self.endpointPeerCases, Self.entityCases, Self.cidrCases, Self.portCases,
                      Self.icmpCases, Self.denyCases, Self.defaultDenyCases, Self.beyondL4Cases]
        for table in tables {
            for policies in Set(table.map(\.policies)) {
                let loaded = try PolicyLoader.load(yaml: policies, file: "t.yaml")
                let evaluator = VerdictEvaluator(policies: loaded.policies, ciliumPolicies: loaded.ciliumPolicies)
                let cache = EvaluationCache(evaluator: evaluator)
                // Every flow of the table, twice, so the second pass is answered from the cache.
                let flows = table.map { Cluster.flow(from: $0.from, $0.fromIP, to: $0.to, $0.toIP, proto: $0.proto, port: $0.port) }
                for flow in flows + flows {
                    #expect(cache.evaluate(flow) == evaluator.evaluate(flow))
                }
                #expect(cache.hits >= flows.count)
            }
        }
    }
}
