import FlowlogModel
import FlowlogStore
extension SQLiteFlowStore {
    /// Connections come from the hourly flow rollup for whole hours and from the flows themselves
    /// for partial hours at the window's edges; filters the rollup cannot answer (addresses,
    /// node, direction, `--port`), and pod addresses, are answered from the flows alone.
    public func connectionCounts(matching query: FlowQuery, withPodAddresses: Bool) throws -> [ConnectionCount] {
        var conditions = SQLConditions()
        var parts: [String] = []
        let flowColumns = """
            SELECT source, destination, source_ip, destination_ip, protocol, \(SQLRules.connectionPort), coalesce(is_reply, 2),
                verdict, drop_reason, event_type = 5, count(*), min(time), max(time) FROM flows
            """
        let groupBy = "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"
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
                    SELECT source, destination, source_ip, destination_ip, protocol, port, is_reply, verdict, drop_reason,
                        policy_verdict, sum(count), min(first_time), max(last_time) FROM flow_rollup
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
            var proto: Int64, port: Int64, reply: Int64, verdict: Int64, reason: Int64, policyVerdict: Int64
        }
        var merged: [MergeKey: Int] = [:]
        var result: [ConnectionCount] = []
        while try statement.step() {
            let source = try endpoint(statement.int64(0))
            let destination = try endpoint(statement.int64(1))
            func address(_ column: Int32, _ endpoint: Endpoint) -> IPAddress? {
                guard withPodAddresses || endpoint.kind.needsAddress,
                      let bytes = statement.blob(column), !bytes.isEmpty else { return nil }
                return IPAddress(bytes: bytes)
            }
            let reply = statement.int64(6)
            let item = ConnectionCount(
                source: source, destination: destination,
                sourceIP: address(2, source), destinationIP: address(3, destination),
                proto: L4Protocol(rawValue: Int32(truncatingIfNeeded: statement.int64(4))) ?? .none,
                port: UInt16(truncatingIfNeeded: statement.int64(5)), isReply: reply == 2 ? nil : reply == 1,
                verdict: Verdict(code: Int32(truncatingIfNeeded: statement.int64(7))),
                reason: DropReason(rawValue: Int32(truncatingIfNeeded: statement.int64(8))),
                isPolicyVerdictEvent: statement.int64(9) != 0,
                count: statement.int64(10), firstSeen: Timestamp(rawValue: statement.int64(11)),
                lastSeen: Timestamp(rawValue: statement.int64(12)))
            // Rows that differ only in a pod address that was dropped (or in rollup vs edge) merge.
            let key = MergeKey(source: statement.int64(0), destination: statement.int64(1), sourceIP: item.sourceIP,
                               destinationIP: item.destinationIP, proto: statement.int64(4), port: statement.int64(5),
                               reply: reply, verdict: statement.int64(7), reason: statement.int64(8),
                               policyVerdict: statement.int64(9))
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
