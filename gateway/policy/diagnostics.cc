#include "gateway/policy/diagnostics.h"

#include "absl/strings/str_cat.h"

namespace pasarela {

std::string Diagnostic::ToString() const {
  if (location.line <= 0) return absl::StrCat(location.file, ": error: ", message);
  return absl::StrCat(location.file, ":", location.line, ":", location.column,
                      ": error: ", message);
}

void Diagnostics::Error(SourceLocation location, absl::string_view message) {
  errors_.push_back(Diagnostic{std::move(location), std::string(message)});
}

std::string Diagnostics::ToString() const {
  std::string text;
  for (const Diagnostic& error : errors_) absl::StrAppend(&text, error.ToString(), "\n");
  return text;
}

absl::Status Diagnostics::ToStatus() const {
  if (errors_.empty()) return absl::OkStatus();
  std::string text = ToString();
  text.pop_back();
  return absl::InvalidArgumentError(text);
}

}  // namespace pasarela
