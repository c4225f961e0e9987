// Errors found in policy files, each at file:line:column (1-based), collected so that an
// administrator sees all of them at once. Thread-compatible.
#ifndef PASARELA_GATEWAY_POLICY_DIAGNOSTICS_H_
#define PASARELA_GATEWAY_POLICY_DIAGNOSTICS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace pasarela {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 when the error is about the whole file
  int column = 0;  // 1-based
  // "file:line:column" (or "file" without a line), as a message names another place.
  std::string ToString() const;
};

// "(first at line N, column M)": how an error about a repeated key or list item points at the
// first one, which is in the same file.
std::string FirstAt(const SourceLocation& first);

struct Diagnostic {
  SourceLocation location;
  std::string message;
  // "file:line:column: error: message" (or "file: error: message" without a line).
  std::string ToString() const;
};

class Diagnostics {
 public:
  // A word of `message` (a run without spaces) longer than 200 bytes, such as a pasted blob
  // echoed as the value found, is shortened to its first 80 bytes (whole UTF-8 characters), "...",
  // its closing quote if it had one, and its length: "found 'P1111...' (5002 characters)".
  void Error(SourceLocation location, absl::string_view message);
  bool has_errors() const { return !errors_.empty(); }
  const std::vector<Diagnostic>& errors() const { return errors_; }
  // All errors, one per line, in the order they were found.
  std::string ToString() const;
  // The line that ends a report of the errors found in `where`: "1 error in DIR", "3 errors in
  // DIR".
  std::string CountLine(absl::string_view where) const;
  // OK when there are no errors, else INVALID_ARGUMENT carrying ToString().
  absl::Status ToStatus() const;

 private:
  std::vector<Diagnostic> errors_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_POLICY_DIAGNOSTICS_H_
