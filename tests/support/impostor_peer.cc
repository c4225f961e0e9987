#include "tests/support/impostor_peer.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/topology.h"

namespace pasarela::testing {

ImpostorServer StartImpostorServer(grpc::CallbackGenericService* service,
                                   const std::string& cert_base,
                                   const std::string& client_ca_country) {
  grpc::SslServerCredentialsOptions tls(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  tls.pem_root_certs = ReadFileOrEmpty(Pki(client_ca_country + "/ca.crt"));
  tls.pem_key_cert_pairs.push_back(
      {ReadFileOrEmpty(Pki(cert_base + ".key")), ReadFileOrEmpty(Pki(cert_base + ".crt"))});
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(tls), &port);
  builder.RegisterCallbackGenericService(service);
  ImpostorServer started;
  started.server = builder.BuildAndStart();
  started.address = absl::StrCat("127.0.0.1:", port);
  return started;
}

std::string ReceiptReplayer::Substitute(const std::string& genuine) {
  std::lock_guard<std::mutex> lock(mu_);
  if (first_receipt_.empty()) {
    first_receipt_ = genuine;
    return genuine;
  }
  ++replayed_;
  return first_receipt_;
}

int ReceiptReplayer::replayed() {
  std::lock_guard<std::mutex> lock(mu_);
  return replayed_;
}

void ExpectRefusedForTheReceiptOf(const CallResult& first, const CallResult& replayed) {
  EXPECT_EQ(replayed.status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(replayed.status.error_message(),
              ::testing::HasSubstr(absl::StrCat(
                  "the receipt of gateway CL does not verify: receipt is for exchange ",
                  first.exchange_id, ", not ", replayed.exchange_id)));
  EXPECT_EQ(replayed.deny_rule, "receipt-invalid");
  EXPECT_FALSE(replayed.response.has_person());
}

}  // namespace pasarela::testing
