#!/usr/bin/env bash
# The pilot's policies/ as committed must lint clean for each of the four gateways.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${PASARELA_BUILD_DIR:-$root/build}/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A copy of the run's test PKI where ctest made one (make-pki.sh then only checks it).
if [[ -n ${PASARELA_TEST_PKI_TEMPLATE:-} ]]; then
  cp -a "$PASARELA_TEST_PKI_TEMPLATE" "$work/pki" || exit 1
fi
"$root/certs/make-pki.sh" -q "$work/pki" AR BR CL UY || exit 1
passed=0
failed=0
for cc in AR BR CL UY; do
  "$root/scripts/assemble-policy" "$cc" "$work/pki" "$work/$cc"
  if out=$("$bin/pasarela" policy lint --country "$cc" "$work/$cc"); then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $cc:"
    echo "$out"
  fi
done
echo "$passed passed, $failed failed"
((failed == 0))
