// The data plane of one listener: every call that is not a registered service (health,
// reflection) arrives here as bytes and runs as one Exchange (exchange.h). On the federation
// listener, a call of the federation stream's method (protocol 3) is a stream of exchanges
// instead (federation_stream.h).
//
// One reactor per call, created by gRPC through CreateReactor and destroyed in OnDone. No callback
// blocks: the upstream call is itself a callback call. Thread-safe.
#ifndef PASARELA_GATEWAY_NET_EXCHANGE_SERVICE_H_
#define PASARELA_GATEWAY_NET_EXCHANGE_SERVICE_H_

#include <grpcpp/generic/async_generic_service.h>

#include <memory>

#include "gateway/net/exchange.h"
#include "gateway/net/gateway_runtime.h"

namespace pasarela {

class ExchangeService : public grpc::CallbackGenericService {
 public:
  // REQUIRES: `runtime` and `services` outlive every call of the service.
  ExchangeService(const CurrentRuntime& runtime, const ExchangeServices& services,
                  ListenerRole role)
      : runtime_(runtime), services_(services), role_(role) {}

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override;

 private:
  const CurrentRuntime& runtime_;
  const ExchangeServices& services_;
  ListenerRole role_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_EXCHANGE_SERVICE_H_
