import FlowlogModel
import FlowlogStore

/// Drop counts and drops per hour, answered from the per-minute drops rollup (see
/// ``ClickHouseSchema/version3``) for the whole minutes a query covers, and from the flows
/// table (with `FINAL`) for the rest: the partial minutes at the edges of `--since`, `--until`
/// and a prune cut, and every query that filters on what the rollup does not keep — `--port`
/// (either port; the rollup holds the connection port only), `--from-ip`/`--to-ip` and `--node`.
extension ClickHouseFlowStore {
    /// How a drop query is split between the rollup and the flows table.
    struct DropPlan {
        /// The rollup's minutes to read, `minute >= low AND minute < high` (nil: unbounded),
        /// or nil when the rollup answers nothing.
        var minutes: (low: Int64?, high: Int64?)?
        /// The extra condition on flows for what the rollup does not answer (nil: nothing).
        var flowsCondition: String?
    }

    /// The split of `query`: whole minutes inside its time bounds (and after where the rollup
    /// starts: the prune cut, or the earlier rollup cut of `prune --keep-rollups`) from the
    /// rollup, the partial minutes around them from flows.
    func dropPlan(_ query: FlowQuery) -> DropPlan {
        // The same decision as SQLite's and as the retention plan's (`FlowQuery.dropsAnswer`), so a
        // query over a pruned period is answered the way its note says. (This rollup also keys
        // traffic direction, but a direction filter reads the flows like everywhere else.)
        guard query.isServedByDropRollup, query.ports.isEmpty else {
            return DropPlan(minutes: nil, flowsCondition: "1")
        }
        let minute = ClickHouseSchema.nanosPerMinute
        let lower = [rollupsStart, query.since?.rawValue].compactMap { $0 }.max()
        let upper = query.until?.rawValue
        // The first minute starting at or after `lower`, and the first minute not wholly before `upper`.
        let low = lower.map { $0.floorDiv(minute) + ($0 % minute == 0 ? 0 : 1) }
        let high = upper.map { $0.floorDiv(minute) }
        let (lowNanos, lowOverflow) = (low ?? 0).multipliedReportingOverflow(by: minute)
        let (highNanos, highOverflow) = (high ?? 0).multipliedReportingOverflow(by: minute)
        if lowOverflow || highOverflow { return DropPlan(minutes: nil, flowsCondition: "1") }
        if let low, let high, low >= high { return DropPlan(minutes: nil, flowsCondition: "1") }
        // The partial minutes, [lower, first whole minute) and [end of the last, upper): only
        // those that are not empty, so a bound on a minute costs no read of flows.
        var edges: [String] = []
        if let lower, lower % minute != 0 { edges.append("time < \(lowNanos)") }
        if let upper, upper % minute != 0 { edges.append("time >= \(highNanos)") }
        return DropPlan(minutes: (low, high), flowsCondition: edges.isEmpty ? nil : "(\(edges.joined(separator: " OR ")))")
    }

    /// The rollup's `WHERE` for `query` over `minutes` (only the filters the rollup keeps).
    private func rollupConditions(_ query: FlowQuery, minutes: (low: Int64?, high: Int64?)) throws(StoreError) -> String {
        var clauses: [String] = []
        if let low = minutes.low { clauses.append("minute >= \(low)") }
        if let high = minutes.high { clauses.append("minute < \(high)") }
        clauses += try rollupKeyConditions(query)
        return clauses.isEmpty ? "1" : clauses.joined(separator: " AND ")
    }

    public func dropCounts(matching query: FlowQuery) throws -> [DropCount] {
        // As on SQLite: drops whatever the verdict filter says, unless it leaves DROPPED out.
        if !query.verdicts.isEmpty && !query.verdicts.contains(.dropped) { return [] }
        struct GroupKey: Hashable { var source: UInt64, destination: UInt64, proto: Int32, port: UInt16, reason: Int32 }
        var groups: [GroupKey: (count: Int64, first: Int64, last: Int64)] = [:]
        var failure: StoreError?
        let add = { (reader: inout RowBinaryReader) throws(StoreError) in
            let key = GroupKey(source: try reader.uint64(), destination: try reader.uint64(), proto: try reader.int32(),
                               port: try reader.uint16(), reason: try reader.int32())
            let count = try reader.int64()
            let first = try reader.int64()
            let last = try reader.int64()
            if let known = groups[key] {
                let (sum, overflow) = known.count.addingReportingOverflow(count)
                if overflow { failure = StoreError(kind: .outOfRange, message: "drop counts add up to more than 64 bits hold", path: self.path) }
                groups[key] = (sum, min(known.first, first), max(known.last, last))
            } else {
                groups[key] = (count, first, last)
            }
        }
        let plan = dropPlan(query)
        if let minutes = plan.minutes {
            try rows("""
                SELECT source, destination, protocol, port, drop_reason, \(ClickHouseSchema.rollupDropCount), minMerge(first_time), maxMerge(last_time)
                FROM \(table("drop_rollup")) WHERE \(try rollupConditions(query, minutes: minutes))
                GROUP BY source, destination, protocol, port, drop_reason
                """, add)
        }
        if let extra = plan.flowsCondition {
            try rows("""
                SELECT source, destination, toInt32(protocol) AS p, toUInt16(\(SQLRules.connectionPort)) AS port, toInt32(drop_reason) AS r,
                    toInt64(sum(weight)), min(time), max(time)
                FROM \(table("flows")) FINAL WHERE \(SQLRules.countsAsDrop) AND \(try conditions(query, withVerdicts: false)) AND \(extra)
                GROUP BY source, destination, p, port, r
                """, add)
        }
        if let failure { throw failure }
        var result: [DropCount] = []
        result.reserveCapacity(groups.count)
        for (key, value) in groups {
            result.append(DropCount(source: try endpoint(key.source), destination: try endpoint(key.destination),
                                    proto: L4Protocol(rawValue: key.proto) ?? .none, port: key.port,
                                    reason: DropReason(rawValue: key.reason), count: value.count,
                                    firstSeen: Timestamp(rawValue: value.first), lastSeen: Timestamp(rawValue: value.last)))
        }
        return result
    }

    public func dropsPerHour(matching query: FlowQuery) throws -> [Timestamp: Int64] {
        if !query.verdicts.isEmpty && !query.verdicts.contains(.dropped) { return [:] }
        let hourNanos: Int64 = 3_600_000_000_000
        var result: [Timestamp: Int64] = [:]
        let add = { (reader: inout RowBinaryReader) throws(StoreError) in
            // Keys as SQLite gives them (and ReportBuilder.hourStarts expects), clamped the same way.
            let hourIndex = min(max(try reader.int64(), Timestamp.earliest.rawValue.floorDiv(hourNanos)),
                                Timestamp.latest.rawValue.floorDiv(hourNanos))
            let hour = Timestamp.periodStart(index: hourIndex, unitNanos: hourNanos) ?? .earliest
            result[hour, default: 0] += try reader.int64()
        }
        let plan = dropPlan(query)
        if let minutes = plan.minutes {
            try rows("""
                SELECT toInt64(intDiv(minute, toInt64(60)) - (minute % toInt64(60) < 0)) AS hour, \(ClickHouseSchema.rollupDropCount)
                FROM \(table("drop_rollup")) WHERE \(try rollupConditions(query, minutes: minutes)) GROUP BY hour
                """, add)
        }
        if let extra = plan.flowsCondition {
            // The floor of time / hour (intDiv truncates towards zero).
            try rows("""
                SELECT toInt64(intDiv(time, toInt64(\(hourNanos))) - (time % toInt64(\(hourNanos)) < 0)) AS hour, toInt64(sum(weight))
                FROM \(table("flows")) FINAL WHERE \(SQLRules.countsAsDrop) AND \(try conditions(query, withVerdicts: false))
                    AND \(extra) GROUP BY hour
                """, add)
        }
        return result
    }

    /// The minutes drops are answered from (the rollup's, and the partial ones flows answer),
    /// `[start, end)`; nil when there are none.
    func dropMinutes() throws(StoreError) -> (start: Timestamp, end: Timestamp)? {
        var low = Int64.max
        var high = Int64.min
        let add = { (reader: inout RowBinaryReader) throws(StoreError) in
            let count = try reader.int64()
            let first = try reader.int64()
            let last = try reader.int64()
            if count > 0 { (low, high) = (min(low, first), max(high, last)) }
        }
        let plan = dropPlan(FlowQuery())
        if let minutes = plan.minutes {
            try rows("""
                SELECT toInt64(count()), min(minute), max(minute) FROM \(table("drop_rollup"))
                WHERE \(try rollupConditions(FlowQuery(), minutes: minutes))
                """, add)
        }
        if let extra = plan.flowsCondition {
            try rows("""
                SELECT toInt64(count()), min(\(ClickHouseSchema.minute(of: "time"))), max(\(ClickHouseSchema.minute(of: "time")))
                FROM \(table("flows")) FINAL WHERE \(SQLRules.countsAsDrop) AND \(try conditions(FlowQuery(), withVerdicts: false)) AND \(extra)
                """, add)
        }
        guard low <= high, let start = Timestamp.periodStart(index: low, unitNanos: ClickHouseSchema.nanosPerMinute),
              let end = Timestamp.periodStart(index: high &+ 1, unitNanos: ClickHouseSchema.nanosPerMinute) else { return nil }
        return (start, end)
    }
}
