import FlowlogModel
import FlowlogStore

/// A flow as a row of the `flows` table, written and read back as RowBinary.
enum FlowRow {
    /// The columns, in the order ``encode(_:key:seq:into:)`` writes them and ``decode`` reads them.
    static let columns = """
        key, seq, time, uuid, verdict, drop_reason, event_type, event_sub_type, flow_type, source_ip, destination_ip, \
        protocol, source_port, destination_port, tcp_flags, source, destination, traffic_direction, is_reply, node, \
        policy_match_type, trace_point, summary, policies, source_names, destination_names, weight
        """

    /// Appends `flow` as one `RowBinary` row of `columns`, each field at its column's width.
    static func encode(_ flow: Flow, key: UInt64, seq: Int64, source: UInt64, destination: UInt64,
                       into rows: inout RowBinaryWriter) {
        rows.uint64(key)
        rows.int64(seq)
        rows.int64(flow.time.rawValue)
        rows.bytesValue(flow.uuid?.bytes ?? [])
        rows.int32(flow.verdict.code)
        rows.int32(flow.dropReason.rawValue)
        rows.int32(flow.eventType)
        rows.int32(flow.eventSubType)
        rows.int32(flow.flowType.rawValue)
        rows.bytesValue(flow.sourceIP?.bytes ?? [])
        rows.bytesValue(flow.destinationIP?.bytes ?? [])
        rows.int32(flow.l4.proto.rawValue)
        rows.uint16(flow.l4.sourcePort)
        rows.uint16(flow.l4.destinationPort)
        rows.uint16(flow.l4.tcpFlags.rawValue)
        rows.uint64(source)
        rows.uint64(destination)
        rows.int32(flow.trafficDirection.rawValue)
        rows.uint8(flow.isReply.map { $0 ? 1 : 0 } ?? 2)
        rows.string(flow.nodeName)
        rows.int32(flow.policyMatchType)
        rows.int32(flow.traceObservationPoint)
        rows.string(flow.summary)
        rows.string(flow.policies.isEmpty ? "" : PolicyListCoding.encode(flow.policies))
        rows.stringArray(flow.sourceNames)
        rows.stringArray(flow.destinationNames)
        rows.uint32(flow.weight)
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

/// An endpoint as a row of the `endpoints` table (written as RowBinary).
enum EndpointRow {
    static let columns = "key, identity, namespace, pod, cluster, labels, workloads"

    static func encode(_ endpoint: Endpoint, key: UInt64, into rows: inout RowBinaryWriter) {
        rows.uint64(key)
        rows.uint32(endpoint.identity)
        rows.string(endpoint.namespace)
        rows.string(endpoint.podName)
        rows.string(endpoint.clusterName)
        rows.stringArray(endpoint.labels)
        rows.stringArray(endpoint.workloads.map(\.storedText))
    }
}
