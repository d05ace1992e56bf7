import FlowlogModel
import FlowlogStore

/// Connection counts, lost events and statistics, aggregated by the server over the flows
/// themselves, with duplicates collapsed (`FINAL`). Drop counts come from the rollup
/// (ClickHouseFlowStore+Drops.swift).
extension ClickHouseFlowStore {
    /// Runs `sql` (ending in `FORMAT RowBinary`) and reads each row with `row`.
    func rows(_ sql: String, _ row: (inout RowBinaryReader) throws(StoreError) -> Void) throws(StoreError) {
        var reader = RowBinaryReader(try execute(sql + " FORMAT RowBinary"), label: path)
        while !reader.isAtEnd { try row(&reader) }
    }

    public func connectionCounts(matching query: FlowQuery, withPodAddresses: Bool) throws -> [ConnectionCount] {
        let conditions = try conditions(query)
        struct MergeKey: Hashable {
            var source: UInt64, destination: UInt64, sourceIP: IPAddress?, destinationIP: IPAddress?
            var proto: Int32, port: UInt16, names: [String], reply: UInt8, verdict: Int32, reason: Int32, policyVerdict: UInt8
        }
        var merged: [MergeKey: Int] = [:]
        var result: [ConnectionCount] = []
        var failure: StoreError?
        try rows("""
            SELECT source, destination, source_ip, destination_ip, toInt32(protocol) AS p, toUInt16(\(SQLRules.connectionPort)) AS port,
                if(is_reply = 1, source_names, destination_names) AS names, toUInt8(is_reply) AS reply, toInt32(verdict) AS v, toInt32(drop_reason) AS r, toUInt8(event_type = \(CiliumEventType.policyVerdict)) AS pv,
                toInt64(sum(weight)), min(time), max(time)
            FROM \(table("flows")) FINAL WHERE \(conditions)
            GROUP BY source, destination, source_ip, destination_ip, p, port, names, reply, v, r, pv
            """) { (reader: inout RowBinaryReader) throws(StoreError) in
            let sourceKey = try reader.uint64()
            let destinationKey = try reader.uint64()
            let source = try endpoint(sourceKey)
            let destination = try endpoint(destinationKey)
            let sourceBytes = try reader.bytesValue()
            let destinationBytes = try reader.bytesValue()
            // As on SQLite: addresses are kept for endpoints that may not be pods (or all, when asked).
            func address(_ bytes: [UInt8], _ endpoint: Endpoint) -> IPAddress? {
                guard withPodAddresses || endpoint.kind.needsAddress, !bytes.isEmpty else { return nil }
                return IPAddress(bytes: bytes)
            }
            let proto = try reader.int32()
            let port = try reader.uint16()
            // Flow.connectionNames: a reply's source names, else the destination names.
            let names = try reader.stringArray()
            let reply = try reader.uint8()
            let verdict = try reader.int32()
            let reason = try reader.int32()
            let policyVerdict = try reader.uint8()
            let item = ConnectionCount(
                source: source, destination: destination,
                sourceIP: address(sourceBytes, source), destinationIP: address(destinationBytes, destination),
                proto: L4Protocol(rawValue: proto) ?? .none, port: port, names: names, isReply: reply == 2 ? nil : reply == 1,
                verdict: Verdict(code: verdict), reason: DropReason(rawValue: reason), isPolicyVerdictEvent: policyVerdict != 0,
                count: try reader.int64(), firstSeen: Timestamp(rawValue: try reader.int64()),
                lastSeen: Timestamp(rawValue: try reader.int64()))
            // Rows that differ only in a pod address that was left out merge.
            let key = MergeKey(source: sourceKey, destination: destinationKey, sourceIP: item.sourceIP,
                               destinationIP: item.destinationIP, proto: proto, port: port, names: names, reply: reply, verdict: verdict,
                               reason: reason, policyVerdict: policyVerdict)
            if let index = merged[key] {
                let (sum, overflow) = result[index].count.addingReportingOverflow(item.count)
                if overflow { failure = StoreError(kind: .outOfRange, message: "flow counts add up to more than 64 bits hold", path: path) }
                result[index].count = sum
                result[index].firstSeen = min(result[index].firstSeen, item.firstSeen)
                result[index].lastSeen = max(result[index].lastSeen, item.lastSeen)
            } else {
                merged[key] = result.count
                result.append(item)
            }
        }
        if let failure { throw failure }
        return result
    }

    public func lostEventCount(since: Timestamp?, until: Timestamp?) throws -> Int64 {
        var clauses: [String] = []
        if let pruneCut { clauses.append("time >= \(pruneCut)") }
        if let since { clauses.append("time >= \(since.rawValue)") }
        if let until { clauses.append("time < \(until.rawValue)") }
        var total: Int64 = 0
        try rows("""
            SELECT toInt64(sum(count)) FROM \(table("lost_events")) FINAL WHERE \(clauses.isEmpty ? "1" : clauses.joined(separator: " AND "))
            """) { (reader: inout RowBinaryReader) throws(StoreError) in total = try reader.int64() }
        return total
    }

    public func statistics() throws -> StoreStatistics {
        var stats = StoreStatistics()
        let visible = pruneCut.map { "time >= \($0)" } ?? "1"
        try rows("SELECT toInt32(verdict) AS v, toInt64(sum(weight)) FROM \(table("flows")) FINAL WHERE \(visible) GROUP BY v") {
            (reader: inout RowBinaryReader) throws(StoreError) in
            let verdict = Verdict(code: try reader.int32())
            let count = try reader.int64()
            stats.flowsByVerdict[verdict, default: 0] += count
            stats.flows += count
        }
        try rows("""
            SELECT toInt64(count()), min(time), max(time), toInt64(sumIf(weight, \(SQLRules.countsAsDrop)))
            FROM \(table("flows")) FINAL WHERE \(visible)
            """) { (reader: inout RowBinaryReader) throws(StoreError) in
            let count = try reader.int64()
            let first = try reader.int64()
            let last = try reader.int64()
            stats.drops = try reader.int64()
            if count > 0 {
                stats.firstTime = Timestamp(rawValue: first)
                stats.lastTime = Timestamp(rawValue: last)
            }
        }
        stats.lostEvents = try lostEventCount(since: nil, until: nil)
        try rows("SELECT kind, toInt64(count()) FROM \(table("non_flow_records")) FINAL GROUP BY kind") {
            (reader: inout RowBinaryReader) throws(StoreError) in
            let kind = try reader.string()
            let count = try reader.int64()
            if let kind = NonFlowKind(rawValue: kind) { stats.nonFlowRecords[kind] = count }
        }
        // Endpoints (and their distinct label sets) that stored flows refer to, as SQLite counts
        // them after a prune removed the others.
        let referenced = try referencedEndpointKeys()
        let endpoints = try storedEndpoints()
        stats.endpoints = Int64(referenced.count)
        stats.labelSets = Int64(Set(referenced.compactMap { endpoints[$0]?.labels }).count)
        stats.checkpoints = try allCheckpoints().sorted { ($0.family, $0.readStarted, $0.path) < ($1.family, $1.readStarted, $1.path) }
        // Compressed bytes of the database's live parts, summed over every server of the cluster.
        var size: Int64 = 0
        for server in shardClients.isEmpty ? [client] : shardClients {
            var reader = RowBinaryReader(try server.execute("""
                SELECT toInt64(sum(bytes_on_disk)) FROM system.parts WHERE database = \(ClickHouseEscaping.literal(database))
                    AND active FORMAT RowBinary
                """), label: server.label)
            size += try reader.int64()
        }
        stats.sizeBytes = size
        stats.retention = try retention()
        if let minutes = try dropMinutes() {
            (stats.dropRollupStart, stats.dropRollupEnd) = (minutes.start, minutes.end)
        }
        return stats
    }

    /// The keys of the endpoints that flows after the prune cut refer to, and (when the rollup
    /// is kept longer than the flows) the drops rollup's rows after its own cut.
    func referencedEndpointKeys() throws(StoreError) -> Set<UInt64> {
        let visible = pruneCut.map { "time >= \($0)" } ?? "1"
        var referenced = Set<UInt64>()
        try rows("""
            SELECT DISTINCT k FROM (SELECT source AS k FROM \(table("flows")) WHERE \(visible)
                UNION ALL SELECT destination AS k FROM \(table("flows")) WHERE \(visible))
            """) { (reader: inout RowBinaryReader) throws(StoreError) in referenced.insert(try reader.uint64()) }
        if let rollupsStart, let pruneCut, rollupsStart < pruneCut {
            let minute = "minute >= \(rollupsStart.floorDiv(ClickHouseSchema.nanosPerMinute))"
            try rows("""
                SELECT DISTINCT k FROM (SELECT source AS k FROM \(table("drop_rollup")) WHERE \(minute)
                    UNION ALL SELECT destination AS k FROM \(table("drop_rollup")) WHERE \(minute))
                """) { (reader: inout RowBinaryReader) throws(StoreError) in referenced.insert(try reader.uint64()) }
        }
        return referenced
    }
}
