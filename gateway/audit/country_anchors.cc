#include "gateway/audit/country_anchors.h"

#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/identity/participant_id.h"

namespace pasarela::audit {
namespace {

struct CaSpec {
  std::string country;  // empty: any gateway
  std::string file;
};

absl::StatusOr<CaSpec> ParseCaSpec(const std::string& spec, absl::string_view option) {
  if (spec.size() < 3 || spec[2] != '=' ||
      !absl::ascii_isalpha(static_cast<unsigned char>(spec[0])) ||
      !absl::ascii_isalpha(static_cast<unsigned char>(spec[1]))) {
    return CaSpec{"", spec};
  }
  CaSpec parsed{spec.substr(0, 2), spec.substr(3)};
  if (!IsCountryCode(parsed.country)) {
    return absl::InvalidArgumentError(
        absl::StrCat(option, " ", spec, ": '", parsed.country,
                     "' is not a country code as gateways are named (two capital letters, "
                     "urn:pasarela:gateway:CC); a file whose name begins so is given as ./",
                     spec));
  }
  if (parsed.file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(option, " ", spec, ": no file after '='"));
  }
  return parsed;
}

}  // namespace

absl::StatusOr<std::unique_ptr<CountryAnchors>> CountryAnchors::Load(
    const std::vector<std::string>& specs, absl::string_view option) {
  std::vector<std::string> files;
  std::map<std::string, std::vector<std::string>> files_by_country;
  for (const std::string& spec : specs) {
    absl::StatusOr<CaSpec> parsed = ParseCaSpec(spec, option);
    if (!parsed.ok()) return parsed.status();
    files.push_back(parsed->file);
    files_by_country[parsed->country].push_back(parsed->file);
  }
  std::vector<Group> groups;
  size_t any_gateway_files = 0;
  // The map orders "" first; it goes last, so that a country's own CAs are tried first.
  for (const auto& [country, country_files] : files_by_country) {
    if (country.empty()) continue;
    absl::StatusOr<std::unique_ptr<TrustAnchors>> loaded = TrustAnchors::Load(country_files);
    if (!loaded.ok()) return loaded.status();
    groups.push_back(Group{country, *std::move(loaded)});
  }
  if (auto any = files_by_country.find(""); any != files_by_country.end()) {
    absl::StatusOr<std::unique_ptr<TrustAnchors>> loaded = TrustAnchors::Load(any->second);
    if (!loaded.ok()) return loaded.status();
    groups.push_back(Group{"", *std::move(loaded)});
    any_gateway_files = any->second.size();
  }
  return std::unique_ptr<CountryAnchors>(
      new CountryAnchors(std::move(groups), std::move(files), any_gateway_files));
}

absl::StatusOr<CaVoucher> CountryAnchors::CheckChain(absl::string_view pem_chain, absl::Time at,
                                                     absl::string_view gateway) const {
  // The CAs given for the gateway are tried before those given for any gateway, so that the
  // refusal named is theirs.
  absl::Status refusal;
  for (bool any_gateway : {false, true}) {
    for (const Group& group : groups_) {
      if (group.country != (any_gateway ? absl::string_view() : gateway)) continue;
      absl::Status chain = group.anchors->CheckChain(pem_chain, at);
      if (chain.ok()) return any_gateway ? CaVoucher::kAnyGatewayCa : CaVoucher::kCountryCa;
      if (refusal.ok()) refusal = chain;
    }
  }
  std::vector<std::string> others;  // the other countries a CA was given for
  std::string vouching;             // the first of them whose CA would vouch for it
  for (const Group& group : groups_) {
    if (group.country.empty() || group.country == gateway) continue;
    others.push_back(group.country);
    if (vouching.empty() && group.anchors->CheckChain(pem_chain, at).ok()) {
      vouching = group.country;
    }
  }
  const std::string elsewhere =
      vouching.empty()
          ? std::string()
          : absl::StrCat("; it chains to the CA given for ", vouching,
                         ", which does not vouch for gateway ", gateway, "'s certificates");
  if (refusal.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("CAs were given for ", others.size() == 1 ? "gateway " : "gateways ",
                     absl::StrJoin(others, ", "), " only, none for gateway ", gateway,
                     " and none without a country", elsewhere));
  }
  return absl::UnauthenticatedError(absl::StrCat(refusal.message(), elsewhere));
}

}  // namespace pasarela::audit
