#!/usr/bin/env bash
# The load tool's command line: --help prints the usage and succeeds; an unknown or misspelt flag,
# a flag without its value and a word where a flag belongs each stop with status 2 and say which.
set -uo pipefail
LOAD=$1/bin/pasarela-load
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$LOAD" --help) || fail "--help exited $?"
[[ $out == usage:*"--concurrency N"*"--deadline-ms MS"*"fsync --dir DIR"* ]] || fail "--help printed: $out"

expect_usage_error() {  # expected message, then the arguments
  local expected=$1; shift
  local err status
  err=$("$LOAD" "$@" 2>&1 >/dev/null); status=$?
  ((status == 2)) || fail "'$*' exited $status, not 2"
  [[ $err == *"$expected"* ]] || fail "'$*' said: $err (expected '$expected')"
  [[ $err == *"usage: pasarela-load"* ]] || fail "'$*' gave no usage: $err"
}
expect_usage_error "unknown flag --concurency" --target 127.0.0.1:1 --concurency 64
expect_usage_error "unknown flag --count" --target 127.0.0.1:1 --count 3
expect_usage_error "unknown flag --rate" fsync --dir /tmp --rate 5
expect_usage_error "--dir takes a value" fsync --dir
expect_usage_error "expected a flag, found 'extra'" --target 127.0.0.1:1 extra value
expect_usage_error "--method is required" --target 127.0.0.1:1 --concurrency 4
echo "load tool usage: ok"
