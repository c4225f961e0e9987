#!/usr/bin/env bash
# Runs the pilot the README's first command runs and checks each scenario's outcome.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=$(scripts/run-pilot 2>&1)
status=$?
source "$(dirname "$0")/output_checks.sh"
# Identity lookup in Argentina's schema, answered from Chile's, minimised by the agreement.
expect '"apellidos":"GONZÁLEZ MUÑOZ","nombres":"VALENTINA ISIDORA","fecha_nacimiento":"12/03/1985"'
expect 'withheld by the agreement: person.sex,person.place_of_birth,person.address'
# Verification without disclosure.
expect '"person_found":true,"verdicts":[{"attribute":"family_names","verdict":"VERDICT_MATCH"},{"attribute":"birth_date","verdict":"VERDICT_MATCH"}]'
# Health summary in Brazil's schema from Uruguay's, with local codes translated.
expect '"codigo_atc":"A10BA02"'
expect '"cid10":"I10"'
expect 'withheld by the agreement: summary.sex,summary.immunizations,summary.blood_group'
# A CPF written in a clinical note is undeclared personal data: masked, as the agreement says.
expect 'Santana do Livramento, CPF ***********-05.'
expect 'treated by the agreement (path:category:treatment): summary.problems[1].note:personal_identifier:mask'
expect '{"category":"personal_identifier","field_path":"summary.problems[1].note","detector":"CPF","source":"DETECTED","treatment":"mask"}'
expect '{"category":"health","field_path":"summary.problems[1].note","source":"DECLARED","treatment":"allow"}'
# Refusals.
expect "does not allow purpose 'tax-audit'; allowed: border-control"
expect 'agreement ar-cl-identity-2024 expired at 2025-12-31T23:59:59Z'
expect 'rule: agreement-expired'
expect 'refused handshake: no client certificate presented'
# Audit on every side.
for cc in AR BR CL UY; do expect "$cc: audit verify: OK"; done
# The consumer gateways' kept receipts, checked against the peers' certificates and their CAs,
# each CA given for its own country: no receipt left unchecked, no warning.
expect 'AR: audit verify: OK: 4 records in 1 segment, 1 checkpoint, 0 unsealed, 2 receipts verified'
expect 'BR: audit verify: OK: 1 record in 1 segment, 1 checkpoint, 0 unsealed, 1 receipt verified'
expect_absent 'warning:'
expect 'AR-CL: audit reconcile: OK'
expect 'BR-UY: audit reconcile: OK'
expect 'audit subject: 1 exchange about UY-CI:1234567-2'
expect_none_running "/pilot/[A-Z][A-Z]/gateway.yaml"
finish
