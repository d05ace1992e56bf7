import FlowlogModel
import FlowlogStore
extension SQLiteFlowStore {
    /// The `meta` key that migration 4 sets: `flow_rollup` rows may have been written under the
    /// classification rule before ``EndpointKind`` and must be checked once.
    static let reclassifyKey = "flow_rollup_reclassify"

    /// Brings `flow_rollup` in line with ``EndpointKind/needsAddress`` after migration 4: an
    /// address is kept exactly for the sides that are not pods.
    ///
    /// Only hours with a row that disagrees are recounted (from the flows, like `prune` recounts
    /// its boundary hour): a pod side that kept its address, or a non-pod side without one. In
    /// a store of ordinary pods and world addresses no row disagrees and nothing is rewritten.
    /// Runs in one write transaction, so readers see the old rollup or the new one, and a second
    /// process opening the store meanwhile finds the flag cleared.
    /// - Throws: ``StoreError`` from SQLite.
    /// Whether the rollup is marked for reclassification (written by an upgrade; a read-only
    /// open hands it to a writer first).
    func needsReclassify() throws(StoreError) -> Bool {
        guard try connection.scalarInt("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'meta'") == 1 else { return false }
        return try connection.scalarInt("SELECT value FROM meta WHERE key = '\(SQLiteFlowStore.reclassifyKey)'") == 1
    }

    func reclassifyRollupIfNeeded() throws(StoreError) {
        let flagSQL = "SELECT value FROM meta WHERE key = '\(SQLiteFlowStore.reclassifyKey)'"
        guard try connection.scalarInt(flagSQL) == 1 else { return }
        try connection.execute("BEGIN IMMEDIATE")
        do throws(StoreError) {
            if try connection.scalarInt(flagSQL) == 1 {
                try recountMisclassifiedHours()
                let clear = try connection.prepare("DELETE FROM meta WHERE key = ?")
                try clear.bind(SQLiteFlowStore.reclassifyKey, at: 1)
                try clear.run()
            }
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    private func recountMisclassifiedHours() throws(StoreError) {
        let hourNanos: Int64 = 3_600_000_000_000
        let minuteNanos: Int64 = 60_000_000_000
        let delete = try connection.prepare("DELETE FROM flow_rollup WHERE hour = ?")
        for hour in try misclassifiedHours() {
            try delete.bind(hour, at: 1)
            try delete.run()
            // A minute at a time, so memory stays bounded.
            for minute in 0..<Int64(60) {
                var query = FlowQuery()
                query.since = Timestamp(rawValue: hour * hourNanos + minute * minuteNanos)
                query.until = Timestamp(rawValue: hour * hourNanos + (minute + 1) * minuteNanos)
                var rollups = RollupAccumulator()
                rollups.countsDrops = false
                do {
                    try forEachStoredRow(matching: query) { stored in
                        rollups.add(stored.flow, source: stored.source, destination: stored.destination,
                                    sourceMayNotBePod: stored.flow.source.kind.needsAddress,
                                    destinationMayNotBePod: stored.flow.destination.kind.needsAddress,
                                    names: stored.connectionNames)
                    }
                } catch let error as StoreError {
                    throw error
                } catch {
                    throw StoreError(kind: .failed, message: "cannot recount the connection rollup: \(error)", path: path)
                }
                try rollups.write(to: connection, statements: &rollupStatements)
            }
        }
    }

    /// The hours of `flow_rollup` with a side whose "has an address" differs from "needs one".
    /// A non-pod side whose flows had no address recounts to the same row: time, not harm.
    private func misclassifiedHours() throws(StoreError) -> [Int64] {
        try connection.execute("""
            CREATE TEMP TABLE IF NOT EXISTS endpoint_needs_address (
                id INTEGER PRIMARY KEY,
                needs_address INTEGER NOT NULL
            );
            DELETE FROM temp.endpoint_needs_address;
            """)
        do {
            let insert = try connection.prepare("INSERT INTO temp.endpoint_needs_address (id, needs_address) VALUES (?, ?)")
            var ids: [Int64] = []
            let all = try connection.prepare("SELECT id FROM endpoints ORDER BY id")
            while try all.step() { ids.append(all.int64(0)) }
            for id in ids {
                try insert.bind(id, at: 1)
                try insert.bind(Int64(try endpoint(id).kind.needsAddress ? 1 : 0), at: 2)
                try insert.run()
            }
        }
        var result: [Int64] = []
        do {
            let hours = try connection.prepare("""
                SELECT DISTINCT r.hour FROM flow_rollup r
                JOIN temp.endpoint_needs_address s ON s.id = r.source
                JOIN temp.endpoint_needs_address d ON d.id = r.destination
                WHERE s.needs_address != (length(r.source_ip) > 0)
                    OR d.needs_address != (length(r.destination_ip) > 0)
                ORDER BY r.hour
                """)
            while try hours.step() { result.append(hours.int64(0)) }
        }
        try connection.execute("DROP TABLE temp.endpoint_needs_address")
        return result
    }
}
