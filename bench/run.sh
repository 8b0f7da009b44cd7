#!/usr/bin/env bash
# `make bench`: times the whole `embolo run` on synthetic NET cohorts of several sizes and, where R with
# the survival and nnet packages is installed, the same analysis in R (bench/bench.R) on the same files.
#
#   bench/run.sh                      # or: make bench
#
# Steps: builds build/embolo (make) and runs a private copy of it (a rebuild during the benchmark cannot
# change the program being timed); writes the cohorts with `embolo simulate --n N --seed SEED` into
# build/bench/ (kept between runs: regenerated only when missing or older than pipeline/simulate.c);
# runs `embolo run --input COHORT --study inputs/net_sample_155.study.ini --out DIR --quiet` RUNS times
# under /usr/bin/time -v (5 times up to n = 10,000, 3 above); reports the median wall time (measured
# around the command, nanosecond clock) and the largest peak RSS ("Maximum resident set size"), with
# the stage timings of the last run's manifest.json. The same run with the cohort's procedures
# (`simulate --procedures-out`, `--study inputs/net_sample_155.procedures.study.ini --procedures FILE`:
# the safety audit of procedures.md) is timed the same way, and its columns give the time it adds. R is run once per size (the same count as embolo up
# to 10,000) and only up to BENCH_R_MAX_N patients: survival's robust variance of a weighted Efron fit is
# quadratic in n (about 300 s for the whole script at n = 100,000), so 1e6 would take hours.
# Where R ran, bench/compare_r.py checks embolo's results.csv against R's results_R.csv for the same
# cohort, line by line (the tolerances of shared/tools/compare_results.py); its report is kept in
# build/bench/R_compare_N.txt and the table's column "agrees with R" gives passed / compared lines.
# The table is printed and written to build/bench/results.md. R is never needed by the build or tests.
# Exit status: non-zero when an embolo run fails (at once) or, after the table is written, when a line
# of R's results disagrees with embolo's or cannot be compared.
#
# R's run at each size is its full analysis (BENCH_R_OUTPUTS=1: also the Kaplan-Meier figures, with
# survminer's ggsurvplot where survminer is installed, and, with openxlsx, the workbook) except at n = 30,000, where it is the statistics alone (survival + nnet, no
# outputs), as issue 17's goals compare. A first table gives those goals beside each size.
#
# Settings (environment): BENCH_SIZES ("155 10000 30000 100000 1000000"; 10000000 is one more goal, some
# minutes and GBs), BENCH_SEED (1), BUILD (build),
# BENCH_R_MAX_N (100000; 0 skips R), BENCH_R_TIMEOUT (seconds per R run, 1800), BENCH_RUNS_SMALL (5),
# BENCH_RUNS_LARGE (3).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
SIZES=${BENCH_SIZES:-"155 10000 30000 100000 1000000"}
SEED=${BENCH_SEED:-1}
R_MAX_N=${BENCH_R_MAX_N:-100000}
R_TIMEOUT=${BENCH_R_TIMEOUT:-1800}
RUNS_SMALL=${BENCH_RUNS_SMALL:-5}
RUNS_LARGE=${BENCH_RUNS_LARGE:-3}
STUDY=inputs/net_sample_155.study.ini
PROCEDURES_STUDY=inputs/net_sample_155.procedures.study.ini
DIR=$BUILD/bench
TIME=/usr/bin/time

if [ ! -x "$TIME" ]; then
    echo "bench: $TIME is missing (Debian package 'time'; make bench installs it)" >&2
    exit 1
fi
"${MAKE:-make}" --no-print-directory BUILD="$BUILD" "$BUILD/embolo"
mkdir -p "$DIR"
BIN=$DIR/embolo
cp "$BUILD/embolo" "$BIN"

have_openxlsx="no"
have_survminer="no"
have_r=0
if command -v Rscript >/dev/null 2>&1 &&
    Rscript -e 'suppressPackageStartupMessages({library(survival); library(nnet)})' >/dev/null 2>&1; then
    have_r=1
    if Rscript -e 'quit(status = !requireNamespace("openxlsx", quietly = TRUE))' >/dev/null 2>&1; then
        have_openxlsx="yes"
    fi
    if Rscript -e 'quit(status = !requireNamespace("survminer", quietly = TRUE))' >/dev/null 2>&1; then
        have_survminer="yes"
    fi
fi

# measure OUT_PREFIX CMD...: runs CMD once under /usr/bin/time -v; sets wall_us and rss_kb. Fails (with
# the command's stderr) when the command fails.
measure() {
    local prefix=$1 start end
    shift
    start=$(date +%s%N)
    if ! "$TIME" -v -o "$prefix.time" "$@" >"$prefix.stdout" 2>"$prefix.stderr"; then
        echo "bench: failed: $*" >&2
        cat "$prefix.stderr" "$prefix.time" >&2
        return 1
    fi
    end=$(date +%s%N)
    wall_us=$(((end - start) / 1000))
    rss_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$prefix.time")
}

# series RUNS OUT_PREFIX CMD...: runs CMD RUNS times; sets median_s (median wall, seconds) and max_rss_mb.
series() {
    local runs=$1 prefix=$2 walls=() max_rss=0
    shift 2
    for ((i = 1; i <= runs; i++)); do
        measure "$prefix" "$@" || return 1
        walls+=("$wall_us")
        if [ "$rss_kb" -gt "$max_rss" ]; then max_rss=$rss_kb; fi
    done
    median_s=$(printf '%s\n' "${walls[@]}" | sort -n |
        awk '{ w[NR] = $1 } END { m = NR % 2 ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2; printf "%.3f", m / 1e6 }')
    max_rss_mb=$(awk -v k="$max_rss" 'BEGIN { printf "%.0f", k / 1024 }')
}

# Stage wall times of a manifest.json and the rest of WALL_US (rendering, writing, start-up) in ms:
# "ingest 97, clean 319, ..., rest 4900"; empty if the manifest cannot be read.
stages_of() {
    tr '{' '\n' <"$1" 2>/dev/null |
        sed -n 's/.*"name": *"\([a-z_]*\)", *"wall_ms": *\([0-9.]*\).*/\1 \2/p' |
        awk -v wall="$2" '{ printf "%s%s %.0f", (NR > 1 ? ", " : ""), $1, $2; sum += $2 }
            END { if (NR) printf ", rest %.0f", wall / 1000 - sum }' || true
}

# goal_of N: issue 17's goal at this size ("ratio MIN" against R, or "absolute SECONDS MB"), empty if none.
goal_of() {
    case $1 in
    155) echo "absolute 0.1 -" ;;
    10000) echo "ratio 25" ;;
    30000) echo "ratio 50" ;;
    100000) echo "ratio 50" ;;
    1000000) echo "absolute 8 500" ;;
    10000000) echo "absolute 90 4096" ;;
    esac
}

# r_mode_of N: "statistics" (R's survival + nnet alone) at n = 30,000, else "full" (with its outputs).
r_mode_of() {
    if [ "$1" = 30000 ]; then echo statistics; else echo full; fi
}

# goal_row N WALL_S RSS_MB R_S RATIO AGREE: the line of the goals table, with whether the goal is met.
goal_row() {
    local n=$1 wall=$2 rss=$3 r_s=$4 ratio=$5 agree=$6 goal met text
    goal=$(goal_of "$n")
    case $goal in
    ratio*)
        text=">= ${goal#ratio }x R's $(r_mode_of "$n") analysis"
        met=$(awk -v r="$ratio" -v g="${goal#ratio }" 'BEGIN { if (r == "-" || r == "") print "not measured"; else print (r + 0 >= g + 0 ? "yes" : "no") }')
        ;;
    absolute*)
        set -- $goal
        text="< $2 s"
        if [ "$3" != - ]; then text="$text, < $3 MB"; fi
        met=$(awk -v w="$wall" -v m="$rss" -v gw="$2" -v gm="$3" 'BEGIN { print (w + 0 < gw + 0 && (gm == "-" || m + 0 < gm + 0) ? "yes" : "no") }')
        ;;
    *)
        text="-"
        met="-"
        ;;
    esac
    echo "| $n | $wall | $rss | $r_s | $ratio | $agree | $text | $met |"
}

# compare_with_r N OUT: checks OUT/results.csv against R's results for the same cohort with
# bench/compare_r.py (report in $DIR/R_compare_N.txt, also printed); sets agree (the table's cell) and
# adds to disagree when a line differs or the comparison cannot be made.
compare_with_r() {
    local n=$1 out=$2 report=$DIR/R_compare_$1.txt status=0 summary
    if ! command -v python3 >/dev/null 2>&1; then
        agree="not checked (no python3)"
        return 0
    fi
    python3 bench/compare_r.py "$DIR/R_out_$n/results_R.csv" "$out/results.csv" --n "$n" >"$report" 2>&1 ||
        status=$?
    cat "$report" >&2
    summary=$(sed -n 's/^R agreement at n = [0-9?]*: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$report")
    if [ "$status" = 0 ] && [ -n "$summary" ]; then
        agree="${summary% *} / ${summary% *}"
    else
        if [ -n "$summary" ]; then
            agree="**${summary#* } failed** of $((${summary% *} + ${summary#* }))"
        else
            agree="**comparison failed**"
        fi
        disagree+=("n = $n: see $report")
    fi
}

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit (uncommitted changes)"; fi
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)

rows=()
goal_rows=()
disagree=()
for n in $SIZES; do
    cohort=$DIR/net_${n}_seed${SEED}.csv
    procedures=$DIR/net_${n}_seed${SEED}.procedures.csv
    if [ ! -s "$cohort" ] || [ ! -s "$procedures" ] || [ pipeline/simulate.c -nt "$cohort" ]; then
        echo "bench: writing $cohort and $procedures" >&2
        "$BIN" simulate --n "$n" --seed "$SEED" --out "$cohort" --procedures-out "$procedures"
    fi
    runs=$RUNS_LARGE
    if [ "$n" -le 10000 ]; then runs=$RUNS_SMALL; fi
    out=$DIR/out_$n
    echo "bench: n = $n: embolo run x $runs" >&2
    series "$runs" "$DIR/embolo_$n" "$BIN" run --study "$STUDY" --input "$cohort" --out "$out" --quiet
    c_s=$median_s
    c_mb=$max_rss_mb
    stages=$(stages_of "$out/manifest.json" "$wall_us")
    echo "bench: n = $n: embolo run with procedures x $runs" >&2
    series "$runs" "$DIR/embolo_procedures_$n" "$BIN" run --study "$PROCEDURES_STUDY" --input "$cohort" \
        --procedures "$procedures" --out "$DIR/out_procedures_$n" --quiet
    p_s=$median_s
    p_mb=$max_rss_mb
    p_rows=$(($(wc -l <"$procedures") - 1))
    added=$(awk -v p="$p_s" -v c="$c_s" 'BEGIN { printf "%+.0f%%", (p / c - 1) * 100 }')

    r_s="-" r_mb="-" ratio="-" agree="-"
    if [ "$have_r" = 0 ]; then
        r_s="no R"
    elif [ "$n" -gt "$R_MAX_N" ]; then
        r_s="not run (n > $R_MAX_N)"
    else
        r_runs=1
        if [ "$n" -le 10000 ]; then r_runs=$runs; fi
        r_outputs=0
        if [ "$(r_mode_of "$n")" = full ]; then r_outputs=1; fi
        echo "bench: n = $n: Rscript bench/bench.R ($(r_mode_of "$n") analysis) x $r_runs" >&2
        if series "$r_runs" "$DIR/R_$n" env BENCH_R_OUTPUTS=$r_outputs timeout "$R_TIMEOUT" Rscript bench/bench.R \
            "$cohort" "$DIR/R_out_$n"; then
            r_s=$median_s
            r_mb=$max_rss_mb
            ratio=$(awk -v r="$r_s" -v c="$c_s" 'BEGIN { printf "%.1f", r / c }')
            compare_with_r "$n" "$out"
        else
            r_s="failed or over ${R_TIMEOUT} s"
        fi
    fi
    rows+=("| $n | $c_s | $c_mb | $runs | $p_rows | $p_s | $p_mb | $added | $r_s | $r_mb | $ratio | $agree | $stages |")
    goal_rows+=("$(goal_row "$n" "$c_s" "$c_mb" "$r_s" "$ratio" "$agree")")
done

{
    echo "# embolo benchmark"
    echo
    echo "commit $commit; $(nproc) CPUs ($cpu); load average at start $load; cohorts: embolo simulate --seed $SEED."
    echo "Wall: median of the runs; RSS: largest peak resident set size of the runs (/usr/bin/time -v)."
    echo "R: Rscript bench/bench.R (survival, nnet), the same analysis on the same file; ratio = R wall / embolo wall."
    echo "Agrees with R: lines of R's results_R.csv that embolo's results.csv matches (bench/compare_r.py: relative"
    echo "1e-6, 1e-5 where propensity weights enter; counts and medians exactly; NA = NA) / lines compared."
    echo
    echo "## Goals (issue 17)"
    echo
    echo "R: its full analysis (statistics, Kaplan-Meier figures, workbook when openxlsx is installed) except at"
    echo "n = 30,000, its statistics alone (survival + nnet, no outputs). Ratio = R wall / embolo wall."
    echo "R's openxlsx installed: $have_openxlsx (without it R's full analysis writes no workbook); survminer"
    echo "installed: $have_survminer (the figures with survminer's ggsurvplot, as issue 17's R analysis; without it"
    echo "base graphics, which are lighter)."
    echo
    echo "| n | embolo wall (s) | embolo peak RSS (MB) | R wall (s) | R / embolo | agrees with R | goal | met |"
    echo "|---:|---:|---:|---:|---:|---:|---|---|"
    printf '%s\n' "${goal_rows[@]}"
    echo
    echo "## All runs"
    echo
    echo "With procedures: the same run with the cohort's procedures (simulate --procedures-out) and the safety audit."
    echo
    echo "| n | embolo wall (s) | embolo peak RSS (MB) | runs | procedures | with procedures (s) | with procedures RSS (MB) | added | R wall (s) | R peak RSS (MB) | R / embolo | agrees with R | embolo stages of the last run (ms) |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    printf '%s\n' "${rows[@]}"
    echo
    if [ ${#disagree[@]} -gt 0 ]; then
        echo "**embolo disagrees with R**: $(IFS=';'; echo "${disagree[*]}" | sed 's/;/; /g')"
        echo
    fi
    echo "Aims (2 cores): n = 155 under 0.1 s; n = 1,000,000 under 30 s with peak RSS under 2 GB."
} | tee "$DIR/results.md"

if [ ${#disagree[@]} -gt 0 ]; then
    echo "bench: embolo's results disagree with R's: $(IFS=';'; echo "${disagree[*]}" | sed 's/;/; /g')" >&2
    exit 1
fi
