#include "gateway/mapping/verify_claims.h"

#include <google/protobuf/text_format.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "gateway/mapping/text.h"

namespace pasarela {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

enum class Comparison { kName, kText, kDate, kCountry, kEnum, kScalar };

Comparison ComparisonFor(const FieldDescriptor* field) {
  const std::string& name = field->name();
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) return Comparison::kEnum;
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) return Comparison::kScalar;
  if (absl::EndsWith(name, "_date") || name == "date") return Comparison::kDate;
  if (absl::StrContains(name, "nationalit") || absl::StrContains(name, "country")) {
    return Comparison::kCountry;
  }
  if (absl::StrContains(name, "name")) return Comparison::kName;
  return Comparison::kText;
}

std::vector<std::string> Strings(const Message& message, const FieldDescriptor* field) {
  const Reflection* reflection = message.GetReflection();
  std::vector<std::string> values;
  if (field->is_repeated()) {
    for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
      values.push_back(reflection->GetRepeatedString(message, field, i));
    }
  } else if (reflection->HasField(message, field)) {
    values.push_back(reflection->GetString(message, field));
  }
  std::vector<std::string> kept;
  for (std::string& value : values) {
    if (!text::Trim(value).empty()) kept.push_back(std::move(value));
  }
  return kept;
}

bool Present(const Message& message, const FieldDescriptor* field) {
  const Reflection* reflection = message.GetReflection();
  return field->is_repeated() ? reflection->FieldSize(message, field) > 0
                              : reflection->HasField(message, field);
}

// A calendar day written in any of the layouts the region uses.
bool ParseDay(absl::string_view text, absl::CivilDay* day) {
  std::string value = text::Trim(text);
  // Drop a time of day: "1985-03-07T00:00:00Z".
  size_t t = value.find('T');
  if (t != std::string::npos && t >= 8) value.resize(t);
  int a = 0;
  int b = 0;
  int c = 0;
  auto make = [&](int year, int month, int dayn) {
    absl::CivilDay candidate(year, month, dayn);
    if (candidate.year() != year || candidate.month() != month || candidate.day() != dayn) {
      return false;
    }
    *day = candidate;
    return true;
  };
  if (value.size() == 8 && std::all_of(value.begin(), value.end(), absl::ascii_isdigit)) {
    return absl::SimpleAtoi(value.substr(0, 4), &a) && absl::SimpleAtoi(value.substr(4, 2), &b) &&
           absl::SimpleAtoi(value.substr(6, 2), &c) && make(a, b, c);
  }
  for (char separator : {'-', '/', '.'}) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t i = 0; i <= value.size(); ++i) {
      if (i == value.size() || value[i] == separator) {
        parts.push_back(value.substr(start, i - start));
        start = i + 1;
      }
    }
    if (parts.size() != 3) continue;
    if (!absl::SimpleAtoi(parts[0], &a) || !absl::SimpleAtoi(parts[1], &b) ||
        !absl::SimpleAtoi(parts[2], &c)) {
      return false;
    }
    if (parts[0].size() == 4) return make(a, b, c);  // YYYY-MM-DD
    if (parts[2].size() == 4) return make(c, b, a);  // DD/MM/YYYY: the region writes day first
    return false;
  }
  return false;
}

std::string CountryCode(absl::string_view text) {
  static constexpr std::pair<absl::string_view, absl::string_view> kAlpha3[] = {
      {"ARG", "AR"}, {"BOL", "BO"}, {"BRA", "BR"}, {"CAN", "CA"}, {"CHL", "CL"}, {"COL", "CO"},
      {"CRI", "CR"}, {"CUB", "CU"}, {"DOM", "DO"}, {"ECU", "EC"}, {"SLV", "SV"}, {"GTM", "GT"},
      {"GUY", "GY"}, {"HTI", "HT"}, {"HND", "HN"}, {"JAM", "JM"}, {"MEX", "MX"}, {"NIC", "NI"},
      {"PAN", "PA"}, {"PRY", "PY"}, {"PER", "PE"}, {"SUR", "SR"}, {"TTO", "TT"}, {"USA", "US"},
      {"URY", "UY"}, {"VEN", "VE"}, {"ESP", "ES"}, {"PRT", "PT"}, {"ITA", "IT"}, {"FRA", "FR"},
      {"DEU", "DE"}, {"GBR", "GB"}, {"CHN", "CN"}, {"JPN", "JP"}};
  std::string code = absl::AsciiStrToUpper(text::Trim(text));
  for (const auto& [alpha3, alpha2] : kAlpha3) {
    if (code == alpha3) return std::string(alpha2);
  }
  return code;
}

bool SameText(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return text::ComparableName(absl::StrJoin(a, " ")) == text::ComparableName(absl::StrJoin(b, " "));
}

ClaimVerdict Compare(const Message& stored, const FieldDescriptor* stored_field,
                     const Message& claims, const FieldDescriptor* claim_field) {
  const Reflection* stored_reflection = stored.GetReflection();
  const Reflection* claim_reflection = claims.GetReflection();
  switch (ComparisonFor(claim_field)) {
    case Comparison::kName:
    case Comparison::kText: {
      std::vector<std::string> held = Strings(stored, stored_field);
      if (held.empty()) return ClaimVerdict::kNotAvailable;
      return SameText(held, Strings(claims, claim_field)) ? ClaimVerdict::kMatch
                                                          : ClaimVerdict::kNoMatch;
    }
    case Comparison::kDate: {
      std::vector<std::string> held = Strings(stored, stored_field);
      if (held.empty()) return ClaimVerdict::kNotAvailable;
      std::vector<std::string> claimed = Strings(claims, claim_field);
      absl::CivilDay held_day;
      absl::CivilDay claimed_day;
      if (ParseDay(held.front(), &held_day)) {
        return ParseDay(claimed.front(), &claimed_day) && claimed_day == held_day
                   ? ClaimVerdict::kMatch
                   : ClaimVerdict::kNoMatch;
      }
      return SameText(held, claimed) ? ClaimVerdict::kMatch : ClaimVerdict::kNoMatch;
    }
    case Comparison::kCountry: {
      std::vector<std::string> held = Strings(stored, stored_field);
      if (held.empty()) return ClaimVerdict::kNotAvailable;
      for (const std::string& claimed : Strings(claims, claim_field)) {
        bool found = false;
        for (const std::string& code : held)
          found = found || CountryCode(code) == CountryCode(claimed);
        if (!found) return ClaimVerdict::kNoMatch;
      }
      return ClaimVerdict::kMatch;
    }
    case Comparison::kEnum: {
      if (stored_field->cpp_type() != FieldDescriptor::CPPTYPE_ENUM ||
          stored_field->is_repeated()) {
        return ClaimVerdict::kNotAvailable;
      }
      const auto* held = stored_reflection->GetEnum(stored, stored_field);
      if (held->number() == 0 || absl::EndsWith(held->name(), "_UNKNOWN")) {
        return ClaimVerdict::kNotAvailable;
      }
      const auto* claimed = claim_reflection->GetEnum(claims, claim_field);
      return held->name() == claimed->name() ? ClaimVerdict::kMatch : ClaimVerdict::kNoMatch;
    }
    case Comparison::kScalar: {
      if (stored_field->cpp_type() != claim_field->cpp_type() || stored_field->is_repeated() ||
          claim_field->is_repeated() || !stored_reflection->HasField(stored, stored_field)) {
        return ClaimVerdict::kNotAvailable;
      }
      std::string held;
      std::string claimed;
      google::protobuf::TextFormat::PrintFieldValueToString(stored, stored_field, -1, &held);
      google::protobuf::TextFormat::PrintFieldValueToString(claims, claim_field, -1, &claimed);
      return held == claimed ? ClaimVerdict::kMatch : ClaimVerdict::kNoMatch;
    }
  }
  return ClaimVerdict::kNotAvailable;
}

std::string CompactIdentifier(absl::string_view value) {
  std::string out;
  for (char c : value) {
    if (absl::ascii_isalnum(c)) out.push_back(absl::ascii_toupper(c));
  }
  size_t zeros = 0;
  while (zeros + 1 < out.size() && out[zeros] == '0') ++zeros;
  return out.substr(zeros);
}

std::string StringField(const Message& message, absl::string_view name) {
  const FieldDescriptor* field = message.GetDescriptor()->FindFieldByName(std::string(name));
  if (field == nullptr || field->is_repeated() ||
      field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
    return "";
  }
  return message.GetReflection()->GetString(message, field);
}

}  // namespace

absl::StatusOr<std::vector<AttributeVerdict>> VerifyClaims(const Message& stored,
                                                           const Message& claims) {
  std::vector<AttributeVerdict> verdicts;
  const Descriptor* claim_type = claims.GetDescriptor();
  const Descriptor* stored_type = stored.GetDescriptor();
  for (int i = 0; i < claim_type->field_count(); ++i) {
    const FieldDescriptor* claim_field = claim_type->field(i);
    if (!Present(claims, claim_field)) continue;
    if (claim_field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM && !claim_field->is_repeated() &&
        claims.GetReflection()->GetEnumValue(claims, claim_field) == 0) {
      continue;
    }
    if (claim_field->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
        Strings(claims, claim_field).empty()) {
      continue;
    }
    // "nationality" is compared with the record's "nationalities".
    const FieldDescriptor* stored_field = stored_type->FindFieldByName(claim_field->name());
    if (stored_field == nullptr) {
      stored_field = stored_type->FindFieldByName(claim_field->name() + "s");
    }
    if (stored_field == nullptr) {
      stored_field = stored_type->FindFieldByName(
          absl::StrCat(claim_field->name().substr(0, claim_field->name().size() - 1), "ies"));
    }
    if (stored_field == nullptr || claim_field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InvalidArgumentError(
          absl::StrCat("claimed attribute '", claim_field->name(), "' has no counterpart in ",
                       stored_type->full_name(), "; it cannot be verified"));
    }
    verdicts.push_back(
        AttributeVerdict{claim_field->name(), Compare(stored, stored_field, claims, claim_field)});
  }
  return verdicts;
}

bool IdentifierMatches(const Message& stored, const Message& identifier) {
  const FieldDescriptor* identifiers = stored.GetDescriptor()->FindFieldByName("identifiers");
  if (identifiers == nullptr || !identifiers->is_repeated() ||
      identifiers->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return false;
  }
  std::string country = absl::AsciiStrToUpper(StringField(identifier, "issuing_country"));
  std::string scheme = absl::AsciiStrToUpper(StringField(identifier, "scheme"));
  std::string value = CompactIdentifier(StringField(identifier, "value"));
  if (value.empty()) return false;
  const Reflection* reflection = stored.GetReflection();
  for (int i = 0; i < reflection->FieldSize(stored, identifiers); ++i) {
    const Message& held = reflection->GetRepeatedMessage(stored, identifiers, i);
    if (absl::AsciiStrToUpper(StringField(held, "issuing_country")) == country &&
        absl::AsciiStrToUpper(StringField(held, "scheme")) == scheme &&
        CompactIdentifier(StringField(held, "value")) == value) {
      return true;
    }
  }
  return false;
}

absl::Status WriteVerifyIdentityResponse(bool person_found,
                                         const std::vector<AttributeVerdict>& verdicts,
                                         Message* response) {
  const Descriptor* type = response->GetDescriptor();
  const FieldDescriptor* found = type->FindFieldByName("person_found");
  const FieldDescriptor* list = type->FindFieldByName("verdicts");
  if (found == nullptr || found->cpp_type() != FieldDescriptor::CPPTYPE_BOOL || list == nullptr ||
      !list->is_repeated() || list->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return absl::InvalidArgumentError(
        absl::StrCat(type->full_name(), " is not a VerifyIdentityResponse"));
  }
  const Descriptor* verdict_type = list->message_type();
  const FieldDescriptor* attribute = verdict_type->FindFieldByName("attribute");
  const FieldDescriptor* verdict = verdict_type->FindFieldByName("verdict");
  if (attribute == nullptr || verdict == nullptr ||
      verdict->cpp_type() != FieldDescriptor::CPPTYPE_ENUM) {
    return absl::InvalidArgumentError(
        absl::StrCat(verdict_type->full_name(), " is not an AttributeVerdict"));
  }
  const Reflection* reflection = response->GetReflection();
  response->Clear();
  reflection->SetBool(response, found, person_found);
  for (const AttributeVerdict& entry : verdicts) {
    const char* name = entry.verdict == ClaimVerdict::kMatch     ? "VERDICT_MATCH"
                       : entry.verdict == ClaimVerdict::kNoMatch ? "VERDICT_NO_MATCH"
                                                                 : "VERDICT_NOT_AVAILABLE";
    const auto* value = verdict->enum_type()->FindValueByName(name);
    if (value == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(verdict->enum_type()->full_name(), " has no value ", name));
    }
    Message* element = reflection->AddMessage(response, list);
    element->GetReflection()->SetString(element, attribute, entry.attribute);
    element->GetReflection()->SetEnum(element, verdict, value);
  }
  return absl::OkStatus();
}

}  // namespace pasarela
