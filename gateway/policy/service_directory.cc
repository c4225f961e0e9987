#include "gateway/policy/service_directory.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/file.h"
#include "gateway/common/host_port.h"
#include "gateway/mapping/mapping.h"
#include "gateway/policy/yaml_reader.h"

namespace pasarela {
namespace {

constexpr char kGetPersonMethod[] = "pasarela.identity.v1.IdentityService/GetPerson";
constexpr char kVerifyIdentityMethod[] = "pasarela.identity.v1.IdentityService/VerifyIdentity";

// The plan of mapping `id` that turns `source` into `target`, in whichever direction the mapping
// was declared; reports what is wrong at `at`.
const MappingPlan* ResolvePlan(YamlMap& entry, const YAML::Node& at, const MappingSet* mappings,
                               const std::string& id, const google::protobuf::Descriptor* source,
                               const google::protobuf::Descriptor* target) {
  const Mapping* mapping = mappings == nullptr ? nullptr : mappings->Find(id);
  if (mapping == nullptr) {
    // When files of mappings/ have errors, the mapping may be in one of them: those errors say it.
    if (mappings == nullptr || mappings->complete()) {
      std::string guess = mappings == nullptr ? "" : ClosestMatch(id, mappings->ids());
      entry.Error(
          at, absl::StrCat(entry.what(), ": no mapping '", id, "' in mappings/",
                           guess.empty() ? "" : absl::StrCat(" (did you mean '", guess, "'?)")));
    }
    return nullptr;
  }
  if (mapping->forward().source_type() == source && mapping->forward().target_type() == target) {
    return &mapping->forward();
  }
  if (mapping->forward().source_type() == target && mapping->forward().target_type() == source) {
    absl::StatusOr<const MappingPlan*> reverse = mapping->reverse();
    if (!reverse.ok()) {
      entry.Error(at, absl::StrCat(entry.what(), ": mapping '", id, "' is needed from ",
                                   source->full_name(), " to ", target->full_name(),
                                   ", its reverse direction, but: ", reverse.status().message()));
      return nullptr;
    }
    return *reverse;
  }
  entry.Error(at, absl::StrCat(entry.what(), ": mapping '", id, "' maps ",
                               mapping->forward().source_type()->full_name(), " and ",
                               mapping->forward().target_type()->full_name(), ", not ",
                               source->full_name(), " and ", target->full_name()));
  return nullptr;
}

// Reads one binding. `consumer_side`: the caller speaks the national method.
absl::optional<MethodBinding> ReadBinding(const YAML::Node& node, const std::string& what,
                                          const std::string& path, const DescriptorCatalog& catalog,
                                          const MappingSet* mappings, bool consumer_side,
                                          Diagnostics& diagnostics) {
  YamlMap entry(node, path, diagnostics, what);
  if (!entry.valid()) return absl::nullopt;
  entry.ExpectKeys({"national", "canonical", "request_mapping", "response_mapping"});
  absl::optional<std::string> national = entry.RequiredString("national");
  absl::optional<std::string> canonical = entry.RequiredString("canonical");
  absl::optional<std::string> request_mapping = entry.RequiredString("request_mapping");
  absl::optional<std::string> response_mapping = entry.RequiredString("response_mapping");
  if (!national || !canonical || !request_mapping || !response_mapping) return absl::nullopt;
  const google::protobuf::MethodDescriptor* national_method = catalog.FindMethod(*national);
  const google::protobuf::MethodDescriptor* canonical_method = catalog.FindMethod(*canonical);
  if (national_method == nullptr) {
    entry.Error(entry.Get("national"),
                absl::StrCat(what, ".national: unknown method '", *national, "'"));
  }
  if (canonical_method == nullptr) {
    entry.Error(entry.Get("canonical"),
                absl::StrCat(what, ".canonical: unknown method '", *canonical, "'"));
  }
  if (national_method == nullptr || canonical_method == nullptr) return absl::nullopt;
  MethodBinding binding;
  binding.national = std::string(CanonicalMethodName(*national));
  binding.canonical = std::string(CanonicalMethodName(*canonical));
  binding.location = entry.location();
  if (consumer_side) {
    binding.request_plan =
        ResolvePlan(entry, entry.Get("request_mapping"), mappings, *request_mapping,
                    national_method->input_type(), canonical_method->input_type());
    binding.response_plan =
        ResolvePlan(entry, entry.Get("response_mapping"), mappings, *response_mapping,
                    canonical_method->output_type(), national_method->output_type());
  } else {
    binding.request_plan =
        ResolvePlan(entry, entry.Get("request_mapping"), mappings, *request_mapping,
                    canonical_method->input_type(), national_method->input_type());
    binding.response_plan =
        ResolvePlan(entry, entry.Get("response_mapping"), mappings, *response_mapping,
                    national_method->output_type(), canonical_method->output_type());
  }
  if (binding.request_plan == nullptr || binding.response_plan == nullptr) return absl::nullopt;
  return binding;
}

}  // namespace

const MethodBinding* ProviderService::FindBinding(absl::string_view method) const {
  method = CanonicalMethodName(method);
  for (const MethodBinding& binding : bindings) {
    if (binding.canonical == method) return &binding;
  }
  return nullptr;
}

const MethodBinding* ServiceDirectory::FindConsumerBinding(absl::string_view method) const {
  method = CanonicalMethodName(method);
  for (const MethodBinding& binding : consumer_bindings_) {
    if (binding.national == method) return &binding;
  }
  return nullptr;
}

absl::StatusOr<const ProviderService*> ServiceDirectory::Find(absl::string_view participant,
                                                              absl::string_view method) const {
  method = CanonicalMethodName(method);
  for (const ProviderService& provider : providers_) {
    if (provider.participant.ToString() != participant) continue;
    if (std::find(provider.methods.begin(), provider.methods.end(), method) ==
        provider.methods.end()) {
      return absl::NotFoundError(
          absl::StrCat("provider ", participant, " does not offer ", method));
    }
    return &provider;
  }
  return absl::NotFoundError(absl::StrCat("no provider ", participant, " at this gateway"));
}

absl::optional<ServiceDirectory> LoadServiceDirectory(const std::string& path,
                                                      absl::string_view country,
                                                      const DescriptorCatalog& catalog,
                                                      const MappingSet* mappings,
                                                      Diagnostics& diagnostics) {
  size_t errors_before = diagnostics.errors().size();
  YamlFile file = ParseYamlFile(path, diagnostics);
  if (!file.ok()) return absl::nullopt;
  YamlMap top(file.root, path, diagnostics, "services");
  if (!CheckFileBelongsHere(top, {"Services"})) return absl::nullopt;
  top.ExpectKeys({"apiVersion", "kind", "providers", "bindings"});
  CheckHeader(top, "Services");

  std::vector<ProviderService> providers;
  YAML::Node list = top.Get("providers");
  if (list.IsDefined() && !list.IsSequence()) {
    top.Error(list,
              absl::StrCat("providers: expected a list of providers, found ", DescribeFound(list)));
  } else if (list.IsDefined()) {
    int index = 0;
    absl::flat_hash_map<std::string, SourceLocation> participant_locations;
    for (const YAML::Node& node : list) {
      YamlMap entry(node, path, diagnostics, absl::StrCat("providers[", index++, "]"));
      if (!entry.valid()) continue;
      entry.ExpectKeys({"participant", "address", "ca_file", "crl_file", "identity", "methods",
                        "bindings", "verify_by_lookup"});
      absl::optional<std::string> name = entry.RequiredString("participant");
      absl::optional<std::string> address = entry.RequiredString("address");
      if (address.has_value()) {
        absl::Status dialable = CheckDialAddress(*address);
        if (!dialable.ok()) {
          entry.Error(entry.Get("address"),
                      absl::StrCat(entry.what(), ".address: ", dialable.message()));
        }
      }
      absl::optional<std::string> ca_file = entry.RequiredString("ca_file");
      absl::optional<std::string> crl_file = entry.OptionalString("crl_file");
      absl::optional<std::string> identity = entry.OptionalString("identity");
      absl::optional<std::vector<std::string>> methods = entry.OptionalStringList("methods");
      if (!methods.has_value() && !entry.Has("methods")) {
        entry.Error(node, absl::StrCat(entry.what(), ": missing required key 'methods'"));
      }
      if (!name.has_value()) continue;
      absl::StatusOr<ParticipantId> participant = ParticipantId::Parse(*name);
      if (!participant.ok()) {
        entry.Error(entry.Get("participant"),
                    absl::StrCat(entry.what(), ".participant: ", participant.status().message()));
        continue;
      }
      if (!country.empty() && participant->country() != country) {
        entry.Error(entry.Get("participant"),
                    absl::StrCat(entry.what(), ".participant: ", *name,
                                 " is not of this gateway's country ", country));
      }
      ProviderService provider{*participant,
                               address.value_or(""),
                               ResolvePath(path, ca_file.value_or("")),
                               crl_file.has_value() ? ResolvePath(path, *crl_file) : "",
                               identity.value_or(participant->ToUri()),
                               {},
                               {},
                               false,
                               entry.location()};
      if (crl_file.has_value() && ca_file.has_value()) {
        // Read as the gateway reads it when it builds the provider's channels, so that lint
        // refuses what serve would.
        absl::StatusOr<std::unique_ptr<TrustStore>> store = TrustStore::Create(
            {provider.RevocationAnchor()}, TrustStore::IdentityRules::kPinnedByCaller);
        if (!store.ok()) {
          entry.Error(entry.Get("crl_file"),
                      absl::StrCat(entry.what(), ".crl_file: ", store.status().message()));
        }
      }
      if (methods.has_value()) {
        YAML::Node method_nodes = entry.Get("methods");
        for (size_t i = 0; i < methods->size(); ++i) {
          std::string method((*methods)[i]);
          const google::protobuf::MethodDescriptor* descriptor = catalog.FindMethod(method);
          if (descriptor == nullptr) {
            entry.Error(
                method_nodes[i],
                absl::StrCat(entry.what(), ".methods: unknown method '", method,
                             "': expected package.Service/Method of a loaded descriptor set"));
          } else if (descriptor->client_streaming() || descriptor->server_streaming()) {
            entry.Error(
                method_nodes[i],
                absl::StrCat(entry.what(), ".methods: '", method,
                             "' is a streaming method; the gateway carries unary calls only"));
          }
          provider.methods.push_back(std::string(CanonicalMethodName(method)));
        }
      }
      YAML::Node binding_nodes = entry.Get("bindings");
      // A binding in error may be the GetPerson one verify_by_lookup needs: not a second error.
      bool binding_failed = false;
      if (binding_nodes.IsDefined() && !binding_nodes.IsSequence()) {
        entry.Error(binding_nodes, absl::StrCat(entry.what(), ".bindings: expected a list, found ",
                                                DescribeFound(binding_nodes)));
      } else if (binding_nodes.IsDefined()) {
        int binding_index = 0;
        for (const YAML::Node& binding_node : binding_nodes) {
          absl::optional<MethodBinding> binding = ReadBinding(
              binding_node, absl::StrCat(entry.what(), ".bindings[", binding_index++, "]"), path,
              catalog, mappings, /*consumer_side=*/false, diagnostics);
          if (!binding.has_value()) {
            binding_failed = true;
            continue;
          }
          if (std::find(provider.methods.begin(), provider.methods.end(), binding->canonical) ==
              provider.methods.end()) {
            provider.methods.push_back(binding->canonical);
          }
          provider.bindings.push_back(*std::move(binding));
        }
      }
      if (entry.OptionalBool("verify_by_lookup").value_or(false)) {
        if (provider.FindBinding(kGetPersonMethod) == nullptr) {
          if (!binding_failed) {
            entry.Error(entry.Get("verify_by_lookup"),
                        absl::StrCat(entry.what(), ".verify_by_lookup: needs a binding of ",
                                     kGetPersonMethod, " to look the person up with"));
          }
        } else {
          provider.verify_by_lookup = true;
          if (std::find(provider.methods.begin(), provider.methods.end(), kVerifyIdentityMethod) ==
              provider.methods.end()) {
            provider.methods.push_back(kVerifyIdentityMethod);
          }
        }
      }
      auto [first, fresh] = participant_locations.emplace(provider.participant.ToString(),
                                                          entry.LocationOf("participant"));
      if (!fresh) {
        entry.Error(entry.Get("participant"),
                    absl::StrCat(entry.what(), ".participant: ", *name,
                                 " is listed twice (first at ", first->second.ToString(), ")"));
      }
      providers.push_back(std::move(provider));
    }
  }
  std::vector<MethodBinding> consumer_bindings;
  YAML::Node binding_nodes = top.Get("bindings");
  if (binding_nodes.IsDefined() && !binding_nodes.IsSequence()) {
    top.Error(binding_nodes,
              absl::StrCat("bindings: expected a list, found ", DescribeFound(binding_nodes)));
  } else if (binding_nodes.IsDefined()) {
    int index = 0;
    for (const YAML::Node& node : binding_nodes) {
      absl::optional<MethodBinding> binding =
          ReadBinding(node, absl::StrCat("bindings[", index++, "]"), path, catalog, mappings,
                      /*consumer_side=*/true, diagnostics);
      if (binding.has_value()) consumer_bindings.push_back(*std::move(binding));
    }
  }
  // Bindings whose mapping is missing from an incomplete set were left out without an error.
  if (diagnostics.errors().size() != errors_before) return absl::nullopt;
  if (mappings != nullptr && !mappings->complete()) return absl::nullopt;
  return ServiceDirectory(std::move(providers), std::move(consumer_bindings));
}

}  // namespace pasarela
