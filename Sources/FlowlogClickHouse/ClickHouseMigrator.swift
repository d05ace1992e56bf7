import FlowlogStore

/// Creates the database and applies the migrations a server lacks; on a cluster, on every shard
/// listed in `system.clusters` (18.16 has no `ON CLUSTER` without ZooKeeper), with a
/// `Distributed` table over each shard's local table on every shard and on the entry server.
struct ClickHouseMigrator {
    let store: ClickHouseFlowStore
    /// Whether a database that does not exist is created (ingest); otherwise it is `.notFound`.
    var creates = true

    func migrate() throws(StoreError) {
        let location = store.location
        guard let cluster = location.cluster else {
            try migrate(store.client, cluster: nil)
            return
        }
        let shards = try shards(cluster)
        // A shard that cannot be reached is named before a store found missing on another.
        var missing: StoreError?
        for shard in shards {
            do {
                try migrate(shard, cluster: cluster)
            } catch where error.kind == .notFound {
                missing = missing ?? error
            }
        }
        if let missing { throw missing }
        store.shardClients = shards
        // The entry server may be a shard (then this is a no-op) or only a router.
        try migrate(store.client, cluster: cluster, distributedOnly: true)
    }

    /// A client per host of the cluster (every replica of every shard).
    func shards(_ cluster: String) throws(StoreError) -> [ClickHouseHTTPClient] {
        let location = store.location
        let answer = try store.execute("""
            SELECT toUInt32(shard_num), host_name, toUInt32(port) FROM system.clusters
            WHERE cluster = \(ClickHouseEscaping.literal(cluster)) ORDER BY shard_num, replica_num FORMAT RowBinary
            """)
        var reader = RowBinaryReader(answer, label: store.path)
        var servers: [(number: UInt32, host: String, tcpPort: UInt32)] = []
        while !reader.isAtEnd {
            servers.append((try reader.uint32(), try reader.string(), try reader.uint32()))
        }
        guard !servers.isEmpty else {
            throw StoreError(kind: .cannotOpen,
                             message: "ClickHouse at \(store.client.server) has no cluster named \(cluster) in system.clusters",
                             path: store.path)
        }
        if let given = location.shardAddresses, given.count != servers.count {
            let listed = servers.map { "shard \($0.number) \($0.host) (TCP \($0.tcpPort))" }.joined(separator: ", ")
            throw StoreError(kind: .cannotOpen,
                             message: "shards= lists \(given.count) HTTP addresses, but cluster \(cluster) has \(servers.count) servers: \(listed)",
                             path: store.path)
        }
        return servers.enumerated().map { index, server in
            // The HTTP address given for it, else its host on the URL's port.
            let address = location.shardAddresses?[index] ?? ShardAddress(host: server.host, port: location.port)
            let shown = address.host.contains(":") ? "[\(address.host)]:\(address.port)" : "\(address.host):\(address.port)"
            return ClickHouseHTTPClient(host: address.host, port: address.port, user: location.user, password: location.password,
                                        timeout: location.timeout, label: "\(location.description) shard \(server.number) (\(shown))")
        }
    }

    /// The schema version `client` has applied, in one round trip for a store that exists; nil
    /// when its database or version table does not exist yet.
    private func appliedVersion(_ client: ClickHouseHTTPClient) throws(StoreError) -> Int? {
        let versions = ClickHouseSchema.versionsTable
        do {
            var reader = RowBinaryReader(try client.execute(
                "SELECT toUInt32(max(version)) FROM \(store.database).\(versions.name) FORMAT RowBinary"), label: client.label)
            return reader.isAtEnd ? 0 : Int(try reader.uint32())
        } catch {
            // 81 UNKNOWN_DATABASE, 60 UNKNOWN_TABLE: a store not created yet.
            if let code = error.backend?.code, code == 81 || code == 60 { return nil }
            throw error
        }
    }

    private func migrate(_ client: ClickHouseHTTPClient, cluster: String?, distributedOnly: Bool = false) throws(StoreError) {
        let database = store.database
        if distributedOnly {
            // Every table and added column present (the usual case): nothing to do, in one round trip.
            // (Views and server-local tables have no Distributed table on the entry server.)
            let tables = ClickHouseSchema.all.flatMap(\.tables).filter { $0.view == nil && !$0.isServerLocal }
            let columns = ClickHouseSchema.all.flatMap(\.addedColumns)
            let names = tables.map { ClickHouseEscaping.literal($0.name) }.joined(separator: ",")
            let databaseLiteral = ClickHouseEscaping.literal(database)
            let tableCount = "(SELECT count() FROM system.tables WHERE database = \(databaseLiteral) AND name IN (\(names)))"
            var columnCount = "0"
            if !columns.isEmpty {
                columnCount = "(SELECT count() FROM system.columns WHERE database = \(databaseLiteral) AND ("
                    + columns.map { "(table = \(ClickHouseEscaping.literal($0.table)) AND name = \(ClickHouseEscaping.literal($0.name)))" }
                        .joined(separator: " OR ") + "))"
            }
            let flowsCount = "(SELECT count() FROM system.tables WHERE database = \(databaseLiteral) AND name = 'flows')"
            var reader = RowBinaryReader(try client.execute(
                "SELECT toUInt64(\(tableCount)), toUInt64(\(columnCount)), toUInt64(\(flowsCount)) FORMAT RowBinary"),
                label: client.label)
            let (presentTables, presentColumns, hasFlows) = (try reader.uint64(), try reader.uint64(), try reader.uint64())
            if presentTables == UInt64(tables.count) && presentColumns == UInt64(columns.count) { return }
            // No flows table: a store that was never created (only ingest creates one). Tables
            // of later versions or columns missing: an older store, upgraded by any command.
            if hasFlows == 0 { try requireCreating(client) }
            try client.execute("CREATE DATABASE IF NOT EXISTS \(database)")
            for table in tables { try client.execute(distributed(table, cluster: cluster ?? "")) }
            for column in columns { try addColumn(column, to: column.table, client) }
            return
        }
        let versions = ClickHouseSchema.versionsTable
        let applied: Int
        if let known = try appliedVersion(client) {
            applied = known
        } else {
            try requireCreating(client)
            try client.execute("CREATE DATABASE IF NOT EXISTS \(database)")
            try client.execute("CREATE TABLE IF NOT EXISTS \(database).\(versions.name) (\(versions.columns)) ENGINE = \(versions.engine)")
            applied = try appliedVersion(client) ?? 0
        }
        guard applied <= ClickHouseSchema.latestVersion else {
            throw StoreError(kind: .newerSchema(found: applied, supported: ClickHouseSchema.latestVersion),
                             message: "the database has schema version \(applied), newer than this flowlog supports (\(ClickHouseSchema.latestVersion)); upgrade flowlog",
                             path: client.label)
        }
        guard applied < ClickHouseSchema.latestVersion else { return }
        for version in (applied + 1)...ClickHouseSchema.latestVersion {
            // CREATE … IF NOT EXISTS: two processes migrating at once both succeed.
            let migration = ClickHouseSchema.all[version - 1]
            for table in migration.tables {
                if let view = table.view {
                    try createView(table.name, view, on: client, suffix: cluster == nil ? "" : "_local")
                } else if table.isServerLocal {
                    try client.execute("CREATE TABLE IF NOT EXISTS \(database).\(table.name) (\(table.columns)) ENGINE = \(table.engine)")
                } else if let cluster {
                    try client.execute("CREATE TABLE IF NOT EXISTS \(database).\(table.name)_local (\(table.columns)) ENGINE = \(table.engine)")
                    try client.execute(distributed(table, cluster: cluster))
                } else {
                    try client.execute("CREATE TABLE IF NOT EXISTS \(database).\(table.name) (\(table.columns)) ENGINE = \(table.engine)")
                }
            }
            for column in migration.addedColumns {
                // On a cluster both the shard's table and the Distributed table over it get the column.
                if cluster != nil { try addColumn(column, to: column.table + "_local", client) }
                try addColumn(column, to: column.table, client)
            }
            for table in migration.replacedViews {
                guard let view = table.view else { continue }
                try replaceView(table.name, view, on: client, suffix: cluster == nil ? "" : "_local")
            }
            try client.execute("INSERT INTO \(database).\(versions.name) (version, applied) VALUES (\(version), \(realTimeNanos()))")
        }
    }

    /// Adds `column` to `table` unless it is there. 18.16 has no `ADD COLUMN IF NOT EXISTS`, so
    /// `system.columns` is asked first, and a concurrent migration that added it in between
    /// (error 44, "column with this name already exists") counts as done.
    private func addColumn(_ column: ClickHouseSchema.AddedColumn, to table: String,
                           _ client: ClickHouseHTTPClient) throws(StoreError) {
        let database = store.database
        var reader = RowBinaryReader(try client.execute("""
            SELECT toUInt64(count()) FROM system.columns WHERE database = \(ClickHouseEscaping.literal(database))
                AND table = \(ClickHouseEscaping.literal(table)) AND name = \(ClickHouseEscaping.literal(column.name)) FORMAT RowBinary
            """), label: client.label)
        guard try reader.uint64() == 0 else { return }
        do {
            try client.execute("ALTER TABLE \(database).\(table) ADD COLUMN \(column.name) \(column.type)")
        } catch {
            if error.backend?.code == 44 { return }
            throw error
        }
    }

    /// Throws `.notFound` unless this migrator creates stores: `client` has no flowlog store
    /// (no database, or a database without flowlog's tables).
    private func requireCreating(_ client: ClickHouseHTTPClient) throws(StoreError) {
        guard !creates else { return }
        let place = store.location.cluster == nil || client === store.client ? store.path : client.label
        throw StoreError(kind: .notFound, message: "no flow database here", path: place)
    }

    /// The Distributed table over each shard's `<name>_local`, rows spread by the table's sharding key.
    private func distributed(_ table: ClickHouseSchema.Table, cluster: String) -> String {
        let database = store.database
        return """
            CREATE TABLE IF NOT EXISTS \(database).\(table.name) (\(table.columns))
            ENGINE = Distributed(\(cluster), \(database), \(table.name)_local, \(table.shardingKey))
            """
    }

    /// Creates a materialized view on one server (on a cluster, between that shard's local
    /// tables) and fills its target from the rows stored before, collapsed (`FINAL`). The fill
    /// runs only when this call created the view (of concurrent upgrades, one); rows inserted between the two statements by
    /// an ingest running during the upgrade would be counted by both, so the README asks for
    /// the upgrade with no ingest running (the first command of the new flowlog makes it).
    private func createView(_ name: String, _ view: ClickHouseSchema.View, on client: ClickHouseHTTPClient,
                            suffix: String) throws(StoreError) {
        let database = store.database
        var reader = RowBinaryReader(try client.execute("""
            SELECT toUInt64(count()) FROM system.tables WHERE database = \(ClickHouseEscaping.literal(database))
                AND name = \(ClickHouseEscaping.literal(name + suffix)) FORMAT RowBinary
            """), label: client.label)
        guard try reader.uint64() == 0 else { return }
        let source = "\(database).\(view.source)\(suffix)"
        let target = "\(database).\(view.target)\(suffix)"
        // No IF NOT EXISTS: of two commands upgrading at once, the server lets one create the
        // view and refuses the other (57, TABLE_ALREADY_EXISTS), so exactly one fills it.
        do {
            try client.execute("""
                CREATE MATERIALIZED VIEW \(database).\(name)\(suffix) TO \(target)
                AS \(view.select.replacing("{source}", with: source))
                """)
        } catch {
            if error.backend?.code == 57 { return }
            throw error
        }
        try client.execute("INSERT INTO \(target) \(view.select.replacing("{source}", with: source + " FINAL"))")
    }

    /// Drops the materialized view `name` (if there) and creates it with `view`'s select,
    /// without filling its target again. Two processes migrating at once both end with the
    /// same view.
    private func replaceView(_ name: String, _ view: ClickHouseSchema.View, on client: ClickHouseHTTPClient,
                             suffix: String) throws(StoreError) {
        let database = store.database
        let source = "\(database).\(view.source)\(suffix)"
        try client.execute("DROP TABLE IF EXISTS \(database).\(name)\(suffix)")
        try client.execute("""
            CREATE MATERIALIZED VIEW IF NOT EXISTS \(database).\(name)\(suffix) TO \(database).\(view.target)\(suffix)
            AS \(view.select.replacing("{source}", with: source))
            """)
    }
}
