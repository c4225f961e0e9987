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
#include "gateway/identity/trust_store.h"
#include "gateway/policy/descriptor_catalog.h"
#include "gateway/policy/diagnostics.h"

namespace pasarela {

class MappingPlan;
class MappingSet;

// A national method bound to a canonical one: calls in one schema are carried in the other.
struct MethodBinding {
  std::string national;   // "cl.registrocivil.v1.RegistroCivilService/ConsultarPorRun"
  std::string canonical;  // "pasarela.identity.v1.IdentityService/GetPerson"
  // Where a consumer calls in its schema: request national -> canonical, response back.
  // Where a provider answers in its schema: request canonical -> national, response back.
  const MappingPlan* request_plan = nullptr;
  const MappingPlan* response_plan = nullptr;
  SourceLocation location;
};

struct ProviderService {
  ParticipantId participant;
  // host:port of the provider's gRPC server (mutual TLS: the gateway presents its own certificate).
  std::string address;
  // CA that issued the provider's server certificate.
  std::string ca_file;
  // That CA's CRL, or empty: the provider's certificate is then not checked for revocation.
  std::string crl_file;
  // URI SAN the provider's certificate must carry; by default the participant's URI.
  std::string identity;
  // "package.Service/Method".
  std::vector<std::string> methods;
  // Canonical methods the provider answers in its own schema.
  std::vector<MethodBinding> bindings;
  // VerifyIdentity is answered by the gateway: it looks the person up through the GetPerson
  // binding and compares each claimed attribute itself, so stored values never leave.
  bool verify_by_lookup = false;
  SourceLocation location;
  // The provider's CA and CRL as a TrustStore anchor (IdentityRules::kPinnedByCaller), labelled
  // "provider CC/CLASS/MEMBER" for messages. REQUIRES: !crl_file.empty().
  TrustAnchorConfig RevocationAnchor() const {
    return TrustAnchorConfig{"provider " + participant.ToString(), ca_file, crl_file};
  }
  // The binding of canonical `method`, or null when the provider serves it as is.
  const MethodBinding* FindBinding(absl::string_view method) const;
};

class ServiceDirectory {
 public:
  ServiceDirectory() = default;
  explicit ServiceDirectory(std::vector<ProviderService> providers,
                            std::vector<MethodBinding> consumer_bindings = {})
      : providers_(std::move(providers)), consumer_bindings_(std::move(consumer_bindings)) {}

  // The provider `participant` if it serves `method`; NOT_FOUND naming what is missing otherwise.
  absl::StatusOr<const ProviderService*> Find(absl::string_view participant,
                                              absl::string_view method) const;
  const std::vector<ProviderService>& providers() const { return providers_; }
  // The binding of national method `method` this country's agencies may call, or null.
  const MethodBinding* FindConsumerBinding(absl::string_view method) const;
  const std::vector<MethodBinding>& consumer_bindings() const { return consumer_bindings_; }

 private:
  std::vector<ProviderService> providers_;
  std::vector<MethodBinding> consumer_bindings_;
};

// Reads services.yaml. Methods must exist in `catalog` and be unary; providers must be of
// `country`; bindings must name mappings of `mappings` (null: no mappings loaded) that relate
// the two methods' messages. The directory points into `mappings`, which must outlive it. When
// `mappings` is not complete(), a binding to a mapping it lacks is not reported (the mapping
// files' errors are), and the result is nullopt.
absl::optional<ServiceDirectory> LoadServiceDirectory(const std::string& path,
                                                      absl::string_view country,
                                                      const DescriptorCatalog& catalog,
                                                      const MappingSet* mappings,
                                                      Diagnostics& diagnostics);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_POLICY_SERVICE_DIRECTORY_H_
