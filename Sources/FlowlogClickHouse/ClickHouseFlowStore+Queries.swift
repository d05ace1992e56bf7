import FlowlogModel
import FlowlogStore

/// Conditions of a ``FlowQuery`` in ClickHouse SQL. Every value is a number the code formats or
/// a literal made by ``ClickHouseEscaping`` — ClickHouse 18.16 has no query parameters.
///
/// The endpoint, pod, label and node filters are not translated to SQL: the stored endpoints (and
/// node names) are matched in Swift by the same `EndpointFilter.matches` / `FlowQuery.matches`
/// the rest of flowlog uses, and the query names the keys that matched.
extension ClickHouseFlowStore {
    // MARK: - Endpoints

    /// Every stored endpoint by key (loaded once per store; endpoints are few).
    func storedEndpoints() throws(StoreError) -> [UInt64: Endpoint] {
        if let endpointsByKey { return endpointsByKey }
        let answer = try execute("""
            SELECT key, identity, namespace, pod, cluster, labels, workloads FROM \(table("endpoints")) FINAL FORMAT RowBinary
            """)
        var reader = RowBinaryReader(answer, label: path)
        var result: [UInt64: Endpoint] = [:]
        while !reader.isAtEnd {
            let key = try reader.uint64()
            let identity = try reader.uint32()
            let namespace = try reader.string()
            let pod = try reader.string()
            let cluster = try reader.string()
            let labels = try reader.stringArray()
            let workloads = try reader.stringArray().map(Workload.init(storedText:))
            result[key] = Endpoint(identity: identity, namespace: namespace, podName: pod, clusterName: cluster,
                                   labels: labels, workloads: workloads)
        }
        endpointsByKey = result
        return result
    }

    func endpoint(_ key: UInt64) throws(StoreError) -> Endpoint {
        try storedEndpoints()[key] ?? Endpoint()
    }

    public func endpoints() throws -> [Endpoint] {
        var stored = try storedEndpoints()
        // After a prune, as on SQLite, only those flows still refer to (the deletion of the
        // others is asynchronous on ClickHouse).
        if pruneCut != nil {
            let referenced = try referencedEndpointKeys()
            stored = stored.filter { referenced.contains($0.key) }
        }
        return stored.sorted { $0.key < $1.key }.map(\.value)
    }

    /// `column IN (keys of the endpoints filter accepts)`, or `0` (false) when it accepts none.
    func endpointCondition(_ column: String, _ filter: EndpointFilter) throws(StoreError) -> String {
        let keys = try storedEndpoints().filter { filter.matches($0.value) }.keys.sorted()
        return keys.isEmpty ? "0" : "\(column) IN (\(keys.map(String.init).joined(separator: ",")))"
    }

    // MARK: - Conditions

    /// The `WHERE` conditions of `query` on the flows table (verdicts left out with `withVerdicts: false`).
    /// The prune cut is left out with `withPruneCut: false` (inside an exclusion, `--not`).
    func conditions(_ query: FlowQuery, withVerdicts: Bool = true, withPruneCut: Bool = true) throws(StoreError) -> String {
        var clauses: [String] = []
        if withPruneCut, let pruneCut { clauses.append("time >= \(pruneCut)") }
        clauses += try rollupKeyConditions(query)
        if withVerdicts, !query.verdicts.isEmpty {
            clauses.append("verdict IN (\(query.verdicts.map { String($0.code) }.joined(separator: ",")))")
        }
        if !query.ports.isEmpty {
            let list = query.ports.map(String.init).joined(separator: ",")
            clauses.append("(protocol IN (\(SQLRules.portBearingProtocols)) AND (source_port IN (\(list)) OR destination_port IN (\(list))))")
        }
        for (column, cidrs) in [("source_ip", query.sourceIPs), ("destination_ip", query.destinationIPs)] where !cidrs.isEmpty {
            clauses.append(Self.cidrClause(column, cidrs))
        }
        if !query.nodes.isEmpty {
            let names = try nodeNames(query.nodes)
            clauses.append(names.isEmpty ? "0" : "node IN (\(names.joined(separator: ",")))")
        }
        if let since = query.since { clauses.append("time >= \(since.rawValue)") }
        if let until = query.until { clauses.append("time < \(until.rawValue)") }
        clauses += try hubbleClauses(query)
        return clauses.isEmpty ? "1" : clauses.joined(separator: " AND ")
    }

    /// The conditions on the columns the flows table and the drops rollup share (endpoints,
    /// protocol, drop reason, traffic direction), so both answer a filter the same way.
    func rollupKeyConditions(_ query: FlowQuery) throws(StoreError) -> [String] {
        var clauses: [String] = []
        if !query.either.isEmpty {
            clauses.append("(\(try endpointCondition("source", query.either)) OR \(try endpointCondition("destination", query.either)))")
        }
        if !query.source.isEmpty { clauses.append(try endpointCondition("source", query.source)) }
        if !query.destination.isEmpty { clauses.append(try endpointCondition("destination", query.destination)) }
        if !query.protocols.isEmpty { clauses.append("protocol IN (\(query.protocols.map { String($0.rawValue) }.joined(separator: ",")))") }
        if !query.dropReasons.isEmpty {
            clauses.append("drop_reason IN (\(query.dropReasons.map { String($0.rawValue) }.joined(separator: ",")))")
        }
        if !query.trafficDirections.isEmpty {
            clauses.append("traffic_direction IN (\(query.trafficDirections.map { String($0.rawValue) }.joined(separator: ",")))")
        }
        return clauses
    }

    /// The stored node names the patterns match, by the one node-pattern rule (`FlowQuery.matches`).
    private func nodeNames(_ patterns: [String]) throws(StoreError) -> [String] {
        var probe = FlowQuery()
        probe.nodes = patterns
        var reader = RowBinaryReader(try execute("SELECT DISTINCT node FROM \(table("flows")) FORMAT RowBinary"), label: path)
        var names: [String] = []
        while !reader.isAtEnd {
            var flow = Flow()
            flow.nodeName = try reader.string()
            if probe.matches(flow) { names.append(ClickHouseEscaping.literal(flow.nodeName)) }
        }
        return names.sorted()
    }

    /// The lowest and highest addresses of the prefix, as network-order bytes.
    static func byteRange(_ cidr: CIDR) -> ([UInt8], [UInt8]) {
        var low = cidr.network.bytes
        var high = low
        for index in high.indices {
            let bitsBefore = index * 8
            if bitsBefore >= cidr.prefixLength {
                low[index] = 0
                high[index] = 0xFF
            } else if bitsBefore + 8 > cidr.prefixLength {
                let mask = UInt8(truncatingIfNeeded: 0xFF >> (cidr.prefixLength - bitsBefore))
                low[index] &= ~mask
                high[index] |= mask
            }
        }
        return (low, high)
    }

    // MARK: - Flows

    public func flows(matching query: FlowQuery, last: Int?) throws -> [Flow] {
        var result: [Flow] = []
        try forEachFlow(matching: query, last: last) { result.append($0) }
        return result
    }

    /// Pages of `pageSize` flows in (time, seq, key) order, each page starting after the last
    /// row of the previous one, so memory stays bounded however many flows match. With `last`,
    /// the newest `last` flows are read newest first at once and handed over oldest first.
    public func forEachFlow(matching query: FlowQuery, last: Int?, _ body: (Flow) throws -> Void) throws {
        let endpoints = try storedEndpoints()
        let resolve: (UInt64) throws(StoreError) -> Endpoint = { key in endpoints[key] ?? Endpoint() }
        let conditions = try conditions(query)
        let columns = "\(FlowRow.columns), seq"
        if let last {
            guard last > 0 else { return }
            // Two steps: the newest `last` rows' (time, seq, key) — three columns sorted, rather
            // than every column of every matching row (ClickHouse 18.16 sorts whole rows; over
            // 10M flows that took 9.6 s) — then those rows whole, read from their time range only.
            var newest: [UInt64] = []
            var oldest = Int64.max
            var newestTime = Int64.min
            try rows("""
                SELECT time, key FROM \(table("flows")) FINAL WHERE \(conditions)
                ORDER BY time DESC, seq DESC, key DESC LIMIT \(last)
                """) { (reader: inout RowBinaryReader) throws(StoreError) in
                let time = try reader.int64()
                oldest = min(oldest, time)
                newestTime = max(newestTime, time)
                newest.append(try reader.uint64())
            }
            guard !newest.isEmpty else { return }
            let answer = try execute("""
                SELECT \(columns) FROM \(table("flows")) FINAL
                WHERE time >= \(oldest) AND time <= \(newestTime) AND key IN (\(newest.map(String.init).joined(separator: ",")))
                    AND \(conditions)
                ORDER BY time DESC, seq DESC, key DESC LIMIT \(last) FORMAT RowBinary
                """)
            var reader = RowBinaryReader(answer, label: path)
            var newestFirst: [Flow] = []
            while !reader.isAtEnd {
                let row = try FlowRow.decode(&reader, endpoint: resolve)
                _ = try reader.int64()
                newestFirst.append(row.flow)
            }
            for stored in newestFirst.reversed() { try body(stored) }
            return
        }
        let pageSize = 50_000
        var after: (time: Int64, seq: Int64, key: UInt64)?
        while true {
            var clause = conditions
            if let after {
                clause += " AND (time > \(after.time) OR (time = \(after.time) AND (seq > \(after.seq) "
                    + "OR (seq = \(after.seq) AND key > \(after.key)))))"
            }
            let answer = try execute("""
                SELECT \(columns) FROM \(table("flows")) FINAL WHERE \(clause)
                ORDER BY time, seq, key LIMIT \(pageSize) FORMAT RowBinary
                """)
            var reader = RowBinaryReader(answer, label: path)
            var count = 0
            while !reader.isAtEnd {
                let row = try FlowRow.decode(&reader, endpoint: resolve)
                let seq = try reader.int64()
                count += 1
                after = (row.flow.time.rawValue, seq, row.key)
                try body(row.flow)
            }
            if count < pageSize { return }
        }
    }
}
