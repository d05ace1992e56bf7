import Testing
@testable import FlowlogModel
@testable import FlowlogPolicy
import FlowlogTestSupport

private let labels = PolicyFixtures.labels

/// How a NetworkPolicy's spec decodes: rules, peers, ports, selectors, and the warnings the
/// decoder gives for what the API server accepts but is probably a mistake.
struct NetworkPolicyDecoderTests {
    struct PolicyTypesCase: CustomTestStringConvertible, Sendable {
        var name: String
        var spec: String
        var written: [PolicyType]?
        var effective: Set<PolicyType>
        var testDescription: String { name }
    }

    @Test(arguments: [
        PolicyTypesCase(name: "omitted, no rules", spec: "podSelector: {}", written: nil, effective: [.ingress]),
        PolicyTypesCase(name: "omitted, ingress rules", spec: "podSelector: {}\ningress: [{}]", written: nil, effective: [.ingress]),
        PolicyTypesCase(name: "omitted, egress rules", spec: "podSelector: {}\negress:\n  - to: [{podSelector: {}}]",
                        written: nil, effective: [.ingress, .egress]),
        PolicyTypesCase(name: "omitted, empty egress list", spec: "podSelector: {}\negress: []", written: nil, effective: [.ingress]),
        PolicyTypesCase(name: "empty list", spec: "podSelector: {}\npolicyTypes: []\negress: [{}]", written: [],
                        effective: [.ingress, .egress]),
        PolicyTypesCase(name: "egress only", spec: "podSelector: {}\npolicyTypes: [Egress]", written: [.egress], effective: [.egress]),
        PolicyTypesCase(name: "both", spec: "podSelector: {}\npolicyTypes: [Ingress, Egress]", written: [.ingress, .egress],
                        effective: [.ingress, .egress]),
    ])
    func policyTypesAreKeptAsWrittenAndDefaultedByEffectivePolicyTypes(_ test: PolicyTypesCase) throws {
        let policy = try PolicyFixtures.onlyPolicy(PolicyFixtures.policy(spec: test.spec))
        #expect(policy.policyTypes == test.written)
        #expect(policy.effectivePolicyTypes == test.effective)
    }

    @Test func emptyPeerAndPortListsMeanEverything() throws {
        let policy = try PolicyFixtures.onlyPolicy(PolicyFixtures.policy(spec: """
            podSelector: {}
            ingress:
              - from: []
                ports: []
              - {}
              -
            """))
        let expected = [PolicyRule(), PolicyRule(), PolicyRule()]
        #expect(policy.withoutLocations.ingress == expected)
        #expect(policy.egress == nil)
    }

    @Test func portsDecodeNamesRangesAndProtocols() throws {
        let policy = try PolicyFixtures.onlyPolicy(PolicyFixtures.policy(spec: """
            podSelector: {}
            egress:
              - ports:
                  - port: http
                  - protocol: UDP
                    port: 32000
                    endPort: 32768
                  - protocol: SCTP
                  - {}
            """))
        let ports = try #require(policy.withoutLocations.egress?.first?.ports)
        #expect(ports == [
            PortSpec(proto: .tcp, port: .name("http")),
            PortSpec(proto: .udp, port: .number(32000), endPort: 32768),
            PortSpec(proto: .sctp),
            PortSpec(proto: .tcp),
        ])
    }

    @Test func selectorsBuildTheSharedLabelSelector() throws {
        let policy = try PolicyFixtures.onlyPolicy(PolicyFixtures.policy(spec: """
            podSelector:
              matchLabels:
                app.kubernetes.io/name: api
                tier: "2"
              matchExpressions:
                - {key: env, operator: In, values: [prod, staging]}
                - {key: canary, operator: DoesNotExist}
                - {key: team, operator: NotIn, values: [qa]}
                - {key: owner, operator: Exists}
            """))
        #expect(policy.podSelector == LabelSelector(requirements: [
            .init(key: "app.kubernetes.io/name", op: .in, values: ["api"]),
            .init(key: "tier", op: .in, values: ["2"]),
            .init(key: "env", op: .in, values: ["prod", "staging"]),
            .init(key: "canary", op: .doesNotExist),
            .init(key: "team", op: .notIn, values: ["qa"]),
            .init(key: "owner", op: .exists),
        ]))
        #expect(policy.podSelector == (try LabelSelector(parsing: "app.kubernetes.io/name=api,tier=2,env in (prod,staging),!canary,team notin (qa),owner")))
        #expect(policy.podSelector.matches(["app.kubernetes.io/name": "api", "tier": "2", "env": "prod", "owner": "x"]))
    }

    @Test func ipBlockKeepsItsExceptions() throws {
        let policy = try PolicyFixtures.onlyPolicy(PolicyFixtures.policy(spec: """
            podSelector: {}
            egress:
              - to:
                  - ipBlock:
                      cidr: 0.0.0.0/0
                      except: [10.0.0.0/8, 192.168.0.0/16]
                  - ipBlock: {cidr: "fd00::/8"}
            """))
        let peers = try #require(policy.egress?.first?.peers)
        #expect(peers == [
            .ipBlock(IPBlock(cidr: try #require(CIDR("0.0.0.0/0")), except: [try #require(CIDR("10.0.0.0/8")), try #require(CIDR("192.168.0.0/16"))])),
            .ipBlock(IPBlock(cidr: try #require(CIDR("fd00::/8")))),
        ])
    }

    @Test func mergeKeysAreExpanded() throws {
        let policy = try PolicyFixtures.onlyPolicy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: web
            spec:
              podSelector: {}
              ingress:
                - ports:
                    - &https {protocol: TCP, port: 443}
                    - <<: *https
                      port: 8443
            """)
        #expect(policy.withoutLocations.ingress?.first?.ports == [PortSpec(proto: .tcp, port: .number(443)), PortSpec(proto: .tcp, port: .number(8443))])
    }

    // MARK: - Warnings

    @Test func unknownFieldsAreWarningsNotErrors() throws {
        let yaml = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: web
              labelz: {}
            spec:
              podSelector: {}
              ingres: []
              ingress:
                - to: [{podSelector: {}}]
            """
        let result = try PolicyLoader.load(yaml: yaml, file: "t.yaml")
        #expect(result.policies.count == 1)
        #expect(result.diagnostics.map(\.description) == [
            "t.yaml:5:3: warning: metadata.labelz: unknown field (did you mean labels?)",
            "t.yaml:8:3: warning: spec.ingres: unknown field (did you mean ingress?)",
            "t.yaml:10:7: warning: spec.ingress[0].to: unknown field (ingress rules use from; this rule allows every peer)",
        ])
        #expect(result.diagnostics[1].expandedDescription == "t.yaml:8:3: warning: spec.ingres: unknown field (did you mean ingress?)\n  ingres: []\n  ^")
    }

    @Test func cidrWithHostBitsIsReadAsItsNetworkWithAWarning() throws {
        let result = try PolicyLoader.load(yaml: PolicyFixtures.policy(spec: "podSelector: {}\negress:\n  - to: [{ipBlock: {cidr: 10.1.2.3/16}}]"),
                                           file: "t.yaml")
        #expect(result.policies.first?.egress?.first?.peers == [.ipBlock(IPBlock(cidr: try #require(CIDR("10.1.0.0/16"))))])
        #expect(result.diagnostics.map(\.description) == [
            "t.yaml:9:29: warning: spec.egress[0].to[0].ipBlock.cidr: CIDR \"10.1.2.3/16\" has bits set past the prefix length; read as 10.1.0.0/16 (write \"10.1.0.0/16\", or \"10.1.2.3/32\" for one address)",
        ])
    }

    @Test func nullLabelValueIsTheEmptyStringWithAWarning() throws {
        let result = try PolicyLoader.load(yaml: PolicyFixtures.policy(spec: "podSelector:\n  matchLabels:\n    app:"), file: "t.yaml")
        #expect(result.policies.first?.podSelector == labels(["app": ""]))
        #expect(result.diagnostics.map(\.description) == ["t.yaml:9:11: warning: spec.podSelector.matchLabels.app: no value; read as the empty string"])
    }

    @Test func policyDefinedAgainReplacesTheEarlierOneWithAWarning() throws {
        let yaml = PolicyFixtures.policy(name: "web", spec: "podSelector: {}") + "\n---\n"
            + PolicyFixtures.policy(name: "web", spec: "podSelector: {matchLabels: {app: web}}") + "\n"
        let result = try PolicyLoader.load(yaml: yaml, file: "t.yaml")
        #expect(result.policies.map(\.podSelector) == [labels(["app": "web"])])
        #expect(result.diagnostics.map(\.description) == [
            "t.yaml:9:1: warning: policy production/web is defined again (first at t.yaml:1:1); the later definition replaces it",
        ])
    }
}
