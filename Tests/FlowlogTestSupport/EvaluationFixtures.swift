import FlowlogModel
import FlowlogPolicy

/// Builders for evaluator tests: endpoints labelled the way Cilium labels them, and policies.
package enum Cluster {
    /// A pod endpoint in `namespace` with pod labels and namespace labels, as Hubble reports it.
    package static func pod(_ namespace: String, _ labels: [String: String], name: String? = nil,
                    namespaceLabels: [String: String] = [:]) -> Endpoint {
        var all = labels.map { "k8s:\($0.key)=\($0.value)" }
        all.append("k8s:io.kubernetes.pod.namespace=\(namespace)")
        all.append("k8s:io.cilium.k8s.policy.serviceaccount=default")
        all.append("k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=\(namespace)")
        all += namespaceLabels.map { "k8s:io.cilium.k8s.namespace.labels.\($0.key)=\($0.value)" }
        let podName = name ?? ((labels["app"] ?? "pod") + "-7d4f-x1")
        return Endpoint(identity: UInt32(1000 + all.joined().count), namespace: namespace, podName: podName,
                        labels: all.sorted())
    }

    package static let world = Endpoint(identity: 2, labels: ["reserved:world"])
    package static let host = Endpoint(identity: 1, labels: ["reserved:host"])
    package static let remoteNode = Endpoint(identity: 6, labels: ["reserved:remote-node"])

    package static func flow(from source: Endpoint, _ sourceIP: String = "10.0.1.1", to destination: Endpoint,
                     _ destinationIP: String = "10.0.2.2", proto: L4Protocol = .tcp, port: UInt16,
                     isReply: Bool? = false) -> Flow {
        var flow = Flow()
        flow.source = source
        flow.destination = destination
        flow.sourceIP = IPAddress(sourceIP)
        flow.destinationIP = IPAddress(destinationIP)
        flow.l4 = Layer4(proto: proto, sourcePort: proto.hasPorts ? 40000 : 8, destinationPort: port)
        flow.isReply = isReply
        return flow
    }

    package static func selector(_ labels: [String: String]) -> LabelSelector {
        LabelSelector(requirements: labels.sorted { $0.key < $1.key }.map { .init(key: $0.key, op: .in, values: [$0.value]) })
    }

    package static func policy(_ name: String, namespace: String = "prod", selecting podSelector: [String: String] = [:],
                       types: [PolicyType]? = nil, ingress: [PolicyRule]? = nil, egress: [PolicyRule]? = nil) -> NetworkPolicy {
        NetworkPolicy(name: name, namespace: namespace, podSelector: selector(podSelector), policyTypes: types,
                      ingress: ingress, egress: egress)
    }

    package static func pods(_ labels: [String: String]) -> PolicyPeer { .selector(pods: selector(labels), namespaces: nil) }
    package static func namespaces(_ labels: [String: String]) -> PolicyPeer { .selector(pods: nil, namespaces: selector(labels)) }
    package static func tcp(_ port: UInt16, to end: UInt16? = nil) -> PortSpec { PortSpec(proto: .tcp, port: .number(port), endPort: end) }
}
