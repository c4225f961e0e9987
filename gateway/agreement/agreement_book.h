// The agreements of a policy directory, loaded and checked against the federation and the
// descriptor catalog, with each agreement's response trimmers compiled.
//
// An AgreementBook is built once per policy snapshot by LoadAgreements and is immutable after:
// safe to share across threads. It refers to descriptors of the catalog it was loaded with.
#ifndef PASARELA_GATEWAY_AGREEMENT_AGREEMENT_BOOK_H_
#define PASARELA_GATEWAY_AGREEMENT_AGREEMENT_BOOK_H_

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "gateway/agreement/agreement.h"
#include "gateway/agreement/response_trimmer.h"
#include "gateway/policy/descriptor_catalog.h"
#include "gateway/policy/diagnostics.h"
#include "gateway/policy/federation.h"

namespace pasarela {

class AgreementBook {
 public:
  // An empty book: no agreement, so every call is refused.
  AgreementBook();
  AgreementBook(AgreementBook&&) = default;
  AgreementBook& operator=(AgreementBook&&) = default;

  // The agreement with `id`, or null. Valid as long as the book.
  const Agreement* Find(absl::string_view id) const;
  // The trimmer of `method` under agreement `id`, or null when either is unknown. Valid as long as
  // the book.
  const ResponseTrimmer* FindTrimmer(absl::string_view id, absl::string_view method) const;
  // Every agreement, sorted by id.
  const std::vector<std::unique_ptr<const Agreement>>& agreements() const { return agreements_; }
  size_t size() const { return agreements_.size(); }
  bool empty() const { return agreements_.empty(); }

  // SHA-256 (hex) over the ids and digests of all agreements (see AgreementBookDigest).
  const std::string& digest() const { return digest_; }

 private:
  friend absl::optional<AgreementBook> LoadAgreements(const std::string&, const Federation*,
                                                      const DescriptorCatalog&, Diagnostics&);

  std::vector<std::unique_ptr<const Agreement>> agreements_;
  // agreement id -> method -> trimmer.
  std::map<std::string, std::map<std::string, ResponseTrimmerPtr, std::less<>>, std::less<>>
      trimmers_;
  std::string digest_;
};

// SHA-256 (hex) of the book: over "pasarela-agreement-book/1\n" followed by one line
// "<id> <agreement digest>\n" per agreement, sorted by id. An empty book has a digest too.
std::string AgreementBookDigest(const std::vector<std::unique_ptr<const Agreement>>& agreements);

// Loads every *.yaml file of `agreements_dir`, in name order, one agreement per file (kind
// Agreement; the format is in gateway/agreement/README.md). A missing directory means no
// agreements. Every error of every file goes to `diagnostics` at file:line:column; nullopt when
// there was any. `federation` is null when federation.yaml has errors: the agreements are then
// checked for everything but whether their participants are registered, and nullopt is returned.
// REQUIRES: `catalog` outlives the returned book (trimmers refer to its descriptors).
absl::optional<AgreementBook> LoadAgreements(const std::string& agreements_dir,
                                             const Federation* federation,
                                             const DescriptorCatalog& catalog,
                                             Diagnostics& diagnostics);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_AGREEMENT_AGREEMENT_BOOK_H_
