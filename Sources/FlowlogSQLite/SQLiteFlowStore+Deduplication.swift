import FlowlogModel
import FlowlogStore

/// Finding flows stored before, and the key a new flow is stored under.
///
/// The flows table is keyed by (time, seq) (see ``Migrations/flowsOrderedByTime``): `seq` is 0
/// for the first flow of a nanosecond and counts up. A flow read twice has the same time and
/// uuid. Within one write's transaction, a flow newer than every flow stored so far (before the
/// batch and earlier in it) cannot be a repeat and is the first of its time: seq 0, no lookup.
/// Any other flow reads the rows of its time from the table (which include the rows this
/// transaction wrote): a repeat when one has its uuid, otherwise the next seq. A running ingest
/// appends newer flows, so it takes the first path nearly always; re-reading a file the second.
extension SQLiteFlowStore {
    struct BatchDeduplication {
        /// The newest time stored, before the batch and by it so far (`Int64.min` for none).
        var newest: Int64
        /// The next free seq at `newest`, once this batch has stored or looked up a flow of that
        /// time (nil before): a flow without a uuid at that time takes it without a lookup.
        var nextSeqAtNewest: Int64?
    }

    /// Starts the de-duplication of one batch; call inside the write's transaction.
    func batchDeduplication() throws(StoreError) -> BatchDeduplication {
        // max(time) is the last key of the table, read without a scan; NULL when it is empty.
        let newest = try connection.prepare("SELECT max(time) FROM flows")
        guard try newest.step(), !newest.isNull(0) else { return BatchDeduplication(newest: Int64.min) }
        return BatchDeduplication(newest: newest.int64(0))
    }

    /// The seq to store `flow` under, or nil when it is stored already (before or earlier in
    /// this batch). A flow without a uuid is never a repeat.
    func seq(for flow: Flow, _ deduplication: inout BatchDeduplication) throws(StoreError) -> Int64? {
        let time = flow.time.rawValue
        if time > deduplication.newest {
            deduplication.newest = time
            deduplication.nextSeqAtNewest = 1
            return 0
        }
        if time == deduplication.newest, flow.uuid == nil, let next = deduplication.nextSeqAtNewest {
            deduplication.nextSeqAtNewest = next + 1
            return next
        }
        let statement = try sameTimeStatement()
        try statement.bind(time, at: 1)
        if let uuid = flow.uuid {
            try uuid.withBytes { bytes throws(StoreError) in try statement.bind(bytes, at: 2) }
        } else {
            try statement.bindNull(at: 2)
        }
        defer { statement.reset() }
        // An aggregate without GROUP BY always gives one row.
        guard try statement.step() else { return 0 }
        if statement.int64(1) != 0 { return nil }
        let seq = statement.int64(0)
        if time == deduplication.newest { deduplication.nextSeqAtNewest = seq + 1 }
        return seq
    }

    /// The next seq at a time, and whether a flow with the given uuid has that time: one seek in
    /// the table's key, then the rows of that time (almost always none or one). `uuid = NULL` is
    /// NULL, which `max` skips, so a flow without a uuid matches nothing.
    private func sameTimeStatement() throws(StoreError) -> Statement {
        if let sameTime { return sameTime }
        let statement = try connection.prepare(
            "SELECT coalesce(max(seq) + 1, 0), coalesce(max(uuid = ?2), 0) FROM flows WHERE time = ?1", persistent: true)
        sameTime = statement
        return statement
    }
}
