#!/usr/bin/env bash
# Runs bench/compare --quick (every path of the comparison for a few seconds) and checks the
# harness, not the timings: it succeeds, every path answered without an error, the Pasarela
# chain's stage counters matched its exchanges, and the last line has the form programs read.
#   compare_quick_test.sh SOURCE_DIR BUILD_DIR
# grep -q reads from a here-string, not a pipe: under pipefail, a writer that gets SIGPIPE when
# grep -q has found its line and gone would fail the check.
set -uo pipefail
source_dir=$1
export PASARELA_BUILD_DIR=$2
out=$("$source_dir/bench/compare" --quick 2>&1)
status=$?
fail() { printf '%s\n' "$out"; echo "FAILED: $*"; exit 1; }
((status == 0)) || fail "bench/compare --quick exited with $status"
last=$(printf '%s\n' "$out" | tail -1)
number='[0-9]+\.[0-9]+'
[[ $last =~ ^ratios:\ pasarela/direct=$number\ pasarela/nginx=$number\ pasarela/bare=$number$ ]] ||
  fail "the last line is not 'ratios: pasarela/direct=R pasarela/nginx=R pasarela/bare=R': $last"
for path in direct nginx bare pasarela; do
  for concurrency in 64 4; do
    row=$(printf '%s\n' "$out" | grep -E "^$path +$concurrency " | head -1)
    [[ -n $row ]] || fail "no result row for $path at $concurrency in flight"
    errors=$(awk '{print $9}' <<<"$row")
    [[ $errors == 0 ]] || fail "$path at $concurrency in flight answered with $errors errors"
  done
done
for cc in AR CL; do
  grep -q "^  $cc: .*every stage ran for every exchange" <<<"$out" ||
    fail "gateway $cc's stage counters were not checked or did not match"
done
grep -q "^fdatasync of a 1 KiB append" <<<"$out" || fail "no fdatasync figures"
for cc in AR CL; do
  grep -qE "^  $cc: cpu_scheduling: .*; allocator: " <<<"$out" ||
    fail "no line on how gateway $cc ran (its scheduling and allocator)"
done
grep -qE "^Other load: processes outside the measured paths took at most [0-9]+% " <<<"$out" ||
  fail "no figure for the load of other processes"
echo "bench/compare --quick: every path answered, counters matched: $last"
