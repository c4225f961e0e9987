#include "tests/support/identity_calls.h"

#include "absl/time/clock.h"
#include "pasarela/federation/v1/federation.pb.h"
#include "pasarela/identity/v1/identity.grpc.pb.h"

namespace pasarela::testing {
namespace {

std::string Find(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                 const std::string& key) {
  auto it = metadata.find(key);
  return it == metadata.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

}  // namespace

CallResult GetPerson(const std::shared_ptr<grpc::Channel>& channel, const GetPersonCall& call) {
  auto stub = identity::v1::IdentityService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + call.deadline));
  std::map<std::string, std::string> metadata = {{"x-pasarela-target", call.target},
                                                 {"x-pasarela-purpose", "border-control"},
                                                 {"x-pasarela-agreement", "test-identity"}};
  for (const auto& [key, value] : call.metadata) metadata[key] = value;
  for (const auto& [key, value] : metadata) {
    if (!value.empty()) context.AddMetadata(key, value);
  }
  identity::v1::GetPersonRequest request;
  request.mutable_identifier()->set_issuing_country("CL");
  request.mutable_identifier()->set_scheme("CL-RUN");
  request.mutable_identifier()->set_value(call.run);
  CallResult result;
  result.started = absl::Now();
  result.status = stub->GetPerson(&context, request, &result.response);
  result.elapsed = absl::Now() - result.started;
  result.exchange_id = Find(context.GetServerInitialMetadata(), "x-pasarela-exchange-id");
  result.deny_rule = Find(context.GetServerTrailingMetadata(), "x-pasarela-deny-rule");
  result.answered_by = Find(context.GetServerTrailingMetadata(), "x-pasarela-answered-by");
  result.receipt = Find(context.GetServerTrailingMetadata(), "x-pasarela-receipt-bin");
  result.receipt_signer =
      Find(context.GetServerTrailingMetadata(), "x-pasarela-receipt-signer-bin");
  const std::string answer_facts =
      Find(context.GetServerTrailingMetadata(), "x-pasarela-answer-bin");
  if (!answer_facts.empty()) {
    result.answer_facts = true;
    federation::v1::AnswerFacts facts;
    if (!facts.ParseFromString(answer_facts)) {
      result.answered_by = "(malformed x-pasarela-answer-bin)";
      return result;
    }
    result.answered_by = facts.answered_by();
    result.deny_rule = facts.deny_rule();
    result.receipt = facts.receipt();
    result.receipt_signer = facts.receipt_signer();
  }
  return result;
}

std::map<std::string, std::string> FederationHeaders(const GatewayProcess& provider,
                                                     const std::string& consumer,
                                                     const std::string& exchange_id) {
  return {{"x-pasarela-consumer", consumer},
          {"x-pasarela-exchange-id", exchange_id},
          {"x-pasarela-agreement-digest",
           AgreementDigestOf(provider.dir + "/policy", "test-identity")}};
}

std::map<std::string, std::string> FederationCallFacts(const GatewayProcess& provider,
                                                       const std::string& consumer,
                                                       const std::string& exchange_id) {
  federation::v1::CallFacts facts;
  facts.set_target("CL/GOV/registro-civil");
  facts.set_consumer(consumer);
  facts.set_exchange_id(exchange_id);
  facts.set_purpose("border-control");
  facts.set_agreement("test-identity");
  facts.set_agreement_digest(AgreementDigestOf(provider.dir + "/policy", "test-identity"));
  // The protocol-1 headers GetPerson adds by default are removed (an empty value removes one).
  return {{"x-pasarela-call-bin", facts.SerializeAsString()},
          {"x-pasarela-target", ""},
          {"x-pasarela-purpose", ""},
          {"x-pasarela-agreement", ""}};
}

std::shared_ptr<grpc::Channel> AgencyChannel(const GatewayProcess& gateway,
                                             const std::string& cert_base) {
  return MtlsChannel(gateway.agency_address(), cert_base + ".crt", cert_base + ".key",
                     gateway.country);
}

}  // namespace pasarela::testing
