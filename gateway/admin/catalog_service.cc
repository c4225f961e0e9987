#include "gateway/admin/catalog_service.h"

#include "gateway/admin/catalog.h"

namespace pasarela::admin {

grpc::ServerUnaryReactor* CatalogService::ListOfferings(
    grpc::CallbackServerContext* context, const catalog::v1::ListOfferingsRequest* /*request*/,
    catalog::v1::ListOfferingsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<std::string> caller = caller_(*context);
  if (!caller.ok()) {
    reactor->Finish(grpc::Status(static_cast<grpc::StatusCode>(caller.status().code()),
                                 std::string(caller.status().message())));
    return reactor;
  }
  std::shared_ptr<const PolicySnapshot> snapshot = snapshots_();
  if (snapshot == nullptr) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "no policy is loaded"));
    return reactor;
  }
  *response = CatalogForParticipant(*snapshot, *caller, clock_());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace pasarela::admin
