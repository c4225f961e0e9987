// The pilot's policies/ as the fuzz targets need it: the canonical and national descriptor sets,
// the federation, every mapping, each country's services, the agreements and the classification,
// loaded once per process from the source tree. A fuzz target that cannot load them stops at
// once (a broken checkout, not a finding).
//
// Thread safety: built once by Get() (thread-safe, a function-local static); immutable after.
#ifndef PASARELA_FUZZ_PILOT_POLICY_H_
#define PASARELA_FUZZ_PILOT_POLICY_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gateway/agreement/agreement_book.h"
#include "gateway/classify/classification.h"
#include "gateway/mapping/mapping.h"
#include "gateway/policy/descriptor_catalog.h"
#include "gateway/policy/federation.h"
#include "gateway/policy/service_directory.h"

namespace pasarela::fuzzing {

struct PilotPolicy {
  // A policy directory in ScratchDir()/pilot that links to the files of policies/ and holds
  // stand-ins for the PKI the pilot makes at run time (empty CA and CRL files).
  std::string dir;
  std::unique_ptr<const DescriptorCatalog> catalog;
  Federation federation;
  std::unique_ptr<const MappingSet> mappings;
  // Every plan of `mappings`: each mapping's forward plan, then its reverse plan when it is
  // invertible, in id order. Selector bytes of the fuzz inputs index this list.
  std::vector<const MappingPlan*> plans;
  // policies/services/CC.yaml, by country code.
  std::map<std::string, ServiceDirectory> services;
  AgreementBook agreements;
  std::unique_ptr<const classify::ClassificationPolicy> classification;

  // Loaded on first use; aborts with the diagnostics when policies/ does not load.
  static const PilotPolicy& Get();
};

// A new empty message of `type` from a process-wide DynamicMessageFactory, as the gateway's
// runtime makes them for payloads. REQUIRES: `type` belongs to PilotPolicy::Get().catalog.
std::unique_ptr<google::protobuf::Message> NewMessage(const google::protobuf::Descriptor* type);

}  // namespace pasarela::fuzzing

#endif  // PASARELA_FUZZ_PILOT_POLICY_H_
