// Validators for the identifiers of the region, one function per scheme.
//
// Each function takes the value as it is printed (with the separators the scheme uses: dots,
// dashes, slashes, spaces) or in compact form, and answers whether it is well formed and, where the
// scheme has one, whether its check digit passes. They are pure functions of their argument: safe
// to call from any thread, no allocation beyond small local buffers, never read outside the view.
// Arbitrary bytes (including invalid UTF-8) yield false, never a crash.
//
// The formats and check-digit rules are those of identifiers.md in the project reference.

#ifndef PASARELA_GATEWAY_CLASSIFY_VALIDATORS_H_
#define PASARELA_GATEWAY_CLASSIFY_VALIDATORS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace pasarela::classify {

// Brazil, CPF: 11 digits, two mod-11 check digits; all-equal digit strings are rejected.
bool IsValidCpf(absl::string_view value);

// Brazil, CNPJ: 14 characters, two mod-11 check digits. The first 12 may be letters (the
// alphanumeric form issued from July 2026); letters count as their ASCII code minus 48.
bool IsValidCnpj(absl::string_view value);

// Brazil, CNS (Cartão Nacional de Saúde): 15 digits, the first 1, 2, 7, 8 or 9, and the sum of
// the digits weighted 15..1 a multiple of 11.
bool IsValidBrCns(absl::string_view value);

// Chile, RUN/RUT: a body of 7-8 digits and a check character 0-9 or K (mod 11, weights 2..7).
// Leading zeros pad the body to a printed width and do not count: "05.123.456-K" has a 7-digit
// body, "0.123.456-K" a 6-digit one (rejected), an all-zero body is rejected.
bool IsValidClRun(absl::string_view value);

// Mexico, CURP: 18 characters; the birth date must exist, the state code must be one of the 32
// states or NE, and the last digit is a mod-10 check over an alphabet that includes Ñ.
bool IsValidMxCurp(absl::string_view value);

// Mexico, RFC. About 1.5% of RFCs in use fail their check digit, so a failed check is a separate
// outcome from a malformed value.
enum class RfcCheck {
  kMalformed,         // not 12/13 characters of the RFC shape, or the date does not exist
  kCheckDigitFailed,  // well formed, but the check character does not match
  kValid,             // well formed and the check character matches
};
RfcCheck CheckMxRfc(absl::string_view value);

// Argentina, DNI: 7-8 digits, no check digit. Plausibility only. At most 8 digits are printed,
// and leading zeros pad a 7-digit number ("01.234.567" is 1.234.567); a number of fewer than 7
// digits once they are dropped is rejected.
bool IsPlausibleArDni(absl::string_view value);

// Argentina, CUIT/CUIL: 11 digits, known two-digit prefix, mod-11 check digit.
bool IsValidArCuit(absl::string_view value);

// True when `digits` starts with one of the CUIT/CUIL prefixes issued (20, 23, 24, 27, 30, 33, 34,
// 50, 51, 55).
bool HasArCuitPrefix(absl::string_view digits);

// Colombia, NIT: a body of 7-15 digits and one check digit (prime weights 3, 7, 13, ...).
bool IsValidCoNit(absl::string_view value);

// Colombia, cédula de ciudadanía: 6-10 digits, no check digit. Plausibility only.
bool IsPlausibleCoCedula(absl::string_view value);

// Peru, DNI/CUI: 8 digits, optionally followed by a check character (digit or letter A-K).
// Without the check character there is nothing to verify and 8 digits are accepted.
bool IsValidPeDni(absl::string_view value);

// Peru, RUC: 11 digits, prefix 10, 15, 17 or 20, mod-11 check digit.
bool IsValidPeRuc(absl::string_view value);

// Uruguay, cédula de identidad: a 6-7 digit body and a mod-10 check digit. As for the RUN,
// leading zeros of the body do not count (at most 7 body digits are printed) and an all-zero body
// is rejected.
bool IsValidUyCi(absl::string_view value);

// Uruguay, RUT: 12 digits, 01-22 + 6 digits + 001 + a mod-11 check digit; an optional "UY" prefix.
bool IsValidUyRut(absl::string_view value);

// Ecuador, cédula: 10 digits, province 01-24 or 30, third digit at most 6, mod-10 check digit.
bool IsValidEcCedula(absl::string_view value);

// Canada, SIN: 9 digits, first digit not 0 or 8, Luhn check.
bool IsValidCaSin(absl::string_view value);

// United States, SSN: AAA-GG-SSSS (dashes, dots or spaces, or none) with no check digit. Area not
// 000, 666 or 9xx; group not 00; serial not 0000; the numbers known from advertising are rejected.
bool IsValidUsSsn(absl::string_view value);

// Costa Rica, cédula de identidad: 9 digits P-TTTT-AAAA (optionally 0P-TTTT-AAAA), province 1-9.
// No check digit. Plausibility only.
bool IsPlausibleCrCedula(absl::string_view value);

// Payment card number: 13-19 digits, a known issuer prefix (IIN) and a Luhn check.
bool IsValidPaymentCard(absl::string_view value);

// True when `digits` is non-empty, all ASCII digits, and passes the Luhn (mod 10) check.
bool LuhnChecksumOk(absl::string_view digits);

// E-mail address: local@domain with the usual restrictions on characters, dots and label length.
bool IsValidEmailAddress(absl::string_view value);

// True when the top-level domain of a syntactically valid address is a well-known one (any
// two-letter country code, or a generic TLD in a fixed list).
bool HasWellKnownTld(absl::string_view email);

// Phone number: `+` and 8-15 digits (E.164), or a national number of 8-13 digits. Separators
// (space, dot, dash, parentheses) are ignored.
bool IsPlausiblePhoneNumber(absl::string_view value);

// True when the Gregorian calendar date exists (1 <= month <= 12, day within the month,
// leap years counted).
bool IsExistingDate(int year, int month, int day);

// Removes the separators `separators` from `value`, uppercasing ASCII letters. A typographic
// space or dash (typographic.h) counts as its ASCII stand-in: removed when that is among
// `separators`, kept as the stand-in otherwise. Used to compact identifiers before checking them.
std::string CompactIdentifier(absl::string_view value, absl::string_view separators);

// `value` without the punctuation identifiers are printed with, ASCII letters uppercased: the ASCII
// space . , - /, the Unicode hyphens and dashes (U+2010 to U+2015), the minus sign (U+2212), and
// the other typographic spaces and dashes of typographic.h. Every other character is kept, so
// that the caller can refuse it.
std::string StripIdentifierPunctuation(absl::string_view value);

}  // namespace pasarela::classify

#endif  // PASARELA_GATEWAY_CLASSIFY_VALIDATORS_H_
