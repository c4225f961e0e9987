// Text normalisation for names, codes and identifiers written in the languages of the region:
// trimming, collapsing spaces, case mapping and accent folding over UTF-8. Case mapping and
// folding cover Latin-1 Supplement and Latin Extended-A (every letter Spanish, Portuguese, French
// and the other Latin-script languages of the Americas use); other characters pass unchanged.
// Pure functions: safe from any thread.
#ifndef PASARELA_GATEWAY_MAPPING_TEXT_H_
#define PASARELA_GATEWAY_MAPPING_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace pasarela {
namespace text {

// Removes ASCII whitespace and U+00A0 (no-break space) at both ends.
std::string Trim(absl::string_view text);
// Whether Trim(text) is empty, without building it: every value a mapping reads is tested so.
bool IsBlank(absl::string_view text);
// Trims and turns every run of whitespace inside into one space.
std::string CollapseSpaces(absl::string_view text);
std::string ToUpper(absl::string_view text);
std::string ToLower(absl::string_view text);
// Upper case after a space, hyphen or apostrophe, lower case elsewhere: "O'HIGGINS" -> "O'Higgins".
std::string ToTitle(absl::string_view text);
// Drops diacritics: "Ñandú Çağ" -> "Nandu Cag"; ligatures expand ("Æ" -> "AE", "ß" -> "ss").
std::string FoldAccents(absl::string_view text);
// Removes every character (code point) of `characters` from `text`.
std::string RemoveCharacters(absl::string_view text, absl::string_view characters);
// For comparing names: folded, lower case, hyphens as spaces, apostrophes and dots removed, spaces
// collapsed. "José-María  O'Higgins" and "JOSE MARIA OHIGGINS" compare equal.
std::string ComparableName(absl::string_view text);

}  // namespace text
}  // namespace pasarela

#endif  // PASARELA_GATEWAY_MAPPING_TEXT_H_
