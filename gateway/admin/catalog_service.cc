#include "gateway/admin/catalog_service.h"

#include "gateway/admin/catalog.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "grpcpp/support/proto_buffer_writer.h"

namespace pasarela::admin {

grpc::ServerUnaryReactor* CatalogService::ListOfferings(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<std::string> caller = caller_(*context);
  if (!caller.ok()) {
    reactor->Finish(grpc::Status(static_cast<grpc::StatusCode>(caller.status().code()),
                                 std::string(caller.status().message())));
    return reactor;
  }
  // A copy shares the request's slices; deserializing empties the buffer it reads.
  grpc::ByteBuffer request_bytes(*request);
  catalog::v1::ListOfferingsRequest parsed;
  if (!grpc::GenericDeserialize<grpc::ProtoBufferReader, catalog::v1::ListOfferingsRequest>(
           &request_bytes, &parsed)
           .ok()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "the request does not parse as a "
                                 "pasarela.catalog.v1.ListOfferingsRequest"));
    return reactor;
  }
  std::shared_ptr<const PolicySnapshot> snapshot = snapshots_();
  if (snapshot == nullptr) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "no policy is loaded"));
    return reactor;
  }
  const catalog::v1::ListOfferingsResponse answer =
      CatalogForParticipant(*snapshot, *caller, clock_());
  bool own_buffer = false;
  grpc::Status serialized =
      grpc::GenericSerialize<grpc::ProtoBufferWriter, catalog::v1::ListOfferingsResponse>(
          answer, response, &own_buffer);
  reactor->Finish(serialized);
  return reactor;
}

}  // namespace pasarela::admin
