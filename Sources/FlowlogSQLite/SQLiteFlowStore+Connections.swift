import FlowlogModel
import FlowlogStore
extension SQLiteFlowStore {
    /// The columns of a connection row, read alike from the flows and from the hourly rollup:
    /// the grouping key, then the count and the time range.
    enum ConnectionColumn: Int32, SelectColumns {
        case source, destination, sourceIP, destinationIP, proto, port, names, isReply, verdict, dropReason, policyVerdict
        case count, firstTime, lastTime

        /// The expression over the flows table.
        var sql: String {
            switch self {
            case .source: "source"
            case .destination: "destination"
            case .sourceIP: "source_ip"
            case .destinationIP: "destination_ip"
            case .proto: "protocol"
            case .port: SQLRules.connectionPort
            // Flow.connectionNames: a reply's source names, else the destination names (0: none).
            case .names: "coalesce(CASE WHEN is_reply = 1 THEN source_names ELSE destination_names END, 0)"
            // 2 stands for an unknown direction, as in flow_rollup.is_reply.
            case .isReply: "coalesce(is_reply, 2)"
            case .verdict: "verdict"
            case .dropReason: "drop_reason"
            case .policyVerdict: "event_type = 5"
            case .count: "sum(weight)"
            case .firstTime: "min(time)"
            case .lastTime: "max(time)"
            }
        }

        /// The expression over flow_rollup.
        var rollupSQL: String {
            switch self {
            case .port: "port"
            case .names: "connection_names"
            case .isReply: "is_reply"
            case .policyVerdict: "policy_verdict"
            case .count: "sum(count)"
            case .firstTime: "min(first_time)"
            case .lastTime: "max(last_time)"
            default: sql
            }
        }

        /// `GROUP BY` over the key columns (all before ``count``).
        static let groupBy = "GROUP BY " + (1...count.rawValue).map(String.init).joined(separator: ", ")
    }

    /// Connections come from the hourly flow rollup for whole hours and from the flows themselves
    /// for partial hours at the window's edges; filters the rollup cannot answer (addresses,
    /// node, direction, `--port`), and pod addresses, are answered from the flows alone.
    public func connectionCounts(matching query: FlowQuery, withPodAddresses: Bool) throws -> [ConnectionCount] {
        var conditions = SQLConditions()
        var parts: [String] = []
        let flowColumns = "SELECT \(ConnectionColumn.selectList) FROM flows"
        let groupBy = ConnectionColumn.groupBy
        if query.isServedByDropRollup && query.ports.isEmpty && !withPodAddresses {
            let window = BucketedWindow(since: query.since, until: query.until, bucketNanos: 3_600_000_000_000)
            var shared = SQLConditions()
            try endpointConditions(query, into: &shared)
            if !query.verdicts.isEmpty {
                shared.add("verdict IN (\(SQLConditions.placeholders(query.verdicts.count)))",
                           query.verdicts.map { .int(Int64($0.code)) })
            }
            if window.hasWholeBuckets {
                parts.append("""
                    SELECT \(ConnectionColumn.selectList(\.rollupSQL)) FROM flow_rollup
                    WHERE hour >= ? AND hour < ? AND \(shared.whereClause) \(groupBy)
                    """)
                conditions.addValues([.int(window.firstBucket), .int(window.endBucket)] + shared.values)
            }
            for (low, high) in window.edges {
                parts.append("\(flowColumns) WHERE time >= ? AND time <= ? AND \(shared.whereClause) \(groupBy)")
                conditions.addValues([.int(low), .int(high)] + shared.values)
            }
        } else {
            try flowConditions(query, into: &conditions)
            parts.append("\(flowColumns) WHERE \(conditions.whereClause) \(groupBy)")
        }
        // An empty window (since == until) has neither whole hours nor edges.
        guard !parts.isEmpty else { return [] }
        let statement = try connection.prepare(parts.joined(separator: " UNION ALL "))
        try conditions.bind(statement)
        struct MergeKey: Hashable {
            var source: Int64, destination: Int64, sourceIP: IPAddress?, destinationIP: IPAddress?
            var proto: Int64, port: Int64, names: Int64, reply: Int64, verdict: Int64, reason: Int64, policyVerdict: Int64
        }
        var merged: [MergeKey: Int] = [:]
        var result: [ConnectionCount] = []
        let row = Row(statement, ConnectionColumn.self)
        while try statement.step() {
            let source = try endpoint(row.int64(.source))
            let destination = try endpoint(row.int64(.destination))
            func address(_ column: ConnectionColumn, _ endpoint: Endpoint) -> IPAddress? {
                guard withPodAddresses || endpoint.kind.needsAddress,
                      let bytes = row.blob(column), !bytes.isEmpty else { return nil }
                return IPAddress(bytes: bytes)
            }
            let reply = row.int64(.isReply)
            let item = ConnectionCount(
                source: source, destination: destination,
                sourceIP: address(.sourceIP, source), destinationIP: address(.destinationIP, destination),
                proto: L4Protocol(rawValue: row.int32(.proto)) ?? .none,
                port: UInt16(truncatingIfNeeded: row.int64(.port)), names: try names(row.int64(.names)), isReply: reply == 2 ? nil : reply == 1,
                verdict: Verdict(code: row.int32(.verdict)),
                reason: DropReason(rawValue: row.int32(.dropReason)),
                isPolicyVerdictEvent: row.int64(.policyVerdict) != 0,
                count: row.int64(.count), firstSeen: Timestamp(rawValue: row.int64(.firstTime)),
                lastSeen: Timestamp(rawValue: row.int64(.lastTime)))
            // Rows that differ only in a pod address that was dropped (or in rollup vs edge) merge.
            let key = MergeKey(source: row.int64(.source), destination: row.int64(.destination), sourceIP: item.sourceIP,
                               destinationIP: item.destinationIP, proto: row.int64(.proto), port: row.int64(.port),
                               names: row.int64(.names), reply: reply, verdict: row.int64(.verdict), reason: row.int64(.dropReason),
                               policyVerdict: row.int64(.policyVerdict))
            if let index = merged[key] {
                result[index].count = try result[index].count.addingChecked(item.count, "flow counts", path: path)
                result[index].firstSeen = min(result[index].firstSeen, item.firstSeen)
                result[index].lastSeen = max(result[index].lastSeen, item.lastSeen)
            } else {
                merged[key] = result.count
                result.append(item)
            }
        }
        return result
    }
}
