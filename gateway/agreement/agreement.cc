#include "gateway/agreement/agreement.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "gateway/common/counted.h"
#include "gateway/common/digest.h"
#include "gateway/common/rfc3339.h"

namespace pasarela {
namespace {

struct CategoryName {
  DataCategory category;
  const char* name;
};

constexpr std::array<CategoryName, 12> kCategoryNames = {{
    {DataCategory::kPublic, "public"},
    {DataCategory::kInternal, "internal"},
    {DataCategory::kPersonal, "personal"},
    {DataCategory::kPersonalIdentifier, "personal_identifier"},
    {DataCategory::kHealth, "health"},
    {DataCategory::kGenetic, "genetic"},
    {DataCategory::kBiometric, "biometric"},
    {DataCategory::kRacialOrEthnicOrigin, "racial_or_ethnic_origin"},
    {DataCategory::kReligiousOrPhilosophicalBelief, "religious_or_philosophical_belief"},
    {DataCategory::kPoliticalOpinion, "political_opinion"},
    {DataCategory::kUnionMembership, "union_membership"},
    {DataCategory::kSexLifeOrSexualOrientation, "sex_life_or_sexual_orientation"},
}};

struct TreatmentName {
  DataTreatment treatment;
  const char* name;
};

constexpr std::array<TreatmentName, 6> kTreatmentNames = {{
    {DataTreatment::kAllow, "allow"},
    {DataTreatment::kDrop, "drop"},
    {DataTreatment::kRedact, "redact"},
    {DataTreatment::kMask, "mask"},
    {DataTreatment::kPseudonymise, "pseudonymise"},
    {DataTreatment::kDeny, "deny"},
}};

bool AllDigits(absl::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
}

// Canonical form, one record per semantic item, in this fixed order:
//
//   pasarela-agreement/1\n
//   <name> <count>\n          a record: its name and how many values follow
//   <length>:<bytes>\n        each value, length-prefixed so no value can forge a boundary
//
// Sets (consumers, methods, purposes, fields, categories) are sorted; times are UTC with all the
// precision they have; numbers are written by a fixed format. response_fields is one record whose
// count is the number of methods, each followed by a "method" and a "fields" record.
class CanonicalWriter {
 public:
  CanonicalWriter() : out_("pasarela-agreement/1\n") {}

  void Record(absl::string_view name, const std::vector<std::string>& values) {
    absl::StrAppend(&out_, name, " ", values.size(), "\n");
    for (const std::string& value : values) absl::StrAppend(&out_, value.size(), ":", value, "\n");
  }
  void Record(absl::string_view name, absl::string_view value) {
    Record(name, std::vector<std::string>{std::string(value)});
  }
  void Header(absl::string_view name, size_t count) {
    absl::StrAppend(&out_, name, " ", count, "\n");
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string FullPrecisionUtc(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", time, absl::UTCTimeZone());
}

}  // namespace

bool IsSensitive(DataCategory category) {
  return static_cast<int>(category) >= static_cast<int>(DataCategory::kHealth);
}

absl::string_view DataCategoryName(DataCategory category) {
  for (const CategoryName& entry : kCategoryNames) {
    if (entry.category == category) return entry.name;
  }
  return "unspecified";
}

absl::optional<DataCategory> ParseDataCategory(absl::string_view name) {
  for (const CategoryName& entry : kCategoryNames) {
    if (name == entry.name) return entry.category;
  }
  return absl::nullopt;
}

const std::vector<DataCategory>& AllDataCategories() {
  static const std::vector<DataCategory>* const kAll = [] {
    auto* all = new std::vector<DataCategory>();
    for (const CategoryName& entry : kCategoryNames) all->push_back(entry.category);
    return all;
  }();
  return *kAll;
}

std::vector<std::string> DataCategoryNames() {
  std::vector<std::string> names;
  for (const CategoryName& entry : kCategoryNames) names.emplace_back(entry.name);
  return names;
}

absl::string_view DataTreatmentName(DataTreatment treatment) {
  for (const TreatmentName& entry : kTreatmentNames) {
    if (entry.treatment == treatment) return entry.name;
  }
  return "deny";
}

absl::optional<DataTreatment> ParseDataTreatment(absl::string_view name) {
  for (const TreatmentName& entry : kTreatmentNames) {
    if (name == entry.name) return entry.treatment;
  }
  return absl::nullopt;
}

std::vector<std::string> DataTreatmentNames() {
  std::vector<std::string> names;
  for (const TreatmentName& entry : kTreatmentNames) names.emplace_back(entry.name);
  return names;
}

std::string IsoDuration::ToString() const {
  std::string out = "P";
  if (years != 0) absl::StrAppend(&out, years, "Y");
  if (months != 0) absl::StrAppend(&out, months, "M");
  if (days != 0) absl::StrAppend(&out, days, "D");
  if (hours != 0 || minutes != 0 || seconds != 0) {
    out += "T";
    if (hours != 0) absl::StrAppend(&out, hours, "H");
    if (minutes != 0) absl::StrAppend(&out, minutes, "M");
    if (seconds != 0) absl::StrAppend(&out, seconds, "S");
  }
  if (out == "P") out = "P0D";
  return out;
}

std::string IsoDuration::ToWords() const {
  std::vector<std::string> parts;
  if (years != 0) parts.push_back(Counted(years, "year", "years"));
  if (months != 0) parts.push_back(Counted(months, "month", "months"));
  if (days != 0) parts.push_back(Counted(days, "day", "days"));
  if (hours != 0) parts.push_back(Counted(hours, "hour", "hours"));
  if (minutes != 0) parts.push_back(Counted(minutes, "minute", "minutes"));
  if (seconds != 0) parts.push_back(Counted(seconds, "second", "seconds"));
  if (parts.empty()) return "no time at all";
  if (parts.size() == 1) return parts[0];
  std::string last = parts.back();
  parts.pop_back();
  return absl::StrCat(absl::StrJoin(parts, ", "), " and ", last);
}

bool IsoDuration::operator==(const IsoDuration& other) const {
  return years == other.years && months == other.months && days == other.days &&
         hours == other.hours && minutes == other.minutes && seconds == other.seconds;
}

absl::optional<IsoDuration> ParseIsoDuration(absl::string_view text) {
  if (text.size() < 3 || text[0] != 'P') return absl::nullopt;
  IsoDuration duration;
  bool in_time = false;
  bool any = false;
  // Designators must come in this order, each at most once.
  const std::string date_order = "YMWD";
  const std::string time_order = "HMS";
  size_t next_date = 0;
  size_t next_time = 0;
  size_t i = 1;
  while (i < text.size()) {
    if (text[i] == 'T') {
      if (in_time) return absl::nullopt;
      in_time = true;
      ++i;
      if (i == text.size()) return absl::nullopt;  // "P1DT" has no time component
      continue;
    }
    size_t start = i;
    while (i < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start || i == text.size() || i - start > 9) return absl::nullopt;
    int64_t value = 0;
    if (!absl::SimpleAtoi(text.substr(start, i - start), &value)) return absl::nullopt;
    char designator = text[i++];
    const std::string& order = in_time ? time_order : date_order;
    size_t& next = in_time ? next_time : next_date;
    size_t position = order.find(designator, next);
    if (position == std::string::npos) return absl::nullopt;
    next = position + 1;
    any = true;
    if (!in_time) {
      switch (designator) {
        case 'Y':
          duration.years = value;
          break;
        case 'M':
          duration.months = value;
          break;
        case 'W':
          duration.days += 7 * value;
          break;
        case 'D':
          duration.days += value;
          break;
      }
    } else {
      switch (designator) {
        case 'H':
          duration.hours = value;
          break;
        case 'M':
          duration.minutes = value;
          break;
        case 'S':
          duration.seconds = value;
          break;
      }
    }
  }
  if (!any) return absl::nullopt;
  return duration;
}

absl::optional<absl::Time> ParseRfc3339(absl::string_view text) {
  // Shape first: absl::ParseTime accepts more than RFC 3339 does (years of other widths, for one).
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  if (text.size() < 20) return absl::nullopt;
  auto digits = [&](size_t at, size_t count) { return AllDigits(text.substr(at, count)); };
  if (!digits(0, 4) || text[4] != '-' || !digits(5, 2) || text[7] != '-' || !digits(8, 2) ||
      (text[10] != 'T' && text[10] != 't') || !digits(11, 2) || text[13] != ':' || !digits(14, 2) ||
      text[16] != ':' || !digits(17, 2)) {
    return absl::nullopt;
  }
  size_t i = 19;
  if (text[i] == '.') {
    size_t start = ++i;
    while (i < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) ++i;
    // Nanoseconds are the finest a time holds: more digits would be dropped without a word.
    if (i == start || i - start > 9) return absl::nullopt;
  }
  absl::string_view zone = text.substr(i);
  bool zulu = zone == "Z" || zone == "z";
  bool offset = zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') &&
                AllDigits(zone.substr(1, 2)) && zone[3] == ':' && AllDigits(zone.substr(4, 2));
  if (!zulu && !offset) return absl::nullopt;
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(text), &time, &error)) return absl::nullopt;
  // Years 1 to 9999 in UTC, which every RFC 3339 writer can write back (0001-01-01T00:00:00+05:00
  // is in the year 0).
  if (YearOutsideRfc3339(time).has_value()) return absl::nullopt;
  return time;
}

std::string FormatRfc3339(absl::Time time) {
  if (time == absl::InfiniteFuture()) return "infinite-future";
  if (time == absl::InfinitePast()) return "infinite-past";
  return FullPrecisionUtc(time);
}

bool PersonalDataPolicy::Allows(DataCategory category) const {
  if (IsSensitive(category)) {
    return std::find(also_allowed.begin(), also_allowed.end(), category) != also_allowed.end();
  }
  return static_cast<int>(category) <= static_cast<int>(highest_category);
}

DataTreatment PersonalDataPolicy::TreatmentFor(DataCategory category) const {
  if (Allows(category)) return DataTreatment::kAllow;
  auto it = beyond.find(category);
  return it == beyond.end() ? default_treatment : it->second;
}

DataTreatment PersonalDataPolicy::UndeclaredTreatmentFor(DataCategory category) const {
  return Allows(category) ? undeclared : TreatmentFor(category);
}

bool Agreement::HasConsumer(absl::string_view participant) const {
  return std::binary_search(consumers.begin(), consumers.end(), participant);
}

bool Agreement::AllowsMethod(absl::string_view method) const {
  return std::binary_search(methods.begin(), methods.end(), method);
}

bool Agreement::AllowsPurpose(absl::string_view purpose) const {
  return std::binary_search(purposes.begin(), purposes.end(), purpose);
}

const std::vector<std::string>* Agreement::ResponseFieldsOf(absl::string_view method) const {
  auto it = response_fields.find(std::string(method));
  return it == response_fields.end() ? nullptr : &it->second;
}

std::string CanonicalAgreement(const Agreement& agreement) {
  auto sorted = [](std::vector<std::string> values) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    return values;
  };
  CanonicalWriter writer;
  writer.Record("id", agreement.id);
  writer.Record("title", agreement.title);
  writer.Record("consumers", sorted(agreement.consumers));
  writer.Record("provider", agreement.provider);
  writer.Record("methods", sorted(agreement.methods));
  writer.Record("purposes", sorted(agreement.purposes));
  writer.Record("legal_basis.text", agreement.legal_basis.text);
  writer.Record("legal_basis.reference", agreement.legal_basis.reference);
  writer.Record("validity.from", FullPrecisionUtc(agreement.valid_from));
  writer.Record("validity.until", FullPrecisionUtc(agreement.valid_until));
  writer.Record("retention", agreement.retention.ToString());
  writer.Record("quota.requests_per_second",
                absl::StrFormat("%.17g", agreement.quota.requests_per_second));
  writer.Record("quota.burst", absl::StrCat(agreement.quota.burst));
  writer.Header("response_fields", agreement.response_fields.size());
  for (const auto& [method, fields] : agreement.response_fields) {  // std::map: sorted by method
    writer.Record("method", method);
    writer.Record("fields", sorted(fields));
  }
  const PersonalDataPolicy& data = agreement.personal_data;
  writer.Record("personal_data.highest_category", DataCategoryName(data.highest_category));
  std::vector<DataCategory> also_allowed = data.also_allowed;
  std::sort(also_allowed.begin(), also_allowed.end());
  also_allowed.erase(std::unique(also_allowed.begin(), also_allowed.end()), also_allowed.end());
  std::vector<std::string> also_allowed_names;
  for (DataCategory category : also_allowed) {
    also_allowed_names.emplace_back(DataCategoryName(category));
  }
  writer.Record("personal_data.also_allowed", also_allowed_names);
  writer.Record("personal_data.beyond.default", DataTreatmentName(data.default_treatment));
  std::vector<std::string> beyond;  // std::map: sorted by category
  for (const auto& [category, treatment] : data.beyond) {
    beyond.push_back(absl::StrCat(DataCategoryName(category), "=", DataTreatmentName(treatment)));
  }
  writer.Record("personal_data.beyond", beyond);
  writer.Record("personal_data.mask_keep_last", absl::StrCat(data.mask_keep_last));
  // Written only when set, so that agreements which do not use the key keep the digest they had
  // before it existed (digests are recorded in audit trails).
  if (data.undeclared != DataTreatment::kAllow) {
    writer.Record("personal_data.undeclared", DataTreatmentName(data.undeclared));
  }
  return writer.Take();
}

std::string AgreementDigest(const Agreement& agreement) {
  std::string canonical = CanonicalAgreement(agreement);
  return absl::BytesToHexString(Sha256Digest(canonical));
}

}  // namespace pasarela
