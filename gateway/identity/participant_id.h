// Names of the parties of an exchange, after X-Road's scheme.
//
// A participant is COUNTRY/CLASS/MEMBER[/SUBSYSTEM], e.g. CL/GOV/registro-civil; in a certificate
// it is the URI SAN urn:pasarela:CL:GOV:registro-civil. A gateway is named by its country alone,
// urn:pasarela:gateway:CL. Values are immutable and cheap to copy; thread-compatible.
#ifndef PASARELA_GATEWAY_IDENTITY_PARTICIPANT_ID_H_
#define PASARELA_GATEWAY_IDENTITY_PARTICIPANT_ID_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pasarela {

// True for two upper-case ASCII letters (ISO 3166-1 alpha-2 shape).
bool IsCountryCode(absl::string_view code);

class ParticipantId {
 public:
  // Parses "CL/GOV/registro-civil" or "CL/GOV/registro-civil/consultas".
  static absl::StatusOr<ParticipantId> Parse(absl::string_view text);
  // Parses "urn:pasarela:CL:GOV:registro-civil[:SUBSYSTEM]".
  static absl::StatusOr<ParticipantId> FromUri(absl::string_view uri);

  const std::string& country() const { return country_; }
  const std::string& member_class() const { return member_class_; }
  const std::string& member() const { return member_; }
  const std::string& subsystem() const { return subsystem_; }

  // "CL/GOV/registro-civil".
  std::string ToString() const;
  // "urn:pasarela:CL:GOV:registro-civil".
  std::string ToUri() const;

  bool operator==(const ParticipantId& other) const { return ToString() == other.ToString(); }
  bool operator!=(const ParticipantId& other) const { return !(*this == other); }

 private:
  ParticipantId() = default;
  std::string country_;
  std::string member_class_;
  std::string member_;
  std::string subsystem_;
};

// "CL" for "CL/GOV/registro-civil": the text before the first '/', as written, unchecked (the
// whole text when it has none). For participants read back from records, which the gateway
// wrote from parsed ids.
absl::string_view CountryOfParticipant(absl::string_view participant);

// "urn:pasarela:gateway:CL" for "CL".
std::string GatewayUri(absl::string_view country);

// Returns the country of "urn:pasarela:gateway:CL", or INVALID_ARGUMENT.
absl::StatusOr<std::string> ParseGatewayUri(absl::string_view uri);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_IDENTITY_PARTICIPANT_ID_H_
