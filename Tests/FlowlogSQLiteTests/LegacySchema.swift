import Testing
@testable import FlowlogStore
@testable import FlowlogSQLite

/// SQL that takes a current database back to what earlier schema versions held, for the tests
/// of the migrations that bring it forward again.
enum LegacySchema {
    /// The flows table as versions 1 to 9 kept it — a rowid table (ids in time order here) with a
    /// separate time index, instead of the table keyed by (time, seq) of version 10 — as the
    /// migrations before version 10 make it on a scratch database. Run first: the older shapes
    /// below are changes to this one.
    static func rowidFlows() throws -> String {
        let scratch = try SQLiteConnection(path: ":memory:")
        let version = try #require(Migrations.all.firstIndex(of: Migrations.flowsOrderedByTime))
        for migration in Migrations.all.prefix(version) { try scratch.execute(migration) }
        let schema = try scratch.prepare(
            "SELECT type, sql FROM sqlite_schema WHERE tbl_name = 'flows' AND sql IS NOT NULL ORDER BY type = 'index', name")
        var table = ""
        var indexes: [String] = []
        while try schema.step() {
            if schema.string(0) == "table" { table = schema.string(1) } else { indexes.append(schema.string(1)) }
        }
        let columnList = try scratch.prepare("SELECT name FROM pragma_table_info('flows') WHERE name != 'id' ORDER BY cid")
        var columns: [String] = []
        while try columnList.step() { columns.append(columnList.string(0)) }
        let names = columns.joined(separator: ", ")
        return """
            DROP INDEX flows_drops;
            ALTER TABLE flows RENAME TO flows_ordered;
            \(table);
            INSERT INTO flows (\(names)) SELECT \(names) FROM flows_ordered ORDER BY time, seq;
            DROP TABLE flows_ordered;
            \(indexes.map { $0 + ";\n" }.joined())
            """
    }

    /// What a database from before version 8 lacks: the weight column and the dropped-flows
    /// index with it (after ``rowidFlows()``).
    static func withoutWeights() throws -> String {
        try rowidFlows() + """
            DROP INDEX flows_drops;
            ALTER TABLE flows DROP COLUMN weight;
            CREATE INDEX flows_drops ON flows(time, event_type, source, destination, protocol, source_port,
                destination_port, drop_reason, node, traffic_direction, source_ip, destination_ip, is_reply, verdict)
                WHERE verdict = 2;

            """
    }
}
