#!/usr/bin/env bash
# Runs the exchange the README's first command shows and checks what it printed: the allowed
# calls, the withheld fields, the refusals with their reasons, and both audit trails verified.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=$(scripts/exchange-demo 2>&1)
status=$?
passed=0
failed=0
expect() {
  if grep -qF -- "$1" <<<"$out"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: missing: $1"
  fi
}
[[ $status -eq 0 ]] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: exit $status"; }
expect '"family_names":["González","Muñoz"]'
expect 'withheld by the agreement: person.sex,person.place_of_birth,person.address'
expect '"verdicts":[{"attribute":"birth_date","verdict":"VERDICT_MATCH"}]'
expect "does not allow purpose 'tax-audit'; allowed: border-control"
expect 'rule: purpose-not-allowed'
expect 'refused handshake on agency listener: certificate revoked'
expect '"caller":"urn:pasarela:gateway:CL","consumer":"AR/GOV/migraciones"'
expect 'AR: audit verify: OK: 3 records'
expect 'CL: audit verify: OK: 2 records'
expect 'audit reconcile: OK: 2 exchanges match'
expect 'audit subject: 2 exchanges about CL-RUN:12531909-2'
if pgrep -f "/demo/[A-Z][A-Z]/gateway.yaml" >/dev/null; then
  failed=$((failed + 1))
  echo "FAIL: a gateway of the demo is still running"
else
  passed=$((passed + 1))
fi
((failed == 0)) || echo "$out"
echo "$passed passed, $failed failed"
((failed == 0))
