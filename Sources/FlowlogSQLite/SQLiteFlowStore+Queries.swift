import FlowlogModel
import FlowlogStore
extension SQLiteFlowStore {
    // MARK: - Endpoint resolution

    /// The columns of a stored endpoint, with its label set joined in.
    enum EndpointColumn: Int32, SelectColumns {
        case id, identity, namespace, pod, cluster, labels, workloads

        var sql: String {
            switch self {
            case .id: "e.id"
            case .identity: "e.identity"
            case .namespace: "e.namespace"
            case .pod: "e.pod"
            case .cluster: "e.cluster"
            case .labels: "l.labels"
            case .workloads: "e.workloads"
            }
        }
    }

    private static let endpointSelect = """
        SELECT \(EndpointColumn.selectList)
        FROM endpoints e JOIN label_sets l ON l.id = e.label_set
        """

    /// Calls `body` with each stored endpoint (and its id) in id order, one row at a time, so
    /// scanning many endpoints with large label sets holds one of them at a time.
    func forEachStoredEndpoint(_ body: (Int64, Endpoint) throws(StoreError) -> Void) throws(StoreError) {
        let statement = try connection.prepare(SQLiteFlowStore.endpointSelect + " ORDER BY e.id")
        let row = Row(statement, EndpointColumn.self)
        while try statement.step() { try body(row.int64(.id), endpointRow(row)) }
    }

    private func endpointRow(_ row: Row<EndpointColumn>) -> Endpoint {
        let workloads = (JSONText.parseStringArray(row.string(.workloads)) ?? []).map(Workload.init(storedText:))
        return Endpoint(
            identity: UInt32(truncatingIfNeeded: row.int64(.identity)), namespace: row.string(.namespace),
            podName: row.string(.pod), clusterName: row.string(.cluster),
            labels: JSONText.parseStringArray(row.string(.labels)) ?? [], workloads: workloads)
    }

    public func endpoints() throws -> [Endpoint] {
        var result: [Endpoint] = []
        try forEachStoredEndpoint { _, endpoint in result.append(endpoint) }
        return result
    }

    /// The endpoint with store id `id`: from the bounded cache, else one row of the database.
    func endpoint(_ id: Int64) throws(StoreError) -> Endpoint {
        if let endpoint = endpointsByID[id] { return endpoint }
        let statement = try connection.prepare(SQLiteFlowStore.endpointSelect + " WHERE e.id = ?")
        try statement.bind(id, at: 1)
        let endpoint = try statement.step() ? endpointRow(Row(statement)) : Endpoint()
        endpointsByID.insert(endpoint, for: id, bytes: ApproximateSize.of(endpoint))
        return endpoint
    }

    func string(_ id: Int64) throws(StoreError) -> String {
        if let value = stringsByID[id] { return value }
        let statement = try connection.prepare("SELECT value FROM strings WHERE id = ?")
        try statement.bind(id, at: 1)
        let value = try statement.step() ? statement.string(0) : ""
        stringsByID.insert(value, for: id, bytes: ApproximateSize.of(value))
        return value
    }

    /// The ids of stored endpoints that `filter` accepts, as a JSON array for `json_each(?)`.
    /// Endpoints are scanned row by row rather than cached, so memory stays bounded however
    /// many distinct endpoints the store holds.
    private func endpointIDList(_ filter: EndpointFilter) throws(StoreError) -> String {
        var ids: [Int64] = []
        try forEachStoredEndpoint { id, endpoint in
            if filter.matches(endpoint) { ids.append(id) }
        }
        return "[" + ids.map(String.init).joined(separator: ",") + "]"
    }

    // MARK: - Conditions

    /// Conditions on endpoints, protocol, drop reason and verdict, for a table with the columns
    /// `source`, `destination`, `protocol`, `drop_reason` (flows and the drop rollup alike).
    func endpointConditions(_ query: FlowQuery, into conditions: inout SQLConditions) throws(StoreError) {
        if !query.either.isEmpty {
            let ids = try endpointIDList(query.either)
            conditions.add("(source IN (SELECT value FROM json_each(?)) OR destination IN (SELECT value FROM json_each(?)))",
                           [.text(ids), .text(ids)])
        }
        if !query.source.isEmpty {
            conditions.add("source IN (SELECT value FROM json_each(?))", [.text(try endpointIDList(query.source))])
        }
        if !query.destination.isEmpty {
            conditions.add("destination IN (SELECT value FROM json_each(?))", [.text(try endpointIDList(query.destination))])
        }
        if !query.protocols.isEmpty {
            conditions.add("protocol IN (\(SQLConditions.placeholders(query.protocols.count)))",
                           query.protocols.map { .int(Int64($0.rawValue)) })
        }
        if !query.dropReasons.isEmpty {
            conditions.add("drop_reason IN (\(SQLConditions.placeholders(query.dropReasons.count)))",
                           query.dropReasons.map { .int(Int64($0.rawValue)) })
        }
    }

    /// Conditions on the columns only the flows table has.
    func flowConditions(_ query: FlowQuery, into conditions: inout SQLConditions) throws(StoreError) {
        try endpointConditions(query, into: &conditions)
        if !query.verdicts.isEmpty {
            conditions.add("verdict IN (\(SQLConditions.placeholders(query.verdicts.count)))",
                           query.verdicts.map { .int(Int64($0.code)) })
        }
        if !query.ports.isEmpty {
            let list = SQLConditions.placeholders(query.ports.count)
            let ports: [SQLConditions.Value] = query.ports.map { .int(Int64($0)) }
            conditions.add("(protocol IN (\(SQLRules.portBearingProtocols)) AND (source_port IN (\(list)) OR destination_port IN (\(list))))", ports + ports)
        }
        for (column, cidrs) in [("source_ip", query.sourceIPs), ("destination_ip", query.destinationIPs)] where !cidrs.isEmpty {
            let (clause, values) = cidrCondition(column, cidrs)
            conditions.add(clause, values)
        }
        if !query.nodes.isEmpty {
            let alternatives = Array(repeating: "value GLOB ?", count: query.nodes.count).joined(separator: " OR ")
            conditions.add("node IN (SELECT id FROM strings WHERE \(alternatives))", query.nodes.map { .text(globPattern($0)) })
        }
        if !query.trafficDirections.isEmpty {
            conditions.add("traffic_direction IN (\(SQLConditions.placeholders(query.trafficDirections.count)))",
                           query.trafficDirections.map { .int(Int64($0.rawValue)) })
        }
        if let since = query.since { conditions.add("time >= ?", [.int(since.rawValue)]) }
        if let until = query.until { conditions.add("time < ?", [.int(until.rawValue)]) }
        try hubbleConditions(query, into: &conditions)
    }

    /// A GLOB pattern where only `*` is special (as in hubble's node-name patterns).
    private func globPattern(_ pattern: String) -> String {
        var out = ""
        for character in pattern {
            switch character {
            case "?": out += "[?]"
            case "[": out += "[[]"
            default: out.append(character)
            }
        }
        return out
    }

    // MARK: - Drops

    /// Rows of ``DropColumn``; with `perMinute`, the rows are `(minute, count)` instead.
    func rollupDropQuery(_ query: FlowQuery, perMinute: Bool = false) throws(StoreError) -> (String, SQLConditions) {
        let nanosPerMinute: Int64 = 60_000_000_000
        let window = BucketedWindow(since: query.since, until: query.until, bucketNanos: nanosPerMinute)
        var conditions = SQLConditions()
        var shared = SQLConditions()
        try endpointConditions(query, into: &shared)

        var parts: [String] = []
        if window.hasWholeBuckets {
            parts.append("""
                SELECT minute, source, destination, protocol, port, drop_reason, count, first_time, last_time FROM drop_rollup
                WHERE minute >= ? AND minute < ? AND \(shared.whereClause)
                """)
            conditions.addValues([.int(window.firstBucket), .int(window.endBucket)] + shared.values)
        }
        for (low, last) in window.edges {
            parts.append("""
                SELECT time / \(nanosPerMinute) - (time % \(nanosPerMinute) < 0) AS minute, source, destination, protocol,
                    \(SQLRules.connectionPort) AS port,
                    drop_reason, weight AS count, time AS first_time, time AS last_time
                FROM flows INDEXED BY flows_drops
                WHERE \(SQLRules.countsAsDrop) AND time >= ? AND time <= ? AND \(shared.whereClause)
                """)
            conditions.addValues([.int(low), .int(last)])
            conditions.addValues(shared.values)
        }
        // An empty window (since == until) has neither whole minutes nor edges: no rows.
        if parts.isEmpty {
            parts.append("""
                SELECT 0 AS minute, 0 AS source, 0 AS destination, 0 AS protocol, 0 AS port, 0 AS drop_reason, 0 AS count,
                    0 AS first_time, 0 AS last_time WHERE 0
                """)
        }
        let union = parts.joined(separator: " UNION ALL ")
        if perMinute { return ("SELECT minute, sum(count) FROM (\(union)) GROUP BY minute", conditions) }
        let sql = "SELECT \(DropColumn.selectList) FROM (\(union)) \(DropColumn.groupBy)"
        return (sql, conditions)
    }

    public func dropsPerHour(matching query: FlowQuery) throws -> [Timestamp: Int64] {
        // Drop counts per minute come from the same query as dropCounts, grouped by hour instead.
        var result: [Timestamp: Int64] = [:]
        let hourNanos: Int64 = 3_600_000_000_000
        let minuteNanos: Int64 = 60_000_000_000
        var conditions = SQLConditions()
        let sql: String
        if query.isServedByDropRollup && query.ports.isEmpty {
            (sql, conditions) = try rollupDropQuery(query, perMinute: true)
        } else {
            var restricted = query
            restricted.verdicts = []
            try flowConditions(restricted, into: &conditions)
            sql = """
                SELECT time / \(minuteNanos) - (time % \(minuteNanos) < 0), sum(weight) FROM flows INDEXED BY flows_drops
                WHERE \(SQLRules.countsAsDrop) AND \(conditions.whereClause) GROUP BY 1
                """
            if !query.verdicts.isEmpty && !query.verdicts.contains(.dropped) { return [:] }
        }
        let statement = try connection.prepare(sql)
        try conditions.bind(statement)
        while try statement.step() {
            // By minute number, not minute start: the start of the first minute of 1677 does not
            // fit in 64 bits. The keys agree with ReportBuilder.hourStarts.
            // A damaged row's minute outside all time is clamped to the first or last hour.
            let hourIndex = min(max(statement.int64(0).floorDiv(hourNanos / minuteNanos),
                                    Timestamp.earliest.rawValue.floorDiv(hourNanos)),
                                Timestamp.latest.rawValue.floorDiv(hourNanos))
            let hour = Timestamp.periodStart(index: hourIndex, unitNanos: hourNanos) ?? .earliest
            result[hour] = try (result[hour] ?? 0).addingChecked(statement.int64(1), "drop counts", path: path)
        }
        return result
    }

    public func lostEventCount(since: Timestamp?, until: Timestamp?) throws -> Int64 {
        // An inclusive last nanosecond, so that without `until` a record at Int64.max counts too.
        let (last, beforeTheFirst) = (until?.rawValue ?? Int64.max).subtractingReportingOverflow(until == nil ? 0 : 1)
        guard !beforeTheFirst else { return 0 }
        let statement = try connection.prepare("SELECT coalesce(sum(count), 0) FROM lost_events WHERE time >= ? AND time <= ?")
        try statement.bind(since?.rawValue ?? Int64.min, at: 1)
        try statement.bind(last, at: 2)
        return try statement.step() ? statement.int64(0) : 0
    }

    // MARK: - Statistics

    public func statistics() throws -> StoreStatistics {
        var stats = StoreStatistics()
        // Flows, not rows: an aggregated record counts as the flows it stands for.
        let verdicts = try connection.prepare("SELECT verdict, sum(weight) FROM flows GROUP BY verdict")
        while try verdicts.step() {
            let count = verdicts.int64(1)
            stats.flowsByVerdict[Verdict(code: Int32(truncatingIfNeeded: verdicts.int64(0)))] = count
            stats.flows = try stats.flows.addingChecked(count, "flow counts", path: path)
        }
        // Two subqueries: each is one seek at an end of the table's key, where one SELECT with
        // both aggregates would scan every row.
        let range = try connection.prepare("SELECT (SELECT min(time) FROM flows), (SELECT max(time) FROM flows)")
        if try range.step(), !range.isNull(0) {
            stats.firstTime = Timestamp(rawValue: range.int64(0))
            stats.lastTime = Timestamp(rawValue: range.int64(1))
        }
        stats.drops = try connection.scalarInt("SELECT coalesce(sum(count), 0) FROM drop_rollup") ?? 0
        let minutes = try connection.prepare("SELECT min(minute), max(minute) FROM drop_rollup")
        if try minutes.step(), !minutes.isNull(0) {
            stats.dropRollupStart = Timestamp.periodStart(index: minutes.int64(0), unitNanos: 60_000_000_000)
            stats.dropRollupEnd = Timestamp.periodStart(index: minutes.int64(1) &+ 1, unitNanos: 60_000_000_000)
        }
        stats.retention = try retention()
        if let raw = stats.retention.rawFlowsStart {
            // The drops of the raw flows kept; the rollup reaches further back.
            var retained = FlowQuery()
            retained.since = raw
            stats.drops = 0
            for count in try dropsPerHour(matching: retained).values {
                stats.drops = try stats.drops.addingChecked(count, "drop counts", path: path)
            }
        }
        stats.lostEvents = try connection.scalarInt("SELECT coalesce(sum(count), 0) FROM lost_events") ?? 0
        stats.endpoints = try connection.scalarInt("SELECT count(*) FROM endpoints") ?? 0
        stats.labelSets = try connection.scalarInt("SELECT count(*) FROM label_sets") ?? 0
        let nonFlow = try connection.prepare("SELECT kind, count FROM non_flow_records")
        while try nonFlow.step() {
            if let kind = NonFlowKind(rawValue: nonFlow.string(0)) { stats.nonFlowRecords[kind] = nonFlow.int64(1) }
        }
        stats.checkpoints = try allCheckpoints()
        let pages = try connection.scalarInt("PRAGMA page_count") ?? 0
        let pageSize = try connection.scalarInt("PRAGMA page_size") ?? 0
        stats.sizeBytes = pages.multipliedClamped(by: pageSize)
        return stats
    }
}

extension Int64 {
    /// `self + other` for counts and totals read from the database.
    /// - Throws: ``StoreError`` with kind `.outOfRange` instead of trapping when the sum does not
    ///   fit in 64 bits (only a damaged or hand-edited database holds such counts).
    func addingChecked(_ other: Int64, _ what: @autoclosure () -> String, path: String?) throws(StoreError) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        guard !overflow else {
            throw StoreError(kind: .outOfRange, message: "\(what()) in the database add up to more than 64 bits hold; the database is damaged",
                             path: path)
        }
        return sum
    }
}


extension CIDR {
    /// The lowest and highest addresses of the prefix, as network-order bytes.
    var byteRange: ([UInt8], [UInt8]) {
        var high = network.bytes
        for index in high.indices {
            let bitsBefore = index * 8
            if bitsBefore >= prefixLength {
                high[index] = 0xFF
            } else if bitsBefore + 8 > prefixLength {
                high[index] |= UInt8(truncatingIfNeeded: 0xFF >> (prefixLength - bitsBefore))
            }
        }
        return (network.bytes, high)
    }
}
