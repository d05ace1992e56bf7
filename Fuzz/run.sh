#!/usr/bin/env bash
# Builds and runs the libFuzzer targets: the flow-line decoder, the policy loader (NetworkPolicy and
# the Cilium kinds), and the
# filter flags read into a query (times, durations, selectors) with its window arithmetic.
#
#   bash Fuzz/run.sh [SECONDS]      default 60 seconds per target
#
# Each target is compiled with swiftc together with the library targets' sources as one module
# (the entry point needs the libraries' internals, and SwiftPM cannot link a libFuzzer main into
# an executable target), with -sanitize=fuzzer,address. The imports between the layer modules
# are dropped from the copies compiled here, since they are one module for the fuzzer. Corpora grow in Fuzz/corpus-*/ (seeded from
# SampleFlows); crashes are written to Fuzz/crashes/ and make the script exit non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
OUT=.build-fuzz
mkdir -p "$OUT" Fuzz/crashes
rm -rf "$OUT/src" && mkdir -p "$OUT/src"
for target in FlowlogModel FlowlogStore FlowlogSQLite FlowlogIngest FlowlogPolicy FlowlogEvaluation FlowlogReporting; do
    for file in Sources/$target/*.swift; do
        sed -E '/^(@testable )?import Flowlog[A-Za-z]+$/d' "$file" >"$OUT/src/$target-$(basename "$file")"
    done
done
mapfile -t CORE < <(find "$OUT/src" -name '*.swift' | sort)
COMMON=(-sanitize=fuzzer,address -parse-as-library -O -package-name flowlog -I Sources/CSQLite -I Sources/CYAML -I Sources/CZlib
        -lsqlite3 -lyaml -lz)

build() {
    # ld.gold warns about every sanitizer symbol it cannot export; the warnings go to a log.
    swiftc "${COMMON[@]}" -module-name "$1" "${CORE[@]}" "Fuzz/$2" -o "$OUT/$1" 2>"$OUT/$1.build.log" \
        || { cat "$OUT/$1.build.log" >&2; exit 1; }
}
build FuzzFlowDecoder FlowDecoderTarget.swift
build FuzzPolicyLoader PolicyLoaderTarget.swift
build FuzzFlowQueryFlags FlowQueryFlagsTarget.swift

mkdir -p Fuzz/corpus-flows Fuzz/corpus-policies Fuzz/corpus-flags
if [ -z "$(ls -A Fuzz/corpus-flows)" ]; then
    head -200 SampleFlows/flows/production.jsonl | split -l 1 - Fuzz/corpus-flows/sample-
fi
if [ -z "$(ls -A Fuzz/corpus-policies)" ]; then
    cp SampleFlows/policies/*.yaml SampleFlows/broken-policies/*.yaml Fuzz/corpus-policies/
fi
# The Cilium kinds (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy): added to an existing
# corpus too, under a prefix, since their names repeat the NetworkPolicy seeds'.
for seed in SampleFlows/policies-cilium/*.yaml SampleFlows/policies-cilium-mixed/*.yaml \
            SampleFlows/broken-policies-cilium/*.yaml SampleFlows/lint-cilium/*.yaml; do
    cp -n "$seed" "Fuzz/corpus-policies/cilium-$(basename "$(dirname "$seed")")-$(basename "$seed")"
done
if [ -z "$(ls -A Fuzz/corpus-flags)" ]; then
    # A "now" selector byte, then lines of (flag byte, value): 17 is --since, 18 --until, 6 --label,
    # 29 --drop-reason (10 is the line break; 29 modulo 19 is 10), 13 --from-ip (FlowQueryFlagsTarget.swift).
    printf '\x00\x112262-04-11T23:47:16.854775806Z' >Fuzz/corpus-flags/since-2262
    printf '\x00\x111677-09-21T00:12:43.145224193Z\n\x1224h' >Fuzz/corpus-flags/since-1677
    printf '\x03\x1199999999999d\n\x120s' >Fuzz/corpus-flags/durations
    printf '\x02\x111h30m\n\x062026-11-20T10:00:00+02:00' >Fuzz/corpus-flags/mixed
    printf '\x00\x06k8s:app=web,tier in (a,b),!canary\n\x1d133\n\x0d10.0.0.0/8' >Fuzz/corpus-flags/filters
fi

status=0
"$OUT/FuzzFlowDecoder" -max_total_time="$SECONDS_PER_TARGET" -max_len=4096 -artifact_prefix=Fuzz/crashes/flow- \
    Fuzz/corpus-flows 2>&1 | tail -4 || status=1
"$OUT/FuzzPolicyLoader" -max_total_time="$SECONDS_PER_TARGET" -max_len=8192 -artifact_prefix=Fuzz/crashes/policy- \
    Fuzz/corpus-policies 2>&1 | tail -4 || status=1
"$OUT/FuzzFlowQueryFlags" -max_total_time="$SECONDS_PER_TARGET" -max_len=512 -artifact_prefix=Fuzz/crashes/flags- \
    Fuzz/corpus-flags 2>&1 | tail -4 || status=1
exit $status
