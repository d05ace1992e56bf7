/// What `prune` removed.
public struct PruneResult: Sendable, Equatable {
    public var flows: Int64 = 0
    public var lostEvents: Int64 = 0
    public var endpoints: Int64 = 0
    public var labelSets: Int64 = 0
    public var strings: Int64 = 0

    public init() {}
}

extension SQLiteFlowStore {
    // MARK: - Report windows

    /// Where the previous report named `name` ended, if there was one.
    public func lastReportEnd(name: String) throws -> Timestamp? {
        let statement = try connection.prepare("SELECT until_time FROM report_state WHERE name = ?")
        try statement.bind(name, at: 1)
        return try statement.step() ? Timestamp(rawValue: statement.int64(0)) : nil
    }

    /// Records that the report named `name` covered up to `until`.
    public func recordReport(name: String, until: Timestamp) throws {
        let statement = try connection.prepare("""
            INSERT INTO report_state (name, until_time) VALUES (?, ?)
            ON CONFLICT (name) DO UPDATE SET until_time = excluded.until_time
            """)
        try statement.bind(name, at: 1)
        try statement.bind(until.rawValue, at: 2)
        try statement.run()
    }

    // MARK: - Retention

    /// Deletes flows and lost-event records older than `cut`, keeps both rollups exact (the
    /// hour that straddles the cut is recounted from the flows that remain), and deletes interned
    /// endpoints, label sets and strings nothing uses any more.
    public func prune(before cut: Timestamp) throws -> PruneResult {
        let hourNanos: Int64 = 3_600_000_000_000
        let boundaryHour = cut.rawValue.floorDiv(hourNanos)
        var result = PruneResult()
        try connection.transaction {
            result.flows = try deleteCounting("DELETE FROM flows WHERE time < ?", cut.rawValue)
            result.lostEvents = try deleteCounting("DELETE FROM lost_events WHERE time < ?", cut.rawValue)
            // Rollup rows of whole hours before the cut go; the boundary hour is recounted.
            _ = try deleteCounting("DELETE FROM flow_rollup WHERE hour <= ?", boundaryHour)
            _ = try deleteCounting("DELETE FROM drop_rollup WHERE minute < ?", (boundaryHour + 1) * 60)
            try recountRollups(from: Timestamp(rawValue: boundaryHour * hourNanos),
                               to: Timestamp(rawValue: (boundaryHour + 1) * hourNanos))
            result.endpoints = try deleteCounting("""
                DELETE FROM endpoints WHERE id NOT IN (
                    SELECT source FROM flows UNION SELECT destination FROM flows
                    UNION SELECT source FROM flow_rollup UNION SELECT destination FROM flow_rollup
                    UNION SELECT source FROM drop_rollup UNION SELECT destination FROM drop_rollup)
                """)
            result.labelSets = try deleteCounting("DELETE FROM label_sets WHERE id NOT IN (SELECT label_set FROM endpoints)")
            result.strings = try deleteCounting("""
                DELETE FROM strings WHERE id NOT IN (
                    SELECT node FROM flows UNION SELECT summary FROM flows
                    UNION SELECT policies FROM flows WHERE policies IS NOT NULL)
                """)
            if result.endpoints + result.labelSets + result.strings > 0 {
                try connection.execute("UPDATE meta SET value = value + 1 WHERE key = 'intern_generation'")
            }
        }
        forgetInternedIDs()
        return result
    }

    /// Rebuilds the rollup rows of `[start, end)` (whole hours) from the flows stored there,
    /// a minute at a time so memory stays bounded.
    private func recountRollups(from start: Timestamp, to end: Timestamp) throws {
        let minuteNanos: Int64 = 60_000_000_000
        var low = start.rawValue
        while low < end.rawValue {
            var query = FlowQuery()
            query.since = Timestamp(rawValue: low)
            query.until = Timestamp(rawValue: low + minuteNanos)
            var rollups = RollupAccumulator()
            for stored in try storedRows(matching: query) {
                rollups.add(stored.flow, source: stored.source, destination: stored.destination,
                            sourceMayNotBePod: stored.flow.source.kind.needsAddress,
                            destinationMayNotBePod: stored.flow.destination.kind.needsAddress)
            }
            try rollups.write(to: connection, statements: &rollupStatements)
            low += minuteNanos
        }
    }

    private func deleteCounting(_ sql: String, _ value: Int64? = nil) throws(StoreError) -> Int64 {
        let statement = try connection.prepare(sql)
        if let value { try statement.bind(value, at: 1) }
        try statement.run()
        return Int64(connection.changes)
    }

    /// Rebuilds the database file to return the space pruning freed (`VACUUM`).
    public func vacuum() throws {
        try connection.execute("VACUUM")
    }
}
