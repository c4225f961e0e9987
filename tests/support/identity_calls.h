// Calls of the canonical identity service through a gateway, as an agency (or a test posing as a
// gateway) makes them, with what a test wants to check: status, response, timing, the exchange id
// and the Pasarela trailers. Thread-safe: each call has its own context.
#ifndef PASARELA_TESTS_SUPPORT_IDENTITY_CALLS_H_
#define PASARELA_TESTS_SUPPORT_IDENTITY_CALLS_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "pasarela/identity/v1/identity.pb.h"
#include "tests/support/topology.h"

namespace pasarela::testing {

struct GetPersonCall {
  std::string target = "CL/GOV/registro-civil";
  // The CL-RUN asked about; the default is a person the test registry knows.
  std::string run = "12531909-2";
  absl::Duration deadline = absl::Seconds(10);
  // Added to, or replacing, x-pasarela-purpose: border-control and x-pasarela-agreement:
  // test-identity; an empty value removes the header.
  std::map<std::string, std::string> metadata;
};

struct CallResult {
  grpc::Status status;
  identity::v1::GetPersonResponse response;
  std::string exchange_id;
  // x-pasarela-deny-rule and x-pasarela-answered-by from the trailers, if present.
  std::string deny_rule;
  std::string answered_by;
  // x-pasarela-receipt-bin and x-pasarela-receipt-signer-bin: a provider gateway's receipt and
  // the certificate it names as the receipt's signer, if present.
  std::string receipt;
  std::string receipt_signer;
  // A provider gateway called in federation protocol 2 answers with these four (the exchange id
  // excepted) in one trailer, x-pasarela-answer-bin: then true, and the fields above come from it.
  bool answer_facts = false;
  absl::Time started;
  absl::Duration elapsed;
};

CallResult GetPerson(const std::shared_ptr<grpc::Channel>& channel, const GetPersonCall& call = {});

// The headers a consumer gateway adds when it calls `provider`'s federation listener under
// agreement test-identity: the consumer, the exchange id, and the agreement's digest as
// `provider`'s policy compiles it.
std::map<std::string, std::string> FederationHeaders(const GatewayProcess& provider,
                                                     const std::string& consumer,
                                                     const std::string& exchange_id);

// The same facts in federation protocol 2's form, for a call of CL/GOV/registro-civil's
// GetPerson: one x-pasarela-call-bin header (target, consumer, exchange id, purpose
// border-control, agreement test-identity and its digest), and the protocol-1 headers GetPerson
// adds by default removed.
std::map<std::string, std::string> FederationCallFacts(const GatewayProcess& provider,
                                                       const std::string& consumer,
                                                       const std::string& exchange_id);
// A channel to `gateway`'s agency listener presenting the PKI certificate `cert_base`.crt (with
// its .key), e.g. "AR/agencies/migraciones" or "AR/test/spare".
std::shared_ptr<grpc::Channel> AgencyChannel(const GatewayProcess& gateway,
                                             const std::string& cert_base);

}  // namespace pasarela::testing

#endif  // PASARELA_TESTS_SUPPORT_IDENTITY_CALLS_H_
