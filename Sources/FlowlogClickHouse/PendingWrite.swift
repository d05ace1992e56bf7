import FlowlogStore

/// Rows of one input, gathered from ingest's partial batches until they are written together
/// (see ``ClickHouseFlowStore/write(_:)``). Held encoded, not as flows: a row is about 160
/// bytes, a decoded flow with its strings more.
struct PendingWrite {
    /// The input the rows were read from (nil: standard input).
    var input: FileIdentity?
    var flows = RowBinaryWriter()
    /// Each held flow's key, and where its row starts in `flows`, so a write can leave out the
    /// rows the server holds already (see ``ClickHouseFlowStore/sendHeld(attempt:)``).
    var flowKeys: [UInt64] = []
    var rowStarts: [Int] = []
    /// The keys held, so a flow read twice within the held batches is held once.
    var keys = Set<UInt64>()
    /// Flows of the held batches not held: read twice among them, or already counted by the
    /// kept rollups of a pruned period. Reported with the write, so a write that is dropped (a
    /// conflict, a failure) reports none of them.
    var duplicates = 0
    var earliest = Int64.max
    var latest = Int64.min
    var endpoints = RowBinaryWriter()
    var endpointKeys = Set<UInt64>()
    var lostEvents = TabSeparatedWriter()
    var nonFlowRecords = TabSeparatedWriter()
    /// The positions the held batches move their input from and to, in reading order.
    var advances: [CheckpointAdvance] = []
    var isEmpty = true
    /// How many held flows the server held already when first asked, before this write sent
    /// any: those are duplicates; what a retry finds stored was sent by an earlier attempt.
    var storedBeforeSending: Int?
    /// Set once a flows insert of this write was sent (so a retry must look for its rows).
    var sentFlows = false

    /// Whether anything is held for the server (not just positions to save).
    var holdsRows: Bool {
        !flowKeys.isEmpty || !endpoints.bytes.isEmpty || !lostEvents.bytes.isEmpty || !nonFlowRecords.bytes.isEmpty
    }

    /// Whether `batch` goes on from the held batches: the same input, starting where they end.
    /// A batch with nothing in it (the commit that ends a run of partial batches) goes on from
    /// anything.
    func isContinued(by batch: IngestBatch) -> Bool {
        if batch.isEmpty { return true }
        guard batch.inputIdentity == input else { return false }
        guard let last = advances.last, let next = batch.advances.first else { return true }
        return next.expected == last.next && next.epoch == last.epoch
    }
}

extension IngestBatch {
    /// The file the batch's lines were read from: its records' input, or — for a batch of
    /// positions only (lines that were all skipped) — the file its position advances.
    var inputIdentity: FileIdentity? {
        positions.input ?? advances.first.map { FileIdentity(device: $0.next.device, inode: $0.next.inode) }
    }
}
