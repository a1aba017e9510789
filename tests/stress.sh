#!/usr/bin/env bash
# The suite under load: run it RUNS times (default 5) while two busy loops take both cores,
# as a loaded CI machine or a laptop compiling beside it would. Every run's result is
# printed and kept in .stress/; the exit status is the number of runs that failed.
#
#   tests/stress.sh            # 5 runs, README's test command each time
#   RUNS=2 tests/stress.sh -k chat
set -u
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
python=${PYTHON:-.venv/bin/python}
mkdir -p .stress
busy() { "$python" -c 'while True: pass' >/dev/null 2>&1 & echo $!; }
hogs="$(busy) $(busy)"
trap 'kill $hogs 2>/dev/null' EXIT
failed=0
for run in $(seq 1 "$runs"); do
    log=".stress/run-$run.log"
    start=$(date +%s)
    if "$python" -m pytest -n 2 -q -p no:cacheprovider "$@" >"$log" 2>&1; then
        verdict="passed"
    else
        verdict="FAILED"
        failed=$((failed + 1))
    fi
    summary=$(grep -E "passed|failed|error" "$log" | tail -1)
    echo "run $run/$runs: $verdict in $(( $(date +%s) - start )) s — $summary"
    grep -E "^(FAILED|ERROR) " "$log" | sed 's/^/    /'
done
echo "$((runs - failed)) of $runs runs passed with both cores busy"
exit "$failed"
