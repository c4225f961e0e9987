#include "gateway/policy/diagnostics.h"

#include "absl/strings/str_cat.h"
#include "gateway/common/counted.h"

namespace pasarela {

std::string SourceLocation::ToString() const {
  if (line <= 0) return file;
  return absl::StrCat(file, ":", line, ":", column);
}

std::string FirstAt(const SourceLocation& first) {
  return absl::StrCat("(first at line ", first.line, ", column ", first.column, ")");
}

std::string Diagnostic::ToString() const {
  return absl::StrCat(location.ToString(), ": error: ", message);
}

void Diagnostics::Error(SourceLocation location, absl::string_view message) {
  errors_.push_back(Diagnostic{std::move(location), std::string(message)});
}

std::string Diagnostics::ToString() const {
  std::string text;
  for (const Diagnostic& error : errors_) absl::StrAppend(&text, error.ToString(), "\n");
  return text;
}

std::string Diagnostics::CountLine(absl::string_view where) const {
  return absl::StrCat(Counted(errors_.size(), "error", "errors"), " in ", where, "\n");
}

absl::Status Diagnostics::ToStatus() const {
  if (errors_.empty()) return absl::OkStatus();
  std::string text = ToString();
  text.pop_back();
  return absl::InvalidArgumentError(text);
}

}  // namespace pasarela
