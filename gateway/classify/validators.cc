#include "gateway/classify/validators.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "gateway/classify/typographic.h"

namespace pasarela::classify {
namespace {

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

int DigitAt(absl::string_view s, size_t i) { return s[i] - '0'; }

bool AllSameChar(absl::string_view s) {
  for (char c : s) {
    if (c != s.front()) return false;
  }
  return true;
}

// The CURP and RFC alphabets contain Ñ, which is two bytes in UTF-8 (C3 91, or C3 B1 for ñ). The
// values are decoded into one symbol per character, with Ñ as kEnye.
constexpr char kEnye = '\x01';

// Uppercases ASCII, maps Ñ/ñ to kEnye and drops the characters in `separators`. Returns false on
// any other non-ASCII byte.
bool DecodeAlnum(absl::string_view value, absl::string_view separators, std::string* out) {
  out->clear();
  for (size_t i = 0; i < value.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c == 0xC3 && i + 1 < value.size() &&
        (static_cast<unsigned char>(value[i + 1]) == 0x91 ||
         static_cast<unsigned char>(value[i + 1]) == 0xB1)) {
      out->push_back(kEnye);
      ++i;
      continue;
    }
    if (c >= 0x80) return false;
    if (separators.find(static_cast<char>(c)) != absl::string_view::npos) continue;
    out->push_back(absl::ascii_toupper(c));
  }
  return true;
}

// Leading zeros pad a number to the width it is printed in; they are not part of it.
size_t SignificantDigits(absl::string_view digits) {
  size_t zeros = 0;
  while (zeros < digits.size() && digits[zeros] == '0') ++zeros;
  return digits.size() - zeros;
}

// r = sum mod 11; digit = 0 if r < 2 else 11 - r. Used by CPF and CNPJ.
int Mod11LowZero(int sum) {
  const int r = sum % 11;
  return r < 2 ? 0 : 11 - r;
}

}  // namespace

std::string CompactIdentifier(absl::string_view value, absl::string_view separators) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size();) {
    char c = value[i];
    // Every typographic separator starts with a byte of 0xC2 or more: ASCII needs no look.
    const size_t typographic =
        static_cast<unsigned char>(c) < 0xC2 ? 0 : TypographicSeparatorAt(value, i, &c);
    i += typographic == 0 ? 1 : typographic;
    // A handful of separators: compared in place, not through a call per character.
    if (std::any_of(separators.begin(), separators.end(), [c](char s) { return s == c; })) {
      continue;
    }
    out.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string StripIdentifierPunctuation(absl::string_view value) {
  return CompactIdentifier(value, " .,-/");
}

bool IsValidCpf(absl::string_view value) {
  const std::string d = StripIdentifierPunctuation(value);
  if (d.size() != 11 || !AllDigits(d) || AllSameChar(d)) return false;
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += DigitAt(d, i) * (10 - i);
  const int d1 = Mod11LowZero(sum);
  if (d1 != DigitAt(d, 9)) return false;
  sum = 0;
  for (int i = 0; i < 9; ++i) sum += DigitAt(d, i) * (11 - i);
  sum += 2 * d1;
  return Mod11LowZero(sum) == DigitAt(d, 10);
}

bool IsValidCnpj(absl::string_view value) {
  const std::string d = CompactIdentifier(value, "./- ");
  if (d.size() != 14) return false;
  for (size_t i = 0; i < 12; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(d[i])) &&
        !absl::ascii_isupper(static_cast<unsigned char>(d[i]))) {
      return false;
    }
  }
  if (!AllDigits(absl::string_view(d).substr(12))) return false;
  if (AllSameChar(d)) return false;
  static constexpr std::array<int, 13> kWeights = {6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2};
  int sum = 0;
  for (size_t i = 0; i < 12; ++i) sum += (d[i] - '0') * kWeights[i + 1];
  const int d1 = Mod11LowZero(sum);
  if (d1 != DigitAt(d, 12)) return false;
  sum = 0;
  for (size_t i = 0; i < 13; ++i) sum += (d[i] - '0') * kWeights[i];
  return Mod11LowZero(sum) == DigitAt(d, 13);
}

bool IsValidBrCns(absl::string_view value) {
  const std::string d = CompactIdentifier(value, ".- ");
  if (d.size() != 15 || !AllDigits(d)) return false;
  if (absl::string_view("12789").find(d[0]) == absl::string_view::npos) return false;
  int sum = 0;
  for (int i = 0; i < 15; ++i) sum += DigitAt(d, i) * (15 - i);
  return sum % 11 == 0;
}

bool IsValidClRun(absl::string_view value) {
  const std::string d = StripIdentifierPunctuation(value);
  if (d.size() < 2 || d.size() > 9) return false;
  const absl::string_view body = absl::string_view(d).substr(0, d.size() - 1);
  if (!AllDigits(body)) return false;
  const size_t significant = SignificantDigits(body);
  if (significant < 7 || significant > 8) return false;
  static constexpr std::array<int, 6> kWeights = {2, 3, 4, 5, 6, 7};
  int sum = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    sum += DigitAt(body, body.size() - 1 - i) * kWeights[i % kWeights.size()];
  }
  const int v = 11 - sum % 11;
  const char expected = v == 11 ? '0' : v == 10 ? 'K' : static_cast<char>('0' + v);
  return d.back() == expected;
}

namespace {

// Index of a character in "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ", or -1.
int CurpIndex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'N') return 10 + (c - 'A');
  if (c == kEnye) return 24;
  if (c >= 'O' && c <= 'Z') return 25 + (c - 'O');
  return -1;
}

constexpr std::array<absl::string_view, 33> kCurpStates = {
    "AS", "BC", "BS", "CC", "CH", "CL", "CM", "CS", "DF", "DG", "GR",
    "GT", "HG", "JC", "MC", "MN", "MS", "NL", "NT", "NY", "OC", "PL",
    "QR", "QT", "SL", "SP", "SR", "TC", "TL", "TS", "VZ", "YN", "ZS"};

bool IsCurpState(absl::string_view code) {
  if (code == "NE") return true;  // born abroad
  for (absl::string_view s : kCurpStates) {
    if (s == code) return true;
  }
  return false;
}

bool IsAsciiUpperOrEnye(char c) { return (c >= 'A' && c <= 'Z') || c == kEnye; }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

int TwoDigits(absl::string_view s, size_t i) { return DigitAt(s, i) * 10 + DigitAt(s, i + 1); }

}  // namespace

bool IsValidMxCurp(absl::string_view value) {
  std::string d;
  if (!DecodeAlnum(value, " ", &d) || d.size() != 18) return false;
  for (int i = 0; i < 4; ++i) {
    if (!IsAsciiUpperOrEnye(d[i])) return false;
  }
  for (int i = 4; i < 10; ++i) {
    if (!IsAsciiDigit(d[i])) return false;
  }
  if (d[10] != 'H' && d[10] != 'M') return false;
  for (int i = 11; i < 16; ++i) {
    if (!IsAsciiUpperOrEnye(d[i])) return false;
  }
  if (CurpIndex(d[16]) < 0 || d[16] == kEnye || !IsAsciiDigit(d[17])) return false;
  if (!IsCurpState(absl::string_view(d).substr(11, 2))) return false;
  // The 17th character is a digit for people born before 2000 and a letter from 2000 on.
  const int year = (IsAsciiDigit(d[16]) ? 1900 : 2000) + TwoDigits(d, 4);
  if (!IsExistingDate(year, TwoDigits(d, 6), TwoDigits(d, 8))) return false;
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += CurpIndex(d[i]) * (18 - i);
  return (10 - sum % 10) % 10 == DigitAt(d, 17);
}

namespace {

// Index in "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ", or -1.
int RfcIndex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'N') return 10 + (c - 'A');
  if (c == '&') return 24;
  if (c >= 'O' && c <= 'Z') return 25 + (c - 'O');
  if (c == ' ') return 37;
  if (c == kEnye) return 38;
  return -1;
}

constexpr absl::string_view kRfcAlphabet = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ ";

}  // namespace

RfcCheck CheckMxRfc(absl::string_view value) {
  std::string d;
  if (!DecodeAlnum(value, " -", &d)) return RfcCheck::kMalformed;
  if (d.size() != 12 && d.size() != 13) return RfcCheck::kMalformed;
  const size_t letters = d.size() - 9;
  for (size_t i = 0; i < letters; ++i) {
    if (!IsAsciiUpperOrEnye(d[i]) && d[i] != '&') return RfcCheck::kMalformed;
  }
  for (size_t i = letters; i < letters + 6; ++i) {
    if (!IsAsciiDigit(d[i])) return RfcCheck::kMalformed;
  }
  for (size_t i = letters + 6; i < d.size(); ++i) {
    const char c = d[i];
    if (!IsAsciiDigit(c) && !(c >= 'A' && c <= 'Z')) return RfcCheck::kMalformed;
  }
  // The century is not encoded; a date that exists in neither century is malformed. 2000 is a
  // leap year, so only 29 February of years divisible by 4 matters, and those exist in 19xx and
  // 20xx alike.
  if (!IsExistingDate(2000 + TwoDigits(d, letters), TwoDigits(d, letters + 2),
                      TwoDigits(d, letters + 4))) {
    return RfcCheck::kMalformed;
  }
  // Left-pad to 12 characters with spaces, then weight 13..2 over those 12.
  const std::string padded = std::string(13 - d.size(), ' ') + d;
  int sum = 0;
  for (int i = 0; i < 12; ++i) sum += RfcIndex(padded[i]) * (13 - i);
  const int check = (11 - sum % 11) % 11;
  return kRfcAlphabet[check] == d.back() ? RfcCheck::kValid : RfcCheck::kCheckDigitFailed;
}

bool IsPlausibleArDni(absl::string_view value) {
  const std::string d = CompactIdentifier(value, ". ");
  const size_t significant = SignificantDigits(d);
  return d.size() <= 8 && AllDigits(d) && significant >= 7;
}

bool HasArCuitPrefix(absl::string_view digits) {
  static constexpr std::array<absl::string_view, 10> kPrefixes = {"20", "23", "24", "27", "30",
                                                                  "33", "34", "50", "51", "55"};
  for (absl::string_view p : kPrefixes) {
    if (absl::StartsWith(digits, p)) return true;
  }
  return false;
}

bool IsValidArCuit(absl::string_view value) {
  const std::string d = CompactIdentifier(value, ".- ");
  if (d.size() != 11 || !AllDigits(d) || !HasArCuitPrefix(d)) return false;
  static constexpr std::array<int, 10> kWeights = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
  int sum = 0;
  for (int i = 0; i < 10; ++i) sum += DigitAt(d, i) * kWeights[i];
  int v = 11 - sum % 11;
  if (v == 11) v = 0;
  return v != 10 && v == DigitAt(d, 10);
}

bool IsValidCoNit(absl::string_view value) {
  const std::string d = CompactIdentifier(value, ".,- ");
  if (d.size() < 8 || d.size() > 16 || !AllDigits(d)) return false;
  static constexpr std::array<int, 15> kWeights = {3,  7,  13, 17, 19, 23, 29, 37,
                                                   41, 43, 47, 53, 59, 67, 71};
  int sum = 0;
  const size_t body = d.size() - 1;
  for (size_t i = 0; i < body; ++i) sum += DigitAt(d, body - 1 - i) * kWeights[i];
  const int r = sum % 11;
  return (r < 2 ? r : 11 - r) == DigitAt(d, body);
}

bool IsPlausibleCoCedula(absl::string_view value) {
  const std::string d = CompactIdentifier(value, ". ");
  return d.size() >= 6 && d.size() <= 10 && AllDigits(d) && d[0] != '0';
}

bool IsValidPeDni(absl::string_view value) {
  const std::string d = CompactIdentifier(value, "- ");
  if (d.size() == 8) return AllDigits(d);
  if (d.size() != 9 || !AllDigits(absl::string_view(d).substr(0, 8))) return false;
  static constexpr std::array<int, 8> kWeights = {3, 2, 7, 6, 5, 4, 3, 2};
  int sum = 0;
  for (int i = 0; i < 8; ++i) sum += DigitAt(d, i) * kWeights[i];
  const int c = sum % 11;
  return d[8] == "65432110987"[c] || d[8] == "KJIHGFEDCBA"[c];
}

bool IsValidPeRuc(absl::string_view value) {
  const std::string d = CompactIdentifier(value, "- ");
  if (d.size() != 11 || !AllDigits(d)) return false;
  if (!absl::StartsWith(d, "10") && !absl::StartsWith(d, "15") && !absl::StartsWith(d, "17") &&
      !absl::StartsWith(d, "20")) {
    return false;
  }
  static constexpr std::array<int, 10> kWeights = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
  int sum = 0;
  for (int i = 0; i < 10; ++i) sum += DigitAt(d, i) * kWeights[i];
  return (11 - sum % 11) % 10 == DigitAt(d, 10);
}

bool IsValidUyCi(absl::string_view value) {
  const std::string d = StripIdentifierPunctuation(value);
  if (d.size() < 2 || d.size() > 8 || !AllDigits(d)) return false;
  const size_t significant = SignificantDigits(absl::string_view(d).substr(0, d.size() - 1));
  if (significant < 6 || significant > 7) return false;
  // Left-pad the body to 7 digits; weights 2,9,8,7,6,3,4.
  static constexpr std::array<int, 7> kWeights = {2, 9, 8, 7, 6, 3, 4};
  const size_t pad = 8 - d.size();
  int sum = 0;
  for (size_t i = 0; i + 1 < d.size(); ++i) sum += DigitAt(d, i) * kWeights[i + pad];
  return (10 - sum % 10) % 10 == DigitAt(d, d.size() - 1);
}

bool IsValidUyRut(absl::string_view value) {
  std::string d = CompactIdentifier(value, ".- ");
  if (absl::StartsWith(d, "UY")) d.erase(0, 2);
  if (d.size() != 12 || !AllDigits(d)) return false;
  const int prefix = TwoDigits(d, 0);
  if (prefix < 1 || prefix > 22) return false;
  if (d.compare(2, 6, "000000") == 0 || d.compare(8, 3, "001") != 0) return false;
  static constexpr std::array<int, 11> kWeights = {4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2};
  int sum = 0;
  for (int i = 0; i < 11; ++i) sum += DigitAt(d, i) * kWeights[i];
  const int check = (11 - sum % 11) % 11;
  return check != 10 && check == DigitAt(d, 11);
}

bool IsValidEcCedula(absl::string_view value) {
  const std::string d = CompactIdentifier(value, "- ");
  if (d.size() != 10 || !AllDigits(d)) return false;
  const int province = TwoDigits(d, 0);
  if (!((province >= 1 && province <= 24) || province == 30)) return false;
  if (DigitAt(d, 2) > 6) return false;
  int sum = 0;
  for (int i = 0; i < 9; ++i) {
    int p = DigitAt(d, i) * (i % 2 == 0 ? 2 : 1);
    if (p > 9) p -= 9;
    sum += p;
  }
  return (10 - sum % 10) % 10 == DigitAt(d, 9);
}

bool LuhnChecksumOk(absl::string_view digits) {
  if (!AllDigits(digits)) return false;
  int sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int v = DigitAt(digits, i);
    if (twice) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool IsValidCaSin(absl::string_view value) {
  const std::string d = CompactIdentifier(value, "- ");
  if (d.size() != 9 || !AllDigits(d) || d[0] == '0' || d[0] == '8') return false;
  return LuhnChecksumOk(d);
}

bool IsValidUsSsn(absl::string_view value) {
  // Separators, when present, are where the scheme prints them: AAA-GG-SSSS.
  if (value.size() == 11) {
    if (value[3] != value[6] ||
        absl::string_view("-. ").find(value[3]) == absl::string_view::npos) {
      return false;
    }
  } else if (value.size() != 9) {
    return false;
  }
  const std::string d = CompactIdentifier(value, "-. ");
  if (d.size() != 9 || !AllDigits(d)) return false;
  const absl::string_view v(d);
  const absl::string_view area = v.substr(0, 3), group = v.substr(3, 2), serial = v.substr(5);
  if (area == "000" || area == "666" || area[0] == '9') return false;
  if (group == "00" || serial == "0000") return false;
  return v != "078051120" && v != "457555462" && v != "219099999";
}

bool IsPlausibleCrCedula(absl::string_view value) {
  std::string d = CompactIdentifier(value, "- ");
  if (d.size() == 10 && d[0] == '0') d.erase(0, 1);
  return d.size() == 9 && AllDigits(d) && d[0] != '0';
}

namespace {

bool PrefixInRange(absl::string_view digits, int width, int lo, int hi) {
  if (digits.size() < static_cast<size_t>(width)) return false;
  int v = 0;
  for (int i = 0; i < width; ++i) v = v * 10 + DigitAt(digits, i);
  return v >= lo && v <= hi;
}

}  // namespace

bool IsValidPaymentCard(absl::string_view value) {
  const std::string d = CompactIdentifier(value, "- ");
  if (d.size() < 13 || d.size() > 19 || !AllDigits(d)) return false;
  const size_t n = d.size();
  bool known = false;
  if (d[0] == '4') known = n == 13 || n == 16 || n == 19;                               // Visa, Elo
  if (PrefixInRange(d, 2, 51, 55) || PrefixInRange(d, 4, 2221, 2720)) known = n == 16;  // MC
  if (PrefixInRange(d, 2, 34, 34) || PrefixInRange(d, 2, 37, 37)) known = n == 15;      // Amex
  if (PrefixInRange(d, 3, 300, 305) || PrefixInRange(d, 2, 36, 36) || PrefixInRange(d, 2, 38, 39)) {
    known = n >= 14 && n <= 19;  // Diners Club
  }
  if (PrefixInRange(d, 4, 3528, 3589)) known = n >= 16;  // JCB
  // Discover, UnionPay, Maestro, Elo, Hipercard, Cabal, Naranja: 50, 56-69.
  if (PrefixInRange(d, 2, 50, 50) || PrefixInRange(d, 2, 56, 69)) known = n >= 13;
  return known && LuhnChecksumOk(d);
}

namespace {

bool IsLocalChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("!#$%&'*+/=?^_`{|}~.-").find(c) != absl::string_view::npos;
}

}  // namespace

bool IsValidEmailAddress(absl::string_view value) {
  const size_t at = value.find('@');
  if (at == absl::string_view::npos || at == 0 ||
      value.find('@', at + 1) != absl::string_view::npos) {
    return false;
  }
  const absl::string_view local = value.substr(0, at), domain = value.substr(at + 1);
  if (local.size() > 64 || domain.size() > 253 || domain.empty()) return false;
  if (local.front() == '.' || local.back() == '.' || absl::StrContains(local, "..")) return false;
  for (char c : local) {
    if (!IsLocalChar(c)) return false;
  }
  size_t labels = 0;
  size_t start = 0;
  while (start <= domain.size()) {
    size_t dot = domain.find('.', start);
    if (dot == absl::string_view::npos) dot = domain.size();
    const absl::string_view label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    ++labels;
    start = dot + 1;
    if (dot == domain.size()) break;
  }
  if (labels < 2) return false;
  const absl::string_view tld = domain.substr(domain.rfind('.') + 1);
  if (tld.size() < 2) return false;
  for (char c : tld) {
    if (!absl::ascii_isalpha(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool HasWellKnownTld(absl::string_view email) {
  if (!IsValidEmailAddress(email)) return false;
  const std::string tld = absl::AsciiStrToLower(email.substr(email.rfind('.') + 1));
  if (tld.size() == 2) return true;  // country-code TLDs
  static constexpr std::array<absl::string_view, 22> kGeneric = {
      "com", "net", "org", "edu",  "gov",   "mil",    "int",  "info", "biz",   "name",   "pro",
      "app", "dev", "io",  "mobi", "email", "online", "site", "tech", "cloud", "health", "museum"};
  for (absl::string_view g : kGeneric) {
    if (g == tld) return true;
  }
  return false;
}

bool IsPlausiblePhoneNumber(absl::string_view value) {
  size_t digits = 0;
  bool plus = false;
  int open = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      ++digits;
    } else if (c == '+') {
      if (i != 0) return false;
      plus = true;
    } else if (c == '(') {
      if (open++ != 0) return false;
    } else if (c == ')') {
      if (--open != 0) return false;
    } else if (c != ' ' && c != '-' && c != '.') {
      return false;
    }
  }
  if (open != 0) return false;
  return plus ? digits >= 8 && digits <= 15 : digits >= 8 && digits <= 13;
}

bool IsExistingDate(int year, int month, int day) {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int max_day = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  return day <= max_day;
}

}  // namespace pasarela::classify
