// The data plane of one listener: every call that is not a registered service (health,
// reflection) arrives here as bytes and runs the pipeline authenticate -> route -> forward, then
// relays the upstream's answer.
//
// One ExchangeReactor per call, created by gRPC through CreateReactor and destroyed in OnDone. No
// callback blocks: the upstream call is itself a callback call. Thread-safe.
#ifndef PASARELA_GATEWAY_NET_EXCHANGE_SERVICE_H_
#define PASARELA_GATEWAY_NET_EXCHANGE_SERVICE_H_

#include <grpcpp/generic/async_generic_service.h>

#include <memory>

#include "gateway/net/caller_authenticator.h"
#include "gateway/net/gateway_runtime.h"

namespace pasarela {

class ExchangeService : public grpc::CallbackGenericService {
 public:
  // REQUIRES: `runtime` outlives every call of the service.
  ExchangeService(const CurrentRuntime& runtime, ListenerRole role)
      : runtime_(runtime), role_(role) {}

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override;

 private:
  const CurrentRuntime& runtime_;
  ListenerRole role_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_EXCHANGE_SERVICE_H_
