// One exchange through the gateway: the pipeline authenticate -> route -> authorise -> forward ->
// minimise -> audit, which relays the answer once its audit record is durable.
//
// The pipeline does not know how its call arrived. An InboundCall is that side: a gRPC call on a
// listener (every agency call; a peer gateway's in federation protocols 1 and 2,
// exchange_service.h) or a call frame on a federation stream (protocol 3, federation_stream.h).
// The pipeline's upstream side is always a gRPC call.
//
// An Exchange is owned by its InboundCall's implementation and runs on whatever threads gRPC and
// the audit writer run it; no step blocks. InboundCall::Finish is the last thing it does to its
// call; the owner may destroy the exchange once Finish has been called and every entry point of
// the exchange it called has returned.
#ifndef PASARELA_GATEWAY_NET_EXCHANGE_H_
#define PASARELA_GATEWAY_NET_EXCHANGE_H_

#include <grpcpp/client_context.h>
#include <grpcpp/security/auth_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/admin/access_log.h"
#include "gateway/admin/gateway_metrics.h"
#include "gateway/audit/audit_sink.h"
#include "gateway/audit/signer_key_cache.h"
#include "gateway/net/caller_authenticator.h"
#include "gateway/net/federation_facts.h"
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

// `status` as gRPC sends it: the same code and message.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

// The calling side of one exchange, as the pipeline sees it. Methods are called from the threads
// the exchange runs on, one at a time, except IsCancelled, which may race with the call's end.
class InboundCall {
 public:
  virtual ~InboundCall() = default;

  // "/package.Service/Method".
  virtual absl::string_view method() const = 0;
  // Who is at the other end, for log lines.
  virtual std::string peer() const = 0;
  // The TLS session the caller authenticated with.
  virtual const grpc::AuthContext& auth_context() const = 0;
  // The caller's deadline as this gateway reckons it; absl::InfiniteFuture() when it set none.
  virtual absl::Time deadline() const = 0;
  // The caller gave up on the call, or its deadline passed.
  virtual bool IsCancelled() const = 0;

  // The form of the federation protocol the call came in: 1, 2 or 3; 0 on the agency listener.
  virtual int federation_protocol() const = 0;
  // What an agency says of its call (agency listener only).
  virtual absl::StatusOr<ExchangeHeaders> AgencyHeaders() const = 0;
  // What a consumer gateway says of its call (federation listener only).
  virtual absl::StatusOr<CallFactsFromPeer> PeerFacts() const = 0;

  // Tells the caller the exchange id before the answer, where the protocol has a place for it.
  virtual void SendExchangeId(absl::string_view exchange_id) = 0;
  // Reads the request into `*request`, which lives until the exchange ends; the exchange learns
  // the outcome through Exchange::RequestRead, perhaps before this returns.
  virtual void ReadRequest(grpc::ByteBuffer* request) = 0;
  // A context for the upstream call, carrying the caller's deadline (none when it set none) and
  // ending the upstream call when the caller gives up.
  virtual std::unique_ptr<grpc::ClientContext> NewUpstreamContext() = 0;

  // The exchange's end: its status, the response when `response` is not null (only with OK), and
  // what the answer says of itself (views valid during the call). The exchange's last act.
  virtual void Finish(const grpc::Status& status, grpc::ByteBuffer* response,
                      const AnswerFactsToSend& facts) = 0;
};

class Exchange {
 public:
  virtual ~Exchange() = default;

  // Runs the pipeline up to reading the request (InboundCall::ReadRequest), or to a refusal.
  virtual void Start() = 0;
  // The request was read (`ok`), or the call ended without one.
  virtual void RequestRead(bool ok) = 0;
  // The caller gave up (cancelled, its deadline passed, its connection went). The upstream call,
  // if any, ends with it through the context NewUpstreamContext made.
  virtual void CallerGone() = 0;
};

// An exchange on `call` under the policy of `runtime`, not yet started.
// REQUIRES: `call` and `services` outlive the exchange.
std::unique_ptr<Exchange> NewExchange(InboundCall& call, GatewayRuntimePtr runtime,
                                      const ExchangeServices& services, ListenerRole role);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_EXCHANGE_H_
