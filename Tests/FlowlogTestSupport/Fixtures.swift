import FlowlogModel

/// Builders for the decoder, model and reporting tests: a realistic Hubble flow line whose
/// fields can be overridden one by one, and the `Flow` values that go with it.
package enum Fixtures {
    /// `2026-11-20T10:00:00Z` in seconds since the epoch.
    package static let baseSeconds: Int64 = 1_795_168_800

    package static let frontendJSON = """
        {"ID":1123,"identity":51234,"cluster_name":"kind-kind","namespace":"production","labels":["k8s:app=frontend","k8s:io.cilium.k8s.policy.cluster=kind-kind","k8s:io.kubernetes.pod.namespace=production","k8s:pod-template-hash=7d9c8b"],"pod_name":"frontend-7d9c8b-x2x4q","workloads":[{"name":"frontend","kind":"Deployment"}]}
        """

    package static let databaseJSON = """
        {"identity":60001,"cluster_name":"kind-kind","namespace":"production","labels":["k8s:app=postgres","k8s:io.kubernetes.pod.namespace=production"],"pod_name":"postgres-0","workloads":[{"name":"postgres","kind":"StatefulSet"}]}
        """

    /// The fields of a dropped TCP flow (frontend → postgres:5432, POLICY_DENIED), in Hubble's
    /// order and spelling, as `(key, JSON value)`.
    package static let flowFields: [(key: String, value: String)] = [
        ("time", #""2026-11-20T10:00:00.123456789Z""#),
        ("uuid", #""6e1f4b2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b""#),
        ("verdict", #""DROPPED""#),
        ("drop_reason", "133"),
        ("IP", #"{"source":"10.0.1.15","destination":"10.0.2.20","ipVersion":"IPv4"}"#),
        ("l4", #"{"TCP":{"source_port":43512,"destination_port":5432,"flags":{"SYN":true}}}"#),
        ("source", frontendJSON),
        ("destination", databaseJSON),
        ("Type", #""L3_L4""#),
        ("node_name", #""kind-worker""#),
        ("event_type", #"{"type":1,"sub_type":133}"#),
        ("traffic_direction", #""EGRESS""#),
        ("drop_reason_desc", #""POLICY_DENIED""#),
        ("is_reply", "false"),
        ("Summary", #""TCP Flags: SYN""#),
    ]

    /// The flow object with `changes` applied: a non-nil value replaces (or appends) a key, nil removes it.
    package static func flowObject(_ changes: [String: String?] = [:]) -> String {
        var fields: [String] = []
        for (key, value) in flowFields {
            if let change = changes[key] {
                if let change { fields.append("\"\(key)\":\(change)") }
            } else {
                fields.append("\"\(key)\":\(value)")
            }
        }
        for key in changes.keys.sorted() where !flowFields.contains(where: { $0.key == key }) {
            if let value = changes[key], let value { fields.append("\"\(key)\":\(value)") }
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// A `hubble observe -o jsonpb` line: the flow object wrapped with `node_name` and `time`.
    package static func line(_ changes: [String: String?] = [:]) -> String {
        #"{"flow":"# + flowObject(changes) + #","node_name":"kind-worker","time":"2026-11-20T10:00:00.123456789Z"}"#
    }

    package static var frontend: Endpoint {
        Endpoint(identity: 51234, namespace: "production", podName: "frontend-7d9c8b-x2x4q", clusterName: "kind-kind",
                 labels: ["k8s:app=frontend", "k8s:io.cilium.k8s.policy.cluster=kind-kind",
                          "k8s:io.kubernetes.pod.namespace=production", "k8s:pod-template-hash=7d9c8b"],
                 workloads: [Workload(kind: "Deployment", name: "frontend")])
    }

    package static var database: Endpoint {
        Endpoint(identity: 60001, namespace: "production", podName: "postgres-0", clusterName: "kind-kind",
                 labels: ["k8s:app=postgres", "k8s:io.kubernetes.pod.namespace=production"],
                 workloads: [Workload(kind: "StatefulSet", name: "postgres")])
    }

    /// The flow that ``line(_:)`` without changes decodes to.
    package static var droppedFlow: Flow {
        var flow = Flow()
        flow.time = Timestamp(seconds: baseSeconds, nanoseconds: 123_456_789)
        flow.uuid = FlowUUID("6e1f4b2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b")
        flow.verdict = .dropped
        flow.dropReason = .policyDenied
        flow.sourceIP = IPAddress("10.0.1.15")
        flow.destinationIP = IPAddress("10.0.2.20")
        flow.l4 = Layer4(proto: .tcp, sourcePort: 43512, destinationPort: 5432, tcpFlags: .syn)
        flow.source = frontend
        flow.destination = database
        flow.flowType = .l3L4
        flow.nodeName = "kind-worker"
        flow.eventType = 1
        flow.eventSubType = 133
        flow.trafficDirection = .egress
        flow.isReply = false
        flow.summary = "TCP Flags: SYN"
        return flow
    }

    /// An endpoint for a pod of a Deployment, with Cilium's usual labels.
    package static func pod(_ app: String, namespace: String = "production", identity: UInt32 = 1000,
                    podName: String? = nil, extraLabels: [String] = []) -> Endpoint {
        Endpoint(identity: identity, namespace: namespace, podName: podName ?? "\(app)-5f7b9c-abcde",
                 labels: (["k8s:app=\(app)", "k8s:io.kubernetes.pod.namespace=\(namespace)",
                           "k8s:pod-template-hash=5f7b9c"] + extraLabels).sorted(),
                 workloads: [Workload(kind: "Deployment", name: app)])
    }

    /// The world outside the cluster.
    package static var world: Endpoint { Endpoint(identity: 2, labels: ["reserved:world"]) }

    /// A flow with the given parts; everything else is zero.
    package static func flow(time: Int64 = baseSeconds, verdict: Verdict = .forwarded, reason: DropReason = .unknown,
                     source: Endpoint = pod("frontend"), destination: Endpoint = pod("api"),
                     sourceIP: String? = "10.0.1.15", destinationIP: String? = "10.0.2.20",
                     l4: Layer4 = Layer4(proto: .tcp, sourcePort: 43512, destinationPort: 8080),
                     node: String = "kind-worker", direction: TrafficDirection = .egress) -> Flow {
        var flow = Flow()
        flow.time = Timestamp(seconds: time)
        flow.verdict = verdict
        flow.dropReason = reason
        flow.source = source
        flow.destination = destination
        flow.sourceIP = sourceIP.flatMap(IPAddress.init)
        flow.destinationIP = destinationIP.flatMap(IPAddress.init)
        flow.l4 = l4
        flow.nodeName = node
        flow.trafficDirection = direction
        return flow
    }
}
