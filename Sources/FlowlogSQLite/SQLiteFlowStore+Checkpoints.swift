import FlowlogModel
import FlowlogStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Input positions: one row per file (device and inode), read and advanced inside the write
/// transaction of the rows read from it, so concurrent ingests of one file serialise.
extension SQLiteFlowStore {
    /// The columns of a saved input position, in order (read by ``Row`` and written by ``save(_:)``).
    enum CheckpointColumn: Int32, SelectColumns {
        case path, family, device, inode, offset, line, headHash, headLength, readStarted, finished

        var sql: String {
            switch self {
            case .path: "path"
            case .family: "family"
            case .device: "device"
            case .inode: "inode"
            case .offset: "offset"
            case .line: "line"
            case .headHash: "head_hash"
            case .headLength: "head_length"
            case .readStarted: "read_started"
            case .finished: "finished"
            }
        }
    }

    private static let checkpointColumns = CheckpointColumn.selectList

    private func readCheckpoint(_ statement: Statement) -> InputCheckpoint {
        let row = Row(statement, CheckpointColumn.self)
        return InputCheckpoint(
            path: row.string(.path), family: row.string(.family),
            device: UInt64(bitPattern: row.int64(.device)), inode: UInt64(bitPattern: row.int64(.inode)),
            offset: row.int64(.offset), line: row.int64(.line), headHash: row.int64(.headHash),
            headLength: row.int64(.headLength), readStarted: row.int64(.readStarted), isFinished: row.int64(.finished) != 0)
    }

    public func resumePoint(device: UInt64, inode: UInt64, head: [UInt8]) throws -> InputCheckpoint? {
        let byIdentity = try connection.prepare(
            "SELECT \(SQLiteFlowStore.checkpointColumns) FROM input_checkpoints WHERE device = ? AND inode = ?")
        try byIdentity.bind(Int64(bitPattern: device), at: 1)
        try byIdentity.bind(Int64(bitPattern: inode), at: 2)
        var own: InputCheckpoint?
        if try byIdentity.step() {
            let saved = readCheckpoint(byIdentity)
            // A different beginning means a file replaced in place or an inode reused: the saved
            // position belongs to other content.
            if saved.matches(head: head) { own = saved }
        }
        // The same content under another inode: a copy (logrotate's copytruncate) or a
        // compressed backup. Only a non-empty beginning identifies content. The furthest
        // position of that content wins, even over the file's own: a rotated file still being
        // drained and its gzipped backup read at the same time must not both store its lines.
        guard !head.isEmpty else { return own }
        var best: InputCheckpoint? = own
        let full = try connection.prepare("""
            SELECT \(SQLiteFlowStore.checkpointColumns) FROM input_checkpoints
            WHERE head_length = ? AND head_hash = ? ORDER BY offset DESC LIMIT 1
            """)
        try full.bind(InputHead.length, at: 1)
        try full.bind(InputHead.hash(head.prefix(Int(InputHead.length))), at: 2)
        if Int64(head.count) >= InputHead.length, try full.step() {
            let candidate = readCheckpoint(full)
            if candidate.offset > (best?.offset ?? -1) { best = candidate }
        }
        // Files shorter than the head length when they were read.
        let short = try connection.prepare("""
            SELECT \(SQLiteFlowStore.checkpointColumns) FROM input_checkpoints
            WHERE head_length BETWEEN 1 AND ? AND head_length < ? ORDER BY offset DESC LIMIT 10000
            """)
        try short.bind(Int64(head.count), at: 1)
        try short.bind(InputHead.length, at: 2)
        while try short.step() {
            let candidate = readCheckpoint(short)
            if candidate.offset > (best?.offset ?? -1), candidate.matches(head: head) { best = candidate }
        }
        return best
    }

    public func checkpoints(family: String) throws -> [InputCheckpoint] {
        let statement = try connection.prepare(
            "SELECT \(SQLiteFlowStore.checkpointColumns) FROM input_checkpoints WHERE family = ? ORDER BY read_started, path")
        try statement.bind(family, at: 1)
        var result: [InputCheckpoint] = []
        while try statement.step() { result.append(readCheckpoint(statement)) }
        return result
    }

    /// The first advance of `advances` whose expected position is not what the store holds.
    /// Called inside the batch's write transaction, before anything is written.
    func conflict(in advances: [CheckpointAdvance]) throws -> CheckpointConflict? {
        for advance in advances {
            let stored = try resumePoint(device: advance.next.device, inode: advance.next.inode, head: advance.head)
            if let conflict = advance.conflict(withStored: stored) { return conflict }
        }
        return nil
    }

    /// Saves the position reached by `advance` (inside the batch's write transaction).
    func save(_ checkpoint: InputCheckpoint) throws(StoreError) {
        let statement = try connection.prepare("""
            INSERT INTO input_checkpoints (\(SQLiteFlowStore.checkpointColumns), updated)
            VALUES (\(SQLConditions.placeholders(CheckpointColumn.allCases.count + 1)))
            ON CONFLICT (device, inode) DO UPDATE SET path = excluded.path, family = excluded.family,
                offset = excluded.offset, line = excluded.line, head_hash = excluded.head_hash,
                head_length = excluded.head_length, read_started = excluded.read_started,
                finished = excluded.finished, updated = excluded.updated
            """)
        try statement.bind(checkpoint.path, at: CheckpointColumn.path.parameter)
        try statement.bind(checkpoint.family, at: CheckpointColumn.family.parameter)
        try statement.bind(Int64(bitPattern: checkpoint.device), at: CheckpointColumn.device.parameter)
        try statement.bind(Int64(bitPattern: checkpoint.inode), at: CheckpointColumn.inode.parameter)
        try statement.bind(checkpoint.offset, at: CheckpointColumn.offset.parameter)
        try statement.bind(checkpoint.line, at: CheckpointColumn.line.parameter)
        try statement.bind(checkpoint.headHash, at: CheckpointColumn.headHash.parameter)
        try statement.bind(checkpoint.headLength, at: CheckpointColumn.headLength.parameter)
        try statement.bind(checkpoint.readStarted, at: CheckpointColumn.readStarted.parameter)
        try statement.bind(checkpoint.isFinished ? 1 : 0, at: CheckpointColumn.finished.parameter)
        // `updated` follows the checkpoint's own columns.
        try statement.bind(realTimeNanoseconds(), at: Int32(CheckpointColumn.allCases.count) + 1)
        try statement.run()
    }

    /// Every saved input position, for `stats`.
    func allCheckpoints() throws(StoreError) -> [InputCheckpoint] {
        let statement = try connection.prepare(
            "SELECT \(SQLiteFlowStore.checkpointColumns) FROM input_checkpoints ORDER BY family, read_started, path")
        var result: [InputCheckpoint] = []
        while try statement.step() { result.append(readCheckpoint(statement)) }
        return result
    }
}

