#include "gateway/agreement/explain.h"

#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/common/counted.h"

namespace pasarela {
namespace {

// "1 day", "12 days", "less than a day".
std::string Days(absl::Duration duration) {
  int64_t days = absl::ToInt64Hours(duration) / 24;
  if (days == 0) return "less than a day";
  return Counted(days, "day", "days");
}

std::string Treatment(DataTreatment treatment, int mask_keep_last) {
  switch (treatment) {
    case DataTreatment::kAllow:
      return "let through anyway";
    case DataTreatment::kDrop:
      return "dropped (the field is removed)";
    case DataTreatment::kRedact:
      return "redacted (the value is replaced by a placeholder)";
    case DataTreatment::kMask:
      return absl::StrCat("masked (only the last ", mask_keep_last, " characters stay visible)");
    case DataTreatment::kPseudonymise:
      return "pseudonymised (the value is replaced by a keyed pseudonym)";
    case DataTreatment::kDeny:
      return "refused: the whole exchange is denied";
  }
  return "refused: the whole exchange is denied";
}

std::string Validity(const Agreement& agreement, absl::Time now) {
  std::string window = absl::StrCat("from ", FormatRfc3339(agreement.valid_from), " until ",
                                    FormatRfc3339(agreement.valid_until));
  if (now < agreement.valid_from) {
    return absl::StrCat(window, "; not yet in force: starts in ", Days(agreement.valid_from - now));
  }
  if (now > agreement.valid_until) {
    return absl::StrCat(window, "; no longer in force: expired ", Days(now - agreement.valid_until),
                        " ago");
  }
  return absl::StrCat(window, "; in force now, expires in ", Days(agreement.valid_until - now));
}

}  // namespace

std::string ExplainAgreement(const Agreement& agreement, absl::Time now) {
  std::string out;
  absl::StrAppend(&out, "Agreement ", agreement.id,
                  agreement.title.empty() ? "" : absl::StrCat(": ", agreement.title), "\n");
  absl::StrAppend(&out, "Digest: sha256:", AgreementDigest(agreement), "\n\n");

  absl::StrAppend(&out, "Who: ", absl::StrJoin(agreement.consumers, ", "),
                  agreement.consumers.size() == 1 ? " may call " : " may each call ",
                  agreement.provider, ".\n");
  absl::StrAppend(&out, "What: these methods, and no other:\n");
  for (const std::string& method : agreement.methods) absl::StrAppend(&out, "  - ", method, "\n");
  absl::StrAppend(&out, "Purposes: ", absl::StrJoin(agreement.purposes, ", "),
                  ". Every call must state one of them.\n");
  absl::StrAppend(&out, "Legal basis: ", agreement.legal_basis.text, "\n");
  absl::StrAppend(&out, "  Reference: ", agreement.legal_basis.reference, "\n");
  absl::StrAppend(&out, "In force: ", Validity(agreement, now), ".\n");
  absl::StrAppend(&out, "Quota: ", agreement.quota.requests_per_second,
                  " requests per second per consumer, in bursts of up to ", agreement.quota.burst,
                  ".\n");
  absl::StrAppend(&out, "Retention: the consumer may keep what it receives for ",
                  agreement.retention.ToWords(), " (", agreement.retention.ToString(), ").\n");

  absl::StrAppend(&out, "\nResponse fields that may leave (everything else is withheld):\n");
  for (const auto& [method, fields] : agreement.response_fields) {
    absl::StrAppend(
        &out, "  ", method, ": ",
        fields.empty() ? "nothing (the response crosses empty)" : absl::StrJoin(fields, ", "),
        "\n");
  }

  const PersonalDataPolicy& data = agreement.personal_data;
  std::vector<std::string> ordered;
  for (DataCategory category : AllDataCategories()) {
    if (!IsSensitive(category) && data.Allows(category)) {
      ordered.emplace_back(DataCategoryName(category));
    }
  }
  absl::StrAppend(&out, "\nPersonal data that may cross: every category up to ",
                  DataCategoryName(data.highest_category), " (", absl::StrJoin(ordered, ", "), ")");
  if (!data.also_allowed.empty()) {
    std::vector<std::string> named;
    for (DataCategory category : data.also_allowed) {
      named.emplace_back(DataCategoryName(category));
    }
    absl::StrAppend(&out, ", and by name the sensitive ", absl::StrJoin(named, ", "));
  }
  absl::StrAppend(&out, ".\n");
  std::vector<std::string> by_default;
  for (DataCategory category : AllDataCategories()) {
    if (!data.Allows(category) && data.beyond.count(category) == 0) {
      by_default.emplace_back(DataCategoryName(category));
    }
  }
  if (!by_default.empty()) {
    absl::StrAppend(&out, "Data of any other category (", absl::StrJoin(by_default, ", "), ") is ",
                    Treatment(data.default_treatment, data.mask_keep_last), ".\n");
  }
  for (const auto& [category, treatment] : data.beyond) {
    absl::StrAppend(&out, "Data of category ", DataCategoryName(category), " is ",
                    Treatment(treatment, data.mask_keep_last), ".\n");
  }
  if (data.undeclared != DataTreatment::kAllow) {
    absl::StrAppend(&out,
                    "Personal data of an allowed category found where the schema does not declare "
                    "it (an identifier in a free-text note) is ",
                    Treatment(data.undeclared, data.mask_keep_last), ".\n");
  }
  return out;
}

}  // namespace pasarela
