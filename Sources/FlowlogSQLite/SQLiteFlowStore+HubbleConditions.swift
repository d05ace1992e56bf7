import FlowlogModel
import FlowlogStore

extension SQLiteFlowStore {
    /// Conditions for `hubble observe`'s further filters (`--ip`, `--from-port`/`--to-port`,
    /// `--type`, `--fqdn`, `--uuid`, `--tcp-flags`, `--not`) on the flows table; every value is a
    /// bound parameter. Identities and workloads are endpoint conditions (``endpointConditions``).
    func hubbleConditions(_ query: FlowQuery, into conditions: inout SQLConditions) throws(StoreError) {
        for (column, ports) in [("source_port", query.sourcePorts), ("destination_port", query.destinationPorts)] where !ports.isEmpty {
            conditions.add("(protocol IN (\(SQLRules.portBearingProtocols)) AND \(column) IN (\(SQLConditions.placeholders(ports.count))))",
                           ports.map { .int(Int64($0)) })
        }
        if !query.ips.isEmpty {
            let (source, sourceValues) = cidrCondition("source_ip", query.ips)
            let (destination, destinationValues) = cidrCondition("destination_ip", query.ips)
            conditions.add("(\(source) OR \(destination))", sourceValues + destinationValues)
        }
        if !query.names.isEmpty {
            let ids = try namesIDList(query.names)
            conditions.add("(source_names IN (SELECT value FROM json_each(?)) OR destination_names IN (SELECT value FROM json_each(?)))",
                           [.text(ids), .text(ids)])
        }
        if !query.sourceNames.isEmpty {
            conditions.add("source_names IN (SELECT value FROM json_each(?))", [.text(try namesIDList(query.sourceNames))])
        }
        if !query.destinationNames.isEmpty {
            conditions.add("destination_names IN (SELECT value FROM json_each(?))", [.text(try namesIDList(query.destinationNames))])
        }
        if !query.eventTypes.isEmpty {
            var alternatives: [String] = []
            var values: [SQLConditions.Value] = []
            for filter in query.eventTypes {
                if let subType = filter.subType {
                    alternatives.append("(event_type = ? AND event_sub_type = ?)")
                    values += [.int(Int64(filter.type)), .int(Int64(subType))]
                } else {
                    alternatives.append("event_type = ?")
                    values.append(.int(Int64(filter.type)))
                }
            }
            conditions.add("(" + alternatives.joined(separator: " OR ") + ")", values)
        }
        if !query.uuids.isEmpty {
            conditions.add("uuid IN (\(SQLConditions.placeholders(query.uuids.count)))", query.uuids.map { .blob($0.bytes) })
        }
        if !query.tcpFlags.isEmpty {
            let alternatives = Array(repeating: "(tcp_flags & ?) = ?", count: query.tcpFlags.count).joined(separator: " OR ")
            conditions.add("(\(alternatives))", query.tcpFlags.flatMap { flags -> [SQLConditions.Value] in
                [.int(Int64(flags.rawValue)), .int(Int64(flags.rawValue))] })
        }
        for exclusion in query.exclusions {
            var excluded = SQLConditions()
            try flowConditions(exclusion, into: &excluded)
            // A NULL column (no address, no names) makes a condition NULL, not false; NOT NULL
            // would drop the row, so the exclusion counts as not matching.
            conditions.add("NOT coalesce((\(excluded.whereClause)), 0)", excluded.values)
        }
    }

    /// `column` within one of `cidrs`, on the address bytes.
    func cidrCondition(_ column: String, _ cidrs: [CIDR]) -> (String, [SQLConditions.Value]) {
        var alternatives: [String] = []
        var values: [SQLConditions.Value] = []
        for cidr in cidrs {
            let (low, high) = cidr.byteRange
            alternatives.append("(length(\(column)) = \(low.count) AND \(column) BETWEEN ? AND ?)")
            values += [.blob(low), .blob(high)]
        }
        return ("(" + alternatives.joined(separator: " OR ") + ")", values)
    }

    /// The strings ids of stored name lists that one of `patterns` matches (by the one rule,
    /// ``FQDNPattern/matches(_:)``), as a JSON array for `json_each(?)`. Name lists are interned
    /// as JSON arrays of strings, the only strings that start with `["`; the scan reads one row
    /// at a time.
    private func namesIDList(_ patterns: [FQDNPattern]) throws(StoreError) -> String {
        let statement = try connection.prepare("SELECT id, value FROM strings WHERE value GLOB '[[]\"*'")
        var ids: [Int64] = []
        while try statement.step() {
            guard let names = JSONText.parseStringArray(statement.string(1)) else { continue }
            if FlowQuery.anyName(names, patterns) { ids.append(statement.int64(0)) }
        }
        return "[" + ids.map(String.init).joined(separator: ",") + "]"
    }
}
