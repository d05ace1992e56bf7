import Testing
@testable import FlowlogModel
import FlowlogTestSupport

/// A frontend pod as Cilium labels it: its own labels plus per-pod and bookkeeping ones.
private let frontend = Endpoint(
    identity: 51234, namespace: "production", podName: "frontend-7d9c8b-x2x4q",
    labels: ["k8s:app=frontend", "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=production",
             "k8s:io.cilium.k8s.policy.cluster=default", "k8s:io.cilium.k8s.policy.serviceaccount=frontend",
             "k8s:io.kubernetes.pod.namespace=production", "k8s:pod-template-hash=7d9c8b", "k8s:tier=web"],
    workloads: [Workload(kind: "Deployment", name: "frontend")])

@Suite struct EndpointGroupingTests {
    struct KeyCase: Sendable, CustomTestStringConvertible {
        var name: String
        var endpoint: Endpoint
        var grouping: EndpointGrouping
        var key: String
        var testDescription: String { "\(name) by \(grouping)" }
    }

    static let world = Endpoint(identity: 2, labels: ["reserved:world"])
    static let cidr = Endpoint(identity: 16_777_217, labels: ["cidr:1.1.1.1/32", "reserved:world-ipv4"])
    static let host = Endpoint(identity: 1, labels: ["reserved:host"])
    static let hostWithAPIServer = Endpoint(identity: 1, labels: ["reserved:host", "reserved:kube-apiserver"])
    static let remoteNode = Endpoint(identity: 6, labels: ["reserved:remote-node"])
    static let staleWorld = Endpoint(identity: 2, namespace: "production", podName: "gone-pod", labels: ["reserved:world"])

    static let keyCases: [KeyCase] = [
        KeyCase(name: "pod labels without noise", endpoint: frontend, grouping: .labels, key: "production/app=frontend,tier=web"),
        KeyCase(name: "namespace from the label", endpoint: Endpoint(labels: frontend.labels), grouping: .labels,
                key: "production/app=frontend,tier=web"),
        KeyCase(name: "replicas of one deployment",
                endpoint: Endpoint(namespace: "production", podName: "frontend-5c6d7e-aaaaa",
                                   labels: ["k8s:app=frontend", "k8s:pod-template-hash=5c6d7e", "k8s:tier=web"]),
                grouping: .labels, key: "production/app=frontend,tier=web"),
        KeyCase(name: "statefulset pod labels",
                endpoint: Endpoint(namespace: "databases", podName: "postgres-0",
                                   labels: ["k8s:app=postgres", "k8s:apps.kubernetes.io/pod-index=0",
                                            "k8s:controller-revision-hash=postgres-6f7", "k8s:io.kubernetes.pod.namespace=databases",
                                            "k8s:statefulset.kubernetes.io/pod-name=postgres-0"]),
                grouping: .labels, key: "databases/app=postgres"),
        KeyCase(name: "label without value", endpoint: Endpoint(namespace: "ns", labels: ["k8s:canary", "k8s:app=x"]),
                grouping: .labels, key: "ns/app=x,canary"),
        KeyCase(name: "container labels count", endpoint: Endpoint(labels: ["container:app=legacy"]), grouping: .labels,
                key: "app=legacy"),
        KeyCase(name: "only bookkeeping labels", endpoint: Endpoint(labels: ["k8s:io.kubernetes.pod.namespace=jobs"]),
                grouping: .labels, key: "jobs"),
        KeyCase(name: "world", endpoint: world, grouping: .labels, key: "world"),
        KeyCase(name: "CIDR identity", endpoint: cidr, grouping: .labels, key: "world"),
        KeyCase(name: "world with a stale pod name", endpoint: staleWorld, grouping: .pod, key: "world"),
        KeyCase(name: "world identity without labels", endpoint: Endpoint(identity: 2), grouping: .labels, key: "world"),
        KeyCase(name: "IPv6 world identity", endpoint: Endpoint(identity: 10), grouping: .labels, key: "world"),
        KeyCase(name: "host", endpoint: host, grouping: .labels, key: "host"),
        KeyCase(name: "host that runs the API server", endpoint: hostWithAPIServer, grouping: .labels, key: "host"),
        KeyCase(name: "host identity without labels", endpoint: Endpoint(identity: 1), grouping: .labels, key: "host"),
        KeyCase(name: "remote node", endpoint: remoteNode, grouping: .labels, key: "remote-node"),
        KeyCase(name: "remote node identity without labels", endpoint: Endpoint(identity: 6), grouping: .labels,
                key: "remote-node"),
        KeyCase(name: "health", endpoint: Endpoint(identity: 4, labels: ["reserved:health"]), grouping: .labels, key: "health"),
        KeyCase(name: "nothing known", endpoint: Endpoint(), grouping: .labels, key: "unknown"),
        KeyCase(name: "workload", endpoint: frontend, grouping: .workload, key: "production/frontend"),
        KeyCase(name: "workload falls back to labels",
                endpoint: Endpoint(namespace: "production", labels: ["k8s:app=batch"]), grouping: .workload,
                key: "production/app=batch"),
        KeyCase(name: "world by workload", endpoint: world, grouping: .workload, key: "world"),
        KeyCase(name: "pod", endpoint: frontend, grouping: .pod, key: "production/frontend-7d9c8b-x2x4q"),
        KeyCase(name: "pod falls back to labels", endpoint: Endpoint(namespace: "production", labels: ["k8s:app=x"]),
                grouping: .pod, key: "production/app=x"),
        KeyCase(name: "host by pod", endpoint: host, grouping: .pod, key: "host"),
        KeyCase(name: "namespace", endpoint: frontend, grouping: .namespace, key: "production"),
        KeyCase(name: "namespace from the label only", endpoint: Endpoint(labels: ["k8s:app=x", "k8s:io.kubernetes.pod.namespace=jobs"]),
                grouping: .namespace, key: "jobs"),
        KeyCase(name: "pod without namespace", endpoint: Endpoint(labels: ["k8s:app=x"]), grouping: .namespace, key: "unknown"),
        KeyCase(name: "world by namespace", endpoint: world, grouping: .namespace, key: "world"),
    ]

    @Test(arguments: keyCases)
    func groupsEndpoint(_ testCase: KeyCase) {
        #expect(testCase.grouping.key(for: testCase.endpoint) == testCase.key)
    }

    @Test func stableLabelsAreThePodsOwnLabelsSorted() {
        let stable = EndpointGrouping.stableLabels(frontend)
        #expect(stable.map(\.description) == ["k8s:app=frontend", "k8s:tier=web"])
    }

    @Test(arguments: ["pod-template-hash", "controller-revision-hash", "pod-template-generation", "controller-uid",
                      "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index",
                      "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-completion-index"])
    func volatileLabelIsDropped(_ key: String) {
        let endpoint = Endpoint(namespace: "ns", labels: ["k8s:app=x", "k8s:\(key)=v1"])
        #expect(EndpointGrouping.labels.key(for: endpoint) == "ns/app=x")
    }

    @Test func groupingNamesMatchTheCommandLine() {
        #expect(EndpointGrouping.allCases.map(\.rawValue) == ["labels", "workload", "pod", "namespace"])
    }
}
