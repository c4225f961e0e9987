// Context words: the few tokens of text just before a candidate, folded for comparison.
//
// Internal to the classify library. Pure functions, safe from any thread.

#ifndef PASARELA_GATEWAY_CLASSIFY_CONTEXT_H_
#define PASARELA_GATEWAY_CLASSIFY_CONTEXT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace pasarela::classify {

// How far back a context word may be: at most this many tokens, within this many bytes.
inline constexpr size_t kContextTokens = 6;
inline constexpr size_t kContextBytes = 96;

// Folds text for comparison: ASCII letters to lower case, Latin-1 accented letters encoded in
// UTF-8 (á, É, ç, ñ, ü, ...) to their base letter, every other ASCII byte that is not a letter
// or digit to a space; other non-ASCII bytes are kept. Runs of spaces collapse to one, and the
// result starts and ends with a space, so that a phrase " fecha de nac " can be searched for as
// a whole-word substring.
// With `keep_case`, ASCII letters keep their case (and folded accented letters are lower case),
// for the acronyms that count only in capitals.
std::string FoldForContext(absl::string_view text, bool keep_case = false);

// The folded form (as above) of the last kContextTokens tokens before byte `pos` of `text`, looking
// back at most kContextBytes bytes and stopping at the first token that holds a digit (the words
// before another value are that value's context); `keep_case` as for FoldForContext.
// REQUIRES: pos <= text.size().
std::string ContextBefore(absl::string_view text, size_t pos, bool keep_case = false);

// True when one of `phrases` (already folded, e.g. " e mail ") occurs in `folded_context`.
bool ContainsAnyPhrase(absl::string_view folded_context, absl::Span<const std::string> phrases);

}  // namespace pasarela::classify

#endif  // PASARELA_GATEWAY_CLASSIFY_CONTEXT_H_
