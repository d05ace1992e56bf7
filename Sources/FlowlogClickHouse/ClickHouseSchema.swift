import FlowlogStore

/// The ClickHouse schema as an ordered list of migrations, each a list of tables; the versions
/// applied are recorded, per server, in `schema_versions`. A shipped migration is never edited;
/// a change is a new migration appended to ``all``.
///
/// Every table has a `key UInt64` that identifies a row (a flow's uuid hash, a line's position,
/// a checkpoint's file): tables are `ReplacingMergeTree`s, so a row written twice — after a crash
/// between a batch and its checkpoint, or by two ingests of one file — is one row to every query
/// that reads with `FINAL`; and on a cluster rows are spread over the shards by that key, so both
/// copies land on the same shard, where they collapse.
///
/// Only SQL that ClickHouse 18.16 and current releases both accept: integers and strings (times
/// are Int64 nanoseconds; no DateTime64, Bool, IPv4/IPv6, Map, LowCardinality, TTL).
enum ClickHouseSchema {
    struct Table {
        var name: String
        var columns: String
        /// The engine clause after `ENGINE =`.
        var engine: String
        /// The expression a cluster's `Distributed` table spreads inserted rows by.
        var shardingKey = "key"
        /// For a materialized view (created next to each server's local tables, with no
        /// `Distributed` table of its own): what it writes to and from.
        var view: View? = nil
        /// A table every server has under its own name, with no `Distributed` table over it
        /// (on a cluster, flowlog uses the first shard's).
        var isServerLocal = false
    }

    /// A materialized view: `select` (with `{source}` standing for the table read) runs on every
    /// block inserted into `source`, and its rows go to `target`; when the view is created, the
    /// same `select` over `source FINAL` fills `target` with the rows stored before.
    struct View {
        var source: String
        var target: String
        var select: String
    }

    static let nanosPerDay: Int64 = 86_400_000_000_000

    /// A column added to an existing table by `ALTER TABLE … ADD COLUMN` (18.16 has no
    /// `IF NOT EXISTS` there, so the migrator looks in `system.columns` first). New rows get the
    /// type's default (an empty string or array) in rows written before the column existed.
    struct AddedColumn {
        var table: String
        var name: String
        /// The column's type, with a `DEFAULT` clause when rows written before need another value.
        var type: String
    }

    /// One migration: tables to create, then columns to add, then materialized views to
    /// replace. A replaced view is dropped and created again with its new `select`, and its
    /// target is not filled again (it already holds the rows stored before); a batch written
    /// between the two statements would be missed, so, as for version 3, the README asks for
    /// upgrades with no ingest running.
    struct Migration {
        var tables: [Table] = []
        var addedColumns: [AddedColumn] = []
        var replacedViews: [Table] = []
    }

    /// Migration `n` (1-based) brings the schema from version `n - 1` to `n`.
    static let all: [Migration] = [
        Migration(tables: version1), Migration(addedColumns: version2), Migration(tables: version3),
        Migration(tables: version4),
        Migration(tables: retentionTiers),
        Migration(addedColumns: flowWeights, replacedViews: [weightedDropRollupFeed]),
    ]

    static var latestVersion: Int { all.count }

    /// Applied migrations, one row per version; on a cluster each shard keeps its own.
    static let versionsTable = Table(
        name: "schema_versions", columns: "version UInt32, applied Int64",
        engine: "ReplacingMergeTree ORDER BY version")

    static let version1: [Table] = [
        // Flows by day (retention drops whole days) and sorted by time for the time-bounded
        // queries every report runs. Addresses are 4 or 16 raw bytes (empty: none); is_reply is
        // 0, 1, or 2 for unknown; seq is the insertion order (for flows of equal time, as
        // SQLite's row ids order them).
        Table(name: "flows", columns: """
            key UInt64, seq Int64, time Int64, uuid String, verdict Int32, drop_reason Int32, event_type Int32,
            event_sub_type Int32, flow_type Int32, source_ip String, destination_ip String, protocol Int32,
            source_port UInt16, destination_port UInt16, tcp_flags UInt16, source UInt64, destination UInt64,
            traffic_direction Int32, is_reply UInt8, node String, policy_match_type Int32, trace_point Int32,
            summary String, policies String
            """, engine: "ReplacingMergeTree PARTITION BY intDiv(time, \(nanosPerDay)) ORDER BY (time, key)"),
        // Endpoints, keyed by a hash of all their fields: few rows, written once per process.
        Table(name: "endpoints", columns: """
            key UInt64, identity UInt32, namespace String, pod String, cluster String, labels Array(String),
            workloads Array(String)
            """, engine: "ReplacingMergeTree ORDER BY key"),
        Table(name: "lost_events", columns: "key UInt64, time Int64, node String, source String, count Int64, cpu Int64",
              engine: "ReplacingMergeTree PARTITION BY intDiv(time, \(nanosPerDay)) ORDER BY (time, key)"),
        // One row per non-flow record (a count would double when a batch is written twice).
        Table(name: "non_flow_records", columns: "key UInt64, kind String",
              engine: "ReplacingMergeTree ORDER BY (kind, key)"),
        // The newest row per file (the highest `updated`) is its position.
        Table(name: "input_checkpoints", columns: """
            key UInt64, device UInt64, inode UInt64, path String, family String, offset Int64, line Int64,
            head_hash Int64, head_length Int64, read_started Int64, finished UInt8, updated Int64
            """, engine: "ReplacingMergeTree(updated) ORDER BY key"),
        Table(name: "report_state", columns: "key UInt64, name String, until_time Int64, present UInt8, updated Int64",
              engine: "ReplacingMergeTree(updated) ORDER BY key"),
        // Prune cuts: everything before the highest cut is gone to every query, at once, while
        // whole days before it are dropped as partitions (ClickHouse deletes rows only
        // asynchronously; the cut makes the prune exact immediately).
        Table(name: "prune_cuts", columns: "key UInt64, cut Int64", engine: "ReplacingMergeTree ORDER BY key"),
    ]

    /// The DNS names Hubble records for a flow's addresses (`source_names`, `destination_names`),
    /// which `toFQDNs` rules select by.
    static let version2: [AddedColumn] = [
        AddedColumn(table: "flows", name: "source_names", type: "Array(String)"),
        AddedColumn(table: "flows", name: "destination_names", type: "Array(String)"),
    ]

    static let nanosPerMinute: Int64 = 60_000_000_000

    /// The SQL of the minute (floor of time / minute; `intDiv` truncates towards zero) of `column`.
    static func minute(of column: String) -> String {
        "toInt64(intDiv(\(column), toInt64(\(nanosPerMinute))) - (\(column) % toInt64(\(nanosPerMinute)) < 0))"
    }

    /// The drops rollup: per minute and connection, the drops (``SQLRules/countsAsDrop``), the
    /// first and the last, as aggregate states merged by the server in the background.
    ///
    /// A materialized view on flows feeds it, so it counts exactly the rows written to flows.
    /// That is duplicate-safe because ``ClickHouseFlowStore`` sends only rows whose keys the
    /// flows table does not hold yet (one query per batch): a batch re-read after a SIGKILL
    /// before its checkpoint, a file ingested again, the same lines piped twice, or a retried
    /// write that had reached the server all find their rows stored and write none. (What
    /// remains open is two ingests racing on the same new lines; see ``ClickHouseFlowStore``.)
    ///
    /// Why not `uniqExactState(key)` per row, which would collapse duplicates by construction
    /// (even those of that race)? It keeps every drop's key and merges them at query time.
    /// Measured over 10M generated flows on one 18.16 server (`FLOWLOG_BENCH_SKIP_INGEST=1 bash
    /// Benchmarks/clickhouse.sh 0 10000000`, 2 shared cores, three runs): this rollup 5,115 rows
    /// in 84 KiB, the `drops --namespace production` query over it 20–36 ms; the uniqExact one
    /// 6.5 MiB, 99–330 ms (past the 100 ms goal alone); flows with `FINAL`, 1.6–6.2 s.
    static let version3: [Table] = [
        Table(name: "drop_rollup", columns: """
            minute Int64, source UInt64, destination UInt64, protocol Int32, port UInt16, drop_reason Int32,
            traffic_direction Int32, flows AggregateFunction(count), first_time AggregateFunction(min, Int64),
            last_time AggregateFunction(max, Int64)
            """, engine: """
            AggregatingMergeTree PARTITION BY intDiv(minute, 1440) \
            ORDER BY (minute, source, destination, protocol, port, drop_reason, traffic_direction)
            """, shardingKey: "source"),
        Table(name: "drop_rollup_feed", columns: "", engine: "", view: View(source: "flows", target: "drop_rollup", select: """
            SELECT \(minute(of: "time")) AS minute, source, destination, protocol, toUInt16(\(SQLRules.connectionPort)) AS port,
                drop_reason, traffic_direction, countState() AS flows, minState(time) AS first_time, maxState(time) AS last_time
            FROM {source} WHERE \(SQLRules.countsAsDrop)
            GROUP BY minute, source, destination, protocol, port, drop_reason, traffic_direction
            """)),
        // Report window claims, in the order the server appended them: a `Log` table is never
        // merged or reordered, so every reader sees the same first claim (see
        // ClickHouseFlowStore+ReportClaims.swift). `previous` is Int64.min for "no marker yet".
        Table(name: "report_claims", columns: "name String, previous Int64, until Int64, claimant UInt64, released UInt8",
              engine: "Log", isServerLocal: true),
    ]

    /// Report markers are kept per report selection (`report_state.name` is the selection's
    /// marker name; the unfiltered selection keeps the name `default`, so an existing marker
    /// carries on), and each selection's readable description is stored beside its marker.
    static let version4: [Table] = [
        Table(name: "report_descriptions", columns: "key UInt64, name String, description String, updated Int64",
              engine: "ReplacingMergeTree(updated) ORDER BY key"),
    ]

    /// Retention tiers (`prune --keep-rollups`): where the drops rollup answers from, the highest
    /// cut being the current one (as `prune_cuts` is for flows). No row: the rollup follows the
    /// flows' prune cut, as before this table existed.
    static let retentionTiers: [Table] = [
        Table(name: "rollup_cuts", columns: "key UInt64, cut Int64", engine: "ReplacingMergeTree ORDER BY key"),
    ]

    /// Hubble's exporter aggregation: a flow row stands for `weight` flows (1 unless the record
    /// carried `aggregate` counts; rows written before get the default, 1). Every count over
    /// flows is `sum(weight)`. The drops rollup keeps its `countState()` of rows and gains
    /// `extra_flows`, the sum of `weight - 1`: drops are `countMerge(flows) +
    /// sumMerge(extra_flows)`, exact for rows written before (their empty state merges to 0)
    /// and after. Expanding each row into `weight` rows (`arrayJoin(range(weight))`) would be
    /// exact too, but one hostile line with a weight of four billion would exhaust the server.
    static let flowWeights: [AddedColumn] = [
        AddedColumn(table: "flows", name: "weight", type: "UInt32 DEFAULT 1"),
        AddedColumn(table: "drop_rollup", name: "extra_flows", type: "AggregateFunction(sum, UInt64)"),
    ]

    /// The drops rollup's feed of version 3, counting weights into `extra_flows` too.
    static let weightedDropRollupFeed = Table(
        name: "drop_rollup_feed", columns: "", engine: "", view: View(source: "flows", target: "drop_rollup", select: """
            SELECT \(minute(of: "time")) AS minute, source, destination, protocol, toUInt16(\(SQLRules.connectionPort)) AS port,
                drop_reason, traffic_direction, countState() AS flows, sumState(toUInt64(greatest(weight, 1) - 1)) AS extra_flows,
                minState(time) AS first_time, maxState(time) AS last_time
            FROM {source} WHERE \(SQLRules.countsAsDrop)
            GROUP BY minute, source, destination, protocol, port, drop_reason, traffic_direction
            """))

    /// The SQL of the number of drops in the drops rollup's rows being grouped.
    static let rollupDropCount = "toInt64(countMerge(flows) + sumMerge(extra_flows))"
}
