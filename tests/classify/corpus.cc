#include "tests/classify/corpus.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace pasarela::classify::testing {
namespace {

// ---------------------------------------------------------------------------------------------
// Randomness: std::mt19937_64 is specified exactly by the standard; the mapping to ranges is ours.

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n) { return engine_() % n; }
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  bool Chance(double p) { return Below(1000000) < static_cast<uint64_t>(p * 1000000); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }
  char Digit() { return static_cast<char>('0' + Below(10)); }
  std::string Digits(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(Digit());
    return s;
  }
  char Upper() { return static_cast<char>('A' + Below(26)); }

 private:
  std::mt19937_64 engine_;
};

std::string Zeros(int64_t value, int width) { return absl::StrFormat("%0*d", width, value); }

// ---------------------------------------------------------------------------------------------
// Check digits, written from identifiers.md independently of gateway/classify/validators.cc.

int D(char c) { return c - '0'; }

std::string CpfCheck(const std::string& nine) {
  int s1 = 0, s2 = 0;
  for (int i = 0; i < 9; ++i) {
    s1 += D(nine[i]) * (10 - i);
    s2 += D(nine[i]) * (11 - i);
  }
  const int d1 = (s1 % 11) < 2 ? 0 : 11 - s1 % 11;
  s2 += 2 * d1;
  const int d2 = (s2 % 11) < 2 ? 0 : 11 - s2 % 11;
  return absl::StrCat(d1, d2);
}

std::string CnpjCheck(const std::string& twelve) {
  static const int w1[] = {5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2};
  static const int w2[] = {6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2};
  int s = 0;
  for (int i = 0; i < 12; ++i) s += (twelve[i] - 48) * w1[i];
  const int d1 = s % 11 < 2 ? 0 : 11 - s % 11;
  s = 0;
  for (int i = 0; i < 12; ++i) s += (twelve[i] - 48) * w2[i];
  s += d1 * w2[12];
  const int d2 = s % 11 < 2 ? 0 : 11 - s % 11;
  return absl::StrCat(d1, d2);
}

char ClRunCheck(const std::string& body) {
  int s = 0, w = 2;
  for (int i = static_cast<int>(body.size()) - 1; i >= 0; --i) {
    s += D(body[i]) * w;
    w = w == 7 ? 2 : w + 1;
  }
  const int v = 11 - s % 11;
  return v == 11 ? '0' : v == 10 ? 'K' : static_cast<char>('0' + v);
}

const std::string kCurpAlphabet = "0123456789ABCDEFGHIJKLMN#OPQRSTUVWXYZ";  // '#' stands for Ñ

char CurpCheck(const std::string& seventeen) {
  int s = 0;
  for (int i = 0; i < 17; ++i) {
    s += static_cast<int>(kCurpAlphabet.find(seventeen[i])) * (18 - i);
  }
  return static_cast<char>('0' + (10 - s % 10) % 10);
}

const std::string kRfcAlphabet = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ #";

char RfcCheck(const std::string& without_check) {
  const std::string padded = std::string(12 - without_check.size(), ' ') + without_check;
  int s = 0;
  for (int i = 0; i < 12; ++i) s += static_cast<int>(kRfcAlphabet.find(padded[i])) * (13 - i);
  return kRfcAlphabet[(11 - s % 11) % 11];
}

// -1 when no valid check digit exists for this body (the value 10).
int CuitCheck(const std::string& ten) {
  static const int w[] = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
  int s = 0;
  for (int i = 0; i < 10; ++i) s += D(ten[i]) * w[i];
  const int v = 11 - s % 11;
  return v == 11 ? 0 : v == 10 ? -1 : v;
}

char NitCheck(const std::string& body) {
  static const int w[] = {3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71};
  int s = 0;
  for (size_t i = 0; i < body.size(); ++i) s += D(body[body.size() - 1 - i]) * w[i];
  const int r = s % 11;
  return static_cast<char>('0' + (r < 2 ? r : 11 - r));
}

std::pair<char, char> PeDniCheck(const std::string& eight) {
  static const int w[] = {3, 2, 7, 6, 5, 4, 3, 2};
  int s = 0;
  for (int i = 0; i < 8; ++i) s += D(eight[i]) * w[i];
  return {"65432110987"[s % 11], "KJIHGFEDCBA"[s % 11]};
}

char RucCheck(const std::string& ten) {
  static const int w[] = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
  int s = 0;
  for (int i = 0; i < 10; ++i) s += D(ten[i]) * w[i];
  return static_cast<char>('0' + (11 - s % 11) % 10);
}

char UyCiCheck(const std::string& body) {
  static const int w[] = {2, 9, 8, 7, 6, 3, 4};
  const std::string seven = std::string(7 - body.size(), '0') + body;
  int s = 0;
  for (int i = 0; i < 7; ++i) s += D(seven[i]) * w[i];
  return static_cast<char>('0' + (10 - s % 10) % 10);
}

int UyRutCheck(const std::string& eleven) {
  static const int w[] = {4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2};
  int s = 0;
  for (int i = 0; i < 11; ++i) s += D(eleven[i]) * w[i];
  const int c = (11 - s % 11) % 11;
  return c == 10 ? -1 : c;
}

char EcCheck(const std::string& nine) {
  int s = 0;
  for (int i = 0; i < 9; ++i) {
    int p = D(nine[i]) * (i % 2 == 0 ? 2 : 1);
    s += p > 9 ? p - 9 : p;
  }
  return static_cast<char>('0' + (10 - s % 10) % 10);
}

char LuhnCheck(const std::string& body) {
  int s = 0;
  bool twice = true;  // the check digit will be appended on the right
  for (int i = static_cast<int>(body.size()) - 1; i >= 0; --i) {
    int v = D(body[i]) * (twice ? 2 : 1);
    s += v > 9 ? v - 9 : v;
    twice = !twice;
  }
  return static_cast<char>('0' + (10 - s % 10) % 10);
}

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string Compact(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '.' || c == '-' || c == '/' || c == ' ') continue;
    out.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  if (out.rfind("UY", 0) == 0) out.erase(0, 2);
  return out;
}

}  // namespace

bool GeneratorCheck(const std::string& detector, const std::string& c) {
  const size_t n = c.size();
  if (detector == "CPF") return n == 11 && AllDigits(c) && CpfCheck(c.substr(0, 9)) == c.substr(9);
  if (detector == "CNPJ") return n == 14 && CnpjCheck(c.substr(0, 12)) == c.substr(12);
  if (detector == "CL_RUN") {
    return (n == 8 || n == 9) && AllDigits(c.substr(0, n - 1)) &&
           ClRunCheck(c.substr(0, n - 1)) == c.back();
  }
  if (detector == "MX_CURP") return n == 18 && CurpCheck(c.substr(0, 17)) == c.back();
  if (detector == "MX_RFC") {
    return (n == 12 || n == 13) && RfcCheck(c.substr(0, n - 1)) == c.back();
  }
  if (detector == "AR_CUIT") {
    return n == 11 && AllDigits(c) && CuitCheck(c.substr(0, 10)) == D(c.back());
  }
  if (detector == "CO_NIT") {
    return n >= 8 && AllDigits(c) && NitCheck(c.substr(0, n - 1)) == c.back();
  }
  if (detector == "PE_DNI") {
    if (n != 9 || !AllDigits(c.substr(0, 8))) return false;
    const auto [digit, letter] = PeDniCheck(c.substr(0, 8));
    return c.back() == digit || c.back() == letter;
  }
  if (detector == "PE_RUC") return n == 11 && AllDigits(c) && RucCheck(c.substr(0, 10)) == c.back();
  if (detector == "UY_CI") {
    return (n == 7 || n == 8) && AllDigits(c) && UyCiCheck(c.substr(0, n - 1)) == c.back();
  }
  if (detector == "UY_RUT") {
    return n == 12 && AllDigits(c) && UyRutCheck(c.substr(0, 11)) == D(c.back());
  }
  if (detector == "EC_CEDULA")
    return n == 10 && AllDigits(c) && EcCheck(c.substr(0, 9)) == c.back();
  if (detector == "CA_SIN" || detector == "PAYMENT_CARD") {
    return n >= 9 && AllDigits(c) && LuhnCheck(c.substr(0, n - 1)) == c.back();
  }
  return false;
}

const std::vector<std::string>& CheckDigitDetectors() {
  static const std::vector<std::string>* const names = new std::vector<std::string>{
      "CPF",    "CNPJ",  "CL_RUN", "MX_CURP",   "AR_CUIT", "CO_NIT",      "PE_DNI",
      "PE_RUC", "UY_CI", "UY_RUT", "EC_CEDULA", "CA_SIN",  "PAYMENT_CARD"};
  return *names;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Values of each scheme, as compact strings, and their usual printed forms.

// A printed value, and whether only a context word makes it attributable (a bare digit run).
struct Printed {
  std::string text;
  bool needs_context = false;
};

std::string Group(const std::string& digits, const std::vector<int>& sizes, char sep) {
  std::string out;
  size_t pos = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (i > 0) out.push_back(sep);
    out += digits.substr(pos, sizes[i]);
    pos += sizes[i];
  }
  return out;
}

// Thousands dots: 12345678 -> 12.345.678.
std::string Dotted(const std::string& digits) {
  std::string out;
  const size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  out = digits.substr(0, lead);
  for (size_t i = lead; i < digits.size(); i += 3) out += "." + digits.substr(i, 3);
  return out;
}

struct Scheme {
  std::string detector;
  std::vector<std::string> contexts;                       // phrases written before the value
  std::function<std::string(Rng&)> make;                   // a valid compact value
  std::function<Printed(Rng&, const std::string&)> print;  // a usual printed form
  std::string check_chars;  // characters the check position may take ("" = no rejecting check)
};

std::string MakeCpf(Rng& r) {
  std::string nine;
  do nine = r.Digits(9);
  while (std::all_of(nine.begin(), nine.end(), [&](char c) { return c == nine[0]; }));
  return nine + CpfCheck(nine);
}

Printed PrintCpf(Rng& r, const std::string& c) {
  const uint64_t k = r.Below(20);
  if (k < 12) return {Group(c, {3, 3, 3}, '.') + "-" + c.substr(9), false};
  if (k < 15) return {c.substr(0, 9) + "-" + c.substr(9), false};
  return {c, true};
}

std::string MakeCnpj(Rng& r) {
  std::string twelve;
  if (r.Chance(0.12)) {
    for (int i = 0; i < 12; ++i) twelve.push_back(r.Chance(0.5) ? r.Upper() : r.Digit());
  } else {
    twelve = r.Digits(8) + (r.Chance(0.7) ? "0001" : "000" + std::string(1, r.Digit()));
  }
  return twelve + CnpjCheck(twelve);
}

Printed PrintCnpj(Rng& r, const std::string& c) {
  if (r.Chance(0.7)) {
    return {c.substr(0, 2) + "." + c.substr(2, 3) + "." + c.substr(5, 3) + "/" + c.substr(8, 4) +
                "-" + c.substr(12),
            false};
  }
  return {c, true};
}

std::string MakeClRun(Rng& r) {
  const int64_t body = r.Chance(0.7) ? r.Between(4000000, 26999999) : r.Between(50000000, 99999999);
  const std::string b = absl::StrCat(body);
  return b + ClRunCheck(b);
}

Printed PrintClRun(Rng& r, const std::string& c) {
  const std::string body = c.substr(0, c.size() - 1);
  std::string check(1, c.back());
  if (check == "K" && r.Chance(0.3)) check = "k";
  const uint64_t k = r.Below(20);
  if (k < 11) return {Dotted(body) + "-" + check, false};
  if (k < 17) return {body + "-" + check, false};
  return {body + check, true};
}

const std::vector<std::string> kCurpStates = {"AS", "BC", "BS", "CC", "CH", "CL", "CM", "CS", "DF",
                                              "DG", "GR", "GT", "HG", "JC", "MC", "MN", "MS", "NL",
                                              "NT", "NY", "OC", "PL", "QR", "QT", "SL", "SP", "SR",
                                              "TC", "TL", "TS", "VZ", "YN", "ZS", "NE"};

std::string RandomDate(Rng& r, int from_year, int to_year, int* year, int* month, int* day) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  *year = static_cast<int>(r.Between(from_year, to_year));
  *month = static_cast<int>(r.Between(1, 12));
  const bool leap = (*year % 4 == 0 && *year % 100 != 0) || *year % 400 == 0;
  *day = static_cast<int>(r.Between(1, days[*month - 1] + (*month == 2 && leap ? 1 : 0)));
  return Zeros(*year % 100, 2) + Zeros(*month, 2) + Zeros(*day, 2);
}

std::string Consonant(Rng& r) { return std::string(1, "BCDFGHJKLMNPQRSTVWXYZ"[r.Below(21)]); }
std::string Vowel(Rng& r) { return std::string(1, "AEIOU"[r.Below(5)]); }

std::string MakeCurp(Rng& r) {
  int y, m, d;
  const std::string date = RandomDate(r, 1940, 2015, &y, &m, &d);
  std::string s = Consonant(r) + Vowel(r) + Consonant(r) + std::string(1, r.Upper()) + date +
                  (r.Chance(0.5) ? "H" : "M") + r.Pick(kCurpStates) + Consonant(r) + Consonant(r) +
                  Consonant(r) + std::string(1, y < 2000 ? r.Digit() : r.Upper());
  return s + CurpCheck(s);
}

Printed PrintPlain(Rng&, const std::string& c) { return {c, false}; }

std::string MakeRfc(Rng& r) {
  int y, m, d;
  const bool person = r.Chance(0.7);
  std::string letters = person ? Consonant(r) + Vowel(r) + Consonant(r) + std::string(1, r.Upper())
                               : std::string(1, r.Upper()) + r.Upper() + r.Upper();
  const std::string date = RandomDate(r, 1945, 2010, &y, &m, &d);
  const std::string homoclave = std::string(1, "123456789ABCDEFGHIJKLMNPQRSTUV"[r.Below(30)]) +
                                std::string(1, "123456789ABCDEFGHIJKLMNPQRSTUVWXYZ"[r.Below(34)]);
  const std::string s = letters + date + homoclave;
  return s + RfcCheck(s);
}

Printed PrintRfc(Rng& r, const std::string& c) {
  const size_t letters = c.size() - 9;
  const uint64_t k = r.Below(10);
  if (k < 7) return {c, false};
  const char sep = k < 9 ? '-' : ' ';
  return {c.substr(0, letters) + sep + c.substr(letters, 6) + sep + c.substr(letters + 6), false};
}

std::string MakeArDni(Rng& r) {
  return absl::StrCat(r.Chance(0.85) ? r.Between(10000000, 45999999) : r.Between(3000000, 9999999));
}

Printed PrintArDni(Rng& r, const std::string& c) { return {r.Chance(0.7) ? Dotted(c) : c, true}; }

std::string MakeCuit(Rng& r) {
  static const std::vector<std::string> prefixes = {"20", "20", "27", "27", "23", "30", "33"};
  for (;;) {
    const std::string ten = r.Pick(prefixes) + Zeros(r.Between(5000000, 45999999), 8);
    const int check = CuitCheck(ten);
    if (check >= 0) return ten + static_cast<char>('0' + check);
  }
}

Printed PrintCuit(Rng& r, const std::string& c) {
  if (r.Chance(0.75)) return {c.substr(0, 2) + "-" + c.substr(2, 8) + "-" + c.substr(10), false};
  return {c, true};
}

std::string MakeNit(Rng& r) {
  std::string body;
  const uint64_t k = r.Below(10);
  if (k < 6) {
    body = absl::StrCat(r.Between(800000000, 999999999));
  } else if (k < 8) {
    body = absl::StrCat(r.Between(10000000, 99999999));
  } else {
    body = absl::StrCat(r.Between(1000000000, 1199999999));
  }
  return body + NitCheck(body);
}

Printed PrintNit(Rng& r, const std::string& c) {
  const std::string body = c.substr(0, c.size() - 1);
  const std::string check(1, c.back());
  const uint64_t k = r.Below(10);
  if (k < 5) return {Dotted(body) + "-" + check, false};
  if (k < 8) return {body + "-" + check, false};
  return {c, true};
}

std::string MakeCoCedula(Rng& r) {
  return absl::StrCat(r.Chance(0.5) ? r.Between(10000000, 99999999)
                                    : r.Between(1000000000, 1199999999));
}

Printed PrintCoCedula(Rng& r, const std::string& c) {
  return {r.Chance(0.5) ? Dotted(c) : c, true};
}

std::string MakePeDni(Rng& r) {
  const std::string eight = Zeros(r.Between(1000000, 79999999), 8);
  const auto [digit, letter] = PeDniCheck(eight);
  return eight + (r.Chance(0.75) ? digit : letter);
}

Printed PrintPeDni(Rng&, const std::string& c) {
  return {c.substr(0, 8) + "-" + c.substr(8), false};
}

std::string MakeRuc(Rng& r) {
  const std::string ten = r.Chance(0.5) ? "10" + Zeros(r.Between(1000000, 79999999), 8)
                                        : "20" + Zeros(r.Between(10000000, 99999999), 8);
  return ten + RucCheck(ten);
}

Printed PrintBare(Rng&, const std::string& c) { return {c, true}; }

std::string MakeUyCi(Rng& r) {
  const std::string body =
      absl::StrCat(r.Chance(0.9) ? r.Between(1000000, 6999999) : r.Between(100000, 999999));
  return body + UyCiCheck(body);
}

Printed PrintUyCi(Rng& r, const std::string& c) {
  const std::string body = c.substr(0, c.size() - 1);
  const std::string check(1, c.back());
  const uint64_t k = r.Below(20);
  if (k < 11) return {Dotted(body) + "-" + check, false};
  if (k < 15) return {body + "-" + check, false};
  return {c, true};
}

std::string MakeUyRut(Rng& r) {
  for (;;) {
    const std::string eleven =
        Zeros(r.Chance(0.6) ? 21 : r.Between(1, 22), 2) + Zeros(r.Between(1, 999999), 6) + "001";
    const int check = UyRutCheck(eleven);
    if (check >= 0) return eleven + static_cast<char>('0' + check);
  }
}

Printed PrintUyRut(Rng& r, const std::string& c) {
  if (r.Chance(0.4)) return {Group(c, {2, 6, 3, 1}, '-'), false};
  return {c, false};
}

std::string MakeEc(Rng& r) {
  const std::string nine =
      Zeros(r.Between(1, 24), 2) + std::string(1, '0' + r.Below(6)) + r.Digits(6);
  return nine + EcCheck(nine);
}

Printed PrintEc(Rng& r, const std::string& c) {
  if (r.Chance(0.2)) return {c.substr(0, 9) + "-" + c.substr(9), false};
  return {c, true};
}

std::string MakeSin(Rng& r) {
  const std::string first(1, "12345679"[r.Below(8)]);
  const std::string body = first + r.Digits(7);
  return body + LuhnCheck(body);
}

Printed PrintSin(Rng& r, const std::string& c) {
  const uint64_t k = r.Below(10);
  if (k < 4) return {Group(c, {3, 3, 3}, '-'), false};
  if (k < 8) return {Group(c, {3, 3, 3}, ' '), false};
  return {c, true};
}

std::string MakeSsn(Rng& r) {
  for (;;) {
    int64_t area = r.Between(1, 899);
    if (area == 666) continue;
    const std::string s =
        Zeros(area, 3) + Zeros(r.Between(1, 99), 2) + Zeros(r.Between(1, 9999), 4);
    if (s == "078051120" || s == "457555462" || s == "219099999") continue;
    return s;
  }
}

Printed PrintSsn(Rng& r, const std::string& c) {
  if (r.Chance(0.8)) return {Group(c, {3, 2, 4}, '-'), false};
  return {c, true};
}

std::string MakeCrCedula(Rng& r) {
  return absl::StrCat(r.Between(1, 9)) + Zeros(r.Between(1, 9999), 4) +
         Zeros(r.Between(1, 9999), 4);
}

Printed PrintCrCedula(Rng&, const std::string& c) { return {Group(c, {1, 4, 4}, '-'), true}; }

std::string MakeCard(Rng& r) {
  std::string body;
  const uint64_t k = r.Below(10);
  if (k < 4) {
    body = "4" + r.Digits(14);
  } else if (k < 7) {
    body = absl::StrCat(r.Between(51, 55)) + r.Digits(13);
  } else if (k < 9) {
    body = (r.Chance(0.5) ? "34" : "37") + r.Digits(12);
  } else {
    body = "6362" + r.Digits(11);  // Elo
  }
  return body + LuhnCheck(body);
}

Printed PrintCard(Rng& r, const std::string& c) {
  const uint64_t k = r.Below(10);
  if (c.size() == 15) {
    if (k < 7) return {Group(c, {4, 6, 5}, ' '), false};
    return {c, false};
  }
  if (k < 6) return {Group(c, {4, 4, 4, 4}, ' '), false};
  if (k < 8) return {Group(c, {4, 4, 4, 4}, '-'), false};
  return {c, false};
}

const std::vector<Scheme>& Schemes() {
  static const std::vector<Scheme>* const schemes = new std::vector<Scheme>{
      {"CPF",
       {"CPF", "CPF nº", "CPF:", "inscrito no CPF sob o nº", "C.P.F."},
       MakeCpf,
       PrintCpf,
       "0123456789"},
      {"CNPJ",
       {"CNPJ", "CNPJ nº", "CNPJ:", "inscrita no CNPJ sob o nº"},
       MakeCnpj,
       PrintCnpj,
       "0123456789"},
      {"CL_RUN", {"RUT", "RUN", "RUT:", "R.U.T.", "RUN N°"}, MakeClRun, PrintClRun, "0123456789K"},
      {"MX_CURP", {"CURP", "CURP:", "con CURP"}, MakeCurp, PrintPlain, "0123456789"},
      {"MX_RFC", {"RFC", "RFC:", "R.F.C."}, MakeRfc, PrintRfc, ""},
      {"AR_DNI", {"DNI", "DNI N°", "D.N.I.", "documento", "DNI:"}, MakeArDni, PrintArDni, ""},
      {"AR_CUIT", {"CUIT", "CUIL", "CUIT N°", "C.U.I.T."}, MakeCuit, PrintCuit, "0123456789"},
      {"CO_NIT", {"NIT", "NIT:", "N.I.T.", "NIT No."}, MakeNit, PrintNit, "0123456789"},
      {"CO_CEDULA",
       {"C.C.", "CC", "cédula de ciudadanía", "cédula de ciudadanía No.", "cédula"},
       MakeCoCedula,
       PrintCoCedula,
       ""},
      {"PE_DNI", {"DNI", "DNI N°", "DNI:", "D.N.I."}, MakePeDni, PrintPeDni, "0123456789"},
      {"PE_RUC", {"RUC", "RUC N°", "R.U.C.", "RUC:"}, MakeRuc, PrintBare, "0123456789"},
      {"UY_CI",
       {"C.I.", "CI", "cédula de identidad", "CI N°", "C.I. N°"},
       MakeUyCi,
       PrintUyCi,
       "0123456789"},
      {"UY_RUT", {"RUT", "RUT N°", "R.U.T."}, MakeUyRut, PrintUyRut, "0123456789"},
      {"EC_CEDULA",
       {"cédula", "C.I.", "cédula de identidad", "cédula de ciudadanía", "CI"},
       MakeEc,
       PrintEc,
       "0123456789"},
      {"CA_SIN",
       {"SIN", "SIN:", "social insurance number", "NAS"},
       MakeSin,
       PrintSin,
       "0123456789"},
      {"US_SSN", {"SSN", "SSN:", "social security number"}, MakeSsn, PrintSsn, ""},
      {"CR_CEDULA",
       {"cédula", "cédula de identidad", "cédula física", "identificación"},
       MakeCrCedula,
       PrintCrCedula,
       ""},
      {"PAYMENT_CARD",
       {"tarjeta", "tarjeta de crédito", "cartão", "card", "Visa", "cartão de crédito"},
       MakeCard,
       PrintCard,
       "0123456789"},
  };
  return *schemes;
}

const Scheme& SchemeFor(const std::string& detector) {
  for (const Scheme& s : Schemes()) {
    if (s.detector == detector) return s;
  }
  return Schemes().front();
}

// Changes the check character of `compact` so that the generator's own check fails.
std::string Corrupt(Rng& r, const Scheme& scheme, const std::string& compact) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    std::string c = compact;
    c.back() = scheme.check_chars[r.Below(scheme.check_chars.size())];
    if (scheme.detector == "PE_DNI" &&
        !absl::ascii_isdigit(static_cast<unsigned char>(compact.back()))) {
      c.back() = "ABCDEFGHIJK"[r.Below(11)];
    }
    if (c != compact && !GeneratorCheck(scheme.detector, c)) return c;
  }
  return compact;  // not reached for the schemes above
}

// ---------------------------------------------------------------------------------------------
// Ambiguity: which other schemes print the same shape and accept the same value.

std::string Ascii(std::string s);

// Digits and letters as 'd', separators kept: "1.234.567-2" -> "d.ddd.ddd-d".
std::string Shape(const std::string& printed) {
  std::string out;
  for (char c : printed)
    out.push_back(absl::ascii_isalnum(static_cast<unsigned char>(c)) ? 'd' : c);
  return out;
}

// The printed shapes of the schemes whose forms overlap (the generator's own printers above).
const std::map<std::string, std::vector<std::string>>& SharedShapes() {
  static const auto* const shapes = new std::map<std::string, std::vector<std::string>>{
      {"CL_RUN",
       {"dd.ddd.ddd-d", "d.ddd.ddd-d", "dddddddd-d", "ddddddd-d", "ddddddddd", "dddddddd"}},
      {"UY_CI", {"d.ddd.ddd-d", "ddddddd-d", "dddddddd", "ddd.ddd-d", "dddddd-d", "ddddddd"}},
      {"CO_NIT",
       {"dd.ddd.ddd-d", "d.ddd.ddd-d", "dddddddd-d", "ddddddd-d", "ddddddddd-d", "ddd.ddd.ddd-d",
        "dddddddddd-d", "d.ddd.ddd.ddd-d", "ddddddddd", "dddddddddd", "ddddddddddd"}},
      {"PE_DNI", {"dddddddd-d"}},
      {"EC_CEDULA", {"dddddddddd", "ddddddddd-d"}},
      {"CO_CEDULA", {"dd.ddd.ddd", "d.ddd.ddd.ddd", "dddddddd", "dddddddddd"}},
      {"AR_DNI", {"dd.ddd.ddd", "d.ddd.ddd", "dddddddd", "ddddddd"}},
      {"CPF", {"ddddddddddd"}},
      {"AR_CUIT", {"ddddddddddd"}},
      {"PE_RUC", {"ddddddddddd"}},
      {"CA_SIN", {"ddddddddd"}},
      {"US_SSN", {"ddddddddd"}},
  };
  return *shapes;
}

// Lower case, no accents, punctuation as single spaces, padded: " cedula de ciudadania no ".
std::string FoldPhrase(const std::string& s) {
  std::string out = " ";
  for (char c : Ascii(s)) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      out.push_back(c);
    } else if (out.back() != ' ') {
      out.push_back(' ');
    }
  }
  if (out.back() != ' ') out.push_back(' ');
  return out;
}

// The other detectors for which `printed`, written after `context` ("" for none), is an equally
// good reading.
std::vector<std::string> Alternatives(const std::string& detector, const std::string& printed,
                                      const std::string& context) {
  std::vector<std::string> out;
  const std::string shape = Shape(printed);
  const std::string compact = Compact(printed);
  for (const auto& [other, shapes] : SharedShapes()) {
    if (other == detector || std::find(shapes.begin(), shapes.end(), shape) == shapes.end()) {
      continue;
    }
    const Scheme& scheme = SchemeFor(other);
    bool context_fits = context.empty();
    for (const std::string& c : scheme.contexts) {
      context_fits = context_fits || FoldPhrase(context).find(FoldPhrase(c)) != std::string::npos;
    }
    const bool has_check = !scheme.check_chars.empty();
    // Without a context word only a scheme whose check digit confirms the value competes; with one,
    // the context must be that scheme's too.
    if (!context_fits || (context.empty() && !has_check)) continue;
    if (has_check && !GeneratorCheck(other, compact)) continue;
    out.push_back(other);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Text assembly.

class RecordBuilder {
 public:
  explicit RecordBuilder(std::string kind) { record_.kind = std::move(kind); }
  RecordBuilder& Text(absl::string_view s) {
    absl::StrAppend(&record_.text, s);
    return *this;
  }
  RecordBuilder& Value(const std::string& detector, absl::string_view value, bool optional = false,
                       std::vector<std::string> alternatives = {}) {
    const size_t start = record_.text.size();
    absl::StrAppend(&record_.text, value);
    if (!detector.empty()) {
      record_.labels.push_back(
          {detector, start, record_.text.size(), optional, std::move(alternatives)});
    }
    return *this;
  }
  // Marks the last value as fair game for the context-only detectors as well.
  RecordBuilder& AlsoOptional(const std::vector<std::string>& detectors) {
    const size_t start = last_start(), end = record_.text.size();
    for (const std::string& d : detectors) record_.labels.push_back({d, start, end, true, {}});
    return *this;
  }
  Record Build() { return std::move(record_); }

 private:
  size_t last_start() const { return record_.labels.empty() ? 0 : record_.labels.back().start; }
  Record record_;
};

const std::vector<std::string> kFirstNames = {
    "Ana",       "João",  "María", "José",   "Lucía",    "Pedro",   "Camila", "Mateo",
    "Valentina", "Diego", "Sofía", "Carlos", "Fernanda", "Joaquín", "Isabel", "Andrés",
    "Paula",     "Emily", "James", "Olivia", "Tomás",    "Beatriz", "Rafael", "Gabriela"};
const std::vector<std::string> kLastNames = {
    "Silva",   "Souza",  "González",  "Rodríguez", "Pérez",  "Oliveira", "Muñoz", "Rojas",
    "Díaz",    "Castro", "Fernández", "Gómez",     "Santos", "López",    "Smith", "Martin",
    "Ramírez", "Torres", "Núñez",     "Pereira",   "Vargas", "Herrera"};

std::string Name(Rng& r) { return r.Pick(kFirstNames) + " " + r.Pick(kLastNames); }

const std::vector<std::string> kLeads = {
    "El ciudadano {N} se presentó en la oficina de atención.",
    "Se registra la solicitud presentada por {N}.",
    "Datos del solicitante {N}:",
    "Según el expediente, {N} declaró lo siguiente.",
    "La paciente {N} fue atendida en el hospital regional.",
    "O cidadão {N} compareceu ao posto de atendimento.",
    "Dados do requerente {N}:",
    "Conforme o processo, {N} apresentou a documentação.",
    "A paciente {N} foi atendida na unidade de saúde.",
    "Applicant {N} visited the consular office.",
    "Record details for {N}:",
    "According to the file, {N} submitted the form.",
    "Patient {N} was seen at the clinic today.",
};
const std::vector<std::string> kTails = {
    " Sin otras observaciones.",
    " Trámite en curso.",
    " Sem outras observações.",
    " Processo em análise.",
    " No further notes.",
    " Pending review.",
    "",
    "",
};
const std::vector<std::string> kJoins = {", ", "; ", " y ", " e ", " and ", ". ", " | "};
const std::vector<std::string> kNeutral = {"número", "nº", "ref.", "registro", "número de registro",
                                           "number", ""};

std::string Lead(Rng& r) {
  std::string lead = r.Pick(kLeads);
  const size_t at = lead.find("{N}");
  return lead.replace(at, 3, Name(r));
}

const std::vector<std::string> kEmailDomains = {
    "gmail.com",   "hotmail.com", "yahoo.com.br", "uol.com.br",  "correo.gob.ar",
    "minsal.cl",   "gub.uy",      "salud.gob.mx", "outlook.com", "empresa.com.co",
    "example.org", "mail.gob.pe", "correo.ec",    "ccss.sa.cr",  "gmail.com"};

std::string Ascii(std::string s) {
  // Drops accents from the names used in e-mail local parts.
  static const std::vector<std::pair<std::string, std::string>> map = {
      {"á", "a"}, {"é", "e"}, {"í", "i"}, {"ó", "o"}, {"ú", "u"}, {"ñ", "n"}, {"ã", "a"},
      {"ç", "c"}, {"Á", "a"}, {"É", "e"}, {"Í", "i"}, {"Ó", "o"}, {"Ú", "u"}, {"Ñ", "n"}};
  for (const auto& [from, to] : map) {
    for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from)) {
      s.replace(pos, from.size(), to);
    }
  }
  return absl::AsciiStrToLower(s);
}

std::string Email(Rng& r) {
  const std::string first = Ascii(r.Pick(kFirstNames)), last = Ascii(r.Pick(kLastNames));
  const uint64_t k = r.Below(4);
  std::string local = k == 0   ? first + "." + last
                      : k == 1 ? first + last.substr(0, 1) + absl::StrCat(r.Between(1, 99))
                      : k == 2 ? first.substr(0, 1) + "_" + last
                               : last + "+" + "tramites";
  return local + "@" + r.Pick(kEmailDomains);
}

std::string Phone(Rng& r) {
  switch (r.Below(9)) {
    case 0:
      return "+55 " + absl::StrCat(r.Between(11, 99)) + " 9" + r.Digits(4) + "-" + r.Digits(4);
    case 1:
      return "(" + absl::StrCat(r.Between(11, 99)) + ") 9" + r.Digits(4) + "-" + r.Digits(4);
    case 2:
      return "+54 9 11 " + r.Digits(4) + "-" + r.Digits(4);
    case 3:
      return "(011) " + absl::StrCat(r.Between(4000, 6999)) + "-" + r.Digits(4);
    case 4:
      return "+56 9 " + absl::StrCat(r.Between(5000, 9999)) + " " + r.Digits(4);
    case 5:
      return "09" + absl::StrCat(r.Between(1, 9)) + " " + r.Digits(3) + " " + r.Digits(3);
    case 6:
      return "+598 2" + r.Digits(3) + " " + r.Digits(4);
    case 7:
      return "+1 (" + absl::StrCat(r.Between(201, 989)) + ") " + absl::StrCat(r.Between(200, 999)) +
             "-" + r.Digits(4);
    default:
      return "+52 55 " + r.Digits(4) + " " + r.Digits(4);
  }
}

const std::vector<std::string> kPhoneContexts = {"tel.",  "teléfono", "telefone", "celular",
                                                 "phone", "cel.",     "móvil",    "WhatsApp"};
const std::vector<std::string> kEmailContexts = {"e-mail", "correo", "email:", "correo electrónico",
                                                 "e-mail:"};

const std::vector<std::string> kMonthsEs = {"enero",      "febrero", "marzo",     "abril",
                                            "mayo",       "junio",   "julio",     "agosto",
                                            "septiembre", "octubre", "noviembre", "diciembre"};
const std::vector<std::string> kMonthsPt = {"janeiro",  "fevereiro", "março",    "abril",
                                            "maio",     "junho",     "julho",    "agosto",
                                            "setembro", "outubro",   "novembro", "dezembro"};
const std::vector<std::string> kMonthsEn = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};

std::string DateText(Rng& r, int from, int to) {
  int y, m, d;
  RandomDate(r, from, to, &y, &m, &d);
  switch (r.Below(6)) {
    case 0:
    case 1:
      return absl::StrFormat("%02d/%02d/%04d", d, m, y);
    case 2:
      return absl::StrFormat("%04d-%02d-%02d", y, m, d);
    case 3:
      return absl::StrFormat("%d de %s de %d", d, kMonthsEs[m - 1], y);
    case 4:
      return absl::StrFormat("%d de %s de %d", d, kMonthsPt[m - 1], y);
    default:
      return absl::StrFormat("%s %d, %d", kMonthsEn[m - 1], d, y);
  }
}

const std::vector<std::string> kBirthContexts = {"fecha de nacimiento",
                                                 "nacido el",
                                                 "nacida el",
                                                 "nascido em",
                                                 "data de nascimento",
                                                 "born on",
                                                 "date of birth",
                                                 "F. nac.",
                                                 "DOB",
                                                 "fecha de nac."};

// How a label is written before its value: case, accents and the separator vary as they do in
// real records (NBSP is U+00A0).
std::string NoisyLead(Rng& r, std::string lead) {
  if (lead.empty()) return lead;
  const uint64_t k = r.Below(10);
  // An acronym that is also a common word ("SIN": Spanish "sin") is a label only in capitals.
  const bool acronym_only = lead.rfind("SIN", 0) == 0 || lead == "NAS";
  if (k == 0 && !acronym_only) lead = absl::AsciiStrToLower(lead);
  if (k == 1) lead = absl::AsciiStrToUpper(lead);
  if (k == 2) lead = Ascii(lead);  // accents dropped
  static const std::vector<std::string> separators = {" ",   " ",  " ",        ": ", ":",
                                                      " \n", "\t", "\xC2\xA0", " (", " = "};
  return lead + r.Pick(separators);
}

// One identifier of `scheme`, with its context phrase or a neutral lead-in, appended to `b`.
void AppendIdentifier(Rng& r, RecordBuilder& b, const Scheme& scheme) {
  const std::string compact = scheme.make(r);
  const Printed printed = scheme.print(r, compact);
  const bool context = printed.needs_context || r.Chance(0.85);
  const std::string lead = context ? r.Pick(scheme.contexts) : r.Pick(kNeutral);
  const std::string written = NoisyLead(r, lead);
  b.Text(written).Value(scheme.detector, printed.text, false,
                        Alternatives(scheme.detector, printed.text, context ? lead : ""));
  if (!written.empty() && written.back() == '(') b.Text(")");
}

void AppendExtra(Rng& r, RecordBuilder& b) {
  switch (r.Below(3)) {
    case 0:
      b.Text(r.Pick(kEmailContexts) + " ").Value("EMAIL", Email(r));
      break;
    case 1: {
      const bool context = r.Chance(0.8);
      b.Text(context ? r.Pick(kPhoneContexts) + " " : std::string()).Value("PHONE", Phone(r));
      break;
    }
    default:
      b.Text(r.Pick(kBirthContexts) + " ").Value("DATE_OF_BIRTH", DateText(r, 1930, 2015));
      break;
  }
}

Record IdentifierRecord(Rng& r) {
  RecordBuilder b("identifier");
  b.Text(Lead(r) + " ");
  const int n = static_cast<int>(r.Between(1, 3));
  for (int i = 0; i < n; ++i) {
    if (i > 0) b.Text(r.Chance(0.1) ? "," : r.Pick(kJoins));
    if (r.Chance(0.8)) {
      AppendIdentifier(r, b, r.Pick(Schemes()));
    } else {
      AppendExtra(r, b);
    }
  }
  b.Text("." + r.Pick(kTails));
  return b.Build();
}

// A structured identity record: "Nome: ... | CPF: ... | Nascimento: ... | Tel: ... | E-mail: ...".
Record IdentityRecord(Rng& r) {
  struct Country {
    std::vector<std::string> ids;
    std::string name_label, birth_label, phone_label, mail_label;
  };
  static const std::vector<Country>* const countries = new std::vector<Country>{
      {{"CPF", "CNPJ"}, "Nome", "Nascimento", "Tel", "E-mail"},
      {{"CL_RUN"}, "Nombre", "Fecha de nacimiento", "Teléfono", "Correo"},
      {{"MX_CURP", "MX_RFC"}, "Nombre", "Fecha de nacimiento", "Teléfono", "Correo"},
      {{"AR_DNI", "AR_CUIT"}, "Apellido y nombre", "Fecha de nac.", "Tel.", "E-mail"},
      {{"CO_CEDULA", "CO_NIT"}, "Nombre", "Fecha de nacimiento", "Celular", "Correo"},
      {{"PE_DNI", "PE_RUC"}, "Nombres", "Fecha de nacimiento", "Teléfono", "Correo"},
      {{"UY_CI", "UY_RUT"}, "Nombre", "Fecha de nacimiento", "Tel.", "Correo"},
      {{"EC_CEDULA"}, "Nombre", "Fecha de nacimiento", "Celular", "Correo"},
      {{"CA_SIN"}, "Name", "Date of birth", "Phone", "Email"},
      {{"US_SSN"}, "Name", "DOB", "Phone", "Email"},
      {{"CR_CEDULA"}, "Nombre", "Fecha de nacimiento", "Teléfono", "Correo"},
  };
  const Country& c = r.Pick(*countries);
  RecordBuilder b("identity_record");
  b.Text(c.name_label + ": " + Name(r));
  if (c.ids.front() == "CPF" && r.Chance(0.7)) {
    // The Brazilian RG has no detector and shares the Chilean RUN's printed shape.
    b.Text(" | RG: " + Dotted(absl::StrCat(r.Between(10000000, 59999999))) + "-" +
           std::string(1, r.Chance(0.9) ? r.Digit() : 'X'));
  }
  for (const std::string& id : c.ids) {
    if (id != c.ids.front() && r.Chance(0.5)) continue;
    const Scheme& scheme = SchemeFor(id);
    const std::string compact = scheme.make(r);
    const std::string lead = r.Pick(scheme.contexts);
    const std::string printed = scheme.print(r, compact).text;
    b.Text(" | " + lead + " ").Value(id, printed, false, Alternatives(id, printed, lead));
  }
  b.Text(" | " + c.birth_label + ": ").Value("DATE_OF_BIRTH", DateText(r, 1930, 2015));
  if (r.Chance(0.7)) b.Text(" | " + c.phone_label + ": ").Value("PHONE", Phone(r));
  if (r.Chance(0.7)) b.Text(" | " + c.mail_label + ": ").Value("EMAIL", Email(r));
  return b.Build();
}

const std::vector<std::string> kContextOnly = {"AR_DNI", "CO_CEDULA", "CR_CEDULA"};

Record NearMissRecord(Rng& r) {
  std::vector<const Scheme*> candidates;
  for (const Scheme& s : Schemes()) {
    if (!s.check_chars.empty()) candidates.push_back(&s);
  }
  const Scheme& scheme = *candidates[r.Below(candidates.size())];
  const std::string bad = Corrupt(r, scheme, scheme.make(r));
  const Printed printed = scheme.print(r, bad);
  const bool context = printed.needs_context || r.Chance(0.85);
  RecordBuilder b("near_miss");
  b.Text(Lead(r) + " ");
  const std::string lead = context ? r.Pick(scheme.contexts) : std::string();
  b.Text(lead.empty() ? "" : lead + " ");
  // Nothing should report it, except a context-only detector or a scheme for which the changed
  // value happens to be valid in the same printed shape.
  std::vector<std::string> optional = {"CO_CEDULA", "CR_CEDULA"};
  for (std::string& alt : Alternatives(scheme.detector, printed.text, lead)) {
    optional.push_back(std::move(alt));
  }
  b.Value(kContextOnly.front(), printed.text, /*optional=*/true).AlsoOptional(optional);
  b.Text("." + r.Pick(kTails));
  return b.Build();
}

// A patient summary of free text with many numbers that are not personal data: doses, lab values,
// blood pressure, room and bed numbers, visit dates, amounts.
std::string ClinicalNote(Rng& r) {
  std::string note = absl::StrCat(
      "Resumen de atención. Ingreso el ", DateText(r, 2022, 2025), " a la cama ", r.Between(1, 40),
      " de la sala ", r.Between(100, 450), ". Motivo: dolor torácico de ", r.Between(2, 12),
      " horas de evolución. Signos vitales: PA ", r.Between(95, 170), "/", r.Between(55, 100),
      " mmHg, FC ", r.Between(55, 120), " lpm, FR ", r.Between(12, 28), ", T ", r.Between(36, 39),
      ".", r.Digits(1), " °C, SatO2 ", r.Between(88, 99), "%. Laboratorio: Hb ", r.Between(9, 16),
      ".", r.Digits(1), " g/dL, leucocitos ", Dotted(absl::StrCat(r.Between(4000, 19000))),
      "/mm3, plaquetas ", Dotted(absl::StrCat(r.Between(150000, 450000))), "/mm3, glucosa ",
      r.Between(70, 250), " mg/dL, creatinina ", r.Between(0, 3), ".", r.Digits(2),
      " mg/dL, troponina ", r.Between(0, 2), ".", r.Digits(3), " ng/mL. ECG con ritmo sinusal a ",
      r.Between(55, 110), " lpm. Se indica AAS ", r.Between(100, 300), " mg, atorvastatina ",
      r.Between(10, 80), " mg cada ", r.Pick(std::vector<std::string>{"8", "12", "24"}),
      " horas y enoxaparina ", r.Between(40, 80), " mg SC. Evolución favorable; control en ",
      r.Between(7, 30), " días. Orden de laboratorio ", r.Digits(10), ", código de prestación ",
      r.Digits(6), "-", r.Digits(2), ", valor de la consulta $ ",
      Dotted(absl::StrCat(r.Between(10000, 900000))), ". Próxima cita: ", DateText(r, 2025, 2026),
      " a las ", r.Between(8, 18), ":", r.Chance(0.5) ? "00" : "30", " horas, consultorio ",
      r.Between(1, 30), ", piso ", r.Between(1, 9), ". ");
  note += absl::StrCat("Paciente em acompanhamento ambulatorial desde ", r.Between(2010, 2024),
                       ". Peso ", r.Between(50, 110), ",", r.Digits(1), " kg, altura 1,",
                       r.Between(50, 95), " m, IMC ", r.Between(18, 35), ",", r.Digits(1),
                       ". HbA1c ", r.Between(5, 11), ",", r.Digits(1), "%. Prescrição: metformina ",
                       r.Between(500, 1000), " mg 2x/dia. Retorno em ", r.Between(30, 180),
                       " dias. Protocolo ", r.Between(2020, 2025), "/", r.Digits(6), ".");
  return note;
}

Record LookAlikeRecord(Rng& r) {
  RecordBuilder b("look_alike");
  switch (r.Below(14)) {
    case 0:
      b.Text("Pedido nº " + r.Digits(8) + " entregue em " + DateText(r, 2020, 2025) + ".");
      break;
    case 1:
      b.Text("Orden de compra " + absl::StrCat(r.Between(1000000000, 9999999999)) +
             " por un total de $ " + Dotted(absl::StrCat(r.Between(10000, 99999999))) + ",00.");
      break;
    case 2:
      b.Text("Total a pagar: R$ " + Dotted(absl::StrCat(r.Between(1000, 9999999))) + "," +
             r.Digits(2) + " (" + absl::StrCat(r.Between(2, 12)) + " parcelas).");
      break;
    case 3:
      b.Text(
          "Invoice " + absl::StrCat(r.Between(100000, 999999)) + " for USD " +
          absl::StrFormat("%d,%03d.%02d", r.Between(1, 999), r.Between(0, 999), r.Between(0, 99)) +
          " is due.");
      break;
    case 4:
      b.Text("CEP " + r.Digits(5) + "-" + r.Digits(3) + ", código postal " + r.Digits(6) +
             ", C.P. " + r.Digits(5) + ", ZIP " + r.Digits(5) + "-" + r.Digits(4) + ".");
      break;
    case 5:
      b.Text("Fecha de emisión " + DateText(r, 2015, 2025) + "; vence el " +
             DateText(r, 2025, 2030) + ".");
      break;
    case 6: {
      b.Text("Llamar al ");
      b.Value("PHONE", Phone(r));
      b.Text(" o al ");
      b.Value("PHONE", Phone(r));
      b.Text(" en horario de oficina.");
      break;
    }
    case 7:
      b.Text("Protocolo " + absl::StrCat(r.Between(2019, 2025)) + "/" + r.Digits(9) +
             ", expediente " + r.Digits(4) + "-" + r.Digits(6) + "-" + r.Digit() + ".");
      break;
    case 8:
      b.Text("Código de rastreio " + std::string(1, r.Upper()) + r.Upper() + r.Digits(9) +
             "BR, lote " + r.Digits(12) + ".");
      break;
    case 9:
      b.Text("Reunión el " + DateText(r, 2023, 2026) + " a las " + absl::StrCat(r.Between(8, 18)) +
             ":30 en la sala " + absl::StrCat(r.Between(100, 999)) + ".");
      break;
    case 10:
      b.Text("Versión " + absl::StrCat(r.Between(1, 9)) + "." + absl::StrCat(r.Between(0, 30)) +
             "." + absl::StrCat(r.Between(0, 99)) + ", ticket #" + r.Digits(7) + ", ISBN 978-" +
             r.Digit() + "-" + r.Digits(2) + "-" + r.Digits(6) + "-" + r.Digit() + ".");
      break;
    case 11: {
      // Shapes of identifiers, labelled as other kinds of numbers.
      const std::string body = absl::StrCat(r.Between(1000000, 39999999));
      static const std::vector<std::string> labels = {
          "RG", "RG nº", "Expediente N°", "Protocolo", "Pedido", "Orden", "Rol", "Legajo"};
      b.Text(r.Pick(labels) + " " + (r.Chance(0.6) ? Dotted(body) : body) + "-" + r.Digits(1) +
             " registrado em " + DateText(r, 2018, 2025) + ".");
      break;
    }
    case 12:
      b.Text(ClinicalNote(r));
      break;
    default:
      b.Text("Población estimada " + Dotted(absl::StrCat(r.Between(1000000, 99999999))) +
             " habitantes; superficie " + Dotted(absl::StrCat(r.Between(10000, 9999999))) +
             " km².");
      break;
  }
  return b.Build();
}

Record CleanRecord(Rng& r) {
  static const std::vector<std::string> sentences = {
      "El trámite fue aprobado por la dirección general.",
      "A solicitação foi encaminhada ao setor responsável.",
      "The request was forwarded to the responsible office.",
      "La persona reside en el piso 4 con sus 3 hijos.",
      "Atendimento realizado em 2023, sem pendências.",
      "No personal data is included in this note.",
      "Se adjunta copia del formulario firmado.",
      "Paciente refiere dolor abdominal leve desde hace 2 días.",
      "O documento foi conferido e arquivado.",
      "Informe anual de gestión, capítulo 7.",
  };
  RecordBuilder b("clean");
  const int n = static_cast<int>(r.Between(1, 3));
  for (int i = 0; i < n; ++i) b.Text((i ? " " : "") + r.Pick(sentences));
  return b.Build();
}

}  // namespace

std::vector<Record> GenerateCorpus(uint64_t seed, size_t count) {
  Rng r(seed);
  std::vector<Record> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const uint64_t k = r.Below(100);
    if (k < 45) {
      out.push_back(IdentifierRecord(r));
    } else if (k < 55) {
      out.push_back(IdentityRecord(r));
    } else if (k < 70) {
      out.push_back(NearMissRecord(r));
    } else if (k < 90) {
      out.push_back(LookAlikeRecord(r));
    } else {
      out.push_back(CleanRecord(r));
    }
  }
  return out;
}

absl::StatusOr<std::vector<IndependentVector>> LoadIndependentVectors(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::vector<IndependentVector> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    if (fields.size() != 3) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", number, ": expected 3 fields"));
    }
    out.push_back({fields[0], fields[1], fields[2]});
  }
  return out;
}

std::vector<Record> VectorRecords(const std::vector<IndependentVector>& vectors) {
  Rng r(kCorpusSeed + 1);
  std::vector<Record> out;
  for (const IndependentVector& v : vectors) {
    const Scheme& scheme = SchemeFor(v.scheme);
    const std::string context = scheme.detector == v.scheme ? r.Pick(scheme.contexts) : v.scheme;
    {
      RecordBuilder b("vector");
      b.Text(Lead(r) + " " + context + " ").Value(v.scheme, v.value).Text(".");
      out.push_back(b.Build());
    }
    if (scheme.check_chars.empty() || scheme.detector != v.scheme) continue;
    // Near miss: the same printed value with its last character replaced so that the check fails.
    std::string printed = v.value;
    const std::string compact = Compact(v.value);
    const std::string bad = Corrupt(r, scheme, compact);
    printed.back() = bad.back();
    RecordBuilder b("vector_near_miss");
    std::vector<std::string> optional = {"CO_CEDULA", "CR_CEDULA"};
    for (std::string& alt : Alternatives(v.scheme, printed, context))
      optional.push_back(std::move(alt));
    b.Text(Lead(r) + " " + context + " ")
        .Value(kContextOnly.front(), printed, /*optional=*/true)
        .AlsoOptional(optional)
        .Text(".");
    out.push_back(b.Build());
  }
  return out;
}

std::vector<Record> VectorRecordsWithoutContext(const std::vector<IndependentVector>& vectors) {
  Rng r(kCorpusSeed + 2);
  std::vector<Record> out;
  for (const IndependentVector& v : vectors) {
    RecordBuilder b("vector_without_context");
    b.Text(Lead(r) + " Valor: ")
        .Value(v.scheme, v.value, false, Alternatives(v.scheme, v.value, ""))
        .Text(".");
    out.push_back(b.Build());
  }
  return out;
}

double DetectorScore::Precision() const {
  const int reported = true_positives + false_positives;
  return reported == 0 ? 1.0 : static_cast<double>(true_positives) / reported;
}

double DetectorScore::Recall() const {
  const int labelled = true_positives + false_negatives;
  return labelled == 0 ? 1.0 : static_cast<double>(true_positives) / labelled;
}

Evaluation Evaluate(const DetectorSet& set, const std::vector<Record>& records) {
  Evaluation e;
  e.records = records.size();
  for (const std::string& name : set.EnabledDetectors()) e.by_detector[name];
  auto example = [&e](const std::string& detector, std::string text) {
    std::vector<std::string>& v = e.examples[detector];
    if (v.size() < 8) v.push_back(std::move(text));
  };
  for (const Record& record : records) {
    const std::vector<Finding> findings = set.Scan(record.text);
    std::vector<bool> label_matched(record.labels.size(), false);
    for (const Finding& f : findings) {
      bool matched = false, optional_match = false, via_alternative = false;
      for (size_t i = 0; i < record.labels.size(); ++i) {
        const Label& l = record.labels[i];
        const bool same = l.detector == f.detector ||
                          std::find(l.alternatives.begin(), l.alternatives.end(), f.detector) !=
                              l.alternatives.end();
        if (!same || l.end <= f.start || f.end <= l.start) continue;
        if (l.optional) {
          optional_match = true;
          continue;
        }
        if (!label_matched[i]) {
          label_matched[i] = true;
          matched = true;
          via_alternative = l.detector != f.detector;
          break;
        }
      }
      const std::string name(f.detector);
      if (matched) {
        ++e.by_detector[name].true_positives;
        if (via_alternative) ++e.by_detector[name].ambiguous;
      } else if (!optional_match) {
        ++e.by_detector[name].false_positives;
        example(name, absl::StrCat("FP [", record.text.substr(f.start, f.end - f.start),
                                   "] in: ", record.text));
      }
    }
    for (size_t i = 0; i < record.labels.size(); ++i) {
      const Label& l = record.labels[i];
      if (l.optional || label_matched[i] || !e.by_detector.count(l.detector)) continue;
      ++e.by_detector[l.detector].false_negatives;
      example(l.detector, absl::StrCat("FN [", record.text.substr(l.start, l.end - l.start),
                                       "] in: ", record.text));
    }
  }
  return e;
}

namespace {

// A ratio with nothing to count is not a measurement: a detector that reported nothing has no
// precision, one with nothing labelled no recall (Precision() and Recall() say 1.0 so that the
// bar holds; a reader must not take that for a result).
std::string Ratio(int denominator, double value, const char* none) {
  return denominator == 0 ? std::string(none) : absl::StrFormat("%.4f", value);
}

}  // namespace

std::string FormatTable(const Evaluation& e) {
  std::string out = absl::StrFormat("%-14s %6s %5s %5s %10s %8s %9s\n", "detector", "TP", "FP",
                                    "FN", "precision", "recall", "ambiguous");
  for (const auto& [name, s] : e.by_detector) {
    absl::StrAppendFormat(
        &out, "%-14s %6d %5d %5d %10s %8s %9d\n", name, s.true_positives, s.false_positives,
        s.false_negatives, Ratio(s.true_positives + s.false_positives, s.Precision(), "-"),
        Ratio(s.true_positives + s.false_negatives, s.Recall(), "-"), s.ambiguous);
  }
  return out;
}

std::string FormatJson(const Evaluation& e) {
  std::string out = absl::StrCat("{\"records\":", e.records, ",\"detectors\":{");
  bool first = true;
  for (const auto& [name, s] : e.by_detector) {
    absl::StrAppendFormat(
        &out,
        "%s\"%s\":{\"tp\":%d,\"fp\":%d,\"fn\":%d,\"precision\":%s,\"recall\":%s,\"ambiguous\":%d}",
        first ? "" : ",", name, s.true_positives, s.false_positives, s.false_negatives,
        Ratio(s.true_positives + s.false_positives, s.Precision(), "null"),
        Ratio(s.true_positives + s.false_negatives, s.Recall(), "null"), s.ambiguous);
    first = false;
  }
  out += "}}";
  return out;
}

}  // namespace pasarela::classify::testing
