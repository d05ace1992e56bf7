import FlowlogModel
import FlowlogStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The embedded flow store: one SQLite database file in WAL mode.
///
/// Endpoints, label sets and short strings are interned, so a flow row holds ids; drops are also
/// counted into a per-minute rollup in the same transaction, so drop reports do not scan flows.
/// One store is used by one thread at a time.
///
/// @unchecked: the interning caches and statements are unsynchronised; the store may be handed
/// to another thread (ingest gives it to its writer thread) but is never used by two at once.
public final class SQLiteFlowStore: FlowStore, @unchecked Sendable {
    let connection: SQLiteConnection
    /// The database path (`:memory:` for a private in-memory store).
    public var path: String { connection.path }

    // Interning caches: value → id. Each is bounded by the approximate bytes it holds (see
    // ``ByteBoundedCache``): when one would pass its budget it is emptied and refilled from the
    // database on demand. The three endpoint caches mostly share storage (the same endpoint box
    // and label array), so together they hold about one budget's worth in practice, and at most
    // three. Budgets are far above what a real cluster needs (a pod's labels take about 1 KiB).
    private var endpointIDs = ByteBoundedCache<Endpoint, Int64>(byteLimit: SQLiteFlowStore.endpointCacheBytes)
    /// A fast path in front of `endpointIDs`: endpoints decoded from the same cached object share
    /// their storage, so its identity finds them without hashing every label. The entry keeps the
    /// endpoint (and so its storage) alive, so an identity is never reused while cached.
    private var endpointIDsByIdentity = ByteBoundedCache<ObjectIdentifier, (endpoint: Endpoint, id: Int64)>(
        byteLimit: SQLiteFlowStore.endpointCacheBytes)
    private var policyIDs = ByteBoundedCache<PolicyReferences, Int64>(byteLimit: SQLiteFlowStore.stringCacheBytes)
    private var namesIDs = ByteBoundedCache<[String], Int64>(byteLimit: SQLiteFlowStore.stringCacheBytes)
    private var labelSetIDs = ByteBoundedCache<[String], Int64>(byteLimit: SQLiteFlowStore.endpointCacheBytes)
    private var stringIDs = ByteBoundedCache<String, Int64>(byteLimit: SQLiteFlowStore.stringCacheBytes)
    static let endpointCacheBytes = 8 << 20
    static let stringCacheBytes = 4 << 20

    // Reverse caches for reading, bounded the same way.
    var endpointsByID = ByteBoundedCache<Int64, Endpoint>(byteLimit: SQLiteFlowStore.endpointCacheBytes)
    var stringsByID = ByteBoundedCache<Int64, String>(byteLimit: SQLiteFlowStore.stringCacheBytes)

    /// The `intern_generation` the caches were filled under; `prune` bumps it.
    private var internGeneration: Int64?
    private var insertFlow: Statement?
    /// The prepared lookup of a time's rows (``seq(for:_:)``), kept across batches.
    var sameTime: Statement?
    var rollupStatements = RollupStatements()
    /// Whether an endpoint may be something other than a pod, by endpoint id (see ``RollupAccumulator``).
    /// Its entries are small and fixed-size, so the entry limit bounds it.
    var endpointMayNotBePod = ByteBoundedCache<Int64, Bool>(byteLimit: 4 << 20)

    /// Opens the store at `path` (creating it only with `.create`) and brings its schema up to date.
    ///
    /// `.readOnly` opens a read-only connection: the file is never written, and a user who may
    /// read it but not write its directory can query it. A schema that needs upgrading is
    /// upgraded first through a short read-write connection.
    /// - Parameters:
    ///   - path: a file path, or `:memory:`.
    ///   - access: whether a missing store is created, and whether this store writes.
    /// - Throws: ``StoreError`` when the file cannot be opened, is not a flowlog database, or is
    ///   from a newer flowlog; `.notFound` when there is no database at `path` (or only an empty
    ///   file) and `access` does not create one.
    public init(path: String, access: StoreAccess = .create) throws(StoreError) {
        let inMemory = path == ":memory:"
        if !inMemory && !access.createsStore { try SQLiteFlowStore.requireFile(path) }
        let readOnly = access == .readOnly && !inMemory
        let connection = try SQLiteConnection(path: path, readOnly: readOnly, create: access.createsStore)
        self.connection = connection
        try connection.setBusyTimeout(milliseconds: 15_000)
        do {
            // Processes that open a new database at the same moment race to set WAL mode and
            // create the schema; the loser can get SQLITE_BUSY even with a busy timeout (changing
            // the journal mode does not always wait), and every step below can simply be redone.
            try connection.retryingWhileBusy { () throws(StoreError) in
                // Whose file it is, before anything is written: setting WAL mode alone rewrites
                // the header of another application's database.
                let state = try SchemaState(connection)
                let needsMigration = try state.needsMigration(path)
                if !access.createsStore && state.isEmpty {
                    throw StoreError(kind: .notFound, message: "the file is empty, not a flow database", path: path)
                }
                if readOnly {
                    let needsReclassify = try needsReclassify()
                    if needsMigration || needsReclassify {
                        // Upgraded once by a writer; this connection then reads the new schema.
                        do throws(StoreError) {
                            _ = try SQLiteFlowStore(path: path, access: .readWrite)
                        } catch {
                            guard error.kind == .readOnly else { throw error }
                            var upgrade = error
                            upgrade.message = "the database is from an older flowlog and must be upgraded once by a user who "
                                + "may write it (any flowlog command run by them does it): " + error.message
                            throw upgrade
                        }
                    }
                    try connection.execute("PRAGMA cache_size = -16000; PRAGMA temp_store = MEMORY")
                    return
                }
                // WAL lets readers run while an ingest writes; NORMAL sync is durable across
                // application crashes (a power loss may lose the last commits, never corrupt).
                if !inMemory { _ = try connection.scalarInt("PRAGMA journal_mode = WAL") }
                try connection.execute("PRAGMA synchronous = NORMAL; PRAGMA cache_size = -16000; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 8192")
                try Migrations.migrate(connection)
                try reclassifyRollupIfNeeded()
            }
        } catch {
            if error.backend != nil, error.backendMessage?.contains("file is not a database") ?? error.message.contains("file is not a database") {
                throw StoreError(kind: .notADatabase, message: "not a flowlog database (the file is not SQLite or is corrupt)", path: path)
            }
            throw error
        }
    }

    /// Throws `.notFound` when nothing is at `path` (a missing file or directory), so a command
    /// that does not create stores says so instead of SQLite's "unable to open database file".
    private static func requireFile(_ path: String) throws(StoreError) {
        var info = stat()
        guard stat(path, &info) != 0 else { return }
        let error = errno
        if error == ENOENT || error == ENOTDIR {
            throw StoreError(kind: .notFound, message: "no flow database here", path: path)
        }
    }

    // MARK: - Writing

    public func write(_ batch: IngestBatch) throws -> BatchResult {
        do {
            return try writeInTransaction(batch)
        } catch {
            // Ids interned by the rolled-back transaction are gone from the database.
            forgetInternedIDs()
            throw error
        }
    }

    private func writeInTransaction(_ batch: IngestBatch) throws -> BatchResult {
        try connection.transaction {
            // Inside the write lock: if a prune deleted interned rows since the caches were
            // filled, their ids may be gone, so the caches are dropped.
            let generation = try connection.scalarInt("SELECT value FROM meta WHERE key = 'intern_generation'")
            if generation != internGeneration {
                forgetInternedIDs()
                internGeneration = generation
            }
            // Compare-and-set on the inputs' positions: if another ingest stored these lines
            // first, the batch writes nothing and the reader continues from the stored position.
            if let conflict = try conflict(in: batch.advances) { return BatchResult(conflict: conflict) }
            var result = BatchResult()
            var rollups = RollupAccumulator()
            let retention = try retentionState()
            var deduplication = try batchDeduplication()
            for flow in batch.flows {
                guard try !retention.rollupsAlreadyCount(flow.time), let seq = try seq(for: flow, &deduplication) else {
                    result.duplicates += 1
                    continue
                }
                let ids = try flowIDs(flow)
                try insert(flow, seq: seq, ids)
                result.inserted += 1
                rollups.add(flow, source: ids.source, destination: ids.destination,
                            sourceMayNotBePod: mayNotBePod(ids.source, flow.source),
                            destinationMayNotBePod: mayNotBePod(ids.destination, flow.destination),
                            names: (flow.isReply == true ? ids.sourceNames : ids.destinationNames) ?? 0)
            }
            try rollups.write(to: connection, statements: &rollupStatements)
            try writeLostEvents(batch.lostEvents)
            try writeNonFlowCounts(batch.nonFlowCounts)
            for advance in batch.advances { try save(advance.next) }
            return result
        }
    }

    /// Drops every interned-id cache (after `prune`, or when another process pruned).
    func forgetInternedIDs() {
        endpointIDs.removeAll()
        endpointIDsByIdentity.removeAll()
        labelSetIDs.removeAll()
        stringIDs.removeAll()
        policyIDs.removeAll()
        namesIDs.removeAll()
        endpointMayNotBePod.removeAll()
        endpointsByID.removeAll()
        stringsByID.removeAll()
        internGeneration = nil
    }

    private func mayNotBePod(_ id: Int64, _ endpoint: Endpoint) -> Bool {
        if let known = endpointMayNotBePod[id] { return known }
        let value = endpoint.kind.needsAddress
        endpointMayNotBePod.insert(value, for: id, bytes: 0)
        return value
    }

    private struct FlowIDs {
        var source: Int64, destination: Int64, node: Int64, summary: Int64, policies: Int64?
        var sourceNames: Int64?, destinationNames: Int64?
    }

    private func flowIDs(_ flow: Flow) throws(StoreError) -> FlowIDs {
        FlowIDs(source: try endpointID(flow.source), destination: try endpointID(flow.destination),
                node: try stringID(flow.nodeName), summary: try stringID(flow.summary),
                policies: flow.policies.isEmpty ? nil : try policiesID(flow.policies),
                sourceNames: flow.sourceNames.isEmpty ? nil : try namesID(flow.sourceNames),
                destinationNames: flow.destinationNames.isEmpty ? nil : try namesID(flow.destinationNames))
    }

    /// The strings id of a list of DNS names, interned as its JSON array text.
    private func namesID(_ names: [String]) throws(StoreError) -> Int64 {
        if let id = namesIDs[names] { return id }
        let id = try stringID(JSONText.array(names))
        namesIDs.insert(id, for: names, bytes: ApproximateSize.of(names))
        return id
    }

    private func policiesID(_ policies: PolicyReferences) throws(StoreError) -> Int64 {
        if let id = policyIDs[policies] { return id }
        let text = PolicyListCoding.encode(policies)
        let id = try stringID(text)
        // The references hold about what their JSON text holds, in several small strings.
        policyIDs.insert(id, for: policies, bytes: 2 * text.utf8.count)
        return id
    }

    /// Inserts one flow under (time, `seq`) (``seq(for:_:)`` said it is new).
    private func insert(_ flow: Flow, seq: Int64, _ ids: FlowIDs) throws(StoreError) {
        let statement: Statement
        if let insertFlow {
            statement = insertFlow
        } else {
            statement = try connection.prepare("""
                INSERT INTO flows (time, uuid, verdict, drop_reason, event_type, event_sub_type, flow_type,
                    source_ip, destination_ip, protocol, source_port, destination_port, tcp_flags, source, destination,
                    traffic_direction, is_reply, node, policy_match_type, trace_point, summary, policies, source_names,
                    destination_names, weight, seq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, persistent: true)
            insertFlow = statement
        }
        try statement.bind(flow.time.rawValue, at: 1)
        if let uuid = flow.uuid { try uuid.withBytes { bytes throws(StoreError) in try statement.bind(bytes, at: 2) } } else { try statement.bindNull(at: 2) }
        try statement.bind(Int64(flow.verdict.code), at: 3)
        try statement.bind(Int64(flow.dropReason.rawValue), at: 4)
        try statement.bind(Int64(flow.eventType), at: 5)
        try statement.bind(Int64(flow.eventSubType), at: 6)
        try statement.bind(Int64(flow.flowType.rawValue), at: 7)
        if let ip = flow.sourceIP { try ip.withBytes { bytes throws(StoreError) in try statement.bind(bytes, at: 8) } } else { try statement.bindNull(at: 8) }
        if let ip = flow.destinationIP { try ip.withBytes { bytes throws(StoreError) in try statement.bind(bytes, at: 9) } } else { try statement.bindNull(at: 9) }
        try statement.bind(Int64(flow.l4.proto.rawValue), at: 10)
        try statement.bind(Int64(flow.l4.sourcePort), at: 11)
        try statement.bind(Int64(flow.l4.destinationPort), at: 12)
        try statement.bind(Int64(flow.l4.tcpFlags.rawValue), at: 13)
        try statement.bind(ids.source, at: 14)
        try statement.bind(ids.destination, at: 15)
        try statement.bind(Int64(flow.trafficDirection.rawValue), at: 16)
        try statement.bind(flow.isReply.map { $0 ? 1 : 0 }, at: 17)
        try statement.bind(ids.node, at: 18)
        try statement.bind(Int64(flow.policyMatchType), at: 19)
        try statement.bind(Int64(flow.traceObservationPoint), at: 20)
        try statement.bind(ids.summary, at: 21)
        try statement.bind(ids.policies, at: 22)
        try statement.bind(ids.sourceNames, at: 23)
        try statement.bind(ids.destinationNames, at: 24)
        try statement.bind(Int64(flow.weight), at: 25)
        try statement.bind(seq, at: 26)
        try statement.run()
    }

    private func writeLostEvents(_ events: [LostEvents]) throws(StoreError) {
        guard !events.isEmpty else { return }
        let statement = try connection.prepare(
            "INSERT OR IGNORE INTO lost_events (time, node, source, count, cpu) VALUES (?, ?, ?, ?, ?)")
        for event in events {
            try statement.bind(event.time.rawValue, at: 1)
            try statement.bind(event.nodeName, at: 2)
            try statement.bind(event.source, at: 3)
            try statement.bind(event.count, at: 4)
            try statement.bind(event.cpu.map(Int64.init), at: 5)
            try statement.run()
        }
    }

    private func writeNonFlowCounts(_ counts: [NonFlowKind: Int]) throws(StoreError) {
        guard !counts.isEmpty else { return }
        let statement = try connection.prepare("""
            INSERT INTO non_flow_records (kind, count) VALUES (?, ?)
            ON CONFLICT (kind) DO UPDATE SET count = count + excluded.count
            """)
        for (kind, count) in counts.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            try statement.bind(kind.rawValue, at: 1)
            try statement.bind(count, at: 2)
            try statement.run()
        }
    }

    // MARK: - Interning

    private func endpointID(_ endpoint: Endpoint) throws(StoreError) -> Int64 {
        if let cached = endpointIDsByIdentity[endpoint.sharedIdentity] { return cached.id }
        let id = try hashedEndpointID(endpoint)
        endpointIDsByIdentity.insert((endpoint, id), for: endpoint.sharedIdentity, bytes: ApproximateSize.of(endpoint))
        return id
    }

    private func hashedEndpointID(_ endpoint: Endpoint) throws(StoreError) -> Int64 {
        if let id = endpointIDs[endpoint] { return id }
        let labelSet = try labelSetID(endpoint.labels)
        let workloads = JSONText.array(endpoint.workloads.map(\.storedText))
        let insert = try connection.prepare("""
            INSERT OR IGNORE INTO endpoints (identity, namespace, pod, cluster, label_set, workloads)
            VALUES (?, ?, ?, ?, ?, ?)
            """)
        try insert.bind(Int64(endpoint.identity), at: 1)
        try insert.bind(endpoint.namespace, at: 2)
        try insert.bind(endpoint.podName, at: 3)
        try insert.bind(endpoint.clusterName, at: 4)
        try insert.bind(labelSet, at: 5)
        try insert.bind(workloads, at: 6)
        try insert.run()
        let id: Int64
        if connection.changes == 1 {
            id = connection.lastInsertRowID
        } else {
            let select = try connection.prepare("""
                SELECT id FROM endpoints WHERE identity = ? AND namespace = ? AND pod = ? AND cluster = ?
                    AND label_set = ? AND workloads = ?
                """)
            try select.bind(Int64(endpoint.identity), at: 1)
            try select.bind(endpoint.namespace, at: 2)
            try select.bind(endpoint.podName, at: 3)
            try select.bind(endpoint.clusterName, at: 4)
            try select.bind(labelSet, at: 5)
            try select.bind(workloads, at: 6)
            guard try select.step() else {
                throw StoreError(kind: .failed, message: "an interned endpoint disappeared", path: path)
            }
            id = select.int64(0)
        }
        endpointIDs.insert(id, for: endpoint, bytes: ApproximateSize.of(endpoint))
        return id
    }

    private func labelSetID(_ labels: [String]) throws(StoreError) -> Int64 {
        if let id = labelSetIDs[labels] { return id }
        let id = try internText(JSONText.array(labels), table: "label_sets", column: "labels")
        labelSetIDs.insert(id, for: labels, bytes: ApproximateSize.of(labels))
        return id
    }

    private func stringID(_ value: String) throws(StoreError) -> Int64 {
        if let id = stringIDs[value] { return id }
        let id = try internText(value, table: "strings", column: "value")
        stringIDs.insert(id, for: value, bytes: ApproximateSize.of(value))
        return id
    }

    /// Returns the id of `value` in a table with a UNIQUE text column, inserting it if needed.
    /// `table` and `column` are constants of this file, never input.
    private func internText(_ value: String, table: StaticString, column: StaticString) throws(StoreError) -> Int64 {
        let insert = try connection.prepare("INSERT OR IGNORE INTO \(table) (\(column)) VALUES (?)")
        try insert.bind(value, at: 1)
        try insert.run()
        if connection.changes == 1 { return connection.lastInsertRowID }
        let select = try connection.prepare("SELECT id FROM \(table) WHERE \(column) = ?")
        try select.bind(value, at: 1)
        guard try select.step() else {
            throw StoreError(kind: .failed, message: "an interned value disappeared", path: path)
        }
        return select.int64(0)
    }
}
