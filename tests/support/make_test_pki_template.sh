#!/usr/bin/env bash
# Makes the demo PKI that tests copy instead of generating their own (MakeDemoPki in
# tests/support/topology.h): every country and test agency any test asks for.
#   make_test_pki_template.sh SOURCE_DIR TEMPLATE_DIR
# A new one each ctest run, so that a changed certs/make-pki.sh is always what tests see.
set -euo pipefail
source_dir=$1
template=$2
rm -rf "$template"
"$source_dir/certs/make-pki.sh" -q "$template" AR BR CL UY AR/GOV/migraciones AR/GOV/afip \
  BR/GOV/saude CL/GOV/registro-civil
