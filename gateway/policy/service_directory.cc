#include "gateway/policy/service_directory.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "gateway/common/file.h"
#include "gateway/policy/yaml_reader.h"

namespace pasarela {

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
                                                      Diagnostics& diagnostics) {
  size_t errors_before = diagnostics.errors().size();
  YamlFile file = ParseYamlFile(path, diagnostics);
  if (!file.ok()) return absl::nullopt;
  YamlMap top(file.root, path, diagnostics, "services");
  top.ExpectKeys({"apiVersion", "kind", "providers"});
  CheckHeader(top, "Services");

  std::vector<ProviderService> providers;
  YAML::Node list = top.Get("providers");
  if (list.IsDefined() && !list.IsSequence()) {
    top.Error(list, "providers: expected a list of providers");
  } else if (list.IsDefined()) {
    int index = 0;
    for (const YAML::Node& node : list) {
      YamlMap entry(node, path, diagnostics, absl::StrCat("providers[", index++, "]"));
      if (!entry.valid()) continue;
      entry.ExpectKeys({"participant", "address", "ca_file", "identity", "methods"});
      absl::optional<std::string> name = entry.RequiredString("participant");
      absl::optional<std::string> address = entry.RequiredString("address");
      absl::optional<std::string> ca_file = entry.RequiredString("ca_file");
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
                               identity.value_or(participant->ToUri()),
                               {},
                               entry.location()};
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
      for (const ProviderService& other : providers) {
        if (other.participant == provider.participant) {
          entry.Error(entry.Get("participant"),
                      absl::StrCat(entry.what(), ".participant: ", *name,
                                   " is listed twice (first at line ", other.location.line, ")"));
        }
      }
      providers.push_back(std::move(provider));
    }
  }
  if (diagnostics.errors().size() != errors_before) return absl::nullopt;
  return ServiceDirectory(std::move(providers));
}

}  // namespace pasarela
