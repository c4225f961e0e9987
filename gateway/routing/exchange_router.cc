#include "gateway/routing/exchange_router.h"

#include <openssl/rand.h>

#include <cstring>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gateway/routing/metadata_keys.h"

namespace pasarela {

namespace {

// Where the textual form of a UUID has its dashes.
constexpr bool IsUuidDash(size_t position) {
  return position == 8 || position == 13 || position == 18 || position == 23;
}

// Random bytes for exchange ids, kept per thread and refilled from OpenSSL's generator 256 bytes
// at a time: one call into it per 16 ids instead of one per id. The bytes name exchanges and are
// not secret; the gateway does not fork, so no two processes share a thread's block.
const unsigned char* NextIdBytes() {
  constexpr size_t kIdBytes = 16;
  thread_local unsigned char block[16 * kIdBytes];
  thread_local size_t next = sizeof block;
  if (next + kIdBytes > sizeof block) {
    if (RAND_bytes(block, sizeof block) != 1) {
      // OpenSSL's generator failed (it could not be seeded): ask the kernel directly.
      std::random_device device;
      for (unsigned char& byte : block) byte = static_cast<unsigned char>(device());
    }
    next = 0;
  }
  const unsigned char* bytes = block + next;
  next += kIdBytes;
  return bytes;
}

// The most headers a call carries onward: target or consumer, exchange id, purpose, agreement,
// and the agreement's digest a protocol 1 peer gateway call adds (gateway/net).
constexpr size_t kMostOnwardHeaders = 6;

// Adds the purpose and agreement the caller named, when it named them.
void AddCallerHeaders(const ExchangeHeaders& headers, RouteDecision* route) {
  if (!headers.purpose.empty()) route->metadata.emplace_back(kPurposeKey, headers.purpose);
  if (!headers.agreement.empty()) route->metadata.emplace_back(kAgreementKey, headers.agreement);
}

}  // namespace

std::string NewExchangeId() {
  unsigned char bytes[16];
  std::memcpy(bytes, NextIdBytes(), sizeof bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;  // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80;  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(36, '-');
  size_t out = 0;
  for (unsigned char byte : bytes) {
    if (IsUuidDash(out)) ++out;
    id[out++] = kHex[byte >> 4];
    id[out++] = kHex[byte & 0x0f];
  }
  return id;
}

bool IsExchangeId(absl::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (IsUuidDash(i) ? text[i] != '-'
                      : !(absl::ascii_isdigit(static_cast<unsigned char>(text[i])) ||
                          (text[i] >= 'a' && text[i] <= 'f'))) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<RouteDecision> ExchangeRouter::RouteAgencyCall(const VerifiedPeer& caller,
                                                              const ExchangeHeaders& headers,
                                                              absl::string_view method,
                                                              std::string exchange_id) const {
  if (headers.target.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("missing ", kTargetKey,
                     " metadata: name the provider participant, e.g. CL/GOV/registro-civil"));
  }
  absl::StatusOr<ParticipantId> target = ParticipantId::Parse(headers.target);
  if (!target.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(kTargetKey, ": ", target.status().message()));
  }
  std::string consumer = caller.participant->ToString();
  std::string provider = target->ToString();
  const FederationCountry* country = snapshot_.federation().Find(target->country());
  if (country != nullptr && !country->participants.empty() &&
      !snapshot_.federation().HasParticipant(provider)) {
    return absl::NotFoundError(absl::StrCat("unknown target ", headers.target,
                                            ": not a registered participant of ",
                                            target->country()));
  }
  if (target->country() == snapshot_.gateway().country) {
    return RouteToLocalProvider(headers, method, std::move(consumer), std::move(exchange_id));
  }
  const FederationCountry* peer = snapshot_.federation().Find(target->country());
  if (peer == nullptr) {
    return absl::NotFoundError(absl::StrCat("unknown target ", headers.target, ": country ",
                                            target->country(), " is not in the federation"));
  }
  RouteDecision route;
  route.hop = RouteDecision::Hop::kPeerGateway;
  route.upstream = target->country();
  route.consumer = std::move(consumer);
  route.provider = std::move(provider);
  route.exchange_id = std::move(exchange_id);
  if (peer->protocol >= 2) {
    route.compact = true;
    route.framed = peer->protocol >= 3;
    return route;
  }
  // Built in place, each string once (a braced list copies every pair into the vector).
  route.metadata.reserve(kMostOnwardHeaders);
  route.metadata.emplace_back(kTargetKey, route.provider);
  route.metadata.emplace_back(kConsumerKey, route.consumer);
  route.metadata.emplace_back(kExchangeIdKey, route.exchange_id);
  AddCallerHeaders(headers, &route);
  return route;
}

absl::StatusOr<RouteDecision> ExchangeRouter::RouteFederationCall(const VerifiedPeer& peer,
                                                                  const ExchangeHeaders& headers,
                                                                  absl::string_view method) const {
  if (headers.consumer.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("gateway ", peer.gateway_country, " sent no ", kConsumerKey));
  }
  absl::StatusOr<ParticipantId> consumer = ParticipantId::Parse(headers.consumer);
  if (!consumer.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(kConsumerKey, ": ", consumer.status().message()));
  }
  if (consumer->country() != peer.gateway_country) {
    return absl::PermissionDeniedError(
        absl::StrCat("gateway ", peer.gateway_country, " may not assert consumer ",
                     headers.consumer, ": a gateway speaks only for agencies of its own country"));
  }
  if (!IsExchangeId(headers.exchange_id)) {
    return absl::InvalidArgumentError(absl::StrCat("gateway ", peer.gateway_country,
                                                   " sent no valid ", kExchangeIdKey, " (a UUID)"));
  }
  if (headers.target.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("missing ", kTargetKey, " metadata"));
  }
  absl::StatusOr<ParticipantId> target = ParticipantId::Parse(headers.target);
  if (!target.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(kTargetKey, ": ", target.status().message()));
  }
  if (target->country() != snapshot_.gateway().country) {
    return absl::NotFoundError(absl::StrCat("target ", headers.target, " is not served by gateway ",
                                            snapshot_.gateway().country));
  }
  return RouteToLocalProvider(headers, method, consumer->ToString(), headers.exchange_id);
}

absl::StatusOr<RouteDecision> ExchangeRouter::RouteToLocalProvider(const ExchangeHeaders& headers,
                                                                   absl::string_view method,
                                                                   std::string consumer,
                                                                   std::string exchange_id) const {
  absl::StatusOr<const ProviderService*> provider =
      snapshot_.services().Find(headers.target, method);
  if (!provider.ok()) return provider.status();
  RouteDecision route;
  route.hop = RouteDecision::Hop::kLocalProvider;
  route.upstream = (*provider)->participant.ToString();
  route.consumer = std::move(consumer);
  route.provider = route.upstream;
  route.exchange_id = std::move(exchange_id);
  route.metadata.reserve(kMostOnwardHeaders);
  route.metadata.emplace_back(kConsumerKey, route.consumer);
  route.metadata.emplace_back(kExchangeIdKey, route.exchange_id);
  AddCallerHeaders(headers, &route);
  return route;
}

}  // namespace pasarela
