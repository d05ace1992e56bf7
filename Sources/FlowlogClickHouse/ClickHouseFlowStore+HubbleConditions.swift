import FlowlogModel
import FlowlogStore

/// Conditions for `hubble observe`'s further filters (`--ip`, `--from-port`/`--to-port`, `--type`,
/// `--fqdn`, `--uuid`, `--tcp-flags`, `--not`) in ClickHouse SQL: numbers the code formats and
/// literals made by ``ClickHouseEscaping``. Identities and workloads are endpoint conditions.
extension ClickHouseFlowStore {
    func hubbleClauses(_ query: FlowQuery) throws(StoreError) -> [String] {
        var clauses: [String] = []
        for (column, ports) in [("source_port", query.sourcePorts), ("destination_port", query.destinationPorts)] where !ports.isEmpty {
            clauses.append("(protocol IN (\(SQLRules.portBearingProtocols)) AND \(column) IN (\(ports.map(String.init).joined(separator: ","))))")
        }
        if !query.ips.isEmpty {
            clauses.append("(\(Self.cidrClause("source_ip", query.ips)) OR \(Self.cidrClause("destination_ip", query.ips)))")
        }
        if !query.names.isEmpty {
            let names = try storedNames(matching: query.names)
            clauses.append("(\(Self.namesClause("source_names", names)) OR \(Self.namesClause("destination_names", names)))")
        }
        if !query.sourceNames.isEmpty {
            clauses.append(Self.namesClause("source_names", try storedNames(matching: query.sourceNames)))
        }
        if !query.destinationNames.isEmpty {
            clauses.append(Self.namesClause("destination_names", try storedNames(matching: query.destinationNames)))
        }
        if !query.eventTypes.isEmpty {
            let alternatives = query.eventTypes.map { filter in
                filter.subType.map { "(event_type = \(filter.type) AND event_sub_type = \($0))" } ?? "event_type = \(filter.type)"
            }
            clauses.append("(" + alternatives.joined(separator: " OR ") + ")")
        }
        if !query.uuids.isEmpty {
            clauses.append("uuid IN (\(query.uuids.map { ClickHouseEscaping.binaryLiteral($0.bytes) }.joined(separator: ",")))")
        }
        if !query.tcpFlags.isEmpty {
            clauses.append("(" + query.tcpFlags.map { "bitAnd(tcp_flags, \($0.rawValue)) = \($0.rawValue)" }.joined(separator: " OR ") + ")")
        }
        for exclusion in query.exclusions {
            clauses.append("NOT (\(try conditions(exclusion, withPruneCut: false)))")
        }
        return clauses
    }

    /// `column` within one of `cidrs`, on the address bytes (4 or 16; empty for none).
    static func cidrClause(_ column: String, _ cidrs: [CIDR]) -> String {
        let alternatives = cidrs.map { cidr -> String in
            let (low, high) = byteRange(cidr)
            return "(length(\(column)) = \(low.count) AND \(column) >= \(ClickHouseEscaping.binaryLiteral(low)) "
                + "AND \(column) <= \(ClickHouseEscaping.binaryLiteral(high)))"
        }
        return "(" + alternatives.joined(separator: " OR ") + ")"
    }

    /// Whether the array `column` holds one of `names` (escaped literals); `0` for none.
    private static func namesClause(_ column: String, _ names: [String]) -> String {
        names.isEmpty ? "0" : "arrayExists(name -> has([\(names.joined(separator: ","))], name), \(column))"
    }

    /// The stored DNS names one of `patterns` matches, by the one rule (``FQDNPattern/matches(_:)``),
    /// as escaped literals.
    private func storedNames(matching patterns: [FQDNPattern]) throws(StoreError) -> [String] {
        let answer = try execute("""
            SELECT DISTINCT arrayJoin(arrayConcat(source_names, destination_names)) FROM \(table("flows")) FORMAT RowBinary
            """)
        var reader = RowBinaryReader(answer, label: path)
        var names: [String] = []
        while !reader.isAtEnd {
            let name = try reader.string()
            if patterns.contains(where: { $0.matches(name) }) { names.append(ClickHouseEscaping.literal(name)) }
        }
        return names.sorted()
    }
}
