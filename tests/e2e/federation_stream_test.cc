// Federation protocol 3 at a provider gateway: a test posing as gateway AR opens the federation
// stream to CL's real gateway process, with AR's real certificate, and sends call frames and
// cancels; CL runs each as an exchange and answers in frames.
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <csignal>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/net/federation_frames.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pasarela/audit/v1/audit.pb.h"
#include "pasarela/identity/v1/identity.grpc.pb.h"
#include "tests/support/child_process.h"
#include "tests/support/free_port.h"
#include "tests/support/identity_calls.h"
#include "tests/support/impostor_peer.h"
#include "tests/support/test_certificates.h"
#include "tests/support/topology.h"

namespace pasarela::testing {
namespace {

using federation::v1::AnswerFrame;
using federation::v1::CallFrame;
using federation::v1::Frames;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kRegistry[] = "CL/GOV/registro-civil";
constexpr char kGetPerson[] = "/pasarela.identity.v1.IdentityService/GetPerson";
constexpr char kMigraciones[] = "AR/agencies/migraciones";

// One federation stream, driven one operation at a time on a completion queue of its own.
class FrameStreamClient {
 public:
  // `metadata` goes with the stream's call.
  explicit FrameStreamClient(const std::shared_ptr<grpc::Channel>& channel,
                             const std::map<std::string, std::string>& metadata = {})
      : stub_(channel) {
    context_.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    for (const auto& [key, value] : metadata) context_.AddMetadata(key, value);
    call_ = stub_.PrepareCall(&context_, kFederationStreamMethod, &queue_);
    call_->StartCall(Tag(kStarted));
    started_ = Await(kStarted, absl::Seconds(10)).value_or(false);
  }
  ~FrameStreamClient() {
    context_.TryCancel();
    queue_.Shutdown();
    void* tag;
    bool ok;
    while (queue_.Next(&tag, &ok)) {
    }
  }

  bool started() const { return started_; }

  bool Write(const std::string& message) {
    grpc::Slice slice(message);
    outgoing_ = grpc::ByteBuffer(&slice, 1);
    call_->Write(outgoing_, Tag(kWritten));
    return Await(kWritten, absl::Seconds(10)).value_or(false);
  }

  // The next message, read as the consumer gateway reads it; nullopt when the stream ended or
  // nothing came within `timeout` (the read then stays pending for the next Read).
  std::optional<Frames> Read(absl::Duration timeout = absl::Seconds(20)) {
    if (!read_pending_) {
      incoming_.Clear();
      call_->Read(&incoming_, Tag(kRead));
      read_pending_ = true;
    }
    std::optional<bool> ok = Await(kRead, timeout);
    if (!ok.has_value()) return std::nullopt;
    read_pending_ = false;
    if (!*ok) return std::nullopt;
    std::vector<grpc::Slice> slices;
    incoming_.Dump(&slices);
    std::string bytes;
    for (const grpc::Slice& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    Frames frames;
    absl::Status read = ReadFrames(bytes, FrameReader::kConsumer, &frames);
    EXPECT_TRUE(read.ok()) << read;
    return frames;
  }

  // Answers until `ids` are all answered, keyed by id; fewer when the stream ends or stalls.
  std::map<uint64_t, AnswerFrame> AnswersTo(std::set<uint64_t> ids) {
    std::map<uint64_t, AnswerFrame> answers;
    while (!ids.empty()) {
      std::optional<Frames> frames = Read();
      if (!frames.has_value()) break;
      for (const AnswerFrame& answer : frames->answers()) {
        EXPECT_EQ(ids.erase(answer.id()), 1u) << "an answer to " << answer.id();
        answers[answer.id()] = answer;
      }
    }
    return answers;
  }

  void WritesDone() {
    call_->WritesDone(Tag(kWritesDone));
    Await(kWritesDone, absl::Seconds(10));
  }

  // Reads to the stream's end, then its status.
  grpc::Status Finish() {
    while (Read().has_value()) {
    }
    grpc::Status status;
    call_->Finish(&status, Tag(kFinished));
    if (!Await(kFinished, absl::Seconds(20)).has_value()) {
      return grpc::Status(grpc::StatusCode::UNKNOWN, "the stream did not end");
    }
    return status;
  }

 private:
  enum Operation { kStarted, kWritten, kRead, kWritesDone, kFinished };
  static void* Tag(Operation operation) {
    return reinterpret_cast<void*>(static_cast<intptr_t>(operation) + 1);
  }

  // The outcome of `operation`, or nullopt when it did not end within `timeout`. Others that end
  // meanwhile are kept for their own Await.
  std::optional<bool> Await(Operation operation, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    for (;;) {
      auto done = done_.find(operation);
      if (done != done_.end()) {
        const bool ok = done->second;
        done_.erase(done);
        return ok;
      }
      void* tag;
      bool ok;
      if (queue_.AsyncNext(&tag, &ok, absl::ToChronoTime(deadline)) !=
          grpc::CompletionQueue::GOT_EVENT) {
        return std::nullopt;
      }
      done_[static_cast<Operation>(reinterpret_cast<intptr_t>(tag) - 1)] = ok;
    }
  }

  grpc::GenericStub stub_;
  grpc::ClientContext context_;
  grpc::CompletionQueue queue_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
  grpc::ByteBuffer outgoing_;
  grpc::ByteBuffer incoming_;
  bool read_pending_ = false;
  bool started_ = false;
  std::map<Operation, bool> done_;
};

// Stands where AR believes CL's gateway is, holding CL's genuine gateway certificate and key (a
// peer gateway gone bad), and relays AR's federation stream to the real CL gateway over a stream of
// its own, one message at a time; from the second answer on it hands back the receipt of the first
// instead of the one CL signed for the exchange.
class FrameReplayingPeer final : public grpc::CallbackGenericService {
 public:
  explicit FrameReplayingPeer(std::string real_peer)
      : real_peer_(std::move(real_peer)), server_(StartImpostorServer(this, "CL/gateway", "AR")) {}
  // AR keeps its stream open: it is cut after a moment.
  ~FrameReplayingPeer() override {
    server_.server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Milliseconds(500)));
  }
  const std::string& address() const { return server_.address; }
  int replayed() { return receipts_.replayed(); }

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    return std::make_unique<Relay>(this).release();
  }

 private:
  std::string Substitute(const std::string& genuine) { return receipts_.Substitute(genuine); }

  // Blocks a callback thread while CL answers: a test's calls come one at a time.
  class Relay : public grpc::ServerGenericBidiReactor {
   public:
    explicit Relay(FrameReplayingPeer* peer)
        : peer_(peer),
          upstream_(MtlsChannel(peer->real_peer_, "AR/gateway.crt", "AR/gateway.key", "CL")) {
      StartRead(&in_);
    }
    void OnReadDone(bool ok) override {
      if (!ok) {
        Finish(grpc::Status::OK);
        return;
      }
      std::vector<grpc::Slice> slices;
      in_.Dump(&slices);
      std::string message;
      for (const grpc::Slice& slice : slices) {
        message.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      }
      std::optional<Frames> answers;
      if (upstream_.Write(message)) answers = upstream_.Read();
      if (!answers.has_value()) {
        Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the real peer did not answer"));
        return;
      }
      for (AnswerFrame& answer : *answers->mutable_answers()) {
        if (answer.has_facts() && !answer.facts().receipt().empty()) {
          answer.mutable_facts()->set_receipt(peer_->Substitute(answer.facts().receipt()));
        }
      }
      grpc::Slice out(answers->SerializeAsString());
      out_ = grpc::ByteBuffer(&out, 1);
      StartWrite(&out_);
    }
    void OnWriteDone(bool ok) override {
      if (ok) {
        StartRead(&in_);
      } else {
        Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed"));
      }
    }
    void OnDone() override { std::unique_ptr<Relay> self(this); }

   private:
    FrameReplayingPeer* peer_;
    FrameStreamClient upstream_;
    grpc::ByteBuffer in_;
    grpc::ByteBuffer out_;
  };

  std::string real_peer_;
  ReceiptReplayer receipts_;
  ImpostorServer server_;
};

class FederationStreamTest : public ::testing::Test {
 protected:
  void Start(const std::vector<std::string>& provider_args = {},
             const std::string& provider_program = "identity_provider",
             const std::string& cl_extra_yaml = "") {
    registry_ = &topology_.StartProvider(kRegistry, provider_args, provider_program);
    topology_.StartGateway("AR");
    topology_.StartGateway("CL", cl_extra_yaml);
  }
  GatewayProcess& cl() { return topology_.gateway("CL"); }

  // A stream to CL's federation listener presenting `cert_base`.crt and .key.
  std::unique_ptr<FrameStreamClient> Open(const std::string& cert_base = "AR/gateway",
                                          const std::map<std::string, std::string>& metadata = {}) {
    return std::make_unique<FrameStreamClient>(
        MtlsChannel(cl().federation_address(), cert_base + ".crt", cert_base + ".key", "CL"),
        metadata);
  }

  // A GetPerson call frame of AR/GOV/migraciones (or `consumer`) under test-identity.
  CallFrame GetPersonFrame(uint64_t id, const std::string& exchange_id,
                           const std::string& run = "12531909-2",
                           const std::string& consumer = "AR/GOV/migraciones") {
    CallFrame frame;
    frame.set_id(id);
    frame.set_method(kGetPerson);
    frame.set_timeout_micros(10'000'000);
    federation::v1::CallFacts* facts = frame.mutable_facts();
    facts->set_target(kRegistry);
    facts->set_consumer(consumer);
    facts->set_exchange_id(exchange_id);
    facts->set_purpose("border-control");
    facts->set_agreement("test-identity");
    facts->set_agreement_digest(AgreementDigestOf(cl().dir + "/policy", "test-identity"));
    identity::v1::GetPersonRequest request;
    request.mutable_identifier()->set_issuing_country("CL");
    request.mutable_identifier()->set_scheme("CL-RUN");
    request.mutable_identifier()->set_value(run);
    frame.set_request(request.SerializeAsString());
    return frame;
  }

  // CL's audit record of `exchange_id`, as `pasarela audit show` prints it.
  std::string ClRecord(const std::string& exchange_id) {
    std::string shown;
    RunCommand(
        {BinDir() + "/pasarela", "audit", "show", cl().dir + "/audit", "--exchange", exchange_id},
        &shown);
    return shown;
  }

  Topology topology_{{"AR", "CL"}};
  ProviderProcess* registry_ = nullptr;
};

TEST_F(FederationStreamTest, EachCallFrameIsAnsweredAsItsCallWouldBeAndRecordedAsProtocol3) {
  Start();
  std::unique_ptr<FrameStreamClient> stream = Open();
  ASSERT_TRUE(stream->started());
  // Three calls in one message: a person the registry knows, one it does not, and a consumer that
  // gateway AR may not speak for.
  const std::string known = "4a1c0e52-3c59-4d1e-9f0a-2b8e4c7d9a11";
  const std::string unknown = "4a1c0e52-3c59-4d1e-9f0a-2b8e4c7d9a12";
  const std::string foreign = "4a1c0e52-3c59-4d1e-9f0a-2b8e4c7d9a13";
  ASSERT_TRUE(stream->Write(EncodeFrame(GetPersonFrame(1, known))) &&
              stream->Write(EncodeFrame(GetPersonFrame(2, unknown, "11111111-1")) +
                            EncodeFrame(GetPersonFrame(3, foreign, "12531909-2", "BR/GOV/saude"))));
  std::map<uint64_t, AnswerFrame> answers = stream->AnswersTo({1, 2, 3});
  ASSERT_EQ(answers.size(), 3u);

  const AnswerFrame& found = answers[1];
  EXPECT_EQ(found.code(), 0u) << found.message();
  identity::v1::GetPersonResponse person;
  ASSERT_TRUE(person.ParseFromString(found.response()));
  EXPECT_FALSE(person.person().given_names().empty());
  EXPECT_EQ(found.facts().answered_by(), "CL");
  // CL's receipt covers the exchange AR named.
  audit::v1::Receipt receipt;
  ASSERT_TRUE(receipt.ParseFromString(found.facts().receipt()));
  EXPECT_EQ(receipt.exchange_id(), known);
  EXPECT_EQ(receipt.gateway(), "CL");
  EXPECT_FALSE(receipt.signature().empty());

  EXPECT_EQ(answers[2].code(), static_cast<uint32_t>(grpc::StatusCode::NOT_FOUND));
  EXPECT_TRUE(answers[2].response().empty());
  EXPECT_EQ(answers[2].facts().answered_by(), "CL");

  EXPECT_EQ(answers[3].code(), static_cast<uint32_t>(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(answers[3].message(), HasSubstr("gateway AR may not assert consumer BR/GOV/saude"));
  EXPECT_EQ(answers[3].facts().answered_by(), "CL");

  // The registry was asked twice, under the exchange ids AR drew; never for the foreign consumer.
  std::vector<std::string> calls = registry_->Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_THAT(calls[0] + calls[1], HasSubstr(known));
  EXPECT_THAT(calls[0] + calls[1], HasSubstr(unknown));

  stream->WritesDone();
  grpc::Status ended = stream->Finish();
  EXPECT_TRUE(ended.ok()) << ended.error_message();

  // A status of 0 is left out of the record's JSON, as every default value is.
  const std::string known_record = ClRecord(known);
  EXPECT_THAT(known_record, HasSubstr("\"decision\":\"ALLOW\""));
  EXPECT_THAT(known_record, HasSubstr("\"response_digest\""));
  EXPECT_THAT(known_record, Not(HasSubstr("grpc_status_code")));
  EXPECT_THAT(ClRecord(foreign), HasSubstr("\"grpc_status_code\":7"));
  EXPECT_TRUE(cl().process->WaitForLog("\"federation_protocol\":3", absl::Seconds(5)));
}

TEST_F(FederationStreamTest, AnAnswerLargerThanTheConsumerTakesFailsAloneNotTheStream) {
  Start();
  // The consumer gateway takes messages of at most 300 bytes on this stream: the answer frame
  // (the person, the receipt) is larger.
  std::unique_ptr<FrameStreamClient> stream =
      Open("AR/gateway", {{kStreamMaxMessageBytesKey, "300"}});
  ASSERT_TRUE(
      stream->Write(EncodeFrame(GetPersonFrame(1, "8e5a4c96-7a9d-4b52-9d4e-6f2c8a3b1e51"))));
  std::map<uint64_t, AnswerFrame> answers = stream->AnswersTo({1});
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[1].code(), static_cast<uint32_t>(grpc::StatusCode::RESOURCE_EXHAUSTED));
  EXPECT_THAT(answers[1].message(), HasSubstr("exceeds the stream's message limit of 300 bytes"));
  EXPECT_TRUE(answers[1].response().empty());
  // The stream goes on: a refusal's frame fits.
  ASSERT_TRUE(stream->Write(EncodeFrame(
      GetPersonFrame(2, "8e5a4c96-7a9d-4b52-9d4e-6f2c8a3b1e52", "12531909-2", "BR/GOV/saude"))));
  answers = stream->AnswersTo({2});
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[2].code(), static_cast<uint32_t>(grpc::StatusCode::PERMISSION_DENIED));
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());

  // Without the announcement, CL's own limit holds.
  std::unique_ptr<FrameStreamClient> plain = Open();
  ASSERT_TRUE(plain->Write(EncodeFrame(GetPersonFrame(3, "8e5a4c96-7a9d-4b52-9d4e-6f2c8a3b1e53"))));
  answers = plain->AnswersTo({3});
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[3].code(), 0u) << answers[3].message();
}

TEST_F(FederationStreamTest, AnAgencyGetsNoStreamAndARevokedGatewayNoExchangeOnItsOpenStream) {
  Start({}, "identity_provider", "defaults:\n  crl_refresh_interval: 100ms\n");
  // The federation listener's handshake refuses an agency's certificate, stream or not.
  std::unique_ptr<FrameStreamClient> agency = Open("AR/agencies/migraciones");
  agency->Write(EncodeFrame(GetPersonFrame(1, "5b2d1f63-4d6a-4e2f-8a1b-3c9f5d0e8b21")));
  EXPECT_EQ(agency->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(registry_->Calls().empty());

  // A certificate of gateway AR of its own, revoked while its stream is open: the frames after
  // the revocation are refused, each by its own exchange.
  const std::string issued = IssueTestCertificate(
      {"gateway-ar-stream", "AR", {"urn:pasarela:gateway:AR"}, "clientAuth, serverAuth"});
  std::unique_ptr<FrameStreamClient> stream = Open(issued);
  ASSERT_TRUE(
      stream->Write(EncodeFrame(GetPersonFrame(1, "5b2d1f63-4d6a-4e2f-8a1b-3c9f5d0e8b22"))));
  std::map<uint64_t, AnswerFrame> before = stream->AnswersTo({1});
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[1].code(), 0u) << before[1].message();

  const std::string serial = RevokeTestCertificate(issued);
  ASSERT_TRUE(cl().process->WaitForLog("loaded CRL of AR", absl::Seconds(5)));
  ASSERT_TRUE(
      stream->Write(EncodeFrame(GetPersonFrame(2, "5b2d1f63-4d6a-4e2f-8a1b-3c9f5d0e8b23"))));
  std::map<uint64_t, AnswerFrame> after = stream->AnswersTo({2});
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[2].code(), static_cast<uint32_t>(grpc::StatusCode::UNAUTHENTICATED))
      << after[2].message();
  EXPECT_THAT(after[2].message(), HasSubstr(absl::StrCat("serial ", serial)));
  EXPECT_EQ(registry_->Calls().size(), 1u);
}

TEST_F(FederationStreamTest, BytesThatAreNotFramesEndTheStreamAndTheGatewayServesOn) {
  Start();
  std::unique_ptr<FrameStreamClient> stream = Open();
  ASSERT_TRUE(stream->started());
  stream->Write("\xff\xff\xff\xff");
  grpc::Status ended = stream->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ended.error_message(), HasSubstr("not federation protocol 3"));

  // An answer frame has no business going to the provider gateway.
  std::unique_ptr<FrameStreamClient> wrong_way = Open();
  AnswerFrame answer;
  answer.set_id(1);
  wrong_way->Write(EncodeFrame(answer));
  EXPECT_THAT(wrong_way->Finish().error_message(), HasSubstr("an answer frame"));

  std::unique_ptr<FrameStreamClient> next = Open();
  ASSERT_TRUE(next->Write(EncodeFrame(GetPersonFrame(7, "5b2d1f63-4d6a-4e2f-8a1b-3c9f5d0e8b22"))));
  std::map<uint64_t, AnswerFrame> answers = next->AnswersTo({7});
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[7].code(), 0u) << answers[7].message();
}

TEST_F(FederationStreamTest, ACancelOrADeadlineEndsTheProvidersCallAndTheRecordSaysSo) {
  Start({"--mode", "hang"}, "misbehaving_provider");
  std::unique_ptr<FrameStreamClient> stream = Open();
  ASSERT_TRUE(stream->started());
  const std::string cancelled = "6c3e2a74-5e7b-4f30-9b2c-4d0a6e1f9c31";
  const std::string timed_out = "6c3e2a74-5e7b-4f30-9b2c-4d0a6e1f9c32";
  CallFrame short_deadline = GetPersonFrame(2, timed_out);
  short_deadline.set_timeout_micros(300'000);
  ASSERT_TRUE(
      stream->Write(EncodeFrame(GetPersonFrame(1, cancelled)) + EncodeFrame(short_deadline)));
  // The deadline's answer comes from CL; the hanging call is cancelled once it reached the
  // registry, and gets no answer.
  std::map<uint64_t, AnswerFrame> answers = stream->AnswersTo({2});
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[2].code(), static_cast<uint32_t>(grpc::StatusCode::DEADLINE_EXCEEDED));
  // The registry logs each call it receives and each its caller gives up.
  auto registry_events = [&](const char* event) {
    int count = 0;
    for (const std::string& call : registry_->Calls()) {
      if (call.find(absl::StrCat("\"event\":\"", event, "\"")) != std::string::npos) ++count;
    }
    return count;
  };
  auto wait_for = [&](const char* event, int count) {
    const absl::Time until = absl::Now() + absl::Seconds(10);
    while (registry_events(event) < count && absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    return registry_events(event);
  };
  ASSERT_EQ(wait_for("received", 2), 2);
  // The deadline's end reached the registry.
  ASSERT_EQ(wait_for("cancelled", 1), 1);
  ASSERT_TRUE(stream->Write(EncodeCancel(1)));
  EXPECT_EQ(wait_for("cancelled", 2), 2);
  // No answer to a call given up.
  EXPECT_FALSE(stream->Read(absl::Milliseconds(500)).has_value());
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_THAT(ClRecord(cancelled), HasSubstr("\"grpc_status_code\":1"));
  EXPECT_THAT(ClRecord(timed_out), HasSubstr("\"grpc_status_code\":4"));
}

TEST_F(FederationStreamTest, AStreamThatBreaksCancelsItsExchangesInFlight) {
  Start({"--mode", "hang"}, "misbehaving_provider");
  const std::string exchange = "7d4f3b85-6f8c-4a41-8c3d-5e1b7f2a0d41";
  {
    std::unique_ptr<FrameStreamClient> stream = Open();
    ASSERT_TRUE(stream->started());
    ASSERT_TRUE(stream->Write(EncodeFrame(GetPersonFrame(1, exchange))));
    const absl::Time until = absl::Now() + absl::Seconds(10);
    while (registry_->Calls().empty() && absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    ASSERT_EQ(registry_->Calls().size(), 1u);
    // The stream's end here cancels it: as a consumer gateway that stops would.
  }
  EXPECT_TRUE(cl().process->WaitForLog("1 exchanges in flight cancelled", absl::Seconds(10)));
  const absl::Time until = absl::Now() + absl::Seconds(10);
  std::string record;
  while (absl::Now() < until) {
    record = ClRecord(exchange);
    if (record.find("grpc_status_code") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_THAT(record, HasSubstr("\"grpc_status_code\":1"));
}

// The consumer side: AR's gateway sends its agencies' calls to CL's as frames.

TEST_F(FederationStreamTest, AgencyCallsCrossAsFramesAndBothGatewaysRecordProtocol3) {
  Start();
  GatewayProcess& ar = topology_.gateway("AR");
  std::vector<std::future<CallResult>> calls;
  for (int i = 0; i < 16; ++i) {
    calls.push_back(
        std::async(std::launch::async, [&] { return GetPerson(AgencyChannel(ar, kMigraciones)); }));
  }
  std::set<std::string> exchange_ids;
  for (std::future<CallResult>& call : calls) {
    CallResult result = call.get();
    ASSERT_TRUE(result.status.ok()) << result.status.error_message();
    EXPECT_TRUE(result.response.has_person());
    exchange_ids.insert(result.exchange_id);
  }
  // AR answered each OK only once CL's receipt for the exchange verified.
  EXPECT_EQ(exchange_ids.size(), 16u);
  EXPECT_EQ(registry_->Calls().size(), 16u);
  for (GatewayProcess* gateway : {&ar, &cl()}) {
    EXPECT_TRUE(gateway->process->WaitForLog("\"federation_protocol\":3", absl::Seconds(5)))
        << gateway->country;
    EXPECT_THAT(gateway->process->Log(), Not(HasSubstr("\"federation_protocol\":2")));
  }
  EXPECT_THAT(ClRecord(*exchange_ids.begin()), HasSubstr("\"decision\":\"ALLOW\""));
}

TEST_F(FederationStreamTest,
       APeerGatewayThatNeverAnswersEndsAtTheDeadlineAndAStreamThatBreaksAtOnce) {
  registry_ = &topology_.StartProvider(kRegistry);
  // CL's genuine certificate, on a server that reads the first message of each call or stream and
  // never answers.
  ProviderProcess& silent = topology_.StartImpostor("CL/gateway.crt", "CL/gateway.key", "AR",
                                                    absl::StrCat("127.0.0.1:", PickFreePort()),
                                                    {"--mode", "hang"}, "misbehaving_provider");
  topology_.SetFederationAddress("CL", silent.address);
  GatewayProcess& ar = topology_.StartGateway("AR", "defaults:\n  deadline: 700ms\n");
  auto channel = AgencyChannel(ar, kMigraciones);

  // No deadline from the agency: the gateway's own ends the exchange.
  auto stub = identity::v1::IdentityService::NewStub(channel);
  grpc::ClientContext context;
  context.AddMetadata("x-pasarela-target", kRegistry);
  context.AddMetadata("x-pasarela-purpose", "border-control");
  context.AddMetadata("x-pasarela-agreement", "test-identity");
  identity::v1::GetPersonRequest request;
  identity::v1::GetPersonResponse response;
  const absl::Time start = absl::Now();
  grpc::Status status = stub->GetPerson(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("deadline exceeded waiting for peer gateway CL"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));

  // The agency's own deadline, on the same stream.
  CallResult timed =
      GetPerson(channel, GetPersonCall{kRegistry, "12531909-2", absl::Milliseconds(400), {}});
  EXPECT_EQ(timed.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);

  // The stream breaks under an exchange in flight: it ends UNAVAILABLE at once, not at its
  // deadline.
  std::future<CallResult> pending = std::async(std::launch::async, [&] {
    return GetPerson(channel, GetPersonCall{kRegistry, "12531909-2", absl::Seconds(20), {}});
  });
  // One stream carries all three: the server logged its first message only.
  EXPECT_EQ(silent.Calls().size(), 1u);
  absl::SleepFor(absl::Milliseconds(300));
  const absl::Time killed = absl::Now();
  silent.process->Stop(SIGKILL, absl::Seconds(5));
  CallResult broken = pending.get();
  EXPECT_EQ(broken.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << broken.status.error_message();
  EXPECT_THAT(broken.status.error_message(), HasSubstr("peer gateway CL at"));
  EXPECT_LT(absl::Now() - killed, absl::Seconds(5));
}

TEST_F(FederationStreamTest, AReceiptReplayedOnTheStreamIsRefusedByTheConsumerGateway) {
  registry_ = &topology_.StartProvider(kRegistry);
  topology_.StartGateway("CL");
  FrameReplayingPeer peer(cl().federation_address());
  topology_.SetFederationAddress("CL", peer.address());
  GatewayProcess& ar = topology_.StartGateway("AR");
  auto channel = AgencyChannel(ar, kMigraciones);

  CallResult first = GetPerson(channel);
  ASSERT_TRUE(first.status.ok()) << first.status.error_message();
  ExpectRefusedForTheReceiptOf(first, GetPerson(channel));
  EXPECT_EQ(peer.replayed(), 1);
  EXPECT_EQ(registry_->Calls().size(), 2u);
}

}  // namespace
}  // namespace pasarela::testing
