#!/usr/bin/env bash
# Builds the libFuzzer harnesses into build/fuzz/ (clang; the library compiled with
# -fsanitize=fuzzer-no-link,address,undefined) and runs each for SECONDS (default 60) on a copy of
# its seed corpus in build/fuzz/corpus/, so that the repository's corpus is not touched. Exits
# non-zero on any crash, leak, timeout or sanitizer report; findings are in build/fuzz/artifacts/.
#   fuzz/run.sh [SECONDS]        FUZZ_LIBS: libraries to link, FUZZ_CPPFLAGS: preprocessor flags (the
#                                Makefile passes its LIBS and CPPFLAGS)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
case $seconds in '' | *[!0-9]*) echo "usage: fuzz/run.sh [SECONDS]" >&2; exit 64 ;; esac
CC=${FUZZ_CC:-clang}
LIBS=${FUZZ_LIBS:--lxlsxwriter -lhpdf -lcairo -lfreetype -lpng16 -ltiff -lminizip -lcrypto -lcsv -linih -lcjson -lgsl -lgslcblas -lm -pthread}
OUT=build/fuzz
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
CFLAGS="-std=c11 -Wall -Wextra -Wpedantic -Werror -O1 -g -fno-omit-frame-pointer $SAN"
CPPFLAGS=${FUZZ_CPPFLAGS:-"-D_POSIX_C_SOURCE=200809L -Istages -Ipipeline -I/usr/include/freetype2"}
HARNESSES="${FUZZ_HARNESSES:-fuzz_ingest_clean fuzz_study fuzz_procedures}"

mkdir -p "$OUT/obj" "$OUT/artifacts"

# The library: every stage and the driver, each object rebuilt when its source or a header is newer.
sources=$(ls stages/*/*.c pipeline/*.c | grep -v '^pipeline/main\.c$')
newest_header=$(ls -t stages/*/*.h pipeline/*.h | head -n 1)
objects=() stale=()
for src in $sources; do
  obj="$OUT/obj/${src%.c}.o"
  objects+=("$obj")
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_header" -nt "$obj" ]; then
    stale+=("$src")
  fi
done
compile() {
  mkdir -p "$(dirname "$OUT/obj/$1")"
  $CC $CPPFLAGS $CFLAGS -fsanitize=fuzzer-no-link -c "$1" -o "$OUT/obj/${1%.c}.o"
}
export -f compile
export CC CPPFLAGS CFLAGS OUT
if [ ${#stale[@]} -gt 0 ]; then
  printf '%s\n' "${stale[@]}" | xargs -P "$(nproc)" -I{} bash -c 'compile "$1"' _ {}
fi
rm -f "$OUT/libembolo-fuzz.a"
ar rcs "$OUT/libembolo-fuzz.a" "${objects[@]}"

for h in $HARNESSES; do
  $CC $CPPFLAGS $CFLAGS -fsanitize=fuzzer "fuzz/$h.c" "$OUT/libembolo-fuzz.a" $LIBS -o "$OUT/$h"
done

# name corpus dictionary max_len
run_one() {
  local name=$1 corpus=$2 dict=$3 max_len=$4 log="$OUT/$1.log" status=0
  mkdir -p "$OUT/corpus/$corpus"
  cp -p "fuzz/corpus/$corpus/"* "$OUT/corpus/$corpus/"
  echo "== $name: $seconds s on $OUT/corpus/$corpus (log $log)"
  "$OUT/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
    -dict="fuzz/$dict" -artifact_prefix="$OUT/artifacts/$name-" -print_final_stats=1 \
    "$OUT/corpus/$corpus" >"$log" 2>&1 || status=$?
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^Done [0-9]+ runs' "$log" || true
  if [ $status -ne 0 ] || grep -qE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:|==ERROR: libFuzzer' "$log"; then
    echo "FAIL: $name (exit $status); see $log and $OUT/artifacts/" >&2
    grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$log" | head -n 20 >&2 || true
    return 1
  fi
  echo "ok: $name"
}

failed=0
for h in $HARNESSES; do
  case $h in
    fuzz_ingest_clean) run_one fuzz_ingest_clean ingest ingest.dict 16384 || failed=1 ;;
    fuzz_study) run_one fuzz_study study study.dict 8192 || failed=1 ;;
    fuzz_procedures) run_one fuzz_procedures procedures procedures.dict 16384 || failed=1 ;;
  esac
done
exit $failed
