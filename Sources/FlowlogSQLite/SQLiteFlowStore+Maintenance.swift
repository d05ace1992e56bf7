import FlowlogModel
import FlowlogStore
extension SQLiteFlowStore {
    // MARK: - Report windows

    /// Where the previous report named `name` ended, if there was one.
    public func lastReportEnd(name: String) throws -> Timestamp? {
        try reportEnd(name: name)
    }

    /// Claims the next window of the report named `name`: from where the previous report ended
    /// (or `firstStart` for the first one) up to `until`, and moves the marker to its end, in one
    /// write transaction (a compare-and-set), so two concurrent runs never get overlapping windows.
    ///
    /// The marker never moves backwards: when another run already claimed past `until` (its clock
    /// read later), this claim is the empty window at the marker.
    /// - Throws: ``StoreError``.
    public func claimReportWindow(name: String, until: Timestamp, firstStart: Timestamp) throws -> ReportWindowClaim {
        try connection.transaction { () throws(StoreError) -> ReportWindowClaim in
            // BEGIN IMMEDIATE holds the write lock from the read to the update: a second run
            // waits here and then reads this run's end.
            let previous = try reportEnd(name: name)
            let since = previous ?? min(firstStart, until)
            let claim = ReportWindowClaim(name: name, since: since, until: max(until, since), previousEnd: previous)
            try writeReportEnd(name: name, claim.until)
            return claim
        }
    }

    /// Gives back a claimed window whose report could not be written, so the next run covers it
    /// again — only if no later run has claimed past it (compare-and-set on the marker); returns
    /// whether it was given back.
    /// - Throws: ``StoreError``.
    @discardableResult
    public func releaseReportWindow(_ claim: ReportWindowClaim) throws -> Bool {
        try connection.transaction { () throws(StoreError) -> Bool in
            guard try reportEnd(name: claim.name) == claim.until else { return false }
            if let previous = claim.previousEnd {
                try writeReportEnd(name: claim.name, previous)
            } else {
                let delete = try connection.prepare("DELETE FROM report_state WHERE name = ?")
                try delete.bind(claim.name, at: 1)
                try delete.run()
            }
            return true
        }
    }

    /// Records that the report named `name` covered up to `until`; a marker already past
    /// `until` stays where it is.
    public func recordReport(name: String, until: Timestamp) throws {
        try writeReportEnd(name: name, until, forwardOnly: true)
    }

    private func reportEnd(name: String) throws(StoreError) -> Timestamp? {
        let statement = try connection.prepare("SELECT until_time FROM report_state WHERE name = ?")
        try statement.bind(name, at: 1)
        return try statement.step() ? Timestamp(rawValue: statement.int64(0)) : nil
    }

    private func writeReportEnd(name: String, _ until: Timestamp, forwardOnly: Bool = false) throws(StoreError) {
        let statement = try connection.prepare("""
            INSERT INTO report_state (name, until_time) VALUES (?, ?)
            ON CONFLICT (name) DO UPDATE SET until_time = \(forwardOnly ? "max(until_time, excluded.until_time)" : "excluded.until_time")
            """)
        try statement.bind(name, at: 1)
        try statement.bind(until.rawValue, at: 2)
        try statement.run()
    }

    // MARK: - Retention

    /// Deletes flows and lost-event records older than `cuts.raw`. With one cut (rollups
    /// following the flows) both rollups stay exact: rows of whole hours before the cut go, and
    /// the hour that straddles it is recounted from the flows that remain. With an earlier rollup
    /// cut, rollup rows of whole hours before the hour it falls in go, and the rest answer the
    /// period whose flows are gone. Deletes interned endpoints, label sets and strings nothing
    /// uses any more, and records the cuts in `meta`.
    public func prune(before cuts: PruneCuts) throws -> PruneResult {
        let cut = cuts.raw
        let hourNanos: Int64 = 3_600_000_000_000
        let boundaryHour = cut.rawValue.floorDiv(hourNanos)
        // The boundary hour's nanoseconds, clamped: near 1677 and 2262 an hour's start or end is
        // outside 64 bits, and no stored time can be beyond the clamp anyway.
        let boundaryStart = boundaryHour.multipliedClamped(by: hourNanos)
        let boundaryEnd = (boundaryHour + 1).multipliedClamped(by: hourNanos)
        var result = PruneResult()
        try connection.transaction {
            let previous = try retentionState()
            result.flows = try deleteCounting("DELETE FROM flows WHERE time < ?", cut.rawValue)
            result.lostEvents = try deleteCounting("DELETE FROM lost_events WHERE time < ?", cut.rawValue)
            if cuts.rollupsFollowFlows(previous: previous) {
                // Rollup rows of whole hours before the cut go; the boundary hour is recounted.
                _ = try deleteCounting("DELETE FROM flow_rollup WHERE hour <= ?", boundaryHour)
                _ = try deleteCounting("DELETE FROM drop_rollup WHERE minute < ?", (boundaryHour + 1) * 60)
                try recountRollups(from: boundaryStart, to: boundaryEnd, lastHour: boundaryEnd == Int64.max)
            } else {
                // Whole hours before the rollup cut's hour go; nothing is recounted (the flows
                // of the hours kept may be gone).
                let firstHour = cuts.rollups.rawValue.floorDiv(hourNanos)
                _ = try deleteCounting("DELETE FROM flow_rollup WHERE hour < ?", firstHour)
                _ = try deleteCounting("DELETE FROM drop_rollup WHERE minute < ?", firstHour * 60)
            }
            try writeRetention(cuts.state(after: previous))
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
                    UNION SELECT policies FROM flows WHERE policies IS NOT NULL
                    UNION SELECT source_names FROM flows WHERE source_names IS NOT NULL
                    UNION SELECT destination_names FROM flows WHERE destination_names IS NOT NULL
                    UNION SELECT connection_names FROM flow_rollup)
                """)
            if result.endpoints + result.labelSets + result.strings > 0 {
                try connection.execute("UPDATE meta SET value = value + 1 WHERE key = 'intern_generation'")
            }
        }
        forgetInternedIDs()
        return result
    }

    /// Rebuilds the rollup rows of `[start, end)` (whole hours, clamped to 64 bits) from the flows
    /// stored there, a minute at a time so memory stays bounded. With `lastHour`, `end` is the
    /// clamp, not a bound: the last minute takes every later time, `Int64.max` included.
    private func recountRollups(from start: Int64, to end: Int64, lastHour: Bool) throws {
        let minuteNanos: Int64 = 60_000_000_000
        var low = start
        while low < end {
            let (high, overflow) = low.addingReportingOverflow(minuteNanos)
            var query = FlowQuery()
            query.since = Timestamp(rawValue: low)
            query.until = overflow || (lastHour && high >= end) ? nil : Timestamp(rawValue: high)
            var rollups = RollupAccumulator()
            try forEachStoredRow(matching: query) { stored in
                rollups.add(stored.flow, source: stored.source, destination: stored.destination,
                            sourceMayNotBePod: stored.flow.source.kind.needsAddress,
                            destinationMayNotBePod: stored.flow.destination.kind.needsAddress,
                            names: stored.connectionNames)
            }
            try rollups.write(to: connection, statements: &rollupStatements)
            guard !overflow else { break }
            low = high
        }
    }

    private func deleteCounting(_ sql: String, _ value: Int64? = nil) throws(StoreError) -> Int64 {
        let statement = try connection.prepare(sql)
        if let value { try statement.bind(value, at: 1) }
        try statement.run()
        return Int64(connection.changes)
    }

    /// How far flows and rollups were pruned, from `meta` (no row: never pruned).
    public func retention() throws -> RetentionState {
        try retentionState()
    }

    func retentionState() throws(StoreError) -> RetentionState {
        let raw = try connection.scalarInt("SELECT value FROM meta WHERE key = 'raw_flows_start'")
        let rollups = try connection.scalarInt("SELECT value FROM meta WHERE key = 'rollups_start'")
        return RetentionState(rawFlowsStart: raw.map(Timestamp.init(rawValue:)), rollupsStart: rollups.map(Timestamp.init(rawValue:)),
                              keepsConnectionRollup: true)
    }

    private func writeRetention(_ state: RetentionState) throws(StoreError) {
        let statement = try connection.prepare("""
            INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """)
        for (key, time) in [("raw_flows_start", state.rawFlowsStart), ("rollups_start", state.rollupsStart)] {
            guard let time else { continue }
            statement.reset()
            try statement.bind(key, at: 1)
            try statement.bind(time.rawValue, at: 2)
            try statement.run()
        }
    }

    /// Rebuilds the database file to return the space pruning freed (`VACUUM`).
    public func compact() throws {
        try connection.execute("VACUUM")
    }
}
