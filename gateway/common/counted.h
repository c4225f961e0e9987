// Counts written as words are read: "1 agreement", "3 agreements", "0 errors".
#ifndef PASARELA_GATEWAY_COMMON_COUNTED_H_
#define PASARELA_GATEWAY_COMMON_COUNTED_H_

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace pasarela {

// `count` followed by `singular` when it is 1, else by `plural` (given whole, since English
// plurals are not all an added s: country, countries).
inline std::string Counted(int64_t count, absl::string_view singular, absl::string_view plural) {
  return absl::StrCat(count, " ", count == 1 ? singular : plural);
}

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_COMMON_COUNTED_H_
