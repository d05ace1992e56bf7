import FlowlogModel
import FlowlogStore
/// The per-batch pre-aggregation behind `drop_rollup` and `flow_rollup`, written in the batch's
/// transaction so the rollups always agree with the flows.
struct RollupAccumulator {
    struct DropKey: Hashable {
        var minute: Int64, source: Int64, destination: Int64, proto: Int32, port: Int32, reason: Int32
    }

    struct FlowKey: Hashable {
        var hour: Int64, source: Int64, destination: Int64
        var sourceIP: IPAddress?, destinationIP: IPAddress?
        var proto: Int32, port: Int32, names: Int64, isReply: Int32, verdict: Int32, reason: Int32, policyVerdict: Int32
    }

    struct Totals {
        var count: Int64 = 0, first: Int64, last: Int64

        init(_ time: Int64) {
            first = time
            last = time
        }

        /// Counts one record standing for `weight` flows.
        mutating func add(_ time: Int64, weight: UInt32) {
            count += Int64(weight)
            first = min(first, time)
            last = max(last, time)
        }
    }

    private(set) var drops: [DropKey: Totals] = [:]
    private(set) var flows: [FlowKey: Totals] = [:]
    /// Whether drops are counted too; false to recount `flow_rollup` alone.
    var countsDrops = true

    /// Counts one stored flow; `…MayNotBePod` says whether that side's address must be kept, and
    /// `names` is the strings id of ``Flow/connectionNames`` (0 for none).
    mutating func add(_ flow: Flow, source: Int64, destination: Int64, sourceMayNotBePod: Bool, destinationMayNotBePod: Bool,
                      names: Int64) {
        let time = flow.time.rawValue
        let port = Int32(flow.connectionPort)
        if countsDrops && flow.countsAsDrop {
            let key = DropKey(minute: time.floorDiv(60_000_000_000), source: source, destination: destination,
                              proto: flow.l4.proto.rawValue, port: port, reason: flow.dropReason.rawValue)
            drops[key, default: Totals(time)].add(time, weight: flow.weight)
        }
        let key = FlowKey(hour: time.floorDiv(3_600_000_000_000), source: source, destination: destination,
                          sourceIP: sourceMayNotBePod ? flow.sourceIP : nil,
                          destinationIP: destinationMayNotBePod ? flow.destinationIP : nil,
                          proto: flow.l4.proto.rawValue, port: port, names: names,
                          isReply: flow.isReply.map { $0 ? 1 : 0 } ?? 2, verdict: flow.verdict.code,
                          reason: flow.dropReason.rawValue, policyVerdict: flow.isPolicyVerdictEvent ? 1 : 0)
        flows[key, default: Totals(time)].add(time, weight: flow.weight)
    }

    func write(to connection: SQLiteConnection, statements: inout RollupStatements) throws(StoreError) {
        if !drops.isEmpty {
            let statement = try statements.dropUpsert(connection)
            for (key, totals) in drops {
                for (index, value) in [key.minute, key.source, key.destination, Int64(key.proto), Int64(key.port),
                                       Int64(key.reason), totals.count, totals.first, totals.last].enumerated() {
                    try statement.bind(value, at: Int32(index + 1))
                }
                try statement.run()
            }
        }
        if !flows.isEmpty {
            let statement = try statements.flowUpsert(connection)
            for (key, totals) in flows {
                try statement.bind(key.hour, at: 1)
                try statement.bind(key.source, at: 2)
                try statement.bind(key.destination, at: 3)
                try bindAddress(key.sourceIP, statement, 4)
                try bindAddress(key.destinationIP, statement, 5)
                for (index, value) in [Int64(key.proto), Int64(key.port), key.names, Int64(key.isReply), Int64(key.verdict),
                                       Int64(key.reason), Int64(key.policyVerdict), totals.count, totals.first,
                                       totals.last].enumerated() {
                    try statement.bind(value, at: Int32(index + 6))
                }
                try statement.run()
            }
        }
    }

    private func bindAddress(_ address: IPAddress?, _ statement: Statement, _ index: Int32) throws(StoreError) {
        if let address {
            try address.withBytes { bytes throws(StoreError) in try statement.bind(bytes, at: index) }
        } else {
            try statement.bind([UInt8](), at: index)
        }
    }
}

/// Prepared upserts, kept across batches.
struct RollupStatements {
    private var drop: Statement?
    private var flow: Statement?

    mutating func dropUpsert(_ connection: SQLiteConnection) throws(StoreError) -> Statement {
        if let drop { return drop }
        let statement = try connection.prepare("""
            INSERT INTO drop_rollup (minute, source, destination, protocol, port, drop_reason, count, first_time, last_time)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (minute, source, destination, protocol, port, drop_reason) DO UPDATE SET
                count = count + excluded.count,
                first_time = min(first_time, excluded.first_time),
                last_time = max(last_time, excluded.last_time)
            """, persistent: true)
        drop = statement
        return statement
    }

    mutating func flowUpsert(_ connection: SQLiteConnection) throws(StoreError) -> Statement {
        if let flow { return flow }
        let statement = try connection.prepare("""
            INSERT INTO flow_rollup (hour, source, destination, source_ip, destination_ip, protocol, port, connection_names,
                is_reply, verdict, drop_reason, policy_verdict, count, first_time, last_time)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (hour, source, destination, source_ip, destination_ip, protocol, port, connection_names, is_reply,
                verdict, drop_reason, policy_verdict) DO UPDATE SET
                count = count + excluded.count,
                first_time = min(first_time, excluded.first_time),
                last_time = max(last_time, excluded.last_time)
            """, persistent: true)
        flow = statement
        return statement
    }
}
