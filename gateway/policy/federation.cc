#include "gateway/policy/federation.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/file.h"
#include "gateway/common/host_port.h"
#include "gateway/identity/certificate.h"
#include "gateway/identity/participant_id.h"
#include "gateway/identity/trust_store.h"
#include "gateway/policy/yaml_reader.h"

namespace pasarela {

const FederationCountry* Federation::Find(absl::string_view code) const {
  for (const FederationCountry& country : countries) {
    if (country.code == code) return &country;
  }
  return nullptr;
}

bool Federation::HasParticipant(absl::string_view participant) const {
  const FederationCountry* country = Find(participant.substr(0, 2));
  if (country == nullptr) return false;
  for (const std::string& registered : country->participants) {
    if (registered == participant) return true;
  }
  return false;
}

absl::optional<Federation> LoadFederation(const std::string& path, Diagnostics& diagnostics) {
  size_t errors_before = diagnostics.errors().size();
  YamlFile file = ParseYamlFile(path, diagnostics);
  if (!file.ok()) return absl::nullopt;
  YamlMap top(file.root, path, diagnostics, "federation");
  if (!CheckFileBelongsHere(top, {"Federation"})) return absl::nullopt;
  top.ExpectKeys({"apiVersion", "kind", "countries"});
  CheckHeader(top, "Federation");

  Federation federation;
  federation.file = path;
  federation.countries_location = top.LocationOf("countries");
  YAML::Node countries = top.Get("countries");
  if (!countries.IsDefined()) {
    top.Error(file.root, "federation: missing required key 'countries'");
  } else if (!countries.IsSequence() || countries.size() == 0) {
    top.Error(countries, absl::StrCat("countries: expected a non-empty list of countries, found ",
                                      DescribeFound(countries)));
  } else {
    absl::flat_hash_map<std::string, SourceLocation> first_location;
    int index = 0;
    for (const YAML::Node& node : countries) {
      YamlMap entry(node, path, diagnostics, absl::StrCat("countries[", index++, "]"));
      if (!entry.valid()) continue;
      entry.ExpectKeys(
          {"code", "name", "gateway", "ca_file", "crl_file", "participants", "protocol"});
      FederationCountry country;
      country.location = entry.location();
      if (auto code = entry.RequiredString("code")) {
        if (!IsCountryCode(*code)) {
          entry.Error(entry.Get("code"),
                      absl::StrCat(entry.what(),
                                   ".code: expected a two-letter upper-case code such "
                                   "as CL, found '",
                                   *code, "'"));
        }
        auto [it, inserted] = first_location.emplace(*code, entry.LocationOf("code"));
        if (!inserted) {
          entry.Error(entry.Get("code"),
                      absl::StrCat(entry.what(), ".code: country ", *code,
                                   " is listed twice (first at ", it->second.ToString(), ")"));
        }
        country.code = *code;
      }
      if (auto name = entry.OptionalString("name")) country.name = *name;
      if (auto address = entry.RequiredString("gateway")) {
        absl::Status dialable = CheckDialAddress(*address);
        if (!dialable.ok()) {
          entry.Error(entry.Get("gateway"),
                      absl::StrCat(entry.what(), ".gateway: ", dialable.message()));
        }
        country.gateway_address = *address;
      }
      if (auto protocol = entry.OptionalInt("protocol", 1, 3)) {
        country.protocol = static_cast<int>(*protocol);
      }
      bool trust_files_readable = true;
      for (auto [key, target] : {std::pair<const char*, std::string*>{"ca_file", &country.ca_file},
                                 {"crl_file", &country.crl_file}}) {
        absl::optional<std::string> value = entry.RequiredString(key);
        if (!value.has_value()) {
          trust_files_readable = false;
          continue;
        }
        *target = ResolvePath(path, *value);
        if (::access(target->c_str(), R_OK) != 0) {
          entry.Error(entry.Get(key), absl::StrCat(entry.what(), ".", key, ": cannot read ",
                                                   *target, ": ", std::strerror(errno)));
          trust_files_readable = false;
        }
      }
      // Read as the gateway reads them when it starts, so that lint refuses what serve would.
      if (trust_files_readable) {
        absl::StatusOr<Certificate> ca = Certificate::FromPemFile(country.ca_file);
        if (!ca.ok()) {
          entry.Error(entry.Get("ca_file"),
                      absl::StrCat(entry.what(), ".ca_file: ", ca.status().message()));
        } else if (absl::StatusOr<std::unique_ptr<TrustStore>> store = TrustStore::Create(
                       {TrustAnchorConfig{country.code, country.ca_file, country.crl_file}});
                   !store.ok()) {
          entry.Error(entry.Get("crl_file"),
                      absl::StrCat(entry.what(), ".crl_file: ", store.status().message()));
        }
      }
      if (auto participants = entry.OptionalStringList("participants")) {
        YAML::Node nodes = entry.Get("participants");
        for (size_t i = 0; i < participants->size(); ++i) {
          absl::StatusOr<ParticipantId> participant = ParticipantId::Parse((*participants)[i]);
          if (!participant.ok()) {
            entry.Error(nodes[i], absl::StrCat(entry.what(),
                                               ".participants: ", participant.status().message()));
          } else if (!country.code.empty() && participant->country() != country.code) {
            entry.Error(nodes[i], absl::StrCat(entry.what(), ".participants: ", (*participants)[i],
                                               " is not of country ", country.code));
          }
        }
        country.participants = *std::move(participants);
      }
      federation.countries.push_back(std::move(country));
    }
  }
  if (diagnostics.errors().size() != errors_before) return absl::nullopt;
  return federation;
}

}  // namespace pasarela
