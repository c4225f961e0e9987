#include "gateway/net/federation_frames.h"

#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace pasarela {
namespace {

using federation::v1::AnswerFrame;
using federation::v1::CallFrame;
using federation::v1::Frames;

// The field numbers of Frames.
constexpr int kCallsField = 1;
constexpr int kAnswersField = 2;
constexpr int kCancelsField = 3;

constexpr uint32_t kLengthDelimited = 2;
constexpr uint32_t kVarint = 0;
// grpc::StatusCode's last value, UNAUTHENTICATED.
constexpr uint32_t kLastStatusCode = 16;

// A Frames message holding one element of field `field`: its tag, then the frame's length and
// bytes.
std::string EncodeEntry(int field, const google::protobuf::MessageLite& frame) {
  const size_t size = frame.ByteSizeLong();
  std::string out;
  out.reserve(size + 6);
  uint8_t header[1 + 5];
  uint8_t* end = google::protobuf::io::CodedOutputStream::WriteTagToArray(
      (static_cast<uint32_t>(field) << 3) | kLengthDelimited, header);
  end = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(size),
                                                                      end);
  out.append(reinterpret_cast<const char*>(header), static_cast<size_t>(end - header));
  frame.AppendPartialToString(&out);
  return out;
}

// "/package.Service/Method", with a package-qualified service and a method name, nothing else.
bool IsMethodPath(absl::string_view method) {
  if (method.size() < 4 || method.front() != '/') return false;
  method.remove_prefix(1);
  const size_t slash = method.find('/');
  if (slash == absl::string_view::npos || slash == 0 || slash + 1 == method.size()) return false;
  if (method.find('/', slash + 1) != absl::string_view::npos) return false;
  for (char c : method) {
    if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f) return false;
  }
  return true;
}

std::string DescribeFrame(absl::string_view kind, int index, uint64_t id) {
  return absl::StrCat(kind, " frame ", index + 1, " (id ", id, ")");
}

// The id of the `index`th frame of `kind` in a message: not 0, and not one an earlier frame of
// that kind had (`seen`, which it joins).
absl::Status CheckId(absl::string_view kind, int index, uint64_t id,
                     absl::flat_hash_set<uint64_t>& seen) {
  if (id == 0) {
    return absl::InvalidArgumentError(absl::StrCat(kind, " frame ", index + 1, " has id 0"));
  }
  if (!seen.insert(id).second) {
    return absl::InvalidArgumentError(
        absl::StrCat(DescribeFrame(kind, index, id), " repeats an id of the message"));
  }
  return absl::OkStatus();
}

absl::Status CheckCalls(const Frames& frames) {
  absl::flat_hash_set<uint64_t> ids;
  for (int i = 0; i < frames.calls_size(); ++i) {
    const CallFrame& call = frames.calls(i);
    if (absl::Status id = CheckId("call", i, call.id(), ids); !id.ok()) return id;
    if (!IsMethodPath(call.method())) {
      return absl::InvalidArgumentError(
          absl::StrCat(DescribeFrame("call", i, call.id()), ": method \"",
                       absl::CHexEscape(call.method().substr(0, 200)),
                       "\" is not of the form /package.Service/Method"));
    }
    if (call.timeout_micros() < 0) {
      return absl::InvalidArgumentError(absl::StrCat(DescribeFrame("call", i, call.id()),
                                                     ": negative timeout ", call.timeout_micros(),
                                                     " us"));
    }
  }
  for (int i = 0; i < frames.cancels_size(); ++i) {
    if (frames.cancels(i) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("cancel ", i + 1, " names id 0"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckAnswers(const Frames& frames) {
  absl::flat_hash_set<uint64_t> ids;
  for (int i = 0; i < frames.answers_size(); ++i) {
    const AnswerFrame& answer = frames.answers(i);
    if (absl::Status id = CheckId("answer", i, answer.id(), ids); !id.ok()) return id;
    if (answer.code() > kLastStatusCode) {
      return absl::InvalidArgumentError(
          absl::StrCat(DescribeFrame("answer", i, answer.id()), ": status code ", answer.code(),
                       " is not one of gRPC's (0 to ", kLastStatusCode, ")"));
    }
    if (answer.code() != 0 && !answer.response().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(DescribeFrame("answer", i, answer.id()), ": a response with status code ",
                       answer.code(), " (a response comes only with OK)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string EncodeFrame(const CallFrame& frame) { return EncodeEntry(kCallsField, frame); }

std::string EncodeFrame(const AnswerFrame& frame) { return EncodeEntry(kAnswersField, frame); }

std::string EncodeCancel(uint64_t id) {
  // Unpacked, so that cancels batch by concatenation like the frames (a parser takes both forms).
  uint8_t bytes[1 + 10];
  uint8_t* end = google::protobuf::io::CodedOutputStream::WriteTagToArray(
      (static_cast<uint32_t>(kCancelsField) << 3) | kVarint, bytes);
  end = google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(id, end);
  return std::string(reinterpret_cast<const char*>(bytes), static_cast<size_t>(end - bytes));
}

size_t StreamMessageLimit(int64_t own_limit, absl::string_view announced) {
  uint64_t theirs = 0;
  const uint64_t own = static_cast<uint64_t>(own_limit);
  if (!absl::SimpleAtoi(announced, &theirs) || theirs == 0) return own;
  return static_cast<size_t>(std::min(own, theirs));
}

absl::Status ReadFrames(absl::string_view message, FrameReader reader, Frames* frames) {
  frames->Clear();
  if (message.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !frames->ParseFromArray(message.data(), static_cast<int>(message.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("a message of ", message.size(), " bytes that is not a Frames message"));
  }
  if (reader == FrameReader::kProvider) {
    if (frames->answers_size() > 0) {
      return absl::InvalidArgumentError(
          "an answer frame from the consumer's side of the stream (answers go the other way)");
    }
    return CheckCalls(*frames);
  }
  if (frames->calls_size() > 0 || frames->cancels_size() > 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        frames->calls_size() > 0 ? "a call frame" : "a cancel",
        " from the provider's side of the stream (calls and cancels go the other way)"));
  }
  return CheckAnswers(*frames);
}

}  // namespace pasarela
