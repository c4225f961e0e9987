#include "pilots/synthetic.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace pasarela::pilots {
namespace {

std::string GroupThousands(uint64_t value) {
  std::string digits = absl::StrCat(value);
  std::string grouped;
  int count = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (count > 0 && count % 3 == 0) grouped.insert(grouped.begin(), '.');
    grouped.insert(grouped.begin(), *it);
    ++count;
  }
  return grouped;
}

}  // namespace

uint64_t SyntheticSource::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string SyntheticSource::Date(int first_year, int last_year) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int year =
      first_year + static_cast<int>(Below(static_cast<uint64_t>(last_year - first_year + 1)));
  int month = 1 + static_cast<int>(Below(12));
  int days =
      kDays[month - 1] + (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0));
  int day = 1 + static_cast<int>(Below(static_cast<uint64_t>(days)));
  return absl::StrFormat("%04d-%02d-%02d", year, month, day);
}

char RunCheckCharacter(uint64_t body) {
  int sum = 0;
  int weight = 2;
  for (; body > 0; body /= 10) {
    sum += static_cast<int>(body % 10) * weight;
    weight = weight == 7 ? 2 : weight + 1;
  }
  int check = 11 - sum % 11;
  if (check == 11) return '0';
  if (check == 10) return 'K';
  return static_cast<char>('0' + check);
}

std::string FormatRun(uint64_t body) {
  return absl::StrCat(GroupThousands(body), "-", std::string(1, RunCheckCharacter(body)));
}

int CedulaCheckDigit(uint64_t body) {
  static const int kWeights[] = {2, 9, 8, 7, 6, 3, 4};
  std::string digits = absl::StrFormat("%07d", static_cast<int>(body));
  int sum = 0;
  for (int i = 0; i < 7; ++i) sum += (digits[i] - '0') * kWeights[i];
  return (10 - sum % 10) % 10;
}

std::string FormatCedula(uint64_t body) {
  return absl::StrCat(GroupThousands(body), "-", CedulaCheckDigit(body));
}

}  // namespace pasarela::pilots
