// The audit commands beside verify, and the keyed subject pseudonym the gateway stores in each
// record:
//
//   pasarela audit reconcile PATH_A PATH_B
//       matches two gateways' trails by exchange id and reports exchanges only one side recorded
//       or that the two sides recorded differently.
//   pasarela audit subject DIR --id SCHEME:VALUE --key-file FILE
//       lists the exchanges about one data subject (a person's own access history).
//
// All functions here are thread-safe.

#ifndef PASARELA_GATEWAY_AUDIT_AUDIT_TOOLS_H_
#define PASARELA_GATEWAY_AUDIT_AUDIT_TOOLS_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pasarela::audit {

// The canonical form of a subject identifier "SCHEME:VALUE": the scheme trimmed and upper-case;
// the value trimmed and upper-case, with spaces, dots, hyphens and slashes removed. So
// "cl-run: 12.531.909-2" becomes "CL-RUN:125319092". InvalidArgument when there is no ':' or
// either side is empty.
absl::StatusOr<std::string> NormaliseSubjectId(absl::string_view scheme_value);

// HMAC-SHA-256 under `hmac_key` of NormaliseSubjectId(scheme_value): 32 bytes for the record's
// subject_pseudonym. Empty when scheme_value is not a SCHEME:VALUE identifier.
std::string SubjectPseudonym(absl::string_view hmac_key, absl::string_view scheme_value);

// Reads the pseudonym key: the file's bytes without trailing newline characters, at least 16
// bytes (e.g. the output of `openssl rand -hex 32`). Refused when group or others may access
// the file.
absl::StatusOr<std::string> ReadPseudonymKeyFile(const std::string& path);

// `pasarela audit reconcile PATH_A PATH_B`; `args` are the words after "reconcile". A trail whose
// gateway is unknown (it holds no record) is expected to hold every exchange of the other but
// those the consumer's gateway denied itself. Returns 0 when every exchange between the two
// gateways is recorded alike on both sides, 1 when one is missing or differs, a trail is damaged or
// holds no exchange record (or cannot be read), 2 on a usage error (two trails of one gateway is
// one).
int RunAuditReconcile(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// `pasarela audit subject DIR --id SCHEME:VALUE --key-file FILE`; `args` are the words after
// "subject". Returns 0 (also when nothing matches), 1 when the trail is damaged (the list may be
// incomplete; it is printed all the same) or the trail or key cannot be read, 2 on a usage error.
int RunAuditSubject(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// `pasarela audit show PATH --exchange ID`; `args` are the words after "show". Prints every record
// of that exchange in the trail as one line of JSON each (the AuditRecord's JSON form: parties,
// decision, digests, and the classification summary by field path, category and treatment; a
// trail holds no payload values). Returns 0 when at least one record was found, 1 when none was,
// the trail is damaged (what was found is printed all the same) or it cannot be read, 2 on a usage
// error.
int RunAuditShow(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// `pasarela audit verify|reconcile|subject|show|report ...`; `args` are the words after "audit".
int RunAuditCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_AUDIT_TOOLS_H_
