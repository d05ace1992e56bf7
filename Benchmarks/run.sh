#!/usr/bin/env bash
# flowlog throughput benchmarks, measured against the baselines in the same run.
#
#   bash Benchmarks/run.sh [N] [BIG]      defaults: N=1000000, BIG=10000000 (BIG=0 skips it)
#
# 1. Generates N realistic flow lines (Benchmarks/generate_flows.py) into a file.
# 2. Times, on that file, whole-process wall clock:
#      - the jq pipeline of the Cilium docs (jq | sort | uniq -c | sort -rn),
#      - the sqlite3 CLI loading it (.import into a one-column table, then INSERT … SELECT
#        json_extract(…) of the fields flowlog stores, in one transaction),
#      - DuckDB (pip-installed into a venv under Benchmarks/out by this script, never a flowlog
#        dependency; skipped with a note when pip cannot install it) loading it into a table of
#        the same fields (Benchmarks/duckdb_contender.py), with its peak memory and bytes per flow,
#      - flowlog ingest into a new database (and its peak memory),
#    and prints flowlog's speed-up over each.
# 3. Times flowlog drops --namespace production (and ad-hoc filters the rollup cannot serve), and
#    DuckDB's drops-by-label-pair query straight over the JSON file and over its table.
# 4. With BIG > 0: pipes BIG generated flows into `flowlog ingest -` (peak memory), times the
#    same queries over BIG stored flows, and measures growth: the same 1M newer flows ingested
#    into an empty database and into the one holding BIG flows.
# Results go to stdout and to Benchmarks/out/results.md. The machine is shared and noisy: compare
# the ratios, not the absolute times.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
BIG=${2:-10000000}
OUT=Benchmarks/out
mkdir -p "$OUT"
RESULTS="$OUT/results.md"
: > "$RESULTS"

for tool in jq sqlite3 python3; do
    command -v "$tool" >/dev/null || { echo "benchmark needs $tool" >&2; exit 1; }
done
swift build -c release >/dev/null
FLOWLOG="$(swift build -c release --show-bin-path)/flowlog"

source Benchmarks/common.sh

FLOWS="$OUT/flows-$N.jsonl"
if [ ! -s "$FLOWS" ]; then
    echo "generating $N flows…" >&2
    python3 Benchmarks/generate_flows.py "$N" > "$FLOWS"
fi
BYTES=$(stat -L -c %s "$FLOWS")
cat "$FLOWS" > /dev/null   # warm the page cache for every contender alike

say "# flowlog benchmarks"
say ""
say "machine: $(nproc) cores, $(uname -sr); $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say "input: $N flows, $(python3 -c "print(f'{$BYTES / 1048576:.0f}')") MiB, $(python3 -c "print(f'{$BYTES / $N:.0f}')") bytes per line"
say ""
say "## Ingest ($N flows)"
say ""
say "| contender | wall s | flows/s | flowlog speed-up |"
say "|---|---:|---:|---:|"

start=$(now)
jq '.flow.source.labels, .flow.destination.labels' "$FLOWS" | sort | uniq -c | sort -rn > /dev/null
end=$(now); JQ=$(elapsed "$start" "$end")

SQLDB="$OUT/sqlite3-cli.db"; rm -f "$SQLDB"
start=$(now)
sqlite3 "$SQLDB" <<SQL
CREATE TABLE raw(line TEXT);
.mode ascii
.separator "\037" "\n"
.import $FLOWS raw
BEGIN;
CREATE TABLE flows(time, uuid, verdict, drop_reason, event_type, event_sub_type, source_ip, destination_ip,
    source_port, destination_port, source_identity, source_namespace, source_pod, source_labels, source_workloads,
    destination_identity, destination_namespace, destination_pod, destination_labels, destination_workloads,
    traffic_direction, is_reply, node, flow_type, policy_match_type, summary, egress_allowed_by, ingress_allowed_by);
INSERT INTO flows SELECT
    json_extract(line, '\$.flow.time'), json_extract(line, '\$.flow.uuid'), json_extract(line, '\$.flow.verdict'),
    json_extract(line, '\$.flow.drop_reason_desc'), json_extract(line, '\$.flow.event_type.type'),
    json_extract(line, '\$.flow.event_type.sub_type'), json_extract(line, '\$.flow.IP.source'),
    json_extract(line, '\$.flow.IP.destination'),
    coalesce(json_extract(line, '\$.flow.l4.TCP.source_port'), json_extract(line, '\$.flow.l4.UDP.source_port')),
    coalesce(json_extract(line, '\$.flow.l4.TCP.destination_port'), json_extract(line, '\$.flow.l4.UDP.destination_port')),
    json_extract(line, '\$.flow.source.identity'), json_extract(line, '\$.flow.source.namespace'),
    json_extract(line, '\$.flow.source.pod_name'), json_extract(line, '\$.flow.source.labels'),
    json_extract(line, '\$.flow.source.workloads'), json_extract(line, '\$.flow.destination.identity'),
    json_extract(line, '\$.flow.destination.namespace'), json_extract(line, '\$.flow.destination.pod_name'),
    json_extract(line, '\$.flow.destination.labels'), json_extract(line, '\$.flow.destination.workloads'),
    json_extract(line, '\$.flow.traffic_direction'), json_extract(line, '\$.flow.is_reply'),
    json_extract(line, '\$.flow.node_name'), json_extract(line, '\$.flow.Type'),
    json_extract(line, '\$.flow.policy_match_type'), json_extract(line, '\$.flow.Summary'),
    json_extract(line, '\$.flow.egress_allowed_by'), json_extract(line, '\$.flow.ingress_allowed_by')
FROM raw;
COMMIT;
SQL
end=$(now); SQLITE=$(elapsed "$start" "$end")
rm -f "$SQLDB"

# DuckDB, installed by this benchmark into its own virtual environment.
DUCKDB_PY="$OUT/duckdb-venv/bin/python"
if [ ! -x "$DUCKDB_PY" ] || ! "$DUCKDB_PY" -c "import duckdb" 2>/dev/null; then
    echo "installing duckdb (pip, into $OUT/duckdb-venv)…" >&2
    { python3 -m venv "$OUT/duckdb-venv" && "$OUT/duckdb-venv/bin/pip" install -q duckdb; } >&2 || true
fi
DUCK=""
if "$DUCKDB_PY" -c "import duckdb" 2>/dev/null; then
    DUCKDB="$OUT/duckdb-$N.duckdb"; rm -f "$DUCKDB" "$DUCKDB.wal"
    start=$(now)
    /usr/bin/time -f "%M" -o "$OUT/duckdb-rss.txt" "$DUCKDB_PY" Benchmarks/duckdb_contender.py load "$FLOWS" "$DUCKDB" > /dev/null
    end=$(now); DUCK=$(elapsed "$start" "$end")
    DUCKRSS=$(tail -1 "$OUT/duckdb-rss.txt")
    DUCKVERSION=$("$DUCKDB_PY" -c "import duckdb; print(duckdb.__version__)")
else
    echo "DuckDB skipped: pip could not install duckdb" >&2
fi

DB="$OUT/flowlog-$N.db"; rm -f "$DB" "$DB-wal" "$DB-shm"
start=$(now)
/usr/bin/time -f "%M" -o "$OUT/ingest-rss.txt" "$FLOWLOG" ingest --db "$DB" "$FLOWS" 2> "$OUT/ingest.log" || { cat "$OUT/ingest.log" >&2; exit 1; }
end=$(now); INGEST=$(elapsed "$start" "$end")
RSS=$(tail -1 "$OUT/ingest-rss.txt")

say "| jq pipeline (jq \| sort \| uniq -c \| sort -rn) | $JQ | $(rate "$N" "$JQ") | $(ratio "$JQ" "$INGEST")× |"
say "| sqlite3 CLI (.import + INSERT … SELECT json_extract) | $SQLITE | $(rate "$N" "$SQLITE") | $(ratio "$SQLITE" "$INGEST")× |"
if [ -n "$DUCK" ]; then
    say "| DuckDB $DUCKVERSION (CREATE TABLE AS SELECT … FROM read_json) | $DUCK | $(rate "$N" "$DUCK") | $(ratio "$DUCK" "$INGEST")× |"
fi
say "| flowlog ingest | $INGEST | $(rate "$N" "$INGEST") | 1.0× |"
say ""
if [ -n "$DUCK" ]; then
    say "DuckDB load peak memory: $((DUCKRSS / 1024)) MiB; database: $(size_per_flow "$DUCKDB" "$N")"
fi
"$FLOWLOG" ingest --verbose --db "$DB" "$FLOWS" 2> "$OUT/reingest.log"
say "flowlog ingest peak memory: $((RSS / 1024)) MiB; database: $(size_per_flow "$DB" "$N")"
say "re-ingesting the same file: $(tail -1 "$OUT/reingest.log")"
say ""

queries() {
    local db=$1 label=$2
    say "## Queries over $label stored flows (median of 9 runs, whole process)"
    say ""
    say "| command | ms |"
    say "|---|---:|"
    say "| drops --namespace production | $(median_ms 9 "$FLOWLOG" drops --db "$db" --namespace production) |"
    say "| drops --namespace production --since 30m | $(median_ms 9 "$FLOWLOG" drops --db "$db" --namespace production --since 2026-11-20T10:30:00.5Z) |"
    say "| drops --to-ip 10.42.0.0/16 (ad hoc) | $(median_ms 9 "$FLOWLOG" drops --db "$db" --to-ip 10.42.0.0/16) |"
    say "| drops --port 5432 (ad hoc) | $(median_ms 9 "$FLOWLOG" drops --db "$db" --port 5432) |"
    say "| drops --node k8s-node-03 (ad hoc) | $(median_ms 9 "$FLOWLOG" drops --db "$db" --node k8s-node-03) |"
    say "| observe --last 20 --verdict DROPPED | $(median_ms 9 "$FLOWLOG" observe --db "$db" --last 20 --verdict DROPPED) |"
    say ""
}
queries "$DB" "$N"

if [ -n "$DUCK" ]; then
    say "## Drops by label pair: DuckDB against flowlog (whole process)"
    say ""
    say "| command | ms |"
    say "|---|---:|"
    say "| DuckDB over the JSON file (read_json, GROUP BY labels; 1 run) | $(median_ms 1 "$DUCKDB_PY" Benchmarks/duckdb_contender.py file-drops "$FLOWS") |"
    say "| DuckDB over its table (namespace production; median of 5) | $(median_ms 5 "$DUCKDB_PY" Benchmarks/duckdb_contender.py table-drops "$DUCKDB") |"
    say "| flowlog drops --namespace production (median of 9) | $(median_ms 9 "$FLOWLOG" drops --db "$DB" --namespace production) |"
    say ""
    rm -f "$DUCKDB" "$DUCKDB.wal"
fi

POLICIES="$OUT/policies-50"
rm -rf "$POLICIES"
python3 Benchmarks/make_policies.py "$POLICIES" 2>/dev/null
REPLAY_MS=$(median_ms 9 "$FLOWLOG" replay --db "$DB" --policies "$POLICIES")
CILIUM_POLICIES="$OUT/cilium-policies-50"
rm -rf "$CILIUM_POLICIES"
python3 Benchmarks/make_policies.py "$CILIUM_POLICIES" --cilium 2>/dev/null
CILIUM_REPLAY_MS=$(median_ms 9 "$FLOWLOG" replay --db "$DB" --policies "$CILIUM_POLICIES")
DROPS_MS=$(median_ms 9 "$FLOWLOG" drops --db "$DB")
say "## Replay of $N stored flows against 50 policies (median of 9 runs, whole process)"
say ""
say "| command | ms |"
say "|---|---:|"
say "| replay --policies (50 policies) | $REPLAY_MS |"
say "| replay --policies (50 CiliumNetworkPolicies) | $CILIUM_REPLAY_MS |"
say "| drops (same flows) | $DROPS_MS |"
say ""
say "replay: $(python3 -c "print(f'{$N / ($REPLAY_MS / 1000):,.0f}')") flows/s; $(ratio "$REPLAY_MS" "$DROPS_MS")× the time of drops"
say ""
say "replay (CiliumNetworkPolicies): $(python3 -c "print(f'{$N / ($CILIUM_REPLAY_MS / 1000):,.0f}')") flows/s; $(ratio "$CILIUM_REPLAY_MS" "$DROPS_MS")× the time of drops"
say ""

if [ "$BIG" -gt 0 ]; then
    BIGDB="$OUT/flowlog-$BIG.db"; rm -f "$BIGDB" "$BIGDB-wal" "$BIGDB-shm"
    start=$(now)
    python3 Benchmarks/generate_flows.py "$BIG" --seed 7 \
        | /usr/bin/time -f "%M" -o "$OUT/ingest-big-rss.txt" "$FLOWLOG" ingest --db "$BIGDB" - 2> "$OUT/ingest-big.log"
    end=$(now)
    BIGRSS=$(tail -1 "$OUT/ingest-big-rss.txt")
    say "## $BIG flows piped into flowlog ingest -"
    say ""
    say "wall $(elapsed "$start" "$end") s (generator and ingest together); ingest peak memory $((BIGRSS / 1024)) MiB; database $(size_per_flow "$BIGDB" "$BIG")"
    say ""
    queries "$BIGDB" "$BIG"

    # Growth: the same 1M flows, newer than every stored one (as a running ingest sees them),
    # into an empty database and into a copy of the one holding BIG flows, 3 rounds alternating
    # (the machine is shared: medians, and CPU seconds, which other load disturbs less than wall).
    GROW="$OUT/flows-grow-1000000.jsonl"
    python3 Benchmarks/generate_flows.py 1000000 --seed 9 --start 2026-11-21T10:00:00Z > "$GROW"
    cat "$GROW" > /dev/null
    GROWDB="$OUT/flowlog-grow.db"
    : > "$OUT/grow-empty.txt"; : > "$OUT/grow-full.txt"
    for _ in 1 2 3; do
        rm -f "$GROWDB" "$GROWDB-wal" "$GROWDB-shm"
        /usr/bin/time -a -o "$OUT/grow-empty.txt" -f "%e %U %S" "$FLOWLOG" ingest --db "$GROWDB" "$GROW" 2>/dev/null
        rm -f "$GROWDB" "$GROWDB-wal" "$GROWDB-shm"
        cp "$BIGDB" "$GROWDB"
        /usr/bin/time -a -o "$OUT/grow-full.txt" -f "%e %U %S" "$FLOWLOG" ingest --db "$GROWDB" "$GROW" 2>/dev/null
    done
    rm -f "$GROW" "$GROWDB" "$GROWDB-wal" "$GROWDB-shm"
    median_of() { python3 -c "import sys, statistics; rows=[l.split() for l in open('$1') if l.strip()]; print(f'{statistics.median(float(r[0]) if $2 == 0 else float(r[1]) + float(r[2]) for r in rows):.2f}')"; }
    EMPTY_S=$(median_of "$OUT/grow-empty.txt" 0); FULL_S=$(median_of "$OUT/grow-full.txt" 0)
    EMPTY_CPU=$(median_of "$OUT/grow-empty.txt" 1); FULL_CPU=$(median_of "$OUT/grow-full.txt" 1)
    say "## Growth: 1,000,000 newer flows ingested (whole process, median of 3 alternating runs)"
    say ""
    say "| into | wall s | flows/s | CPU s (user + sys) |"
    say "|---|---:|---:|---:|"
    say "| an empty database | $EMPTY_S | $(rate 1000000 "$EMPTY_S") | $EMPTY_CPU |"
    say "| a copy of the database holding $BIG flows | $FULL_S | $(rate 1000000 "$FULL_S") | $FULL_CPU |"
    say ""
    say "into the full database: throughput $(python3 -c "print(f'{($EMPTY_S / $FULL_S - 1) * 100:+.1f}')") %, CPU per flow $(python3 -c "print(f'{($FULL_CPU / $EMPTY_CPU - 1) * 100:+.1f}')") % against the empty one"
    say ""
fi
echo "results written to $RESULTS" >&2
