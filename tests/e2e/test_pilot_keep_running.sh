#!/usr/bin/env bash
# Runs the pilot with --keep-running as a person trying it would: waits for build/pilot/pilot.json,
# calls a gateway and scrapes its metrics with nothing but what that file says, then stops the
# pilot with SIGTERM and checks that its trails (with that call) verify and that nothing is left.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${PASARELA_BUILD_DIR:-$(pwd)/build}
PILOT_JSON=$BUILD/pilot/pilot.json
PY=/usr/bin/python3
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Its own session, so that whatever the pilot starts can be found after it has gone.
setsid scripts/run-pilot --keep-running >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 1800); do
  [[ -s $PILOT_JSON ]] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done

# The contract of pilot.json: these keys and no others, absolute paths that exist, loopback
# addresses; then a call and a scrape made from it alone.
own=$("$PY" - "$PILOT_JSON" "$BUILD" <<'PYTHON' 2>&1
import json, os, subprocess, sys, urllib.request
pilot = json.load(open(sys.argv[1]))
bin_dir = os.path.join(sys.argv[2], "bin")
share = os.path.join(sys.argv[2], "share", "pasarela")
problems = []
if sorted(pilot) != ["agencies", "gateways"]:
    problems.append(f"top-level keys {sorted(pilot)}")
gateway_keys = ["admin_address", "agency_address", "audit_dir", "ca_file", "country",
                "federation_address", "policy_dir"]
agency_keys = ["ca_file", "cert_file", "country", "key_file", "participant"]
for gateway in pilot.get("gateways", []):
    if sorted(gateway) != gateway_keys:
        problems.append(f"gateway keys {sorted(gateway)}")
    for key in ("agency_address", "federation_address", "admin_address"):
        host, _, port = gateway.get(key, "").rpartition(":")
        if host != "127.0.0.1" or not port.isdigit():
            problems.append(f"{gateway.get('country')} {key} {gateway.get(key)!r}")
    for key in ("ca_file", "audit_dir", "policy_dir"):
        if not (os.path.isabs(gateway.get(key, "")) and os.path.exists(gateway[key])):
            problems.append(f"{gateway.get('country')} {key} {gateway.get(key)!r}")
for agency in pilot.get("agencies", []):
    if sorted(agency) != agency_keys:
        problems.append(f"agency keys {sorted(agency)}")
    for key in ("cert_file", "key_file", "ca_file"):
        if not (os.path.isabs(agency.get(key, "")) and os.path.isfile(agency[key])):
            problems.append(f"{agency.get('participant')} {key} {agency.get(key)!r}")
countries = sorted(g.get("country") for g in pilot.get("gateways", []))
participants = sorted(a.get("participant") for a in pilot.get("agencies", []))
if countries != ["AR", "BR", "CL", "UY"] or "AR/GOV/migraciones" not in participants:
    problems.append(f"gateways {countries}, agencies {participants}")
print("pilot.json:", "; ".join(problems) if problems else "shape OK")

ar = next(g for g in pilot["gateways"] if g["country"] == "AR")
agency = next(a for a in pilot["agencies"] if a["participant"] == "AR/GOV/migraciones")
call = subprocess.run([
    f"{bin_dir}/agency_call", "--gateway", ar["agency_address"], "--ca", agency["ca_file"],
    "--cert", agency["cert_file"], "--key", agency["key_file"],
    "--descriptor-set", f"{share}/pasarela.desc", "--descriptor-set", f"{share}/national.desc",
    "--method", "/pasarela.identity.v1.IdentityService/GetPerson",
    "--target", "CL/GOV/registro-civil", "--agreement", "ar-cl-identity-2026",
    "--purpose", "border-control",
    "--json", '{"identifier":{"issuing_country":"CL","scheme":"CL-RUN","value":"12531909-2"}}'],
    capture_output=True, text=True)
for line in (call.stdout + call.stderr).splitlines():
    print("own call:", line)
metrics = urllib.request.urlopen(f"http://{ar['admin_address']}/metrics", timeout=5).read().decode()
for line in metrics.splitlines():
    if line.startswith("pasarela_exchanges_total{") and 'code="OK"' in line:
        print("own scrape:", line)
PYTHON
)

kill -TERM "$pid" 2>/dev/null
wait "$pid"
status=$?
out="$(cat "$log")
$own"
[[ -e $PILOT_JSON ]] && out+=$'\n'"after stop: pilot.json is still there"
leftover=$(pgrep -s "$pid" -a)
[[ -n $leftover ]] && out+=$'\n'"after stop: still running: $leftover"
source "$(dirname "$0")/output_checks.sh"
expect 'The pilot keeps running (Ctrl-C, or kill'
expect 'AR gateway: agency 127.0.0.1:'
expect ', admin http://127.0.0.1:'
expect '/pilot/CC/access.log (a JSON line per exchange)'
expect 'pilot.json: shape OK'
expect 'own call: status: OK'
expect 'own call: withheld by the agreement: person.sex,person.place_of_birth,person.address'
expect 'own scrape: pasarela_exchanges_total{method="pasarela.identity.v1.IdentityService/GetPerson",consumer="AR/GOV/migraciones",provider="CL/GOV/registro-civil",agreement="ar-cl-identity-2026",code="OK"} 2'
# Stopped by a signal, the pilot still seals and verifies every trail; the own call is in them.
for cc in AR BR CL UY; do expect "$cc: audit verify: OK"; done
expect 'AR: audit verify: OK: 5 records'
expect 'AR-CL: audit reconcile: OK: 3 exchanges match'
expect 'BR-UY: audit reconcile: OK'
if grep -q '^after stop:' <<<"$out"; then
  failed=$((failed + 1))
  grep '^after stop:' <<<"$out" | sed 's/^/FAIL: /'
else
  passed=$((passed + 1))
fi
finish
