#!/usr/bin/env python3
"""Compare R's results for a benchmark cohort (bench/bench.R's results_R.csv) with embolo's results.csv.

usage: bench/compare_r.py R_RESULTS.csv EMBOLO_RESULTS.csv [--n N] [--show 10] [--rtol 1e-6] [--ps-rtol 1e-5]

bench/bench.R writes embolo's layout (section,endpoint,model,variable,level,stat,value; the contract
shared/spec/results-csv.md), with the study file's variable and level names, so every R line has the key
of the embolo line it is checked against. The rules are those of shared/tools/compare_results.py and
shared/spec/statistics.md: counts (n, events, df, lr_df, wald_global_df) and medians (median,
median_lower, median_upper: times of the data, both written with %.12g) exactly; other values to a
relative 1e-6, 1e-5 where propensity weights enter (sections ps and balance, models weighted,
weighted_univariate, weighted_multivariable), or within 1e-12 absolute (1e-10 for p-values); NA only
against NA. An R line missing from embolo's file fails; embolo's lines that R has no line for (table1,
survival past a group's last follow-up, where embolo writes NA) are not compared, and counted per section.

Prints the first failures and a last line 'R agreement at n = N: P passed, F failed'.
Exit 0 only when nothing failed and something was compared; 2 when a file cannot be read.
"""
import argparse
import csv
import sys

KEY = ("section", "endpoint", "model", "variable", "level", "stat")
WEIGHTED_MODELS = ("weighted", "weighted_univariate", "weighted_multivariable")
COUNTS = ("n", "events", "df", "lr_df", "wald_global_df")
MEDIANS = ("median", "median_lower", "median_upper")
P_VALUES = ("p", "lr_p", "wald_global_p")
NA = ("", "NA", "NaN", "nan")


def read(path):
    """Returns {key: value text} of a results file in embolo's layout; raises ValueError otherwise."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in KEY + ("value",) if c not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(f"no column {missing[0]} (an older bench.R? rerun bench/bench.R)")
        rows = {}
        for r in reader:
            k = tuple(r[c] for c in KEY)
            if k in rows:
                raise ValueError(f"line {reader.line_num}: key {','.join(k)} appears twice")
            rows[k] = r["value"]
    return rows


def num(text):
    text = (text or "").strip()
    return None if text in NA else float(text)  # float() reads Inf, -Inf


def check(k, expected, got, rtol, ps_rtol):
    """Returns None when embolo's value `got` agrees with R's `expected` for key k, else why not."""
    section, stat = k[0], k[5]
    weighted = section in ("ps", "balance") or k[2] in WEIGHTED_MODELS
    tol = ps_rtol if weighted else rtol
    try:
        e = num(expected)
    except ValueError:
        return f"R value {expected!r} is not a number"
    try:
        g = num(got)
    except ValueError:
        return f"R {expected}, embolo {got!r} (not a number)"
    if e is None and g is None:
        return None
    if e is None or g is None:
        return f"R {expected}, embolo {got}"
    if stat in COUNTS or (stat in MEDIANS and section in ("km", "followup")):
        if g == e:
            return None
        what = "counts" if stat in COUNTS else "medians"
        return f"R {expected}, embolo {got} ({what} must match exactly; diff {g - e:.3g})"
    diff = abs(g - e)
    if diff <= tol * abs(e) or diff <= 1e-12 or (stat in P_VALUES and diff <= 1e-10):
        return None
    rel = diff / abs(e) if e != 0 else float("inf")
    return f"R {expected}, embolo {got} (rel {rel:.2e}, tolerance {tol:g})"


def main():
    ap = argparse.ArgumentParser(description="Compare bench.R's results_R.csv with embolo's results.csv.")
    ap.add_argument("r_results")
    ap.add_argument("embolo_results")
    ap.add_argument("--n", default="?", help="cohort size, for the summary line")
    ap.add_argument("--show", type=int, default=10, help="failures to print (default 10)")
    ap.add_argument("--rtol", type=float, default=1e-6)
    ap.add_argument("--ps-rtol", type=float, default=1e-5)
    a = ap.parse_args()
    try:
        expected = read(a.r_results)
        got = read(a.embolo_results)
    except (OSError, ValueError, csv.Error) as e:
        print(f"compare_r: cannot read results: {e}", file=sys.stderr)
        print(f"R agreement at n = {a.n}: 0 passed, 1 failed")
        return 2
    passed = failed = 0
    for k, value in expected.items():
        why = "missing from embolo's results" if k not in got else check(k, value, got[k], a.rtol, a.ps_rtol)
        if why is None:
            passed += 1
            continue
        failed += 1
        if failed <= a.show:
            print(f"  {','.join(k)}: {why}")
    if failed > a.show:
        print(f"  ... and {failed - a.show} more")
    extra = {}
    for k, value in got.items():
        if k not in expected:
            count = extra.setdefault(k[0], [0, 0])
            count[0] += 1
            count[1] += (value or "").strip() in NA
    if extra:
        print("  not compared (embolo lines without an R line): " +
              ", ".join(f"{s} {c} ({na} NA)" for s, (c, na) in sorted(extra.items())))
    print(f"R agreement at n = {a.n}: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
