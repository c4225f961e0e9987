#include "gateway/mapping/national_id.h"

#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace pasarela {
namespace {

int Digit(char c) { return c - '0'; }

// CUIT/CUIL: weights 5,4,3,2,7,6,5,4,3,2; v = 11 - (sum mod 11); 11 -> 0; 10 is not issued.
int CuilCheck(absl::string_view first10) {
  static constexpr std::array<int, 10> kWeights = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
  int sum = 0;
  for (size_t i = 0; i < 10; ++i) sum += Digit(first10[i]) * kWeights[i];
  int v = 11 - sum % 11;
  return v == 11 ? 0 : v;
}

// CPF: d1 over 9 digits with weights 10..2, d2 over 10 digits with weights 11..2; r < 2 -> 0.
int CpfDigit(absl::string_view digits, int first_weight) {
  int sum = 0;
  for (size_t i = 0; i < digits.size(); ++i) sum += Digit(digits[i]) * (first_weight - int(i));
  int r = sum % 11;
  return r < 2 ? 0 : 11 - r;
}

// RUN: weights 2,3,4,5,6,7 cycled from the rightmost body digit; 11 -> 0, 10 -> K.
char RunCheck(absl::string_view body) {
  int sum = 0;
  int weight = 2;
  for (size_t i = body.size(); i-- > 0;) {
    sum += Digit(body[i]) * weight;
    weight = weight == 7 ? 2 : weight + 1;
  }
  int v = 11 - sum % 11;
  if (v == 11) return '0';
  if (v == 10) return 'K';
  return static_cast<char>('0' + v);
}

// Uruguayan cédula: body left-padded to 7 digits, weights 2,9,8,7,6,3,4, (10 - sum mod 10) mod 10.
int CiCheck(absl::string_view body) {
  static constexpr std::array<int, 7> kWeights = {2, 9, 8, 7, 6, 3, 4};
  std::string padded = std::string(7 - body.size(), '0') + std::string(body);
  int sum = 0;
  for (size_t i = 0; i < 7; ++i) sum += Digit(padded[i]) * kWeights[i];
  return (10 - sum % 10) % 10;
}

// CNS: the weighted sum of the 15 digits with weights 15..1 is a multiple of 11.
bool CnsValid(absl::string_view digits) {
  if (digits[0] != '1' && digits[0] != '2' && digits[0] != '7' && digits[0] != '8' &&
      digits[0] != '9') {
    return false;
  }
  int sum = 0;
  for (size_t i = 0; i < 15; ++i) sum += Digit(digits[i]) * (15 - int(i));
  return sum % 11 == 0;
}

// Groups of three from the right, joined by dots: "20123456" -> "20.123.456".
std::string Thousands(absl::string_view digits) {
  std::string out;
  size_t lead = digits.size() % 3;
  if (lead == 0) lead = 3;
  out.append(digits.data(), lead);
  for (size_t i = lead; i < digits.size(); i += 3) absl::StrAppend(&out, ".", digits.substr(i, 3));
  return out;
}

uint64_t Mix(uint64_t* state) {
  // splitmix64: a tiny deterministic generator for examples.
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string RandomDigits(uint64_t* state, int count, char first_min = '0') {
  std::string out;
  for (int i = 0; i < count; ++i) {
    char low = i == 0 ? first_min : '0';
    out.push_back(static_cast<char>(low + Mix(state) % ('9' - low + 1)));
  }
  return out;
}

}  // namespace

const IdentifierScheme* IdentifierScheme::Find(absl::string_view name) {
  static const IdentifierScheme* const kSchemes[] = {new IdentifierScheme("AR-DNI", Kind::kArDni),
                                                     new IdentifierScheme("AR-CUIL", Kind::kArCuil),
                                                     new IdentifierScheme("AR-CUIT", Kind::kArCuil),
                                                     new IdentifierScheme("BR-CPF", Kind::kBrCpf),
                                                     new IdentifierScheme("BR-CNS", Kind::kBrCns),
                                                     new IdentifierScheme("CL-RUN", Kind::kClRun),
                                                     new IdentifierScheme("UY-CI", Kind::kUyCi)};
  for (const IdentifierScheme* scheme : kSchemes) {
    if (scheme->name() == name) return scheme;
  }
  return nullptr;
}

std::vector<std::string> IdentifierScheme::Names() {
  return {"AR-CUIL", "AR-CUIT", "AR-DNI", "BR-CNS", "BR-CPF", "CL-RUN", "UY-CI"};
}

absl::StatusOr<std::string> IdentifierScheme::Compact(absl::string_view text) const {
  std::string compact;
  for (char c : text) {
    if (absl::ascii_isdigit(c)) {
      compact.push_back(c);
    } else if (kind_ == Kind::kClRun && (c == 'k' || c == 'K')) {
      compact.push_back('K');
    } else if (c != '.' && c != '-' && c != ' ' && c != '/') {
      compact.clear();
      break;
    }
  }
  const char* shape = nullptr;
  size_t n = compact.size();
  switch (kind_) {
    case Kind::kArDni:
      if (n < 7 || n > 8) shape = "7 or 8 digits";
      break;
    case Kind::kArCuil:
      if (n != 11) shape = "11 digits";
      break;
    case Kind::kBrCpf:
      if (n != 11) shape = "11 digits";
      break;
    case Kind::kBrCns:
      if (n != 15) shape = "15 digits";
      break;
    case Kind::kClRun:
      if (n < 2 || n > 9 || compact.find('K') < n - 1)
        shape = "1 to 8 digits and a check digit or K";
      break;
    case Kind::kUyCi:
      if (n < 7 || n > 8) shape = "6 or 7 digits and a check digit";
      break;
  }
  if (shape != nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not a ", name_, " (expected ", shape, ")"));
  }
  return compact;
}

absl::StatusOr<std::string> IdentifierScheme::ToCanonical(absl::string_view text) const {
  absl::StatusOr<std::string> compact = Compact(text);
  if (!compact.ok()) return compact.status();
  std::string& c = *compact;
  if (kind_ == Kind::kClRun || kind_ == Kind::kUyCi) {
    // Leading zeros of the body are not part of the number ("05.123.456-K").
    size_t zeros = 0;
    while (zeros + 2 < c.size() && c[zeros] == '0') ++zeros;
    c.erase(0, zeros);
    return absl::StrCat(c.substr(0, c.size() - 1), "-", c.substr(c.size() - 1));
  }
  return c;
}

absl::StatusOr<std::string> IdentifierScheme::ToNational(absl::string_view text) const {
  absl::StatusOr<std::string> canonical = ToCanonical(text);
  if (!canonical.ok()) return canonical.status();
  std::string c = *canonical;
  switch (kind_) {
    case Kind::kArDni:
      return Thousands(c);
    case Kind::kArCuil:
      return absl::StrCat(c.substr(0, 2), "-", c.substr(2, 8), "-", c.substr(10));
    case Kind::kBrCpf:
      return absl::StrCat(c.substr(0, 3), ".", c.substr(3, 3), ".", c.substr(6, 3), "-",
                          c.substr(9));
    case Kind::kBrCns:
      return absl::StrCat(c.substr(0, 3), " ", c.substr(3, 4), " ", c.substr(7, 4), " ",
                          c.substr(11));
    case Kind::kClRun:
    case Kind::kUyCi: {
      size_t dash = c.find('-');
      return absl::StrCat(Thousands(c.substr(0, dash)), c.substr(dash));
    }
  }
  return c;
}

bool IdentifierScheme::IsValid(absl::string_view text) const {
  absl::StatusOr<std::string> compact = Compact(text);
  if (!compact.ok()) return false;
  const std::string& c = *compact;
  switch (kind_) {
    case Kind::kArDni:
      return true;
    case Kind::kArCuil: {
      static constexpr absl::string_view kPrefixes[] = {"20", "23", "24", "27", "30",
                                                        "33", "34", "50", "51", "55"};
      bool prefix_ok = std::any_of(std::begin(kPrefixes), std::end(kPrefixes),
                                   [&](absl::string_view p) { return c.substr(0, 2) == p; });
      return prefix_ok && CuilCheck(c) == Digit(c[10]);
    }
    case Kind::kBrCpf:
      if (std::all_of(c.begin(), c.end(), [&](char d) { return d == c[0]; })) return false;
      return CpfDigit(absl::string_view(c).substr(0, 9), 10) == Digit(c[9]) &&
             CpfDigit(absl::string_view(c).substr(0, 10), 11) == Digit(c[10]);
    case Kind::kBrCns:
      return CnsValid(c);
    case Kind::kClRun:
      return RunCheck(absl::string_view(c).substr(0, c.size() - 1)) == c.back();
    case Kind::kUyCi:
      return CiCheck(absl::string_view(c).substr(0, c.size() - 1)) == Digit(c.back());
  }
  return false;
}

std::string IdentifierScheme::Example(uint64_t seed) const {
  uint64_t state = seed * 0x2545F4914F6CDD1Dull + static_cast<uint64_t>(kind_);
  std::string digits;
  switch (kind_) {
    case Kind::kArDni:
      digits = RandomDigits(&state, 8, '1');
      break;
    case Kind::kArCuil:
      for (;;) {
        static constexpr const char* kPrefixes[] = {"20", "23", "27"};
        digits = kPrefixes[Mix(&state) % 3] + RandomDigits(&state, 8);
        int check = CuilCheck(digits);
        if (check == 10) continue;
        digits.push_back(static_cast<char>('0' + check));
        break;
      }
      break;
    case Kind::kBrCpf:
      digits = RandomDigits(&state, 9, '1');
      digits.push_back(static_cast<char>('0' + CpfDigit(digits, 10)));
      digits.push_back(static_cast<char>('0' + CpfDigit(digits, 11)));
      break;
    case Kind::kBrCns:
      // Provisional cards (first digit 7-9): 14 random digits, the last one chosen to make the
      // weighted sum a multiple of 11; retry when no digit does.
      for (;;) {
        digits =
            std::string(1, static_cast<char>('7' + Mix(&state) % 3)) + RandomDigits(&state, 13);
        int sum = 0;
        for (size_t i = 0; i < 14; ++i) sum += Digit(digits[i]) * (15 - int(i));
        int last = (11 - sum % 11) % 11;
        if (last > 9) continue;
        digits.push_back(static_cast<char>('0' + last));
        break;
      }
      break;
    case Kind::kClRun:
      digits = RandomDigits(&state, 8, '1');
      digits.push_back(RunCheck(digits));
      break;
    case Kind::kUyCi:
      digits = RandomDigits(&state, 7, '1');
      digits.push_back(static_cast<char>('0' + CiCheck(digits)));
      break;
  }
  absl::StatusOr<std::string> national = ToNational(digits);
  return national.ok() ? *national : digits;
}

}  // namespace pasarela
