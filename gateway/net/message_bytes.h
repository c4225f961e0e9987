// A gRPC message's bytes as an exchange reads and writes them, without the copies a payload does
// not need.
//
// A received message arrives as a grpc::ByteBuffer of one or more slices; the exchange parses it,
// digests it and counts it. FlatBytes gives one slice that references the received bytes when
// they are in one slice already (a small message usually is) and joins them into a new slice
// otherwise, where copying them into a std::string cost an allocation and a copy every time.
// SerializeToByteBuffer writes a message straight into the slice gRPC sends, where serializing
// into a string and copying that into a slice made two allocations and a copy.
//
// Thread safety: the functions read only their arguments.
#ifndef PASARELA_GATEWAY_NET_MESSAGE_BYTES_H_
#define PASARELA_GATEWAY_NET_MESSAGE_BYTES_H_

#include <google/protobuf/message.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include "absl/strings/string_view.h"

namespace pasarela {

// The bytes of `buffer` in one slice: a reference to them when `buffer` holds one slice, else a
// new slice holding them in order. An empty slice for an empty buffer, or one gRPC cannot read.
grpc::Slice FlatBytes(const grpc::ByteBuffer& buffer);

// A view of `slice`'s bytes, valid while `slice` (or another reference to its bytes) lives.
absl::string_view BytesOf(const grpc::Slice& slice);

// `message`'s wire form in a buffer of one slice of exactly its size. A proto3 message has no
// required fields, so it is written without the reflective check of them (which allocates, for
// messages of a runtime descriptor pool); other syntaxes go through protobuf's checked path.
grpc::ByteBuffer SerializeToByteBuffer(const google::protobuf::Message& message);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_MESSAGE_BYTES_H_
