# Shared by the scripts that check what a whole run printed. Source it after setting `out` (the
# output) and `status` (its exit status); then call expect, expect_absent,
# expect_none_running and finish.
passed=0
failed=0
# Counts the run's exit status as the first check.
if [[ $status -eq 0 ]]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAIL: exit $status"
fi
expect() {
  if grep -qF -- "$1" <<<"$out"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: missing: $1"
  fi
}
# Fails when the output holds $1.
expect_absent() {
  if grep -qF -- "$1" <<<"$out"; then
    failed=$((failed + 1))
    echo "FAIL: present: $1"
  else
    passed=$((passed + 1))
  fi
}
# Fails when a process whose command line matches $1 is still running.
expect_none_running() {
  if pgrep -f "$1" >/dev/null; then
    failed=$((failed + 1))
    echo "FAIL: a process matching $1 is still running"
  else
    passed=$((passed + 1))
  fi
}
# Prints the output when something failed, the summary line, and sets the exit status.
finish() {
  ((failed == 0)) || echo "$out"
  echo "$passed passed, $failed failed"
  ((failed == 0))
}
