#!/usr/bin/env python3
"""DuckDB as a benchmark contender for flowlog (run by Benchmarks/run.sh, one step per process).

    python duckdb_contender.py load FLOWS DB      CREATE TABLE flows AS SELECT … FROM read_json(FLOWS)
    python duckdb_contender.py file-drops FLOWS  drops by label pair, straight from the JSON file
    python duckdb_contender.py table-drops DB    drops by label pair touching namespace production

The table has the fields the sqlite3 CLI contender extracts, so the loads are comparable.
DuckDB is installed by run.sh into a virtual environment under Benchmarks/out; it is never a
dependency of flowlog.
"""

import sys

import duckdb

ENDPOINT = ("STRUCT(identity UBIGINT, namespace VARCHAR, pod_name VARCHAR, labels VARCHAR[], "
            "workloads STRUCT(name VARCHAR, kind VARCHAR)[])")
PORTS = "STRUCT(source_port INTEGER, destination_port INTEGER)"
FLOW = (
    "STRUCT(time TIMESTAMP_NS, uuid VARCHAR, verdict VARCHAR, drop_reason_desc VARCHAR, "
    "event_type STRUCT(type INTEGER, sub_type INTEGER), "
    "\"IP\" STRUCT(source VARCHAR, destination VARCHAR), "
    f"l4 STRUCT(\"TCP\" {PORTS}, \"UDP\" {PORTS}), "
    f"source {ENDPOINT}, destination {ENDPOINT}, "
    "traffic_direction VARCHAR, is_reply BOOLEAN, node_name VARCHAR, \"Type\" VARCHAR, "
    "policy_match_type INTEGER, \"Summary\" VARCHAR, egress_allowed_by JSON, ingress_allowed_by JSON)"
)

SELECT_FIELDS = """
    flow.time AS time, flow.uuid AS uuid, flow.verdict AS verdict, flow.drop_reason_desc AS drop_reason,
    flow.event_type.type AS event_type, flow.event_type.sub_type AS event_sub_type,
    flow."IP".source AS source_ip, flow."IP".destination AS destination_ip,
    coalesce(flow.l4."TCP".source_port, flow.l4."UDP".source_port) AS source_port,
    coalesce(flow.l4."TCP".destination_port, flow.l4."UDP".destination_port) AS destination_port,
    flow.source.identity AS source_identity, flow.source.namespace AS source_namespace,
    flow.source.pod_name AS source_pod, flow.source.labels AS source_labels,
    flow.source.workloads AS source_workloads,
    flow.destination.identity AS destination_identity, flow.destination.namespace AS destination_namespace,
    flow.destination.pod_name AS destination_pod, flow.destination.labels AS destination_labels,
    flow.destination.workloads AS destination_workloads,
    flow.traffic_direction AS traffic_direction, flow.is_reply AS is_reply, flow.node_name AS node,
    flow."Type" AS flow_type, flow.policy_match_type AS policy_match_type, flow."Summary" AS summary,
    flow.egress_allowed_by AS egress_allowed_by, flow.ingress_allowed_by AS ingress_allowed_by
"""


def read_json(path):
    # The path is a benchmark file name chosen by run.sh; quoted as an SQL string literal.
    literal = "'" + path.replace("'", "''") + "'"
    return (f"read_json({literal}, format='newline_delimited', "
            f"columns={{'flow': '{FLOW}'}})")


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    step = argv[1]
    if step == "load":
        connection = duckdb.connect(argv[3])
        connection.execute(f"CREATE TABLE flows AS SELECT {SELECT_FIELDS} FROM {read_json(argv[2])}")
        count = connection.execute("SELECT count(*) FROM flows").fetchone()[0]
        connection.close()
        print(count)
    elif step == "file-drops":
        rows = duckdb.sql(f"""
            SELECT flow.source.labels, flow.destination.labels, count(*) AS n
            FROM {read_json(argv[2])} WHERE flow.verdict = 'DROPPED'
            GROUP BY ALL ORDER BY n DESC""").fetchall()
        print(len(rows))
    elif step == "table-drops":
        connection = duckdb.connect(argv[2], read_only=True)
        rows = connection.execute("""
            SELECT source_labels, destination_labels, count(*) AS n
            FROM flows WHERE verdict = 'DROPPED'
                AND (source_namespace = 'production' OR destination_namespace = 'production')
            GROUP BY ALL ORDER BY n DESC""").fetchall()
        print(len(rows))
    else:
        sys.exit(f"unknown step {step!r}\n{__doc__}")


if __name__ == "__main__":
    main(sys.argv)
