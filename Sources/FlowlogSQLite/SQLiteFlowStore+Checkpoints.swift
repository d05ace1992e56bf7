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
    private static let checkpointColumns =
        "path, family, device, inode, offset, line, head_hash, head_length, read_started, finished"

    private func readCheckpoint(_ statement: Statement) -> InputCheckpoint {
        InputCheckpoint(path: statement.string(0), family: statement.string(1),
                        device: UInt64(bitPattern: statement.int64(2)), inode: UInt64(bitPattern: statement.int64(3)),
                        offset: statement.int64(4), line: statement.int64(5), headHash: statement.int64(6),
                        headLength: statement.int64(7), readStarted: statement.int64(8), isFinished: statement.int64(9) != 0)
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
            if stored?.offset != advance.expected?.offset || stored?.line != advance.expected?.line {
                return CheckpointConflict(device: advance.next.device, inode: advance.next.inode,
                                          epoch: advance.epoch, stored: stored)
            }
        }
        return nil
    }

    /// Saves the position reached by `advance` (inside the batch's write transaction).
    func save(_ checkpoint: InputCheckpoint) throws(StoreError) {
        let statement = try connection.prepare("""
            INSERT INTO input_checkpoints (\(SQLiteFlowStore.checkpointColumns), updated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (device, inode) DO UPDATE SET path = excluded.path, family = excluded.family,
                offset = excluded.offset, line = excluded.line, head_hash = excluded.head_hash,
                head_length = excluded.head_length, read_started = excluded.read_started,
                finished = excluded.finished, updated = excluded.updated
            """)
        try statement.bind(checkpoint.path, at: 1)
        try statement.bind(checkpoint.family, at: 2)
        try statement.bind(Int64(bitPattern: checkpoint.device), at: 3)
        try statement.bind(Int64(bitPattern: checkpoint.inode), at: 4)
        try statement.bind(checkpoint.offset, at: 5)
        try statement.bind(checkpoint.line, at: 6)
        try statement.bind(checkpoint.headHash, at: 7)
        try statement.bind(checkpoint.headLength, at: 8)
        try statement.bind(checkpoint.readStarted, at: 9)
        try statement.bind(checkpoint.isFinished ? 1 : 0, at: 10)
        try statement.bind(realTimeNanoseconds(), at: 11)
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

