// The service catalog: for a participant, the methods it may call, at which provider, under which
// agreements, purposes and validity, with every request and response field, its type and its
// declared personal-data category, and whether each response field may leave under the
// agreement. Answered over gRPC by CatalogService (catalog_service.h) and written as a Markdown
// page by `pasarela catalog`.
//
// Each field's category is the one the classification stage applies: taken from the policy's
// ClassificationPolicy (gateway/classify/classification.h), which resolves, first match wins, the
// field's (pasarela.v1.category) or its annotation in classification.yaml; the
// (pasarela.v1.message_category) of the message holding it, or the message's annotation; the
// category of the field the message was reached through; DATA_CATEGORY_INTERNAL at the root.
// Recursive message types are listed once and not expanded again; map fields are listed as a
// whole.
//
// Everything here is pure and thread-safe: it reads immutable policy and returns new values.
#ifndef PASARELA_GATEWAY_ADMIN_CATALOG_H_
#define PASARELA_GATEWAY_ADMIN_CATALOG_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/agreement/agreement_book.h"
#include "gateway/classify/classification.h"
#include "gateway/policy/descriptor_catalog.h"
#include "gateway/policy/federation.h"
#include "gateway/policy/policy_snapshot.h"
#include "pasarela/catalog/v1/catalog.pb.h"

namespace pasarela::admin {

// What `participant` may call under the snapshot's agreements, as of `now` (validity and days
// until expiry); gateway and policy_digest from the snapshot. A participant that no agreement
// names gets an answer with no offerings.
catalog::v1::ListOfferingsResponse CatalogForParticipant(const PolicySnapshot& snapshot,
                                                         absl::string_view participant,
                                                         absl::Time now);

// The same from the parts of a policy directory (no gateway, no digest). REQUIRES: `agreements`
// and `classification` were compiled against `catalog`.
catalog::v1::ListOfferingsResponse CatalogForParticipant(
    const AgreementBook& agreements, const DescriptorCatalog& catalog,
    const classify::ClassificationPolicy& classification, absl::string_view participant,
    absl::Time now);

// The catalog as a Markdown page for people: for `participant`, or, when it is empty, for every
// participant of the federation (and any consumer of an agreement), in name order.
std::string CatalogMarkdown(const Federation& federation, const AgreementBook& agreements,
                            const DescriptorCatalog& catalog,
                            const classify::ClassificationPolicy& classification,
                            absl::string_view participant, absl::Time now);

// `pasarela catalog --policy DIR [--participant P] [--descriptor-set F]... [--at RFC3339]`:
// loads the policy directory (the descriptor sets installed beside the binary unless sets are
// given) and writes CatalogMarkdown to `out` as of --at (default now). Returns 0 on success, 1
// when the policy has errors (listed on `err`), 2 on a usage error.
int RunCatalogCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The usage line of the command, for the binary's help.
inline constexpr char kCatalogCommandUsage[] =
    "pasarela catalog --policy DIR [--participant P] [--descriptor-set FILE]... [--at TIME]";

}  // namespace pasarela::admin

#endif  // PASARELA_GATEWAY_ADMIN_CATALOG_H_
