// The words of an offline command ("pasarela policy lint DIR --country CL"), read against the
// options the command takes. "--name VALUE" and "--name=VALUE" read alike; an option without its
// value, an empty value, a single-valued option given twice, an unknown option and a word too
// many are each refused with the message to print, so that a mistyped command line is a usage
// error and never a silently different run.
//
// Thread safety: a parsed CommandLine is immutable.
#ifndef PASARELA_GATEWAY_COMMON_COMMAND_LINE_H_
#define PASARELA_GATEWAY_COMMON_COMMAND_LINE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace pasarela {

class CommandLine {
 public:
  enum class Arity {
    kOnce,      // --name VALUE, at most once
    kRepeated,  // --name VALUE, as often as wanted
    kSwitch,    // --name, no value
  };
  struct Option {
    std::string name;  // with its dashes: "--country"
    Arity arity;
  };

  // Reads `args` (the words after the command's name). `positional_names` name the words without
  // a dash the command takes, in order ("DIR"); more of them is an error. -h and --help are always
  // understood. INVALID_ARGUMENT, its message one of "--country needs a value", "--country must
  // not be empty", "--country given twice", "--strict takes no value", "unexpected argument
  // '--x'" (an option the command does not take), "unexpected argument 'x'" (a word too many).
  static absl::StatusOr<CommandLine> Parse(const std::vector<std::string>& args,
                                           const std::vector<Option>& options,
                                           const std::vector<std::string>& positional_names);

  bool help() const { return help_; }
  // A kOnce option's value, nullopt when it was not given.
  absl::optional<std::string> Value(absl::string_view name) const;
  // A kRepeated option's values in the order given.
  std::vector<std::string> Values(absl::string_view name) const;
  // Whether a kSwitch option was given.
  bool Has(absl::string_view name) const;
  // The i-th positional word, nullopt when fewer were given.
  absl::optional<std::string> Positional(size_t i) const;

 private:
  bool help_ = false;
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
  std::vector<std::string> positional_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_COMMON_COMMAND_LINE_H_
