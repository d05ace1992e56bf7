import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogPolicy
import FlowlogTestSupport

/// The loader on `cilium.io/v2` CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy.
@Suite struct CiliumPolicyDecoderTests {
    static var samplePolicies: String { packageRoot.appendingPathComponent("SampleFlows/policies-cilium").path }
    static var brokenPolicies: String { packageRoot.appendingPathComponent("SampleFlows/broken-policies-cilium").path }

    static func only(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> CiliumNetworkPolicy {
        let result = try PolicyLoader.load(yaml: yaml, file: "t.yaml")
        #expect(result.ciliumPolicies.count == 1, sourceLocation: sourceLocation)
        return try #require(result.ciliumPolicies.first, sourceLocation: sourceLocation)
    }

    static func selector(_ pairs: KeyValuePairs<String, String>) -> LabelSelector {
        LabelSelector(requirements: pairs.map { LabelSelector.Requirement(key: $0.key, op: .in, values: [$0.value]) })
    }

    @Test func theSampleDirectoryHoldsTheSevenSeedPoliciesAsCiliumPolicies() throws {
        let result = try PolicyLoader.load(paths: [Self.samplePolicies])
        #expect(result.policies.isEmpty)
        #expect(result.diagnostics.isEmpty)
        #expect(result.ciliumPolicies.map(\.qualifiedName) == [
            "production/allow-dns", "production/api-external-egress", "production/allow-prometheus-scrape",
            "production/api-policy", "production/database-policy", "production/default-deny-all", "production/frontend-policy",
        ])
    }

    @Test func aNamespacedPolicyDecodesSelectorsPeersAndPorts() throws {
        let policy = try Self.only("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: api-cnp, namespace: production}
            spec:
              endpointSelector:
                matchLabels: {k8s:app: api}
              ingress:
                - fromEndpoints:
                    - matchLabels: {app: frontend}
                  fromEntities: [host, remote-node]
                  toPorts:
                    - ports: [{port: "80", protocol: TCP}]
                    - ports: [{port: 8000, endPort: 8080}]
              egressDeny:
                - toCIDRSet: [{cidr: 10.0.0.0/8, except: [10.1.0.0/16]}]
                  toCIDR: [192.0.2.1]
            """)
        #expect(policy.namespace == "production")
        #expect(!policy.isClusterwide)
        let rule = try #require(policy.rules.first)
        #expect(rule.path == "")
        #expect(rule.endpointSelector == Self.selector(["k8s:app": "api"]))
        #expect(rule.ingress.withoutLocations == [CiliumPeerRule(
            endpoints: [Self.selector(["app": "frontend"])], entities: [.host, .remoteNode],
            toPorts: [CiliumPortRule(ports: [CiliumPort(port: .number(80), proto: .tcp)]),
                      CiliumPortRule(ports: [CiliumPort(port: .number(8000), endPort: 8080, proto: .any)])])])
        #expect(rule.egressDeny.withoutLocations == [CiliumPeerRule(cidrs: [
            CiliumCIDRRule(block: IPBlock(cidr: CIDR("192.0.2.1/32")!)),
            CiliumCIDRRule(block: IPBlock(cidr: CIDR("10.0.0.0/8")!, except: [CIDR("10.1.0.0/16")!])),
        ])])
        #expect(rule.enablesDefaultDeny(.ingress) && rule.enablesDefaultDeny(.egress))
    }

    @Test func aClusterwidePolicyWithSpecsHasOneRulePerItemAndNoNamespace() throws {
        let result = try PolicyLoader.load(yaml: """
            apiVersion: cilium.io/v2
            kind: CiliumClusterwideNetworkPolicy
            metadata: {name: baseline, namespace: ignored}
            spec:
              endpointSelector: {}
              enableDefaultDeny: {ingress: false, egress: false}
              egressDeny: [{toEntities: [world]}]
            specs:
              - endpointSelector:
                  matchLabels: {io.kubernetes.pod.namespace: kube-system}
                ingress: [{}]
              - nodeSelector: {}
                ingress: [{fromEntities: [cluster]}]
            """, file: "t.yaml")
        let policy = try #require(result.ciliumPolicies.first)
        #expect(policy.qualifiedName == "baseline")
        #expect(policy.kind == "CiliumClusterwideNetworkPolicy")
        #expect(policy.rules.map(\.path) == ["", "specs[0]", "specs[1]"])
        #expect(policy.rules[0].enablesDefaultDeny(.egress) == false)
        #expect(policy.rules[1].enablesDefaultDeny(.ingress))
        #expect(policy.rules[2].endpointSelector == nil && policy.rules[2].nodeSelector == LabelSelector())
        #expect(result.diagnostics.map(\.description) == [
            "t.yaml:3:39: warning: metadata.namespace: a CiliumClusterwideNetworkPolicy has no namespace; this one is ignored",
        ])
    }

    @Test func ciliumAndKubernetesPoliciesMixInMultiDocumentStreamsAndLists() throws {
        let result = try PolicyLoader.load(yaml: """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: np, namespace: production}
            spec: {podSelector: {}}
            ---
            apiVersion: v1
            kind: List
            items:
              - apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: cnp, namespace: production}
                spec: {endpointSelector: {}}
              - apiVersion: cilium.io/v2
                kind: CiliumClusterwideNetworkPolicy
                metadata: {name: ccnp}
                spec: {endpointSelector: {}}
              - apiVersion: v1
                kind: ConfigMap
                metadata: {name: other}
            """, file: "t.yaml")
        #expect(result.policies.map(\.qualifiedName) == ["production/np"])
        #expect(result.ciliumPolicies.map(\.qualifiedName) == ["production/cnp", "ccnp"])
        #expect(result.diagnostics.map(\.description) == ["t.yaml:17:5: note: skipping kind ConfigMap (v1) other"])
    }

    @Test func unsupportedConstructsAreKeptWithTheirPathsAndL7KindsAreListed() throws {
        let policy = try Self.only("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: mixed, namespace: production}
            spec:
              endpointSelector: {}
              egress:
                - toServices: [{k8sService: {serviceName: db, namespace: production}}]
                - toFQDNs: [{matchName: api.example.com}, {matchPattern: "*.example.org"}]
                  toPorts:
                    - ports: [{port: "443"}]
                      rules:
                        http: [{method: GET}]
                - toEndpoints: [{}]
                  toRequires: [{matchLabels: {env: prod}}]
            """)
        let egress = try #require(policy.rules.first?.egress)
        #expect(egress[0].unsupported.map(\.fieldPath) == ["spec.egress[0].toServices"])
        #expect(egress[0].hasPeerFields)
        #expect(egress[1].fqdns == [CiliumFQDNSelector(matchName: "api.example.com"), CiliumFQDNSelector(matchPattern: "*.example.org")])
        #expect(egress[1].toPorts?.first?.l7 == ["http"])
        #expect(egress[2].unsupported.map(\.field) == ["toRequires"])
        #expect(egress[2].unsupported.first?.narrowsPeers == true)
    }

    @Test func icmpsReadTypesAsNumbersOrAsNamesOfTheirFamily() throws {
        let policy = try Self.only("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: ping, namespace: production}
            spec:
              endpointSelector: {}
              ingress:
                - icmps:
                    - fields: [{type: 8, family: IPv4}, {type: 128, family: IPv6}]
                    - fields: [{type: EchoReply}, {type: EchoRequest, family: IPv6}, {type: "3"}, {type: Echo}]
            """)
        let rule = try #require(policy.rules.first?.ingress.first)
        #expect(rule.icmps == [CiliumICMPField(family: .ipv4, type: 8), CiliumICMPField(family: .ipv6, type: 128),
                               CiliumICMPField(family: .ipv4, type: 0), CiliumICMPField(family: .ipv6, type: 128),
                               CiliumICMPField(family: .ipv4, type: 3), CiliumICMPField(family: .ipv4, type: 8)])
        #expect(rule.unsupported.isEmpty)
        #expect(!rule.hasPeerFields && rule.hasL4Part)
    }

    @Test func aPolicyDefinedAgainReplacesTheFirstPerKind() throws {
        let result = try PolicyLoader.load(yaml: """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: api, namespace: production}
            spec: {endpointSelector: {}}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: api, namespace: production}
            spec: {podSelector: {}}
            ---
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: api, namespace: production}
            spec: {endpointSelector: {matchLabels: {app: api}}}
            """, file: "t.yaml")
        #expect(result.policies.map(\.qualifiedName) == ["production/api"])
        #expect(result.ciliumPolicies.map { $0.rules.first?.endpointSelector } == [Self.selector(["app": "api"])])
        #expect(result.diagnostics.map(\.description) == [
            "t.yaml:11:1: warning: CiliumNetworkPolicy production/api is defined again (first at t.yaml:1:1); the later definition replaces it",
        ])
    }

    @Test func aPeerFieldOfTheOtherDirectionIsAWarningWithAHint() throws {
        let result = try PolicyLoader.load(yaml: """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: slip, namespace: production}
            spec:
              endpointSelector: {}
              ingress:
                - toEndpoints: [{}]
            """, file: "t.yaml")
        #expect(result.diagnostics.map(\.description) == [
            "t.yaml:7:7: warning: spec.ingress[0].toEndpoints: unknown field (ingress rules use fromEndpoints)",
        ])
    }

    @Test func aPortIsANumberOrAStringAndZeroMeansEveryPort() throws {
        let policy = try Self.only("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: ports, namespace: production}
            spec:
              endpointSelector: {}
              ingress:
                - toPorts:
                    - ports: [{port: 53, protocol: UDP}, {port: "53", protocol: TCP}, {port: "0", protocol: SCTP}, {port: http}]
            """)
        #expect(policy.rules.first?.ingress.first?.toPorts?.first?.ports == [
            CiliumPort(port: .number(53), proto: .udp), CiliumPort(port: .number(53), proto: .tcp),
            CiliumPort(port: nil, proto: .sctp), CiliumPort(port: .name("http"), proto: .any),
        ])
    }

    // MARK: - Errors

    struct BrokenFile: CustomTestStringConvertible, Sendable {
        var file: String
        var rendered: String
        var testDescription: String { file }
    }

    static let brokenFiles: [BrokenFile] = [
        BrokenFile(file: "except-outside-cidr.yaml", rendered: """
            SampleFlows/broken-policies-cilium/except-outside-cidr.yaml:12:15: error: spec.egress[0].toCIDRSet[0].except[0]: expected a CIDR inside 203.0.113.0/24, found "198.51.100.0/28"
                        - 198.51.100.0/28
                          ^
            """),
        BrokenFile(file: "fqdn-pattern-bad-character.yaml", rendered: """
            SampleFlows/broken-policies-cilium/fqdn-pattern-bad-character.yaml:11:25: error: spec.egress[0].toFQDNs[1].matchPattern: matchPattern "[a-z]*.example.org" may hold only letters, digits, '-', '_', '.' and '*'
                    - matchPattern: "[a-z]*.example.org"
                                    ^
            """),
        BrokenFile(file: "icmp-unknown-name.yaml", rendered: """
            SampleFlows/broken-policies-cilium/icmp-unknown-name.yaml:13:21: error: spec.ingress[0].icmps[0].fields[1].type: expected an ICMP type 0-255 or a name Cilium knows for IPv4, found "NeighborSolicitation" (NeighborSolicitation is an IPv6 name; set family)
                        - type: NeighborSolicitation
                                ^
            """),
        BrokenFile(file: "missing-spec.yaml", rendered: """
            SampleFlows/broken-policies-cilium/missing-spec.yaml:1:1: error: spec: required field is missing (a CiliumNetworkPolicy needs spec or specs)
            apiVersion: cilium.io/v2
            ^
            """),
        BrokenFile(file: "node-selector-namespaced.yaml", rendered: """
            SampleFlows/broken-policies-cilium/node-selector-namespaced.yaml:8:5: error: spec.nodeSelector: nodeSelector is only valid in a CiliumClusterwideNetworkPolicy
                matchLabels:
                ^
            """),
        BrokenFile(file: "port-out-of-range.yaml", rendered: """
            SampleFlows/broken-policies-cilium/port-out-of-range.yaml:15:23: error: specs[1].ingress[0].toPorts[0].ports[0].port: expected a port 0-65535 (a number or a string) or a port name, found "70000" (a port number is at most 65535)
                          - port: "70000"
                                  ^
            """),
        BrokenFile(file: "protocol-lower-case.yaml", rendered: """
            SampleFlows/broken-policies-cilium/protocol-lower-case.yaml:14:25: error: spec.ingress[0].toPorts[0].ports[0].protocol: expected TCP, UDP, SCTP or ANY, found "tcp" (protocol names are upper-case)
                          protocol: tcp
                                    ^
            """),
        BrokenFile(file: "selector-bad-key.yaml", rendered: """
            SampleFlows/broken-policies-cilium/selector-bad-key.yaml:9:7: error: spec.endpointSelector.matchLabels: expected a label key, found "k8s:app name" (the name part must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric)
                  "k8s:app name": api
                  ^
            """),
        BrokenFile(file: "unknown-entity.yaml", rendered: """
            SampleFlows/broken-policies-cilium/unknown-entity.yaml:11:11: error: spec.egress[0].toEntities[1]: expected an entity (world, world-ipv4, world-ipv6, cluster, host, remote-node, kube-apiserver, health, init, ingress, unmanaged, all), found "internet"
                    - internet
                      ^
            """),
    ]

    @Test(arguments: brokenFiles)
    func aBrokenFileFailsWithItsPositionFieldPathAndSourceLine(_ broken: BrokenFile) throws {
        // Loaded under a relative name, so messages do not depend on where the package is.
        let text = try String(contentsOfFile: Self.brokenPolicies + "/" + broken.file, encoding: .utf8)
        do {
            _ = try PolicyLoader.load(yaml: text, file: "SampleFlows/broken-policies-cilium/" + broken.file)
            Issue.record("\(broken.file) loaded")
        } catch {
            #expect(error.expandedDescription == broken.rendered)
        }
    }

    @Test func everyBrokenFileHasACase() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.brokenPolicies).filter { $0.hasSuffix(".yaml") }
        #expect(files.sorted() == Self.brokenFiles.map(\.file).sorted())
    }
}

extension Array where Element == CiliumPeerRule {
    /// The rules without source positions, for comparing with literals.
    var withoutLocations: [CiliumPeerRule] {
        map { rule in
            var rule = rule
            rule.location = nil
            rule.unsupported = rule.unsupported.map { var item = $0; item.location = nil; return item }
            return rule
        }
    }
}
