// Verification without disclosure: compares the attributes a consumer claims about a person with
// the ones a national registry holds, and answers match, no match or not available per attribute.
// The provider gateway calls its national lookup, maps the answer to the canonical Person, and
// answers VerifyIdentity with these verdicts: the stored values never leave it.
//
// Both messages are read by reflection, so they may come from any descriptor pool: `stored` is a
// pasarela.identity.v1.Person, `claims` a pasarela.identity.v1.ClaimedAttributes (fields are found
// by name). Pure functions: safe from any thread.
#ifndef PASARELA_GATEWAY_MAPPING_VERIFY_CLAIMS_H_
#define PASARELA_GATEWAY_MAPPING_VERIFY_CLAIMS_H_

#include <google/protobuf/message.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace pasarela {

enum class ClaimVerdict { kMatch, kNoMatch, kNotAvailable };

struct AttributeVerdict {
  // The claimed field's name, e.g. "family_names".
  std::string attribute;
  ClaimVerdict verdict = ClaimVerdict::kNotAvailable;
};

// One verdict per attribute set in `claims`, in field order. Comparison ignores case, accents,
// spacing and punctuation in names (given and family names compare as the sequence of their
// words); dates compare as calendar days whatever their layout (1985-03-07, 07/03/1985,
// 07-03-1985, 19850307); nationality codes compare case-insensitively and alpha-3 with alpha-2
// (CHL = CL); an unspecified or unknown sex on record is not available. An attribute the record
// lacks is kNotAvailable. INVALID_ARGUMENT when `claims` has a field `stored` has no counterpart
// of (so that a newer schema is not silently half-verified).
absl::StatusOr<std::vector<AttributeVerdict>> VerifyClaims(const google::protobuf::Message& stored,
                                                           const google::protobuf::Message& claims);

// True when `identifier` (a pasarela.identity.v1.PersonIdentifier) equals one of the stored
// person's identifiers: the same country and scheme (any case) and the same value once
// punctuation and leading zeros are set aside ("12.531.909-2" = "12531909-2").
bool IdentifierMatches(const google::protobuf::Message& stored,
                       const google::protobuf::Message& identifier);

// Fills a pasarela.identity.v1.VerifyIdentityResponse (of any pool): person_found and one
// AttributeVerdict per verdict.
absl::Status WriteVerifyIdentityResponse(bool person_found,
                                         const std::vector<AttributeVerdict>& verdicts,
                                         google::protobuf::Message* response);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_MAPPING_VERIFY_CLAIMS_H_
