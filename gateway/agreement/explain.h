// Plain-words explanation of an agreement, for `pasarela policy explain DIR --agreement ID`: who
// may call what, for which purposes, under which legal basis, from when until when, how often, how
// long the data may be kept, which response fields can leave and what happens to other personal
// data. A pure function; thread-safe.
#ifndef PASARELA_GATEWAY_AGREEMENT_EXPLAIN_H_
#define PASARELA_GATEWAY_AGREEMENT_EXPLAIN_H_

#include <string>

#include "absl/time/time.h"
#include "gateway/agreement/agreement.h"

namespace pasarela {

// Several lines of text ending in a newline; `now` decides "expires in N days" or "expired N days
// ago".
std::string ExplainAgreement(const Agreement& agreement, absl::Time now);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_AGREEMENT_EXPLAIN_H_
