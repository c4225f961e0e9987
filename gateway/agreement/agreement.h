// A data-responsibility agreement: who may call what, for which purposes, under which legal basis,
// when, how often, and which data may cross the border in the answer.
//
// An Agreement is a plain value built by LoadAgreements (agreement_book.h) and never changed after:
// the gateway shares it as `const` across threads for the life of a policy snapshot. The canonical
// form and digest defined here are what two gateways compare to prove they hold the same agreement.
// Thread-compatible; const use is safe from any number of threads.
#ifndef PASARELA_GATEWAY_AGREEMENT_AGREEMENT_H_
#define PASARELA_GATEWAY_AGREEMENT_AGREEMENT_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"

namespace pasarela {

// The personal-data categories of proto/pasarela/v1/options.proto, with the same numbers, so that a
// category read from a field option converts with a static_cast. The first four are ordered (an
// agreement allows "up to" one of them); the sensitive ones (kHealth on) are each allowed only by
// name.
enum class DataCategory : int {
  kPublic = 1,
  kInternal = 2,
  kPersonal = 3,
  kPersonalIdentifier = 4,
  kHealth = 10,
  kGenetic = 11,
  kBiometric = 12,
  kRacialOrEthnicOrigin = 13,
  kReligiousOrPhilosophicalBelief = 14,
  kPoliticalOpinion = 15,
  kUnionMembership = 16,
  kSexLifeOrSexualOrientation = 17,
};

// True for the categories that are never implied by a "highest category" (health and after).
bool IsSensitive(DataCategory category);
// The YAML name: the proto enum name lower-cased without DATA_CATEGORY_ ("personal_identifier").
absl::string_view DataCategoryName(DataCategory category);
// The category named `name` (as DataCategoryName writes it), or nullopt.
absl::optional<DataCategory> ParseDataCategory(absl::string_view name);
// Every category, in enum order.
const std::vector<DataCategory>& AllDataCategories();
// Every category name, in enum order (for "expected one of" and did-you-mean).
std::vector<std::string> DataCategoryNames();

// What happens to data of a category the agreement does not allow. The classification stage
// applies it; the agreement only declares it.
enum class DataTreatment {
  kAllow,         // let it cross anyway
  kDrop,          // remove the field
  kRedact,        // replace the value with a fixed placeholder
  kMask,          // keep only the last `mask_keep_last` characters
  kPseudonymise,  // replace the value with a keyed pseudonym
  kDeny,          // refuse the whole exchange
};

// "allow", "drop", "redact", "mask", "pseudonymise", "deny".
absl::string_view DataTreatmentName(DataTreatment treatment);
absl::optional<DataTreatment> ParseDataTreatment(absl::string_view name);
std::vector<std::string> DataTreatmentNames();

// An ISO 8601 duration (PnYnMnWnDTnHnMnS, whole numbers). Years and months are calendar units of
// varying length, so the value is kept by component rather than as a fixed absl::Duration.
struct IsoDuration {
  int64_t years = 0;
  int64_t months = 0;
  int64_t days = 0;  // weeks are folded into days (1W = 7D exactly)
  int64_t hours = 0;
  int64_t minutes = 0;
  int64_t seconds = 0;

  // The shortest ISO 8601 form: "P30D", "P1Y6M", "PT12H", "P0D" for zero.
  std::string ToString() const;
  // Plain words: "30 days", "1 year and 6 months", "no time at all".
  std::string ToWords() const;
  bool operator==(const IsoDuration& other) const;
  bool operator!=(const IsoDuration& other) const { return !(*this == other); }
};

// Parses "P30D", "P1Y2M", "P2W", "PT36H", "P1DT12H". nullopt when malformed.
absl::optional<IsoDuration> ParseIsoDuration(absl::string_view text);

// Parses an RFC 3339 date-time with a required offset ("2026-01-01T00:00:00Z",
// "2026-01-01T00:00:00-03:00"). nullopt when malformed or out of range: an impossible date or
// time, more than nine digits of a second, or an instant outside the years 1 to 9999 in UTC.
absl::optional<absl::Time> ParseRfc3339(absl::string_view text);
// "2026-01-01T00:00:00Z": UTC, fractional seconds only when present.
std::string FormatRfc3339(absl::Time time);

struct LegalBasis {
  std::string text;       // why the exchange is lawful, in plain words
  std::string reference;  // the legal instruments, e.g. "Ley 19.628 art. 4"
};

struct Quota {
  double requests_per_second = 0;  // > 0, per consumer
  int64_t burst = 0;               // >= 1: calls a consumer may make at once after a quiet spell
};

// Which personal data may cross, and what happens to the rest.
struct PersonalDataPolicy {
  // Allowed with every category before it in public < internal < personal < personal_identifier.
  // Never a sensitive category.
  DataCategory highest_category = DataCategory::kPublic;
  // Sensitive categories allowed by name; sorted by enum value, no duplicates.
  std::vector<DataCategory> also_allowed;
  // The treatment of data beyond what is allowed, unless `beyond` names its category.
  DataTreatment default_treatment = DataTreatment::kDeny;
  // Per-category treatments for categories that are not allowed.
  std::map<DataCategory, DataTreatment> beyond;
  // For kMask: how many trailing characters stay visible.
  int mask_keep_last = 4;
  // The treatment of undeclared personal data of an allowed category: data a detector found in a
  // field whose declared category does not cover it (a CPF in a free-text note). Allowing
  // personal_identifier for a declared identifier field does not have to let identifiers of other
  // people through in notes. Undeclared data of a category that is not allowed is treated as
  // TreatmentFor says, whatever this is.
  DataTreatment undeclared = DataTreatment::kAllow;

  // True when data of `category` may cross unchanged.
  bool Allows(DataCategory category) const;
  // kAllow when Allows(category), else the category's treatment or the default.
  DataTreatment TreatmentFor(DataCategory category) const;
  // The treatment of undeclared data of `category`: `undeclared` when Allows(category), else
  // TreatmentFor(category).
  DataTreatment UndeclaredTreatmentFor(DataCategory category) const;
};

struct Agreement {
  std::string id;                      // [a-z0-9-]+, unique in a policy directory
  std::string title;                   // optional
  std::vector<std::string> consumers;  // participants, sorted, no duplicates
  std::string provider;                // participant
  std::vector<std::string> methods;    // "package.Service/Method", sorted, no duplicates
  std::vector<std::string> purposes;   // [a-z0-9-]+, sorted, no duplicates
  LegalBasis legal_basis;
  absl::Time valid_from;   // in force from this instant, inclusive
  absl::Time valid_until;  // ... to this instant, inclusive; after valid_from
  IsoDuration retention;
  Quota quota;
  // Per method (every listed method has an entry): the response field paths that may cross,
  // sorted, no duplicates. An empty list means nothing of the response crosses.
  std::map<std::string, std::vector<std::string>> response_fields;
  PersonalDataPolicy personal_data;

  // Where the agreement was defined (for messages); not part of the digest.
  std::string file;
  int line = 0;
  // AgreementDigest(*this), filled in by the loader.
  std::string digest;

  bool HasConsumer(absl::string_view participant) const;
  bool AllowsMethod(absl::string_view method) const;
  bool AllowsPurpose(absl::string_view purpose) const;
  // The allow-list of `method`, or null when the method is not listed.
  const std::vector<std::string>* ResponseFieldsOf(absl::string_view method) const;
};

// The canonical serialization the digest is computed over: the semantic content only (no comments,
// key order, formatting, file or line), with sets sorted and times in UTC, so that two copies that
// mean the same produce the same bytes. See agreement.cc for the layout.
std::string CanonicalAgreement(const Agreement& agreement);
// SHA-256 of CanonicalAgreement, 64 lower-case hex digits.
std::string AgreementDigest(const Agreement& agreement);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_AGREEMENT_AGREEMENT_H_
