import FlowlogModel
import FlowlogStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ClickHouseFlowStore {
    // MARK: - Holding batches

    /// Rows held before a write is made even if the batches keep coming partial: ClickHouse
    /// wants inserts of 10k–100k rows (each insert is a part of some fifty files to create and
    /// later merge), and 65,536 rows of about 160 bytes stay near 10 MiB.
    static let heldRowsLimit = 65_536
    /// Encoded flow rows held before a write is made (rows with long labels or many names).
    static let heldBytesLimit = 24 << 20

    /// Writes `batch`'s flows whose keys are not stored yet, then the inputs' new positions.
    ///
    /// A partial batch (``IngestBatch/isPartial``) is held, encoded, and written with the next
    /// ones of its input: one insert per table for up to ``heldRowsLimit`` rows rather than one
    /// per batch. Its result is empty; the result of the batch that writes the held rows counts
    /// them (inserted and duplicates). The positions move only after the server acknowledged the
    /// rows, so a crash while rows are held loses nothing: the lines are read again. A batch
    /// that is not partial writes everything held, with itself.
    /// - Throws: ``StoreError`` when the server fails (after retrying what may succeed later).
    public func write(_ batch: IngestBatch) throws -> BatchResult {
        var result = BatchResult()
        if !pending.isEmpty && !pending.isContinued(by: batch) {
            // Not reached from ingest, which ends every input with a batch that is not partial.
            // A conflict here concerns lines another ingest stored: nothing of them is lost.
            result = try commitHeld()
        }
        // Compare-and-set on the inputs' positions, as a read and a check (again when the rows
        // are written): a second ingest that slips between the check and the checkpoint write
        // writes the same keyed rows.
        if pending.isEmpty, !batch.advances.isEmpty {
            let stored = try retrying { (_: Int) throws(StoreError) in try allCheckpoints() }
            if let conflict = firstConflict(batch.advances, stored: stored) {
                result.conflict = conflict
                return result
            }
        }
        if !batch.isEmpty { hold(batch) }
        if !batch.isPartial || pending.flowKeys.count >= Self.heldRowsLimit || pending.flows.bytes.count >= Self.heldBytesLimit {
            let written = try commitHeld()
            result.inserted += written.inserted
            result.duplicates += written.duplicates
            if let conflict = written.conflict { result.conflict = conflict }
        }
        return result
    }

    /// The conflict of the first of `advances` whose input the store holds at another position.
    private func firstConflict(_ advances: [CheckpointAdvance], stored: [InputCheckpoint]) -> CheckpointConflict? {
        var checked = Set<FileIdentity>()
        for advance in advances {
            let file = FileIdentity(device: advance.next.device, inode: advance.next.inode)
            // Only where the held lines start matters; later advances continue from it.
            guard checked.insert(file).inserted else { continue }
            let current = resumePoint(in: stored, device: file.device, inode: file.inode, head: advance.head)
            if let conflict = advance.conflict(withStored: current) { return conflict }
        }
        return nil
    }

    /// Encodes `batch`'s flows (and its other records and endpoints) into the held rows.
    private func hold(_ batch: IngestBatch) {
        if pending.isEmpty {
            pending.input = batch.inputIdentity
            pending.flows = RowBinaryWriter(capacity: min(Self.heldBytesLimit, max(batch.flows.count, 1) * 8 * 170))
            pending.isEmpty = false
        }
        let positions = batch.positions.cover(batch) ? batch.positions : nil
        // Insertion order for flows of equal time, as SQLite's row ids give it: the write's
        // start on the wall clock plus the flow's index (batches are far more than 4096 ns apart).
        let writeStart = max(realTimeNanos(), lastVersion + 1)
        lastVersion = writeStart + Int64(batch.flows.count)
        // Flows whose time only the kept rollups still answer for are counted there already.
        let retention = RetentionState(rawFlowsStart: pruneCut.map(Timestamp.init(rawValue:)),
                                       rollupsStart: rollupsStart.map(Timestamp.init(rawValue:)), keepsConnectionRollup: false)
        for (index, flow) in batch.flows.enumerated() {
            let key: UInt64
            if let uuid = flow.uuid {
                key = RecordKey.flow(uuid: uuid)
            } else {
                // Without positions (a caller other than the ingestor), each write is its own run.
                let position = positions?.flows[index] ?? RecordPosition(line: Int64(index), digest: monotonicNanos())
                key = RecordKey.record(tag: UInt8(ascii: "L"), input: positions?.input, nonce: nonce, position: position)
            }
            guard !retention.rollupsAlreadyCount(flow.time), pending.keys.insert(key).inserted else {
                pending.duplicates += 1
                continue
            }
            pending.flowKeys.append(key)
            pending.rowStarts.append(pending.flows.bytes.count)
            pending.earliest = min(pending.earliest, flow.time.rawValue)
            pending.latest = max(pending.latest, flow.time.rawValue)
            let source = endpointKey(flow.source)
            let destination = endpointKey(flow.destination)
            FlowRow.encode(flow, key: key, seq: writeStart &+ Int64(index), source: source, destination: destination,
                           into: &pending.flows)
            holdEndpoint(flow.source, key: source)
            holdEndpoint(flow.destination, key: destination)
        }
        holdLostEvents(batch)
        holdNonFlowRecords(batch, positions: positions)
        pending.advances += batch.advances
    }

    /// An endpoint's key, once per endpoint value: flows decoded from one cached object share
    /// it, so the labels are hashed once per endpoint, not twice per flow.
    func endpointKey(_ endpoint: Endpoint) -> UInt64 {
        if endpointKeys.count >= 65_536 { endpointKeys.removeAll() }
        return endpointKeys.value(for: endpoint, RecordKey.endpoint)
    }

    /// Holds `endpoint`'s row once per write. Once per write, not once per process: a prune
    /// deletes the endpoints no stored flow refers to, and a long-running `ingest --follow` must
    /// bring back those its new flows use (the rows are few, and equal rows collapse).
    private func holdEndpoint(_ endpoint: Endpoint, key: UInt64) {
        guard pending.endpointKeys.insert(key).inserted else { return }
        EndpointRow.encode(endpoint, key: key, into: &pending.endpoints)
        endpointsByKey?[key] = endpoint
    }

    private func holdLostEvents(_ batch: IngestBatch) {
        // Keyed by content, not by position: the same record read again (standard input piped
        // twice) collapses into one row, as a flow does by its uuid.
        for event in batch.lostEvents {
            pending.lostEvents.int(RecordKey.lostEvents(event))
            pending.lostEvents.int(event.time.rawValue)
            pending.lostEvents.string(event.nodeName)
            pending.lostEvents.string(event.source)
            pending.lostEvents.int(event.count)
            pending.lostEvents.int(event.cpu.map(Int64.init) ?? -1)
            pending.lostEvents.endRow()
        }
    }

    private func holdNonFlowRecords(_ batch: IngestBatch, positions: RecordPositions?) {
        if let positions {
            for (kind, position) in positions.nonFlowRecords {
                pending.nonFlowRecords.int(RecordKey.record(tag: UInt8(ascii: "N"), input: positions.input, nonce: nonce, position: position))
                pending.nonFlowRecords.string(kind.rawValue)
                pending.nonFlowRecords.endRow()
            }
        } else {
            for (kind, count) in batch.nonFlowCounts.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                for _ in 0..<count {
                    pending.nonFlowRecords.int(RecordKey.record(tag: UInt8(ascii: "N"), input: nil, nonce: nonce,
                                                                position: RecordPosition(line: 0, digest: monotonicNanos())))
                    pending.nonFlowRecords.string(kind.rawValue)
                    pending.nonFlowRecords.endRow()
                }
            }
        }
    }

    // MARK: - Writing what is held

    /// Writes the held rows, then — only with the rows acknowledged — the inputs' positions.
    /// Whatever happens, nothing stays held: after a failure the positions did not move, and the
    /// lines are read again.
    /// - Returns: the flows written and those left out as stored already; or, with nothing
    ///   written, the conflict when another ingest moved the input's position meanwhile.
    /// - Throws: ``StoreError`` when the server fails (after retrying what may succeed later).
    func commitHeld() throws(StoreError) -> BatchResult {
        guard !pending.isEmpty else { return BatchResult() }
        defer { pending = PendingWrite() }
        // Another ingest may have stored these lines while they were held.
        if !pending.advances.isEmpty {
            let stored = try retrying { (_: Int) throws(StoreError) in try allCheckpoints() }
            if let conflict = firstConflict(pending.advances, stored: stored) { return BatchResult(conflict: conflict) }
        }
        if pending.holdsRows {
            try retrying { (attempt: Int) throws(StoreError) in try sendHeld(attempt: attempt) }
            writesMade += 1
            if let kill = location.killBeforeCheckpoint, writesMade >= kill { raise(SIGKILL) }
        }
        // The last position of each input is the one that counts.
        var latest: [FileIdentity: InputCheckpoint] = [:]
        var order: [FileIdentity] = []
        for advance in pending.advances {
            let file = FileIdentity(device: advance.next.device, inode: advance.next.inode)
            if latest.updateValue(advance.next, forKey: file) == nil { order.append(file) }
        }
        for file in order {
            guard let checkpoint = latest[file] else { continue }
            try retrying { (_: Int) throws(StoreError) in try save(checkpoint) }
        }
        let stored = pending.storedBeforeSending ?? 0
        return BatchResult(inserted: pending.flowKeys.count - stored, duplicates: pending.duplicates + stored)
    }

    /// Sends the held rows: the endpoints, the flows the server does not hold yet, the other
    /// records. The rollup's view counts every row inserted into flows, so no flow may be sent
    /// twice: each attempt asks which held flows are stored, after waiting until the flows
    /// insert of the attempt before it no longer runs on any server (an insert whose answer was
    /// lost to a timeout may still be writing; its rows must be seen, not sent again).
    func sendHeld(attempt: Int) throws(StoreError) {
        if attempt > 1 && pending.sentFlows { try awaitEnd(ofQuery: flowsInsertID(attempt: attempt - 1)) }
        try insert(into: "endpoints", columns: EndpointRow.columns, rows: pending.endpoints)
        if !pending.flowKeys.isEmpty {
            let stored = try storedKeys(pending.flowKeys, from: pending.earliest, through: pending.latest)
            if !pending.sentFlows && pending.storedBeforeSending == nil { pending.storedBeforeSending = stored.count }
            pending.sentFlows = true
            if stored.isEmpty {
                try insert(into: "flows", columns: FlowRow.columns, rows: pending.flows, queryID: flowsInsertID(attempt: attempt))
            } else {
                var rest = RowBinaryWriter(capacity: pending.flows.bytes.count)
                for (index, key) in pending.flowKeys.enumerated() where !stored.contains(key) {
                    let end = index + 1 < pending.rowStarts.count ? pending.rowStarts[index + 1] : pending.flows.bytes.count
                    rest.raw(pending.flows.bytes[pending.rowStarts[index]..<end])
                }
                try insert(into: "flows", columns: FlowRow.columns, rows: rest, queryID: flowsInsertID(attempt: attempt))
            }
        }
        try insert(into: "lost_events", columns: "key, time, node, source, count, cpu", rows: pending.lostEvents)
        try insert(into: "non_flow_records", columns: "key, kind", rows: pending.nonFlowRecords)
    }

    /// The `query_id` of a write's flows insert: unique per store, write and attempt.
    private func flowsInsertID(attempt: Int) -> String {
        "flowlog-\(String(nonce, radix: 16))-\(writesMade)-\(attempt)"
    }

    /// Waits until no server runs the query `id` (or a part of it, on a cluster's shards).
    /// - Throws: ``StoreError`` when it still runs after the request timeout: sending its rows
    ///   again could count them twice, so the write gives up and its lines are read again later.
    private func awaitEnd(ofQuery id: String) throws(StoreError) {
        let servers = [client] + shardClients
        let deadline = monotonicNow() + location.timeout
        let sql = """
            SELECT toUInt64(count()) FROM system.processes
            WHERE query_id = \(ClickHouseEscaping.literal(id)) OR initial_query_id = \(ClickHouseEscaping.literal(id)) FORMAT RowBinary
            """
        for server in servers {
            while true {
                var answer = RowBinaryReader(try server.execute(sql), label: server.label)
                if try answer.uint64() == 0 { break }
                guard monotonicNow() < deadline else {
                    throw StoreError(kind: .failed, message: "an earlier attempt to write flows is still running on ClickHouse at \(server.server) after \(Int(location.timeout)) s; not sending them again", path: path)
                }
                sleepSeconds(0.1)
            }
        }
    }

    /// Runs `body` (given its attempt number, from 1) again while it fails for a reason a later
    /// attempt may not meet, with backoff, for up to the location's `write_retry` seconds.
    func retrying<T>(_ body: (Int) throws(StoreError) -> T) throws(StoreError) -> T {
        var delay = 0.5
        let deadline = monotonicNow() + location.writeRetry
        var attempt = 1
        while true {
            do {
                return try body(attempt)
            } catch {
                guard error.isTransient, monotonicNow() + delay < deadline else { throw error }
                sleepSeconds(delay)
                delay = min(delay * 2, 10)
                attempt += 1
            }
        }
    }

    // MARK: - Asking the server

    /// The keys among `keys` already stored (within the time range `first`…`last`, where a
    /// stored duplicate must be: a uuid's or a line's flow has one time). The keys travel as an
    /// external table in the request body rather than as an `IN (…)` list in the SQL, which
    /// the server would have to parse (a tenth of a second for 16k keys on 18.16).
    func storedKeys(_ keys: [UInt64], from first: Int64, through last: Int64) throws(StoreError) -> Set<UInt64> {
        guard !keys.isEmpty else { return [] }
        var list = TabSeparatedWriter(capacity: keys.count * 21)
        for key in keys {
            list.int(key)
            list.endRow()
        }
        let answer: [UInt8]
        do {
            answer = try client.execute("""
                SELECT key FROM \(table("flows")) WHERE time >= \(first) AND time <= \(last) AND key IN batch_keys FORMAT RowBinary
                """, externalTable: (name: "batch_keys", structure: "key UInt64", rows: list.bytes))
        } catch {
            throw namingUnresponsiveShards(error)
        }
        var found = Set<UInt64>()
        var reader = RowBinaryReader(answer, label: path)
        while !reader.isAtEnd { found.insert(try reader.uint64()) }
        return found
    }
}
