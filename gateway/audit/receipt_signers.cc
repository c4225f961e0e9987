#include "gateway/audit/receipt_signers.h"

#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/audit/receipt_batch.h"
#include "gateway/audit/timestamp.h"
#include "gateway/common/file.h"
#include "gateway/common/rfc3339.h"
#include "gateway/identity/certificate.h"
#include "gateway/identity/participant_id.h"

namespace pasarela::audit {

namespace {

// "CL=FILE" gives a CA for gateway CL alone, "FILE" one for any gateway: a file whose name begins
// with two letters and '=' is given as "./NAME".
struct CaSpec {
  std::string country;  // empty: any gateway
  std::string file;
};

absl::StatusOr<CaSpec> ParseCaSpec(const std::string& spec) {
  if (spec.size() < 3 || spec[2] != '=' ||
      !absl::ascii_isalpha(static_cast<unsigned char>(spec[0])) ||
      !absl::ascii_isalpha(static_cast<unsigned char>(spec[1]))) {
    return CaSpec{"", spec};
  }
  CaSpec parsed{spec.substr(0, 2), spec.substr(3)};
  if (!IsCountryCode(parsed.country)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--peer-ca ", spec, ": '", parsed.country,
                     "' is not a country code as gateways are named (two capital letters, "
                     "urn:pasarela:gateway:CC); a file whose name begins so is given as ./",
                     spec));
  }
  if (parsed.file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--peer-ca ", spec, ": no file after '='"));
  }
  return parsed;
}

}  // namespace

ReceiptSigners::ReceiptSigners(std::vector<Signer> signers, std::vector<CountryAnchors> anchors,
                               size_t any_gateway_ca_files,
                               std::unique_ptr<SignerRevocations> revocations)
    : signers_(std::move(signers)),
      anchors_(std::move(anchors)),
      any_gateway_ca_files_(any_gateway_ca_files),
      revocations_(std::move(revocations)) {}

absl::StatusOr<std::unique_ptr<ReceiptSigners>> ReceiptSigners::Load(
    const std::vector<std::string>& certificate_files, const std::vector<std::string>& ca_specs,
    const std::vector<std::string>& crl_files) {
  std::vector<std::string> ca_files;
  std::map<std::string, std::vector<std::string>> files_by_country;
  for (const std::string& spec : ca_specs) {
    absl::StatusOr<CaSpec> parsed = ParseCaSpec(spec);
    if (!parsed.ok()) return parsed.status();
    ca_files.push_back(parsed->file);
    files_by_country[parsed->country].push_back(parsed->file);
  }
  // Every CA checks the CRLs, whichever gateway it vouches for: a CRL speaks of its CA's
  // certificates only.
  absl::StatusOr<CaChecks> cas = LoadCaChecks(ca_files, crl_files, "--peer-ca", "--peer-crl");
  if (!cas.ok()) return cas.status();
  std::vector<CountryAnchors> anchors;
  for (const auto& [country, files] : files_by_country) {
    if (country.empty()) continue;
    absl::StatusOr<std::unique_ptr<TrustAnchors>> loaded = TrustAnchors::Load(files);
    if (!loaded.ok()) return loaded.status();
    anchors.push_back(CountryAnchors{country, *std::move(loaded)});
  }
  const auto any_gateway = files_by_country.find("");
  const size_t any_gateway_ca_files =
      any_gateway == files_by_country.end() ? 0 : any_gateway->second.size();
  if (any_gateway_ca_files == ca_files.size() && cas->anchors != nullptr) {
    anchors.push_back(CountryAnchors{"", std::move(cas->anchors)});
  } else if (any_gateway_ca_files > 0) {
    absl::StatusOr<std::unique_ptr<TrustAnchors>> loaded = TrustAnchors::Load(any_gateway->second);
    if (!loaded.ok()) return loaded.status();
    anchors.push_back(CountryAnchors{"", *std::move(loaded)});
  }
  std::vector<Signer> signers;
  for (const std::string& file : certificate_files) {
    absl::StatusOr<std::string> pem = ReadFileToString(file);
    if (!pem.ok()) return pem.status();
    absl::StatusOr<Certificate> certificate = Certificate::FromPem(*pem);
    if (!certificate.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(file, ": no PEM certificate"));
    }
    std::string gateway;
    for (const std::string& uri : certificate->UriSans()) {
      if (absl::StatusOr<std::string> country = ParseGatewayUri(uri); country.ok()) {
        gateway = *std::move(country);
        break;
      }
    }
    if (gateway.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ": certificate ", CertificateSubject(*pem),
                       " is not a gateway's: it names no urn:pasarela:gateway:CC URI"));
    }
    absl::StatusOr<std::shared_ptr<const SignerKey>> key = SignerKey::FromPem(*pem);
    if (!key.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(file, ": ", key.status().message()));
    }
    signers.push_back(Signer{file, std::move(gateway), *std::move(pem), *std::move(key)});
  }
  return std::unique_ptr<ReceiptSigners>(new ReceiptSigners(
      std::move(signers), std::move(anchors), any_gateway_ca_files, std::move(cas->revocations)));
}

bool ReceiptSigners::Knows(absl::string_view gateway) const {
  for (const Signer& signer : signers_) {
    if (signer.gateway == gateway) return true;
  }
  return false;
}

absl::StatusOr<ReceiptVoucher> ReceiptSigners::Verify(const v1::Receipt& receipt) const {
  absl::StatusOr<std::string> signed_bytes = ReceiptSignedBytes(receipt);
  if (!signed_bytes.ok()) return signed_bytes.status();
  std::vector<std::string> tried;
  for (const Signer& signer : signers_) {
    if (signer.gateway != receipt.gateway()) continue;
    if (signer.key->Verify(receipt.signature_algorithm(), *signed_bytes, receipt.signature())
            .ok()) {
      return CheckCertificate(signer, receipt);
    }
    tried.push_back(signer.file);
  }
  return absl::UnauthenticatedError(absl::StrCat(
      "signature does not verify against gateway ", receipt.gateway(), "'s ",
      tried.size() == 1 ? "certificate " : "certificates ", absl::StrJoin(tried, ", ")));
}

// The signature is the certificate's holder's; whether the holder was the peer gateway its
// country's CA vouched for, at the time the receipt states, is the CAs' to say.
absl::StatusOr<ReceiptVoucher> ReceiptSigners::CheckCertificate(const Signer& signer,
                                                                const v1::Receipt& receipt) const {
  const absl::Time at = TimeOf(receipt.time());
  if (revocations_ != nullptr) {
    if (absl::optional<SignerRevocation> revocation = revocations_->Find(signer.pem)) {
      return absl::UnauthenticatedError(
          absl::StrCat("verifies against ", signer.file, ", but it was ",
                       RevokedSignerText(*revocation, "receipt", at)));
    }
  }
  if (anchors_.empty()) return ReceiptVoucher::kNone;
  // The CAs given for the signer's gateway are tried before those given for any gateway, so that
  // the first refusal named is theirs.
  absl::Status refusal;
  for (bool any_gateway : {false, true}) {
    for (const CountryAnchors& country : anchors_) {
      if (country.country != (any_gateway ? "" : signer.gateway)) continue;
      absl::Status chain = country.anchors->CheckChain(signer.pem, at);
      if (chain.ok()) {
        return any_gateway ? ReceiptVoucher::kAnyGatewayCa : ReceiptVoucher::kCountryCa;
      }
      if (refusal.ok()) refusal = chain;
    }
  }
  std::vector<std::string> others;  // the countries whose CAs were given, and whose one vouches
  std::string vouching_country;
  for (const CountryAnchors& country : anchors_) {
    if (country.country.empty() || country.country == signer.gateway) continue;
    others.push_back(country.country);
    if (vouching_country.empty() && country.anchors->CheckChain(signer.pem, at).ok()) {
      vouching_country = country.country;
    }
  }
  const std::string elsewhere =
      vouching_country.empty()
          ? std::string()
          : absl::StrCat("; it chains to the CA given for ", vouching_country,
                         ", which does not vouch for gateway ", signer.gateway, "'s certificates");
  if (refusal.ok()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "verifies against ", signer.file, ", which no --peer-ca vouches for: CAs were given for ",
        others.size() == 1 ? "gateway " : "gateways ", absl::StrJoin(others, ", "),
        " only, none for gateway ", signer.gateway, " and none without a country", elsewhere));
  }
  return absl::UnauthenticatedError(
      absl::StrCat("verifies against ", signer.file, ", which no --peer-ca vouches for at ",
                   FormatRfc3339Seconds(at), ": ", refusal.message(), elsewhere));
}

}  // namespace pasarela::audit
