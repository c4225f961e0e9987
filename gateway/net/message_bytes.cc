#include "gateway/net/message_bytes.h"

#include <google/protobuf/descriptor.h>

#include <cstdint>
#include <string>

namespace pasarela {

grpc::Slice FlatBytes(const grpc::ByteBuffer& buffer) {
  grpc::Slice flat;
  if (!buffer.Valid()) return flat;
  // TrySingleSlice references a buffer of one slice; DumpToSingleSlice would copy even that one.
  if (buffer.TrySingleSlice(&flat).ok()) return flat;
  if (!buffer.DumpToSingleSlice(&flat).ok()) return grpc::Slice();
  return flat;
}

absl::string_view BytesOf(const grpc::Slice& slice) {
  return absl::string_view(reinterpret_cast<const char*>(slice.begin()), slice.size());
}

grpc::ByteBuffer SerializeToByteBuffer(const google::protobuf::Message& message) {
  if (message.GetDescriptor()->file()->syntax() !=
      google::protobuf::FileDescriptor::SYNTAX_PROTO3) {
    grpc::Slice slice(message.SerializeAsString());
    return grpc::ByteBuffer(&slice, 1);
  }
  // ByteSizeLong caches the sizes that serializing with cached sizes then reads.
  const size_t size = message.ByteSizeLong();
  grpc::Slice slice(size);
  // grpc_slice_malloc's bytes are this slice's alone until it is handed to the buffer.
  message.SerializeWithCachedSizesToArray(const_cast<uint8_t*>(slice.begin()));
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace pasarela
