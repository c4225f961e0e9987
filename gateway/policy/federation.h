// federation.yaml (kind Federation): the countries of the federation, the address of each one's
// gateway federation listener, and each one's root of trust (CA and CRL). A plain value.
#ifndef PASARELA_GATEWAY_POLICY_FEDERATION_H_
#define PASARELA_GATEWAY_POLICY_FEDERATION_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "gateway/policy/diagnostics.h"

namespace pasarela {

struct FederationCountry {
  std::string code;  // CL
  std::string name;  // Chile
  // host:port of the country's gateway federation listener.
  std::string gateway_address;
  std::string ca_file;
  std::string crl_file;
  // The country's registered participants ("CL/GOV/registro-civil"): agreements may name only
  // these.
  std::vector<std::string> participants;
  // The form of the federation protocol the country's gateway reads (`protocol`, default 1): a
  // consumer gateway calls it in that form. 2: the call's facts in one binary header; 3: the
  // exchanges as frames on one stream per connection.
  int protocol = 1;
  SourceLocation location;
};

struct Federation {
  std::string file;
  std::vector<FederationCountry> countries;
  // Where the list of countries starts, for an error about a country missing from it.
  SourceLocation countries_location;
  // The country with `code`, or null.
  const FederationCountry* Find(absl::string_view code) const;
  // True when `participant` ("CL/GOV/registro-civil") is registered under its country.
  bool HasParticipant(absl::string_view participant) const;
};

absl::optional<Federation> LoadFederation(const std::string& path, Diagnostics& diagnostics);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_POLICY_FEDERATION_H_
