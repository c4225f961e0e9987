#include "gateway/policy/federation.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/file.h"
#include "gateway/identity/participant_id.h"
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
  top.ExpectKeys({"apiVersion", "kind", "countries"});
  CheckHeader(top, "Federation");

  Federation federation;
  federation.file = path;
  YAML::Node countries = top.Get("countries");
  if (!countries.IsDefined()) {
    top.Error(file.root, "federation: missing required key 'countries'");
  } else if (!countries.IsSequence() || countries.size() == 0) {
    top.Error(countries, "countries: expected a non-empty list of countries");
  } else {
    absl::flat_hash_map<std::string, int> first_line;
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
        auto [it, inserted] = first_line.emplace(*code, entry.LocationOf("code").line);
        if (!inserted) {
          entry.Error(entry.Get("code"),
                      absl::StrCat(entry.what(), ".code: country ", *code,
                                   " is listed twice (first at line ", it->second, ")"));
        }
        country.code = *code;
      }
      if (auto name = entry.OptionalString("name")) country.name = *name;
      if (auto address = entry.RequiredString("gateway")) country.gateway_address = *address;
      if (auto protocol = entry.OptionalInt("protocol", 1, 2)) {
        country.protocol = static_cast<int>(*protocol);
      }
      for (auto [key, target] : {std::pair<const char*, std::string*>{"ca_file", &country.ca_file},
                                 {"crl_file", &country.crl_file}}) {
        absl::optional<std::string> value = entry.RequiredString(key);
        if (!value.has_value()) continue;
        *target = ResolvePath(path, *value);
        if (::access(target->c_str(), R_OK) != 0) {
          entry.Error(entry.Get(key), absl::StrCat(entry.what(), ".", key, ": cannot read ",
                                                   *target, ": ", std::strerror(errno)));
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
