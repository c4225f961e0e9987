#include "gateway/net/federation_frames.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pasarela {
namespace {

using federation::v1::AnswerFrame;
using federation::v1::CallFrame;
using federation::v1::Frames;
using ::testing::HasSubstr;

CallFrame Call(uint64_t id, std::string method = "/pasarela.identity.v1.IdentityService/Verify") {
  CallFrame call;
  call.set_id(id);
  call.set_method(std::move(method));
  call.set_timeout_micros(1'500'000);
  call.mutable_facts()->set_target("CL/GOV/registro-civil");
  call.mutable_facts()->set_consumer("AR/GOV/migraciones");
  call.mutable_facts()->set_exchange_id("6f1c1a52-3c59-4d1e-9f0a-2b8e4c7d9a10");
  call.set_request(std::string("\x0a\x05\x31\x32\x33\x34\x35\x00\xff", 9));
  return call;
}

AnswerFrame Answer(uint64_t id, uint32_t code = 0) {
  AnswerFrame answer;
  answer.set_id(id);
  answer.set_code(code);
  answer.mutable_facts()->set_answered_by("CL");
  if (code == 0) answer.set_response("\x08\x01");
  if (code != 0) answer.set_message("agreement ar-cl-identity-2026 does not cover the method");
  return answer;
}

absl::Status Read(const std::string& message, FrameReader reader) {
  Frames frames;
  return ReadFrames(message, reader, &frames);
}

TEST(FederationFramesTest, ConcatenatedFramesReadAsOneMessageInOrder) {
  const std::string message = EncodeFrame(Call(7)) + EncodeCancel(3) + EncodeFrame(Call(9)) +
                              EncodeCancel(uint64_t{1} << 60);
  Frames frames;
  ASSERT_TRUE(ReadFrames(message, FrameReader::kProvider, &frames).ok());
  ASSERT_EQ(frames.calls_size(), 2);
  EXPECT_EQ(frames.calls(0).SerializeAsString(), Call(7).SerializeAsString());
  EXPECT_EQ(frames.calls(1).SerializeAsString(), Call(9).SerializeAsString());
  EXPECT_THAT(frames.cancels(), ::testing::ElementsAre(3u, uint64_t{1} << 60));
  EXPECT_EQ(frames.answers_size(), 0);
}

TEST(FederationFramesTest, AnOneFrameEncodingIsTheSerializedMessageHoldingIt) {
  Frames expected;
  *expected.add_answers() = Answer(4);
  EXPECT_EQ(EncodeFrame(Answer(4)), expected.SerializeAsString());
  Frames read;
  ASSERT_TRUE(
      ReadFrames(EncodeFrame(Answer(4)) + EncodeFrame(Answer(5, 7)), FrameReader::kConsumer, &read)
          .ok());
  ASSERT_EQ(read.answers_size(), 2);
  EXPECT_EQ(read.answers(1).code(), 7u);
  EXPECT_EQ(read.answers(1).facts().answered_by(), "CL");
}

TEST(FederationFramesTest, AnEmptyMessageHoldsNoFrames) {
  Frames frames;
  *frames.add_calls() = Call(1);
  ASSERT_TRUE(ReadFrames("", FrameReader::kProvider, &frames).ok());
  EXPECT_EQ(frames.calls_size(), 0);
}

TEST(FederationFramesTest, BytesThatAreNotFramesAreRefused) {
  std::string cut = EncodeFrame(Call(7));
  cut.resize(cut.size() - 3);
  EXPECT_THAT(Read(cut, FrameReader::kProvider).message(), HasSubstr("is not a Frames message"));
  EXPECT_EQ(Read("\xff\xff\xff", FrameReader::kConsumer).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FederationFramesTest, EachSideReadsOnlyWhatTheOtherSends) {
  const absl::Status answer_to_provider =
      Read(EncodeFrame(Call(1)) + EncodeFrame(Answer(1)), FrameReader::kProvider);
  EXPECT_EQ(answer_to_provider.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(answer_to_provider.message(), HasSubstr("an answer frame"));
  EXPECT_THAT(Read(EncodeFrame(Call(1)), FrameReader::kConsumer).message(),
              HasSubstr("a call frame from the provider's side"));
  EXPECT_THAT(Read(EncodeCancel(1), FrameReader::kConsumer).message(),
              HasSubstr("a cancel from the provider's side"));
}

TEST(FederationFramesTest, CallsNeedAnIdOnceEachAMethodPathAndNoNegativeTimeout) {
  EXPECT_THAT(Read(EncodeFrame(Call(1)) + EncodeFrame(Call(0)), FrameReader::kProvider).message(),
              HasSubstr("call frame 2 has id 0"));
  EXPECT_THAT(Read(EncodeFrame(Call(5)) + EncodeFrame(Call(5)), FrameReader::kProvider).message(),
              HasSubstr("call frame 2 (id 5) repeats an id"));
  for (const char* method :
       {"", "/", "pasarela.identity.v1.IdentityService/Verify", "/Service", "/Service/", "//Verify",
        "/a.B/c/d", "/a.B/has space", "/a.B/ctl\x01"}) {
    const absl::Status status = Read(EncodeFrame(Call(2, method)), FrameReader::kProvider);
    EXPECT_THAT(status.message(), HasSubstr("is not of the form /package.Service/Method"))
        << method;
  }
  CallFrame late = Call(3);
  late.set_timeout_micros(-1);
  EXPECT_THAT(Read(EncodeFrame(late), FrameReader::kProvider).message(),
              HasSubstr("call frame 1 (id 3): negative timeout -1 us"));
  EXPECT_THAT(Read(EncodeFrame(Call(1)) + EncodeCancel(0), FrameReader::kProvider).message(),
              HasSubstr("cancel 1 names id 0"));
}

TEST(FederationFramesTest, AnswersNeedAnIdOnceEachAGrpcCodeAndAResponseOnlyOnOk) {
  EXPECT_THAT(Read(EncodeFrame(Answer(0)), FrameReader::kConsumer).message(),
              HasSubstr("answer frame 1 has id 0"));
  EXPECT_THAT(
      Read(EncodeFrame(Answer(8)) + EncodeFrame(Answer(8, 5)), FrameReader::kConsumer).message(),
      HasSubstr("answer frame 2 (id 8) repeats an id"));
  EXPECT_THAT(Read(EncodeFrame(Answer(2, 17)), FrameReader::kConsumer).message(),
              HasSubstr("status code 17 is not one of gRPC's"));
  AnswerFrame denied_with_body = Answer(3, 7);
  denied_with_body.set_response("\x08\x01");
  EXPECT_THAT(Read(EncodeFrame(denied_with_body), FrameReader::kConsumer).message(),
              HasSubstr("a response with status code 7"));
  EXPECT_TRUE(Read(EncodeFrame(Answer(4, 16)), FrameReader::kConsumer).ok());
}

TEST(FederationFramesTest, ARefusalQuotesAnOddMethodEscapedAndShort) {
  const absl::Status status =
      Read(EncodeFrame(Call(1, std::string(5000, '\n'))), FrameReader::kProvider);
  EXPECT_THAT(status.message(), HasSubstr("\\n\\n"));
  EXPECT_LT(status.message().size(), 1200u);
}

TEST(FederationFramesTest, AStreamsMessagesFitTheSmallerOfTheTwoGatewaysLimits) {
  EXPECT_EQ(StreamMessageLimit(4 << 20, "300"), 300u);
  EXPECT_EQ(StreamMessageLimit(4 << 20, "8388608"), size_t{4} << 20);
  EXPECT_EQ(StreamMessageLimit(4 << 20, ""), size_t{4} << 20);
  EXPECT_EQ(StreamMessageLimit(4 << 20, "0"), size_t{4} << 20);
  EXPECT_EQ(StreamMessageLimit(4 << 20, "-5"), size_t{4} << 20);
  EXPECT_EQ(StreamMessageLimit(4 << 20, "12 MB"), size_t{4} << 20);
}

}  // namespace
}  // namespace pasarela
