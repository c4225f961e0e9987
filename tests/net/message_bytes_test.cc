#include "gateway/net/message_bytes.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pasarela/identity/v1/identity.pb.h"

namespace pasarela {
namespace {

using ::pasarela::identity::v1::GetPersonResponse;

std::string ContentsOf(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string contents;
  for (const grpc::Slice& slice : slices) contents.append(BytesOf(slice).data(), slice.size());
  return contents;
}

GetPersonResponse APerson() {
  GetPersonResponse response;
  auto* identifier = response.mutable_person()->add_identifiers();
  identifier->set_issuing_country("CL");
  identifier->set_scheme("CL-RUN");
  identifier->set_value("12531909-2");
  response.mutable_person()->add_given_names("MARÍA DEL CARMEN");
  response.mutable_person()->add_family_names("GONZÁLEZ");
  return response;
}

TEST(FlatBytesTest, ABufferOfOneSliceIsReferencedNotCopied) {
  // Longer than the bytes a slice keeps inline, as any message worth not copying is.
  const std::string payload(200, 'x');
  grpc::Slice received(payload);
  grpc::ByteBuffer buffer(&received, 1);
  grpc::Slice flat = FlatBytes(buffer);
  EXPECT_EQ(BytesOf(flat), payload);
  EXPECT_EQ(flat.begin(), received.begin());
}

TEST(FlatBytesTest, SeveralSlicesAreJoinedInOrder) {
  std::vector<grpc::Slice> parts = {
      grpc::Slice(std::string("first, ")), grpc::Slice(std::string("")),
      grpc::Slice(std::string("second, ")), grpc::Slice(std::string("third"))};
  grpc::ByteBuffer buffer(parts.data(), parts.size());
  grpc::Slice flat = FlatBytes(buffer);
  EXPECT_EQ(BytesOf(flat), "first, second, third");
  EXPECT_EQ(flat.size(), buffer.Length());
}

TEST(FlatBytesTest, AnEmptyOrUnsetBufferGivesNoBytes) {
  EXPECT_EQ(FlatBytes(grpc::ByteBuffer()).size(), 0u);
  grpc::Slice nothing(std::string(""));
  EXPECT_EQ(FlatBytes(grpc::ByteBuffer(&nothing, 1)).size(), 0u);
}

TEST(SerializeToByteBufferTest, WritesTheWireFormInOneSliceOfItsSize) {
  const GetPersonResponse response = APerson();
  grpc::ByteBuffer buffer = SerializeToByteBuffer(response);
  grpc::Slice slice;
  ASSERT_TRUE(buffer.TrySingleSlice(&slice).ok());
  EXPECT_EQ(BytesOf(slice), response.SerializeAsString());
  GetPersonResponse parsed;
  ASSERT_TRUE(parsed.ParseFromArray(slice.begin(), static_cast<int>(slice.size())));
  EXPECT_EQ(parsed.person().given_names(0), "MARÍA DEL CARMEN");
}

TEST(SerializeToByteBufferTest, AMessageOfARuntimePoolSerializesAsItsGeneratedTwin) {
  // The gateway's messages come from descriptors loaded at run time: DynamicMessage.
  google::protobuf::DynamicMessageFactory factory;
  const GetPersonResponse response = APerson();
  std::unique_ptr<google::protobuf::Message> dynamic(
      factory.GetPrototype(GetPersonResponse::descriptor())->New());
  ASSERT_TRUE(dynamic->ParseFromString(response.SerializeAsString()));
  EXPECT_EQ(ContentsOf(SerializeToByteBuffer(*dynamic)), response.SerializeAsString());
}

TEST(SerializeToByteBufferTest, AnEmptyMessageIsAnEmptyBuffer) {
  grpc::ByteBuffer buffer = SerializeToByteBuffer(GetPersonResponse());
  EXPECT_TRUE(buffer.Valid());
  EXPECT_EQ(buffer.Length(), 0u);
}

TEST(SerializeToByteBufferTest, AProto2MessageTakesProtobufsCheckedPath) {
  google::protobuf::FileDescriptorProto file;
  GetPersonResponse::descriptor()->file()->CopyTo(&file);
  EXPECT_EQ(ContentsOf(SerializeToByteBuffer(file)), file.SerializeAsString());
}

}  // namespace
}  // namespace pasarela
