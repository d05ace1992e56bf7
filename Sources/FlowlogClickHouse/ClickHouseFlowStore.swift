import FlowlogModel
import FlowlogStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The distributed flow store: a ClickHouse server, or a cluster of shards, over HTTP.
///
/// ClickHouse has no transactions, so a batch's rows and its checkpoint are two writes. Every row
/// has a deterministic key (see ``RecordKey``) and every table collapses rows of one key
/// (`ReplacingMergeTree`, read with `FINAL`): a batch written twice — after a SIGKILL between the
/// rows and the checkpoint, or by two ingests of one file — counts once in every answer. The
/// checkpoint's compare-and-set is a read-check-write, best effort, which is enough because
/// duplicates collapse anyway.
///
/// Drops are counted from a rollup fed by a materialized view on flows (ClickHouseSchema's
/// version 3), which counts every row inserted into flows: so a batch sends only the rows whose
/// keys flows does not hold yet. What that leaves open is two writers racing on the same new
/// rows — both ask before either inserts, both insert: flows still shows each once (`FINAL`),
/// the rollup counts them twice. The window is one batch's check-to-insert time, for inputs
/// ingested twice at the same moment.
///
/// @unchecked: the endpoint caches are unsynchronised; like the SQLite store, the store may be
/// handed to another thread (ingest's writer) but is never used by two at once.
public final class ClickHouseFlowStore: FlowStore, @unchecked Sendable {
    let location: ClickHouseLocation
    /// The server queries are sent to (the cluster's entry point).
    let client: ClickHouseHTTPClient
    /// `database.` prefixed names of the tables queries and inserts use (Distributed ones on a cluster).
    let database: String
    /// The cluster's servers (every replica of every shard), after the schema check; empty on one server.
    var shardClients: [ClickHouseHTTPClient] = []
    /// Endpoint keys by the endpoint's shared storage (see ``endpointKey(_:)``).
    private var endpointKeys: [ObjectIdentifier: (endpoint: Endpoint, key: UInt64)] = [:]
    /// Every stored endpoint by key, loaded on first need by a read.
    var endpointsByKey: [UInt64: Endpoint]?
    /// Records of inputs without identity (standard input) are keyed by this run's nonce.
    let nonce: UInt64
    /// The claimant ids of the report windows this store claimed, for giving them back.
    var reportClaimants: [String: UInt64] = [:]
    /// Claims this store appended (each gets its own claimant id).
    var claimsMade: UInt64 = 0
    /// Everything before this time was pruned (nil: never pruned).
    var pruneCut: Int64?
    /// The drops rollup answers from this time on (nil: from the prune cut, or never pruned).
    var rollupCut: Int64?
    /// Batches whose rows this store wrote (for ``ClickHouseLocation/killBeforeCheckpoint``).
    private var batchesWritten = 0
    /// The last version written to a `ReplacingMergeTree(updated)` table.
    var lastVersion: Int64 = 0

    /// 16,384 flows per insert (the issue's measurements: ClickHouse wants inserts of 10k–100k
    /// rows; each is a part to merge), and at most 64 MiB of input lines per batch, so an ingest
    /// holding three batches (one read, two queued) stays far below 64 MiB of flows in memory.
    public var preferredBatchSize: (flows: Int, bytes: Int)? { (8_192, 32 << 20) }

    /// The store's URL, as errors name it.
    public var path: String { location.description }

    /// Connects to the server (and on a cluster to every shard), creating the database (only
    /// with `access` `.create`) and bringing the schema up to date on each.
    /// - Throws: ``StoreError``: `.cannotOpen` when a server cannot be reached, `.notFound` when
    ///   the database does not exist and `access` does not create it, `.newerSchema` when a newer
    ///   flowlog wrote the schema, `.failed` with ClickHouse's code otherwise.
    public init(location: ClickHouseLocation, access: StoreAccess = .create) throws(StoreError) {
        self.location = location
        client = ClickHouseHTTPClient(host: location.host, port: location.port, user: location.user,
                                      password: location.password, timeout: location.timeout, label: location.description)
        database = location.database
        var seed = UInt64(bitPattern: realTimeNanosecondsForNonce()) ^ (UInt64(getpid()) << 32)
        seed = (seed ^ (seed >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        nonce = seed ^ (seed >> 33)
        try ClickHouseMigrator(store: self, creates: access.createsStore).migrate()
        pruneCut = try readPruneCut()
        rollupCut = try readRollupCut()
    }

    /// `database.name` of a table as queries and inserts name it.
    func table(_ name: String) -> String { "\(database).\(name)" }

    /// Runs a statement on the entry server.
    @discardableResult
    func execute(_ sql: String, data: [UInt8]? = nil) throws(StoreError) -> [UInt8] {
        do {
            return try client.execute(sql, data: data)
        } catch {
            throw namingUnresponsiveShards(error)
        }
    }

    /// A distributed query that timed out, with the shards that do not answer named: ClickHouse
    /// 18.16 waits for a hung (stopped) shard without a bound of its own, so the entry server's
    /// error cannot say which shard it waited for. Each shard gets a one-second `SELECT 1`.
    func namingUnresponsiveShards(_ error: StoreError) -> StoreError {
        guard location.cluster != nil, error.backend?.code == 159, !shardClients.isEmpty else { return error }
        var silent: [String] = []
        for shard in shardClients {
            let probe = ClickHouseHTTPClient(host: shard.host, port: shard.port, user: location.user, password: location.password,
                                             timeout: 1, label: shard.label)
            do {
                try probe.execute("SELECT 1")
            } catch {
                silent.append(shard.label.firstRange(of: " shard ").map { "shard " + shard.label[$0.upperBound...] } ?? shard.server)
            }
        }
        guard !silent.isEmpty else { return error }
        var named = error
        named.message += "; not answering: " + silent.joined(separator: ", ")
        return named
    }

    /// Inserts rows into `name`; on a cluster synchronously through the Distributed table, so the
    /// rows are on their shards when the call returns (a checkpoint follows only acknowledged rows).
    func insert(into name: String, columns: String, rows: TabSeparatedWriter) throws(StoreError) {
        guard !rows.bytes.isEmpty else { return }
        do {
            try client.execute("INSERT INTO \(table(name)) (\(columns)) FORMAT TabSeparated", data: rows.bytes,
                               settings: location.cluster == nil ? [] : [("insert_distributed_sync", "1")])
        } catch {
            throw namingUnresponsiveShards(error)
        }
    }

    // MARK: - Writing

    public func write(_ batch: IngestBatch) throws -> BatchResult {
        // A write that fails for a lost or restarting server is retried whole, with backoff:
        // every row is keyed, so a retry after a write that did reach the server adds nothing.
        var delay = 0.5
        let deadline = monotonicNow() + location.writeRetry
        while true {
            let outcome = Result { () throws(StoreError) -> BatchResult in try writeOnce(batch) }
            switch outcome {
            case .success(let result):
                return result
            case .failure(let error):
                guard error.isTransient, monotonicNow() + delay < deadline else { throw error }
                sleepSeconds(delay)
                delay = min(delay * 2, 10)
            }
        }
    }

    private func writeOnce(_ batch: IngestBatch) throws(StoreError) -> BatchResult {
        // Compare-and-set on the inputs' positions, as a read and a check: a second ingest that
        // slips between this read and the checkpoint write below writes the same keyed rows.
        let stored = try allCheckpoints()
        for advance in batch.advances {
            let current = resumePoint(in: stored, device: advance.next.device, inode: advance.next.inode, head: advance.head)
            if current?.offset != advance.expected?.offset || current?.line != advance.expected?.line {
                return BatchResult(conflict: CheckpointConflict(device: advance.next.device, inode: advance.next.inode,
                                                                epoch: advance.epoch, stored: current))
            }
        }
        let positions = batch.positions.cover(batch) ? batch.positions : nil
        var keys: [UInt64] = []
        keys.reserveCapacity(batch.flows.count)
        for (index, flow) in batch.flows.enumerated() {
            if let uuid = flow.uuid {
                keys.append(RecordKey.flow(uuid: uuid))
            } else {
                // Without positions (a caller other than the ingestor), each write is its own run.
                let position = positions?.flows[index] ?? RecordPosition(line: Int64(index), digest: monotonicNanos())
                keys.append(RecordKey.record(tag: UInt8(ascii: "L"), input: positions?.input, nonce: nonce, position: position))
            }
        }
        var result = BatchResult()
        let existing = try storedKeys(keys, flows: batch.flows)
        try writeEndpoints(batch.flows)
        var rows = TabSeparatedWriter(capacity: batch.flows.count * 200)
        // Insertion order for flows of equal time, as SQLite's row ids give it: the write's
        // start on the wall clock plus the flow's index (batches are far more than 4096 ns apart).
        let writeStart = max(realTimeNanos(), lastVersion + 1)
        lastVersion = writeStart + Int64(batch.flows.count)
        var seen = Set<UInt64>()
        // Flows whose time only the kept rollups still answer for are counted there already.
        let retention = RetentionState(rawFlowsStart: pruneCut.map(Timestamp.init(rawValue:)),
                                       rollupsStart: rollupsStart.map(Timestamp.init(rawValue:)), keepsConnectionRollup: false)
        for (index, flow) in batch.flows.enumerated() {
            let key = keys[index]
            guard !existing.contains(key), !retention.rollupsAlreadyCount(flow.time), seen.insert(key).inserted else {
                result.duplicates += 1
                continue
            }
            result.inserted += 1
            FlowRow.encode(flow, key: key, seq: writeStart &+ Int64(index), source: endpointKey(flow.source),
                           destination: endpointKey(flow.destination), into: &rows)
        }
        try insert(into: "flows", columns: FlowRow.columns, rows: rows)
        try writeLostEvents(batch, positions: positions)
        try writeNonFlowRecords(batch, positions: positions)
        batchesWritten += 1
        if let kill = location.killBeforeCheckpoint, batchesWritten >= kill { raise(SIGKILL) }
        // Only now, with the rows acknowledged, do the inputs' positions move.
        for advance in batch.advances { try save(advance.next) }
        return result
    }

    /// The keys among `keys` already stored (within the batch's time range, where a stored
    /// duplicate must be: a uuid's or a line's flow has one time). The keys travel as an
    /// external table in the request body rather than as an `IN (…)` list in the SQL, which
    /// the server would have to parse (a tenth of a second for 16k keys on 18.16).
    private func storedKeys(_ keys: [UInt64], flows: [Flow]) throws(StoreError) -> Set<UInt64> {
        guard let first = flows.map(\.time.rawValue).min(), let last = flows.map(\.time.rawValue).max() else { return [] }
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

    /// An endpoint's key, cached by the endpoint's shared storage: flows decoded from one cached
    /// object share it, so the labels are hashed once per endpoint, not twice per flow. The entry
    /// keeps the endpoint alive, so an identity is not reused while cached.
    func endpointKey(_ endpoint: Endpoint) -> UInt64 {
        if let cached = endpointKeys[endpoint.sharedIdentity] { return cached.key }
        if endpointKeys.count >= 65_536 { endpointKeys.removeAll(keepingCapacity: true) }
        let key = RecordKey.endpoint(endpoint)
        endpointKeys[endpoint.sharedIdentity] = (endpoint, key)
        return key
    }

    /// Writes the endpoints of a batch's flows, each once per batch. Once per batch, not once
    /// per process: a prune deletes the endpoints no stored flow refers to, and a long-running
    /// `ingest --follow` must bring back those its new flows use (the rows are few, and equal
    /// rows collapse).
    private func writeEndpoints(_ flows: [Flow]) throws(StoreError) {
        var rows = TabSeparatedWriter()
        var identities = Set<ObjectIdentifier>()
        var written = Set<UInt64>()
        for flow in flows {
            for endpoint in [flow.source, flow.destination] where identities.insert(endpoint.sharedIdentity).inserted {
                let key = endpointKey(endpoint)
                guard written.insert(key).inserted else { continue }
                EndpointRow.encode(endpoint, key: key, into: &rows)
                endpointsByKey?[key] = endpoint
            }
        }
        try insert(into: "endpoints", columns: EndpointRow.columns, rows: rows)
    }

    private func writeLostEvents(_ batch: IngestBatch, positions: RecordPositions?) throws(StoreError) {
        var rows = TabSeparatedWriter()
        // Keyed by content, not by position: the same record read again (standard input piped
        // twice) collapses into one row, as a flow does by its uuid.
        for event in batch.lostEvents {
            rows.int(RecordKey.lostEvents(event))
            rows.int(event.time.rawValue)
            rows.string(event.nodeName)
            rows.string(event.source)
            rows.int(event.count)
            rows.int(event.cpu.map(Int64.init) ?? -1)
            rows.endRow()
        }
        try insert(into: "lost_events", columns: "key, time, node, source, count, cpu", rows: rows)
    }

    private func writeNonFlowRecords(_ batch: IngestBatch, positions: RecordPositions?) throws(StoreError) {
        var rows = TabSeparatedWriter()
        if let positions {
            for (kind, position) in positions.nonFlowRecords {
                rows.int(RecordKey.record(tag: UInt8(ascii: "N"), input: positions.input, nonce: nonce, position: position))
                rows.string(kind.rawValue)
                rows.endRow()
            }
        } else {
            for (kind, count) in batch.nonFlowCounts.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                for _ in 0..<count {
                    rows.int(RecordKey.record(tag: UInt8(ascii: "N"), input: nil, nonce: nonce,
                                              position: RecordPosition(line: 0, digest: monotonicNanos())))
                    rows.string(kind.rawValue)
                    rows.endRow()
                }
            }
        }
        try insert(into: "non_flow_records", columns: "key, kind", rows: rows)
    }
}

extension StoreError {
    /// A failure a later retry may not meet: the server unreachable or the connection lost, a
    /// timeout, or ClickHouse errors of a shard or server that is going away or overloaded.
    var isTransient: Bool {
        if kind == .cannotOpen { return true }
        guard let backend, backend.name == "ClickHouse" else { return false }
        // 159 TIMEOUT_EXCEEDED, 209 SOCKET_TIMEOUT, 210 NETWORK_ERROR, 202 TOO_MANY_SIMULTANEOUS_QUERIES,
        // 279 ALL_CONNECTION_TRIES_FAILED, 241 MEMORY_LIMIT_EXCEEDED, 394 QUERY_WAS_CANCELLED.
        return [159, 209, 210, 202, 279, 241, 394].contains(backend.code)
    }
}

func monotonicNow() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

func monotonicNanos() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
}

private func realTimeNanosecondsForNonce() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) &* 1_000_000_000 &+ Int64(now.tv_nsec)
}

func realTimeNanos() -> Int64 { realTimeNanosecondsForNonce() }

func sleepSeconds(_ seconds: Double) {
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    _ = nanosleep(&request, nil)
}
