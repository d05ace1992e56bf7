import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogPolicy
import FlowlogTestSupport

private let labels = PolicyFixtures.labels

struct PolicyLoaderTests {
    // MARK: - The sample policies

    struct SampleCase: CustomTestStringConvertible, Sendable {
        var file: String
        var policy: NetworkPolicy
        var testDescription: String { file }
    }

    static let sampleCases: [SampleCase] = [
        SampleCase(file: "allow-dns.yaml", policy: NetworkPolicy(
            name: "allow-dns", namespace: "production", podSelector: LabelSelector(), policyTypes: [.egress],
            egress: [PolicyRule(
                peers: [.selector(pods: nil, namespaces: labels(["kubernetes.io/metadata.name": "kube-system"]))],
                ports: [PortSpec(proto: .udp, port: .number(53)), PortSpec(proto: .tcp, port: .number(53))])])),
        SampleCase(file: "allow-external-api.yaml", policy: NetworkPolicy(
            name: "api-external-egress", namespace: "production", podSelector: labels(["app": "api"]), policyTypes: [.egress],
            egress: [PolicyRule(peers: [.ipBlock(IPBlock(cidr: CIDR("203.0.113.0/24")!))],
                                ports: [PortSpec(proto: .tcp, port: .number(443))])])),
        SampleCase(file: "allow-monitoring.yaml", policy: NetworkPolicy(
            name: "allow-prometheus-scrape", namespace: "production", podSelector: LabelSelector(), policyTypes: [.ingress],
            ingress: [PolicyRule(
                peers: [.selector(pods: labels(["app": "prometheus"]),
                                  namespaces: labels(["kubernetes.io/metadata.name": "monitoring"]))],
                ports: [PortSpec(proto: .tcp, port: .number(9090))])])),
        SampleCase(file: "api-policy.yaml", policy: NetworkPolicy(
            name: "api-policy", namespace: "production", podSelector: labels(["app": "api"]), policyTypes: [.ingress, .egress],
            ingress: [PolicyRule(peers: [.selector(pods: labels(["app": "frontend"]), namespaces: nil)],
                                 ports: [PortSpec(proto: .tcp, port: .number(3000))])],
            egress: [PolicyRule(peers: [.selector(pods: labels(["app": "database"]), namespaces: nil)],
                                ports: [PortSpec(proto: .tcp, port: .number(5432))])])),
        SampleCase(file: "database-policy.yaml", policy: NetworkPolicy(
            name: "database-policy", namespace: "production", podSelector: labels(["app": "database"]),
            policyTypes: [.ingress, .egress],
            ingress: [PolicyRule(peers: [.selector(pods: labels(["app": "api"]), namespaces: nil)],
                                 ports: [PortSpec(proto: .tcp, port: .number(5432))])],
            egress: [])),
        SampleCase(file: "default-deny-all.yaml", policy: NetworkPolicy(
            name: "default-deny-all", namespace: "production", podSelector: LabelSelector(), policyTypes: [.ingress, .egress])),
        SampleCase(file: "frontend-policy.yaml", policy: NetworkPolicy(
            name: "frontend-policy", namespace: "production", podSelector: labels(["app": "frontend"]),
            policyTypes: [.ingress, .egress],
            ingress: [PolicyRule(peers: [.selector(pods: nil, namespaces: labels(["kubernetes.io/metadata.name": "ingress-nginx"]))],
                                 ports: [PortSpec(proto: .tcp, port: .number(8080))])],
            egress: [PolicyRule(peers: [.selector(pods: labels(["app": "api"]), namespaces: nil)],
                                ports: [PortSpec(proto: .tcp, port: .number(3000))])])),
    ]

    @Test(arguments: sampleCases)
    func samplePolicyLoadsWithExactStructure(_ test: SampleCase) throws {
        let result = try PolicyLoader.load(paths: [PolicyFixtures.samplePolicies + "/" + test.file])
        #expect(result.diagnostics.isEmpty)
        #expect(result.policies.map(\.withoutLocations) == [test.policy])
    }

    @Test func sampleDirectoryLoadsAllSevenSortedByPath() throws {
        let result = try PolicyLoader.load(paths: [PolicyFixtures.samplePolicies])
        #expect(result.diagnostics.isEmpty)
        #expect(result.policies.map(\.withoutLocations) == PolicyLoaderTests.sampleCases.map(\.policy))
    }

    @Test func allowMonitoringHasOnePeerWithBothSelectors() throws {
        let policy = try #require(try PolicyLoader.load(paths: [PolicyFixtures.samplePolicies + "/allow-monitoring.yaml"]).policies.first)
        let peers = try #require(policy.ingress?.first?.peers)
        #expect(peers.count == 1)
        guard case .selector(let pods?, let namespaces?) = peers[0] else {
            Issue.record("expected one peer with both selectors, got \(peers)")
            return
        }
        #expect(pods.matches(["app": "prometheus"]))
        #expect(namespaces.matches(["kubernetes.io/metadata.name": "monitoring"]))
    }

    @Test func databasePolicyHasEmptyEgressList() throws {
        let policy = try #require(try PolicyLoader.load(paths: [PolicyFixtures.samplePolicies + "/database-policy.yaml"]).policies.first)
        #expect(policy.egress == [])
        #expect(policy.effectivePolicyTypes == [.ingress, .egress])
    }

    @Test func apiExternalEgressAllowsOneIPBlock() throws {
        let policy = try #require(try PolicyLoader.load(paths: [PolicyFixtures.samplePolicies + "/allow-external-api.yaml"]).policies.first)
        let rule = try #require(policy.egress?.first)
        #expect(rule.peers == [.ipBlock(IPBlock(cidr: try #require(CIDR("203.0.113.0/24"))))])
        guard case .ipBlock(let block) = rule.peers?.first else { return }
        #expect(block.contains(try #require(IPAddress("203.0.113.77"))))
        #expect(!block.contains(try #require(IPAddress("198.51.100.1"))))
    }

    @Test func positionsPointAtTheDocumentRuleAndPort() throws {
        let path = PolicyFixtures.samplePolicies + "/allow-external-api.yaml"
        let policy = try #require(try PolicyLoader.load(paths: [path]).policies.first)
        #expect(policy.location == Position(file: path, line: 3, column: 1))
        #expect(policy.egress?.first?.location == Position(file: path, line: 15, column: 7))
        #expect(policy.egress?.first?.ports?.first?.location == Position(file: path, line: 19, column: 11))
    }

    // MARK: - Inputs

    @Test func directoryIsReadRecursivelySortedAndOnlyYAML() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path("sub"), withIntermediateDirectories: true)
        try directory.write("b.yaml", PolicyFixtures.policy(name: "b", spec: "podSelector: {}"))
        try directory.write("a.yml", PolicyFixtures.policy(name: "a", spec: "podSelector: {}"))
        try directory.write("sub/c.yaml", PolicyFixtures.policy(name: "c", spec: "podSelector: {}"))
        try directory.write("notes.txt", "not: yaml: at all")
        try directory.write(".hidden.yaml", "not: yaml: at all")
        let result = try PolicyLoader.load(paths: [directory.url.path])
        #expect(result.policies.map(\.name) == ["a", "b", "c"])
        #expect(result.policies.map { $0.location?.file } == [directory.path("a.yml"), directory.path("b.yaml"), directory.path("sub/c.yaml")])
    }

    @Test func emptyDirectoryGivesNoPolicies() throws {
        let directory = try TemporaryDirectory()
        #expect(try PolicyLoader.load(paths: [directory.url.path]) == PolicyLoadResult())
    }

    @Test func pathsAreLoadedInTheOrderGivenAndEachOnce() throws {
        let directory = try TemporaryDirectory()
        let first = try directory.write("z.yaml", PolicyFixtures.policy(name: "zeta", spec: "podSelector: {}"))
        let second = try directory.write("y.yaml", PolicyFixtures.policy(name: "yankee", spec: "podSelector: {}"))
        let result = try PolicyLoader.load(paths: [first, second, first])
        #expect(result.policies.map(\.name) == ["zeta", "yankee"])
        #expect(result.diagnostics.isEmpty)
    }

    @Test func missingPathIsAnUnreadableError() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("absent.yaml")
        #expect(throws: PolicyError(kind: .unreadable, location: nil, message: "cannot read \"\(path)\": No such file or directory")) {
            try PolicyLoader.load(paths: [path])
        }
    }

    // MARK: - Streams and lists

    @Test func multiDocumentStreamSkipsEmptyDocuments() throws {
        let yaml = "---\n" + PolicyFixtures.policy(name: "one", spec: "podSelector: {}") + "\n---\n---\n# comment only\n---\n"
            + PolicyFixtures.policy(name: "two", spec: "podSelector: {}") + "\n"
        let result = try PolicyLoader.load(yaml: yaml, file: "t.yaml")
        #expect(result.policies.map(\.name) == ["one", "two"])
        #expect(result.policies.map { $0.location?.line } == [2, 13])
        #expect(result.diagnostics.isEmpty)
    }

    /// What `kubectl get netpol,svc -A -o yaml` prints: a `List` with server-set fields.
    @Test func kubectlListOutputLoadsPoliciesAndNotesOtherKinds() throws {
        let yaml = """
            apiVersion: v1
            items:
            - apiVersion: networking.k8s.io/v1
              kind: NetworkPolicy
              metadata:
                annotations:
                  kubectl.kubernetes.io/last-applied-configuration: |
                    {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy"}
                creationTimestamp: "2026-11-20T09:00:00Z"
                generation: 1
                name: default-deny-all
                namespace: production
                resourceVersion: "1234"
                uid: 6e1f4b2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b
              spec:
                podSelector: {}
                policyTypes:
                - Ingress
            - apiVersion: v1
              kind: Service
              metadata:
                name: api
                namespace: production
              spec:
                ports:
                - port: 3000
            kind: List
            metadata:
              resourceVersion: ""
            """
        let result = try PolicyLoader.load(yaml: yaml, file: "list.yaml")
        #expect(result.policies.map(\.qualifiedName) == ["production/default-deny-all"])
        #expect(result.policies.first?.location == Position(file: "list.yaml", line: 3, column: 3))
        #expect(result.diagnostics.map(\.description) == ["list.yaml:19:3: note: skipping kind Service (v1) production/api"])
    }

    @Test func typedListItemsInheritKindAndAPIVersion() throws {
        let yaml = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicyList
            items:
              - metadata: {name: one, namespace: a}
                spec: {podSelector: {}}
              - metadata: {name: two, namespace: b}
                spec: {podSelector: {matchLabels: {app: web}}}
            """
        let result = try PolicyLoader.load(yaml: yaml, file: "t.yaml")
        #expect(result.policies.map(\.qualifiedName) == ["a/one", "b/two"])
        #expect(result.policies.last?.podSelector == labels(["app": "web"]))
    }

    @Test func documentsOfOtherKindsAreSkippedWithANote() throws {
        let yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: default
            spec:
              replicas: 2
            ---
            apiVersion: v1
            kind: Namespace
            metadata:
              name: production
            ---
            apiVersion: cilium.io/v2
            kind: CiliumEgressGatewayPolicy
            metadata:
              name: l7
            """
        let result = try PolicyLoader.load(yaml: yaml, file: "manifests.yaml")
        #expect(result.policies.isEmpty)
        #expect(result.diagnostics.map(\.description) == [
            "manifests.yaml:1:1: note: skipping kind Deployment (apps/v1) default/web",
            "manifests.yaml:9:1: note: skipping kind Namespace (v1) production",
            "manifests.yaml:14:1: note: skipping kind CiliumEgressGatewayPolicy (cilium.io/v2) l7",
        ])
    }

    @Test func missingNamespaceDefaultsToDefault() throws {
        let policy = try PolicyFixtures.onlyPolicy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: web
            spec:
              podSelector: {}
            """)
        #expect(policy.namespace == "default")
        #expect(policy.qualifiedName == "default/web")
    }
}
