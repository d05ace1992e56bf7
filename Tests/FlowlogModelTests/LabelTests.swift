import Testing
@testable import FlowlogModel
import FlowlogTestSupport

@Suite struct LabelTests {
    struct ParseCase: Sendable, CustomTestStringConvertible {
        var text: String
        var source: String
        var key: String
        var value: String
        var testDescription: String { text.debugDescription }
    }

    static let parseCases: [ParseCase] = [
        ParseCase(text: "k8s:io.kubernetes.pod.namespace=production", source: "k8s", key: "io.kubernetes.pod.namespace",
                  value: "production"),
        ParseCase(text: "k8s:app=frontend", source: "k8s", key: "app", value: "frontend"),
        ParseCase(text: "reserved:world", source: "reserved", key: "world", value: ""),
        ParseCase(text: "reserved:kube-apiserver", source: "reserved", key: "kube-apiserver", value: ""),
        ParseCase(text: "cidr:10.0.0.0/8", source: "cidr", key: "10.0.0.0/8", value: ""),
        ParseCase(text: "cidr:0--1/128", source: "cidr", key: "0--1/128", value: ""),
        ParseCase(text: "fqdn:one.one.one.one.", source: "fqdn", key: "one.one.one.one.", value: ""),
        ParseCase(text: "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=kube-system", source: "k8s",
                  key: "io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name", value: "kube-system"),
        ParseCase(text: "k8s:config=a=b=c", source: "k8s", key: "config", value: "a=b=c"),
        ParseCase(text: "k8s:url=http://example.com:8080/", source: "k8s", key: "url", value: "http://example.com:8080/"),
        ParseCase(text: "k8s:empty=", source: "k8s", key: "empty", value: ""),
        ParseCase(text: "app=frontend", source: "", key: "app", value: "frontend"),
        ParseCase(text: "app=a:b", source: "", key: "app", value: "a:b"),
        ParseCase(text: "example.com/team:x=y", source: "", key: "example.com/team:x", value: "y"),
        ParseCase(text: ":app=x", source: "", key: ":app", value: "x"),
        ParseCase(text: "", source: "", key: "", value: ""),
    ]

    @Test(arguments: parseCases)
    func parsesLabel(_ testCase: ParseCase) {
        let label = Label(parsing: testCase.text)
        #expect(label == Label(source: testCase.source, key: testCase.key, value: testCase.value))
    }

    @Test(arguments: ["k8s:io.kubernetes.pod.namespace=production", "reserved:world", "k8s:config=a=b=c", "app=frontend",
                      "cidr:10.0.0.0/8"])
    func descriptionGivesBackTheText(_ text: String) {
        #expect(Label(parsing: text).description == text)
    }

    @Test func ordersBySourceThenKeyThenValue() {
        let labels = ["reserved:world", "k8s:tier=web", "k8s:app=z", "container:app=a", "k8s:app=b"].map(Label.init(parsing:))
        #expect(labels.sorted().map(\.description) == ["container:app=a", "k8s:app=b", "k8s:app=z", "k8s:tier=web",
                                                        "reserved:world"])
    }

    @Test func endpointHelpersReadLabels() {
        let pod = Endpoint(labels: ["k8s:app=frontend", "k8s:io.kubernetes.pod.namespace=staging"])
        #expect(pod.effectiveNamespace == "staging")
        #expect(Endpoint(namespace: "production", labels: pod.labels).effectiveNamespace == "production")
        #expect(pod.parsedLabels.map(\.key) == ["app", "io.kubernetes.pod.namespace"])
        #expect(!pod.kind.isOutsideCluster)

        let external = Endpoint(identity: 16_777_217, labels: ["cidr:1.1.1.1/32", "reserved:world-ipv4"])
        #expect(external.kind.isOutsideCluster)
        #expect(external.reservedNames == ["world-ipv4"])
        #expect(Endpoint(identity: 2).kind.isOutsideCluster)
        #expect(!Endpoint(identity: 1, labels: ["reserved:host"]).kind.isOutsideCluster)
    }
}
