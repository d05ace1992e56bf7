import Testing
@testable import FlowlogModel
@testable import FlowlogPolicy
import FlowlogTestSupport


struct ClusterObjectsTests {
    /// What `kubectl get namespaces -o yaml` prints (trimmed), plus a hand-written namespace.
    @Test func namespacesLoadFromAListWithTheirLabels() throws {
        let yaml = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Namespace
              metadata:
                labels:
                  kubernetes.io/metadata.name: production
                  team: payments
                name: production
                resourceVersion: "42"
              spec:
                finalizers:
                - kubernetes
              status:
                phase: Active
            ---
            apiVersion: v1
            kind: Namespace
            metadata:
              name: monitoring
            """
        let result = try ClusterObjects.loadNamespaces(yaml: yaml, file: "ns.yaml")
        #expect(result.objects == [
            NamespaceInfo(name: "production", labels: ["kubernetes.io/metadata.name": "production", "team": "payments"],
                          location: Position(file: "ns.yaml", line: 4, column: 3)),
            // The API server sets kubernetes.io/metadata.name on every namespace.
            NamespaceInfo(name: "monitoring", labels: ["kubernetes.io/metadata.name": "monitoring"],
                          location: Position(file: "ns.yaml", line: 18, column: 1)),
        ])
        #expect(result.diagnostics.isEmpty)
    }

    @Test func podsLoadWithNamespaceLabelsAndContainerPorts() throws {
        let yaml = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: api-5c9d8b7f64-hm4ks
              namespace: production
              labels: {app: api, pod-template-hash: 5c9d8b7f64}
            spec:
              containers:
                - name: api
                  image: example/api:1.0
                  ports:
                    - {name: http, containerPort: 3000}
                    - {name: metrics, containerPort: 9090, protocol: TCP}
                - name: dns-cache
                  ports:
                    - {containerPort: 53, protocol: UDP}
            status:
              podIP: 10.0.1.20
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: bare
            spec:
              containers: [{name: main, image: busybox}]
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api, namespace: production}
            """
        let result = try ClusterObjects.loadPods(yaml: yaml, file: "pods.yaml")
        #expect(result.objects == [
            PodInfo(namespace: "production", name: "api-5c9d8b7f64-hm4ks", labels: ["app": "api", "pod-template-hash": "5c9d8b7f64"],
                    containerPorts: [ContainerPort(name: "http", containerPort: 3000),
                                     ContainerPort(name: "metrics", containerPort: 9090, proto: .tcp),
                                     ContainerPort(containerPort: 53, proto: .udp)],
                    location: Position(file: "pods.yaml", line: 1, column: 1)),
            PodInfo(namespace: "default", name: "bare", location: Position(file: "pods.yaml", line: 20, column: 1)),
        ])
        #expect(result.diagnostics.map(\.description) == ["pods.yaml:27:1: note: skipping kind Deployment (apps/v1) production/api"])
    }

    struct ErrorCase: CustomTestStringConvertible, Sendable {
        var name: String
        var yaml: String
        var pods: Bool
        var expected: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        ErrorCase(name: "container port out of range",
                  yaml: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - ports: [{containerPort: 0}]\n",
                  pods: true,
                  expected: "pods.yaml:6:31: error: spec.containers[0].ports[0].containerPort: expected an integer 1-65535, found the integer 0"),
        ErrorCase(name: "container port without number",
                  yaml: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - ports: [{name: http}]\n",
                  pods: true,
                  expected: "pods.yaml:6:15: error: spec.containers[0].ports[0].containerPort: required field is missing (an integer 1-65535)"),
        ErrorCase(name: "port name too long",
                  yaml: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - ports: [{name: very-long-port-name, containerPort: 80}]\n",
                  pods: true,
                  expected: "pods.yaml:6:22: error: spec.containers[0].ports[0].name: expected a port name, found \"very-long-port-name\" (a port name must be no more than 15 characters)"),
        ErrorCase(name: "containers not a list",
                  yaml: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: {name: main}\n",
                  pods: true,
                  expected: "pods.yaml:5:15: error: spec.containers: expected a list of containers, found a mapping"),
        ErrorCase(name: "namespace name not a DNS label",
                  yaml: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team.payments\n",
                  pods: false,
                  expected: "ns.yaml:4:9: error: metadata.name: expected an object name, found \"team.payments\" (a name must consist of lowercase alphanumerics or '-', and start and end with an alphanumeric)"),
        ErrorCase(name: "label value not a string",
                  yaml: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: production\n  labels:\n    critical: true\n",
                  pods: false,
                  expected: "ns.yaml:6:15: error: metadata.labels.critical: expected a label value (a string), found the boolean true (quote it to make it a string: \"true\")"),
    ])
    func invalidObjectsFailWithTheirPosition(_ test: ErrorCase) throws {
        do {
            if test.pods {
                _ = try ClusterObjects.loadPods(yaml: test.yaml, file: "pods.yaml")
            } else {
                _ = try ClusterObjects.loadNamespaces(yaml: test.yaml, file: "ns.yaml")
            }
            Issue.record("expected an error")
        } catch {
            #expect(error.description == test.expected)
        }
    }

    @Test func loadByPathReadsAFile() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: production}\n")
        let result = try ClusterObjects.loadNamespaces(path: path)
        #expect(result.objects.map(\.name) == ["production"])
        #expect(result.objects.first?.location?.file == path)
    }
}
