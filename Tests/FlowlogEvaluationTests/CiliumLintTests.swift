import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogPolicy
@testable import FlowlogEvaluation
import FlowlogTestSupport

/// `policy lint` on Cilium policies: which findings each shape gives, without stored flows
/// unless the case says so.
@Suite struct CiliumLintTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var policies: String
        var seen: [Endpoint] = []
        /// The messages, in order.
        var messages: [String]
        var testDescription: String { name }
    }

    static func cnp(_ name: String, _ body: String) -> String { CiliumVerdictTests.cnp(name, body) }
    static func networkPolicy(_ name: String, _ spec: String) -> String { CiliumVerdictTests.networkPolicy(name, spec) }

    static let cases: [Case] = [
        Case(name: "a deny on another port does not shadow an allow",
             policies: cnp("p", "endpointSelector: {}\nenableDefaultDeny: {egress: false}\negress: [{toEntities: [world], toPorts: [{ports: [{port: \"80\"}]}]}]\negressDeny: [{toEntities: [world], toPorts: [{ports: [{port: \"22\"}]}]}]"),
             messages: []),
        Case(name: "a deny of all shadows every allow",
             policies: cnp("p", "endpointSelector: {}\nenableDefaultDeny: {ingress: false}\ningress: [{fromEndpoints: [{matchLabels: {app: web}}]}]\ningressDeny: [{fromEntities: [all]}]"),
             messages: ["ingress[0] is shadowed completely by ingressDeny[0]: deny rules win, so it never allows anything"]),
        Case(name: "a CIDR deny covering the allowed range shadows it",
             policies: cnp("p", "endpointSelector: {}\nenableDefaultDeny: {egress: false}\negress: [{toCIDR: [203.0.113.0/25], toPorts: [{ports: [{port: \"443\", protocol: TCP}]}]}]\negressDeny: [{toCIDRSet: [{cidr: 203.0.113.0/24}]}]"),
             messages: ["egress[0] is shadowed completely by egressDeny[0]: deny rules win, so it never allows anything"]),
        Case(name: "a CIDR deny with an except does not",
             policies: cnp("p", "endpointSelector: {}\nenableDefaultDeny: {egress: false}\negress: [{toCIDR: [203.0.113.0/25]}]\negressDeny: [{toCIDRSet: [{cidr: 203.0.113.0/24, except: [203.0.113.0/26]}]}]"),
             messages: []),
        Case(name: "a deny of another policy with an empty selector shadows an allow",
             policies: cnp("allow", "endpointSelector: {matchLabels: {app: api}}\ningress: [{fromEndpoints: [{matchLabels: {app: web}}], toPorts: [{ports: [{port: \"80\"}]}]}]")
                + cnp("deny", "endpointSelector: {}\nenableDefaultDeny: {ingress: false}\ningressDeny: [{fromEndpoints: [{}]}]"),
             messages: ["ingress[0] is shadowed completely by prod/deny ingressDeny[0]: deny rules win, so it never allows anything"]),
        Case(name: "…but not one of another namespace",
             policies: cnp("allow", "endpointSelector: {matchLabels: {app: api}}\ningress: [{fromEndpoints: [{matchLabels: {app: web}}]}]")
                + CiliumVerdictTests.cnp("deny", namespace: "staging", "endpointSelector: {}\nenableDefaultDeny: {ingress: false}\ningressDeny: [{fromEndpoints: [{}]}]"),
             messages: []),
        Case(name: "{} in a namespaced deny does not cover a peer in another namespace",
             policies: cnp("p", "endpointSelector: {}\nenableDefaultDeny: {egress: false}\negress: [{toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system}}]}]\negressDeny: [{toEndpoints: [{}]}]"),
             messages: []),
        Case(name: "{} in a clusterwide deny does",
             policies: cnp("p", "endpointSelector: {}\nenableDefaultDeny: {egress: false}\negress: [{toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system}}]}]")
                + CiliumVerdictTests.cnp("deny", namespace: nil, "endpointSelector: {}\nenableDefaultDeny: {egress: false}\negressDeny: [{toEndpoints: [{}]}]"),
             messages: ["egress[0] is shadowed completely by deny egressDeny[0]: deny rules win, so it never allows anything"]),
        Case(name: "unsupported constructs are named with their rule's path",
             policies: "---\napiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: c}\nspecs:\n- endpointSelector: {}\n  enableDefaultDeny: {egress: false}\n  egress: [{toGroups: [{aws: {securityGroupsIds: [sg-1]}}]}]\n- nodeSelector: {}\n  ingress: [{fromEntities: [cluster]}]\n",
             messages: [
                "specs[0].egress[0].toGroups is not supported: flowlog cannot evaluate it from flows, so verdicts that depend on it are UNKNOWN",
                "specs[1].nodeSelector: host policies are not evaluated (flows carry no node labels); verdicts for traffic of nodes are UNKNOWN",
             ]),
        Case(name: "egress default deny without DNS",
             policies: cnp("lock", "endpointSelector: {}\negress: [{toEntities: [world], toPorts: [{ports: [{port: \"443\"}]}]}]"),
             messages: ["endpointSelector {} puts every pod of namespace prod into egress default deny and no rule there allows DNS (UDP 53): pods cannot resolve names"]),
        Case(name: "…answered by a NetworkPolicy DNS allow",
             policies: cnp("lock", "endpointSelector: {}\negress: [{}]")
                + networkPolicy("dns", "podSelector: {}\npolicyTypes: [Egress]\negress: [{ports: [{protocol: UDP, port: 53}]}]"),
             messages: []),
        Case(name: "a NetworkPolicy default deny answered by a Cilium DNS allow",
             policies: networkPolicy("deny", "podSelector: {}\npolicyTypes: [Egress]")
                + cnp("dns", "endpointSelector: {}\negress: [{toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system}}], toPorts: [{ports: [{port: \"53\", protocol: UDP}]}]}]"),
             messages: []),
        Case(name: "an FQDN allow is no DNS allow",
             policies: cnp("lock", "endpointSelector: {}\negress: [{toFQDNs: [{matchName: example.com}]}]"),
             messages: [
                "endpointSelector {} puts every pod of namespace prod into egress default deny and no rule there allows DNS (UDP 53): pods cannot resolve names",
             ]),
        Case(name: "a bare-key selector that matches nothing seen",
             policies: cnp("p", "endpointSelector: {matchLabels: {ap: api}}\ningress: [{fromEndpoints: [{matchLabels: {k8s:app: nobody}}]}]"),
             seen: [Cluster.pod("prod", ["app": "api"])],
             messages: [
                "endpointSelector matches no endpoint seen in the stored flows (none of its keys has the k8s: prefix; check the label names)",
                "ingress[0].fromEndpoints[0] matches no endpoint seen in the stored flows",
             ]),
        Case(name: "selectors that match what was seen",
             policies: cnp("p", "endpointSelector: {matchLabels: {app: api}}\ningress: [{fromEndpoints: [{matchLabels: {app: web}}]}]"),
             seen: [Cluster.pod("prod", ["app": "api"]), Cluster.pod("prod", ["app": "web"])], messages: []),
    ]

    @Test(arguments: cases) func lint(_ test: Case) throws {
        let loaded = try PolicyLoader.load(yaml: test.policies, file: "t.yaml")
        let findings = PolicyLinter.lint(loaded.policies, ciliumPolicies: loaded.ciliumPolicies, seen: test.seen)
        #expect(findings.map(\.message) == test.messages)
    }
}
