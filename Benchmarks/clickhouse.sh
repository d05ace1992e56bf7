#!/usr/bin/env bash
# flowlog's ClickHouse backend, measured against clickhouse-client in the same run.
#
#   eval "$(bash .ci/clickhouse.sh start)"      # the local server and the two-shard cluster
#   bash Benchmarks/clickhouse.sh [N [STORED]]  # default N=1000000, STORED=N
#   FLOWLOG_BENCH_SKIP_INGEST=1 bash Benchmarks/clickhouse.sh 0 10000000   # the 10M query figures only
#
# 1. Generates N flow lines (Benchmarks/generate_flows.py), as Benchmarks/run.sh does.
# 2. Times (whole process, wall clock; median of three alternating rounds, with the server's CPU
#    seconds for each) `flowlog ingest` into a new database on the local server
#    (and its peak RSS), and `clickhouse-client --query "INSERT INTO t FORMAT JSONEachRow"` of the
#    same flows into an equivalent table, ClickHouse's own C++ parsing the JSON (the client parses an
#    INSERT's data and sends the server column blocks). ClickHouse 18.16 cannot read
#    Hubble's nested objects into columns (JSONEachRow wants flat rows; nested-JSON import came in
#    later releases), so the baseline gets the same flows flattened beforehand to the fields flowlog
#    stores (not timed): fewer bytes to read than flowlog's input, which favours the baseline.
# 3. Times `flowlog drops --namespace production` over the stored flows (median of 9), on the server
#    and through the two-shard cluster. With STORED other than N, STORED generated flows are piped
#    into their own databases (flowlog_bench_qSTORED, kept between runs) instead: 10M lines are
#    19 GB, so they are never written to disk.
# 4. Measures the drops rollup against the duplicate-proof alternative: an AggregatingMergeTree
#    holding uniqExactState(key) per minute and connection, built from the same flows (its size
#    and the time of the same drop query over it, through curl, median of 9).
# Results go to stdout and Benchmarks/out/clickhouse.md. The machine is shared: compare ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
STORED=${2:-$N}
OUT=Benchmarks/out
mkdir -p "$OUT"
RESULTS="$OUT/clickhouse.md"
: > "$RESULTS"
SERVER=${FLOWLOG_TEST_CLICKHOUSE:-http://127.0.0.1:18123}
SERVER=${SERVER#http://}
TCP_PORT=${FLOWLOG_BENCH_CLICKHOUSE_TCP_PORT:-19000}
CLUSTER=${FLOWLOG_TEST_CLICKHOUSE_CLUSTER:-127.0.0.1:18124/?cluster=flowlog_two_shards&shards=127.0.0.1:18124,127.0.0.1:18125}
# The shards' HTTP addresses (.ci/clickhouse.sh's), for an environment that predates shards=.
case "$CLUSTER" in *shards=*) ;; *) CLUSTER="$CLUSTER&shards=127.0.0.1:18124,127.0.0.1:18125" ;; esac
CLUSTER_URL="clickhouse://${CLUSTER%%/*}/flowlog_bench_cluster${CLUSTER#*/}"
for tool in python3 curl clickhouse-client; do
    command -v "$tool" >/dev/null || { echo "benchmark needs $tool" >&2; exit 1; }
done
swift build -c release >/dev/null
FLOWLOG="$(swift build -c release --show-bin-path)/flowlog"

source Benchmarks/common.sh
q() { curl -sS --max-time 600 "http://$SERVER/" --data-binary "$1"; }

FLOWS="$OUT/flows-$N.jsonl"
if [ ! -s "$FLOWS" ]; then
    echo "generating $N flows…" >&2
    python3 Benchmarks/generate_flows.py "$N" > "$FLOWS"
fi
FLAT="$OUT/flows-$N.flat.jsonl"
if [ ! -s "$FLAT" ]; then
    echo "flattening for the JSONEachRow baseline (not timed)…" >&2
    python3 - "$FLOWS" > "$FLAT" <<'PY'
import json, sys
out = sys.stdout
for line in open(sys.argv[1]):
    record = json.loads(line)
    f = record.get("flow", record)
    ip, l4 = f.get("IP", {}), f.get("l4", {})
    proto, ports = next(iter(l4.items()), ("", {}))
    src, dst = f.get("source", {}), f.get("destination", {})
    out.write(json.dumps({
        "time": f.get("time", ""), "uuid": f.get("uuid", ""), "verdict": f.get("verdict", ""),
        "drop_reason": f.get("drop_reason_desc", ""), "event_type": f.get("event_type", {}).get("type", 0),
        "source_ip": ip.get("source", ""), "destination_ip": ip.get("destination", ""), "protocol": proto,
        "source_port": ports.get("source_port", 0), "destination_port": ports.get("destination_port", 0),
        "source_namespace": src.get("namespace", ""), "source_pod": src.get("pod_name", ""),
        "source_labels": src.get("labels", []), "destination_namespace": dst.get("namespace", ""),
        "destination_pod": dst.get("pod_name", ""), "destination_labels": dst.get("labels", []),
        "node": f.get("node_name", ""), "traffic_direction": f.get("traffic_direction", ""),
        "is_reply": 1 if f.get("is_reply") else 0, "summary": f.get("Summary", ""),
    }, separators=(",", ":")) + "\n")
PY
fi
cat "$FLOWS" "$FLAT" > /dev/null   # warm the page cache

say "# flowlog on ClickHouse ($(q 'SELECT version()' | tr -d '\n'))"
say ""
say "machine: $(nproc) cores, $(uname -sr); $(date -u +%Y-%m-%dT%H:%M:%SZ); load $(cut -d' ' -f1-3 /proc/loadavg)"
say "input: $N flows, $(python3 -c "print(f'{$(stat -L -c %s "$FLOWS") / 1048576:.0f}')") MiB"
say ""
if [ "${FLOWLOG_BENCH_SKIP_INGEST:-0}" != 1 ]; then
say "## Ingest into one local server"
say ""
say "| contender | wall s | flows/s | flowlog speed-up | server CPU s |"
say "|---|---:|---:|---:|---:|"
# The server's CPU time per contender, when its PID is known (.ci/clickhouse.sh's layout): the
# two contenders share the machine's cores with the server, so its share is part of the cost.
SERVER_PID=${FLOWLOG_BENCH_SERVER_PID:-$(cat /tmp/flowlog-clickhouse-ci/single/pid 2>/dev/null || true)}
server_cpu() {
    if [ -n "$SERVER_PID" ] && [ -r "/proc/$SERVER_PID/stat" ]; then
        awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$SERVER_PID/stat"
    else
        echo ""
    fi
}
cpu_between() { [ -n "$1" ] && [ -n "$2" ] && python3 -c "print(f'{$2 - $1:.2f}')" || echo "n/a"; }

q "DROP DATABASE IF EXISTS flowlog_bench_json"
q "CREATE DATABASE flowlog_bench_json"
q "CREATE TABLE flowlog_bench_json.flows (time String, uuid String, verdict String, drop_reason String,
    event_type Int32, source_ip String, destination_ip String, protocol String, source_port UInt16,
    destination_port UInt16, source_namespace String, source_pod String, source_labels Array(String),
    destination_namespace String, destination_pod String, destination_labels Array(String), node String,
    traffic_direction String, is_reply UInt8, summary String) ENGINE = MergeTree ORDER BY time"
# Three rounds, the contenders alternating, each from an empty table; the median round of each
# (by wall time) is reported, so a burst of load on the shared machine hits both alike.
ROUNDS=${FLOWLOG_BENCH_ROUNDS:-3}
CLIENT_RUNS=(); INGEST_RUNS=()
for round in $(seq "$ROUNDS"); do
    q "TRUNCATE TABLE flowlog_bench_json.flows"
    cpu0=$(server_cpu); start=$(now)
    clickhouse-client --port "$TCP_PORT" --max_insert_block_size=65536 --query "INSERT INTO flowlog_bench_json.flows FORMAT JSONEachRow" < "$FLAT"
    end=$(now); CLIENT_RUNS+=("$(elapsed "$start" "$end") $(cpu_between "$cpu0" "$(server_cpu)")")
    q "DROP DATABASE IF EXISTS flowlog_bench"
    cpu0=$(server_cpu); start=$(now)
    /usr/bin/time -f "%M" -o "$OUT/ch-rss" "$FLOWLOG" --db "clickhouse://$SERVER/flowlog_bench" ingest "$FLOWS" 2>/dev/null
    end=$(now); INGEST_RUNS+=("$(elapsed "$start" "$end") $(cpu_between "$cpu0" "$(server_cpu)") $(( $(cat "$OUT/ch-rss") / 1024 ))")
    echo "round $round: clickhouse-client ${CLIENT_RUNS[-1]}, flowlog ${INGEST_RUNS[-1]} (wall s, server CPU s[, RSS MiB])" >&2
done
median_run() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
read -r CLIENT CLIENT_CPU <<< "$(median_run "${CLIENT_RUNS[@]}")"
read -r INGEST INGEST_CPU RSS <<< "$(median_run "${INGEST_RUNS[@]}")"
RSS=$(printf '%s\n' "${INGEST_RUNS[@]}" | awk '$3 > max { max = $3 } END { print max }')

say "| clickhouse-client INSERT … FORMAT JSONEachRow (flattened) | $CLIENT | $(python3 -c "print(f'{$N / $CLIENT:,.0f}')") | $(python3 -c "print(f'{$CLIENT / $INGEST:.2f}')")× | $CLIENT_CPU |"
say "| flowlog ingest | $INGEST | $(python3 -c "print(f'{$N / $INGEST:,.0f}')") | 1.00× | $INGEST_CPU |"
say ""
say "median of $ROUNDS alternating rounds; all rounds (wall s, server CPU s, flowlog RSS MiB): client ${CLIENT_RUNS[*]}; flowlog ${INGEST_RUNS[*]}"
say ""
say "flowlog ingest peak RSS (highest of the rounds): $RSS MiB"
say "re-ingesting the same file: $("$FLOWLOG" --db "clickhouse://$SERVER/flowlog_bench" ingest --verbose "$FLOWS" 2>&1 | tail -1)"
fi
ONE_URL="clickhouse://$SERVER/flowlog_bench"
if [ "$STORED" != "$N" ]; then
    ONE_URL="clickhouse://$SERVER/flowlog_bench_q$STORED"
    CLUSTER_URL="clickhouse://${CLUSTER%%/*}/flowlog_bench_q${STORED}_cluster${CLUSTER#*/}"
fi
stored_count() { "$FLOWLOG" --db "$1" stats 2>/dev/null | sed -n 's/^flows: *\([0-9,]*\).*/\1/p' | tr -d ','; }
say ""
say "## Queries over $STORED stored flows (median of 9 runs, whole process)"
say ""
say "| command | one server ms | two-shard cluster ms |"
say "|---|---:|---:|"
if [ "$STORED" = "$N" ]; then
    # A fresh database on every shard (the shards' HTTP addresses are the URL's shards=): one
    # left from an earlier build would be measured with that build's schema.
    SHARDS=${CLUSTER#*shards=}; SHARDS=${SHARDS%%&*}
    for shard in ${SHARDS//,/ }; do
        curl -sS "http://$shard/" --data-binary "DROP DATABASE IF EXISTS flowlog_bench_cluster" >/dev/null
    done
    "$FLOWLOG" --db "$CLUSTER_URL" ingest "$FLOWS" 2>/dev/null
else
    for url in "$ONE_URL" "$CLUSTER_URL"; do
        if [ "$(stored_count "$url")" != "$STORED" ]; then
            echo "piping $STORED generated flows into $url…" >&2
            start=$(now)
            python3 Benchmarks/generate_flows.py "$STORED" | "$FLOWLOG" --db "$url" ingest - 2>>"$OUT/ingest-stored.err"
            end=$(now)
            say "(ingested $STORED generated flows through stdin into $url in $(elapsed "$start" "$end") s, generator included)"
        fi
    done
fi
for args in "drops --namespace production" "drops --namespace production --since 2026-11-20T10:00:00Z" "drops --namespace production --since 2026-11-20T11:00:30.5Z" "drops --port 5432" "observe --last 20 --verdict DROPPED" "stats"; do
    # shellcheck disable=SC2086
    ONE=$(median_ms 9 "$FLOWLOG" --db "$ONE_URL" $args)
    # shellcheck disable=SC2086
    TWO=$(median_ms 9 "$FLOWLOG" --db "$CLUSTER_URL" $args)
    say "| $args | $ONE | $TWO |"
done

say ""
say "## The drops rollup against a uniqExactState(key) rollup (one server, $STORED flows)"
say ""
DB=${ONE_URL##*/}
q "DROP TABLE IF EXISTS $DB.bench_uniq_rollup"
q "CREATE TABLE $DB.bench_uniq_rollup (minute Int64, source UInt64, destination UInt64, protocol Int32, port UInt16,
    drop_reason Int32, traffic_direction Int32, flows AggregateFunction(uniqExact, UInt64),
    first_time AggregateFunction(min, Int64), last_time AggregateFunction(max, Int64))
    ENGINE = AggregatingMergeTree PARTITION BY intDiv(minute, 1440)
    ORDER BY (minute, source, destination, protocol, port, drop_reason, traffic_direction)"
q "INSERT INTO $DB.bench_uniq_rollup SELECT toInt64(intDiv(time, toInt64(60000000000))) AS minute, source, destination,
    protocol, toUInt16(CASE WHEN protocol NOT IN (1, 2, 3) THEN source_port WHEN is_reply = 1 THEN source_port ELSE destination_port END) AS port,
    drop_reason, traffic_direction, uniqExactState(key), minState(time), maxState(time)
    FROM $DB.flows WHERE verdict = 2 AND event_type != 5
    GROUP BY minute, source, destination, protocol, port, drop_reason, traffic_direction"
q "OPTIMIZE TABLE $DB.bench_uniq_rollup FINAL"
q "OPTIMIZE TABLE $DB.drop_rollup FINAL"
size() { q "SELECT concat(toString(sum(rows)), ' rows, ', formatReadableSize(sum(bytes_on_disk))) FROM system.parts WHERE database = '$DB' AND table = '$1' AND active" | tr -d '\n'; }
timed_query() {
    local times=()
    for _ in $(seq 9); do
        local start end
        start=$(now); q "$1" >/dev/null; end=$(now)
        times+=("$(python3 -c "print(($end - $start) * 1000)")")
    done
    printf '%s\n' "${times[@]}" | sort -n | python3 -c "import sys; v=[float(x) for x in sys.stdin]; print(f'{v[len(v)//2]:.1f}')"
}
IN_PRODUCTION="(SELECT key FROM $DB.endpoints WHERE namespace = 'production')"
say "| rollup | size | drops of namespace production, ms (curl) |"
say "|---|---|---:|"
say "| countState (flowlog's) | $(size drop_rollup) | $(timed_query "SELECT source, destination, protocol, port, drop_reason, countMerge(flows), minMerge(first_time), maxMerge(last_time) FROM $DB.drop_rollup WHERE source IN $IN_PRODUCTION OR destination IN $IN_PRODUCTION GROUP BY source, destination, protocol, port, drop_reason FORMAT RowBinary") |"
say "| uniqExactState(key) | $(size bench_uniq_rollup) | $(timed_query "SELECT source, destination, protocol, port, drop_reason, uniqExactMerge(flows), minMerge(first_time), maxMerge(last_time) FROM $DB.bench_uniq_rollup WHERE source IN $IN_PRODUCTION OR destination IN $IN_PRODUCTION GROUP BY source, destination, protocol, port, drop_reason FORMAT RowBinary") |"
say "| no rollup: flows FINAL | $(size flows) | $(timed_query "SELECT source, destination, protocol, count() FROM $DB.flows FINAL WHERE verdict = 2 AND event_type != 5 AND (source IN $IN_PRODUCTION OR destination IN $IN_PRODUCTION) GROUP BY source, destination, protocol FORMAT RowBinary") |"
q "DROP TABLE IF EXISTS $DB.bench_uniq_rollup"
