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
/// the rollup counts them twice. The window is one write's check-to-insert time (ingest's
/// batches are gathered into writes of up to 65,536 rows), for inputs ingested twice at the same
/// moment. Rows are sent as RowBinary (``RowBinaryWriter``): no escapes, and no text for the
/// server to parse.
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
    var endpointKeys = EndpointMemo<UInt64>()
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
    /// Writes of held rows this store made (for ``ClickHouseLocation/killBeforeCheckpoint``).
    var writesMade = 0
    /// Rows of ingest's partial batches held for one larger write (see ``write(_:)``).
    var pending = PendingWrite()
    /// The last version written to a `ReplacingMergeTree(updated)` table.
    var lastVersion: Int64 = 0

    /// Ingest's batches stay small (8,192 flows, 16 MiB of lines), so the few batches in flight
    /// between reader and writer hold little memory; the rows of consecutive batches are gathered
    /// into inserts of up to 65,536 rows (see ``write(_:)``).
    public var preferredBatchSize: (flows: Int, bytes: Int)? { (8_192, 16 << 20) }

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
        try insert(into: name, columns: columns, format: "TabSeparated", body: rows.bytes)
    }

    /// - Parameter queryID: the insert's `query_id`, to find it among the server's running queries.
    func insert(into name: String, columns: String, rows: RowBinaryWriter, queryID: String? = nil) throws(StoreError) {
        try insert(into: name, columns: columns, format: "RowBinary", body: rows.bytes, queryID: queryID)
    }

    private func insert(into name: String, columns: String, format: String, body: [UInt8], queryID: String? = nil) throws(StoreError) {
        guard !body.isEmpty else { return }
        var settings = location.cluster == nil ? [] : [("insert_distributed_sync", "1")]
        if let queryID { settings.append(("query_id", queryID)) }
        do {
            try client.execute("INSERT INTO \(table(name)) (\(columns)) FORMAT \(format)", data: body, settings: settings)
        } catch {
            throw namingUnresponsiveShards(error)
        }
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
