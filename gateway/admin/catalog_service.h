// CatalogService: pasarela.catalog.v1.CatalogService over gRPC (callback API). It answers the
// calling participant, never another: who is calling comes from a function the gateway passes
// (the identity of the verified client certificate), and the policy from the current snapshot.
//
// The request's bytes are parsed here rather than by gRPC's generated code, so that a malformed
// request is refused with INVALID_ARGUMENT and a message (gRPC 1.51 answers UNIMPLEMENTED, with no
// message, to a request its generated code cannot parse).
//
// Each call builds its answer on the gRPC thread that received it, from the snapshot it took at
// the start (a reload never changes an answer half-way); it does no I/O and never blocks.
//
// Thread safety: safe for concurrent calls. The functions passed in must be safe to call from
// gRPC's threads.
#ifndef PASARELA_GATEWAY_ADMIN_CATALOG_SERVICE_H_
#define PASARELA_GATEWAY_ADMIN_CATALOG_SERVICE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/policy/policy_snapshot.h"
#include "pasarela/catalog/v1/catalog.grpc.pb.h"

namespace pasarela::admin {

class CatalogService final
    : public catalog::v1::CatalogService::WithRawCallbackMethod_ListOfferings<
          catalog::v1::CatalogService::Service> {
 public:
  // The calling participant ("AR/GOV/migraciones"), or the status to refuse the call with
  // (UNAUTHENTICATED, PERMISSION_DENIED...).
  using CallerIdentity =
      std::function<absl::StatusOr<std::string>(const grpc::CallbackServerContext&)>;
  // The policy in force; null while none is loaded (the call is then UNAVAILABLE).
  using SnapshotSource = std::function<std::shared_ptr<const PolicySnapshot>()>;
  using Clock = std::function<absl::Time()>;

  CatalogService(
      CallerIdentity caller, SnapshotSource snapshots, Clock clock = [] { return absl::Now(); })
      : caller_(std::move(caller)), snapshots_(std::move(snapshots)), clock_(std::move(clock)) {}

  grpc::ServerUnaryReactor* ListOfferings(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;

 private:
  const CallerIdentity caller_;
  const SnapshotSource snapshots_;
  const Clock clock_;
};

}  // namespace pasarela::admin

#endif  // PASARELA_GATEWAY_ADMIN_CATALOG_SERVICE_H_
