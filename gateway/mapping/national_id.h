// National identifier schemes of the pilot countries: how each is printed at home, its canonical
// form between gateways, and its check digits (see the schemes' definitions in the README).
// Immutable tables: safe from any thread.
//
//   scheme    national form       canonical form   check
//   AR-DNI    20.123.456          20123456         none (7-8 digits)
//   AR-CUIL   20-05536168-2       20055361682      mod 11, weights 5,4,3,2,7,6,5,4,3,2
//   AR-CUIT   (as AR-CUIL)
//   BR-CPF    390.533.447-05      39053344705      two mod-11 digits
//   BR-CNS    700 0012 3456 7894  700001234567894  weights 15..1, sum mod 11 = 0
//   CL-RUN    12.531.909-2        12531909-2       mod 11, weights 2..7, 10 -> K
//   UY-CI     1.234.567-2         1234567-2        weights 2,9,8,7,6,3,4 mod 10
#ifndef PASARELA_GATEWAY_MAPPING_NATIONAL_ID_H_
#define PASARELA_GATEWAY_MAPPING_NATIONAL_ID_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pasarela {

class IdentifierScheme {
 public:
  // The scheme named `name` ("CL-RUN"), or null.
  static const IdentifierScheme* Find(absl::string_view name);
  // Every scheme name, sorted.
  static std::vector<std::string> Names();

  const std::string& name() const { return name_; }
  // The canonical form of `text` written with any of the punctuation identifiers are printed with
  // (classify::StripIdentifierPunctuation); leading zeros of a DNI, RUN or cédula dropped.
  // INVALID_ARGUMENT when it does not have the scheme's shape ("not an AR-DNI (expected 7 or 8
  // digits)") or fails its rules ("not a valid CL-RUN (check digit)"): the rules are those of the
  // classifier's validators. Messages name the scheme and never repeat the value.
  absl::StatusOr<std::string> ToCanonical(absl::string_view text) const;
  // The form printed at home, from any punctuation; the same errors as ToCanonical.
  absl::StatusOr<std::string> ToNational(absl::string_view text) const;
  // True when ToCanonical accepts `text`.
  bool IsValid(absl::string_view text) const;
  // The expected shape, for messages ("7 or 8 digits and a check digit or K").
  const char* shape() const;
  // False for AR-DNI, which has none.
  bool has_check_digit() const;
  // A valid identifier in the national form, from `seed` (for examples and tests).
  std::string Example(uint64_t seed) const;

 private:
  enum class Kind { kArDni, kArCuil, kBrCpf, kBrCns, kClRun, kUyCi };
  IdentifierScheme(std::string name, Kind kind) : name_(std::move(name)), kind_(kind) {}
  // Digits (and the RUN's K) only, or an error naming the expected shape.
  absl::StatusOr<std::string> Compact(absl::string_view text) const;
  // OK when the compact form passes the scheme's validator, or an error naming the rule it fails.
  absl::Status Validate(const std::string& compact) const;

  std::string name_;
  Kind kind_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_MAPPING_NATIONAL_ID_H_
