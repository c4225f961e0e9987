#include "gateway/identity/participant_id.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace pasarela {
namespace {

constexpr absl::string_view kUriPrefix = "urn:pasarela:";
constexpr absl::string_view kGatewayUriPrefix = "urn:pasarela:gateway:";

bool IsNamePart(absl::string_view part) {
  if (part.empty() || part.size() > 64) return false;
  for (char c : part) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace

bool IsCountryCode(absl::string_view code) {
  return code.size() == 2 && absl::ascii_isupper(static_cast<unsigned char>(code[0])) &&
         absl::ascii_isupper(static_cast<unsigned char>(code[1]));
}

absl::StatusOr<ParticipantId> ParticipantId::Parse(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '/');
  if (parts.size() < 3 || parts.size() > 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("participant '", text,
                     "' is not COUNTRY/CLASS/MEMBER[/SUBSYSTEM], e.g. CL/GOV/registro-civil"));
  }
  if (!IsCountryCode(parts[0])) {
    return absl::InvalidArgumentError(absl::StrCat("participant '", text, "': '", parts[0],
                                                   "' is not a two-letter country code"));
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    if (!IsNamePart(parts[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("participant '", text, "': '", parts[i],
                       "' must be 1-64 letters, digits, '-', '_' or '.'"));
    }
  }
  ParticipantId id;
  id.country_ = std::string(parts[0]);
  id.member_class_ = std::string(parts[1]);
  id.member_ = std::string(parts[2]);
  if (parts.size() == 4) id.subsystem_ = std::string(parts[3]);
  return id;
}

absl::StatusOr<ParticipantId> ParticipantId::FromUri(absl::string_view uri) {
  if (!absl::StartsWith(uri, kUriPrefix) || absl::StartsWith(uri, kGatewayUriPrefix)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", uri, "' is not a participant URI (urn:pasarela:CC:CLASS:MEMBER)"));
  }
  absl::string_view rest = uri.substr(kUriPrefix.size());
  std::vector<absl::string_view> parts = absl::StrSplit(rest, ':');
  return Parse(absl::StrJoin(parts, "/"));
}

std::string ParticipantId::ToString() const {
  std::string text = absl::StrCat(country_, "/", member_class_, "/", member_);
  if (!subsystem_.empty()) absl::StrAppend(&text, "/", subsystem_);
  return text;
}

std::string ParticipantId::ToUri() const {
  std::string uri = absl::StrCat(kUriPrefix, country_, ":", member_class_, ":", member_);
  if (!subsystem_.empty()) absl::StrAppend(&uri, ":", subsystem_);
  return uri;
}

absl::string_view CountryOfParticipant(absl::string_view participant) {
  return participant.substr(0, participant.find('/'));
}

std::string GatewayUri(absl::string_view country) {
  return absl::StrCat(kGatewayUriPrefix, country);
}

absl::StatusOr<std::string> ParseGatewayUri(absl::string_view uri) {
  if (!absl::StartsWith(uri, kGatewayUriPrefix)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", uri, "' is not a gateway URI (urn:pasarela:gateway:CC)"));
  }
  absl::string_view country = uri.substr(kGatewayUriPrefix.size());
  if (!IsCountryCode(country)) {
    return absl::InvalidArgumentError(
        absl::StrCat("gateway URI '", uri, "' does not end in a two-letter country code"));
  }
  return std::string(country);
}

}  // namespace pasarela
