// The CA certificates an auditor gives `pasarela audit verify` for one kind of signature (--ca for
// checkpoints, --peer-ca for receipts), each given for one country's gateway ("CC=FILE": as the
// gateway's trust configuration binds each CA to its country, that CA vouches only for gateway
// CC's certificates) or for any gateway ("FILE"). A file whose name begins with two letters and
// '=' is given with its directory ("./CL=ca.crt").
//
// Thread safety: immutable once loaded; CheckChain may be called concurrently.
#ifndef PASARELA_GATEWAY_AUDIT_COUNTRY_ANCHORS_H_
#define PASARELA_GATEWAY_AUDIT_COUNTRY_ANCHORS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/audit/audit_crypto.h"

namespace pasarela::audit {

// What vouched for a certificate.
enum class CaVoucher {
  kCountryCa,     // a CA given for the certificate's gateway
  kAnyGatewayCa,  // a CA given without a country, which vouches for any gateway's certificate
};

class CountryAnchors {
 public:
  // Reads every certificate of each spec's PEM file. INVALID_ARGUMENT naming the spec and
  // `option` (e.g. "--peer-ca") when its country is not two capital letters or no file follows
  // '='; the read or parse error naming the file otherwise.
  static absl::StatusOr<std::unique_ptr<CountryAnchors>> Load(const std::vector<std::string>& specs,
                                                              absl::string_view option);

  // Every file given, with or without a country, in the order given.
  const std::vector<std::string>& files() const { return files_; }
  // How many files were given without a country.
  size_t any_gateway_files() const { return any_gateway_files_; }

  // Checks that the first certificate of `pem_chain` chains, through the others, to a CA given for
  // gateway `gateway` (a country code), or else to one given without a country, with validity
  // judged at `at`. Errors: UNAUTHENTICATED with the chain's refusal (by the CAs given for
  // `gateway` when there are any); FAILED_PRECONDITION "CAs were given for gateway AR only, none
  // for gateway CL and none without a country" when no CA given may vouch for `gateway`. Either
  // ends with "; it chains to the CA given for AR, which does not vouch for gateway CL's
  // certificates" when another country's CA would vouch for it.
  absl::StatusOr<CaVoucher> CheckChain(absl::string_view pem_chain, absl::Time at,
                                       absl::string_view gateway) const;

 private:
  struct Group {
    std::string country;  // empty: any gateway
    std::unique_ptr<TrustAnchors> anchors;
  };
  CountryAnchors(std::vector<Group> groups, std::vector<std::string> files,
                 size_t any_gateway_files)
      : groups_(std::move(groups)),
        files_(std::move(files)),
        any_gateway_files_(any_gateway_files) {}

  const std::vector<Group> groups_;  // one per country, ordered, then the one without
  const std::vector<std::string> files_;
  const size_t any_gateway_files_;
};

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_COUNTRY_ANCHORS_H_
