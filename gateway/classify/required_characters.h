// What a detector pattern needs of a text before it can match at all, read from the pattern once
// so that a scan can pass over a text that lacks it without running the patterns (most field
// values, names and places, have neither a digit nor an '@', and every catalog pattern needs one).
// Pure functions: safe from any thread.
#ifndef PASARELA_GATEWAY_CLASSIFY_REQUIRED_CHARACTERS_H_
#define PASARELA_GATEWAY_CLASSIFY_REQUIRED_CHARACTERS_H_

#include "absl/strings/string_view.h"

namespace pasarela::classify {

// True when every text that `pattern` (RE2 syntax) matches contains an ASCII digit or an '@'.
// Conservative: false whenever that cannot be shown, including for syntax this reading does not
// follow (\p{..}, \x.., \Q..\E, flags other than i, anything malformed). Case folding, (?i), does
// not matter: no letter folds to a digit or to '@'.
bool EveryMatchHasDigitOrAt(absl::string_view pattern);

// Whether `text` holds an ASCII digit or an '@'.
bool HasDigitOrAt(absl::string_view text);

}  // namespace pasarela::classify

#endif  // PASARELA_GATEWAY_CLASSIFY_REQUIRED_CHARACTERS_H_
