#!/usr/bin/env bash
# Runs the exchange the README's first command shows and checks what it printed: the allowed
# calls, the withheld fields, the refusals with their reasons, and both audit trails verified.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=$(scripts/exchange-demo 2>&1)
status=$?
source "$(dirname "$0")/output_checks.sh"
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
expect_none_running "/demo/[A-Z][A-Z]/gateway.yaml"
finish
