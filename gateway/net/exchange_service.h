// The data plane of one listener: every call that is not a registered service (health,
// reflection) arrives here as bytes and runs the pipeline authenticate -> route -> authorise ->
// forward -> minimise -> audit, then relays the answer once its audit record is durable.
//
// One ExchangeReactor per call, created by gRPC through CreateReactor and destroyed in OnDone. No
// callback blocks: the upstream call is itself a callback call. Thread-safe.
#ifndef PASARELA_GATEWAY_NET_EXCHANGE_SERVICE_H_
#define PASARELA_GATEWAY_NET_EXCHANGE_SERVICE_H_

#include <grpcpp/generic/async_generic_service.h>

#include <atomic>
#include <memory>

#include "gateway/admin/access_log.h"
#include "gateway/admin/gateway_metrics.h"
#include "gateway/audit/audit_crypto.h"
#include "gateway/audit/audit_sink.h"
#include "gateway/audit/signer_key_cache.h"
#include "gateway/net/caller_authenticator.h"
#include "gateway/net/gateway_identity.h"
#include "gateway/net/gateway_runtime.h"
#include "gateway/net/in_flight_limiter.h"

namespace pasarela {

// What every call needs that does not change with the policy: the audit trail, the key of the
// subject pseudonyms, and the gateway's own certificate and key, which sign its receipts.
struct ExchangeServices {
  audit::AuditSink* audit = nullptr;
  std::string pseudonym_key;
  // Null: no receipts are signed.
  const GatewayIdentity* identity = nullptr;
  // The parsed keys of the peer gateways whose receipts this gateway checks.
  audit::SignerKeyCache* receipt_keys = nullptr;
  std::string country;
  InFlightLimiter* in_flight = nullptr;
  admin::GatewayMetrics* metrics = nullptr;
  // Null when the access log is off.
  admin::AccessLog* access_log = nullptr;
  // Set once the gateway has begun to stop: a call gRPC cancels then was cut by the drain's end,
  // not by its caller. Null in tests that never stop a gateway.
  const std::atomic<bool>* stopping = nullptr;
  // Exchanges whose call gRPC has not yet handed back, which a drain waits for. Null: not counted.
  std::atomic<int64_t>* exchanges_in_progress = nullptr;
};

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
