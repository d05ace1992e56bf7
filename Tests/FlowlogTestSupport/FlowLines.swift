/// Small, readable Hubble lines for store and ingest tests.
package enum FlowLines {
    /// A wrapped flow line. `drop` makes it a DROPPED drop event (type 1, POLICY_DENIED);
    /// `policyVerdict` makes it the policy-verdict twin (type 5).
    package static func flow(uuid: String?, time: String = "2026-11-20T10:00:00.5Z", from: String = "frontend",
                     to: String = "api", namespace: String = "production", port: Int = 3000,
                     drop: Bool = false, policyVerdict: Bool = false, node: String = "node-1",
                     sourceIP: String = "10.0.0.1", destinationIP: String = "10.0.0.2") -> String {
        let verdict = drop ? "DROPPED" : "FORWARDED"
        let eventType = policyVerdict ? "{\"type\":5}" : (drop ? "{\"type\":1,\"sub_type\":133}" : "{\"type\":4}")
        let reason = drop ? ",\"drop_reason\":133,\"drop_reason_desc\":\"POLICY_DENIED\"" : ""
        let uuidField = uuid.map { ",\"uuid\":\"\($0)\"" } ?? ""
        func endpoint(_ app: String, _ identity: Int) -> String {
            """
            {"identity":\(identity),"namespace":"\(namespace)","labels":["k8s:app=\(app)","k8s:io.kubernetes.pod.namespace=\(namespace)","k8s:pod-template-hash=abc123"],"pod_name":"\(app)-abc123-x1","workloads":[{"name":"\(app)","kind":"Deployment"}]}
            """
        }
        return """
            {"flow":{"time":"\(time)"\(uuidField),"verdict":"\(verdict)"\(reason),"IP":{"source":"\(sourceIP)","destination":"\(destinationIP)","ipVersion":"IPv4"},"l4":{"TCP":{"source_port":40000,"destination_port":\(port),"flags":{"SYN":true}}},"source":\(endpoint(from, 100 + from.count)),"destination":\(endpoint(to, 200 + to.count)),"Type":"L3_L4","node_name":"\(node)","event_type":\(eventType),"traffic_direction":"EGRESS","is_reply":false,"Summary":"TCP Flags: SYN"},"node_name":"\(node)","time":"\(time)"}
            """
    }

    /// A uuid for test number `n`.
    package static func uuid(_ n: Int) -> String {
        let hex = String(n, radix: 16)
        return "00000000-0000-4000-8000-" + String(repeating: "0", count: 12 - hex.count) + hex
    }
}
