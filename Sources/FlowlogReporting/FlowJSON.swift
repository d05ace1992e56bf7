import FlowlogModel
import FlowlogStore
import FlowlogPolicy
import FlowlogEvaluation
/// Writes a flow as one Hubble JSON line (`{"flow":{…},"node_name":…,"time":…}`), with the keys
/// and enum names Hubble uses and zero values left out, so `flowlog ingest` reads it back into
/// the same stored flow.
public enum FlowJSON {
    public static func line(_ flow: Flow) -> String {
        var fields: [String] = []
        func add(_ key: String, _ value: String) { fields.append("\"\(key)\":\(value)") }
        if flow.time.rawValue != 0 { add("time", JSONText.quoted(flow.time.rfc3339())) }
        if let uuid = flow.uuid { add("uuid", JSONText.quoted(uuid.description)) }
        if case .unknown(let code) = flow.verdict {
            add("verdict", String(code))
        } else if flow.verdict != .verdictUnknown {
            add("verdict", "\"\(flow.verdict.name)\"")
        }
        // The deprecated numeric field is unsigned; a negative enum number appears only in drop_reason_desc.
        if flow.dropReason != .unknown, flow.dropReason.rawValue > 0 { add("drop_reason", String(flow.dropReason.rawValue)) }
        if flow.sourceIP != nil || flow.destinationIP != nil {
            var ip: [String] = []
            if let source = flow.sourceIP { ip.append("\"source\":\(JSONText.quoted(source.description))") }
            if let destination = flow.destinationIP { ip.append("\"destination\":\(JSONText.quoted(destination.description))") }
            let v6 = (flow.sourceIP ?? flow.destinationIP)?.isIPv6 == true
            ip.append("\"ipVersion\":\"\(v6 ? "IPv6" : "IPv4")\"")
            add("IP", "{" + ip.joined(separator: ",") + "}")
        }
        if flow.l4.proto != .none { add("l4", "{\"\(flow.l4.proto.jsonKey)\":\(layer4(flow.l4))}") }
        add("source", endpoint(flow.source))
        add("destination", endpoint(flow.destination))
        if flow.flowType != .unknown { add("Type", "\"\(flow.flowType.name)\"") }
        if !flow.nodeName.isEmpty { add("node_name", JSONText.quoted(flow.nodeName)) }
        if !flow.sourceNames.isEmpty { add("source_names", JSONText.array(flow.sourceNames)) }
        if !flow.destinationNames.isEmpty { add("destination_names", JSONText.array(flow.destinationNames)) }
        if flow.eventType != 0 || flow.eventSubType != 0 {
            var event: [String] = []
            if flow.eventType != 0 { event.append("\"type\":\(flow.eventType)") }
            if flow.eventSubType != 0 { event.append("\"sub_type\":\(flow.eventSubType)") }
            add("event_type", "{" + event.joined(separator: ",") + "}")
        }
        if flow.trafficDirection != .unknown { add("traffic_direction", "\"\(flow.trafficDirection.name)\"") }
        if flow.policyMatchType != 0 { add("policy_match_type", String(flow.policyMatchType)) }
        if flow.traceObservationPoint != 0 {
            let name = TraceObservationPoint.name(flow.traceObservationPoint)
            add("trace_observation_point", Int32(name) == nil ? "\"\(name)\"" : name)
        }
        if flow.dropReason != .unknown {
            let name = flow.dropReason.name
            add("drop_reason_desc", Int32(name) == nil ? "\"\(name)\"" : name)
        }
        if let isReply = flow.isReply { add("is_reply", isReply ? "true" : "false") }
        if !flow.summary.isEmpty { add("Summary", JSONText.quoted(flow.summary)) }
        let lists = [("egress_allowed_by", flow.policies.egressAllowedBy), ("ingress_allowed_by", flow.policies.ingressAllowedBy),
                     ("egress_denied_by", flow.policies.egressDeniedBy), ("ingress_denied_by", flow.policies.ingressDeniedBy)]
        for (key, list) in lists where !list.isEmpty {
            add(key, "[" + list.map(policy).joined(separator: ",") + "]")
        }
        // A weight above 1 came from Hubble's aggregation; written back, it re-ingests to the same count.
        if flow.weight > 1 { add("aggregate", "{\"unknown_direction_flow_count\":\(flow.weight)}") }
        var line = "{\"flow\":{" + fields.joined(separator: ",") + "}"
        if !flow.nodeName.isEmpty { line += ",\"node_name\":" + JSONText.quoted(flow.nodeName) }
        if flow.time.rawValue != 0 { line += ",\"time\":" + JSONText.quoted(flow.time.rfc3339()) }
        return line + "}"
    }

    private static func layer4(_ l4: Layer4) -> String {
        var parts: [String] = []
        if l4.proto.hasPorts {
            if l4.sourcePort != 0 { parts.append("\"source_port\":\(l4.sourcePort)") }
            if l4.destinationPort != 0 { parts.append("\"destination_port\":\(l4.destinationPort)") }
            if l4.proto == .tcp && !l4.tcpFlags.isEmpty {
                let flags = TCPFlags.names.filter { l4.tcpFlags.contains($0.flag) }.map { "\"\($0.name)\":true" }
                parts.append("\"flags\":{" + flags.joined(separator: ",") + "}")
            }
        } else {
            if l4.sourcePort != 0 { parts.append("\"type\":\(l4.sourcePort)") }
            if l4.destinationPort != 0 { parts.append("\"code\":\(l4.destinationPort)") }
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    private static func endpoint(_ endpoint: Endpoint) -> String {
        var parts: [String] = []
        if endpoint.identity != 0 { parts.append("\"identity\":\(endpoint.identity)") }
        if !endpoint.clusterName.isEmpty { parts.append("\"cluster_name\":\(JSONText.quoted(endpoint.clusterName))") }
        if !endpoint.namespace.isEmpty { parts.append("\"namespace\":\(JSONText.quoted(endpoint.namespace))") }
        if !endpoint.labels.isEmpty { parts.append("\"labels\":\(JSONText.array(endpoint.labels))") }
        if !endpoint.podName.isEmpty { parts.append("\"pod_name\":\(JSONText.quoted(endpoint.podName))") }
        if !endpoint.workloads.isEmpty {
            let items = endpoint.workloads.map { "{\"name\":\(JSONText.quoted($0.name)),\"kind\":\(JSONText.quoted($0.kind))}" }
            parts.append("\"workloads\":[" + items.joined(separator: ",") + "]")
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    private static func policy(_ reference: PolicyReference) -> String {
        var parts = ["\"name\":\(JSONText.quoted(reference.name))"]
        if !reference.namespace.isEmpty { parts.append("\"namespace\":\(JSONText.quoted(reference.namespace))") }
        if !reference.kind.isEmpty { parts.append("\"kind\":\(JSONText.quoted(reference.kind))") }
        return "{" + parts.joined(separator: ",") + "}"
    }
}
