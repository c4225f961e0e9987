// Federation protocol 3 on the provider gateway's side: one long-lived bidirectional stream from
// a consumer gateway (kFederationStreamMethod), carrying call frames and cancels in and answer
// frames out (federation_frames.h). Each call frame runs as one Exchange (exchange.h), under the
// policy in force when it arrives, exactly as a call of protocol 1 or 2 would: the peer's
// certificate is checked for every frame, the in-flight limits, the agreement, the audit trail
// and the receipt are the same; only the way the call came and its answer leave differ. Answers
// that end while the stream's previous message is being written leave together in the next one
// (frame_batcher.h).
//
// The stream is refused with the certificate's verdict before any frame is read when its peer is
// not a gateway this one trusts; it ends INVALID_ARGUMENT, cancelling the exchanges in flight,
// when the peer sends a message that is not frames of the protocol, or reuses the id of an
// exchange in flight. When the peer half-closes, the exchanges in flight finish and answer before
// the stream ends OK; when the stream breaks, they are cancelled, recorded as cancelled, and their
// answers dropped.
//
// One reactor per stream, owned by gRPC from CreateReactor to OnDone. Thread-safe.
#ifndef PASARELA_GATEWAY_NET_FEDERATION_STREAM_H_
#define PASARELA_GATEWAY_NET_FEDERATION_STREAM_H_

#include <grpcpp/generic/async_generic_service.h>

#include <memory>

#include "gateway/net/exchange.h"
#include "gateway/net/gateway_runtime.h"

namespace pasarela {

// REQUIRES: `context` is a call of kFederationStreamMethod on the federation listener; `runtime`
// and `services` outlive the stream.
std::unique_ptr<grpc::ServerGenericBidiReactor> NewFederationStreamReactor(
    grpc::GenericCallbackServerContext* context, const CurrentRuntime& runtime,
    const ExchangeServices& services);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_FEDERATION_STREAM_H_
