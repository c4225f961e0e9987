#include "gateway/agreement/agreement_book.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/digest.h"

namespace pasarela {

AgreementBook::AgreementBook() : digest_(AgreementBookDigest({})) {}

const Agreement* AgreementBook::Find(absl::string_view id) const {
  auto it = std::lower_bound(
      agreements_.begin(), agreements_.end(), id,
      [](const std::unique_ptr<const Agreement>& agreement, absl::string_view wanted) {
        return absl::string_view(agreement->id) < wanted;
      });
  if (it == agreements_.end() || (*it)->id != id) return nullptr;
  return it->get();
}

const ResponseTrimmer* AgreementBook::FindTrimmer(absl::string_view id,
                                                  absl::string_view method) const {
  auto by_agreement = trimmers_.find(id);
  if (by_agreement == trimmers_.end()) return nullptr;
  auto by_method = by_agreement->second.find(method);
  if (by_method == by_agreement->second.end()) return nullptr;
  return by_method->second.get();
}

std::string AgreementBookDigest(const std::vector<std::unique_ptr<const Agreement>>& agreements) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& agreement : agreements) {
    entries.emplace_back(agreement->id, AgreementDigest(*agreement));
  }
  std::sort(entries.begin(), entries.end());
  // Ids are [a-z0-9-]+ and digests hex, so a space and a newline delimit them unambiguously.
  std::string canonical = "pasarela-agreement-book/1\n";
  for (const auto& [id, digest] : entries) absl::StrAppend(&canonical, id, " ", digest, "\n");
  return absl::BytesToHexString(Sha256Digest(canonical));
}

}  // namespace pasarela
