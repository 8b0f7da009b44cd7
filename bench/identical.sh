#!/usr/bin/env bash
# Byte-identical check for speed work: the same inputs must give the same output set, byte for byte.
#
#   bench/identical.sh save REFDIR [BIN]    # writes the reference output sets with BIN (build/embolo)
#   bench/identical.sh check REFDIR [BIN]   # runs BIN on the same inputs and cmp's every file
#
# Cases: the four reference sets of ../shared/data (net_sample_155, net_messy_155, lung, veteran), the
# sample's round-2 study, the procedures study with --procedures, the sample under the audit and share
# templates, and simulated cohorts (embolo simulate --seed 1) of IDENTICAL_SIZES ("10000 100000")
# patients, with procedures for the first. Every file of each output set is compared except
# manifest.json's stage timings ("wall_ms"), which are replaced by 0 before comparing.
# Exit status: 0 when every file is identical, 1 otherwise (the differing files are listed).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
ref=${2:-}
BIN=${3:-build/embolo}
SIZES=${IDENTICAL_SIZES:-"10000 100000"}
DATA=../shared/data
if [ "$mode" != save ] && [ "$mode" != check ] || [ -z "$ref" ]; then
    echo "usage: bench/identical.sh save|check REFDIR [BIN]" >&2
    exit 64
fi
work=$ref/check
if [ "$mode" = save ]; then work=$ref/sets; fi
cohorts=$ref/cohorts
mkdir -p "$work" "$cohorts"

# run_case NAME ARGS...: runs BIN run --quiet ARGS --out $work/NAME and blanks the manifest's timings.
run_case() {
    local name=$1 out=$work/$1
    shift
    rm -rf "$out"
    "$BIN" run --quiet "$@" --out "$out"
    sed -i 's/"wall_ms": [0-9.]*/"wall_ms": 0/g' "$out/manifest.json"
}

cases=()
for ds in net_sample_155 net_messy_155 lung veteran; do
    run_case "$ds" --study "$DATA/$ds.study.ini" --input "$DATA/$ds.csv"
    cases+=("$ds")
done
run_case round2 --study "$DATA/net_sample_155.round2.study.ini" --input "$DATA/net_sample_155.csv"
run_case procedures --study inputs/net_sample_155.procedures.study.ini --input inputs/net_sample_155.csv \
    --procedures inputs/net_sample_155.procedures.csv
run_case audit --template templates/audit.ini --as-of 2012-12-31
run_case share --template templates/share.ini
cases+=(round2 procedures audit share)
first=1
for n in $SIZES; do
    cohort=$cohorts/net_${n}.csv
    if [ ! -s "$cohort" ]; then
        "$BIN" simulate --n "$n" --seed 1 --out "$cohort" --procedures-out "$cohorts/net_${n}.procedures.csv"
    fi
    run_case "sim_$n" --study inputs/net_sample_155.study.ini --input "$cohort"
    cases+=("sim_$n")
    if [ "$first" = 1 ]; then
        run_case "sim_${n}_procedures" --study inputs/net_sample_155.procedures.study.ini --input "$cohort" \
            --procedures "$cohorts/net_${n}.procedures.csv"
        cases+=("sim_${n}_procedures")
        first=0
    fi
done
if [ "$mode" = save ]; then
    echo "identical: reference output sets saved in $work (${#cases[@]} sets)"
    exit 0
fi

failed=0
files=0
for c in "${cases[@]}"; do
    if ! diff -rq "$ref/sets/$c" "$work/$c" >/dev/null 2>&1; then
        diff -rq "$ref/sets/$c" "$work/$c" || true
        failed=$((failed + 1))
    fi
    files=$((files + $(find "$ref/sets/$c" -type f | wc -l)))
done
if [ "$failed" -gt 0 ]; then
    echo "identical: $failed of ${#cases[@]} output sets differ"
    exit 1
fi
echo "identical: ${#cases[@]} output sets, $files files, byte-identical"
