#include "gateway/net/certificate_verifiers.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gateway/common/log.h"

namespace pasarela {

bool PinnedIdentityVerifier::Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
                                    std::function<void(grpc::Status)>, grpc::Status* sync_status) {
  std::vector<std::string> presented;
  for (const grpc::string_ref& uri : request->uri_names()) {
    presented.emplace_back(uri.data(), uri.size());
    if (presented.back() == expected_uri_) {
      *sync_status = grpc::Status::OK;
      return true;
    }
  }
  std::string reason = absl::StrCat("refused ", description_, ": it presented [",
                                    absl::StrJoin(presented, ", "), "], expected ", expected_uri_);
  LogWarning(reason);
  *sync_status = grpc::Status(grpc::StatusCode::UNAUTHENTICATED, reason);
  return true;
}

bool ClientCertificateVerifier::Verify(
    grpc::experimental::TlsCustomVerificationCheckRequest* request,
    std::function<void(grpc::Status)>, grpc::Status* sync_status) {
  grpc::string_ref leaf = request->peer_cert();
  GatewayRuntimePtr runtime = runtime_.Get();
  absl::StatusOr<VerifiedPeer> peer = runtime->authenticator(role_).AuthenticatePem(
      absl::string_view(leaf.data(), leaf.size()), absl::Now());
  if (peer.ok()) {
    *sync_status = grpc::Status::OK;
    return true;
  }
  LogWarning(absl::StrCat("refused handshake on ", ListenerRoleName(role_),
                          " listener: ", peer.status().message()));
  *sync_status =
      grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(peer.status().message()));
  return true;
}

}  // namespace pasarela
