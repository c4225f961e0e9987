#include "gateway/mapping/national_id.h"

#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gateway/classify/validators.h"

namespace pasarela {
namespace {

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

const char* IdentifierScheme::shape() const {
  switch (kind_) {
    case Kind::kArDni:
      return "7 or 8 digits";
    case Kind::kArCuil:
    case Kind::kBrCpf:
      return "11 digits";
    case Kind::kBrCns:
      return "15 digits";
    case Kind::kClRun:
      return "7 or 8 digits and a check digit or K";
    case Kind::kUyCi:
      return "6 or 7 digits and a check digit";
  }
  return "";
}

bool IdentifierScheme::has_check_digit() const { return kind_ != Kind::kArDni; }

absl::StatusOr<std::string> IdentifierScheme::Compact(absl::string_view text) const {
  std::string compact = classify::StripIdentifierPunctuation(text);
  const size_t n = compact.size();
  // The RUN's check character may be K; every other character is a digit.
  const size_t digits_end = kind_ == Kind::kClRun && n > 0 && compact.back() == 'K' ? n - 1 : n;
  bool ok = std::all_of(compact.begin(), compact.begin() + digits_end,
                        [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); });
  // Leading zeros pad a number to its printed width: the body is measured without them.
  auto significant = [&](size_t body_size) {
    size_t zeros = 0;
    while (zeros < body_size && compact[zeros] == '0') ++zeros;
    return body_size - zeros;
  };
  switch (kind_) {
    case Kind::kArDni:
      ok = ok && n <= 8 && significant(n) >= 7;
      break;
    case Kind::kArCuil:
    case Kind::kBrCpf:
      ok = ok && n == 11;
      break;
    case Kind::kBrCns:
      ok = ok && n == 15;
      break;
    case Kind::kClRun:
      ok = ok && n >= 2 && n <= 9 && significant(n - 1) >= 7;
      break;
    case Kind::kUyCi:
      ok = ok && n >= 2 && n <= 8 && significant(n - 1) >= 6;
      break;
  }
  if (!ok) {
    const char* article = name_.front() == 'A' ? "an" : "a";
    return absl::InvalidArgumentError(
        absl::StrCat("not ", article, " ", name_, " (expected ", shape(), ")"));
  }
  return compact;
}

absl::Status IdentifierScheme::Validate(const std::string& compact) const {
  bool valid = false;
  switch (kind_) {
    case Kind::kArDni:
      valid = classify::IsPlausibleArDni(compact);
      break;
    case Kind::kArCuil:
      valid = classify::IsValidArCuit(compact);
      break;
    case Kind::kBrCpf:
      valid = classify::IsValidCpf(compact);
      break;
    case Kind::kBrCns:
      valid = classify::IsValidBrCns(compact);
      break;
    case Kind::kClRun:
      valid = classify::IsValidClRun(compact);
      break;
    case Kind::kUyCi:
      valid = classify::IsValidUyCi(compact);
      break;
  }
  if (valid) return absl::OkStatus();
  // Which rule failed, so that the sender can tell a typo from a number of another scheme.
  const char* reason = "check digit";
  if (kind_ == Kind::kArCuil && !classify::HasArCuitPrefix(compact)) {
    reason = "prefix not issued; expected 20, 23, 24, 27, 30, 33, 34, 50, 51 or 55";
  } else if (kind_ == Kind::kBrCpf &&
             std::all_of(compact.begin(), compact.end(), [&](char c) { return c == compact[0]; })) {
    reason = "all digits equal";
  } else if (kind_ == Kind::kBrCns &&
             absl::string_view("12789").find(compact[0]) == absl::string_view::npos) {
    reason = "first digit not 1, 2, 7, 8 or 9";
  }
  return absl::InvalidArgumentError(absl::StrCat("not a valid ", name_, " (", reason, ")"));
}

absl::StatusOr<std::string> IdentifierScheme::ToCanonical(absl::string_view text) const {
  absl::StatusOr<std::string> compact = Compact(text);
  if (!compact.ok()) return compact.status();
  std::string& c = *compact;
  absl::Status valid = Validate(c);
  if (!valid.ok()) return valid;
  if (kind_ == Kind::kArDni || kind_ == Kind::kClRun || kind_ == Kind::kUyCi) {
    // Leading zeros are not part of the number ("05.123.456-K"): dropped, so that every way of
    // printing one number has one canonical form.
    c.erase(0, c.find_first_not_of('0'));
  }
  if (kind_ == Kind::kClRun || kind_ == Kind::kUyCi) {
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

bool IdentifierScheme::IsValid(absl::string_view text) const { return ToCanonical(text).ok(); }

std::string IdentifierScheme::Example(uint64_t seed) const {
  uint64_t state = seed * 0x2545F4914F6CDD1Dull + static_cast<uint64_t>(kind_);
  // Random digits, then the first check character the scheme's validator accepts; a body that
  // no check character completes is drawn again.
  auto complete = [&](const std::string& body, absl::string_view checks) -> std::string {
    for (char check : checks) {
      std::string candidate = body + check;
      if (ToCanonical(candidate).ok()) return candidate;
    }
    return "";
  };
  std::string digits;
  while (digits.empty()) {
    switch (kind_) {
      case Kind::kArDni:
        digits = RandomDigits(&state, 8, '1');
        break;
      case Kind::kArCuil: {
        static constexpr const char* kPrefixes[] = {"20", "23", "27"};
        std::string body = kPrefixes[Mix(&state) % 3] + RandomDigits(&state, 8);
        digits = complete(body, "0123456789");
        break;
      }
      case Kind::kBrCpf: {
        std::string body = RandomDigits(&state, 9, '1');
        for (char d1 = '0'; d1 <= '9' && digits.empty(); ++d1) {
          digits = complete(body + d1, "0123456789");
        }
        break;
      }
      case Kind::kBrCns: {
        // Provisional cards (first digit 7-9).
        std::string body =
            std::string(1, static_cast<char>('7' + Mix(&state) % 3)) + RandomDigits(&state, 13);
        digits = complete(body, "0123456789");
        break;
      }
      case Kind::kClRun:
        digits = complete(RandomDigits(&state, 8, '1'), "0123456789K");
        break;
      case Kind::kUyCi:
        digits = complete(RandomDigits(&state, 7, '1'), "0123456789");
        break;
    }
  }
  absl::StatusOr<std::string> national = ToNational(digits);
  return national.ok() ? *national : digits;
}

}  // namespace pasarela
