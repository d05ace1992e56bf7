import FlowlogModel
import FlowlogStore

/// Finding flows stored before: a flow read twice has the same time and uuid.
///
/// Since schema version 9 no unique index says so (see ``Migrations/timeIndexWithoutUUID``).
/// Within one write's transaction, a flow newer than every flow stored so far (before the batch
/// and earlier in it) cannot be a repeat, which needs no lookup at all; any other flow is looked
/// up in the time index, which also holds the rows this transaction wrote. A running ingest
/// appends newer flows, so it takes the first path nearly always; re-reading a file the second.
extension SQLiteFlowStore {
    struct BatchDeduplication {
        /// The newest time stored, before the batch and by it so far (`Int64.min` for none).
        var newest: Int64
    }

    /// Starts the de-duplication of one batch; call inside the write's transaction.
    func batchDeduplication() throws(StoreError) -> BatchDeduplication {
        // max(time) is read from the end of the time index, not by a scan.
        BatchDeduplication(newest: try connection.scalarInt("SELECT max(time) FROM flows") ?? Int64.min)
    }

    /// Whether `flow` is stored already (before or earlier in this batch). When it is not, the
    /// caller stores it. A flow without a uuid is always new.
    func isDuplicate(_ flow: Flow, _ deduplication: inout BatchDeduplication) throws(StoreError) -> Bool {
        guard let uuid = flow.uuid else { return false }
        let time = flow.time.rawValue
        if time > deduplication.newest {
            deduplication.newest = time
            return false
        }
        return try isStored(time: time, uuid: uuid)
    }

    /// Whether a flow with this time and uuid is stored: a seek in the time index (`flows_time`),
    /// then a uuid comparison for the rows with that time (almost always none or one).
    private func isStored(time: Int64, uuid: FlowUUID) throws(StoreError) -> Bool {
        let statement = try findFlowStatement()
        try statement.bind(time, at: 1)
        try uuid.withBytes { bytes throws(StoreError) in try statement.bind(bytes, at: 2) }
        defer { statement.reset() }
        return try statement.step()
    }
}
