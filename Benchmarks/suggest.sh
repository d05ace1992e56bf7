#!/usr/bin/env bash
# Times `flowlog policy suggest` with its proof by replay over N stored flows (whole process).
#
#   bash Benchmarks/suggest.sh [N]      default: N=1000000; target: under 2 s for 1,000,000
#
# Reuses the flows file and database Benchmarks/run.sh leaves in Benchmarks/out (flows-N.jsonl,
# flowlog-N.db), and makes them when they are missing. Prints the median of 5 runs of
# `policy suggest` (all namespaces, policies to standard output, the proof on standard error),
# then the proof of the last run. Results are appended to Benchmarks/out/suggest.md.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
OUT=Benchmarks/out
mkdir -p "$OUT"
RESULTS="$OUT/suggest.md"
: > "$RESULTS"
source Benchmarks/common.sh

swift build -c release >/dev/null
FLOWLOG="$(swift build -c release --show-bin-path)/flowlog"

FLOWS="$OUT/flows-$N.jsonl"
DB="$OUT/flowlog-$N.db"
if [ ! -s "$DB" ]; then
    if [ ! -s "$FLOWS" ]; then
        echo "generating $N flows…" >&2
        python3 Benchmarks/generate_flows.py "$N" > "$FLOWS"
    fi
    echo "ingesting $N flows…" >&2
    "$FLOWLOG" ingest --db "$DB" "$FLOWS" 2> "$OUT/suggest-ingest.log" || { cat "$OUT/suggest-ingest.log" >&2; exit 1; }
fi

# Exit 3 (a recorded request the suggestion would deny) is a finding, not a failure of the run.
suggest() { "$FLOWLOG" policy suggest --db "$DB" 2> "$OUT/suggest-proof.txt" || [ $? -eq 3 ]; }

"$FLOWLOG" stats --db "$DB" | head -3 >&2
say "## flowlog policy suggest over $N stored flows"
say ""
say "machine: $(nproc) cores, $(uname -sr); $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say "command: $FLOWLOG policy suggest --db $DB (median of 5 runs, whole process)"
say "wall ms: $(median_ms 5 suggest)"
say "policies written: $("$FLOWLOG" policy suggest --db "$DB" 2>/dev/null | grep -c '^kind: NetworkPolicy' || true)"
say ""
say '```'
sed 's/^[0-9TZ:-]* //' "$OUT/suggest-proof.txt" | tee -a "$RESULTS"
say '```'
