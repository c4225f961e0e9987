#include "gateway/common/command_line.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace pasarela {

absl::StatusOr<CommandLine> CommandLine::Parse(const std::vector<std::string>& args,
                                               const std::vector<Option>& options,
                                               const std::vector<std::string>& positional_names) {
  const auto find = [&](absl::string_view name) -> const Option* {
    auto it = std::find_if(options.begin(), options.end(),
                           [&](const Option& option) { return option.name == name; });
    return it == options.end() ? nullptr : &*it;
  };
  CommandLine parsed;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      parsed.help_ = true;
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      if (parsed.positional_.size() >= positional_names.size()) {
        return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", arg, "'"));
      }
      parsed.positional_.push_back(arg);
      continue;
    }
    const size_t equals = arg.find('=');
    const std::string name = arg.substr(0, equals);
    const Option* option = find(name);
    if (option == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", name, "'"));
    }
    std::vector<std::string>& values = parsed.values_[name];
    if (option->arity == Arity::kSwitch) {
      if (equals != std::string::npos) {
        return absl::InvalidArgumentError(absl::StrCat(name, " takes no value"));
      }
      values.emplace_back();
      continue;
    }
    std::string value;
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
    } else {
      // "--config --ready-file x" lost the config's path: the next option is no value.
      const bool next_is_option = i + 1 < args.size() && absl::StartsWith(args[i + 1], "--") &&
                                  find(args[i + 1].substr(0, args[i + 1].find('='))) != nullptr;
      if (i + 1 >= args.size() || next_is_option) {
        return absl::InvalidArgumentError(absl::StrCat(name, " needs a value"));
      }
      value = args[++i];
    }
    if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(name, " must not be empty"));
    if (option->arity == Arity::kOnce && !values.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(name, " given twice"));
    }
    values.push_back(std::move(value));
  }
  return parsed;
}

absl::optional<std::string> CommandLine::Value(absl::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return absl::nullopt;
  return it->second.front();
}

std::vector<std::string> CommandLine::Values(absl::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>() : it->second;
}

bool CommandLine::Has(absl::string_view name) const {
  auto it = values_.find(name);
  return it != values_.end() && !it->second.empty();
}

absl::optional<std::string> CommandLine::Positional(size_t i) const {
  if (i >= positional_.size()) return absl::nullopt;
  return positional_[i];
}

}  // namespace pasarela
