// One immutable, fully resolved policy: what a gateway decides every call with.
//
// Built from gateway.yaml and its policy directory; every cross-file reference is resolved at load.
// A request holds a std::shared_ptr<const PolicySnapshot> for its whole life, so a reload never
// changes the rules under a call in flight. Immutable: safe to share across threads.
#ifndef PASARELA_GATEWAY_POLICY_POLICY_SNAPSHOT_H_
#define PASARELA_GATEWAY_POLICY_POLICY_SNAPSHOT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/agreement/agreement_book.h"
#include "gateway/classify/classification.h"
#include "gateway/mapping/mapping.h"
#include "gateway/policy/descriptor_catalog.h"
#include "gateway/policy/diagnostics.h"
#include "gateway/policy/federation.h"
#include "gateway/policy/gateway_config.h"
#include "gateway/policy/service_directory.h"

namespace pasarela {

class PolicySnapshot {
 public:
  // REQUIRES: `agreements` was compiled against `catalog`.
  PolicySnapshot(GatewayConfig gateway, Federation federation, ServiceDirectory services,
                 std::unique_ptr<const DescriptorCatalog> catalog, AgreementBook agreements,
                 std::unique_ptr<const classify::ClassificationPolicy> classification,
                 std::unique_ptr<const MappingSet> mappings, std::string digest)
      : gateway_(std::move(gateway)),
        federation_(std::move(federation)),
        services_(std::move(services)),
        catalog_(std::move(catalog)),
        agreements_(std::move(agreements)),
        classification_(std::move(classification)),
        mappings_(std::move(mappings)),
        digest_(std::move(digest)) {}

  const GatewayConfig& gateway() const { return gateway_; }
  const Federation& federation() const { return federation_; }
  const ServiceDirectory& services() const { return services_; }
  const DescriptorCatalog& catalog() const { return *catalog_; }
  const AgreementBook& agreements() const { return agreements_; }
  // The personal-data categories, detectors and declarations (classification.yaml).
  const classify::ClassificationPolicy& classification() const { return *classification_; }
  // The mappings between national and canonical messages (mappings/); services point into it.
  const MappingSet* mappings() const { return mappings_.get(); }
  // SHA-256 (hex) over every file the snapshot was built from.
  const std::string& digest() const { return digest_; }

 private:
  GatewayConfig gateway_;
  Federation federation_;
  ServiceDirectory services_;
  // Declared before agreements_, which points into it, so that it is destroyed after.
  std::unique_ptr<const DescriptorCatalog> catalog_;
  AgreementBook agreements_;
  std::unique_ptr<const classify::ClassificationPolicy> classification_;
  std::unique_ptr<const MappingSet> mappings_;
  std::string digest_;
};

using PolicySnapshotPtr = std::shared_ptr<const PolicySnapshot>;

// The policy files of a directory, checked against each other and a descriptor catalog.
struct PolicyDirectory {
  Federation federation;
  ServiceDirectory services;
  AgreementBook agreements;
  std::unique_ptr<const classify::ClassificationPolicy> classification;
  std::unique_ptr<const MappingSet> mappings;
  std::string digest_input;
};

// Loads DIR/federation.yaml, DIR/services.yaml, DIR/agreements/*.yaml and
// DIR/classification.yaml. `country` (may be empty
// for lint) is the country of the gateway that will use them. The agreements point into `catalog`,
// which must outlive them.
absl::optional<PolicyDirectory> LoadPolicyDirectory(const std::string& dir,
                                                    absl::string_view country,
                                                    const DescriptorCatalog& catalog,
                                                    Diagnostics& diagnostics);

// Loads gateway.yaml and everything it names. INVALID_ARGUMENT lists every error, one per line.
// `adjust`, when given, sees gateway.yaml's values before the files they name are read and may
// change them (a running gateway keeps those it takes only on restart); its error ends the load.
absl::StatusOr<PolicySnapshotPtr> LoadPolicySnapshot(
    const std::string& gateway_yaml,
    const std::function<absl::Status(GatewayConfig*)>& adjust = nullptr);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_POLICY_POLICY_SNAPSHOT_H_
