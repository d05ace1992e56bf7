# Helpers shared by the benchmark scripts (sourced, not run). `say` appends to $RESULTS.

say() { echo "$*" | tee -a "$RESULTS"; }
now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.3f}')"; }
ratio() { python3 -c "print(f'{$1 / $2:.1f}')"; }
rate() { python3 -c "print(f'{$1 / $2:,.0f}')"; }
# "S MiB, B bytes per flow" for the database file $1 holding $2 flows.
size_per_flow() { python3 -c "import os; s=os.path.getsize('$1'); print(f'{s/1048576:.0f} MiB, {s/$2:.0f} bytes per flow')"; }

# Median wall time of a command run $1 times (whole process, output discarded).
median_ms() {
    local runs=$1; shift
    local times=()
    for _ in $(seq "$runs"); do
        local start end
        start=$(now); "$@" >/dev/null; end=$(now)
        times+=("$(python3 -c "print(($end - $start) * 1000)")")
    done
    printf '%s\n' "${times[@]}" | sort -n | python3 -c "import sys; v=[float(x) for x in sys.stdin]; print(f'{v[len(v)//2]:.1f}')"
}
