import FlowlogModel
import FlowlogStore

/// A flow as a row of the `flows` table: written as TabSeparated, read back as RowBinary.
enum FlowRow {
    /// The columns, in the order ``encode(_:key:seq:into:)`` writes them and ``decode`` reads them.
    static let columns = """
        key, seq, time, uuid, verdict, drop_reason, event_type, event_sub_type, flow_type, source_ip, destination_ip, \
        protocol, source_port, destination_port, tcp_flags, source, destination, traffic_direction, is_reply, node, \
        policy_match_type, trace_point, summary, policies, source_names, destination_names, weight
        """

    static func encode(_ flow: Flow, key: UInt64, seq: Int64, source: UInt64, destination: UInt64,
                       into rows: inout TabSeparatedWriter) {
        rows.int(key)
        rows.int(seq)
        rows.int(flow.time.rawValue)
        rows.binary(flow.uuid?.bytes ?? [])
        rows.int(flow.verdict.code)
        rows.int(flow.dropReason.rawValue)
        rows.int(flow.eventType)
        rows.int(flow.eventSubType)
        rows.int(flow.flowType.rawValue)
        rows.binary(flow.sourceIP?.bytes ?? [])
        rows.binary(flow.destinationIP?.bytes ?? [])
        rows.int(flow.l4.proto.rawValue)
        rows.int(flow.l4.sourcePort)
        rows.int(flow.l4.destinationPort)
        rows.int(flow.l4.tcpFlags.rawValue)
        rows.int(source)
        rows.int(destination)
        rows.int(flow.trafficDirection.rawValue)
        rows.int(flow.isReply.map { $0 ? 1 : 0 } ?? 2)
        rows.string(flow.nodeName)
        rows.int(flow.policyMatchType)
        rows.int(flow.traceObservationPoint)
        rows.string(flow.summary)
        rows.string(flow.policies.isEmpty ? "" : PolicyListCoding.encode(flow.policies))
        rows.stringArray(flow.sourceNames)
        rows.stringArray(flow.destinationNames)
        rows.int(flow.weight)
        rows.endRow()
    }

    /// Reads one row of `columns` (in that order) into a flow, its key and its endpoints' keys.
    static func decode(_ reader: inout RowBinaryReader,
                       endpoint: (UInt64) throws(StoreError) -> Endpoint) throws(StoreError) -> (key: UInt64, flow: Flow) {
        var flow = Flow()
        let key = try reader.uint64()
        _ = try reader.int64()
        flow.time = Timestamp(rawValue: try reader.int64())
        flow.uuid = FlowUUID(bytes: try reader.bytesValue())
        flow.verdict = Verdict(code: try reader.int32())
        flow.dropReason = DropReason(rawValue: try reader.int32())
        flow.eventType = try reader.int32()
        flow.eventSubType = try reader.int32()
        flow.flowType = FlowType(rawValue: try reader.int32()) ?? .unknown
        flow.sourceIP = IPAddress(bytes: try reader.bytesValue())
        flow.destinationIP = IPAddress(bytes: try reader.bytesValue())
        let proto = L4Protocol(rawValue: try reader.int32()) ?? .none
        let sourcePort = try reader.uint16()
        let destinationPort = try reader.uint16()
        flow.l4 = Layer4(proto: proto, sourcePort: sourcePort, destinationPort: destinationPort,
                         tcpFlags: TCPFlags(rawValue: try reader.uint16()))
        flow.source = try endpoint(try reader.uint64())
        flow.destination = try endpoint(try reader.uint64())
        flow.trafficDirection = TrafficDirection(rawValue: try reader.int32()) ?? .unknown
        let reply = try reader.uint8()
        flow.isReply = reply == 2 ? nil : reply == 1
        flow.nodeName = try reader.string()
        flow.policyMatchType = try reader.int32()
        flow.traceObservationPoint = try reader.int32()
        flow.summary = try reader.string()
        let policies = try reader.string()
        if !policies.isEmpty { flow.policies = PolicyListCoding.decode(policies) }
        flow.sourceNames = try reader.stringArray()
        flow.destinationNames = try reader.stringArray()
        // Written from a weight of at least 1; a damaged 0 reads as one flow.
        flow.weight = max(try reader.uint32(), 1)
        return (key, flow)
    }
}

/// An endpoint as a row of the `endpoints` table (written as TabSeparated).
enum EndpointRow {
    static let columns = "key, identity, namespace, pod, cluster, labels, workloads"

    static func encode(_ endpoint: Endpoint, key: UInt64, into rows: inout TabSeparatedWriter) {
        rows.int(key)
        rows.int(endpoint.identity)
        rows.string(endpoint.namespace)
        rows.string(endpoint.podName)
        rows.string(endpoint.clusterName)
        rows.stringArray(endpoint.labels)
        rows.stringArray(endpoint.workloads.map(\.storedText))
        rows.endRow()
    }
}
