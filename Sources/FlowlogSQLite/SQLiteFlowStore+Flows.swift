import FlowlogModel
import FlowlogStore

/// Reading stored flows: one SELECT whose column list is generated from ``FlowColumn``, and a
/// row decoder that reads each column by name.
extension SQLiteFlowStore {
    /// The columns of the flows SELECT, in order.
    enum FlowColumn: Int32, SelectColumns {
        case time, uuid, verdict, dropReason, eventType, eventSubType, flowType, sourceIP, destinationIP
        case proto, sourcePort, destinationPort, tcpFlags, source, destination, trafficDirection, isReply
        case node, policyMatchType, tracePoint, summary, policies, sourceNames, destinationNames, weight

        var sql: String {
            switch self {
            case .time: "time"
            case .uuid: "uuid"
            case .verdict: "verdict"
            case .dropReason: "drop_reason"
            case .eventType: "event_type"
            case .eventSubType: "event_sub_type"
            case .flowType: "flow_type"
            case .sourceIP: "source_ip"
            case .destinationIP: "destination_ip"
            case .proto: "protocol"
            case .sourcePort: "source_port"
            case .destinationPort: "destination_port"
            case .tcpFlags: "tcp_flags"
            case .source: "source"
            case .destination: "destination"
            case .trafficDirection: "traffic_direction"
            case .isReply: "is_reply"
            case .node: "node"
            case .policyMatchType: "policy_match_type"
            case .tracePoint: "trace_point"
            case .summary: "summary"
            case .policies: "policies"
            case .sourceNames: "source_names"
            case .destinationNames: "destination_names"
            case .weight: "weight"
            }
        }
    }

    public func flows(matching query: FlowQuery, last: Int?) throws -> [Flow] {
        try storedRows(matching: query, last: last).map(\.flow)
    }

    public func forEachFlow(matching query: FlowQuery, last: Int?, _ body: (Flow) throws -> Void) throws {
        try forEachStoredRow(matching: query, last: last) { row in try body(row.flow) }
    }

    /// A stored flow with its endpoints' ids.
    struct StoredRow {
        var flow: Flow
        var source: Int64
        var destination: Int64
        /// The strings id of the flow's ``Flow/connectionNames`` (0 for none), as the rollup keys it.
        var connectionNames: Int64
    }

    func storedRows(matching query: FlowQuery, last: Int? = nil) throws -> [StoredRow] {
        var result: [StoredRow] = []
        try forEachStoredRow(matching: query, last: last) { row in result.append(row) }
        return result
    }

    /// Calls `body` with each matching row, oldest first, as SQLite steps through them. With
    /// `last`, the newest `last` rows are read newest first (so the LIMIT applies), held, and
    /// handed over oldest first: only those are in memory at once.
    /// - Throws: ``StoreError``, or what `body` throws.
    func forEachStoredRow(matching query: FlowQuery, last: Int? = nil, _ body: (StoredRow) throws -> Void) throws {
        var conditions = SQLConditions()
        try flowConditions(query, into: &conditions)
        let order = last == nil ? "ASC" : "DESC"
        let statement = try connection.prepare("""
            SELECT \(FlowColumn.selectList)
            FROM flows WHERE \(conditions.whereClause) ORDER BY time \(order), seq \(order) LIMIT ?
            """)
        let next = try conditions.bind(statement)
        try statement.bind(Int64(last ?? -1), at: next)
        let row = Row(statement, FlowColumn.self)
        var newestFirst: [StoredRow] = []
        while try statement.step() {
            let flow = try flow(row)
            let namesColumn: FlowColumn = flow.isReply == true ? .sourceNames : .destinationNames
            let stored = StoredRow(flow: flow,
                                   source: row.int64(.source), destination: row.int64(.destination),
                                   connectionNames: row.isNull(namesColumn) ? 0 : row.int64(namesColumn))
            if last == nil { try body(stored) } else { newestFirst.append(stored) }
        }
        for stored in newestFirst.reversed() { try body(stored) }
    }

    private func flow(_ row: Row<FlowColumn>) throws(StoreError) -> Flow {
        var flow = Flow()
        flow.time = Timestamp(rawValue: row.int64(.time))
        flow.uuid = row.blob(.uuid).flatMap(FlowUUID.init(bytes:))
        flow.verdict = Verdict(code: row.int32(.verdict))
        flow.dropReason = DropReason(rawValue: row.int32(.dropReason))
        flow.eventType = row.int32(.eventType)
        flow.eventSubType = row.int32(.eventSubType)
        flow.flowType = FlowType(rawValue: row.int32(.flowType)) ?? .unknown
        flow.sourceIP = row.blob(.sourceIP).flatMap(IPAddress.init(bytes:))
        flow.destinationIP = row.blob(.destinationIP).flatMap(IPAddress.init(bytes:))
        flow.l4 = Layer4(proto: L4Protocol(rawValue: row.int32(.proto)) ?? .none,
                         sourcePort: UInt16(truncatingIfNeeded: row.int64(.sourcePort)),
                         destinationPort: UInt16(truncatingIfNeeded: row.int64(.destinationPort)),
                         tcpFlags: TCPFlags(rawValue: UInt16(truncatingIfNeeded: row.int64(.tcpFlags))))
        flow.source = try endpoint(row.int64(.source))
        flow.destination = try endpoint(row.int64(.destination))
        flow.trafficDirection = TrafficDirection(rawValue: row.int32(.trafficDirection)) ?? .unknown
        flow.isReply = row.isNull(.isReply) ? nil : row.int64(.isReply) != 0
        flow.nodeName = try string(row.int64(.node))
        flow.policyMatchType = row.int32(.policyMatchType)
        flow.traceObservationPoint = row.int32(.tracePoint)
        flow.summary = try string(row.int64(.summary))
        if !row.isNull(.policies) { flow.policies = PolicyListCoding.decode(try string(row.int64(.policies))) }
        if !row.isNull(.sourceNames) { flow.sourceNames = try names(row.int64(.sourceNames)) }
        if !row.isNull(.destinationNames) { flow.destinationNames = try names(row.int64(.destinationNames)) }
        // Written from a UInt32 of at least 1; a damaged value reads as one flow rather than trapping.
        flow.weight = UInt32(exactly: row.int64(.weight)).flatMap { $0 == 0 ? nil : $0 } ?? 1
        return flow
    }

    /// The DNS names interned under strings id `id` (a JSON array; none for 0 or damaged text).
    func names(_ id: Int64) throws(StoreError) -> [String] {
        guard id != 0 else { return [] }
        return JSONText.parseStringArray(try string(id)) ?? []
    }
}
