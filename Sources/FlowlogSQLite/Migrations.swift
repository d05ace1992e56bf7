import FlowlogModel
import FlowlogStore
/// The store's schema as an ordered list of migrations, recorded in `PRAGMA user_version`, and
/// flowlog's mark on its own files, `PRAGMA application_id`.
///
/// A shipped migration is never edited; a change is a new migration appended to ``all``.
enum Migrations {
    /// Migration `n` (1-based) brings the schema from version `n - 1` to `n`.
    static let all: [String] = [version1, version2, version3, version4, version5, lostEventsOnce, reportDescriptions,
                                   flowWeights, timeIndexWithoutUUID, flowsOrderedByTime]

    static var latestVersion: Int { all.count }

    /// flowlog's `PRAGMA application_id`: the ASCII bytes "Flow" (0x466C6F77), stored in every
    /// database flowlog creates. SQLite reserves the header field for exactly this: "used by
    /// applications that use SQLite as their application file-format" to recognise their files.
    static let applicationID: Int32 = 0x466C_6F77

    /// The tables every flowlog database has had since schema version 1; a database with these,
    /// a version of 1 or more and application_id 0 was made by a flowlog from before the id.
    static let version1Tables: Set<String> = [
        "label_sets", "endpoints", "strings", "flows", "drop_rollup", "flow_rollup", "lost_events",
        "non_flow_records",
    ]

    /// Checks that the database is flowlog's (or empty), then applies the migrations it lacks,
    /// each in its own exclusive transaction, and records flowlog's application id.
    ///
    /// Nothing is written to a database that is not flowlog's.
    /// - Throws: ``StoreError`` with kind `.foreignDatabase` for another application's database,
    ///   `.unknownSchema` for a schema version flowlog never wrote, `.newerSchema` when the
    ///   database is from a newer flowlog.
    static func migrate(_ connection: SQLiteConnection) throws(StoreError) {
        // The state is read again inside the write transaction, so two processes opening a new
        // database at once do not both apply the same migration.
        while true {
            let state = try SchemaState(connection)
            guard try state.needsMigration(connection.path) else { return }
            // EXCLUSIVE: in rollback-journal mode readers wait too, so nobody sees a schema half
            // made; in WAL mode it is the same as IMMEDIATE (one writer, readers see the last commit).
            try connection.execute("BEGIN EXCLUSIVE")
            do throws(StoreError) {
                let locked = try SchemaState(connection)
                if try locked.needsMigration(connection.path) {
                    if locked.userVersion < latestVersion {
                        let current = Int(locked.userVersion)
                        try connection.execute(all[current])
                        // PRAGMA takes no bound parameters; the value is an integer the code controls.
                        try connection.execute("PRAGMA user_version = \(current + 1)")
                    }
                    if locked.applicationID != applicationID {
                        try connection.execute("PRAGMA application_id = \(applicationID)")
                    }
                }
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }
}

/// What a database's header and schema say about who made it.
struct SchemaState {
    var applicationID: Int32
    var userVersion: Int64
    var tables: Set<String>
    /// Tables, indexes, views and triggers.
    var objectCount: Int

    /// Reads `PRAGMA application_id`, `PRAGMA user_version` and the names in `sqlite_schema`.
    ///
    /// One statement, so one snapshot: read separately, another process creating the schema in
    /// between would make a new database look like a foreign one (tables, but id 0).
    init(_ connection: SQLiteConnection) throws(StoreError) {
        let statement = try connection.prepare("""
            SELECT a.application_id, u.user_version, s.type, s.name
            FROM pragma_application_id AS a JOIN pragma_user_version AS u LEFT JOIN sqlite_schema AS s
            """)
        applicationID = 0
        userVersion = 0
        tables = []
        objectCount = 0
        while try statement.step() {
            // Both header fields are signed 32-bit integers; SQLite returns them as such.
            applicationID = Int32(truncatingIfNeeded: statement.int64(0))
            userVersion = statement.int64(1)
            guard !statement.isNull(2) else { continue }
            objectCount += 1
            if statement.string(2) == "table" { tables.insert(statement.string(3)) }
        }
    }

    /// Whether the database is empty: no schema objects and neither header field set.
    var isEmpty: Bool { applicationID == 0 && userVersion == 0 && objectCount == 0 }

    /// Whether flowlog has work to do on this database.
    /// - Throws: ``StoreError`` when the database is not flowlog's or has a schema version
    ///   flowlog cannot use.
    func needsMigration(_ path: String) throws(StoreError) -> Bool {
        let isFlowlog = applicationID == Migrations.applicationID
        let isEmpty = applicationID == 0 && userVersion == 0 && objectCount == 0
        let isFromBeforeTheID = applicationID == 0 && userVersion >= 1
            && Migrations.version1Tables.isSubset(of: tables)
        if userVersion < 0 || (isFlowlog && userVersion == 0 && objectCount > 0) {
            throw StoreError(kind: .unknownSchema(found: Int(userVersion)),
                             message: "the database has schema version \(userVersion), which no flowlog writes; it is damaged or not flowlog's",
                             path: path)
        }
        guard isFlowlog || isEmpty || isFromBeforeTheID else {
            let id = String(UInt32(bitPattern: applicationID), radix: 16, uppercase: true)
            let what = applicationID != 0 ? "application id 0x\(id)"
                : objectCount > 0 ? "tables but not flowlog's application id" : "schema version \(userVersion) but no flowlog tables"
            throw StoreError(kind: .foreignDatabase,
                             message: "not a flowlog database: the SQLite file has \(what); flowlog leaves it untouched (choose another --db)",
                             path: path)
        }
        guard userVersion <= Int64(Migrations.latestVersion) else {
            let version = Int(userVersion)
            throw StoreError(kind: .newerSchema(found: version, supported: Migrations.latestVersion),
                             message: "the database has schema version \(version), newer than this flowlog supports (\(Migrations.latestVersion)); upgrade flowlog",
                             path: path)
        }
        return userVersion < Int64(Migrations.latestVersion) || !isFlowlog
    }
}

extension Migrations {
    /// Times are nanoseconds since the Unix epoch (UTC). IPs are 4- or 16-byte blobs. Endpoints,
    /// label sets, node names, summaries and policy lists are interned: a flow row holds ids.
    static let version1 = """
        CREATE TABLE label_sets (
            id INTEGER PRIMARY KEY,
            labels TEXT NOT NULL UNIQUE          -- JSON array of "source:key=value" strings
        );
        CREATE TABLE endpoints (
            id INTEGER PRIMARY KEY,
            identity INTEGER NOT NULL,
            namespace TEXT NOT NULL,
            pod TEXT NOT NULL,
            cluster TEXT NOT NULL,
            label_set INTEGER NOT NULL REFERENCES label_sets(id),
            workloads TEXT NOT NULL,             -- JSON array of {"kind","name"}
            UNIQUE (identity, namespace, pod, cluster, label_set, workloads)
        );
        CREATE TABLE strings (
            id INTEGER PRIMARY KEY,
            value TEXT NOT NULL UNIQUE           -- node names, summaries, policy lists (JSON)
        );
        CREATE TABLE flows (
            id INTEGER PRIMARY KEY,
            time INTEGER NOT NULL,
            uuid BLOB,
            verdict INTEGER NOT NULL,
            drop_reason INTEGER NOT NULL,
            event_type INTEGER NOT NULL,
            event_sub_type INTEGER NOT NULL,
            flow_type INTEGER NOT NULL,
            source_ip BLOB,
            destination_ip BLOB,
            protocol INTEGER NOT NULL,
            source_port INTEGER NOT NULL,        -- ICMP: type
            destination_port INTEGER NOT NULL,   -- ICMP: code
            tcp_flags INTEGER NOT NULL,
            source INTEGER NOT NULL REFERENCES endpoints(id),
            destination INTEGER NOT NULL REFERENCES endpoints(id),
            traffic_direction INTEGER NOT NULL,
            is_reply INTEGER,                    -- NULL: unknown
            node INTEGER NOT NULL REFERENCES strings(id),
            policy_match_type INTEGER NOT NULL,
            trace_point INTEGER NOT NULL,
            summary INTEGER NOT NULL REFERENCES strings(id),
            policies INTEGER REFERENCES strings(id)
        );
        -- One index serves time ranges and de-duplication: a flow read twice has the same time and
        -- uuid, and flows arrive roughly in time order, so inserts append to the index instead of
        -- landing on random pages as a uuid-only index would. Flows without a uuid (NULL) are
        -- never equal to each other here.
        CREATE UNIQUE INDEX flows_by_time ON flows(time, uuid);
        -- Dropped flows only (a tenth of the rows), covering what drop queries read, so filters the
        -- rollup cannot answer (IPs, node, direction, source port) never touch the table.
        CREATE INDEX flows_drops ON flows(time, event_type, source, destination, protocol, source_port,
            destination_port, drop_reason, node, traffic_direction, source_ip, destination_ip, is_reply, verdict)
            WHERE verdict = 2;
        -- Drops pre-aggregated at ingest: one row per minute and (source, destination, port, reason).
        -- Each dropped packet counts once: policy-verdict twins of drop events are left out.
        CREATE TABLE drop_rollup (
            minute INTEGER NOT NULL,             -- minutes since the epoch
            source INTEGER NOT NULL,
            destination INTEGER NOT NULL,
            protocol INTEGER NOT NULL,
            port INTEGER NOT NULL,
            drop_reason INTEGER NOT NULL,
            count INTEGER NOT NULL,
            first_time INTEGER NOT NULL,
            last_time INTEGER NOT NULL,
            PRIMARY KEY (minute, source, destination, protocol, port, drop_reason)
        ) WITHOUT ROWID;
        -- Every flow pre-aggregated per hour and connection, for replaying recorded traffic against
        -- policies: the port is the connection's service port (a reply's source port), and an
        -- address is kept only for an endpoint that may not be a pod (ipBlock tells those apart).
        CREATE TABLE flow_rollup (
            hour INTEGER NOT NULL,               -- hours since the epoch
            source INTEGER NOT NULL,
            destination INTEGER NOT NULL,
            source_ip BLOB NOT NULL,             -- empty for pods
            destination_ip BLOB NOT NULL,
            protocol INTEGER NOT NULL,
            port INTEGER NOT NULL,
            is_reply INTEGER NOT NULL,           -- 0, 1, or 2 when unknown
            verdict INTEGER NOT NULL,
            drop_reason INTEGER NOT NULL,
            policy_verdict INTEGER NOT NULL,     -- 1 for policy-verdict events
            count INTEGER NOT NULL,
            first_time INTEGER NOT NULL,
            last_time INTEGER NOT NULL,
            PRIMARY KEY (hour, source, destination, source_ip, destination_ip, protocol, port, is_reply, verdict,
                drop_reason, policy_verdict)
        ) WITHOUT ROWID;
        CREATE TABLE lost_events (
            id INTEGER PRIMARY KEY,
            time INTEGER NOT NULL,
            node TEXT NOT NULL,
            source TEXT NOT NULL,
            count INTEGER NOT NULL,
            cpu INTEGER
        );
        CREATE INDEX lost_events_by_time ON lost_events(time);
        CREATE TABLE checkpoints (
            path TEXT PRIMARY KEY,
            device INTEGER NOT NULL,
            inode INTEGER NOT NULL,
            offset INTEGER NOT NULL,
            line INTEGER NOT NULL,
            head_hash INTEGER NOT NULL,          -- hash of the first head_length bytes, to notice replacement
            head_length INTEGER NOT NULL,
            updated INTEGER NOT NULL
        );
        CREATE TABLE non_flow_records (
            kind TEXT PRIMARY KEY,
            count INTEGER NOT NULL
        );
        """

    /// Report windows (`report --window last-report`) and a generation counter that `prune`
    /// bumps when it deletes interned rows, so long-running writers drop their id caches.
    static let version2 = """
        CREATE TABLE report_state (
            name TEXT PRIMARY KEY,
            until_time INTEGER NOT NULL
        );
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        );
        INSERT INTO meta (key, value) VALUES ('intern_generation', 0);
        """

    /// Input positions keyed by the file (device and inode) instead of its path, so every path,
    /// hard link and symlink of a file shares one position, and with what finding rotated
    /// backups needs: the live file they belong to, when it was opened, whether a backup was
    /// read to its end. The head index finds the same content under another inode (a copy or a
    /// gzip-compressed backup).
    static let version3 = """
        CREATE TABLE input_checkpoints (
            device INTEGER NOT NULL,
            inode INTEGER NOT NULL,
            path TEXT NOT NULL,                  -- the path it was last read under
            family TEXT NOT NULL,                -- the live file given to ingest (backups share it)
            offset INTEGER NOT NULL,             -- bytes of content (decompressed) read
            line INTEGER NOT NULL,
            head_hash INTEGER NOT NULL,
            head_length INTEGER NOT NULL,
            read_started INTEGER NOT NULL,       -- ns: when that run opened the live file
            finished INTEGER NOT NULL,           -- 1: a rotated backup read to its end
            updated INTEGER NOT NULL,
            PRIMARY KEY (device, inode)
        );
        CREATE INDEX input_checkpoints_by_head ON input_checkpoints(head_length, head_hash);
        CREATE INDEX input_checkpoints_by_family ON input_checkpoints(family, read_started);
        INSERT INTO input_checkpoints (device, inode, path, family, offset, line, head_hash, head_length,
            read_started, finished, updated)
            SELECT device, inode, path, path, offset, line, head_hash, head_length, updated, 0, updated
            FROM checkpoints WHERE true
            ON CONFLICT (device, inode) DO NOTHING;
        DROP TABLE checkpoints;
        """

    /// Endpoints are classified by one rule (``EndpointKind``), and the connection rollup keeps
    /// an address exactly for endpoints that are not pods. Rows written under the older rule
    /// are recounted from the flows after migrating, by Swift code (the rule is not SQL):
    /// ``SQLiteFlowStore/reclassifyRollupIfNeeded()`` does it when this flag is set.
    static let version4 = """
        INSERT INTO meta (key, value) VALUES ('flow_rollup_reclassify', 1)
            ON CONFLICT (key) DO UPDATE SET value = 1;
        """

    /// The DNS names Hubble records for a flow's addresses (`source_names`, `destination_names`,
    /// interned as JSON arrays; NULL for none), and the names of a connection's server side as
    /// part of the connection rollup's key, so connections that differ only in the names their
    /// server had are replayed apart (`toFQDNs` rules select by them). The rollup's primary key
    /// changes, so the table is rebuilt; rows written before carry no names (0).
    static let version5 = """
        ALTER TABLE flows ADD COLUMN source_names INTEGER REFERENCES strings(id);
        ALTER TABLE flows ADD COLUMN destination_names INTEGER REFERENCES strings(id);
        CREATE TABLE flow_rollup_v5 (
            hour INTEGER NOT NULL,
            source INTEGER NOT NULL,
            destination INTEGER NOT NULL,
            source_ip BLOB NOT NULL,
            destination_ip BLOB NOT NULL,
            protocol INTEGER NOT NULL,
            port INTEGER NOT NULL,
            connection_names INTEGER NOT NULL,   -- strings id of the server side's names (JSON); 0 for none
            is_reply INTEGER NOT NULL,
            verdict INTEGER NOT NULL,
            drop_reason INTEGER NOT NULL,
            policy_verdict INTEGER NOT NULL,
            count INTEGER NOT NULL,
            first_time INTEGER NOT NULL,
            last_time INTEGER NOT NULL,
            PRIMARY KEY (hour, source, destination, source_ip, destination_ip, protocol, port, connection_names,
                is_reply, verdict, drop_reason, policy_verdict)
        ) WITHOUT ROWID;
        INSERT INTO flow_rollup_v5 (hour, source, destination, source_ip, destination_ip, protocol, port, connection_names,
            is_reply, verdict, drop_reason, policy_verdict, count, first_time, last_time)
            SELECT hour, source, destination, source_ip, destination_ip, protocol, port, 0,
                is_reply, verdict, drop_reason, policy_verdict, count, first_time, last_time
            FROM flow_rollup;
        DROP TABLE flow_rollup;
        ALTER TABLE flow_rollup_v5 RENAME TO flow_rollup;
        """
}

extension Migrations {
    /// Lost-event records are stored once, like flows: a record read twice (the same standard
    /// input piped in twice) has the same time, node, source, count and CPU. Duplicates stored
    /// before are removed (the first of each is kept); the unique index makes later inserts of
    /// one skip (`INSERT OR IGNORE`). A missing CPU counts as -1, since NULLs never collide in
    /// a unique index.
    static let lostEventsOnce = """
        DELETE FROM lost_events WHERE id NOT IN (
            SELECT min(id) FROM lost_events GROUP BY time, node, source, count, ifnull(cpu, -1));
        CREATE UNIQUE INDEX IF NOT EXISTS lost_events_once ON lost_events(time, node, source, count, ifnull(cpu, -1));
        """
}

extension Migrations {
    /// Schema v7: report markers are kept
    /// per report selection (``report_state.name`` is the selection's marker name), and each
    /// selection's readable description is stored beside its marker. The one marker databases
    /// had before, `default`, is the unfiltered selection's, so it carries on; it gets that
    /// selection's description here. Written to be applied again safely (`IF NOT EXISTS`,
    /// `OR IGNORE`), as the lost-events migration is.
    static let reportDescriptions = """
        CREATE TABLE IF NOT EXISTS report_descriptions (
            name TEXT PRIMARY KEY,               -- report_state.name
            description TEXT NOT NULL
        );
        INSERT OR IGNORE INTO report_descriptions (name, description)
            SELECT name, 'all flows' FROM report_state WHERE name = 'default';
        """

    /// Version 8: Hubble's exporter aggregation. A flow row stands for `weight` flows (1 unless
    /// the record carried `aggregate` counts), and every count over flows sums the weights;
    /// existing rows get 1, which is what they stood for. The dropped-flows index is rebuilt with
    /// the weight at its end, so drop queries still read the index alone.
    static let flowWeights = """
        ALTER TABLE flows ADD COLUMN weight INTEGER NOT NULL DEFAULT 1;
        DROP INDEX flows_drops;
        CREATE INDEX flows_drops ON flows(time, event_type, source, destination, protocol, source_port,
            destination_port, drop_reason, node, traffic_direction, source_ip, destination_ip, is_reply, verdict, weight)
            WHERE verdict = 2;
        """
}

extension Migrations {
    /// Version 9: the flows' time index holds the time alone. The unique (time, uuid) index
    /// spent 39 of a flow's 124 bytes, most of them on the 16-byte uuid copied into every entry;
    /// a time-only entry takes about 17. A flow read twice is now found by looking its time up
    /// in this index and comparing the uuids of the rows with that time (in the write's
    /// transaction, see ``SQLiteFlowStore/write(_:)``), so what the unique index refused is still
    /// stored once. Existing rows are unique already. Written to be applied again safely.
    static let timeIndexWithoutUUID = """
        DROP INDEX IF EXISTS flows_by_time;
        CREATE INDEX IF NOT EXISTS flows_time ON flows(time);
        """
}

extension Migrations {
    /// Version 10: the flows table is ordered by time itself. It was a rowid table with a
    /// separate time index; the index cost 19 of a flow's 104 bytes and the rowid 3 more, to
    /// answer what the table's own order now answers (time ranges, the newest time, the flows of
    /// one time when looking for a repeat). The key is (time, seq): `seq` tells flows of the same
    /// nanosecond apart, 0 for the first one stored, counting up in the order they were stored,
    /// which is the order the rowid gave them before. Every row is copied (one table rebuild,
    /// once), in key order, so the new table's pages are full; the dropped-flows index is made
    /// again over it (its entries now end with `seq` where they ended with the rowid).
    static let flowsOrderedByTime = """
        CREATE TABLE flows_ordered (
            time INTEGER NOT NULL,
            seq INTEGER NOT NULL,                -- 0, 1, ... among flows with the same time, as stored
            uuid BLOB,
            verdict INTEGER NOT NULL,
            drop_reason INTEGER NOT NULL,
            event_type INTEGER NOT NULL,
            event_sub_type INTEGER NOT NULL,
            flow_type INTEGER NOT NULL,
            source_ip BLOB,
            destination_ip BLOB,
            protocol INTEGER NOT NULL,
            source_port INTEGER NOT NULL,        -- ICMP: type
            destination_port INTEGER NOT NULL,   -- ICMP: code
            tcp_flags INTEGER NOT NULL,
            source INTEGER NOT NULL REFERENCES endpoints(id),
            destination INTEGER NOT NULL REFERENCES endpoints(id),
            traffic_direction INTEGER NOT NULL,
            is_reply INTEGER,                    -- NULL: unknown
            node INTEGER NOT NULL REFERENCES strings(id),
            policy_match_type INTEGER NOT NULL,
            trace_point INTEGER NOT NULL,
            summary INTEGER NOT NULL REFERENCES strings(id),
            policies INTEGER REFERENCES strings(id),
            source_names INTEGER REFERENCES strings(id),
            destination_names INTEGER REFERENCES strings(id),
            weight INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (time, seq)
        ) WITHOUT ROWID;
        INSERT INTO flows_ordered (time, seq, uuid, verdict, drop_reason, event_type, event_sub_type, flow_type,
            source_ip, destination_ip, protocol, source_port, destination_port, tcp_flags, source, destination,
            traffic_direction, is_reply, node, policy_match_type, trace_point, summary, policies, source_names,
            destination_names, weight)
            SELECT time, row_number() OVER (PARTITION BY time ORDER BY id) - 1, uuid, verdict, drop_reason,
                event_type, event_sub_type, flow_type, source_ip, destination_ip, protocol, source_port,
                destination_port, tcp_flags, source, destination, traffic_direction, is_reply, node,
                policy_match_type, trace_point, summary, policies, source_names, destination_names, weight
            FROM flows ORDER BY time, id;
        DROP TABLE flows;
        ALTER TABLE flows_ordered RENAME TO flows;
        CREATE INDEX flows_drops ON flows(time, event_type, source, destination, protocol, source_port,
            destination_port, drop_reason, node, traffic_direction, source_ip, destination_ip, is_reply, verdict, weight)
            WHERE verdict = 2;
        """
}
