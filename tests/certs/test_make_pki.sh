#!/usr/bin/env bash
# Checks certs/make-pki.sh with nothing but the openssl CLI: layout, chains,
# SANs, the expired / revoked / rogue test certificates, the revoke
# subcommand, key permissions and idempotency.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
script=$here/../../certs/make-pki.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pki=$tmp/pki
specs=(AR CL/GOV/registro-civil AR/GOV/migraciones)
countries=(AR CL)

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() {
  failed=$((failed + 1))
  printf 'FAIL: %s\n' "$*" >&2
}
# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
  local desc=$1
  shift
  if "$@" >/dev/null 2>&1; then pass; else fail "$desc"; fi
}
# check_eq DESCRIPTION GOT WANT
check_eq() {
  if [[ $2 == "$3" ]]; then pass; else fail "$1: got '$2', want '$3'"; fi
}
# check_fails_with DESCRIPTION MESSAGE COMMAND...: COMMAND must fail and say MESSAGE.
check_fails_with() {
  local desc=$1 msg=$2 out rc=0
  shift 2
  out=$("$@" 2>&1) || rc=$?
  if ((rc != 0)) && [[ $out == *"$msg"* ]]; then
    pass
  else
    fail "$desc: want failure with '$msg', got rc=$rc: $out"
  fi
}

# The SAN entries of a certificate, one per line ("URI:...", "DNS:...").
sans() {
  local line
  line=$(openssl x509 -noout -ext subjectAltName -in "$1" | sed -n 2p)
  line=${line#"${line%%[![:space:]]*}"}
  printf '%s\n' "${line//, /$'\n'}"
}
uris() { sans "$1" | grep '^URI:' | sed 's/^URI://' | paste -sd' ' -; }
verifies() { openssl verify -CAfile "$1" "$2"; }

# ------------------------------------------------------------ first run
out=$("$script" "$pki" "${specs[@]}" 2>&1) || {
  printf 'make-pki.sh failed:\n%s\n' "$out" >&2
  exit 1
}
made_first=$(grep -c '^made ' <<<"$out" || true)
check "first run reports files it made" test "$made_first" -gt 0
check_eq "made line format" "$(grep -m1 "gateway.crt" <<<"$out")" \
  "made $pki/AR/gateway.crt (urn:pasarela:gateway:AR)"

for cc in "${countries[@]}"; do
  d=$pki/$cc
  ca=$d/ca.crt
  for f in ca.crt ca.key ca.crl gateway.crt gateway.key ca/index.txt ca/serial ca/crlnumber ca/openssl.cnf \
    test/{expired,revoked,spare,wrong-country-gateway,foreign-agency}.{crt,key}; do
    check "$cc/$f exists" test -s "$d/$f"
  done

  # The CA itself.
  check_eq "$cc CA subject" "$(openssl x509 -noout -subject -nameopt compat -in "$ca")" \
    "subject=/C=$cc/O=Pasarela demo/CN=Pasarela $cc root CA"
  check "$cc CA is self-signed root" verifies "$ca" "$ca"
  check_eq "$cc CA basicConstraints" \
    "$(openssl x509 -noout -ext basicConstraints -in "$ca" | tr -s ' \n' ' ')" \
    "X509v3 Basic Constraints: critical CA:TRUE "
  check_eq "$cc CA keyUsage" \
    "$(openssl x509 -noout -ext keyUsage -in "$ca" | tr -s ' \n' ' ')" \
    "X509v3 Key Usage: critical Certificate Sign, CRL Sign "
  check "$cc CA valid for ~10 years" openssl x509 -noout -checkend $((9 * 365 * 86400)) -in "$ca"
  check "$cc CA key is P-256" grep -q 'prime256v1' <(openssl x509 -noout -text -in "$ca")
  check "$cc CA signs with SHA-256" grep -q 'ecdsa-with-SHA256' <(openssl x509 -noout -text -in "$ca")

  # Gateway.
  check "$cc gateway verifies" verifies "$ca" "$d/gateway.crt"
  check_eq "$cc gateway SANs" "$(sans "$d/gateway.crt" | paste -sd'|' -)" \
    "URI:urn:pasarela:gateway:$cc|DNS:localhost|IP Address:127.0.0.1|IP Address:0:0:0:0:0:0:0:1"
  check_eq "$cc gateway EKU" \
    "$(openssl x509 -noout -ext extendedKeyUsage -in "$d/gateway.crt" | sed -n 2p | tr -s ' ')" \
    " TLS Web Server Authentication, TLS Web Client Authentication"
  check "$cc gateway is not a CA" grep -q 'CA:FALSE' <(openssl x509 -noout -ext basicConstraints -in "$d/gateway.crt")
  check "$cc gateway valid ~2 years" openssl x509 -noout -checkend $((700 * 86400)) -in "$d/gateway.crt"
  check "$cc gateway key matches cert" test \
    "$(openssl pkey -pubout -in "$d/gateway.key")" = "$(openssl x509 -noout -pubkey -in "$d/gateway.crt")"

  # Test certificates that chain correctly whatever else is wrong with them.
  for t in revoked spare wrong-country-gateway foreign-agency; do
    check "$cc test/$t verifies without CRL" verifies "$ca" "$d/test/$t.crt"
  done
  check_eq "$cc expired URI" "$(uris "$d/test/expired.crt")" "urn:pasarela:$cc:GOV:expired-agency"
  check_eq "$cc revoked URI" "$(uris "$d/test/revoked.crt")" "urn:pasarela:$cc:GOV:revoked-agency"
  check_eq "$cc spare URI" "$(uris "$d/test/spare.crt")" "urn:pasarela:$cc:GOV:spare-agency"
  other=$([[ $cc == AR ]] && echo CL || echo AR)
  check_eq "$cc wrong-country-gateway URI" "$(uris "$d/test/wrong-country-gateway.crt")" \
    "urn:pasarela:gateway:$other"
  check_eq "$cc foreign-agency URI" "$(uris "$d/test/foreign-agency.crt")" \
    "urn:pasarela:$other:GOV:foreign-agency"

  # Expired: right chain, wrong dates.
  check_fails_with "$cc expired.crt" "certificate has expired" verifies "$ca" "$d/test/expired.crt"
  check "$cc expired.crt chains when time is ignored" \
    openssl verify -no_check_time -CAfile "$ca" "$d/test/expired.crt"
  check_eq "$cc expired.crt dates" \
    "$(openssl x509 -noout -startdate -enddate -in "$d/test/expired.crt" | paste -sd' ' -)" \
    "notBefore=Jan  1 00:00:00 2020 GMT notAfter=Jan  1 00:00:00 2021 GMT"

  # CRL.
  check "$cc CRL is signed by its CA" openssl crl -noout -CAfile "$ca" -in "$d/ca.crl"
  next=$(openssl crl -noout -nextupdate -in "$d/ca.crl")
  days=$((($(date -d "${next#nextUpdate=}" +%s) - $(date +%s)) / 86400))
  check "$cc CRL nextUpdate ~30 days ahead (got $days)" test "$days" -ge 29 -a "$days" -le 30
  check_fails_with "$cc revoked.crt with CRL" "certificate revoked" \
    openssl verify -crl_check -CRLfile "$d/ca.crl" -CAfile "$ca" "$d/test/revoked.crt"
  check "$cc spare.crt passes CRL check" \
    openssl verify -crl_check -CRLfile "$d/ca.crl" -CAfile "$ca" "$d/test/spare.crt"

  # Rogue certificates look right but must not chain to this country.
  for r in "$pki"/rogue/*-agency.crt "$pki"/rogue/*-gateway.crt "$pki/rogue/ca.crt"; do
    check_fails_with "$cc rejects rogue/${r##*/}" "error" verifies "$ca" "$r"
  done
done

# Agencies.
check_eq "CL registro-civil URI" "$(uris "$pki/CL/agencies/registro-civil.crt")" \
  "urn:pasarela:CL:GOV:registro-civil"
check_eq "CL registro-civil SANs" "$(sans "$pki/CL/agencies/registro-civil.crt" | paste -sd'|' -)" \
  "URI:urn:pasarela:CL:GOV:registro-civil|DNS:localhost|IP Address:127.0.0.1"
check_eq "CL registro-civil CN" \
  "$(openssl x509 -noout -subject -nameopt compat -in "$pki/CL/agencies/registro-civil.crt")" \
  "subject=/C=CL/O=Pasarela demo/CN=CL\/GOV\/registro-civil"
check "CL registro-civil verifies" verifies "$pki/CL/ca.crt" "$pki/CL/agencies/registro-civil.crt"
check_eq "AR migraciones URI" "$(uris "$pki/AR/agencies/migraciones.crt")" "urn:pasarela:AR:GOV:migraciones"
check "AR migraciones verifies" verifies "$pki/AR/ca.crt" "$pki/AR/agencies/migraciones.crt"
check_fails_with "CL agency does not chain to AR" "error" \
  verifies "$pki/AR/ca.crt" "$pki/CL/agencies/registro-civil.crt"
check "no agency files for other countries" test ! -e "$pki/AR/agencies/registro-civil.crt"

# Rogue CA.
check_eq "rogue CA subject" "$(openssl x509 -noout -subject -nameopt compat -in "$pki/rogue/ca.crt")" \
  "subject=/C=ZZ/O=Rogue/CN=Rogue CA"
for cc in "${countries[@]}"; do
  check "rogue $cc-agency chains to the rogue CA" verifies "$pki/rogue/ca.crt" "$pki/rogue/$cc-agency.crt"
  check_eq "rogue $cc-agency URI" "$(uris "$pki/rogue/$cc-agency.crt")" "urn:pasarela:$cc:GOV:registro-rogue"
  check_eq "rogue $cc-gateway SANs" "$(sans "$pki/rogue/$cc-gateway.crt" | paste -sd'|' -)" \
    "URI:urn:pasarela:gateway:$cc|DNS:localhost|IP Address:127.0.0.1"
done

# Private keys: owner-only.
nkeys=0
while IFS= read -r -d '' k; do
  nkeys=$((nkeys + 1))
  check_eq "mode of ${k#"$pki"/}" "$(stat -c %a "$k")" 600
done < <(find "$pki" -name '*.key' -print0)
# Per country: CA, gateway, pseudonym key, 5 test certs; plus agencies, the rogue CA and its 4 certs.
check_eq "number of key files" "$nkeys" $((2 * (1 + 1 + 1 + 5) + 2 + 1 + 4))

# ------------------------------------------------------------ second run
cp "$pki/AR/ca.crt" "$tmp/ar-ca.before"
cp "$pki/CL/gateway.crt" "$tmp/cl-gw.before"
out2=$("$script" "$pki" "${specs[@]}" 2>&1) || fail "second run failed: $out2"
check_eq "second run makes nothing" "$(grep -c '^made ' <<<"$out2" || true)" 0
check "AR ca.crt unchanged" cmp "$tmp/ar-ca.before" "$pki/AR/ca.crt"
check "CL gateway.crt unchanged" cmp "$tmp/cl-gw.before" "$pki/CL/gateway.crt"
check_fails_with "revoked.crt still revoked after rerun" "certificate revoked" \
  openssl verify -crl_check -CRLfile "$pki/CL/ca.crl" -CAfile "$pki/CL/ca.crt" "$pki/CL/test/revoked.crt"

# Adding a participant later makes only that participant.
out3=$("$script" "$pki" CL/GOV/registro-civil/consultas 2>&1)
check_eq "adding a subsystem makes one file" "$out3" \
  "made $pki/CL/agencies/registro-civil.consultas.crt (urn:pasarela:CL:GOV:registro-civil:consultas)"
check_eq "subsystem URI" "$(uris "$pki/CL/agencies/registro-civil.consultas.crt")" \
  "urn:pasarela:CL:GOV:registro-civil:consultas"

# ------------------------------------------------------------ revoke
rev=$("$script" revoke "$pki" "$pki/CL/test/spare.crt" 2>&1) || fail "revoke spare failed: $rev"
check_fails_with "CL spare.crt revoked" "certificate revoked" \
  openssl verify -crl_check -CRLfile "$pki/CL/ca.crl" -CAfile "$pki/CL/ca.crt" "$pki/CL/test/spare.crt"
check "AR spare.crt untouched" \
  openssl verify -crl_check -CRLfile "$pki/AR/ca.crl" -CAfile "$pki/AR/ca.crt" "$pki/AR/test/spare.crt"
check "revoking twice is fine" "$script" -q revoke "$pki" "$pki/CL/test/spare.crt"
check_eq "-q revoke is silent" "$("$script" -q revoke "$pki" "$pki/CL/test/spare.crt" 2>&1)" ""
check "no temp files left next to the CRL" test -z "$(find "$pki/CL" -maxdepth 1 -name '.ca.crl.*')"
"$script" -q "$pki" "${specs[@]}"
check_fails_with "spare stays revoked after rerun" "certificate revoked" \
  openssl verify -crl_check -CRLfile "$pki/CL/ca.crl" -CAfile "$pki/CL/ca.crt" "$pki/CL/test/spare.crt"

# ------------------------------------------------------------ errors
check_fails_with "revoke of a rogue cert" "not issued by" "$script" revoke "$pki" "$pki/rogue/CL-agency.crt"
rc=0
"$script" revoke "$pki" "$pki/rogue/CL-agency.crt" 2>/dev/null || rc=$?
check_eq "revoke of a rogue cert exit code" "$rc" 2
# shellcheck disable=SC2016 # a literal '$' is the point
for bad in cl CHL CL/GOV CL/GOV/a/b/c 'CL/GOV/bad name' CL//x CL/GOV/x/ 'CL/G$V/x'; do
  rc=0
  msg=$("$script" "$tmp/bad" AR "$bad" 2>&1) || rc=$?
  check_eq "bad SPEC '$bad' exit code" "$rc" 2
  check "bad SPEC '$bad' is named" grep -qF "'$bad'" <<<"$msg"
done
check "bad SPEC creates nothing" test ! -e "$tmp/bad"
check_fails_with "two classes cannot share one agency file" "already uses" \
  "$script" "$tmp/clash" CL/GOV/x CL/COM/x

# ------------------------------------------------------------ -q, --force, lone country
check_eq "-q is silent" "$("$script" -q "$tmp/quiet" UY 2>&1)" ""
check_eq "lone country's wrong-country gateway uses ZZ" \
  "$(uris "$tmp/quiet/UY/test/wrong-country-gateway.crt")" "urn:pasarela:gateway:ZZ"
check_eq "lone country's foreign agency uses ZZ" \
  "$(uris "$tmp/quiet/UY/test/foreign-agency.crt")" "urn:pasarela:ZZ:GOV:foreign-agency"
cp "$tmp/quiet/UY/ca.crt" "$tmp/uy-ca.before"
"$script" -q --force "$tmp/quiet" UY
# shellcheck disable=SC2016 # expanded by the inner bash
check "--force makes a new CA" bash -c '! cmp -s "$0" "$1"' "$tmp/uy-ca.before" "$tmp/quiet/UY/ca.crt"
mkdir "$tmp/precious" && touch "$tmp/precious/notes.txt"
check_fails_with "--force refuses a foreign directory" "not wiping" "$script" --force "$tmp/precious" UY
check "--force left the foreign directory alone" test -e "$tmp/precious/notes.txt"

printf '%d passed, %d failed\n' "$passed" "$failed"
((failed == 0))
