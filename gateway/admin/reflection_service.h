// gRPC server reflection (grpc.reflection.v1alpha) answered from the gateway's own descriptor
// catalog, so that tools such as grpcurl see the canonical services the gateway proxies (which the
// stock reflection plugin cannot: they are served through a generic service).
//
// ListServices names the services of the listener it is registered on, given whole by its owner
// (one listener may not serve every service the catalog describes); the file and symbol requests
// answer from the whole catalog.
//
// Thread-safe; one reactor per stream. REQUIRES: the catalog outlives the service.
#ifndef PASARELA_GATEWAY_ADMIN_REFLECTION_SERVICE_H_
#define PASARELA_GATEWAY_ADMIN_REFLECTION_SERVICE_H_

#include <set>
#include <string>

#include "gateway/policy/descriptor_catalog.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace pasarela {

class ReflectionService : public grpc::reflection::v1alpha::ServerReflection::CallbackService {
 public:
  // `services`, by full name, are what ListServices lists: exactly those, each once.
  ReflectionService(const DescriptorCatalog& catalog, std::set<std::string> services)
      : catalog_(catalog), services_(std::move(services)) {}

  grpc::ServerBidiReactor<grpc::reflection::v1alpha::ServerReflectionRequest,
                          grpc::reflection::v1alpha::ServerReflectionResponse>*
  ServerReflectionInfo(grpc::CallbackServerContext* context) override;

  // Answers one request; exposed for tests.
  grpc::reflection::v1alpha::ServerReflectionResponse Answer(
      const grpc::reflection::v1alpha::ServerReflectionRequest& request) const;

 private:
  const DescriptorCatalog& catalog_;
  std::set<std::string> services_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_ADMIN_REFLECTION_SERVICE_H_
