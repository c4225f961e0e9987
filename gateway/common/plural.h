// A count and its noun for the reports the audit tools print ("1 warning", "3 warnings").
//
// Thread safety: a pure function.
#ifndef PASARELA_GATEWAY_COMMON_PLURAL_H_
#define PASARELA_GATEWAY_COMMON_PLURAL_H_

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace pasarela {

// "<n> <one>" when n is 1, "<n> <many>" otherwise.
inline std::string Plural(uint64_t n, absl::string_view one, absl::string_view many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_COMMON_PLURAL_H_
