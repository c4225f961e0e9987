// services.yaml (kind Services): which local provider serves which canonical methods, and how to
// reach it. A plain value; lookups are const and safe from several threads.
#ifndef PASARELA_GATEWAY_POLICY_SERVICE_DIRECTORY_H_
#define PASARELA_GATEWAY_POLICY_SERVICE_DIRECTORY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "gateway/identity/participant_id.h"
#include "gateway/policy/descriptor_catalog.h"
#include "gateway/policy/diagnostics.h"

namespace pasarela {

struct ProviderService {
  ParticipantId participant;
  // host:port of the provider's gRPC server (mutual TLS: the gateway presents its own certificate).
  std::string address;
  // CA that issued the provider's server certificate.
  std::string ca_file;
  // URI SAN the provider's certificate must carry; by default the participant's URI.
  std::string identity;
  // "package.Service/Method".
  std::vector<std::string> methods;
  SourceLocation location;
};

class ServiceDirectory {
 public:
  ServiceDirectory() = default;
  explicit ServiceDirectory(std::vector<ProviderService> providers)
      : providers_(std::move(providers)) {}

  // The provider `participant` if it serves `method`; NOT_FOUND naming what is missing otherwise.
  absl::StatusOr<const ProviderService*> Find(absl::string_view participant,
                                              absl::string_view method) const;
  const std::vector<ProviderService>& providers() const { return providers_; }

 private:
  std::vector<ProviderService> providers_;
};

// Reads services.yaml. Methods must exist in `catalog` and be unary; providers must be of
// `country`.
absl::optional<ServiceDirectory> LoadServiceDirectory(const std::string& path,
                                                      absl::string_view country,
                                                      const DescriptorCatalog& catalog,
                                                      Diagnostics& diagnostics);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_POLICY_SERVICE_DIRECTORY_H_
