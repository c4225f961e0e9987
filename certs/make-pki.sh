#!/usr/bin/env bash
# make-pki.sh: build a throw-away demo PKI for Pasarela (country root CAs,
# gateways, agencies, and deliberately broken certificates for tests).
#
#   make-pki.sh [-q] [--force] DIR SPEC...   SPEC: CC | CC/CLASS/MEMBER[/SUBSYSTEM]
#   make-pki.sh [-q] revoke DIR CERT
#
# Idempotent: whatever already exists in DIR is reused, so test binaries can
# call it at start-up.  See certs/README.md for the layout.

# Every directory this script creates with `mkdir -p -m 700` has an existing
# parent (or is listed after it), so -m does reach each of them.
# shellcheck disable=SC2174
set -euo pipefail

readonly PROG=make-pki.sh
readonly EXPIRED_FROM=20200101000000Z
readonly EXPIRED_UNTIL=20210101000000Z

usage() {
  cat >&2 <<'EOF'
usage: make-pki.sh [-q] [--force] DIR SPEC...
       make-pki.sh [-q] revoke DIR CERT
       make-pki.sh [-q] renew DIR CC OUT
SPEC is a country code (AR) or a participant CC/CLASS/MEMBER[/SUBSYSTEM].
renew issues gateway CC a new key and certificate from DIR's CA of CC and
writes them to OUT.key and OUT.crt (each replaced by a rename, key first).
EOF
  exit 2
}

die() { # die CODE MESSAGE
  printf '%s: %s\n' "$PROG" "$2" >&2
  exit "$1"
}

QUIET=0
FORCE=0
while (($#)); do
  case $1 in
    -q) QUIET=1 ;;
    --force) FORCE=1 ;;
    -h | --help) usage ;;
    *) break ;;
  esac
  shift
done
(($# >= 2)) || usage

# ---------------------------------------------------------------- helpers

# openssl is chatty on stderr even when it succeeds; keep the output to one
# line per file unless a step actually fails.
ossl() {
  local out
  if ! out=$(openssl "$@" 2>&1); then
    printf '%s: openssl %s failed:\n%s\n' "$PROG" "$1" "$out" >&2
    exit 1
  fi
}

# `openssl ca` resolves the paths in its config against the working
# directory; running it from the database directory keeps that config free of
# absolute paths, so a PKI directory can be moved or copied.
ca_ossl() { # ca_ossl CADIR ARGS...
  local cadir=$1
  shift
  (cd "$cadir/ca" && ossl "$@")
}

genkey() {
  (umask 077 && ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1")
}

# Messages show DIR as the caller spelled it, not the resolved absolute path.
show() { printf '%s' "$DIR_SHOWN${1#"$DIR"}"; }

made() { # made FILE DESCRIPTION
  ((QUIET)) || printf 'made %s (%s)\n' "$(show "$1")" "$2"
}

# -subj uses '/' as its field separator, and participant ids contain '/'.
subj_escape() { printf '%s' "${1//\//\\/}"; }

write_ca_config() { # write_ca_config CADIR
  # Rewritten on every run (it costs nothing) so older PKI dirs pick up fixes.
  cat >"$1/ca/openssl.cnf" <<'EOF'
# Config for `openssl ca`, written by make-pki.sh. Paths are relative to this
# directory because make-pki.sh runs openssl from here.
[ ca ]
default_ca = pasarela_ca

[ pasarela_ca ]
database         = index.txt
serial           = serial
crlnumber        = crlnumber
new_certs_dir    = issued
certificate      = ../ca.crt
private_key      = ../ca.key
default_md       = sha256
default_days     = 730
default_crl_days = 30
policy           = any_name
# Test certificates are re-issued under the same name when they go missing.
unique_subject   = no
email_in_dn      = no
# The request brings only the SAN. `copy` never replaces an extension that
# leaf_ext already set, so a request cannot make itself a CA.
copy_extensions  = copy
x509_extensions  = leaf_ext
crl_extensions   = crl_ext

[ any_name ]
countryName      = optional
organizationName = optional
commonName       = supplied

[ leaf_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth, clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ crl_ext ]
authorityKeyIdentifier = keyid:always

[ req ]
distinguished_name = req_dn
x509_extensions    = ca_ext
default_md         = sha256

[ req_dn ]

[ ca_ext ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF
}

# ensure_ca CADIR SUBJECT LABEL: sets CA_FRESH=1 when the CA had to be made,
# which forces everything it issues to be re-issued as well.
ensure_ca() {
  local dir=$1 subj=$2 label=$3
  CA_FRESH=0
  if [[ -s $dir/ca.crt && -s $dir/ca.key && -f $dir/ca/index.txt &&
    -s $dir/ca/serial && -s $dir/ca/crlnumber ]]; then
    write_ca_config "$dir"
    return
  fi
  # Without its key or database a CA cannot extend (or revoke) what it
  # issued, so start that CA over rather than patch it.
  CA_FRESH=1
  rm -rf "$dir/ca"
  mkdir -p -m 700 "$dir/ca" "$dir/ca/issued"
  : >"$dir/ca/index.txt"
  printf 'unique_subject = no\n' >"$dir/ca/index.txt.attr"
  # Random first serial: a rebuilt CA never repeats the serials of its
  # predecessor, so stale copies cannot be confused with new certificates.
  ossl rand -out "$dir/ca/serial" -hex 8
  printf '01\n' >"$dir/ca/crlnumber"
  write_ca_config "$dir"

  genkey "$WORK/ca.key"
  ossl req -config "$dir/ca/openssl.cnf" -new -x509 -key "$WORK/ca.key" \
    -subj "$subj" -days 3650 -out "$WORK/ca.crt"
  mv -f "$WORK/ca.key" "$dir/ca.key"
  mv -f "$WORK/ca.crt" "$dir/ca.crt"
  made "$dir/ca.crt" "$label"
}

# issue CADIR BASE SUBJECT SAN LABEL [openssl ca options...]
# Makes BASE.key and BASE.crt unless both exist and their CA is not new.
# Sets MADE=1 when it made them.
issue() {
  local cadir=$1 base=$2 subj=$3 san=$4 label=$5
  shift 5
  MADE=0
  if ((!CA_FRESH)) && [[ -s $base.crt && -s $base.key ]]; then
    return
  fi
  genkey "$WORK/leaf.key"
  ossl req -config "$cadir/ca/openssl.cnf" -new -key "$WORK/leaf.key" \
    -subj "$subj" -addext "subjectAltName = $san" -out "$WORK/leaf.csr"
  ca_ossl "$cadir" ca -batch -config openssl.cnf -notext \
    -in "$WORK/leaf.csr" -out "$WORK/leaf.crt" "$@"
  # Key first: a .crt on disk then always has its .key, even after a crash.
  mv -f "$WORK/leaf.key" "$base.key"
  mv -f "$WORK/leaf.crt" "$base.crt"
  MADE=1
  made "$base.crt" "$label"
}

gateway_san() { printf 'URI:urn:pasarela:gateway:%s, DNS:localhost, IP:127.0.0.1, IP:::1' "$1"; }
participant_urn() { printf 'urn:pasarela:%s' "${1//\//:}"; }
participant_subj() { # participant_subj ID
  printf '/C=%s/O=Pasarela demo/CN=%s' "${1%%/*}" "$(subj_escape "$1")"
}

# issue_participant CADIR BASE ID [openssl ca options...]
issue_participant() {
  local cadir=$1 base=$2 id=$3
  shift 3
  local urn
  urn=$(participant_urn "$id")
  issue "$cadir" "$base" "$(participant_subj "$id")" \
    "URI:$urn, DNS:localhost, IP:127.0.0.1" "$urn" "$@"
}

# Rewrites DIR/CC/ca.crl through a temp file in the same directory, so a
# gateway reloading it never reads a half-written CRL.
refresh_crl() { # refresh_crl CADIR
  local dir=$1 tmp existed=0
  [[ -e $dir/ca.crl ]] && existed=1
  tmp=$(mktemp "$dir/.ca.crl.XXXXXX")
  ca_ossl "$dir" ca -config openssl.cnf -gencrl -crldays 30 -out "$tmp"
  chmod 644 "$tmp"
  mv -f "$tmp" "$dir/ca.crl"
  ((existed)) || made "$dir/ca.crl" "CRL, next update in 30 days"
}

revoke_in_db() { # revoke_in_db CADIR CERT
  local dir=$1 cert=$2 serial status _exp _rev sn _rest
  serial=$(openssl x509 -noout -serial -in "$cert")
  serial=${serial#serial=}
  # `openssl ca -revoke` fails on a certificate that is already revoked;
  # revoking twice should simply be a no-op.
  while IFS=$'\t' read -r status _exp _rev sn _rest; do
    [[ $sn == "$serial" && $status == R ]] && return 0
  done <"$dir/ca/index.txt"
  ca_ossl "$dir" ca -config openssl.cnf -revoke "$cert" -crl_reason keyCompromise
}

# Take DIR (created if needed) and make it absolute: `openssl ca` runs from
# another directory. Concurrent test binaries may share one DIR, so runs are
# serialised on a lock file when flock is available.
enter_dir() {
  DIR_SHOWN=${1%/}
  [[ -n $DIR_SHOWN ]] || DIR_SHOWN=/
  mkdir -p "$1"
  DIR=$(cd "$1" && pwd)
  if command -v flock >/dev/null; then
    exec {LOCK_FD}>"$DIR/.lock"
    flock "$LOCK_FD"
  fi
}

start_work() {
  # Inside DIR so that the final `mv` is a rename on the same filesystem.
  WORK=$(mktemp -d "$DIR/.work.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
}

# ---------------------------------------------------------------- revoke

if [[ $1 == revoke ]]; then
  (($# == 3)) || usage
  ((!FORCE)) || die 2 "--force makes no sense with revoke"
  [[ -d $2 ]] || die 2 "revoke: no PKI directory $2"
  [[ -f $3 ]] || die 2 "revoke: no such certificate $3"
  cert=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
  enter_dir "$2"
  issuer=
  for ca in "$DIR"/[A-Z][A-Z]/ca.crt; do
    [[ -f $ca ]] || continue
    # -no_check_time: an expired certificate can still be revoked.
    if openssl verify -no_check_time -CAfile "$ca" "$cert" >/dev/null 2>&1; then
      issuer=${ca%/ca.crt}
      break
    fi
  done
  [[ -n $issuer ]] || die 2 "revoke: $3 was not issued by any country CA in $DIR_SHOWN"
  start_work
  write_ca_config "$issuer"
  revoke_in_db "$issuer" "$cert"
  refresh_crl "$issuer"
  ((QUIET)) || printf 'revoked %s in %s\n' "$3" "$(show "$issuer/ca.crl")"
  exit 0
fi

# ---------------------------------------------------------------- renew

if [[ $1 == renew ]]; then
  (($# == 4)) || usage
  ((!FORCE)) || die 2 "--force makes no sense with renew"
  [[ -d $2 ]] || die 2 "renew: no PKI directory $2"
  [[ $3 =~ ^[A-Z]{2}$ ]] || die 2 "renew: bad country code '$3'"
  out=$4
  out_dir=$(dirname "$out")
  [[ -d $out_dir ]] || die 2 "renew: no directory $out_dir"
  out=$(cd "$out_dir" && pwd)/$(basename "$out")
  enter_dir "$2"
  cc=$3
  [[ -s $DIR/$cc/ca.crt && -s $DIR/$cc/ca.key && -f $DIR/$cc/ca/index.txt ]] ||
    die 2 "renew: $DIR_SHOWN has no CA of $cc"
  start_work
  write_ca_config "$DIR/$cc"
  CA_FRESH=1 # issue() then always makes a new pair
  quiet=$QUIET
  QUIET=1 # issue() would name the temporary file
  issue "$DIR/$cc" "$WORK/gateway" "/C=$cc/O=Pasarela demo/CN=Pasarela $cc gateway" \
    "$(gateway_san "$cc")" "urn:pasarela:gateway:$cc, renewed" -days 730
  QUIET=$quiet
  # Temporary names beside OUT, so that each final mv is a rename on one filesystem.
  (umask 077 && cp "$WORK/gateway.key" "$out.key.new")
  cp "$WORK/gateway.crt" "$out.crt.new"
  chmod 644 "$out.crt.new"
  mv -f "$out.key.new" "$out.key"
  mv -f "$out.crt.new" "$out.crt"
  ((QUIET)) || printf 'renewed gateway %s: %s.crt, %s.key\n' "$cc" "$4" "$4"
  exit 0
fi

# ---------------------------------------------------------------- make

DIR_ARG=$1
shift

# Validate every SPEC before touching the disk.
readonly NAME_RE='^[A-Za-z0-9._-]+$'
COUNTRIES=()
PARTICIPANTS=()
declare -A SEEN_COUNTRY=() FILE_OWNER=()
add_country() {
  if [[ -z ${SEEN_COUNTRY[$1]:-} ]]; then
    SEEN_COUNTRY[$1]=1
    COUNTRIES+=("$1")
  fi
}
for spec in "$@"; do
  IFS=/ read -r -a parts <<<"$spec"
  ok=1
  [[ ${parts[0]:-} =~ ^[A-Z]{2}$ ]] || ok=0
  if ((${#parts[@]} == 3 || ${#parts[@]} == 4)); then
    for p in "${parts[@]:1}"; do [[ $p =~ $NAME_RE ]] || ok=0; done
  elif ((${#parts[@]} != 1)); then
    ok=0
  fi
  # read -a drops a trailing empty field ("CL/GOV/x/"), so compare back.
  [[ $(IFS=/ && printf '%s' "${parts[*]}") == "$spec" ]] || ok=0
  ((ok)) || die 2 "bad SPEC '$spec': want CC or CC/CLASS/MEMBER[/SUBSYSTEM] (CC two upper-case letters, names [A-Za-z0-9._-]+)"
  add_country "${parts[0]}"
  if ((${#parts[@]} > 1)); then
    # Files are named MEMBER[.SUBSYSTEM] without the class, so two
    # participants can claim the same file; refuse instead of mixing them up.
    file=${parts[0]}/${parts[2]}${parts[3]:+.${parts[3]}}
    if [[ -n ${FILE_OWNER[$file]:-} && ${FILE_OWNER[$file]} != "$spec" ]]; then
      die 2 "bad SPEC '$spec': ${FILE_OWNER[$file]} already uses agencies/${file#*/}.crt"
    fi
    FILE_OWNER[$file]=$spec
    PARTICIPANTS+=("$spec")
  fi
done

enter_dir "$DIR_ARG"

if ((FORCE)); then
  # Refuse to wipe anything that does not look like a PKI made by this
  # script: a mistyped DIR must not cost someone their files.
  shopt -s nullglob dotglob
  for entry in "$DIR"/*; do
    name=${entry##*/}
    [[ $name =~ ^([A-Z]{2}|rogue|\.lock|\.work\..*)$ ]] ||
      die 2 "--force: $DIR_SHOWN holds $name, which this script did not make; not wiping it"
  done
  for entry in "$DIR"/*; do
    [[ ${entry##*/} == .lock ]] || rm -rf "$entry"
  done
  shopt -u nullglob dotglob
fi

start_work

# The test certificates that name another country need one: any other
# country of this run, else one that no run uses.
other_country() {
  local c
  for c in "${COUNTRIES[@]}" ZZ XX; do
    [[ $c == "$1" ]] || {
      printf '%s' "$c"
      return
    }
  done
}

for cc in "${COUNTRIES[@]}"; do
  d=$DIR/$cc
  mkdir -p -m 700 "$d" "$d/agencies" "$d/test"
  ensure_ca "$d" "/C=$cc/O=Pasarela demo/CN=Pasarela $cc root CA" "Pasarela $cc root CA"

  issue "$d" "$d/gateway" "/C=$cc/O=Pasarela demo/CN=Pasarela $cc gateway" \
    "$(gateway_san "$cc")" "urn:pasarela:gateway:$cc" -days 730

  # The gateway's key for the keyed pseudonyms of data subjects in its audit trail.
  if [[ ! -s $d/pseudonym.key ]]; then
    (umask 077 && openssl rand -hex 32 >"$d/pseudonym.key.tmp")
    mv "$d/pseudonym.key.tmp" "$d/pseudonym.key"
    made "$d/pseudonym.key" "audit pseudonym key of $cc"
  fi

  for spec in "${PARTICIPANTS[@]}"; do
    [[ ${spec%%/*} == "$cc" ]] || continue
    IFS=/ read -r _ _ member subsystem <<<"$spec"
    base=$d/agencies/$member${subsystem:+.$subsystem}
    if ((!CA_FRESH)) && [[ -s $base.crt && -s $base.key ]]; then
      # Reused file: make sure an earlier run did not give it to a
      # participant of another class.
      urn=$(participant_urn "$spec")
      san=$(openssl x509 -noout -ext subjectAltName -in "$base.crt")
      [[ $san =~ URI:"$urn"(,|$) ]] ||
        die 2 "bad SPEC '$spec': $(show "$base.crt") names another participant; use --force"
    fi
    issue_participant "$d" "$base" "$spec" -days 730
  done

  # `openssl req -x509` cannot backdate in OpenSSL 3.0; `openssl ca` can.
  issue_participant "$d" "$d/test/expired" "$cc/GOV/expired-agency" \
    -startdate "$EXPIRED_FROM" -enddate "$EXPIRED_UNTIL"
  issue_participant "$d" "$d/test/revoked" "$cc/GOV/revoked-agency" -days 730
  ((!MADE)) || revoke_in_db "$d" "$d/test/revoked.crt"
  issue_participant "$d" "$d/test/spare" "$cc/GOV/spare-agency" -days 730

  xx=$(other_country "$cc")
  # A genuine CA vouching for a gateway, or an agency, that is not its own.
  issue "$d" "$d/test/wrong-country-gateway" "/C=$xx/O=Pasarela demo/CN=Pasarela $xx gateway" \
    "$(gateway_san "$xx")" "urn:pasarela:gateway:$xx, signed by $cc" -days 730
  issue_participant "$d" "$d/test/foreign-agency" "$xx/GOV/foreign-agency" -days 730
done

# Every run re-signs every country CRL in DIR, not just this run's, so none
# of them outlives its 30-day nextUpdate while the directory is in use.
for ca in "$DIR"/[A-Z][A-Z]/ca.crt; do
  [[ -f $ca && -f ${ca%/ca.crt}/ca/index.txt ]] || continue
  write_ca_config "${ca%/ca.crt}"
  refresh_crl "${ca%/ca.crt}"
done

# A CA nobody trusts, issuing look-alike certificates for every country.
r=$DIR/rogue
mkdir -p -m 700 "$r"
ensure_ca "$r" "/C=ZZ/O=Rogue/CN=Rogue CA" "Rogue CA, trusted by no one"
for cc in "${COUNTRIES[@]}"; do
  issue "$r" "$r/$cc-agency" "$(participant_subj "$cc/GOV/registro-rogue")" \
    "URI:urn:pasarela:$cc:GOV:registro-rogue, DNS:localhost, IP:127.0.0.1" \
    "urn:pasarela:$cc:GOV:registro-rogue, rogue" -days 730
  issue "$r" "$r/$cc-gateway" "/C=$cc/O=Pasarela demo/CN=Pasarela $cc gateway" \
    "URI:urn:pasarela:gateway:$cc, DNS:localhost, IP:127.0.0.1" \
    "urn:pasarela:gateway:$cc, rogue" -days 730
done
