// gRPC server reflection (grpc.reflection.v1alpha) answered from the gateway's own descriptor
// catalog, so that tools such as grpcurl see the canonical services the gateway proxies (which the
// stock reflection plugin cannot: they are served through a generic service).
//
// Thread-safe; one reactor per stream. REQUIRES: the catalog outlives the service.
#ifndef PASARELA_GATEWAY_ADMIN_REFLECTION_SERVICE_H_
#define PASARELA_GATEWAY_ADMIN_REFLECTION_SERVICE_H_

#include <string>
#include <vector>

#include "gateway/policy/descriptor_catalog.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace pasarela {

class ReflectionService : public grpc::reflection::v1alpha::ServerReflection::CallbackService {
 public:
  // `extra_services` are listed besides the catalog's (health, reflection itself).
  ReflectionService(const DescriptorCatalog& catalog, std::vector<std::string> extra_services)
      : catalog_(catalog), extra_services_(std::move(extra_services)) {}

  grpc::ServerBidiReactor<grpc::reflection::v1alpha::ServerReflectionRequest,
                          grpc::reflection::v1alpha::ServerReflectionResponse>*
  ServerReflectionInfo(grpc::CallbackServerContext* context) override;

  // Answers one request; exposed for tests.
  grpc::reflection::v1alpha::ServerReflectionResponse Answer(
      const grpc::reflection::v1alpha::ServerReflectionRequest& request) const;

 private:
  const DescriptorCatalog& catalog_;
  std::vector<std::string> extra_services_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_ADMIN_REFLECTION_SERVICE_H_
