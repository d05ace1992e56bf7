import FlowlogModel
import FlowlogStore

/// Input checkpoints, report markers and retention. ClickHouse has no transactions: each
/// compare-and-set here is a read, a check and a write. For checkpoints that is enough (rows
/// written twice collapse); report windows are claimed through an append-only log instead
/// (ClickHouseFlowStore+ReportClaims.swift).
extension ClickHouseFlowStore {
    // MARK: - Checkpoints

    /// Every file's newest saved position.
    func allCheckpoints() throws(StoreError) -> [InputCheckpoint] {
        var result: [InputCheckpoint] = []
        try rows("""
            SELECT path, family, device, inode, offset, line, head_hash, head_length, read_started, finished
            FROM \(table("input_checkpoints")) FINAL
            """) { (reader: inout RowBinaryReader) throws(StoreError) in
            let path = try reader.string()
            let family = try reader.string()
            result.append(InputCheckpoint(
                path: path, family: family, device: try reader.uint64(), inode: try reader.uint64(), offset: try reader.int64(),
                line: try reader.int64(), headHash: try reader.int64(), headLength: try reader.int64(),
                readStarted: try reader.int64(), isFinished: try reader.uint8() != 0))
        }
        return result
    }

    public func resumePoint(device: UInt64, inode: UInt64, head: [UInt8]) throws -> InputCheckpoint? {
        resumePoint(in: try allCheckpoints(), device: device, inode: inode, head: head)
    }

    /// The rule of ``FlowStore/resumePoint(device:inode:head:)`` (as the SQLite store applies it)
    /// over the saved positions `stored`.
    func resumePoint(in stored: [InputCheckpoint], device: UInt64, inode: UInt64, head: [UInt8]) -> InputCheckpoint? {
        // The file itself, unless its beginning changed (replaced in place, or an inode reused).
        let own = stored.first { $0.device == device && $0.inode == inode && $0.matches(head: head) }
        // The same content under another inode (a copy or a compressed backup). The furthest
        // position of that content wins, even over the file's own: a rotated file still being
        // drained and its gzipped backup read at the same time must not both store its lines.
        guard !head.isEmpty else { return own }
        var best = own
        if Int64(head.count) >= InputHead.length {
            let hash = InputHead.hash(head.prefix(Int(InputHead.length)))
            if let candidate = stored.filter({ $0.headLength == InputHead.length && $0.headHash == hash }).max(by: { $0.offset < $1.offset }),
               candidate.offset > (best?.offset ?? -1) {
                best = candidate
            }
        }
        for candidate in stored where candidate.headLength >= 1 && candidate.headLength <= Int64(head.count)
            && candidate.headLength < InputHead.length {
            if candidate.offset > (best?.offset ?? -1), candidate.matches(head: head) { best = candidate }
        }
        return best
    }

    public func checkpoints(family: String) throws -> [InputCheckpoint] {
        try allCheckpoints().filter { $0.family == family }.sorted { ($0.readStarted, $0.path) < ($1.readStarted, $1.path) }
    }

    /// Saves `checkpoint` as the file's newest position (after the batch's rows were acknowledged).
    func save(_ checkpoint: InputCheckpoint) throws(StoreError) {
        var rows = TabSeparatedWriter()
        rows.int(RecordKey.file(device: checkpoint.device, inode: checkpoint.inode))
        rows.int(checkpoint.device)
        rows.int(checkpoint.inode)
        rows.string(checkpoint.path)
        rows.string(checkpoint.family)
        rows.int(checkpoint.offset)
        rows.int(checkpoint.line)
        rows.int(checkpoint.headHash)
        rows.int(checkpoint.headLength)
        rows.int(checkpoint.readStarted)
        rows.int(checkpoint.isFinished ? 1 : 0)
        rows.int(nextVersion())
        rows.endRow()
        try insert(into: "input_checkpoints", columns: """
            key, device, inode, path, family, offset, line, head_hash, head_length, read_started, finished, updated
            """, rows: rows)
    }

    /// A version for a `ReplacingMergeTree(updated)` row: the wall clock in nanoseconds, and never
    /// less than one past the last version this store wrote (two writes in one nanosecond).
    private func nextVersion() -> Int64 {
        let now = realTimeNanos()
        lastVersion = max(now, lastVersion + 1)
        return lastVersion
    }

    // MARK: - Report windows

    func reportEnd(name: String) throws(StoreError) -> Timestamp? {
        var result: Timestamp?
        try rows("""
            SELECT until_time, present FROM \(table("report_state")) FINAL WHERE key = \(RecordKey.name(name, tag: UInt8(ascii: "R")))
                AND name = \(ClickHouseEscaping.literal(name))
            """) { (reader: inout RowBinaryReader) throws(StoreError) in
            let until = try reader.int64()
            if try reader.uint8() != 0 { result = Timestamp(rawValue: until) }
        }
        return result
    }

    func writeReportEnd(name: String, _ until: Timestamp?) throws(StoreError) {
        var rows = TabSeparatedWriter()
        rows.int(RecordKey.name(name, tag: UInt8(ascii: "R")))
        rows.string(name)
        rows.int(until?.rawValue ?? 0)
        rows.int(until == nil ? 0 : 1)
        rows.int(nextVersion())
        rows.endRow()
        try insert(into: "report_state", columns: "key, name, until_time, present, updated", rows: rows)
    }

    public func lastReportEnd(name: String) throws -> Timestamp? {
        try reportEnd(name: name)
    }

    public func recordReport(name: String, until: Timestamp) throws {
        let current = try reportEnd(name: name)
        try writeReportEnd(name: name, max(current ?? until, until))
    }

    // MARK: - Retention

    func readPruneCut() throws(StoreError) -> Int64? {
        try readCut("prune_cuts")
    }

    func readRollupCut() throws(StoreError) -> Int64? {
        try readCut("rollup_cuts")
    }

    /// The highest cut recorded in `name` (nil: none).
    private func readCut(_ name: String) throws(StoreError) -> Int64? {
        var result: Int64?
        try rows("SELECT toInt64(count()), max(cut) FROM \(table(name))") { (reader: inout RowBinaryReader) throws(StoreError) in
            let count = try reader.int64()
            let cut = try reader.int64()
            if count > 0 { result = cut }
        }
        return result
    }

    /// Where the drops rollup answers from: its own cut, else the flows' prune cut.
    var rollupsStart: Int64? { rollupCut ?? pruneCut }

    public func retention() throws -> RetentionState {
        RetentionState(rawFlowsStart: pruneCut.map(Timestamp.init(rawValue:)),
                       rollupsStart: rollupsStart.map(Timestamp.init(rawValue:)), keepsConnectionRollup: false)
    }

    /// Hides flows and lost events before `cuts.raw`, and the drops rollup before where it now
    /// starts, from every query at once (recorded cuts), then drops the whole days before them
    /// (partitions) on every server that holds them, and deletes the endpoints neither a visible
    /// flow nor a visible rollup row refers to (as SQLite does).
    public func prune(before cuts: PruneCuts) throws -> PruneResult {
        var result = PruneResult()
        let previous = try retention()
        let next = cuts.state(after: previous)
        guard next != previous else { return result }
        if next.rawFlowsStart != previous.rawFlowsStart, let cut = next.rawFlowsStart {
            let range = "time < \(cut.rawValue)" + (pruneCut.map { " AND time >= \($0)" } ?? "")
            try rows("SELECT toInt64(count()) FROM \(table("flows")) FINAL WHERE \(range)") { (reader: inout RowBinaryReader) throws(StoreError) in
                result.flows = try reader.int64()
            }
            try rows("SELECT toInt64(count()) FROM \(table("lost_events")) FINAL WHERE \(range)") { (reader: inout RowBinaryReader) throws(StoreError) in
                result.lostEvents = try reader.int64()
            }
            try insertCut(cut.rawValue, into: "prune_cuts")
            pruneCut = cut.rawValue
        }
        if let start = next.rollupsStart, start.rawValue != rollupCut {
            try insertCut(start.rawValue, into: "rollup_cuts")
            rollupCut = start.rawValue
        }
        try dropPartitions(flowsBefore: pruneCut ?? Int64.min, rollupBefore: rollupsStart ?? Int64.min)
        try deleteUnreferencedEndpoints(&result)
        return result
    }

    private func insertCut(_ cut: Int64, into name: String) throws(StoreError) {
        var rows = TabSeparatedWriter()
        rows.int(UInt64(bitPattern: cut))
        rows.int(cut)
        rows.endRow()
        try insert(into: name, columns: "key, cut", rows: rows)
    }

    /// Deletes the endpoints no visible flow refers to, with an `ALTER … DELETE` on every server
    /// (a mutation: it rewrites the parts that exist when it is made, in the background, and
    /// never touches rows inserted later). An ingest writes the endpoints of each batch with
    /// the batch, so one it still uses comes back with its next flows; and an endpoint that a
    /// batch wrote just before the first look and whose flows arrived since is written back.
    private func deleteUnreferencedEndpoints(_ result: inout PruneResult) throws(StoreError) {
        endpointsByKey = nil
        let stored = try storedEndpoints()
        let referenced = try referencedEndpointKeys()
        let unreferenced = stored.keys.filter { !referenced.contains($0) }.sorted()
        guard !unreferenced.isEmpty else { return }
        let list = unreferenced.map(String.init).joined(separator: ",")
        if let cluster = location.cluster {
            for server in try ClickHouseMigrator(store: self).shards(cluster) {
                try server.execute("ALTER TABLE \(database).endpoints_local DELETE WHERE key IN (\(list))")
            }
        } else {
            try execute("ALTER TABLE \(table("endpoints")) DELETE WHERE key IN (\(list))")
        }
        let now = try referencedEndpointKeys()
        var back = RowBinaryWriter()
        var deleted = Set<UInt64>()
        for key in unreferenced {
            guard let endpoint = stored[key] else { continue }
            if now.contains(key) {
                EndpointRow.encode(endpoint, key: key, into: &back)
            } else {
                deleted.insert(key)
            }
        }
        try insert(into: "endpoints", columns: EndpointRow.columns, rows: back)
        // As SQLite counts them: endpoints gone, and label sets no remaining endpoint has.
        result.endpoints = Int64(deleted.count)
        let keptLabels = Set(stored.filter { !deleted.contains($0.key) }.map(\.value.labels))
        result.labelSets = Int64(Set(deleted.compactMap { stored[$0]?.labels }).subtracting(keptLabels).count)
        endpointsByKey = nil
    }

    /// Drops the day partitions of flows and lost events that hold only times before
    /// `flowsBefore`, and of the drops rollup that hold only minutes before the minute of
    /// `rollupBefore` (a partial minute stays, and queries read that minute from flows).
    private func dropPartitions(flowsBefore cut: Int64, rollupBefore rollupCut: Int64) throws(StoreError) {
        let day = ClickHouseSchema.nanosPerDay
        var servers = [client]
        if let cluster = location.cluster { servers = try ClickHouseMigrator(store: self).shards(cluster) }
        let suffix = location.cluster == nil ? "" : "_local"
        for server in servers {
            // The rollup's partitions are days of minutes: the same days, counted in minutes.
            for (name, unit) in [("flows", day), ("lost_events", day), ("drop_rollup", day / ClickHouseSchema.nanosPerMinute)] {
                let answer = try server.execute("""
                    SELECT DISTINCT partition FROM system.parts WHERE database = \(ClickHouseEscaping.literal(database))
                        AND table = \(ClickHouseEscaping.literal(name + suffix)) AND active FORMAT RowBinary
                    """)
                var reader = RowBinaryReader(answer, label: server.label)
                while !reader.isAtEnd {
                    guard let partition = Int64(try reader.string()) else { continue }
                    // intDiv truncates towards zero: partition p >= 0 holds [p·day, (p+1)·day),
                    // p < 0 holds ((p-1)·day, p·day].
                    let (end, overflow) = partition >= 0
                        ? (partition + 1).multipliedReportingOverflow(by: unit)
                        : partition.multipliedReportingOverflow(by: unit)
                    // In the table's own unit (nanoseconds, or minutes for the rollup).
                    let exclusiveEnd = partition >= 0 ? end : end + 1
                    let cutInUnit = unit == day ? cut : rollupCut.floorDiv(ClickHouseSchema.nanosPerMinute)
                    guard !overflow, exclusiveEnd <= cutInUnit else { continue }
                    try server.execute("ALTER TABLE \(database).\(name)\(suffix) DROP PARTITION \(partition)")
                }
            }
        }
    }

    /// Drops the store's database, with everything in it, on the server (and on every shard of
    /// its cluster). For tests and for removing a store; nothing in flowlog calls it otherwise.
    /// - Throws: ``StoreError`` when a server fails.
    public func dropDatabase() throws(StoreError) {
        if let cluster = location.cluster {
            for shard in try ClickHouseMigrator(store: self).shards(cluster) { try shard.execute("DROP DATABASE IF EXISTS \(database)") }
        }
        try execute("DROP DATABASE IF EXISTS \(database)")
    }

    public func compact() throws {
        // ClickHouse merges parts and frees dropped partitions itself.
    }
}
