@testable import FlowlogSQLite

/// SQL that takes a current database back to what earlier schema versions held, for the tests
/// of the migrations that bring it forward again.
enum LegacySchema {
    /// The flows table as versions 1 to 9 kept it: a rowid table (ids in time order here) with a
    /// separate time index, instead of the table keyed by (time, seq) of version 10. Run first:
    /// the older shapes below are changes to this one.
    static let rowidFlows = """
        DROP INDEX flows_drops;
        ALTER TABLE flows RENAME TO flows_ordered;
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
            source_port INTEGER NOT NULL,
            destination_port INTEGER NOT NULL,
            tcp_flags INTEGER NOT NULL,
            source INTEGER NOT NULL REFERENCES endpoints(id),
            destination INTEGER NOT NULL REFERENCES endpoints(id),
            traffic_direction INTEGER NOT NULL,
            is_reply INTEGER,
            node INTEGER NOT NULL REFERENCES strings(id),
            policy_match_type INTEGER NOT NULL,
            trace_point INTEGER NOT NULL,
            summary INTEGER NOT NULL REFERENCES strings(id),
            policies INTEGER REFERENCES strings(id),
            source_names INTEGER REFERENCES strings(id),
            destination_names INTEGER REFERENCES strings(id),
            weight INTEGER NOT NULL DEFAULT 1
        );
        INSERT INTO flows (time, uuid, verdict, drop_reason, event_type, event_sub_type, flow_type, source_ip,
            destination_ip, protocol, source_port, destination_port, tcp_flags, source, destination, traffic_direction,
            is_reply, node, policy_match_type, trace_point, summary, policies, source_names, destination_names, weight)
            SELECT time, uuid, verdict, drop_reason, event_type, event_sub_type, flow_type, source_ip,
                destination_ip, protocol, source_port, destination_port, tcp_flags, source, destination,
                traffic_direction, is_reply, node, policy_match_type, trace_point, summary, policies, source_names,
                destination_names, weight
            FROM flows_ordered ORDER BY time, seq;
        DROP TABLE flows_ordered;
        CREATE INDEX flows_time ON flows(time);
        CREATE INDEX flows_drops ON flows(time, event_type, source, destination, protocol, source_port,
            destination_port, drop_reason, node, traffic_direction, source_ip, destination_ip, is_reply, verdict, weight)
            WHERE verdict = 2;

        """

    /// What a database from before version 8 lacks: the weight column and the dropped-flows
    /// index with it (after ``rowidFlows``).
    static let withoutWeights = rowidFlows + """
        DROP INDEX flows_drops;
        ALTER TABLE flows DROP COLUMN weight;
        CREATE INDEX flows_drops ON flows(time, event_type, source, destination, protocol, source_port,
            destination_port, drop_reason, node, traffic_direction, source_ip, destination_ip, is_reply, verdict)
            WHERE verdict = 2;

        """
}
