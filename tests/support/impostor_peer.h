// What the tests of a peer gateway gone bad share: a server holding a country gateway's genuine
// certificate and key, and the receipts such a peer hands back in place of the genuine ones.
// Thread-safe.
#ifndef PASARELA_TESTS_SUPPORT_IMPOSTOR_PEER_H_
#define PASARELA_TESTS_SUPPORT_IMPOSTOR_PEER_H_

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/server.h>

#include <memory>
#include <mutex>
#include <string>

#include "tests/support/identity_calls.h"

namespace pasarela::testing {

// A server on a free loopback port serving `service`, presenting the PKI's `cert_base`.crt (with
// its .key, e.g. "CL/gateway") and requiring a client certificate of `client_ca_country`'s CA.
struct ImpostorServer {
  std::unique_ptr<grpc::Server> server;
  std::string address;
};
ImpostorServer StartImpostorServer(grpc::CallbackGenericService* service,
                                   const std::string& cert_base,
                                   const std::string& client_ca_country);

// Hands back the first receipt it is given in place of every later one.
class ReceiptReplayer {
 public:
  // The receipt to hand back in place of `genuine`.
  std::string Substitute(const std::string& genuine);
  // How many receipts it replaced.
  int replayed();

 private:
  std::mutex mu_;
  std::string first_receipt_;
  int replayed_ = 0;
};

// Expects `replayed` refused by the consumer gateway because the peer handed back the receipt of
// `first`: same request, same response, so the same digests; only the exchange id tells them
// apart.
void ExpectRefusedForTheReceiptOf(const CallResult& first, const CallResult& replayed);

}  // namespace pasarela::testing

#endif  // PASARELA_TESTS_SUPPORT_IMPOSTOR_PEER_H_
