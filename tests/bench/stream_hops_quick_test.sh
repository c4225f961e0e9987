#!/usr/bin/env bash
# Runs bench/stream-hops --quick (both chains for a second at each load) and checks the harness,
# not the timings: it succeeds, every run answered without an error, and the last line has the
# form programs read.
#   stream_hops_quick_test.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
source_dir=$1
export PASARELA_BUILD_DIR=$2
out=$("$source_dir/bench/stream-hops" --quick 2>&1)
status=$?
fail() { printf '%s\n' "$out"; echo "FAILED: $*"; exit 1; }
((status == 0)) || fail "bench/stream-hops --quick exited with $status"
last=$(printf '%s\n' "$out" | tail -1)
number='[0-9]+\.[0-9]+'
[[ $last =~ ^stream-hops:\ hop-cpu\ stream/bare=$number\ \(64\)\ $number\ \(4\)\ throughput\ stream/bare=$number\ \(64\)\ $number\ \(4\)$ ]] ||
  fail "the last line is not 'stream-hops: hop-cpu stream/bare=R (64) R (4) throughput stream/bare=R (64) R (4)': $last"
for chain in bare stream; do
  for concurrency in 64 4; do
    row=$(printf '%s\n' "$out" | grep -E "^$chain +$concurrency +1 " | head -1)
    [[ -n $row ]] || fail "no result row for $chain at $concurrency in flight"
    errors=$(awk '{print $10}' <<<"$row")
    [[ $errors == 0 ]] || fail "$chain at $concurrency in flight answered with $errors errors"
  done
done
echo "bench/stream-hops --quick: both chains answered: $last"
