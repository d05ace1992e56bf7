#!/usr/bin/env bash
# Builds flowlog, ingests the sample capture into a fresh database and prints the drops report
# for the production namespace. Usage: bash SampleFlows/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release
flowlog="$(swift build -c release --show-bin-path)/flowlog"
database="$(mktemp -d)/flows.db"
"$flowlog" ingest --db "$database" SampleFlows/flows/production.jsonl
"$flowlog" drops --db "$database" --namespace production
echo
echo "database: $database (try: $flowlog observe --db $database --verdict DROPPED --last 10)"
